"""Event ids become visible in id order, which makes "the last id seen" a safe resume point.

A transaction that has drawn an event id keeps every other from drawing one until it
commits (PostgreSQL: an advisory lock in ``threads.events.record``; SQLite: one writer at
a time), so an id can never commit after a higher one.
"""

import threading

import pytest
from django.db import connection, transaction

from chats import services as chat_services
from threads import events
from threads import services as thread_services
from threads.models import Event

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_later_event_cannot_commit_before_an_earlier_open_one(
    workspace, custom_thread, alice, bob
):
    other = thread_services.custom_thread_create(
        workspace=workspace, creator=alice, title="Other", members=[bob]
    )
    drawn, release = threading.Event(), threading.Event()
    ids = {}

    def slow_writer():
        try:
            with transaction.atomic():
                ids["slow"] = events.record(
                    thread_id=custom_thread.pk, type="thread.updated", payload={}
                ).id
                drawn.set()
                release.wait(10)
        finally:
            connection.close()

    def fast_writer():
        try:
            ids["fast"] = chat_services.message_send(thread=other, actor=bob, text="hi").id
        finally:
            connection.close()

    slow = threading.Thread(target=slow_writer)
    slow.start()
    assert drawn.wait(10)
    fast = threading.Thread(target=fast_writer)
    fast.start()
    fast.join(0.5)
    assert fast.is_alive(), "a second writer drew an event id while the first was open"
    release.set()
    slow.join(10)
    fast.join(10)
    fast_event = Event.objects.filter(thread=other).latest("id")
    assert fast_event.id > ids["slow"]
