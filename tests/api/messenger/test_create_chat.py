"""POST /chats: direct chats are the Team API's personal threads; groups are custom threads."""

import uuid

import pytest
from django.contrib.auth import get_user_model

from tests import factories
from tests.api.messenger.conftest import assert_422, assert_detail
from threads.models import Membership, Thread, WorkspaceMember

User = get_user_model()

URL = "/chats"


def test_one_other_member_makes_a_direct_chat(as_alice, alice, bob):
    response = as_alice.post(URL, {"member_ids": [str(bob.pk)]})

    assert response.status_code == 201, response.content
    body = response.json()
    thread = Thread.objects.get(pk=body["id"])
    assert thread.kind == Thread.Kind.DIRECT
    assert body["type"] == "direct" and body["name"] is None
    assert body["created_by"] == str(alice.pk)
    assert {m["id"] for m in body["members"]} == {str(alice.pk), str(bob.pk)}
    assert {"id": str(bob.pk), "username": "bob", "name": "Bob"} in body["members"]
    assert set(body) == {
        "id",
        "type",
        "name",
        "members",
        "created_by",
        "created_at",
        "updated_at",
    }
    assert body["created_at"].endswith("Z")


def test_the_existing_direct_chat_is_returned_still_201(as_alice, as_bob, alice, bob):
    first = as_alice.post(URL, {"member_ids": [str(bob.pk)]})
    again = as_alice.post(URL, {"member_ids": [str(bob.pk)]})
    from_bob = as_bob.post(URL, {"member_ids": [str(alice.pk)]})

    assert again.status_code == from_bob.status_code == 201
    assert first.json()["id"] == again.json()["id"] == from_bob.json()["id"]
    assert Thread.objects.filter(kind=Thread.Kind.DIRECT).count() == 1


def test_the_team_apis_personal_thread_is_the_direct_chat(as_alice, client_for, alice, bob):
    as_bob_team = client_for(bob)
    sent = as_bob_team.post("/api/v1/chat/messages", {"to": str(alice.pk), "content": "hi"})
    assert sent.status_code == 200, sent.content
    personal = sent.json()["thread"]["_id"]

    response = as_alice.post(URL, {"member_ids": [str(bob.pk)]})

    assert response.status_code == 201
    assert response.json()["id"] == personal


def test_and_a_direct_chat_made_here_is_the_team_apis_personal_thread(
    as_alice, client_for, alice, bob
):
    chat = as_alice.post(URL, {"member_ids": [str(bob.pk)]}).json()

    sent = client_for(bob).post("/api/v1/chat/messages", {"to": str(alice.pk), "content": "hi"})

    assert sent.status_code == 200
    assert "thread" not in sent.json()  # not created: it already existed
    threads = client_for(bob).get("/api/v1/chat/threads").json()
    assert [t["_id"] for t in threads] == [chat["id"]]
    assert threads[0]["type"] == "personal"


def test_listing_yourself_beside_the_other_member_is_still_direct(as_alice, alice, bob):
    response = as_alice.post(URL, {"member_ids": [str(alice.pk), str(bob.pk), str(bob.pk)]})

    assert response.status_code == 201
    assert response.json()["type"] == "direct"


def test_two_others_make_a_group_named_after_its_members(as_alice, alice, bob, carol):
    response = as_alice.post(URL, {"member_ids": [str(bob.pk), str(carol.pk)]})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["type"] == "group"
    assert body["name"] == "Alice, Bob, Carol"
    thread = Thread.objects.get(pk=body["id"])
    assert thread.kind == Thread.Kind.CUSTOM
    roles = dict(Membership.objects.filter(thread=thread).values_list("user__username", "role"))
    assert roles == {"alice": "admin", "bob": "member", "carol": "member"}


def test_a_name_makes_a_group_even_with_one_other(as_alice, bob):
    response = as_alice.post(URL, {"member_ids": [str(bob.pk)], "name": "Plans"})

    assert response.status_code == 201
    body = response.json()
    assert (body["type"], body["name"]) == ("group", "Plans")
    assert Thread.objects.get(pk=body["id"]).kind == Thread.Kind.CUSTOM


def test_a_named_group_of_yourself_alone_is_allowed(as_alice, alice):
    response = as_alice.post(URL, {"member_ids": [], "name": "Notes to self"})

    assert response.status_code == 201
    assert [m["id"] for m in response.json()["members"]] == [str(alice.pk)]


def test_null_name_is_no_name(as_alice, bob):
    response = as_alice.post(URL, {"member_ids": [str(bob.pk)], "name": None})
    assert response.json()["type"] == "direct"


@pytest.mark.parametrize("members", [[], "self"])
def test_a_direct_chat_with_only_yourself_is_422(as_alice, alice, members):
    member_ids = [str(alice.pk)] if members == "self" else []

    response = as_alice.post(URL, {"member_ids": member_ids})

    assert_422(response, (("body", "member_ids"), "value_error"))
    assert not Thread.objects.exists()


def test_an_unknown_member_is_404_user_not_found(as_alice, bob):
    response = as_alice.post(URL, {"member_ids": [str(bob.pk), str(uuid.uuid4())]})

    assert_detail(response, 404, "User not found")
    assert not Thread.objects.exists()


def test_someone_from_another_workspace_is_not_found(as_alice, outsider):
    response = as_alice.post(URL, {"member_ids": [str(outsider.pk)]})

    assert_detail(response, 404, "User not found")
    assert not Thread.objects.exists()


@pytest.fixture
def second_workspace(alice):
    """A workspace Alice joined after her home one, with Erin and Finn, who are not in hers."""
    other = factories.WorkspaceFactory(slug="second")
    WorkspaceMember.objects.create(workspace=other, user=alice)
    factories.UserFactory(username="erin", workspace=other)
    factories.UserFactory(username="finn", workspace=other)
    return other


def test_a_chat_among_people_of_a_shared_workspace_is_made_there(as_alice, bob, second_workspace):
    erin, finn = (User.objects.get(username=u) for u in ("erin", "finn"))

    for body in (
        {"member_ids": [str(erin.pk)]},  # direct
        {"member_ids": [str(erin.pk), str(finn.pk)]},  # group
        {"member_ids": [str(erin.pk)], "name": "Erin & me"},  # named group of two
    ):
        response = as_alice.post(URL, body)
        assert response.status_code == 201, response.content
        thread = Thread.objects.get(pk=response.json()["id"])
        assert thread.workspace == second_workspace

    # Erin and Bob share no workspace: where Alice is with each, not with both.
    mixed = as_alice.post(URL, {"member_ids": [str(erin.pk), str(bob.pk)]})
    assert_422(mixed, (("body", "member_ids"), "value_error"))
    assert Thread.objects.count() == 3


def test_an_inactive_user_is_not_found(as_alice, bob):
    bob.is_active = False
    bob.save()

    assert_detail(as_alice.post(URL, {"member_ids": [str(bob.pk)]}), 404, "User not found")


def test_a_blank_name_is_422_on_name(as_alice, bob):
    response = as_alice.post(URL, {"member_ids": [str(bob.pk)], "name": "   "})

    assert_422(response, (("body", "name"), "value_error"))
    assert not Thread.objects.exists()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, [(("body", "member_ids"), "missing")]),
        ({"member_ids": "x"}, [(("body", "member_ids"), "list_type")]),
        ({"member_ids": None}, [(("body", "member_ids"), "list_type")]),
        ({"member_ids": ["nope"]}, [(("body", "member_ids", 0), "uuid_parsing")]),
        ({"member_ids": [5]}, [(("body", "member_ids", 0), "uuid_type")]),
        (
            {"member_ids": [str(uuid.uuid4()), "x"], "name": 5},
            [(("body", "member_ids", 1), "uuid_parsing"), (("body", "name"), "string_type")],
        ),
        ({"member_ids": [], "name": "x" * 201}, [(("body", "name"), "string_too_long")]),
        (
            {"member_ids": [str(uuid.uuid4()) for _ in range(101)]},
            [(("body", "member_ids"), "too_long")],
        ),
    ],
    ids=[
        "missing",
        "not-a-list",
        "null",
        "bad-uuid",
        "int-uuid",
        "several",
        "long-name",
        "too-many",
    ],
)
def test_malformed_bodies_are_422_listing_every_problem(as_alice, body, expected):
    response = as_alice.post(URL, body)

    assert_422(response, *expected)
    assert not Thread.objects.exists()


def test_each_problem_carries_the_value_sent(as_alice):
    response = as_alice.post(URL, {"member_ids": ["nope"]})

    [item] = response.json()["detail"]
    assert item["input"] == "nope"
    assert item["msg"].startswith("Input should be a valid UUID")


def test_a_missing_field_carries_the_whole_body(as_alice):
    [item] = as_alice.post(URL, {"name": "x"}).json()["detail"]
    assert item == {
        "type": "missing",
        "loc": ["body", "member_ids"],
        "msg": "Field required",
        "input": {"name": "x"},
    }


@pytest.mark.parametrize(
    ("raw", "loc", "type"),
    [
        ("{not json", ["body", 1], "json_invalid"),
        ("", ["body"], "missing"),
        ("[1, 2]", ["body"], "model_attributes_type"),
        ('"text"', ["body"], "model_attributes_type"),
        ("[" * 5000 + "]" * 5000, ["body", 0], "json_invalid"),
    ],
    ids=["not-json", "empty", "array", "string", "too-deep"],
)
def test_a_body_that_is_not_a_json_object_is_422(as_alice, raw, loc, type):
    response = as_alice.post(URL, raw, content_type="application/json")

    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert (item["loc"], item["type"]) == (loc, type)
    assert not Thread.objects.exists()


@pytest.mark.parametrize(
    "content_type", [None, "application/json; charset=utf-8", "application/vnd.chat+json"]
)
def test_json_is_read_without_a_content_type_or_with_a_json_one(as_alice, bob, content_type):
    body = f'{{"member_ids": ["{bob.pk}"]}}'
    if content_type is None:
        response = as_alice.generic("POST", URL, body, content_type="")  # none given
    else:
        response = as_alice.post(URL, body, content_type=content_type)
    assert response.status_code == 201


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_under_another_content_type_the_body_is_text_not_the_model(as_alice, bob, content_type):
    # FastAPI parses a model's body as JSON only for a JSON Content-Type (or none).
    body = f'{{"member_ids": ["{bob.pk}"]}}'

    response = as_alice.post(URL, body, content_type=content_type)

    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "type": "model_attributes_type",
            "loc": ["body"],
            "msg": "Input should be a valid dictionary or object to extract fields from",
            "input": body,
        }
    ]
    assert not Thread.objects.exists()
