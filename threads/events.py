"""The event log: record a change's event with the change, publish it after commit.

``record`` is the only way an event comes into being and ``publish`` the only way one
leaves the process. Services call ``record`` inside their transaction; the row commits
or rolls back with the change, and ``transaction.on_commit`` rings the channel layer's
doorbell only once it is durable. A rolled-back change never announces itself.
"""

import json
import logging
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F

from threads.models import Event, Thread

logger = logging.getLogger(__name__)

# Channel-layer message type; consumers implement ``chat_event``.
LAYER_MESSAGE_TYPE = "chat.event"


def thread_group(thread_id) -> str:
    """Channel-layer group of one thread's subscribers (ASCII, well under 100 chars)."""
    return f"thread.{_hex(thread_id)}"


def user_group(user_id) -> str:
    """Channel-layer group of one user's sockets, for events meant for that user only."""
    return f"user.{_hex(user_id)}"


def _hex(value) -> str:
    return value.hex if hasattr(value, "hex") else str(value).replace("-", "")


def _plain(payload: dict[str, Any]) -> dict[str, Any]:
    # Store and ship exactly what JSON can carry, so a replayed event equals the live one.
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def record(*, thread_id, type: str, payload: dict[str, Any], user_id=None) -> Event:
    """Write one event of ``thread_id`` in the current transaction and publish it after commit.

    The per-thread sequence number is taken by bumping ``Thread.event_seq``: the UPDATE
    holds the thread row's lock until commit, so two changes to one thread get distinct,
    gap-free, commit-ordered numbers.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("events.record must run inside the transaction of the change")
    updated = Thread.objects.filter(pk=thread_id).update(event_seq=F("event_seq") + 1)
    if not updated:
        raise Thread.DoesNotExist(thread_id)
    seq = Thread.objects.filter(pk=thread_id).values_list("event_seq", flat=True).get()
    event = Event.objects.create(
        thread_id=thread_id, seq=seq, type=type, payload=_plain(payload), user_id=user_id
    )
    transaction.on_commit(partial(publish, event))
    return event


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
    """Ring the doorbell for a committed event. Never raises: the row is the record."""
    layer = get_channel_layer()
    if layer is None:
        return
    group = user_group(event.user_id) if event.user_id else thread_group(event.thread_id)
    try:
        async_to_sync(layer.group_send)(group, {"type": LAYER_MESSAGE_TYPE, "event": frame(event)})
    except Exception:  # a lost doorbell is healed by replay; the change itself stands
        logger.exception("could not publish event %s", event.id)


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
            "owner_blocked": owner.is_blocked if owner else None,
            "responder": thread.responder_id,
            "responder_version": thread.responder_version_id,
            "ticket": thread.ticket_id,
        }
    return payload


def thread_changed(thread: Thread, type: str) -> Event:
    """``thread.created`` / ``thread.updated`` / ``thread.removed`` with the whole thread."""
    return record(thread_id=thread.pk, type=type, payload={"thread": thread_payload(thread)})


def member_changed(membership, type: str) -> Event:
    """``member.added`` / ``member.removed``."""
    return record(
        thread_id=membership.thread_id,
        type=type,
        payload={
            "user": {"id": membership.user_id, "name": membership.user.name},
            "role": membership.role,
        },
    )


def read_updated(membership) -> Event:
    """Only the reader hears of their own read state."""
    return record(
        thread_id=membership.thread_id,
        type="read.updated",
        payload={"user": membership.user_id, "last_read_at": membership.last_read_at},
        user_id=membership.user_id,
    )
