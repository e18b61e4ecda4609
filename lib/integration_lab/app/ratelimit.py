"""Rate limiting in Redis: four algorithms, several limits per action, one script call per decision.

Every decision is atomic and costs one round trip: the script checks every limit of the action and
counts the request against all of them only if all allow it. Time is the lab clock's milliseconds,
passed to the script (never the server's TIME), so fakeredis and a real Redis decide alike.
Keys are `rl:{<subject>}:<action>:<algorithm>:<limit>…`: the hash tag keeps one subject's keys in one Cluster slot.

The wire is kept lean, since a decision is on every request's path: one packed argument, a JSON array
(now_ms, cost, grace_ms, then each limit's limit and period_ms (GCRA: limit, period_ms, burst), then the
sliding log's request id) that the script decodes in one C call; one integer back (`_decision` reads it);
scripts that run as few commands as each algorithm allows.

When Redis cannot be asked (a dropped connection, a timeout), the policy decides without it: `on_outage`
"open" lets the request through (browsing: a repeated read costs nothing), "closed" refuses it (anything
that writes or costs money). Such a Decision says `degraded=True` and counts nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from redis.exceptions import NoScriptError, RedisError

from ..runtime.keyspace import Keyspace
from .scripts import register

ALGORITHMS = ("fixed_window", "sliding_log", "sliding_counter", "gcra")
OUTAGE_POLICIES = ("open", "closed")  # on a Redis outage: let the request through, or refuse it

# Keys outlive what they count by this much. The count never depends on expiry (windows are in the key
# names, times are stored), so the grace only absorbs clocks that differ: app servers' clocks against
# each other, and the lab clock against a real server's own TTL clock.
GRACE_MS = 1000
OUTAGE_RETRY_MS = 1000  # what a refusal taken without Redis asks the caller to wait: it cannot know more

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
        if not self.period >= 0.001:  # keys and scripts count in whole milliseconds
            raise ValueError(f"period must be at least a millisecond (in seconds), got {self.period!r}")
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
    on_outage: str = "closed"  # when Redis cannot be asked: "open" allows, "closed" refuses

    def __post_init__(self):
        if not self.action:
            raise ValueError("a policy needs an action name")
        if self.on_outage not in OUTAGE_POLICIES:
            raise ValueError(f"on_outage must be 'open' or 'closed', got {self.on_outage!r}")
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {self.algorithm!r}; choose one of {', '.join(ALGORITHMS)}")
        limits = tuple(lim if isinstance(lim, Limit) else Limit.parse(lim) for lim in self.limits)
        if not limits:
            raise ValueError("a policy needs at least one limit")
        if len({(lim.limit, lim.period_ms) for lim in limits}) < len(limits):
            raise ValueError(f"two limits of one policy would share a key: {', '.join(map(str, limits))}")
        object.__setattr__(self, "limits", limits)

    def describe(self) -> str:
        return f"{self.action}: " + " and ".join(str(lim) for lim in self.limits) + f" ({self.algorithm})"

    @cached_property
    def _wire(self) -> tuple[tuple[tuple[str, int], ...], str, int]:
        """What every hit of this policy sends alike, worked out once: each limit's key tail and period,
        the packed argument's limits part, and the largest cost that can ever fit (only GCRA reads burst)."""
        gcra = self.algorithm == "gcra"
        tails = tuple((f"}}:{self.action}:{self.algorithm}:{lim.limit}-{lim.period_ms}", lim.period_ms)
                      for lim in self.limits)
        fields = [GRACE_MS]
        for lim in self.limits:
            fields += [lim.limit, lim.period_ms, lim.burst or lim.limit] if gcra else [lim.limit, lim.period_ms]
        most = min((lim.burst or lim.limit) if gcra else lim.limit for lim in self.limits)
        return tails, ",".join(map(str, fields)), most


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after_ms: int
    blocked_by: Limit | None = None
    degraded: bool = False  # decided without Redis, by the policy's `on_outage`

    @property
    def retry_after(self) -> float:
        """Seconds to wait before the same request would be allowed (0 when allowed)."""
        return self.retry_after_ms / 1000


class RateLimiter:
    def __init__(self, redis, keys: Keyspace, clock, ids):
        self._redis, self._keys, self._clock, self._ids = redis, keys, clock, ids
        self.outage_decisions = {"open": 0, "closed": 0}  # decisions taken without Redis, by policy
        self._scripts = {name: register(redis, name) for name in ALGORITHMS}
        self._head = keys.key("rl", "{")  # + subject + a limit's tail: keys.key("rl", "{subject}", action, …)

    def _keys_for(self, policy: Policy, subject: str, now_ms: int) -> list[str]:
        keys, head = [], self._head + subject
        algorithm = policy.algorithm
        for tail, period_ms in policy._wire[0]:
            base = head + tail
            if algorithm == "fixed_window":
                keys.append(f"{base}:{now_ms // period_ms}")
            elif algorithm == "sliding_counter":
                window = now_ms // period_ms
                keys += [f"{base}:{window}", f"{base}:{window - 1}"]
            else:
                keys.append(base)
        return keys

    async def hit(self, policy: Policy, subject: str | int, cost: int = 1) -> Decision:
        """Ask for `cost` units of `policy` for `subject` (a user id); counts only if allowed."""
        keys, packed = self.prepare(policy, subject, cost)
        script = self._scripts[policy.algorithm]
        try:
            try:
                # execute_command itself (what evalsha() calls): two frames fewer on every decision's path
                answer = await self._redis.execute_command("EVALSHA", script.sha, len(keys), *keys, packed)
            except NoScriptError:  # a server that has not seen it yet: the Script loads it and runs it
                answer = await script(keys=keys, args=(packed,))
        except (RedisError, OSError):  # Redis cannot be asked: the policy decides, and nothing is counted
            return self.without_redis(policy)
        return _decision(policy, int(answer))

    def prepare(self, policy: Policy, subject: str | int, cost: int = 1) -> tuple[list[str], str]:
        """The keys and the packed argument of one decision, for a script that takes it as part of a larger
        step (its algorithm's script composed in, scripts.py); `decide` reads its answer."""
        subject = str(subject)
        if not subject or "{" in subject or "}" in subject:
            raise ValueError(f"a rate-limit subject must be non-empty and free of braces, got {subject!r}")
        if isinstance(cost, bool) or not isinstance(cost, int) or cost <= 0:
            raise ValueError(f"cost must be a positive whole number, got {cost!r}")
        _, limits_part, most = policy._wire
        if cost > most:
            raise ValueError(f"a cost of {cost} can never fit {policy.describe()}")
        now_ms = self._clock.ms()
        if policy.algorithm == "sliding_log":
            # the sliding log needs a unique member per request: times collide under a frozen clock
            packed = f'[{now_ms},{cost},{limits_part},"{self._ids.token("req_", 16)}"]'
        else:
            packed = f"[{now_ms},{cost},{limits_part}]"
        return self._keys_for(policy, subject, now_ms), packed

    @staticmethod
    def decide(policy: Policy, answer: int) -> Decision:
        """The Decision a script's answer means (the answer of `prepare`'s keys and argument)."""
        return _decision(policy, int(answer))

    def without_redis(self, policy: Policy) -> Decision:
        """The policy's decision when Redis cannot be asked (counted in `outage_decisions`)."""
        self.outage_decisions[policy.on_outage] += 1
        if policy.on_outage == "open":
            return Decision(True, 0, 0, degraded=True)
        return Decision(False, 0, OUTAGE_RETRY_MS, degraded=True)


def _allowed(remaining: int, _new=object.__new__, _set=object.__setattr__) -> Decision:
    """Decision(True, remaining, 0), made without the frozen dataclass's __init__ (a guarded setattr per
    field): a third of the time, on the path of every request let through. The same fields, so the same
    Decision (equal, same hash and repr)."""
    decision = _new(Decision)
    _set(decision, "__dict__", {"allowed": True, "remaining": remaining, "retry_after_ms": 0, "blocked_by": None,
                                "degraded": False})
    return decision


def _decision(policy: Policy, answer: int) -> Decision:
    """The scripts' one integer: remaining + 1 when allowed; when refused, -(retry_after_ms * (n + 1) + blocker),
    n being the number of limits and blocker the 1-based index of the limit with the longest wait (0: none).
    A refused request has nothing remaining: the limit that refused it is spent."""
    if answer > 0:
        return _allowed(answer - 1)
    retry_ms, blocker = divmod(-answer, len(policy.limits) + 1)
    return Decision(False, 0, retry_ms, policy.limits[blocker - 1] if blocker else None)
