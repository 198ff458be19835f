""" "The last id a client saw" is a safe resume point, even though writers run in parallel.

SQLite admits one writer at a time, so event ids commit in id order. PostgreSQL commits
event writers in parallel (``threads.events``: a shared advisory lock marks a writer in
flight), so an id can commit after a higher one; readers then wait for the writers in
flight before they treat a position as settled or a gap as permanent.
"""

import asyncio
import threading
import time

import pytest
from django.db import connection, transaction

from chatproject.realtime import selectors
from chats import services as chat_services
from tests.realtime.conftest import connected, db, run
from threads import events
from threads import services as thread_services
from threads.models import Event

pytestmark = pytest.mark.django_db(transaction=True)

REAL_PUBLISH = events.publish

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="writers only overlap on PostgreSQL"
)
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's one writer")


class SlowWriter(threading.Thread):
    """A transaction that draws an event id, then stays open until ``release`` is set
    (and then commits, or rolls back with ``fail``)."""

    def __init__(self, thread, *, fail: bool = False):
        super().__init__()
        self.thread, self.fail = thread, fail
        self.drawn, self.release = threading.Event(), threading.Event()
        self.event_id = None
        self.released_at = None

    def run(self):
        try:
            with transaction.atomic():
                self.event_id = events.record(
                    thread_id=self.thread.pk, type="thread.updated", payload={}
                ).id
                self.drawn.set()
                self.release.wait(20)
                self.released_at = time.monotonic()
                if self.fail:
                    raise RuntimeError("rolled back on purpose")
        except RuntimeError:
            pass
        finally:
            connection.close()


class Sender(threading.Thread):
    def __init__(self, thread, author, text):
        super().__init__()
        self.args = thread, author, text
        self.message = None
        self.done_at = None

    def run(self):
        thread, author, text = self.args
        try:
            self.message = chat_services.message_send(thread=thread, actor=author, text=text)
            self.done_at = time.monotonic()
        finally:
            connection.close()


@pytest.fixture
def other_thread(workspace, alice, bob):
    return thread_services.custom_thread_create(
        workspace=workspace, creator=alice, title="Other", members=[bob]
    )


def _open_writer_then_send(custom_thread, other_thread, alice, *, wait_s: float):
    """A writer that drew an event id in ``custom_thread`` and stays open, then a send to
    ``other_thread`` given ``wait_s`` to finish. Returns (slow, fast)."""
    slow = SlowWriter(custom_thread)
    slow.start()
    assert slow.drawn.wait(10)
    fast = Sender(other_thread, alice, "hi")
    fast.start()
    fast.join(wait_s)
    return slow, fast


@on_postgresql
def test_writers_do_not_wait_for_each_other(custom_thread, other_thread, alice):
    slow, fast = _open_writer_then_send(custom_thread, other_thread, alice, wait_s=5)
    assert not fast.is_alive(), "a writer waited for another writer's transaction"
    assert fast.message.pk is not None and slow.is_alive()
    slow.release.set()
    slow.join(10)
    assert Event.objects.get(pk=slow.event_id)


@on_sqlite
def test_sqlite_admits_one_writer_so_ids_commit_in_order(custom_thread, other_thread, alice):
    slow, fast = _open_writer_then_send(custom_thread, other_thread, alice, wait_s=0.5)
    assert fast.is_alive(), "a second writer drew an event id while the first was open"
    slow.release.set()
    slow.join(10)
    fast.join(10)
    assert Event.objects.filter(thread=other_thread).latest("id").id > slow.event_id


@on_postgresql
def test_the_resume_point_waits_for_a_lower_id_still_in_flight(custom_thread, other_thread, alice):
    slow, _ = _open_writer_then_send(custom_thread, other_thread, alice, wait_s=5)
    fast_id = Event.objects.filter(thread=other_thread).latest("id").id
    assert fast_id > slow.event_id  # committed first, with the higher id

    answer = {}

    def read():
        try:
            answer["id"] = selectors.last_event_id()
            answer["at"] = time.monotonic()
        finally:
            connection.close()

    reader = threading.Thread(target=read)
    reader.start()
    reader.join(0.5)
    assert reader.is_alive(), "handed out a resume point above an id still in flight"
    slow.release.set()
    slow.join(10)
    reader.join(10)
    assert answer["id"] >= fast_id and answer["at"] >= slow.released_at


def _out_of_order(monkeypatch, custom_thread, other_thread, alice, bob, *, fail: bool):
    """Bob's socket while an open writer holds a lower id and a later send commits first;
    the open writer ends one second later. Returns (frames, slow, fast).

    The writers run on their own threads, whose doorbells the in-memory channel layer of
    the test's loop would not carry: they are collected at commit and rung from the loop,
    in commit order.
    """
    committed = []
    monkeypatch.setattr(events, "publish", committed.append)
    slow, fast = SlowWriter(custom_thread, fail=fail), Sender(other_thread, alice, "fast")
    frames = []

    async def scenario():
        async with connected(bob) as socket:
            slow.start()
            assert slow.drawn.wait(10)
            fast.start()  # on SQLite it waits for the slow writer
            threading.Timer(1.0, slow.release.set).start()
            rung = 0
            deadline = time.monotonic() + 15
            while (slow.is_alive() or fast.is_alive() or rung < len(committed)) and (
                time.monotonic() < deadline
            ):
                while rung < len(committed):
                    await db(REAL_PUBLISH)(committed[rung])
                    rung += 1
                await asyncio.sleep(0.02)
            frames.extend(await socket.receive_events(1 if fail else 2, timeout=15))
            assert await socket.silent(0.5)

    run(scenario)
    slow.join(10)
    fast.join(10)
    return frames, slow, fast


def test_an_id_committed_late_is_delivered_before_the_higher_one(
    monkeypatch, custom_thread, other_thread, alice, bob
):
    frames, slow, fast = _out_of_order(
        monkeypatch, custom_thread, other_thread, alice, bob, fail=False
    )
    fast_id = Event.objects.filter(thread=other_thread).latest("id").id
    assert [f["id"] for f in frames] == [slow.event_id, fast_id]
    assert [f["type"] for f in frames] == ["thread.updated", "message.created"]
    if connection.vendor == "postgresql":
        assert fast.done_at < slow.released_at  # the higher id really committed first


def test_a_rolled_back_id_leaves_a_gap_that_does_not_hold_delivery_back(
    monkeypatch, custom_thread, other_thread, alice, bob
):
    frames, _, _ = _out_of_order(monkeypatch, custom_thread, other_thread, alice, bob, fail=True)
    # (SQLite hands the rolled-back id out again; PostgreSQL's sequence leaves a gap.)
    assert not Event.objects.filter(thread=custom_thread, type="thread.updated").exists()
    assert [f["data"]["message"]["text"] for f in frames] == ["fast"]


@on_postgresql
def test_writers_in_another_database_of_the_cluster_are_not_waited_for(monkeypatch):
    # pg_locks lists the whole cluster's locks; other databases (other apps, other test
    # workers) have their own event writers, which never touch this log.
    import psycopg

    settings = connection.settings_dict
    other = psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname="postgres",
    )
    try:
        other.execute("SELECT pg_advisory_xact_lock_shared(%s)", [events.EVENT_ORDER_LOCK])
        monkeypatch.setattr(events, "SETTLE_TIMEOUT_S", 1.0)
        assert selectors.last_event_id() >= 0  # would wait, then raise TimeoutError
        events.settle()
    finally:
        other.close()
