"""Bounded object storage: objects by id, and per resource an index in creation order; and the
idempotency store.

Each resource keeps at most `history` objects; adding one more evicts that resource's oldest, which from
then on answers Stripe's resource_missing 404. Lists walk the index from a cursor, so a page costs
O(limit) (plus the objects a filter skips), not a scan of everything ever created.
"""

from __future__ import annotations

import sys
import zlib
from dataclasses import dataclass
from typing import Any, Callable, Iterator

DEFAULT_HISTORY = 1000
# Idempotency keys kept, newest first. A key is only ever replayed to a retry of the same request, and the
# SDKs retry within seconds (backoff of 0.5 s doubling to 5 s), so the last 1,000 POSTs cover every retry a
# lab client makes; the objects' `history` is a separate bound, so keeping more objects keeps no more replies.
DEFAULT_IDEMPOTENCY_KEYS = 1000
# The stored replies (compressed) take at most this many bytes together, however large each one is; past it
# the oldest keys go first, as past the key count.
IDEMPOTENCY_BYTES = 16 << 20


class Index:
    """Ids of one resource in creation order; removed slots become None and are compacted away."""

    def __init__(self) -> None:
        self.slots: list[str | None] = []
        self.base = 0  # absolute position of slots[0]
        self.head = 0  # slots before this are all None
        self.pos: dict[str, int] = {}  # id -> absolute position

    def __len__(self) -> int:
        return len(self.pos)

    def append(self, object_id: str) -> None:
        self.pos[object_id] = self.base + len(self.slots)
        self.slots.append(object_id)

    def remove(self, object_id: str) -> None:
        self.slots[self.pos.pop(object_id) - self.base] = None
        while self.head < len(self.slots) and self.slots[self.head] is None:
            self.head += 1
        if self.head > 64 and self.head * 2 > len(self.slots):
            del self.slots[:self.head]
            self.base += self.head
            self.head = 0
        elif len(self.slots) - self.head > 2 * len(self.pos) + 64:
            self._compact()  # holes behind a survivor: objects created and deleted while an old one stays

    def _compact(self) -> None:
        """Drop every hole; the live ids keep their order (positions are looked up afresh for each page)."""
        self.base += self.head
        self.slots = [object_id for object_id in self.slots[self.head:] if object_id is not None]
        self.head = 0
        self.pos = {object_id: self.base + i for i, object_id in enumerate(self.slots)}

    def oldest(self) -> str:
        return self.slots[self.head]  # type: ignore[return-value]

    def newer_first(self, before: int | None = None) -> Iterator[str]:
        """Ids newest first, starting just older than absolute position `before` (None: the newest)."""
        start = len(self.slots) - 1 if before is None else before - self.base - 1
        for i in range(start, self.head - 1, -1):
            object_id = self.slots[i]
            if object_id is not None:
                yield object_id

    def older_first(self, after: int) -> Iterator[str]:
        """Ids oldest first, starting just newer than absolute position `after`."""
        for i in range(max(after - self.base + 1, self.head), len(self.slots)):
            object_id = self.slots[i]
            if object_id is not None:
                yield object_id


class Store:
    def __init__(self, history: int = DEFAULT_HISTORY, on_evict: Callable[[dict[str, Any]], None] | None = None):
        if history < 1:
            raise ValueError("history must be at least 1")
        self.history = history
        self.objects: dict[str, dict[str, Any]] = {}
        self.indexes: dict[str, Index] = {}
        self.on_evict = on_evict

    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        index = self.indexes.setdefault(obj["object"], Index())
        self.objects[obj["id"]] = obj
        index.append(obj["id"])
        while len(index) > self.history:
            self.remove(index.oldest(), evicted=True)
        return obj

    def remove(self, object_id: str, evicted: bool = False) -> None:
        obj = self.objects.pop(object_id)
        self.indexes[obj["object"]].remove(object_id)
        if evicted and self.on_evict:
            self.on_evict(obj)

    def position(self, kind: str, object_id: str) -> int | None:
        index = self.indexes.get(kind)
        return index.pos.get(object_id) if index else None

    def page(self, kind: str, limit: int, match: Callable[[dict[str, Any]], bool], after: int | None = None,
             before: int | None = None) -> tuple[list[dict[str, Any]], bool]:
        """Up to `limit` matching objects newest first, older than `after` or newer than `before` (positions);
        and whether more match beyond the page in the direction of travel."""
        index = self.indexes.get(kind) or Index()
        ids = index.older_first(before) if before is not None else index.newer_first(after)
        found: list[dict[str, Any]] = []
        for object_id in ids:
            obj = self.objects[object_id]
            if match(obj):
                if len(found) == limit:
                    return _ordered(found, before), True
                found.append(obj)
        return _ordered(found, before), False


def _ordered(found: list[dict[str, Any]], before: int | None) -> list[dict[str, Any]]:
    return found[::-1] if before is not None else found


@dataclass(slots=True)
class Replay:
    """The first answer given to an idempotency key, kept compactly: a digest of the request it answered
    (method, path and parameters) and the body compressed."""
    fingerprint: bytes
    status: int
    compressed: bytes
    stored_at: float

    @property
    def body(self) -> bytes:
        return zlib.decompress(self.compressed)


class Replays:
    """Idempotency keys and their first answers, oldest first. Each expires `ttl` seconds after it was stored
    (Stripe: 24 hours); past `max_keys` keys, or `max_bytes` of stored replies, the oldest go first (Stripe
    keeps every key for its 24 hours; the fake keeps the latest). An evicted key is unknown again: a repeat
    runs anew."""

    def __init__(self, ttl: float, max_keys: int = DEFAULT_IDEMPOTENCY_KEYS, max_bytes: int = IDEMPOTENCY_BYTES):
        if max_keys < 1:
            raise ValueError("idempotency_keys must be at least 1")
        self.ttl, self.max_keys, self.max_bytes = ttl, max_keys, max_bytes
        self.entries: dict[tuple[str, str], Replay] = {}  # (API key, idempotency key) -> the first answer
        self.bytes = 0  # of the compressed replies

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, api_key: str, idempotency_key: str, now: float) -> Replay | None:
        self._expire(now)
        return self.entries.get((api_key, idempotency_key))

    def put(self, api_key: str, idempotency_key: str, fingerprint: bytes, status: int, body: bytes,
            now: float) -> None:
        key = (sys.intern(api_key), idempotency_key)  # one copy of the API key however many entries share it
        self._drop(key)
        entry = Replay(fingerprint, status, zlib.compress(body, 1), now)
        self.entries[key] = entry
        self.bytes += len(entry.compressed)
        self._expire(now)
        while len(self.entries) > self.max_keys or self.bytes > self.max_bytes:
            self._drop(next(iter(self.entries)))

    def _drop(self, key: tuple[str, str]) -> None:
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.bytes -= len(entry.compressed)

    def _expire(self, now: float) -> None:
        while self.entries:
            oldest = next(iter(self.entries))
            if now - self.entries[oldest].stored_at <= self.ttl:
                return
            self._drop(oldest)
