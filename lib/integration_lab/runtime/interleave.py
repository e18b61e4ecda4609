"""Handlers run at once, interleaved one step at a time in an order a seed (or a schedule) chooses.

Real bots handle many updates at once; in the lab everything else happens one update at a time. An
`Interleaving` runs two or more handlers ("lanes") as asyncio tasks and stops each before every Redis
command and every outgoing HTTP call it makes; when every lane still running is stopped, it lets exactly one
go on, to its next stop (or its end). Which one is drawn from `random.Random(seed)`, or taken from `schedule`
(each entry a lane's name, or an index into the lanes waiting, modulo their number), so a run is reproducible
command for command, on fakeredis and on a real redis-server alike: only one lane is ever between two stops.

The stops are hooks the lab already has. Redis: the `RedisCut` wrapper every command funnels through (its
`gate`; a pipeline is one round trip, so one stop). HTTP: `GatedTransport`, an httpx transport around the one
our side reaches a fake with. A command issued outside any lane (the lab's own reads, setup) goes straight
through. Each step is recorded (`steps`): its number, the lane, the command (as the cut logs it: `EVALSHA
<sha>`, `MULTI`, `sendMessage`) and its first key, and which lanes were waiting beside it.
"""

from __future__ import annotations

import asyncio
import contextvars
import random
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Sequence

import httpx

from .redis_cut import RedisCut

STALL_SECONDS = 30.0  # real seconds a released lane may take to reach its next stop before the run is called stuck


@dataclass(frozen=True)
class Step:
    n: int  # 1, 2, … in the order the steps ran
    lane: str
    kind: str  # redis or http
    command: str  # GET, EVALSHA <sha>, MULTI; for HTTP the method's name (sendMessage, POST /v1/refunds)
    key: str  # the command's first key (or the service called)
    waiting: tuple[str, ...]  # the other lanes stopped at that moment, in lane order


@dataclass
class LaneResult:
    lane: str
    value: Any = None
    error: BaseException | None = None
    first: int = 0  # its first and last step (0: it made none)
    last: int = 0


@dataclass
class _Stop:
    lane: str
    order: int  # the lane's place in the run, for a stable order of the lanes waiting
    kind: str
    command: str
    key: str
    go: asyncio.Future = field(repr=False)


_LANE: contextvars.ContextVar[tuple["Interleaving", str] | None] = contextvars.ContextVar("lab_lane", default=None)


class Interleaving:
    def __init__(self, seed: int = 0, schedule: Sequence[int | str] = (), stall: float = STALL_SECONDS):
        self.seed, self.schedule, self.stall = seed, list(schedule), stall
        self.rng = random.Random(seed)  # nosec B311  # a reproducible schedule, not a secret
        self.steps: list[Step] = []
        self.results: dict[str, LaneResult] = {}
        self._order: dict[str, int] = {}
        self._stopped: list[_Stop] = []
        self._running = 0
        self._changed: asyncio.Event | None = None

    # the lanes ---------------------------------------------------------------------------------------------
    async def run(self, lanes: dict[str, Callable[[], Awaitable[Any]]]) -> dict[str, LaneResult]:
        """Run each lane's coroutine at once, interleaved; returns each lane's value or the error it raised
        (an error is kept, not raised: a handler failing is one of the outcomes a race can have)."""
        if len(lanes) < 1:
            raise ValueError("an interleaving needs at least one lane")
        self._changed = asyncio.Event()
        self._order = {name: i for i, name in enumerate(lanes)}
        self.results = {name: LaneResult(name) for name in lanes}
        self._running = len(lanes)
        tasks = [asyncio.create_task(self._lane(name, start), name=f"lane {name}") for name, start in lanes.items()]
        try:
            while True:
                await self._settle()
                if not self._stopped:
                    break
                self._release(self._choose())
        finally:
            for task in tasks:
                if not task.done():
                    task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return self.results

    async def _lane(self, name: str, start: Callable[[], Awaitable[Any]]) -> None:
        _LANE.set((self, name))
        try:
            self.results[name].value = await start()
        except Exception as error:  # noqa: BLE001  # kept as the lane's outcome
            self.results[name].error = error
        finally:
            self._running -= 1
            self._changed.set()

    async def _settle(self) -> None:
        """Wait until every lane still running is stopped or done."""
        while self._running > 0:
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), self.stall)
            except asyncio.TimeoutError:
                raise RuntimeError(f"a lane neither reached a stop nor ended within {self.stall:g} s "
                                   f"(stopped: {[s.lane for s in self._stopped]})") from None

    def _choose(self) -> _Stop:
        waiting = sorted(self._stopped, key=lambda s: s.order)
        i = len(self.steps)
        if i < len(self.schedule):
            wanted = self.schedule[i]
            if isinstance(wanted, str):
                named = [s for s in waiting if s.lane == wanted]
                return named[0] if named else waiting[0]  # that lane is done: the first one waiting goes
            return waiting[wanted % len(waiting)]
        return waiting[self.rng.randrange(len(waiting))]

    def _release(self, stop: _Stop) -> None:
        self._stopped.remove(stop)
        n = len(self.steps) + 1
        others = tuple(s.lane for s in sorted(self._stopped, key=lambda s: s.order) if s.lane != stop.lane)
        self.steps.append(Step(n, stop.lane, stop.kind, stop.command, stop.key, others))
        result = self.results[stop.lane]
        result.first, result.last = result.first or n, n
        self._running += 1
        stop.go.set_result(None)

    async def stop(self, lane: str, kind: str, command: str, key: str) -> None:
        """Called in `lane` before one command: wait for its turn."""
        go = asyncio.get_running_loop().create_future()
        self._stopped.append(_Stop(lane, self._order[lane], kind, command, key, go))
        self._running -= 1
        self._changed.set()
        await go


async def gate(kind: str, command: str, key: str) -> None:
    """The hook: inside a lane, wait for its turn; anywhere else, go straight on."""
    lane = _LANE.get()
    if lane is not None:
        harness, name = lane
        await harness.stop(name, kind, command, key)


async def _redis_gate(name: str, args: Sequence[Any]) -> None:
    await gate("redis", name, _first_key(name, args))


def _first_key(name: str, args: Sequence[Any]) -> str:
    """The key a command acts on (a script's first key; SCAN's pattern), as a string; '' if none."""
    if name.startswith("EVALSHA") or name == "EVAL":
        return str(args[3]) if len(args) > 3 and int(args[2]) > 0 else ""
    if name == "SCAN":
        parts = [str(a) for a in args]
        return parts[parts.index("MATCH") + 1] if "MATCH" in parts else ""
    return str(args[1]) if len(args) > 1 else ""


def watch_redis(client) -> RedisCut:
    """Stop lanes before each of `client`'s commands (once per client; harmless outside lanes)."""
    cut = RedisCut.of(client)
    cut.gate = _redis_gate
    return cut


class GatedTransport(httpx.AsyncBaseTransport):
    """Around the transport our side reaches a fake with: a lane stops before each request. `service` names
    the fake in the steps; the command is the request's last path segment (a Bot API method) or, for a REST API,
    the verb and path."""

    def __init__(self, inner: httpx.AsyncBaseTransport, service: str, rest: bool = False):
        self.inner, self.service, self.rest = inner, service, rest

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        await gate("http", f"{request.method} {path}" if self.rest else path.rsplit("/", 1)[-1], self.service)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()
