"""A circuit breaker on the lab clock: closed → open after `failures` failures in a row, open → half-open
once `reset_after` seconds have passed, half-open → closed on a probe's success or open again on its failure.

Written here rather than taken from a package: the maintained Python breakers (purgatory, pybreaker,
aiobreaker, circuitbreaker) all read the wall clock themselves (time.time, datetime.now or monotonic) with
no way to pass one in, and the determinism contract wants every timer on the injected clock (on a real
Redis the lab does not freeze time.time, so their open periods would run on wall time there only).
pybreaker's async support also needs tornado. What it takes to be correct is small: three states, a
counter, one probe at a time, and a record of every change for the timeline.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
CHANGES_KEPT = 1000  # state changes kept for timelines and /healthz; older ones are dropped


class CircuitOpen(Exception):
    """Refused without calling: the service failed too often just now. Try again at `retry_at`."""

    def __init__(self, name: str, retry_at: float):
        super().__init__(f"circuit {name} is open")
        self.name, self.retry_at = name, retry_at


@dataclass(frozen=True)
class Change:
    at: float  # lab-clock seconds
    state: str
    why: str


class CircuitBreaker:
    def __init__(self, name: str, clock, failures: int = 5, reset_after: float = 30.0,
                 trips: Callable[[BaseException], bool] = lambda error: True):
        if failures < 1 or reset_after <= 0:
            raise ValueError("failures must be at least 1 and reset_after positive")
        self.name, self.clock, self.failures, self.reset_after, self.trips = name, clock, failures, reset_after, trips
        self._state, self._failed, self._opened_at, self._probing = CLOSED, 0, 0.0, False
        self.refused = 0  # calls turned away while open: what the breaker spared the service
        self.changes: deque[Change] = deque([Change(clock.time(), CLOSED, "start")], maxlen=CHANGES_KEPT)

    @property
    def state(self) -> str:
        """The state as of now: an open breaker whose wait is over reads half-open."""
        if self._state == OPEN and self.clock.time() >= self.retry_at:
            self._move(HALF_OPEN, f"{self.reset_after:g} s passed")
        return self._state

    @property
    def retry_at(self) -> float:
        return self._opened_at + self.reset_after

    def before(self) -> None:
        """Let a call through, or raise CircuitOpen. Half-open lets one probe through at a time."""
        state = self.state
        if state == OPEN or (state == HALF_OPEN and self._probing):
            self.refused += 1
            raise CircuitOpen(self.name, self.retry_at if state == OPEN else self.clock.time())
        self._probing = state == HALF_OPEN

    def success(self) -> None:
        self._probing, self._failed = False, 0
        if self._state != CLOSED:  # open: a call that began before it opened came back well
            self._move(CLOSED, "a probe succeeded" if self._state == HALF_OPEN else "a call succeeded")

    def failure(self, error: BaseException | None = None) -> None:
        """Count a failure that says the service is unwell (`trips`); any other error is an answer from a
        service that is up (a 4xx, a declined card), so it counts as a success."""
        if error is not None and not self.trips(error):
            return self.success()
        self._probing = False
        self._failed += 1
        if self._state == OPEN:  # a call that began before it opened: already open, the wait stands
            return
        if self._state == HALF_OPEN or self._failed >= self.failures:
            self._opened_at = self.clock.time()
            why = "the probe failed" if self._state == HALF_OPEN else f"{self._failed} failures in a row"
            self._move(OPEN, why)

    async def call(self, fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        self.before()
        try:
            result = await fn(*args, **kwargs)
        except asyncio.CancelledError:  # we gave up on it, the service said nothing: the next call probes
            self._probing = False
            raise
        except BaseException as error:
            self.failure(error)
            raise
        self.success()
        return result

    def _move(self, state: str, why: str) -> None:
        self._state = state
        self.changes.append(Change(self.clock.time(), state, why))

    def describe(self) -> dict:
        """For /healthz and tables: the state, failures counted, when it may be tried again, calls refused."""
        state = self.state
        return {"state": state, "failures": self._failed, "refused": self.refused,
                "retry_at_ms": round(self.retry_at * 1000) if state == OPEN else None}

    def __repr__(self) -> str:
        return f"CircuitBreaker({self.name!r}, {self.state}, {self._failed}/{self.failures} failures)"
