"""Rows written on every send with their INSERT compiled once (``CompiledInsert``): the
message and its event. Each must be the row ``Model.objects.create`` writes, come back as
the object it returns, and keep what ``save`` guarantees around the write."""

from contextlib import nullcontext

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chatproject.compiled import CompiledInsert
from chats import services as chat_services
from chats.models import Message
from threads.models import Event


def stored(obj):
    """Every column of ``obj``'s row as the database holds it."""
    row = type(obj).objects.get(pk=obj.pk)
    return {f.attname: getattr(row, f.attname) for f in type(obj)._meta.concrete_fields}


def counted(logged: bool):
    """The queries run inside, when they are logged; unlogged, they go to the driver."""
    return CaptureQueriesContext(connection) if logged else nullcontext([])


def columns(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


@pytest.mark.parametrize("logged", [False, True], ids=["driver", "logged"])
def test_a_message_row_is_the_one_create_writes(custom_thread, alice, logged):
    """Both paths: to the driver (serving), through Django's wrappers (DEBUG, query counts)."""
    values = dict(
        thread=custom_thread, author=alice, role="user", text="hello", created_at=timezone.now()
    )
    with counted(logged) as queries:
        compiled = CompiledInsert(Message).create(**values)
    assert len(queries) == (1 if logged else 0)
    plain = Message.objects.create(**values)

    assert compiled._state.adding is False and compiled._state.db == "default"
    assert columns(compiled) == stored(compiled)
    differ = {"id"}
    assert {k: v for k, v in stored(compiled).items() if k not in differ} == {
        k: v for k, v in stored(plain).items() if k not in differ
    }
    assert compiled.thread == custom_thread and compiled.author == alice


@pytest.mark.parametrize("logged", [False, True], ids=["driver", "logged"])
def test_an_event_gets_its_id_and_time_back(custom_thread, logged):
    """The id comes from the database (``RETURNING``), the time from ``auto_now_add``."""
    insert = CompiledInsert(Event)
    with counted(logged) as queries:
        first = insert.create(thread_id=custom_thread.pk, seq=101, type="t", payload={"a": [1]})
        second = insert.create(thread_id=custom_thread.pk, seq=102, type="t", payload={})
    assert len(queries) == (2 if logged else 0)
    plain = Event.objects.create(thread_id=custom_thread.pk, seq=103, type="t", payload={})

    assert isinstance(first.id, int) and first.id < second.id < plain.id
    assert first.created_at is not None and first.created_at <= plain.created_at
    assert columns(first) == stored(first) and columns(second) == stored(second)
    assert stored(first)["payload"] == {"a": [1]}


def test_a_listener_to_the_model_gets_a_plain_save(custom_thread, alice):
    heard = []

    def receiver(sender, instance, created, **kwargs):
        heard.append((instance.text, created))

    post_save.connect(receiver, sender=Message)
    try:
        message = CompiledInsert(Message).create(thread=custom_thread, author=alice, text="hi")
    finally:
        post_save.disconnect(receiver, sender=Message)
    assert heard == [("hi", True)]
    assert columns(message) == stored(message)


def test_a_failed_insert_marks_the_transaction_for_rollback(custom_thread):
    """As ``save`` does: the caller who catches the error may not go on in the block."""
    insert = CompiledInsert(Event)
    insert.create(thread_id=custom_thread.pk, seq=201, type="t", payload={})
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            insert.create(thread_id=custom_thread.pk, seq=201, type="t", payload={})
        with pytest.raises(TransactionManagementError):
            Event.objects.count()
    assert Event.objects.filter(thread_id=custom_thread.pk, seq=201).count() == 1


def test_a_retried_send_still_finds_its_first_message(custom_thread, alice):
    """The send's own use: a client_id collision is an IntegrityError in its savepoint."""
    first = chat_services.message_send(thread=custom_thread, actor=alice, text="a", client_id="k")
    again = chat_services.message_send(thread=custom_thread, actor=alice, text="a", client_id="k")
    assert again.pk == first.pk
    assert Message.objects.filter(thread=custom_thread, client_id="k").count() == 1
