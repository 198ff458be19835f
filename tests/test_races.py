"""Constraint races: concurrent identical writes leave exactly one row.

Real threads on a real database (``transaction=True``), released together by a barrier.
On PostgreSQL the unique indexes and row locks decide; on SQLite IMMEDIATE transactions
queue the writers behind the busy timeout. Either way the loser gets the documented
answer (a ``Conflict``, or the winner's row), never a database error.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from chatproject.actors import SYSTEM
from chatproject.errors import Conflict, NotFound
from chats import services as chat_services
from chats.models import Message
from pins import services as pin_services
from pins.models import Pin
from reactions import services as reaction_services
from reactions.models import Reaction
from threads import services as thread_services
from threads.models import Event, Thread

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def race(*calls, n=2) -> list:
    """Run each call from its own thread, released together; return results or exceptions."""
    calls = calls if len(calls) > 1 else calls * n
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as error:  # the losers' errors are part of what we assert
            results[i] = error
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert not any(w.is_alive() for w in workers), "a racer is stuck"
    return results


def errors(results) -> list[Exception]:
    return [r for r in results if isinstance(r, Exception)]


def event_count(thread, type: str) -> int:
    return Event.objects.filter(thread=thread, type=type).count()


def test_concurrent_identical_reactions_make_one_row_and_one_conflict(session_thread, alice, bob):
    message = chat_services.message_send(thread=session_thread, actor=bob, text="vote")
    results = race(
        lambda: reaction_services.reaction_add(message=message, actor=alice, name=":thumbsup:")
    )

    assert Reaction.objects.count() == 1
    winners = [r for r in results if isinstance(r, Reaction)]
    assert len(winners) == 1 and Reaction.objects.get().pk == winners[0].pk
    assert [type(e) for e in errors(results)] == [Conflict]
    assert event_count(session_thread, "reaction.added") == 1


def test_concurrent_alias_spellings_are_still_one_reaction(session_thread, alice, bob):
    message = chat_services.message_send(thread=session_thread, actor=bob, text="vote")
    results = race(
        lambda: reaction_services.reaction_add(message=message, actor=alice, name=":thumbsup:"),
        lambda: reaction_services.reaction_add(message=message, actor=alice, name=":thumbs_up:"),
    )
    assert Reaction.objects.count() == 1
    assert [type(e) for e in errors(results)] == [Conflict]


def test_concurrent_pins_of_one_message_make_one_pin(session_thread, alice, bob):
    message = chat_services.message_send(thread=session_thread, actor=bob, text="pin me")
    results = race(lambda: pin_services.pin_add(message=message, actor=alice))

    assert Pin.objects.count() == 1
    assert sum(isinstance(r, Pin) for r in results) == 1
    assert [type(e) for e in errors(results)] == [Conflict]
    assert event_count(session_thread, "pin.added") == 1


@pytest.mark.parametrize("direction", ["both_from_a", "one_each_way"])
def test_concurrent_first_messages_make_one_personal_thread(workspace, alice, bob, direction):
    def send(author, recipient, text):
        return lambda: chat_services.message_send_direct(
            workspace=workspace, actor=author, recipient=recipient, text=text
        )

    second = send(alice, bob, "again") if direction == "both_from_a" else send(bob, alice, "hey")
    results = race(send(alice, bob, "hi"), second)

    assert errors(results) == []
    thread = Thread.objects.get(kind=Thread.Kind.DIRECT)
    assert set(thread.members.all()) == {alice, bob}
    assert Message.objects.filter(thread=thread).count() == 2
    assert {r[1].pk for r in results} == {thread.pk}
    assert sorted(created for _, _, created in results) == [False, True]
    assert event_count(thread, "thread.created") == 1
    assert event_count(thread, "message.created") == 2


def test_concurrent_sends_with_one_client_id_make_one_message(custom_thread, bob):
    results = race(
        lambda: chat_services.message_send(
            thread=custom_thread, actor=bob, text="once", client_id="retry-1"
        ),
        n=3,
    )

    assert errors(results) == []
    assert Message.objects.filter(thread=custom_thread).count() == 1
    assert {r.pk for r in results} == {Message.objects.get().pk}
    assert event_count(custom_thread, "message.created") == 1


def wait_until_a_statement_waits_for_a_lock() -> None:
    """PostgreSQL shows a statement waiting for a row lock; SQLite's writer waits in its
    busy handler, unseen, so give it the time to get there."""
    if connection.vendor != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + 20
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("no statement waited for the lock")


def test_a_send_that_waited_for_its_senders_removal_is_refused(custom_thread, bob):
    """The removal holds the thread's lock while the send waits for it. The send's lock
    statement started before the removal committed; it must still see it (404, nothing
    written), as if the send had come after."""
    locked, release = threading.Event(), threading.Event()
    outcome: dict = {}

    def remove():
        try:
            with transaction.atomic():
                thread_services.membership_remove(thread=custom_thread, user=bob, actor=SYSTEM)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    def send():
        try:
            chat_services.message_send(thread=custom_thread.pk, actor=bob, text="too late")
        except Exception as error:
            outcome["error"] = error
        finally:
            connection.close()

    remover = threading.Thread(target=remove)
    remover.start()
    assert locked.wait(30)
    sender = threading.Thread(target=send)
    sender.start()
    wait_until_a_statement_waits_for_a_lock()
    release.set()
    remover.join(30)
    sender.join(30)

    assert isinstance(outcome.get("error"), NotFound)
    assert not Message.objects.filter(text="too late").exists()
