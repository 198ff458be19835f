"""POST /api/v1/chat/messages: to a thread or a user, content or files, replies, errors,
events, and the race of two first messages."""

import threading
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chats.models import Attachment, Message
from tests import factories
from tests.api.team.conftest import (
    TeamClient,
    assert_error,
    event_types_since,
    last_event_id,
    send,
    upload,
)
from threads import services as thread_services
from threads.models import Event, Thread

URL = "/api/v1/chat/messages"


def test_first_message_to_a_user_creates_the_personal_thread_and_returns_it(as_alice, alice, bob):
    since = last_event_id()

    response = as_alice.post(URL, {"to": str(bob.id), "content": "hi Bob"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"message", "thread"}
    thread = Thread.objects.get(kind=Thread.Kind.DIRECT)
    message = Message.objects.get(pk=body["message"])
    assert message.thread == thread and message.author == alice and message.text == "hi Bob"
    assert body["thread"]["_id"] == str(thread.id)
    assert body["thread"]["type"] == "personal"
    assert sorted(body["thread"]["users"]) == sorted([str(alice.id), str(bob.id)])
    assert body["thread"]["lastMessage"]["_id"] == body["message"]
    assert body["thread"]["newActivityCount"] == 0
    assert event_types_since(since) == ["thread.created", "message.created"]


def test_later_messages_to_the_same_user_reuse_the_thread(as_alice, as_bob, alice, bob):
    first = as_alice.post(URL, {"to": str(bob.id), "content": "one"}).json()
    reply = as_bob.post(URL, {"to": str(alice.id), "content": "two"})

    assert reply.status_code == 200
    assert set(reply.json()) == {"message"}
    assert Thread.objects.filter(kind=Thread.Kind.DIRECT).count() == 1
    assert (
        Message.objects.get(pk=reply.json()["message"]).thread_id
        == Thread.objects.get(pk=first["thread"]["_id"]).pk
    )


def test_message_to_a_thread(as_bob, custom_thread, bob):
    since = last_event_id()
    response = as_bob.post(URL, {"thread": str(custom_thread.id), "content": "  hello  "})

    assert response.status_code == 200, response.content
    assert set(response.json()) == {"message"}
    message = Message.objects.get(pk=response.json()["message"])
    assert message.thread == custom_thread and message.text == "hello"
    assert event_types_since(since) == ["message.created"]


def test_reply_in_the_same_thread(as_bob, custom_thread, alice):
    question = send(custom_thread, alice, "q?")
    response = as_bob.post(
        URL, {"thread": str(custom_thread.id), "content": "a!", "replyTo": str(question.id)}
    )
    assert response.status_code == 200, response.content
    assert Message.objects.get(pk=response.json()["message"]).reply_to == question


def test_reply_in_a_personal_thread_by_to(as_bob, personal_thread, alice):
    question = send(personal_thread, alice, "q?")
    response = as_bob.post(URL, {"to": str(alice.id), "content": "a!", "replyTo": str(question.id)})
    assert response.status_code == 200, response.content
    assert Message.objects.get(pk=response.json()["message"]).reply_to == question


def test_reply_to_a_message_of_another_thread_is_a_400(
    as_bob, custom_thread, personal_thread, alice
):
    elsewhere = send(personal_thread, alice, "elsewhere")
    before = Message.objects.count()
    response = as_bob.post(
        URL, {"thread": str(custom_thread.id), "content": "x", "replyTo": str(elsewhere.id)}
    )
    assert_error(response, 400, field="replyTo")
    assert Message.objects.count() == before


def test_reply_by_to_into_another_thread_is_a_400_and_creates_no_thread(
    as_carol, workspace, alice, bob, carol
):
    """Carol's first message to Bob may not reply to a message of her thread with Alice."""
    theirs = thread_services.custom_thread_create(
        workspace=workspace, creator=carol, title="c+a", members=[alice]
    )
    other = send(theirs, alice, "in another thread")
    events_before = Event.objects.count()

    response = as_carol.post(URL, {"to": str(bob.id), "content": "x", "replyTo": str(other.id)})

    assert_error(response, 400, field="replyTo")
    assert not Thread.objects.filter(kind=Thread.Kind.DIRECT).exists()
    assert Event.objects.count() == events_before


def test_message_with_files_only(as_bob, custom_thread, bob):
    file = upload(bob)
    response = as_bob.post(URL, {"thread": str(custom_thread.id), "files": [str(file.id)]})
    assert response.status_code == 200, response.content
    file.refresh_from_db()
    assert str(file.message_id) == response.json()["message"]
    assert Message.objects.get(pk=file.message_id).text == ""


def test_someone_elses_file_is_a_400(as_bob, custom_thread, alice):
    file = upload(alice)
    response = as_bob.post(URL, {"thread": str(custom_thread.id), "files": [str(file.id)]})
    assert_error(response, 400, field="files")
    assert Attachment.objects.get(pk=file.pk).message is None
    assert not Message.objects.exists()


def test_a_file_already_sent_is_a_400(as_bob, custom_thread, bob):
    file = upload(bob)
    send(custom_thread, bob, "first", attachments=[file])
    response = as_bob.post(URL, {"thread": str(custom_thread.id), "files": [str(file.id)]})
    assert_error(response, 400, field="files")


def test_unknown_file_is_a_400(as_bob, custom_thread):
    response = as_bob.post(
        URL, {"thread": str(custom_thread.id), "files": ["00000000-0000-0000-0000-000000000000"]}
    )
    assert_error(response, 400, field="files")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": "x"}, "thread"),
        ({"content": "x", "thread": "THREAD", "to": "BOB"}, "to"),
        ({"thread": "THREAD"}, "content"),
        ({"thread": "THREAD", "content": "   "}, "content"),
        ({"thread": "THREAD", "content": 5}, "content"),
        ({"thread": "THREAD", "content": "x" * 10_001}, "content"),
        ({"thread": "not-a-uuid", "content": "x"}, "thread"),
        ({"thread": "THREAD", "files": "FILE"}, "files"),
        ({"thread": "THREAD", "files": ["nope"]}, "files"),
        ({"thread": "THREAD", "content": "x", "replyTo": "nope"}, "replyTo"),
        ({"to": "not-a-uuid", "content": "x"}, "to"),
        ({"to": "00000000-0000-0000-0000-000000000000", "content": "x"}, "to"),
        ({"to": "OUTSIDER", "content": "x"}, "to"),
        ({"to": "ALICE", "content": "x"}, "to"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(
    as_alice, custom_thread, alice, bob, outsider, body, field
):
    names = {"THREAD": custom_thread.id, "BOB": bob.id, "OUTSIDER": outsider.id, "ALICE": alice.id}
    body = {k: str(names.get(v, v)) if isinstance(v, str) else v for k, v in body.items()}
    events_before = Event.objects.count()

    assert_error(as_alice.post(URL, body), 400, field=field)

    assert not Message.objects.exists()
    assert Event.objects.count() == events_before
    assert not Thread.objects.filter(kind=Thread.Kind.DIRECT).exists()


def test_thread_the_caller_cannot_see_is_a_404(as_carol, custom_thread):
    response = as_carol.post(URL, {"thread": str(custom_thread.id), "content": "let me in"})
    assert_error(response, 404)
    assert not Message.objects.exists()


def test_session_thread_is_a_404_here(as_bob, session_thread):
    messages_before = Message.objects.count()
    response = as_bob.post(URL, {"thread": str(session_thread.id), "content": "hi"})
    assert_error(response, 404)
    assert Message.objects.count() == messages_before


def test_a_thread_the_caller_cannot_see_is_a_404_whatever_else_is_wrong(
    as_carol, custom_thread, alice
):
    """The thread is checked before the files and the reply, though only under its lock."""
    others = upload(alice, name="alices.png")
    response = as_carol.post(
        URL,
        {
            "thread": str(custom_thread.id),
            "content": "x" * 100_000,
            "replyTo": str(uuid.uuid4()),
            "files": [str(others.id)],
        },
    )
    assert_error(response, 404)
    assert not Message.objects.exists()


def test_a_send_reads_its_thread_once_with_the_lock(as_bob, custom_thread):
    """No read of the thread before the service's: it reads it with the row lock and
    checks there what the surface needs (visible, not removed, a Team kind), in the same
    statement. The queries: the token, the lock, the message, the thread's counters, the
    event (and the test's savepoint around the transaction)."""
    as_bob.post(URL, {"thread": str(custom_thread.id), "content": "warm up"})
    with CaptureQueriesContext(connection) as queries:
        response = as_bob.post(URL, {"thread": str(custom_thread.id), "content": "hi"})

    assert response.status_code == 200, response.content
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    assert statements == [
        "SELECT",  # the token and its user
        "SAVEPOINT",
        "SELECT",  # the thread, locked, and whether the sender sees it
        "INSERT",  # the message
        "UPDATE",  # the thread's event and history counters, its last activity
        "INSERT",  # the event
        "RELEASE",
    ]


def test_no_token_is_a_401(custom_thread):
    response = TeamClient().post(URL, {"thread": str(custom_thread.id), "content": "x"})
    error = assert_error(response, 401)
    assert error["code"] == "unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_malformed_json_is_a_400(as_alice):
    response = as_alice.generic("POST", URL, "{not json", content_type="application/json")
    assert_error(response, 400)


# --- the race of two first messages -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_messages_make_one_personal_thread():
    workspace = factories.default_workspace()
    alice = factories.UserFactory(username="alice")
    bob = factories.UserFactory(username="bob")
    clients = [
        (TeamClient(factories.user_token(alice)), bob),
        (TeamClient(factories.user_token(bob)), alice),
    ]
    barrier = threading.Barrier(2)
    responses: list = [None, None]

    def run(i):
        client, recipient = clients[i]
        try:
            barrier.wait()
            responses[i] = client.post(URL, {"to": str(recipient.id), "content": f"hi {i}"})
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert [r.status_code for r in responses] == [200, 200], [r.content for r in responses]
    thread = Thread.objects.get(kind=Thread.Kind.DIRECT, workspace=workspace)
    assert Message.objects.filter(thread=thread).count() == 2
    assert sum("thread" in r.json() for r in responses) == 1
    assert Event.objects.filter(thread=thread, type="thread.created").count() == 1
