"""Play a traffic plan through each rate-limit algorithm and tabulate every decision."""

from __future__ import annotations

from typing import Any, Iterable

import pandas as pd

from ..app.ratelimit import Policy, RateLimiter


def traffic_times(plan: Iterable[dict[str, Any]]) -> list[float]:
    """Bursts -> sorted request times in seconds: [{at: 59.5, count: 3, spacing: 0.1}, ...]."""
    times = []
    for burst in plan:
        unknown = set(burst) - {"at", "count", "spacing"}
        if unknown:
            raise ValueError(f"a burst has at, count and spacing; unknown: {sorted(unknown)}")
        count, spacing = int(burst.get("count", 1)), float(burst.get("spacing", 0))
        if count <= 0 or spacing < 0:
            raise ValueError(f"a burst needs a positive count and a non-negative spacing: {burst}")
        times += [round(float(burst["at"]) + i * spacing, 3) for i in range(count)]
    return sorted(times)


async def compare(lab, action: str, limits: list[str], algorithms: list[str], plan: list[dict],
                  subject: str = "42") -> pd.DataFrame:
    """The same requests, at the same lab times, through each algorithm; one row per decision.

    Times are seconds after the lab's start; the algorithms keep separate keys, so they never interfere.
    """
    limiter = RateLimiter(lab.redis, lab.keys, lab.clock, lab.ids)
    policies = [Policy(action, tuple(limits), algorithm) for algorithm in algorithms]
    rows, now = [], 0.0
    for t in traffic_times(plan):
        if t > now:
            await lab.advance(t - now)
            now = t
        for policy in policies:
            decision = await limiter.hit(policy, subject)
            rows.append({
                "t (s)": t,
                "algorithm": policy.algorithm,
                "allowed": decision.allowed,
                "remaining": decision.remaining,
                "retry after (s)": decision.retry_after,
                "blocked by": str(decision.blocked_by) if decision.blocked_by else "",
            })
    return pd.DataFrame(rows)


def summary(decisions: pd.DataFrame) -> pd.DataFrame:
    """Allowed and refused requests per algorithm."""
    table = decisions.groupby("algorithm", sort=False)["allowed"].agg(allowed="sum", refused=lambda s: int((~s).sum()))
    return table.astype(int)


def busiest_second(decisions: pd.DataFrame, window: float = 1.0) -> pd.DataFrame:
    """The most requests each algorithm let through within any `window` seconds: what the backend felt."""
    rows = []
    for algorithm, group in decisions.groupby("algorithm", sort=False):
        times = sorted(group.loc[group["allowed"], "t (s)"])
        peak = max((sum(1 for u in times if t <= u < t + window) for t in times), default=0)
        rows.append({"algorithm": algorithm, f"most allowed within {window:g}s": peak})
    return pd.DataFrame(rows).set_index("algorithm")
