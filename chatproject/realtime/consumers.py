"""The live-event socket ``/ws/events/``: one per client, carrying every thread the user
may see (SPEC §5).

The consumer authenticates, joins channel-layer groups, relays event frames and hands
``message.send`` to the service; it decides nothing about the domain. Which groups hear
an event is decided in ``threads.events.audience_groups``; which logged events a user may
see, in ``chatproject.realtime.selectors``.

Never losing an event rests on three facts:

1. Event ids are committed in id order (``threads.events``), so once event N is visible
   nothing below N can still appear.
2. The socket keeps a cursor ``last``: every event up to it that the user may see has
   been sent, in id order. On a doorbell for N it sends what the user may see in
   ``(last, N]`` — read from the process's log tail (``tail.py``), which one range
   query fills when ids jump — and moves ``last`` to N. So ids go out strictly
   increasing, and the last id a client saw is always a safe resume point: an event
   committed late (id 10 after 11) is sent before 11 or never needed.
3. The channel layer is only a doorbell. A lost one (layer restart, full inbox) is
   healed at the next doorbell or heartbeat, which reads the log past ``last``; a
   reconnect with ``?since=`` replays the log from the database.

During connect the socket joins its groups *before* reading the log, so every event
committed afterwards rings its inbox; doorbells that arrive while the replay runs wait
in the inbox and are dropped as duplicates when their id is not above ``last``.
"""

import asyncio
import contextlib
import json
import time
import uuid
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from chatproject.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from chatproject.realtime import selectors
from chatproject.realtime.tail import tail
from chats import services as chat_services
from chats.events import message_payload
from threads import events
from threads import selectors as thread_selectors

CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403

REPLAY_BATCH = 500
# Channel layers forget a group membership after a day; sockets renew theirs well before.
GROUP_RENEW_S = 3600

ERROR_CODES = {
    InvalidInput: "invalid",
    NotFound: "not_found",
    PermissionDenied: "forbidden",
    Conflict: "conflict",
}


class EventsConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.joined: set[str] = set()
        self.removed_threads: set[str] = set()
        self.followed_new = False
        self.ticker: asyncio.Task | None = None
        self.sub: selectors.Subscription | None = None
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self._refuse(CLOSE_UNAUTHENTICATED)
            return
        try:
            since = _since(self.scope)
        except ValueError:
            await self._refuse(CLOSE_BAD_REQUEST)
            return
        token = self.scope.get("access_token")
        session_thread_id = token.thread_id if token is not None and token.thread_id else None

        first_top = await database_sync_to_async(selectors.last_event_id)()
        self.sub = await database_sync_to_async(selectors.subscription_for)(
            user=self.user, session_thread_id=session_thread_id
        )
        if session_thread_id is not None and not self.sub.thread_ids:
            await self._refuse(CLOSE_FORBIDDEN)  # the session is gone or no longer theirs
            return
        for group in self._groups():
            await self._join(group)
        top = await database_sync_to_async(selectors.last_event_id)()
        self.tail = tail()
        self.tail.start_at(top)
        # Accepted only now: whatever commits after the client sees the handshake complete
        # is above ``first_top`` and reaches it.
        await self.accept()

        # Membership changes after ``first_top`` may be missing from the subscription;
        # replaying from there applies them in order (and the client gets them too).
        self.last = first_top
        if since is not None:
            if since > top or await database_sync_to_async(selectors.replay_out_of_window)(
                user=self.user,
                since=since,
                max_events=settings.CHAT_EVENTS_REPLAY_MAX_EVENTS,
                max_age_s=settings.CHAT_EVENTS_REPLAY_MAX_AGE_S,
                session_thread_id=session_thread_id,
            ):
                await self.send_json({"type": "resync"})
            else:
                self.last = since
        await self._deliver_from_log(upto=top)
        await self._settle()
        self.renewed_at = time.monotonic()
        self.ticker = asyncio.create_task(self._tick_forever())

    async def _refuse(self, code: int) -> None:
        """Accept, then close with ``code``: a refused handshake would carry no reason."""
        await self.accept()
        await self.close(code=code)

    async def disconnect(self, code):
        if self.ticker is not None:
            self.ticker.cancel()
        for group in list(self.joined):
            await self.channel_layer.group_discard(group, self.channel_name)
        self.joined.clear()

    # --- from the channel layer ------------------------------------------------------

    async def chat_event(self, message):
        """A doorbell: event ``message["event"]["id"]`` is committed."""
        if self.sub is None:
            return  # closing
        await self._advance(message["event"]["id"], hint=message)
        await self._settle()

    async def events_tick(self, message):
        """Heartbeat: ping the client, re-check the token, heal lost doorbells."""
        if self.sub is None:
            return  # closing
        await self.send_json({"type": "ping"})
        token = self.scope.get("access_token")
        if token is not None and not await database_sync_to_async(selectors.token_is_active)(
            token_id=token.pk
        ):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if time.monotonic() - self.renewed_at > GROUP_RENEW_S:
            for group in self.joined:
                await self.channel_layer.group_add(group, self.channel_name)
            self.renewed_at = time.monotonic()
        await self._advance(await self.tail.top())
        await self._settle()

    # --- access notices (``chatproject.accounts.access``) -------------------------------

    async def access_revoked(self, message):
        """A credential was voided: logout, deactivation, password change, token revocation.

        Close at once (4401) if this socket was opened with it; the next connect is refused.
        """
        if self.sub is None:
            return
        token = self.scope.get("access_token")
        if token is not None:
            ours = str(token.pk) in message["tokens"]
        else:
            session = self.scope.get("session")
            ours = bool(message["session"]) and message["session"] == getattr(
                session, "session_key", None
            )
        if message["all"] or ours:
            self.sub = None  # nothing more is relayed or accepted on this socket
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def access_changed(self, message):
        """The user's role or workspaces changed: hear the support chats they now may.

        Thread memberships follow their own ``member.*`` events; what changes here is the
        support-staff part (an agent demoted to member stops hearing support chats).
        """
        if self.sub is None or self.sub.session_thread_id is not None:
            return
        fresh = await database_sync_to_async(selectors.subscription_for)(user=self.user)
        before = set(self.sub.staff_workspace_ids)
        self.sub.staff_workspace_ids = set(fresh.staff_workspace_ids)
        for workspace_id in before - fresh.staff_workspace_ids:
            group = events.agents_group(workspace_id)
            self.joined.discard(group)
            await self.channel_layer.group_discard(group, self.channel_name)
        for workspace_id in fresh.staff_workspace_ids - before:
            await self._join(events.agents_group(workspace_id))

    # --- from the client -------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if self.sub is None:
            return  # a refused socket, closing
        try:
            content = json.loads(text_data or "")
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self._error(None, InvalidInput("A frame is a JSON object.", field=None))
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "message.send":
            await self._message_send(content)
        else:
            await self._error(
                content.get("client_id"), InvalidInput("Unknown frame type.", field="type")
            )

    @classmethod
    async def encode_json(cls, content):
        return json.dumps(content, cls=DjangoJSONEncoder)

    async def _message_send(self, content):
        client_id = content.get("client_id")
        try:
            message = await database_sync_to_async(message_send_over_socket)(
                user=self.user,
                session_thread_id=self.sub.session_thread_id,
                thread_id=content.get("thread"),
                text=content.get("text"),
                client_id=client_id,
                reply_to_id=content.get("reply_to"),
            )
        except DomainError as error:
            await self._error(client_id, error)
            return
        await self.send_json({"type": "message.ack", "client_id": client_id, "message": message})

    async def _error(self, client_id, error: DomainError):
        await self.send_json(
            {
                "type": "error",
                "client_id": client_id,
                "error": {
                    "code": ERROR_CODES.get(type(error), "invalid"),
                    "detail": error.detail,
                    "field": error.field,
                },
            }
        )

    # --- delivery --------------------------------------------------------------------

    async def _advance(self, upto: int, hint=None) -> None:
        """Send what the user may see in ``(last, upto]``, in id order; then ``last = upto``."""
        if upto <= self.last:
            return  # already sent (a doorbell for a replayed event, or a duplicate)
        if self.tail.holds(self.last):
            await self.tail.fill(upto, hint)
            if self.tail.holds(self.last):  # another socket's fill may have moved the tail
                for envelope in self.tail.between(self.last, upto):
                    await self._relay(envelope)
                self.last = upto
                return
        await self._deliver_from_log(upto=upto)

    async def _deliver_from_log(self, *, upto: int) -> None:
        """Like ``_advance``, reading the database: replay, or a cursor older than the tail."""
        while True:
            batch = await database_sync_to_async(selectors.events_visible)(
                user=self.user,
                after=self.last,
                upto=upto,
                limit=REPLAY_BATCH,
                session_thread_id=self.sub.session_thread_id,
            )
            for envelope in batch:
                await self._relay(envelope, checked=True)
            if len(batch) < REPLAY_BATCH:
                self.last = max(self.last, upto)
                return
            self.last = batch[-1]["event"]["id"]

    async def _settle(self) -> None:
        """After joining a thread's group, fetch what its group rang before we were in it."""
        while self.followed_new:
            self.followed_new = False
            await self._advance(await self.tail.top(fresh=True))

    async def _relay(self, envelope, *, checked: bool = False) -> None:
        """Send one event if the user may see it, following membership changes it makes.

        ``checked``: the database already said the user may see it (replay).
        """
        frame = envelope["event"]
        thread, kind = frame["thread"], frame["type"]
        sub = self.sub
        if sub.session_thread_id is not None and thread != sub.session_thread_id:
            return
        mine = envelope["user"] is None and sub.user_id in events.membership_subjects(frame)
        if mine and kind in events.JOIN_TYPES:
            await self._follow(thread)
        thread_data = (frame.get("data") or {}).get("thread") or {}
        if kind == "thread.updated" and thread_data.get("is_removed") is False:
            self.removed_threads.discard(thread)  # restored
        if checked or self._may_see(envelope):
            await self.send_json(frame)
        if mine and kind in events.LEAVE_TYPES:
            await self._unfollow(thread)  # after relaying their own removal to them
        if kind == "thread.removed":
            self.removed_threads.add(thread)

    def _may_see(self, envelope) -> bool:
        """The socket's own record of visibility, kept current by the events it relays.

        Group membership alone is not trusted: a doorbell already queued when the user was
        removed still arrives, and is dropped here.
        """
        sub = self.sub
        if envelope["user"] is not None:
            return envelope["user"] == sub.user_id
        frame = envelope["event"]
        thread = frame["thread"]
        if thread in self.removed_threads and frame["type"] not in (
            "thread.removed",
            "thread.updated",
        ):
            return False
        if thread in sub.thread_ids:
            return True
        return envelope["kind"] == "support" and envelope["workspace"] in sub.staff_workspace_ids

    # --- groups ----------------------------------------------------------------------

    def _groups(self) -> list[str]:
        sub = self.sub
        groups = [events.user_group(sub.user_id)]
        groups += [events.agents_group(w) for w in sorted(sub.staff_workspace_ids)]
        groups += [events.thread_group(t) for t in sorted(sub.thread_ids)]
        return groups

    async def _follow(self, thread: str) -> None:
        if thread in self.sub.thread_ids:
            return
        self.sub.thread_ids.add(thread)
        await self._join(events.thread_group(thread))
        self.followed_new = True

    async def _unfollow(self, thread: str) -> None:
        self.sub.thread_ids.discard(thread)
        group = events.thread_group(thread)
        if group in self.joined:
            self.joined.discard(group)
            await self.channel_layer.group_discard(group, self.channel_name)

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.joined.add(group)

    async def _tick_forever(self) -> None:
        """Ring our own inbox every interval, so the tick runs in turn with the other events."""
        interval = settings.CHAT_EVENTS_PING_INTERVAL_S
        while True:
            await asyncio.sleep(interval)
            # A full inbox is busy anyway: its own doorbells keep the socket moving.
            with contextlib.suppress(ChannelFull):
                await self.channel_layer.send(self.channel_name, {"type": "events.tick"})


def _since(scope) -> int | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("since")
    if not values:
        return None
    since = int(values[0])
    if since < 0:
        raise ValueError("since must not be negative")
    return since


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        return None


def message_send_over_socket(
    *, user, session_thread_id, thread_id, text, client_id, reply_to_id
) -> dict:
    """``message.send`` from a socket: the same service, rules and limits as REST.

    A session token may post to its own session only; everything else the user may see
    is open. Returns the message as ``chats.events.message_payload`` gives it.
    """
    if not isinstance(thread_id, str) or not thread_id.strip():
        raise InvalidInput("A thread id is required.", field="thread")
    if client_id is not None and not isinstance(client_id, str | int):
        raise InvalidInput("A client id is a string.", field="client_id")
    thread_uuid = _uuid(thread_id)
    if thread_uuid is None:
        raise NotFound("Thread not found.")
    thread = thread_selectors.thread_get_for_user(user=user, thread_id=thread_uuid)
    if session_thread_id is not None and str(thread.pk) != session_thread_id:
        raise NotFound("Thread not found.")
    message = chat_services.message_send(
        thread=thread,
        actor=user,
        text=text,
        reply_to_id=reply_to_id,
        client_id=None if client_id is None else str(client_id),
    )
    return message_payload(message)
