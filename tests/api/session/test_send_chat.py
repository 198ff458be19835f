"""POST /v1/chats."""

import pytest

from chats.models import Message
from tests.api.session.conftest import SessionClient, assert_problem
from tests.factories import user_token
from threads.models import Event


def test_sends_a_trimmed_message(as_guest, session_thread, bob):
    response = as_guest.post("/v1/chats", {"message": "  hi all  "}, format="json")
    assert response.status_code == 200
    body = response.json()
    message = Message.objects.get(pk=body["chatId"])
    assert body == {"chatId": str(message.id), "message": "hi all", "createdAt": body["createdAt"]}
    assert message.author == bob and message.thread == session_thread
    assert Event.objects.filter(thread=session_thread).latest("id").type == "message.created"


@pytest.mark.parametrize(
    "content_type",
    ["text/json", "application/*+json", "application/vnd.api+json", "Application/JSON"],
)
def test_accepts_the_seeds_json_media_types(as_guest, content_type):
    response = as_guest.generic("POST", "/v1/chats", '{"message": "hi"}', content_type=content_type)
    assert response.status_code == 200
    assert Message.objects.get().text == "hi"


def test_a_body_that_is_not_json_by_media_type_is_a_415(as_guest):
    response = as_guest.generic("POST", "/v1/chats", "message=hi", content_type="text/plain")
    assert_problem(response, 415)
    assert not Message.objects.exists()


def test_unsupported_method_is_a_405_problem(as_guest):
    assert_problem(as_guest.put("/v1/chats", {"message": "x"}, format="json"), 405)


def test_280_characters_pass_and_281_do_not(as_guest):
    assert as_guest.post("/v1/chats", {"message": "x" * 280}, format="json").status_code == 200
    body = assert_problem(as_guest.post("/v1/chats", {"message": "x" * 281}, format="json"), 400)
    assert list(body["errors"]) == ["message"]
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    "payload", [{"message": ""}, {"message": "   "}, {}, {"message": 5}, {"message": None}]
)
def test_empty_or_missing_message_is_a_400(as_guest, payload):
    assert_problem(as_guest.post("/v1/chats", payload, format="json"), 400)
    assert not Message.objects.exists()


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"text"'])
def test_body_that_is_not_a_json_object_is_a_400(as_guest, raw):
    response = as_guest.generic("POST", "/v1/chats", raw, content_type="application/json")
    assert_problem(response, 400)
    assert not Message.objects.exists()


def test_missing_or_bad_token_is_a_401(db):
    assert_problem(SessionClient().post("/v1/chats", {"message": "x"}, format="json"), 401)
    response = SessionClient("nope").post("/v1/chats", {"message": "x"}, format="json")
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_user_token_is_refused(bob):
    client = SessionClient(user_token(bob))
    assert_problem(client.post("/v1/chats", {"message": "x"}, format="json"), 401)
    assert_problem(client.get("/v1/chats"), 401)


def test_member_who_left_the_session_can_no_longer_post(as_guest, session_thread, bob):
    from threads import services as thread_services

    thread_services.membership_remove(thread=session_thread, user=bob, actor=bob)
    # Leaving revokes the session token, so it is no credential at all any more.
    assert_problem(as_guest.post("/v1/chats", {"message": "x"}, format="json"), 401)


def test_unknown_paths_under_v1_answer_a_problem(as_guest):
    assert_problem(as_guest.get("/v1/nothing-here"), 404)
    assert_problem(as_guest.post("/v1/chats/x/y/z", {}, format="json"), 404)
