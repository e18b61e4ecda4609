"""Who said what to whom, in order, on the lab clock: the record a journey's sequence picture is drawn from.

A `Trace` collects arrows (`note(sender, receiver, message)`). Wires report themselves: `traced(transport,
…)` wraps an httpx transport and notes each request (and, where the caller asks, what came back), and
`watch_redis(client)` counts our side's Redis commands, which the next arrow (or `rows()`) folds into one
"our bot → Redis" arrow naming them, so a picture shows every round trip without drowning in them.
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

import httpx

from ..app.scripts import script_name
from ..runtime.redis_cut import RedisCut

ACTORS = ("buyer", "Telegram", "our bot", "provider", "Redis")
Labeller = Callable[[httpx.Request, httpx.Response | None], list[tuple[str, str, str]]]
KEPT = 2_000  # arrows kept per trace: a journey is tens, a load run would be millions (it keeps none)


@dataclass
class Trace:
    clock: object
    start: float = 0.0
    arrows: list[dict] = field(default_factory=list)
    enabled: bool = True
    _redis: RedisCut | None = None
    _redis_seen: int = 0

    def __post_init__(self):
        self.start = self.start or self.clock.time()
        # commands are dated before the clock moves on (listeners run once it has moved)
        self.clock.on_advance(lambda seconds: self._flush_redis(self.clock.time() - seconds))

    @contextmanager
    def aside(self):
        """What the lab itself reads from Redis (tables, checks) inside this block is not part of the journey."""
        self._flush_redis()
        try:
            yield
        finally:
            if self._redis is not None and self._redis.log is not None:
                self._redis_seen = len(self._redis.log)

    def note(self, sender: str, receiver: str, message: str) -> None:
        if not self.enabled:
            return
        self._flush_redis()
        self._add(sender, receiver, message)

    def _add(self, sender: str, receiver: str, message: str, at: float | None = None) -> None:
        if len(self.arrows) < KEPT:
            at = self.clock.time() if at is None else at
            self.arrows.append({"t (s)": round(at - self.start, 3), "from": sender, "to": receiver,
                                "message": message})

    def watch_redis(self, client) -> None:
        """Count `client`'s commands from now on (the lab's RedisCut wrapper logs their names)."""
        self._redis = RedisCut.of(client)
        if self._redis.log is None:
            self._redis.log = []
        self._redis_seen = len(self._redis.log)

    def _flush_redis(self, at: float | None = None) -> None:
        cut = self._redis
        if cut is None or cut.log is None:
            return
        if len(cut.log) < self._redis_seen:  # someone else (a crash-point sweep) reset the log
            self._redis_seen = 0
        fresh = cut.log[self._redis_seen:]
        self._redis_seen = len(cut.log)
        if fresh and self.enabled:
            self._add("our bot", "Redis", redis_summary(fresh), at)
        if len(cut.log) > 10 * KEPT:  # keep the log short; only what follows the mark matters
            del cut.log[:]
            self._redis_seen = 0

    def rows(self) -> list[dict]:
        self._flush_redis()
        return list(self.arrows)


def redis_summary(commands: list[str]) -> str:
    """['EVALSHA <sha of ledger_apply>', 'SET', 'SET'] -> 'ledger_apply(), SET ×2' (scripts by name); a
    pipeline (one round trip) as 'pipeline(stock_commit(), HSET)'."""
    names = [_summary_name(c) for c in commands]
    return ", ".join(name if n == 1 else f"{name} ×{n}" for name, n in Counter(names).items())


def _summary_name(command: str) -> str:
    if command.startswith("PIPELINE "):
        return f"pipeline({', '.join(_summary_name(c) for c in command[9:].split(';'))})"
    if command.startswith(("EVALSHA ", "EVAL ")):
        return f"{script_name(command.split(' ', 1)[1])}()"
    return command


class TracedTransport(httpx.AsyncBaseTransport):
    """An httpx transport that notes each exchange on a trace, as `label(request, response)` describes it."""

    def __init__(self, inner: httpx.AsyncBaseTransport, trace: Trace, label: Labeller):
        self.inner, self.trace, self.label = inner, trace, label

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.trace.enabled:  # labelling parses both bodies: not for exchanges nobody notes
            return await self.inner.handle_async_request(request)
        await request.aread()  # a multipart upload streams: read it once, for the label and the server alike
        for arrow in self.label(request, None):
            self.trace.note(*arrow)
        response = await self.inner.handle_async_request(request)
        await response.aread()
        for arrow in self.label(request, response):
            self.trace.note(*arrow)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
