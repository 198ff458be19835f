"""Constraint races: concurrent identical writes leave exactly one row.

Real threads on a real database (``transaction=True``): on PostgreSQL the unique indexes
and row locks decide; on SQLite IMMEDIATE transactions queue writers behind the busy timeout.
"""

import threading

import pytest
from django.db import connection

from chatproject.errors import Conflict
from chats import services as chat_services
from chats.models import Message
from pins import services as pin_services
from pins.models import Pin
from reactions import services as reaction_services
from reactions.models import Reaction
from threads.models import Thread

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls, n=2):
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

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_identical_reactions_make_one_row(session_thread, alice, bob):
    message = chat_services.message_send(thread=session_thread, author=bob, text="vote")
    results = race(
        lambda: reaction_services.reaction_add(message=message, user=alice, name=":thumbsup:")
    )
    assert Reaction.objects.count() == 1
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "Reaction"]


def test_concurrent_pins_make_one_pin(session_thread, alice, bob):
    message = chat_services.message_send(thread=session_thread, author=bob, text="pin me")
    results = race(lambda: pin_services.pin_add(message=message, actor=alice))
    assert Pin.objects.count() == 1
    assert sum(isinstance(r, Conflict) for r in results) == 1


def test_concurrent_first_messages_make_one_personal_thread(workspace, alice, bob):
    results = race(
        lambda: chat_services.message_send_direct(
            workspace=workspace, author=alice, recipient=bob, text="hi from alice"
        ),
        lambda: chat_services.message_send_direct(
            workspace=workspace, author=bob, recipient=alice, text="hi from bob"
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    thread = Thread.objects.get(kind=Thread.Kind.DIRECT)
    assert Message.objects.filter(thread=thread).count() == 2
    assert sum(created for _, _, created in results) == 1


def test_concurrent_retries_with_one_client_id_make_one_message(custom_thread, bob):
    results = race(
        lambda: chat_services.message_send(
            thread=custom_thread, author=bob, text="once", client_id="retry-1"
        ),
        n=3,
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Message.objects.filter(thread=custom_thread).count() == 1
    assert len({r.id for r in results}) == 1
