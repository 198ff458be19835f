"""Clients for the load runs, retrying as the README documents it.

- REST senders post to the Team API with an ``Idempotency-Key``; on a 503 they wait its
  ``Retry-After``, on a dropped connection they try the next server; same key each time.
- Websocket senders send ``message.send`` with a ``client_id`` and wait for its
  ``message.ack``; on an ``unavailable`` error frame they wait and send again, on a
  closed socket they reconnect (next server) and send again with the same ``client_id``.
- Subscribers keep the event ids they receive and reconnect with ``?since=`` the last one.

Everything a client saw is counted in :class:`Tally`; the tests judge it.
"""

import asyncio
import contextlib
import http.client
import itertools
import json
import os
import platform
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

NOT_EVENTS = frozenset({"ping", "pong", "resync", "message.ack", "error"})


@dataclass
class Tally:
    sent: list[str] = field(default_factory=list)  # every client id a sender started
    acked: dict[str, str] = field(default_factory=dict)  # client id -> message id
    given_up: list[str] = field(default_factory=list)
    # Answers while something was down: status -> count, and every answer that broke the
    # rules (an HTML page, a 500, a 503 without Retry-After or JSON).
    statuses: Counter = field(default_factory=Counter)
    bad_answers: list[str] = field(default_factory=list)
    connection_errors: int = 0
    unavailable_frames: int = 0
    ws_closes: Counter = field(default_factory=Counter)
    db_locked: int = 0
    # Seconds from a message's first attempt to its acknowledgement, per way of sending.
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"REST": [], "websocket": []})


def _endpoint(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def _post(url: str, path: str, body: dict, headers: dict, timeout: float):
    host, port = _endpoint(url)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("POST", path, body=json.dumps(body), headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def judge_error(tally: Tally, status: int, headers: dict, raw: bytes, where: str) -> float:
    """Record a non-success answer; return how long to wait before retrying."""
    tally.statuses[status] += 1
    ctype = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
    retry_after = {k.lower(): v for k, v in headers.items()}.get("retry-after")
    text = raw[:300].decode("utf-8", "replace")
    if b"database is locked" in raw:
        tally.db_locked += 1
    try:
        json.loads(raw)
        is_json = "json" in ctype
    except ValueError:
        is_json = False
    if status == 503:
        if not is_json or not retry_after:
            tally.bad_answers.append(f"{where}: 503 without JSON/Retry-After: {ctype} {text}")
        return min(float(retry_after or 1), 2.0)
    if status >= 500 or not is_json:
        tally.bad_answers.append(f"{where}: {status} {ctype} {text}")
    return 0.5


async def rest_sender(
    name: str,
    *,
    token: str,
    threads: list[str],
    servers: list,
    tally: Tally,
    stop: asyncio.Event,
    give_up: asyncio.Event,
    pause: float,
) -> None:
    """Send until ``stop``; retry each message until acknowledged or ``give_up``."""
    order = itertools.cycle(range(len(servers)))
    for number in itertools.count():
        if stop.is_set():
            return
        client_id = f"{name}-{number}"
        tally.sent.append(client_id)
        body = {"thread": threads[number % len(threads)], "content": client_id}
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": client_id,
        }
        server = servers[next(order)]
        first_try = time.monotonic()
        while True:
            if give_up.is_set():
                tally.given_up.append(client_id)
                return
            try:
                status, answer_headers, raw = await asyncio.to_thread(
                    _post, server.url, "/api/v1/chat/messages", body, headers, 20
                )
            except (OSError, http.client.HTTPException):
                tally.connection_errors += 1
                server = servers[next(order)]
                await asyncio.sleep(0.2)
                continue
            if status in (200, 201):
                tally.acked[client_id] = json.loads(raw)["message"]  # the message id
                tally.latencies["REST"].append(time.monotonic() - first_try)
                break
            wait = judge_error(tally, status, answer_headers, raw, f"REST {client_id}")
            if status < 500 and status != 429:
                tally.given_up.append(client_id)  # refused: nothing to retry
                break
            await asyncio.sleep(wait)
        await asyncio.sleep(pause)


def _ws_url(server, token: str, since: int | None = None) -> str:
    query = f"?token={token}" + (f"&since={since}" if since is not None else "")
    return f"{server.ws_url}/ws/events/{query}"


async def _open(server, token: str, since: int | None = None):
    return await connect(
        _ws_url(server, token, since),
        origin=server.url,
        open_timeout=10,
        ping_interval=None,
        close_timeout=2,
        max_size=2**24,
    )


async def ws_sender(
    name: str,
    *,
    token: str,
    threads: list[str],
    servers: list,
    tally: Tally,
    stop: asyncio.Event,
    give_up: asyncio.Event,
    pause: float,
) -> None:
    order = itertools.cycle(range(len(servers)))
    socket = None
    try:
        for number in itertools.count():
            if stop.is_set():
                return
            client_id = f"{name}-{number}"
            tally.sent.append(client_id)
            frame = json.dumps(
                {
                    "type": "message.send",
                    "thread": threads[number % len(threads)],
                    "text": client_id,
                    "client_id": client_id,
                }
            )
            first_try = time.monotonic()
            while True:
                if give_up.is_set():
                    tally.given_up.append(client_id)
                    return
                try:
                    if socket is None:
                        socket = await _open(servers[next(order)], token)
                    await socket.send(frame)
                    reply = await _await_reply(socket, client_id, timeout=10)
                except (OSError, TimeoutError, WebSocketException) as error:
                    code = getattr(getattr(error, "rcvd", None), "code", None)
                    tally.ws_closes[code or type(error).__name__] += 1
                    if socket is not None:
                        with contextlib.suppress(Exception):
                            await socket.close()
                    socket = None
                    await asyncio.sleep(0.3)
                    continue
                if reply["type"] == "message.ack":
                    tally.acked[client_id] = reply["message"]["id"]
                    tally.latencies["websocket"].append(time.monotonic() - first_try)
                    break
                if reply["error"]["code"] == "unavailable":
                    tally.unavailable_frames += 1
                    await asyncio.sleep(min(reply["error"].get("retry_after", 1), 2))
                    continue
                tally.bad_answers.append(f"WS {client_id}: {reply}")
                tally.given_up.append(client_id)
                break
            await asyncio.sleep(pause)
    finally:
        if socket is not None:
            with contextlib.suppress(Exception):
                await socket.close()


async def _await_reply(socket, client_id: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no ack")
        content = json.loads(await asyncio.wait_for(socket.recv(), left))
        answers = content.get("type") in ("message.ack", "error")
        if answers and content.get("client_id") == client_id:
            return content


class Subscriber:
    """One user's live view: every event id received, in order, across reconnects."""

    def __init__(self, name: str, *, token: str, servers: list, since: int, first: int):
        self.name = name
        self.token = token
        self.servers = servers
        self.since = since
        self.order = itertools.cycle([*servers[first:], *servers[:first]])
        self.received: list[int] = []
        self.resyncs = 0
        self.reconnects = 0
        self.closes: Counter = Counter()
        self.socket = None

    @property
    def last(self) -> int:
        return self.received[-1] if self.received else self.since

    def cut(self) -> None:
        """Drop the connection abruptly, as a network would (no close frame)."""
        if self.socket is not None:
            self.socket.transport.abort()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                self.socket = await _open(next(self.order), self.token, self.last)
                async for raw in self.socket:
                    content = json.loads(raw)
                    kind = content.get("type")
                    if kind == "resync":
                        self.resyncs += 1
                    elif kind not in NOT_EVENTS and "id" in content:
                        self.received.append(content["id"])
            except (OSError, TimeoutError, WebSocketException) as error:
                code = getattr(getattr(error, "rcvd", None), "code", None)
                self.closes[code or type(error).__name__] += 1
            finally:
                if self.socket is not None:
                    with contextlib.suppress(Exception):
                        await self.socket.close()
                    if self.socket.close_code is not None:
                        self.closes[self.socket.close_code] += 1
                self.socket = None
            if stop.is_set():
                return
            self.reconnects += 1
            await asyncio.sleep(0.3)


def machine() -> str:
    """Where the figures were measured, and when."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {now}"


def use_threads(count: int) -> None:
    """REST calls run in threads: give the running loop enough for every sender at once."""
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=count))


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def check_stream(received: list[int], expected: list[int]) -> dict:
    """Compare what a subscriber got with what it may see: gaps, duplicates, disorder."""
    counts = Counter(received)
    return {
        "missing": sorted(set(expected) - set(received)),
        "unexpected": sorted(set(received) - set(expected)),
        "duplicates": sorted(i for i, n in counts.items() if n > 1),
        "in_order": all(a < b for a, b in itertools.pairwise(received)),
    }
