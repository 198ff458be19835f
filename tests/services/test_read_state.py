"""threads.services.thread_mark_read: the read mark behind unread counts.

The mark is the newest message read, not the clock: re-reading what was read writes
nothing and announces nothing.
"""

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chatproject.errors import NotFound
from chats import services as chat_services
from tests.services.helpers import last_event
from threads import events, services
from threads.models import Event, Membership


def read_mark(thread, user):
    return Membership.objects.get(thread=thread, user=user).last_read_at


def say(thread, author, text="hi"):
    return chat_services.message_send(thread=thread, actor=author, text=text)


def test_marking_read_records_the_newest_message_read_and_tells_the_reader(
    session_thread, alice, bob
):
    message = say(session_thread, alice)

    services.thread_mark_read(thread=session_thread, actor=bob, up_to=message)

    mark = read_mark(session_thread, bob)
    assert mark == message.created_at
    event = last_event(session_thread)
    assert event.type == "read.updated" and event.user_id == bob.id
    assert event.payload["user"] == str(bob.id)
    assert event.payload["last_read_at"] == DjangoJSONEncoder().default(mark)


def test_read_mark_only_moves_forward(session_thread, alice, bob):
    older, newer = say(session_thread, alice, "one"), say(session_thread, alice, "two")
    services.thread_mark_read(thread=session_thread, actor=bob, up_to=newer)
    count = Event.objects.count()

    assert services.thread_mark_read(thread=session_thread, actor=bob, up_to=older) is None
    assert services.thread_mark_read(thread=session_thread, actor=bob, up_to=newer) is None

    assert read_mark(session_thread, bob) == newer.created_at
    assert Event.objects.count() == count  # no news is not announced


def test_rereading_what_was_read_writes_nothing(session_thread, alice, bob):
    message = say(session_thread, alice)
    services.thread_mark_read(thread=session_thread, actor=bob, up_to=message)
    count = Event.objects.count()

    with CaptureQueriesContext(connection) as queries:
        services.thread_mark_read(thread=session_thread, actor=bob, up_to=message)

    statements = [q["sql"].lstrip().split()[0].upper() for q in queries.captured_queries]
    assert statements == ["SELECT"]  # no lock, no transaction, no write
    assert Event.objects.count() == count


def test_each_reader_has_their_own_mark(session_thread, alice, bob):
    services.thread_mark_read(thread=session_thread, actor=bob, up_to=say(session_thread, alice))
    assert read_mark(session_thread, alice) is None


def test_non_member_cannot_mark_read(session_thread, alice, carol):
    message = say(session_thread, alice)
    count = Event.objects.count()
    with pytest.raises(NotFound):
        services.thread_mark_read(thread=session_thread, actor=carol, up_to=message)
    assert Event.objects.count() == count


def test_removed_thread_cannot_be_marked_read(session_thread, alice, bob):
    message = say(session_thread, alice)
    services.thread_remove(thread=session_thread, actor=alice)
    with pytest.raises(NotFound):
        services.thread_mark_read(thread=session_thread, actor=bob, up_to=message)
    assert read_mark(session_thread, bob) is None


def test_read_updated_reaches_only_the_readers_sockets(
    session_thread, alice, bob, listen_thread, listen_user, django_capture_on_commit_callbacks
):
    message = say(session_thread, alice)
    thread_listener = listen_thread(session_thread)
    bobs = listen_user(bob)
    alices = listen_user(alice)

    with django_capture_on_commit_callbacks(execute=True):
        services.thread_mark_read(thread=session_thread, actor=bob, up_to=message)

    delivered = bobs.events()
    assert [e["type"] for e in delivered] == ["read.updated"]
    assert delivered[0] == events.frame(last_event(session_thread))
    assert delivered[0]["data"]["user"] == str(bob.id)
    assert delivered[0]["thread"] == str(session_thread.id)
    assert thread_listener.received() == [] and alices.received() == []
