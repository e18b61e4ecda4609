"""What a load run prints: throughput, our side's handling time per step, Redis commands, memory, the
invariants, and one summary line for scripts."""

from __future__ import annotations

import math

import pandas as pd

from .engine import LoadRun, peak_rss_mb

STEPS = ("update", "provider callback", "delivery")


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of seconds, in milliseconds."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))] * 1000


def latencies(run: LoadRun, by_kind: bool = True) -> pd.DataFrame:
    """p50 / p95 / p99 / max of our handling time (ms) per step, and per kind of update, callback, delivery."""
    rows = []
    for step in STEPS:
        rows.append(_row(step, run.timings.of(step)))
        if by_kind:
            rows += [_row(f"  {kind}", samples) for (s, kind), samples in sorted(run.timings.kinds.items())
                     if s == step]
    return pd.DataFrame(rows, columns=["step", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"])


def _row(name: str, samples: list[float]) -> dict:
    return {"step": name, "count": len(samples), **{f"p{q} ms": round(percentile(samples, q), 2) for q in (50, 95, 99)},
            "max ms": round(max(samples) * 1000, 2) if samples else float("nan")}


def throughput(run: LoadRun) -> pd.DataFrame:
    """Per tick: its lab second, wall seconds since the start, journeys done, and our side's busy wall seconds."""
    return pd.DataFrame(run.ticks, columns=["lab s", "wall s", "journeys done", "busy s"])


def summary(run: LoadRun, violations: int) -> str:
    """The last line, for scripts."""
    p95 = percentile(run.timings.of("update"), 95)
    return (f"journeys={len(run.journeys)} seconds={run.wall:.2f} p95_ms={p95:.2f} rss_mb={peak_rss_mb():.0f} "
            f"violations={violations}")


def figures(run: LoadRun) -> str:
    journeys, wall = len(run.journeys), run.wall
    return "\n".join([
        f"journeys: {journeys} in {wall:.2f} s of wall time ({run.tick + 1} s of lab time): "
        f"{journeys / wall:,.1f} journeys/s, {run.updates / wall:,.1f} updates/s",
        f"Redis commands per journey: {run.redis_commands / journeys:.1f} (round trips; a pipeline counts once)",
        f"restarts: {run.restarts}, updates cut by a Redis outage: {run.cuts}, "
        f"slowest pre-checkout answer: {max(run.precheckout_waits, default=0) * 1000:.1f} ms after Pay",
        f"our side busy per lab second (one tick): median {_busy(run, 50):.2f} s, peak {_busy(run, 100):.2f} s of "
        "wall time; one process keeps up in real time while this stays under 1",
        f"peak RSS: {peak_rss_mb():.0f} MB",
    ])


def _busy(run: LoadRun, q: float) -> float:
    """The q-th percentile of our side's wall seconds per lab second, over the ticks that stood for one."""
    following = [b for (s, *_), (t, *_, b) in zip(run.ticks[1:], run.ticks) if s == t + 1]
    return percentile(following, q) / 1000 if following else float("nan")
