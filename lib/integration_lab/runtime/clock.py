"""The one clock every component reads. Nothing else in the lab calls time.time() or datetime.now().

FrozenClock starts at an instant from the parameters and moves only by advance(); SystemClock is for
live runs. Both hand out integer milliseconds, the unit Redis scripts and TTLs use.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Callable


def parse_instant(value: str | datetime) -> datetime:
    """'2026-01-05T09:00:00Z' (or a datetime) -> an aware UTC datetime."""
    if isinstance(value, datetime):
        instant = value
    else:
        instant = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if instant.tzinfo is None:
        raise ValueError(f"instant {value!r} needs a timezone, e.g. '2026-01-05T09:00:00Z'")
    return instant.astimezone(timezone.utc)


class FrozenClock:
    """Stands still until advance(); listeners (time-machine for fakeredis) follow every move."""

    def __init__(self, start: str | datetime):
        self._now = parse_instant(start)
        self._listeners: list[Callable[[float], None]] = []

    def on_advance(self, listener: Callable[[float], None]) -> None:
        self._listeners.append(listener)

    def now(self) -> datetime:
        return self._now

    def time(self) -> float:
        return self._now.timestamp()

    def ms(self) -> int:
        return round(self._now.timestamp() * 1000)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the lab clock only moves forward")
        self._now += timedelta(seconds=seconds)
        for listener in self._listeners:
            listener(seconds)

    def __repr__(self) -> str:
        return f"FrozenClock({self._now.isoformat()})"


class SystemClock:
    """Wall-clock time for live runs against real services; advance() really waits."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def time(self) -> float:
        return time.time()

    def ms(self) -> int:
        return time.time_ns() // 1_000_000

    def advance(self, seconds: float) -> None:
        time.sleep(seconds)

    def on_advance(self, listener: Callable[[float], None]) -> None:
        pass  # real time needs no one to follow it

    def __repr__(self) -> str:
        return "SystemClock()"


class SteppableClock(SystemClock):
    """Wall-clock time plus an offset that only moves forward: `serve app` runs on it so a test over HTTP
    can jump past Payme's 12-hour timeout (`POST /_lab/clock`) while real time keeps running."""

    def __init__(self):
        self._offset_ms = 0

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.ms() / 1000, timezone.utc)

    def time(self) -> float:
        return self.ms() / 1000

    def ms(self) -> int:
        return time.time_ns() // 1_000_000 + self._offset_ms

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the lab clock only moves forward")
        self._offset_ms += round(seconds * 1000)

    def __repr__(self) -> str:
        return f"SteppableClock(+{self._offset_ms} ms)"
