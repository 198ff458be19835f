"""The live-event socket ``/ws/events/``: one per client, carrying every thread the user
may see (SPEC §5).

The consumer owns the socket and nothing else: it authenticates (``auth.py`` has put the
user in the scope), joins channel-layer groups, relays event frames in id order and hands
client frames to ``commands``. It decides nothing itself:

- who hears an event: ``audience`` (groups, the log filter) and, per socket,
  ``state.SocketState``, which says for each envelope whether to send it and which
  groups to join or leave;
- what a client may ask: ``commands`` (``message.send`` calls the same service as REST).

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
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import DatabaseSyncToAsync, database_sync_to_async
from channels.exceptions import ChannelFull
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from chatproject import outage
from chatproject.errors import InvalidInput
from chatproject.realtime import commands, selectors
from chatproject.realtime.state import SocketState
from chatproject.realtime.tail import tail

CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403

REPLAY_BATCH = 500
# Channel layers forget a group membership after a day; sockets renew theirs well before.
GROUP_RENEW_S = 3600


# Commands write. They run on the worker threads that serve REST requests, not on the one
# thread every socket of the process shares for its reads (``database_sync_to_async``'s
# default): a send queued for SQLite's write lock would stall every socket's delivery, and
# every other socket's send, behind it.
run_command = DatabaseSyncToAsync(commands.run, thread_sensitive=False)


def encoded(envelope: dict) -> str:
    """The event's frame as JSON text, encoded once however many sockets send it: the log
    tail hands every socket of the process the same envelope."""
    text = envelope.get("text")
    if text is None:
        text = envelope["text"] = json.dumps(envelope["event"], cls=DjangoJSONEncoder)
    return text


class EventsConsumer(AsyncJsonWebsocketConsumer):
    async def dispatch(self, message):
        """Channels' ``dispatch`` without its ``aclose_old_connections()``: that is a thread
        hop before every message (1,000 of them per event at 1,000 subscribers), and this
        consumer reaches the database only through ``database_sync_to_async``, which
        closes stale connections itself, on the thread that uses them."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    @property
    def channel_layer(self):
        return self._channel_layer

    @channel_layer.setter
    def channel_layer(self, layer) -> None:
        """Channels sets the layer at start; the socket uses it through ``_GuardedLayer``."""
        self._channel_layer = None if layer is None else _GuardedLayer(layer)

    async def __call__(self, scope, receive, send):
        """Run the socket; if the database or Redis goes away, close with 1013.

        1013 ("try again later") tells the client to reconnect with ``?since=`` its last
        event id once the outage is over; nothing is lost (the log is in the database). A
        handshake that fails mid-way is accepted first, so the client sees the code.

        A client that goes away while an event is being relayed (the ASGI server refuses
        the send) simply ends the socket, as its disconnect would.
        """
        self.accepted = False
        self.ticker = None
        self.joined = set()

        async def send_while_open(message):
            try:
                await send(message)
            except (RuntimeError, OSError) as exc:
                if self.accepted and message["type"] in ("websocket.send", "websocket.close"):
                    raise _ClientGone from exc
                raise

        try:
            await super().__call__(scope, receive, send_while_open)
        except _ClientGone:
            await self.disconnect(None)
        except outage.OUTAGE_ERRORS as exc:
            outage.log(exc, "websocket")
            with contextlib.suppress(Exception):  # the client may be gone already
                if not self.accepted:
                    await send({"type": "websocket.accept", "subprotocol": None})
                await send({"type": "websocket.close", "code": outage.CLOSE_TRY_AGAIN})
        finally:
            if self.ticker is not None:
                self.ticker.cancel()

    async def accept(self, subprotocol=None, headers=None):
        await super().accept(subprotocol, headers)
        self.accepted = True

    async def connect(self):
        self.joined: set[str] = set()
        self.followed_new = False
        self.ticker: asyncio.Task | None = None
        self.state: SocketState | None = None
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

        first_top, sub = await database_sync_to_async(selectors.connect_facts)(
            user=self.user, session_thread_id=session_thread_id
        )
        if session_thread_id is not None and not sub.thread_ids:
            await self._refuse(CLOSE_FORBIDDEN)  # the session is gone or no longer theirs
            return
        self.state = SocketState(sub)
        for group in self.state.initial_groups():
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
        # With Redis away the memberships cannot be dropped now; they expire on their own.
        with contextlib.suppress(*outage.OUTAGE_ERRORS):
            for group in list(self.joined):
                await self.channel_layer.group_discard(group, self.channel_name)
        self.joined.clear()

    # --- from the channel layer ------------------------------------------------------

    async def chat_event(self, message):
        """A doorbell: event ``message["event"]["id"]`` is committed."""
        if self.state is None:
            return  # closing
        await self._advance(message["event"]["id"], hint=message)
        await self._settle()

    async def events_tick(self, message):
        """Heartbeat: ping the client, re-check the token, heal lost doorbells."""
        if self.state is None:
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
        if self.state is None:
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
            self.state = None  # nothing more is relayed or accepted on this socket
            await self.close(code=CLOSE_UNAUTHENTICATED)

    async def access_changed(self, message):
        """The user's role or workspaces changed: hear the support chats they now may.

        Thread memberships follow their own ``member.*`` events; what changes here is the
        support-staff part (an agent demoted to member stops hearing support chats).
        """
        if self.state is None or self.state.session_thread_id is not None:
            return
        fresh = await database_sync_to_async(selectors.subscription_for)(user=self.user)
        step = self.state.restaff(fresh.staff_workspace_ids)
        for group in step.leave:
            self.joined.discard(group)
            await self.channel_layer.group_discard(group, self.channel_name)
        for group in step.join:
            await self._join(group)

    # --- from the client -------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if self.state is None:
            return  # a refused socket, closing
        try:
            content = commands.parse_frame(text_data)
        except InvalidInput as error:
            await self.send_json(commands.error_frame(None, error))
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "pong":
            pass
        elif (command := commands.COMMANDS.get(kind)) is not None:
            reply = await run_command(
                command,
                content,
                actor=self.user,
                session_thread_id=self.state.session_thread_id,
            )
            await self.send_json(reply)
        else:
            await self.send_json(commands.unknown_frame(content))

    @classmethod
    async def encode_json(cls, content):
        return json.dumps(content, cls=DjangoJSONEncoder)

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
        # A doorbell's id is committed, but a lower one may still be in flight.
        await database_sync_to_async(selectors.settle)()
        await self._deliver_from_log(upto=upto)

    async def _deliver_from_log(self, *, upto: int) -> None:
        """Like ``_advance``, reading the database: replay, or a cursor older than the tail."""
        if upto <= self.last:
            return  # nothing missed (most connects): no query
        while True:
            batch = await database_sync_to_async(selectors.events_visible)(
                user=self.user,
                after=self.last,
                upto=upto,
                limit=REPLAY_BATCH,
                session_thread_id=self.state.session_thread_id,
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
        """Do what the socket's state says with one event: join, send, leave.

        ``checked``: the database already said the user may see it (replay).
        """
        step = self.state.take(envelope, checked=checked)
        for group in step.join:
            await self._join(group)
            self.followed_new = True
        if step.send:
            await self.send(text_data=encoded(envelope))
        for group in step.leave:
            self.joined.discard(group)
            await self.channel_layer.group_discard(group, self.channel_name)

    # --- groups ----------------------------------------------------------------------

    async def _join(self, group: str) -> None:
        await self.channel_layer.group_add(group, self.channel_name)
        self.joined.add(group)

    async def _tick_forever(self) -> None:
        """Ring our own inbox every interval, so the tick runs in turn with the other events."""
        interval = settings.CHAT_EVENTS_PING_INTERVAL_S
        while True:
            await asyncio.sleep(interval)
            # A full inbox is busy anyway: its own doorbells keep the socket moving. A layer
            # that is away fails the socket's receive too, which closes it (1013).
            with contextlib.suppress(ChannelFull, *outage.OUTAGE_ERRORS):
                await self.channel_layer.send(self.channel_name, {"type": "events.tick"})


class LayerUnavailable(ConnectionError):
    """The channel layer failed in a way its client library does not call a connection
    error (e.g. redis-py writing to a socket uvloop already closed when Redis died)."""


class _GuardedLayer:
    """The channel layer as a socket uses it: whatever makes a call fail is an outage.

    A socket cannot work without its layer, and any failure of it (Redis killed mid-read,
    a closed transport) is cured the same way: close with 1013 and let the client
    reconnect once the layer is back.
    """

    def __init__(self, layer):
        self._layer = layer

    def __getattr__(self, name):
        return getattr(self._layer, name)

    async def receive(self, channel):
        return await _guard(self._layer.receive(channel))

    async def send(self, channel, message):
        return await _guard(self._layer.send(channel, message))

    async def group_add(self, group, channel):
        return await _guard(self._layer.group_add(group, channel))

    async def group_discard(self, group, channel):
        return await _guard(self._layer.group_discard(group, channel))


async def _guard(call):
    try:
        return await call
    except (ChannelFull, *outage.OUTAGE_ERRORS):
        raise
    except Exception as exc:
        raise LayerUnavailable(f"{type(exc).__name__}: {exc}") from exc


class _ClientGone(Exception):
    """The ASGI server refused a send: the client disconnected mid-dispatch."""


def _since(scope) -> int | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("since")
    if not values:
        return None
    since = int(values[0])
    if since < 0:
        raise ValueError("since must not be negative")
    return since
