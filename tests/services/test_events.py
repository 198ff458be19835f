"""The event log under every service: the Event row commits with the change, takes the next
per-thread sequence number, is published to the thread's group only after commit, and
vanishes with the change when the transaction rolls back.

Each case below is one service call, prepared in a world of a session (Alice hosts, Bob
participates, Carol is a stranger) and a custom thread (Alice administers, Bob is a member).
"""

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import transaction

from chatproject.actors import SYSTEM
from chatproject.errors import NotFound
from chatproject.realtime import audience
from chats import services as chat_services
from chats.models import Message
from pins import services as pin_services
from reactions import services as reaction_services
from tests import factories
from tests.services.helpers import db_state, events_after, last_seq, upload
from threads import events
from threads import services as thread_services
from threads.models import Event, Thread


@dataclass
class Case:
    """``prepare(world)`` sets the scene and returns ``(thread or None, action)``.

    ``action()`` makes the change; when the thread is ``None`` the action creates it and
    returns it. ``reader`` names the world's user an event is addressed to, if any.
    """

    prepare: Callable
    types: list[str]
    reader: str | None = None


CASES: dict[str, Case] = {}


def case_of(*types: str, reader: str | None = None):
    def register(prepare):
        CASES[prepare.__name__] = Case(prepare, list(types), reader)
        return prepare

    return register


def _thread_of(result) -> Thread:
    if isinstance(result, Thread):
        return result
    return next(r for r in result if isinstance(r, Thread))


def _support_chat(w) -> Thread:
    return thread_services.support_chat_create(
        workspace=w.workspace, owner=factories.ExternalUserFactory(), title="Help", actor=SYSTEM
    )


@case_of("thread.created")
def session_create(w):
    return None, lambda: thread_services.session_create(
        workspace=w.workspace, host=w.alice, title="Q&A"
    )


@case_of("thread.created")
def custom_thread_create(w):
    return None, lambda: thread_services.custom_thread_create(
        workspace=w.workspace, creator=w.bob, title="Lunch", members=[w.carol]
    )


@case_of("thread.created")
def group_thread_create(w):
    return None, lambda: thread_services.group_thread_create(
        actor=SYSTEM, workspace=w.workspace, creator=w.alice, project_ref="apollo", members=[w.bob]
    )


@case_of("thread.created")
def support_chat_create(w):
    return None, lambda: _support_chat(w)


@case_of("thread.created")
def direct_thread_get_or_create(w):
    return None, lambda: thread_services.direct_thread_get_or_create(
        workspace=w.workspace, user=w.alice, other=w.carol
    )


@case_of("thread.updated")
def thread_update(w):
    return w.session, lambda: thread_services.thread_update(
        thread=w.session, actor=w.alice, title="New"
    )


@case_of("thread.removed")
def thread_remove(w):
    return w.session, lambda: thread_services.thread_remove(thread=w.session, actor=w.alice)


@case_of("thread.updated")
def thread_restore(w):
    thread_services.thread_remove(thread=w.session, actor=w.alice)
    return w.session, lambda: thread_services.thread_restore(actor=SYSTEM, thread=w.session)


@case_of("thread.updated")
def external_user_set_blocked(w):
    chat = _support_chat(w)
    return chat, lambda: thread_services.external_user_set_blocked(
        external_user=chat.owner, blocked=True, actor=SYSTEM
    )


@case_of("member.added")
def membership_add(w):
    return w.session, lambda: thread_services.membership_add(
        thread=w.session, user=w.carol, actor=w.alice
    )


@case_of("member.removed")
def membership_remove(w):
    return w.session, lambda: thread_services.membership_remove(
        thread=w.session, user=w.bob, actor=w.bob
    )


@case_of("read.updated", reader="bob")
def thread_mark_read(w):
    return w.session, lambda: thread_services.thread_mark_read(
        thread=w.session, actor=w.bob, up_to=w.message
    )


@case_of("message.created")
def message_send(w):
    return w.session, lambda: chat_services.message_send(thread=w.session, actor=w.bob, text="hi")


@case_of("message.created")
def message_send_reply(w):
    return w.session, lambda: chat_services.message_send(
        thread=w.session, actor=w.alice, text="re", reply_to_id=w.message.pk
    )


@case_of("message.created")
def message_send_with_file(w):
    file = upload(w.bob)
    return w.custom, lambda: chat_services.message_send(
        thread=w.custom, actor=w.bob, attachment_ids=[file.pk]
    )


@case_of("message.created")
def message_send_with_client_id(w):
    return w.custom, lambda: chat_services.message_send(
        thread=w.custom, actor=w.bob, text="x", client_id="c-1"
    )


@case_of("thread.created", "message.created")
def message_send_direct_first(w):
    return None, lambda: chat_services.message_send_direct(
        workspace=w.workspace, actor=w.carol, recipient=w.bob, text="hi"
    )


@case_of("message.created")
def message_send_direct_again(w):
    _, thread, _ = chat_services.message_send_direct(
        workspace=w.workspace, actor=w.carol, recipient=w.bob, text="hi"
    )
    return thread, lambda: chat_services.message_send_direct(
        workspace=w.workspace, actor=w.bob, recipient=w.carol, text="hello"
    )


@case_of("message.updated")
def message_edit(w):
    return w.session, lambda: chat_services.message_edit(
        message=w.message, actor=w.bob, text="edited"
    )


@case_of("message.removed")
def message_remove(w):
    return w.session, lambda: chat_services.message_remove(message=w.message, actor=w.alice)


@case_of("message.restored")
def message_restore(w):
    chat_services.message_remove(message=w.message, actor=w.bob)
    return w.session, lambda: chat_services.message_restore(message=w.message, actor=w.alice)


@case_of("reaction.added")
def reaction_add(w):
    return w.session, lambda: reaction_services.reaction_add(
        message=w.message, actor=w.alice, name=":thumbsup:"
    )


@case_of("reaction.removed")
def reaction_remove(w):
    reaction = reaction_services.reaction_add(message=w.message, actor=w.bob, name=":thumbsup:")
    return w.session, lambda: reaction_services.reaction_remove(reaction=reaction, actor=w.alice)


@case_of("reaction.removed")
def reaction_remove_by_name(w):
    reaction_services.reaction_add(message=w.message, actor=w.alice, name=":thumbsup:")
    return w.session, lambda: reaction_services.reaction_remove_by_name(
        message=w.message, actor=w.alice, name=":thumbs_up:"
    )


@case_of("pin.added")
def pin_add(w):
    return w.session, lambda: pin_services.pin_add(message=w.message, actor=w.alice)


@case_of("pin.removed")
def pin_remove(w):
    pin = pin_services.pin_add(message=w.message, actor=w.alice)
    return w.session, lambda: pin_services.pin_remove(pin=pin, actor=w.alice)


class Rollback(Exception):
    pass


@pytest.fixture
def world(workspace, alice, bob, carol, session_thread, custom_thread, message):
    return SimpleNamespace(
        workspace=workspace,
        alice=alice,
        bob=bob,
        carol=carol,
        session=session_thread,
        custom=custom_thread,
        message=message,
    )


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request) -> Case:
    return CASES[request.param]


def test_event_commits_with_the_change_and_is_published_after_commit(
    case, world, listen, django_capture_on_commit_callbacks
):
    known, action = case.prepare(world)
    listener = listen(audience.thread_group(known.pk)) if known else None
    reader = listen(audience.user_group(getattr(world, case.reader).pk)) if case.reader else None
    before = last_seq(known.pk) if known else 0

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = action()

    thread = known or _thread_of(result)
    recorded = events_after(thread.pk, before)
    assert [e.type for e in recorded] == case.types
    assert [e.seq for e in recorded] == list(range(before + 1, before + 1 + len(case.types)))
    assert Thread.objects.get(pk=thread.pk).event_seq == recorded[-1].seq
    # Nothing reached a subscriber before commit; one doorbell per event is waiting for it.
    if listener:
        assert listener.received() == []
    else:
        listener = listen(audience.thread_group(thread.pk))
    assert len(callbacks) == len(case.types)

    for callback in callbacks:
        callback()

    frames = [events.frame(e) for e in recorded]
    if case.reader:
        assert reader.events() == frames
        assert listener.received() == []
        assert all(e.user_id == getattr(world, case.reader).pk for e in recorded)
    else:
        assert listener.events() == frames
        assert all(e.user_id is None for e in recorded)


def test_rolled_back_change_leaves_no_row_no_event_and_publishes_nothing(
    case, world, listen, django_capture_on_commit_callbacks
):
    known, action = case.prepare(world)
    listener = listen(audience.thread_group(known.pk)) if known else None
    reader = listen(audience.user_group(getattr(world, case.reader).pk)) if case.reader else None
    before = db_state()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        action()
        raise Rollback  # the surrounding work fails after the service returned

    assert callbacks == []
    assert db_state() == before
    for sub in (listener, reader):
        assert sub is None or sub.received() == []


def test_sequence_numbers_are_per_thread(session_thread, custom_thread, bob):
    session_before, custom_before = last_seq(session_thread.pk), last_seq(custom_thread.pk)
    chat_services.message_send(thread=session_thread, actor=bob, text="a")
    chat_services.message_send(thread=custom_thread, actor=bob, text="b")
    chat_services.message_send(thread=session_thread, actor=bob, text="c")
    assert [e.seq for e in events_after(session_thread.pk, session_before)] == [
        session_before + 1,
        session_before + 2,
    ]
    assert [e.seq for e in events_after(custom_thread.pk, custom_before)] == [custom_before + 1]


def test_refused_change_records_no_event_and_keeps_the_sequence(session_thread, bob, carol):
    before = last_seq(session_thread.pk)
    with pytest.raises(NotFound):
        chat_services.message_send(thread=session_thread, actor=carol, text="hi")
    message = chat_services.message_send(thread=session_thread, actor=bob, text="ok")
    event = Event.objects.get(thread=session_thread, seq=before + 1)
    assert event.payload["message"]["id"] == str(message.id)


def test_stored_payload_is_plain_json_equal_to_what_is_published(message):
    event = Event.objects.filter(thread=message.thread).latest("seq")
    event.refresh_from_db()
    frame = events.frame(event)
    assert frame["data"]["message"]["id"] == str(message.id)  # UUIDs stored as strings
    assert frame["thread"] == str(message.thread_id) and frame["seq"] == event.seq
    assert frame["ts"].endswith("Z")
    assert set(frame) == {"id", "type", "thread", "seq", "ts", "data"}


def test_the_recorded_event_is_its_stored_row(session_thread, bob):
    """What ``record`` hands the publish hook is the row replay will read, column by
    column, and the thread's numbers moved with it."""
    before = Thread.objects.get(pk=session_thread.pk)
    with transaction.atomic():
        event = events.record(
            thread_id=session_thread.pk,
            type="read.updated",
            payload={"user": str(bob.pk), "n": [1, "two", None]},
            user_id=bob.pk,
            changes_history=True,
        )

    stored = Event.objects.get(pk=event.pk)
    columns = [f.attname for f in Event._meta.concrete_fields]
    assert [getattr(event, c) for c in columns] == [getattr(stored, c) for c in columns]
    assert event.seq == before.event_seq + 1
    after = Thread.objects.get(pk=session_thread.pk)
    assert (after.event_seq, after.history_seq) == (event.seq, before.history_seq + 1)
    assert event.route == (session_thread.kind, session_thread.workspace_id)


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction(workspace, alice):
    thread = thread_services.session_create(workspace=workspace, host=alice, title="x")
    with pytest.raises(RuntimeError):
        events.record(thread_id=thread.id, type="x", payload={})
    assert Event.objects.filter(thread=thread).count() == 1


def test_a_failing_channel_layer_does_not_undo_or_break_the_change(
    session_thread, bob, channel_layer, monkeypatch, django_capture_on_commit_callbacks
):
    async def broken(*args, **kwargs):
        raise ConnectionError("layer down")

    monkeypatch.setattr(channel_layer, "group_send", broken)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = chat_services.message_send(thread=session_thread, actor=bob, text="still here")
    assert len(callbacks) == 1
    assert Message.objects.filter(pk=message.pk).exists()
    assert Event.objects.filter(thread=session_thread, type="message.created").exists()


def test_a_layer_that_stays_down_logs_one_traceback_then_a_line_per_event(
    session_thread, bob, channel_layer, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    async def broken(*args, **kwargs):
        raise ConnectionError("layer down")

    monkeypatch.setattr(channel_layer, "group_send", broken)
    monkeypatch.setattr(audience, "_last_traceback", {"at": float("-inf")})
    with (
        caplog.at_level("WARNING", logger=audience.logger.name),
        django_capture_on_commit_callbacks(execute=True),
    ):
        for text in ("one", "two", "three"):
            chat_services.message_send(thread=session_thread, actor=bob, text=text)

    records = [r for r in caplog.records if r.name == audience.logger.name]
    assert [r.levelname for r in records] == ["ERROR", "WARNING", "WARNING"]
    assert records[0].exc_info is not None
    assert all(
        r.exc_info is None and "ConnectionError: layer down" in r.getMessage() for r in records[1:]
    )
    assert Event.objects.filter(thread=session_thread, type="message.created").count() == 3


def test_without_a_channel_layer_publishing_is_a_no_op(
    session_thread, bob, settings, django_capture_on_commit_callbacks
):
    settings.CHANNEL_LAYERS = {}
    with django_capture_on_commit_callbacks(execute=True):
        chat_services.message_send(thread=session_thread, actor=bob, text="quiet")
    assert Event.objects.filter(thread=session_thread, type="message.created").exists()


def test_publish_sends_to_the_thread_group_in_commit_order(
    session_thread, bob, listen, django_capture_on_commit_callbacks
):
    listener = listen(audience.thread_group(session_thread.pk))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = chat_services.message_send(thread=session_thread, actor=bob, text="1")
        second = chat_services.message_send(thread=session_thread, actor=bob, text="2")
    delivered = listener.events()
    assert [e["data"]["message"]["id"] for e in delivered] == [str(first.id), str(second.id)]
    assert delivered[1]["seq"] == delivered[0]["seq"] + 1
