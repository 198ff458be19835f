"""The recent tail of the event log, held once per process for all its sockets.

A doorbell (channel-layer message) says "event N is committed". Every id below N is
settled too once the ids in ``(high, N]`` are all there (the next id, or a contiguous
range) or, after a gap, once the writers in flight have ended (``threads.events.settle``:
on PostgreSQL writers commit in parallel), so a socket that last delivered L can deliver
everything it may see in ``(L, N]`` and move its cursor to N without ever skipping an
event committed late. Finding what lies
in ``(L, N]`` is the job of this cache: when ids arrive one after another the doorbells
themselves fill it (no query); when there is a jump, ONE range query fills it for every
socket of the process, instead of one query per socket. Sockets whose cursor is older
than the cache ask the database themselves (``selectors.events_visible``).
"""

import asyncio
import bisect
import time
import weakref
from typing import Any

from channels.db import database_sync_to_async

from chatproject.realtime import selectors

TAIL_SIZE = 5000
# How long a read of the newest id may be reused by the sockets' periodic catch-up.
TOP_MEMO_S = 0.5


class LogTail:
    def __init__(self, size: int | None = None):
        self.size = size or TAIL_SIZE
        # Every event with floor < id <= high is held; None until the first socket starts it.
        self.floor: int | None = None
        self.high: int | None = None
        self._ids: list[int] = []
        self._envelopes: dict[int, dict[str, Any]] = {}
        self._lock = asyncio.Lock()
        self._top: tuple[int, float] = (0, float("-inf"))

    def start_at(self, event_id: int) -> None:
        """Begin the tail at ``event_id`` (the newest id a connecting socket read).

        Below ``floor`` means the log went backwards (a database wiped under a running
        server): start again rather than serve cached events of another history.
        """
        if self.floor is None or event_id < self.floor:
            self._reset(event_id)

    def holds(self, after: int) -> bool:
        return self.floor is not None and after >= self.floor

    async def fill(self, upto: int, hint: dict[str, Any] | None = None) -> None:
        """Make the tail complete up to ``upto``; ``hint`` is that event's doorbell, if any."""
        if self.high is None:
            raise RuntimeError("LogTail.start_at must be called first")
        if upto <= self.high:
            return
        if hint is not None and upto == self.high + 1 and not self._lock.locked():
            self._append([hint])
            self.high = upto
            return
        async with self._lock:
            if upto <= self.high:
                return
            after = max(self.high, upto - self.size)
            rows = await database_sync_to_async(selectors.events_between)(after=after, upto=upto)
            if len(rows) != upto - after:
                # A gap: an id below ``upto`` drawn by a writer still in flight (PostgreSQL
                # commits writers in parallel) or rolled back. Wait until only the latter
                # can be true, then read again: nothing is skipped that commits late.
                await database_sync_to_async(selectors.settle)()
                rows = await database_sync_to_async(selectors.events_between)(
                    after=after, upto=upto
                )
            if after > self.high:
                self._reset(after)
            self._append([r for r in rows if r["event"]["id"] > self.high])
            self.high = upto

    def between(self, after: int, upto: int) -> list[dict[str, Any]]:
        """Envelopes with ``after < id <= upto``; the caller checked ``holds(after)``."""
        lo = bisect.bisect_right(self._ids, after)
        hi = bisect.bisect_right(self._ids, upto)
        return [self._envelopes[i] for i in self._ids[lo:hi]]

    async def top(self, *, fresh: bool = False) -> int:
        """The newest committed event id; reused for ``TOP_MEMO_S`` unless ``fresh``."""
        value, read_at = self._top
        now = time.monotonic()
        if fresh or now - read_at > TOP_MEMO_S:
            value = await database_sync_to_async(selectors.last_event_id)()
            self._top = (value, now)
        return value

    def _append(self, envelopes: list[dict[str, Any]]) -> None:
        for env in envelopes:
            event_id = env["event"]["id"]
            self._ids.append(event_id)
            self._envelopes[event_id] = env
        excess = len(self._ids) - self.size
        if excess > self.size // 10:  # evict in batches; the list shifts once per batch
            evicted = self._ids[:excess]
            del self._ids[:excess]
            for event_id in evicted:
                del self._envelopes[event_id]
            self.floor = evicted[-1]

    def _reset(self, event_id: int) -> None:
        self.floor = self.high = event_id
        self._ids.clear()
        self._envelopes.clear()


_tails: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LogTail]" = (
    weakref.WeakKeyDictionary()
)


def tail() -> LogTail:
    """This process's tail (one per event loop: its lock belongs to the loop)."""
    loop = asyncio.get_running_loop()
    found = _tails.get(loop)
    if found is None:
        found = _tails[loop] = LogTail()
    return found
