"""One call sets a scenario up: clock, ids, a clean Redis keyspace. `await lab.advance(s)` moves time."""

from __future__ import annotations

from dataclasses import dataclass

import time_machine

from .clock import FrozenClock, SystemClock
from .ids import IdFactory
from .keyspace import Keyspace
from .redis_backend import RedisBackend, connect

_traveller: time_machine.travel | None = None  # one per process: time.time() is process-wide


@dataclass
class Lab:
    scenario_id: str
    clock: FrozenClock | SystemClock
    ids: IdFactory
    backend: RedisBackend

    @property
    def redis(self):
        return self.backend.client

    @property
    def keys(self) -> Keyspace:
        return self.backend.keys

    async def advance(self, seconds: float) -> None:
        """Move the lab clock; fakeredis follows through time-machine, a real Redis by fast-forwarded TTLs."""
        self.clock.advance(seconds)
        await self.backend.fast_forward(seconds)

    async def close(self) -> None:
        _stop_travel()
        await self.backend.close()

    def __repr__(self) -> str:
        # the backend is left out: the same outputs must read alike on fakeredis and on a real server
        return f"Lab({self.scenario_id!r}, clock at {self.clock.now():%Y-%m-%d %H:%M:%S} UTC)"


def _stop_travel() -> None:
    global _traveller
    if _traveller is not None:
        _traveller.stop()
        _traveller = None


async def setup(
    scenario_id: str = "interactive",
    start: str = "2026-01-05T09:00:00Z",
    seed: int = 0,
    live: bool = False,
    redis_url: str | None = None,
    backend: RedisBackend | None = None,
) -> Lab:
    """A fresh lab for one scenario. live=True uses the system clock (for runs against real services).
    `backend` replaces the Redis the lab would connect to (a model, runtime/replication.py: in-process, so
    the lab clock drives it as it drives fakeredis). Notebooks call `integration_lab.setup`, which also makes
    their tables print whole (notebook/lab.py)."""
    global _traveller
    _stop_travel()  # a notebook re-run starts over
    backend = backend or await connect(scenario_id, redis_url)
    if live:
        clock = SystemClock()
    else:
        clock = FrozenClock(start)
        if backend.mode == "fakeredis":
            _traveller = time_machine.travel(clock.now(), tick=False)
            coordinates = _traveller.start()
            clock.on_advance(coordinates.shift)
    return Lab(scenario_id, clock, IdFactory(seed), backend)
