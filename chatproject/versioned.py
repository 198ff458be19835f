"""A per-process cache of values that each belong to one version of a thing.

The caller reads the thing's current version from the database (in a query it makes
anyway) and asks for the value of exactly that version; a value stored for another
version is a miss. Nothing is ever invalidated from outside, so several processes need no
coordination: each compares against the version in the shared database. An older value
never replaces a newer one (a slow reader that computed from an older version would
otherwise push out what every current reader wants).

The cache is bounded by an estimate of the bytes its values hold (``size`` of each
value, supplied by the caller) and evicts the least recently used keys beyond it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class VersionedCache(Generic[V]):
    def __init__(self, *, max_bytes: int, size: Callable[[V], int]) -> None:
        self.max_bytes = max_bytes
        self._size = size
        self._entries: OrderedDict[Hashable, tuple[int, V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: int) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != version:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, version: int, value: V) -> None:
        size = self._size(value)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._entries.get(key)
            if old is not None:
                if old[0] > version:
                    return
                self._bytes -= old[2]
            self._entries[key] = (version, value, size)
            self._entries.move_to_end(key)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, _, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)
