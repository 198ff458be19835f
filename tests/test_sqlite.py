"""The embedded default holds real load: concurrent writers queue, never "database is locked".

Each test checks the SQLite configuration when running on SQLite and the equivalent
guarantee when running on PostgreSQL, so both runs assert something.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from chats import services as chat_services
from chats.models import Message
from tests import factories
from threads import services as thread_services
from threads.models import Thread

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def journal_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        return cursor.fetchone()[0]


def test_database_is_set_up_for_concurrent_writers():
    if connection.vendor == "sqlite":
        assert journal_mode() == "wal"
        assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] >= 5_000  # writers wait seconds, not fail at once
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
    else:
        # PostgreSQL serializes writers to one thread by row locks under read committed.
        assert connection.vendor == "postgresql"
        assert connection.features.has_select_for_update
        with connection.cursor() as cursor:
            cursor.execute("SHOW transaction_isolation")
            assert cursor.fetchone()[0] == "read committed"


def test_eight_concurrent_senders_all_succeed(workspace):
    senders = [factories.UserFactory() for _ in range(8)]
    thread = thread_services.custom_thread_create(
        workspace=workspace, creator=senders[0], title="busy", members=senders[1:]
    )
    barrier = threading.Barrier(len(senders))
    errors: list[Exception] = []
    modes: list[str] = []

    def send(user):
        try:
            if connection.vendor == "sqlite":
                modes.append(journal_mode())  # every new connection, not just the first
            barrier.wait()
            for i in range(20):
                chat_services.message_send(thread=thread, actor=user, text=f"{user.pk} {i}")
        except Exception as error:  # "database is locked" would land here
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=send, args=(u,)) for u in senders]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)

    assert not any(w.is_alive() for w in workers)
    assert errors == []
    assert Message.objects.filter(thread=thread).count() == 160
    for user in senders:
        texts = Message.objects.filter(author=user).order_by("created_at", "id")
        assert list(texts.values_list("text", flat=True)) == [f"{user.pk} {i}" for i in range(20)]
    seqs = list(thread.events.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 162))  # thread.created + 160 messages, gap-free
    if connection.vendor == "sqlite":
        assert modes == ["wal"] * 8
    else:
        assert modes == []


def test_a_writer_waits_for_a_long_transaction_instead_of_failing(workspace, alice, bob):
    """One writer holds the write lock; another starting meanwhile queues and then succeeds."""
    thread = thread_services.custom_thread_create(
        workspace=workspace, creator=alice, title="slow", members=[bob]
    )
    holding = threading.Event()
    outcome: dict = {}

    def slow_writer():
        try:
            with transaction.atomic():
                chat_services.message_send(thread=thread, actor=alice, text="slow")
                holding.set()
                time.sleep(0.5)
        finally:
            connection.close()

    def second_writer():
        try:
            holding.wait(10)
            started = time.monotonic()
            outcome["message"] = chat_services.message_send(thread=thread, actor=bob, text="2nd")
            outcome["waited"] = time.monotonic() - started
        except Exception as error:
            outcome["error"] = error
        finally:
            connection.close()

    workers = [threading.Thread(target=slow_writer), threading.Thread(target=second_writer)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=30)

    assert "error" not in outcome, outcome
    assert outcome["waited"] >= 0.2  # it really queued behind the first transaction
    texts = Message.objects.filter(thread=thread).order_by("created_at")
    assert list(texts.values_list("text", flat=True)) == ["slow", "2nd"]
    assert Thread.objects.get(pk=thread.pk).event_seq == 3


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend's writer queue")
def test_the_process_writer_queue_is_released_on_every_way_out(workspace, alice):
    # Writers of one process queue on one lock before BEGIN IMMEDIATE (chatproject.sqlite):
    # a transaction that ended without releasing it would stop every later writer.
    from chatproject.sqlite.base import _writer_lock

    queue = _writer_lock(str(connection.settings_dict["NAME"]))
    with transaction.atomic():
        thread_services.custom_thread_create(
            workspace=workspace, creator=alice, title="Committed", members=[]
        )
        assert queue.locked()
    assert not queue.locked()

    with pytest.raises(RuntimeError), transaction.atomic():
        assert queue.locked()
        raise RuntimeError("rolled back")
    assert not queue.locked()

    connection.ensure_connection()
    connection._start_transaction_under_autocommit()  # a BEGIN, then the connection dies
    assert queue.locked()
    connection.close()
    assert not queue.locked()
    assert Thread.objects.filter(title="Committed").exists()

    waited = {}

    def second_writer():
        try:
            start = time.monotonic()
            with transaction.atomic():
                waited["s"] = time.monotonic() - start
        finally:
            connection.close()

    with transaction.atomic():
        other = threading.Thread(target=second_writer)
        other.start()
        other.join(0.3)
        assert other.is_alive()  # queued behind this transaction, in the process
    other.join(10)
    assert waited["s"] >= 0.3
