"""A bulkhead: at most `limit` calls to one service at once; the next is refused at once (BulkheadFull)
instead of queueing, so a service that hangs holds `limit` of our workers, never all of them.

asyncio.Semaphore does the counting; the refusal is ours, since a semaphore only knows how to wait.
"""

from __future__ import annotations

import asyncio


class BulkheadFull(Exception):
    def __init__(self, name: str, limit: int):
        super().__init__(f"{name}: {limit} calls already in flight")
        self.name, self.limit = name, limit


class Bulkhead:
    def __init__(self, name: str, limit: int):
        if limit < 1:
            raise ValueError("a bulkhead lets at least one call through")
        self.name, self.limit = name, limit
        self._slots = asyncio.Semaphore(limit)
        self.admitted = self.refused = self.peak = 0

    @property
    def in_flight(self) -> int:
        return self.limit - self._slots._value  # the semaphore's free slots; it has no public counter

    async def __aenter__(self) -> "Bulkhead":
        if self._slots.locked():
            self.refused += 1
            raise BulkheadFull(self.name, self.limit)
        await self._slots.acquire()  # a free slot: returns without waiting
        self.admitted += 1
        self.peak = max(self.peak, self.in_flight)
        return self

    async def __aexit__(self, *exc) -> None:
        self._slots.release()

    def describe(self) -> dict:
        return {"limit": self.limit, "in_flight": self.in_flight, "admitted": self.admitted,
                "refused": self.refused, "peak": self.peak}
