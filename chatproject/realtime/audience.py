"""Who hears an event: decided here and only here.

The rule, in words (SPEC §5):

1. An event meant for one user (``Event.user``, e.g. ``read.updated``) reaches that user
   only.
2. Any other event of a thread reaches those who may see the thread
   (``threads.selectors.visible_threads_q``: members, and a support chat's workspace
   staff); a member hears a thread from the moment they joined it.
3. Farewells: a user hears their own ``member.removed``, and members (or staff) of a
   thread hear its ``thread.removed``, though they can no longer see it afterwards.
4. A socket opened with a session token hears that session only.

It is applied in three places, each derived from the rule above and from
``threads.selectors``, never restated:

- ``audience_groups``: which channel-layer groups a published event is sent to. It is
  deliberately generous (a thread's group, the agents of its workspace, the users who
  join by it); the socket filters.
- ``event_visibility_q``: the same rule as a filter on logged ``Event`` rows, for replay
  and for catching up from the log. Built from ``visible_threads_q``, ``member_q`` and
  ``support_staff_q``, so visibility of threads is not written again here.
- ``chatproject.realtime.state.SocketState``: one socket's in-memory mirror, kept
  current by the events it relays, so a live event costs no query. It starts from what
  ``selectors.subscription_for`` reads with ``visible_threads_q`` (clause 2), follows
  the events that change membership (``JOIN_TYPES``/``LEAVE_TYPES``) and removal
  (``HEARD_WHILE_REMOVED``), and is checked against ``event_visibility_q`` by
  ``tests/realtime/test_audience.py``.

The domain apps know none of this: ``threads.events`` records an event and, after commit,
calls the publish hook named by ``settings.CHAT_EVENTS_PUBLISHER``, which is ``publish``
below. The channel-layer message type (``LAYER_MESSAGE_TYPE``) names the consumer's
handler and lives here, beside the consumer.
"""

import logging
import threading
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db.models import Exists, OuterRef, Q

from threads.events import frame
from threads.models import Event, Membership, Thread
from threads.selectors import member_q, support_staff_q, visible_threads_q

logger = logging.getLogger(__name__)

# While the layer is down (Redis stopped), every send fails to publish: one traceback per
# minute says why, and a line per event says which were not rung.
PUBLISH_TRACEBACK_EVERY_S = 60.0
_last_traceback = {"at": float("-inf")}
_last_traceback_lock = threading.Lock()

# Channel-layer message type of an event; ``EventsConsumer.chat_event`` handles it.
LAYER_MESSAGE_TYPE = "chat.event"

# Events that change who belongs to a thread; ``membership_subjects`` names whom.
JOIN_TYPES = frozenset({"thread.created", "member.added"})
LEAVE_TYPES = frozenset({"member.removed"})
# The only events a removed thread's members still hear live: its removal (clause 3) and
# the ``thread.updated`` that may restore it.
HEARD_WHILE_REMOVED = frozenset({"thread.removed", "thread.updated"})


# --- channel-layer groups ------------------------------------------------------------


def thread_group(thread_id) -> str:
    """Channel-layer group of one thread's subscribers (ASCII, well under 100 chars)."""
    return f"thread.{_hex(thread_id)}"


def user_group(user_id) -> str:
    """Channel-layer group of one user's sockets, for events meant for that user only."""
    return f"user.{_hex(user_id)}"


def agents_group(workspace_id) -> str:
    """Channel-layer group of a workspace's support staff: every support chat's events go here,
    so agents hear of a new customer chat without joining one group per chat."""
    return f"workspace.{_hex(workspace_id)}.agents"


def _hex(value) -> str:
    return value.hex if hasattr(value, "hex") else str(value).replace("-", "")


# --- envelopes -----------------------------------------------------------------------


def envelope(event: Event, *, kind: str, workspace_id) -> dict[str, Any]:
    """The channel-layer message of an event: its frame plus what routing needs.

    ``user`` is set for events meant for one user only; ``kind`` and ``workspace`` let a
    socket tell a support chat its staff may see without asking the database.
    """
    return {
        "type": LAYER_MESSAGE_TYPE,
        "event": frame(event),
        "user": str(event.user_id) if event.user_id else None,
        "kind": kind,
        "workspace": str(workspace_id),
    }


def membership_subjects(event_frame: dict[str, Any]) -> set[str]:
    """Ids of the users whose membership this event starts or ends (as strings)."""
    data = event_frame.get("data") or {}
    if event_frame["type"] == "thread.created":
        return {str(m["id"]) for m in (data.get("thread") or {}).get("members", [])}
    if event_frame["type"] in JOIN_TYPES | LEAVE_TYPES:
        return {str((data.get("user") or {}).get("id"))}
    return set()


def restores(event_frame: dict[str, Any]) -> bool:
    """Whether the event says its thread is live again (``thread.updated``, not removed)."""
    thread = (event_frame.get("data") or {}).get("thread") or {}
    return event_frame["type"] == "thread.updated" and thread.get("is_removed") is False


# --- live routing --------------------------------------------------------------------


def audience_groups(message: dict[str, Any]) -> list[str]:
    """Every group that must hear an event (its envelope).

    - one user's event (``read.updated``): that user's group only;
    - everything else: the thread's group;
    - a support chat's events also: its workspace's agents group (staff see every chat);
    - ``thread.created`` and ``member.added`` also: the group of each user who joins by
      it, because their sockets are not in the thread's group yet. Their sockets join it
      on seeing the event.
    """
    event_frame = message["event"]
    if message["user"]:
        return [user_group(message["user"])]
    groups = [thread_group(event_frame["thread"])]
    if message["kind"] == Thread.Kind.SUPPORT:
        groups.append(agents_group(message["workspace"]))
    if event_frame["type"] in JOIN_TYPES:
        groups.extend(user_group(u) for u in sorted(membership_subjects(event_frame)))
    return groups


def publish(event: Event) -> None:
    """The publish hook (``settings.CHAT_EVENTS_PUBLISHER``): ring the doorbells of a
    committed event. Never raises: the row is the record, and replay heals a lost ring."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        route = getattr(event, "route", None)
        if route is None:  # an event read back from the database, not fresh from record()
            route = (
                Thread.objects.filter(pk=event.thread_id).values_list("kind", "workspace_id").get()
            )
        message = envelope(event, kind=route[0], workspace_id=route[1])
        async_to_sync(_send_all)(layer, audience_groups(message), message)
    except Exception as exc:  # a lost doorbell is healed by replay; the change itself stands
        _log_publish_failure(event, exc)


def _log_publish_failure(event: Event, exc: Exception) -> None:
    now = time.monotonic()
    with _last_traceback_lock:
        traceback = now - _last_traceback["at"] >= PUBLISH_TRACEBACK_EVERY_S
        if traceback:
            _last_traceback["at"] = now
    if traceback:
        logger.error("could not publish event %s", event.id, exc_info=exc)
    else:
        logger.warning("could not publish event %s: %s: %s", event.id, type(exc).__name__, exc)


async def _send_all(layer, groups: list[str], message: dict[str, Any]) -> None:
    for group in groups:
        await layer.group_send(group, message)


# --- the log -------------------------------------------------------------------------


def event_visibility_q(*, user, session_thread_id=None) -> Q:
    """A filter for the ``Event`` rows ``user`` may be sent (one query, no per-row checks)."""
    member_when_it_happened = Exists(
        Membership.objects.filter(
            thread=OuterRef("thread"), user=user, joined_at__lte=OuterRef("created_at")
        )
    )
    visible_thread = Q(thread__in=Thread.objects.filter(visible_threads_q(user)).values("pk"))
    # Clause 2: members hear a thread from the moment they joined; support staff who are
    # not members see the whole chat, as they do over REST.
    shared = visible_thread & (member_when_it_happened | ~member_q(user, thread="thread"))
    # Clause 3.
    farewell = Q(type="member.removed", payload__user__id=str(user.pk)) | (
        Q(type="thread.removed")
        & (member_when_it_happened | support_staff_q(user, prefix="thread__"))
    )
    q = Q(user=user) | (Q(user__isnull=True) & (shared | farewell))  # clause 1
    if session_thread_id is not None:  # clause 4
        q &= Q(thread_id=session_thread_id)
    return q
