"""Bounded object storage: objects by id, and per resource an index in creation order.

Each resource keeps at most `history` objects; adding one more evicts that resource's oldest, which from
then on answers Stripe's resource_missing 404. Lists walk the index from a cursor, so a page costs
O(limit) (plus the objects a filter skips), not a scan of everything ever created.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

DEFAULT_HISTORY = 1000


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


class Replays:
    """Idempotency entries, oldest first: each expires `ttl` seconds after it was stored (Stripe: 24 hours),
    and at most `cap` are kept (the fake's bounded history; Stripe keeps every key for its 24 hours)."""

    def __init__(self, ttl: float, cap: int):
        self.ttl, self.cap = ttl, cap
        self.entries: dict[Any, Any] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, key: Any, now: float) -> Any:
        self._expire(now)
        return self.entries.get(key)

    def put(self, key: Any, stored: Any, now: float) -> None:
        self.entries.pop(key, None)
        self.entries[key] = stored
        self._expire(now)
        while len(self.entries) > self.cap:
            del self.entries[next(iter(self.entries))]

    def _expire(self, now: float) -> None:
        while self.entries:
            oldest = next(iter(self.entries))
            if now - self.entries[oldest].stored_at <= self.ttl:
                return
            del self.entries[oldest]
