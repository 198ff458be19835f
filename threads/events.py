"""The event log: record a change's event with the change, publish it after commit.

``record`` is the only way an event comes into being and ``publish`` the only way one
leaves the process. Services call ``record`` inside their transaction; the row commits
or rolls back with the change, and ``transaction.on_commit`` hands it to the one publish
hook (``settings.CHAT_EVENTS_PUBLISHER``) only once it is durable. A rolled-back change
never announces itself. Who hears an event, and over which channel-layer groups, is the
hook's business (``chatproject.realtime.audience``), not this app's.

Event ids are a safe resume point: a reader that has delivered up to N never sees an id
at or below N commit later. SQLite gives this for free (IMMEDIATE transactions admit one
writer at a time, so ids commit in id order). On PostgreSQL writers run in parallel (ids
come from the table's sequence and may commit out of order), as in Synapse's
``MultiWriterIdGenerator``: every event-writing transaction holds a SHARED advisory lock
from before it draws its first id until it ends, which marks it as "in flight" without
blocking any other writer. A reader that needs a settled position (``settled_last_id``)
reads the newest id and the in-flight writers in one statement and waits, without taking
any lock itself, until those writers have ended: every id drawn before its snapshot is then
committed or abandoned for good. ``settle`` is the same wait for a reader that saw a gap.
The wait is as long as the writes already in flight (milliseconds), and only readers pay it;
an exclusive lock here cost 26% of the send rate at 16 writers (``bench/event_lock.py``).
"""

import json
import logging
import time
from collections.abc import Callable, Mapping
from functools import cache, partial
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Field
from django.utils.module_loading import import_string

from chatproject.compiled import CompiledInsert
from chatproject.errors import Id
from threads.models import Event, Membership, Thread

logger = logging.getLogger(__name__)

# Key of the PostgreSQL advisory lock that marks event writers in flight ("chat").
EVENT_ORDER_LOCK = 0x63686174
# The in-flight writers of this database other than this session. pg_locks lists the whole
# cluster's locks; an advisory lock belongs to one database. A bigint key below 2**32 shows
# as classid 0, objid = key, objsubid 1.
_WRITERS_SQL = (
    "SELECT virtualtransaction FROM pg_locks WHERE locktype = 'advisory'"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND classid = 0 AND objid = %s AND objsubid = 1 AND granted"
    " AND pid <> pg_backend_pid()"
)
# A writer still in flight after this long is stuck, not slow: give up rather than hang.
SETTLE_TIMEOUT_S = 30.0

# Every write records one: its INSERT is compiled once (see chatproject.compiled).
_EVENT_INSERT = CompiledInsert(Event)


def _plain(payload: dict[str, Any]) -> dict[str, Any]:
    # Store and ship exactly what JSON can carry, so a replayed event equals the live one.
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def record(
    *,
    thread_id: Id,
    type: str,
    payload: dict[str, Any],
    user_id: Id | None = None,
    changes_history: bool = False,
    thread_updates: Mapping[str, Any] | None = None,
) -> Event:
    """Write one event of ``thread_id`` in the current transaction and publish it after commit.

    The per-thread sequence number is taken by bumping ``Thread.event_seq``: the UPDATE
    holds the thread row's lock until commit, so two changes to one thread get distinct,
    gap-free, commit-ordered numbers. ``changes_history``: the change alters what the
    thread's history pages show, so ``Thread.history_seq`` moves with it, in the same
    statement and transaction (a cached page is then never older than its version).
    ``thread_updates``: other fields of the thread to set in that same statement (a send
    moves the thread's activity time), sparing a write a second UPDATE of the row.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("events.record must run inside the transaction of the change")
    seq, kind, workspace_id = _next_seq(
        thread_id, changes_history=changes_history, updates=thread_updates or {}
    )
    event = _EVENT_INSERT.create(
        thread_id=thread_id, seq=seq, type=type, payload=_plain(payload), user_id=user_id
    )
    # Routing facts the publish hook needs, so it does not query after commit.
    event.route = (kind, workspace_id)
    transaction.on_commit(partial(publish, event))
    return event


def _next_seq(
    thread_id: Any, *, changes_history: bool, updates: Mapping[str, Any]
) -> tuple[int, str, Any]:
    """Bump the thread's ``event_seq`` and read it back with the routing facts, in ONE
    statement (``UPDATE ... RETURNING``: PostgreSQL, SQLite 3.35+) instead of an UPDATE and
    a SELECT; this runs once per event, so on every write. The same statement marks the
    transaction as an event writer in flight (``_in_flight_mark``), before the event's id is
    drawn."""
    table = connection.ops.quote_name(Thread._meta.db_table)
    pk = Thread._meta.pk
    column = connection.ops.quote_name(pk.column)
    sets = ["event_seq = event_seq + 1"]
    if changes_history:
        sets.append("history_seq = history_seq + 1")
    params = []
    for name, value in updates.items():
        field = Thread._meta.get_field(name)
        assert isinstance(field, Field)  # a column of the thread, not a relation's other end
        sets.append(f"{connection.ops.quote_name(field.column)} = %s")
        params.append(field.get_db_prep_save(value, connection))
    params.append(pk.get_db_prep_value(thread_id, connection))
    mark, mark_params = _in_flight_mark()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {', '.join(sets)} WHERE {column} = %s"
            f" RETURNING event_seq, kind, workspace_id{mark}",
            [*params, *mark_params],
        )
        row = cursor.fetchone()
    if row is None:
        raise Thread.DoesNotExist(thread_id)
    workspace = Thread._meta.get_field("workspace").target_field
    return row[0], row[1], workspace.to_python(row[2])


def _in_flight_mark() -> tuple[str, list[Any]]:
    """A ``RETURNING`` column that marks this transaction as an event writer in flight until
    it ends (see the module doc), and its parameters; nothing on SQLite.

    Shared: writers never wait for each other here, only readers wait for writers. Taken by
    the statement that numbers the event rather than by one of its own: a round trip fewer
    on every write.
    """
    if connection.vendor == "postgresql":
        return ", pg_advisory_xact_lock_shared(%s)", [EVENT_ORDER_LOCK]
    return "", []


def settled_last_id() -> int:
    """The newest event id such that no id at or below it can still commit later.

    PostgreSQL: the newest committed id and the writers in flight are read in one
    statement (the lock list is read after the statement's snapshot, so every writer that
    drew a lower id and had not ended by then is in it), then this waits for them to end.
    """
    # Plain SQL: every socket connect and page render asks, and the ORM's aggregate
    # machinery cost more than the index lookup itself.
    table = connection.ops.quote_name(Event._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"SELECT max(id) FROM {table}")
            return cursor.fetchone()[0] or 0
        cursor.execute(
            f"SELECT (SELECT max(id) FROM {table}), ARRAY({_WRITERS_SQL})", [EVENT_ORDER_LOCK]
        )
        top, writers = cursor.fetchone()
        _await_writers(cursor, writers)
    return top or 0


def settle() -> None:
    """Wait until every event id drawn so far is committed or abandoned for good: after
    this, a gap below an id already seen is permanent (a rolled-back write)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT ARRAY({_WRITERS_SQL})", [EVENT_ORDER_LOCK])
        _await_writers(cursor, cursor.fetchone()[0])


def _await_writers(cursor: Any, writers: list[str]) -> None:
    """Poll until the transactions ``writers`` (virtual transaction ids) have ended. Polls
    rather than queueing for the lock: a queued exclusive request would block new writers
    and could deadlock with one that holds a row this connection needs."""
    delay, deadline = 0.0005, time.monotonic() + SETTLE_TIMEOUT_S
    while writers:
        if time.monotonic() > deadline:
            raise TimeoutError(f"event writers still in flight: {writers}")
        time.sleep(delay)
        delay = min(delay * 2, 0.01)
        cursor.execute(
            f"SELECT ARRAY({_WRITERS_SQL} AND virtualtransaction = ANY(%s))",
            [EVENT_ORDER_LOCK, writers],
        )
        writers = cursor.fetchone()[0]


def frame(event: Event) -> dict[str, Any]:
    """The wire form of an event, the same live and on replay."""
    return {
        "id": event.id,
        "type": event.type,
        "thread": str(event.thread_id),
        "seq": event.seq,
        "ts": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": event.payload,
    }


def publish(event: Event) -> None:
    """Hand a committed event to the publish hook (``settings.CHAT_EVENTS_PUBLISHER``).

    Who hears it, and how, is not this app's business: the hook decides (the websocket
    package's ``chatproject.realtime.audience.publish``). Never raises: the row is the
    record, and a lost delivery is healed by replay.
    """
    path = settings.CHAT_EVENTS_PUBLISHER
    if not path:
        return
    try:
        _hook(path)(event)
    except Exception:
        logger.exception("could not publish event %s", event.id)


@cache
def _hook(path: str) -> Callable[[Event], None]:
    return import_string(path)


# --- this app's events -------------------------------------------------------------


def thread_payload(thread: Thread) -> dict[str, Any]:
    members = [
        {"id": m.user_id, "name": m.user.name, "role": m.role}
        for m in thread.memberships.select_related("user").order_by("joined_at", "user_id")
    ]
    payload = {
        "id": thread.id,
        "kind": thread.kind,
        "title": thread.title,
        "project_ref": thread.project_ref or None,
        "created_at": thread.created_at,
        "last_message_at": thread.last_message_at,
        "is_removed": thread.is_removed,
        "members": members,
    }
    if thread.kind == Thread.Kind.SUPPORT:
        owner = thread.owner
        payload["support"] = {
            "channel": thread.channel_id,
            "owner": thread.owner_id,
            "owner_user": thread.owner_user_id,
            "owner_blocked": owner.is_blocked if owner else None,
            "responder": thread.responder_id,
            "responder_version": thread.responder_version_id,
            "ticket": thread.ticket_id,
        }
    return payload


def thread_changed(thread: Thread, type: str) -> Event:
    """``thread.created`` / ``thread.updated`` / ``thread.removed`` with the whole thread."""
    return record(thread_id=thread.pk, type=type, payload={"thread": thread_payload(thread)})


def member_changed(membership: Membership, type: str) -> Event:
    """``member.added`` / ``member.removed``."""
    return record(
        thread_id=membership.thread_id,
        type=type,
        payload={
            "user": {"id": membership.user_id, "name": membership.user.name},
            "role": membership.role,
        },
    )


def read_updated(membership: Membership) -> Event:
    """Only the reader hears of their own read state."""
    return record(
        thread_id=membership.thread_id,
        type="read.updated",
        payload={"user": membership.user_id, "last_read_at": membership.last_read_at},
        user_id=membership.user_id,
    )
