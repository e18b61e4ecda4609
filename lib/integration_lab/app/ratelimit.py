"""Rate limiting in Redis: four algorithms, several limits per action, one script call per decision.

Every decision is atomic and costs one round trip: the script checks every limit of the action and
counts the request against all of them only if all allow it. Time is the lab clock's milliseconds,
passed to the script (never the server's TIME), so fakeredis and a real Redis decide alike.
Keys are `rl:{<subject>}:<action>:<algorithm>:<limit>…`: the hash tag keeps one subject's keys in one Cluster slot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..runtime.keyspace import Keyspace
from .scripts import register

ALGORITHMS = ("fixed_window", "sliding_log", "sliding_counter", "gcra")

# Keys outlive what they count by this much. The count never depends on expiry (windows are in the key
# names, times are stored), so the grace only absorbs clocks that differ: app servers' clocks against
# each other, and the lab clock against a real server's own TTL clock.
GRACE_MS = 1000

_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
_LIMIT_TEXT = re.compile(r"^\s*(-?\d+)\s*(?:/|per)\s*(\d+(?:\.\d+)?)?\s*(second|minute|hour|day|s)s?\s*$")


@dataclass(frozen=True)
class Limit:
    """`limit` requests per `period` seconds; `burst` (GCRA only) defaults to `limit`."""

    limit: int
    period: float
    burst: int | None = None

    def __post_init__(self):
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit <= 0:
            raise ValueError(f"limit must be a positive whole number of requests, got {self.limit!r}")
        if not self.period > 0:
            raise ValueError(f"period must be a positive number of seconds, got {self.period!r}")
        if self.burst is not None and (not isinstance(self.burst, int) or self.burst <= 0):
            raise ValueError(f"burst must be a positive whole number, got {self.burst!r}")

    @classmethod
    def parse(cls, text: str) -> "Limit":
        """'3/minute', '20 per day', '5/10s', '10/second'."""
        match = _LIMIT_TEXT.match(str(text))
        if not match:
            raise ValueError(f"cannot read limit {text!r}; write it like '3/minute' or '5/10s'")
        count, amount, unit = match.groups()
        seconds = float(amount or 1) * (1 if unit == "s" else _UNITS[unit])
        return cls(int(count), seconds)

    @property
    def period_ms(self) -> int:
        return round(self.period * 1000)

    def __str__(self) -> str:
        for unit, seconds in _UNITS.items():
            if self.period == seconds:
                return f"{self.limit}/{unit}"
        return f"{self.limit}/{self.period:g}s"


@dataclass(frozen=True)
class Policy:
    """The limits one action is held to, e.g. /buy: 3/minute and 20/day."""

    action: str
    limits: tuple[Limit, ...]
    algorithm: str = "sliding_log"

    def __post_init__(self):
        if not self.action:
            raise ValueError("a policy needs an action name")
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {self.algorithm!r}; choose one of {', '.join(ALGORITHMS)}")
        limits = tuple(lim if isinstance(lim, Limit) else Limit.parse(lim) for lim in self.limits)
        if not limits:
            raise ValueError("a policy needs at least one limit")
        object.__setattr__(self, "limits", limits)

    def describe(self) -> str:
        return f"{self.action}: " + " and ".join(str(lim) for lim in self.limits) + f" ({self.algorithm})"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after_ms: int
    blocked_by: Limit | None = None

    @property
    def retry_after(self) -> float:
        """Seconds to wait before the same request would be allowed (0 when allowed)."""
        return self.retry_after_ms / 1000


class RateLimiter:
    def __init__(self, redis, keys: Keyspace, clock, ids):
        self._redis, self._keys, self._clock, self._ids = redis, keys, clock, ids
        self._scripts = {name: register(redis, name) for name in ALGORITHMS}

    def _keys_for(self, policy: Policy, subject: str, now_ms: int) -> list[str]:
        keys = []
        for lim in policy.limits:
            base = self._keys.key("rl", "{" + subject + "}", policy.action, policy.algorithm, f"{lim.limit}-{lim.period_ms}")
            window = now_ms // lim.period_ms
            if policy.algorithm == "fixed_window":
                keys.append(f"{base}:{window}")
            elif policy.algorithm == "sliding_counter":
                keys += [f"{base}:{window}", f"{base}:{window - 1}"]
            else:
                keys.append(base)
        return keys

    async def hit(self, policy: Policy, subject: str | int, cost: int = 1) -> Decision:
        """Ask for `cost` units of `policy` for `subject` (a user id); counts only if allowed."""
        subject = str(subject)
        if not subject or any(c in subject for c in "{}"):
            raise ValueError(f"a rate-limit subject must be non-empty and free of braces, got {subject!r}")
        if isinstance(cost, bool) or not isinstance(cost, int) or cost <= 0:
            raise ValueError(f"cost must be a positive whole number, got {cost!r}")
        if cost > min(lim.burst or lim.limit for lim in policy.limits):
            raise ValueError(f"a cost of {cost} can never fit {policy.describe()}")
        now_ms = self._clock.ms()
        # the sliding log needs a unique member per request: times collide under a frozen clock
        request_id = self._ids.token("req_", 16) if policy.algorithm == "sliding_log" else ""
        args = [now_ms, cost, request_id, GRACE_MS]
        for lim in policy.limits:
            args += [lim.limit, lim.period_ms, lim.burst or lim.limit]
        script = self._scripts[policy.algorithm]
        allowed, remaining, retry_ms, blocker = await script(keys=self._keys_for(policy, subject, now_ms), args=args)
        return Decision(
            allowed=bool(allowed),
            remaining=int(remaining),
            retry_after_ms=int(retry_ms),
            blocked_by=policy.limits[blocker - 1] if blocker else None,
        )
