"""POST /v1/sessions and POST /v1/sessions/{sessionId}/join: how session tokens are obtained."""

import uuid

from chatproject.actors import SYSTEM
from tests import factories
from tests.api.session.conftest import SessionClient, assert_problem
from tests.factories import user_token
from threads import services as thread_services
from threads.models import Event, Membership, Thread, WorkspaceMember


def test_creating_a_session_makes_the_caller_host_with_a_working_token(alice):
    client = SessionClient(user_token(alice))
    response = client.post("/v1/sessions", {"title": "Webinar"}, format="json")
    assert response.status_code == 201
    body = response.json()
    thread = Thread.objects.get(pk=body["sessionId"])
    assert thread.kind == Thread.Kind.SESSION and thread.title == "Webinar"
    assert Membership.objects.get(thread=thread, user=alice).role == Membership.Role.HOST

    host = SessionClient(body["token"])
    chat_id = host.post("/v1/chats", {"message": "welcome"}, format="json").json()["chatId"]
    assert host.post(f"/v1/chats/{chat_id}/pins").status_code == 200


def test_joining_makes_a_participant_who_cannot_pin(session_thread, carol, alice):
    response = SessionClient(user_token(carol)).post(f"/v1/sessions/{session_thread.id}/join")
    assert response.status_code == 200
    guest = SessionClient(response.json()["token"])
    assert Membership.objects.get(thread=session_thread, user=carol).role == Membership.Role.MEMBER
    chat_id = guest.post("/v1/chats", {"message": "hi"}, format="json").json()["chatId"]
    assert_problem(guest.post(f"/v1/chats/{chat_id}/pins"), 403)


def test_joining_twice_keeps_one_membership_and_the_host_stays_host(session_thread, alice, bob):
    for user in (bob, bob, alice):
        response = SessionClient(user_token(user)).post(f"/v1/sessions/{session_thread.id}/join")
        assert response.status_code == 200
    assert Membership.objects.filter(thread=session_thread, user=bob).count() == 1
    assert Membership.objects.get(thread=session_thread, user=alice).role == Membership.Role.HOST


def test_unknown_removed_or_foreign_sessions_cannot_be_joined(session_thread, carol):
    client = SessionClient(user_token(carol))
    assert_problem(client.post(f"/v1/sessions/{uuid.uuid4()}/join"), 404)
    assert_problem(client.post("/v1/sessions/nope/join"), 404)
    stranger = factories.UserFactory(workspace=factories.WorkspaceFactory())
    assert_problem(
        SessionClient(user_token(stranger)).post(f"/v1/sessions/{session_thread.id}/join"), 404
    )
    thread_services.thread_remove(actor=SYSTEM, thread=session_thread)
    assert_problem(client.post(f"/v1/sessions/{session_thread.id}/join"), 404)


def test_session_token_cannot_create_sessions_and_title_is_required(as_guest, alice):
    assert_problem(as_guest.post("/v1/sessions", {"title": "x"}, format="json"), 401)
    client = SessionClient(user_token(alice))
    assert_problem(client.post("/v1/sessions", {"title": ""}, format="json"), 400)
    assert_problem(client.post("/v1/sessions", {}, format="json"), 400)
    assert Thread.objects.filter(title="x").count() == 0


def test_creating_a_session_records_thread_created(alice):
    response = SessionClient(user_token(alice)).post(
        "/v1/sessions", {"title": "AMA"}, format="json"
    )
    events = Event.objects.filter(thread_id=response.json()["sessionId"])
    assert list(events.values_list("type", flat=True)) == ["thread.created"]


def test_joining_records_member_added_once(session_thread, carol):
    client = SessionClient(user_token(carol))
    last_before = Event.objects.filter(thread=session_thread).latest("id").id
    client.post(f"/v1/sessions/{session_thread.id}/join")
    client.post(f"/v1/sessions/{session_thread.id}/join")
    added = list(Event.objects.filter(thread=session_thread, id__gt=last_before).order_by("id"))
    assert [e.type for e in added] == ["member.added"]
    assert added[0].payload["user"]["id"] == str(carol.id)


def test_a_user_in_no_workspace_cannot_create_a_session(alice):
    WorkspaceMember.objects.filter(user=alice).delete()
    client = SessionClient(user_token(alice))
    assert_problem(client.post("/v1/sessions", {"title": "Webinar"}, format="json"), 403)
    assert not Thread.objects.filter(title="Webinar").exists()


def test_session_is_made_in_the_workspace_the_user_joined_first(alice):
    later = factories.WorkspaceFactory()
    thread_services.workspace_member_add(workspace=later, user=alice)
    response = SessionClient(user_token(alice)).post("/v1/sessions", {"title": "W"}, format="json")
    thread = Thread.objects.get(pk=response.json()["sessionId"])
    assert thread.workspace == factories.default_workspace()


def test_session_body_must_be_a_json_object_with_a_string_title(alice):
    client = SessionClient(user_token(alice))
    for raw in ["{", "[]", '{"title": 5}', '{"title": "   "}', '{"title": "' + "x" * 201 + '"}']:
        response = client.generic("POST", "/v1/sessions", raw, content_type="application/json")
        assert_problem(response, 400)
    assert not Thread.objects.filter(kind=Thread.Kind.SESSION).exists()


def test_a_session_token_of_a_removed_session_stops_working(session_thread, as_guest):
    thread_services.thread_remove(actor=SYSTEM, thread=session_thread)
    assert_problem(as_guest.get("/v1/chats"), 404)
