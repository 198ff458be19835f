"""threads.services.thread_mark_read: the read mark behind unread counts."""

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from chatproject.errors import NotFound
from tests.services.helpers import last_event
from threads import events, services
from threads.models import Event, Membership


def read_mark(thread, user):
    return Membership.objects.get(thread=thread, user=user).last_read_at


def test_marking_read_records_the_time_and_tells_the_reader(session_thread, bob):
    before = timezone.now()
    services.thread_mark_read(thread=session_thread, user=bob)

    mark = read_mark(session_thread, bob)
    assert mark is not None and mark >= before
    event = last_event(session_thread)
    assert event.type == "read.updated" and event.user_id == bob.id
    assert event.payload["user"] == str(bob.id)
    assert event.payload["last_read_at"] == DjangoJSONEncoder().default(mark)


def test_read_mark_only_moves_forward(session_thread, bob):
    now = timezone.now()
    services.thread_mark_read(thread=session_thread, user=bob, at=now)
    count = Event.objects.count()

    services.thread_mark_read(thread=session_thread, user=bob, at=now - timezone.timedelta(hours=1))
    services.thread_mark_read(thread=session_thread, user=bob, at=now)

    assert read_mark(session_thread, bob) == now
    assert Event.objects.count() == count  # no news is not announced


def test_each_reader_has_their_own_mark(session_thread, alice, bob):
    services.thread_mark_read(thread=session_thread, user=bob)
    assert read_mark(session_thread, alice) is None


def test_non_member_cannot_mark_read(session_thread, carol):
    count = Event.objects.count()
    with pytest.raises(NotFound):
        services.thread_mark_read(thread=session_thread, user=carol)
    assert Event.objects.count() == count


def test_read_updated_reaches_only_the_readers_sockets(
    session_thread, alice, bob, listen_thread, listen_user, django_capture_on_commit_callbacks
):
    thread_listener = listen_thread(session_thread)
    bobs = listen_user(bob)
    alices = listen_user(alice)

    with django_capture_on_commit_callbacks(execute=True):
        services.thread_mark_read(thread=session_thread, user=bob)

    delivered = bobs.events()
    assert [e["type"] for e in delivered] == ["read.updated"]
    assert delivered[0] == events.frame(last_event(session_thread))
    assert delivered[0]["data"]["user"] == str(bob.id)
    assert delivered[0]["thread"] == str(session_thread.id)
    assert thread_listener.received() == [] and alices.received() == []
