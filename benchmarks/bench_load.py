"""The in-process load run (`python -m integration_lab load`) on a real redis-server, against its goal and
against a floor measured in the same run.

    .venv/bin/python benchmarks/bench_load.py [--buyers N] [--repeats R]

Goal (issue 15): 10,000 journeys in at most 20 s of wall time on one core, p95 per update at most 20 ms,
peak RSS under 1 GB. The floor: as many bare Redis round trips (PING) as our side made for those journeys,
sent one after another by a redis-py asyncio client like ours, right after each run: what Redis alone costs
the journeys, with no Python of ours, no Telegram, no providers. Each run is a fresh process (its peak RSS is
its own); figures are medians over the repeats. A redis-server is started on a loopback port unless
$REDIS_URL names one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

import redis.asyncio as aioredis

from bench_rate_limits import start_redis_server

SUMMARY = re.compile(r"journeys=(\d+) seconds=([\d.]+) p95_ms=([\d.]+) rss_mb=(\d+) violations=(\d+)")
COMMANDS = re.compile(r"Redis commands per journey: ([\d.]+)")
GOAL_SECONDS_PER_10K, GOAL_P95_MS, GOAL_RSS_MB = 20.0, 20.0, 1024


def one_run(buyers: int, url: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "integration_lab", "load", "--buyers", str(buyers), "--quiet"],
                          capture_output=True, text=True, env={**os.environ, "REDIS_URL": url}, check=False)
    found = SUMMARY.search(done.stdout)
    if done.returncode != 0 or not found:
        raise SystemExit(f"the load run failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    journeys, seconds, p95, rss, violations = found.groups()
    return {"journeys": int(journeys), "seconds": float(seconds), "p95_ms": float(p95), "rss_mb": int(rss),
            "violations": int(violations), "commands": float(COMMANDS.search(done.stdout)[1])}


async def floor(url: str, round_trips: int) -> float:
    client = aioredis.from_url(url, decode_responses=True)
    try:
        started = time.perf_counter()
        for _ in range(round_trips):
            await client.ping()
        return time.perf_counter() - started
    finally:
        await client.aclose()


def main(buyers: int, repeats: int) -> None:
    url, proc, workdir = start_redis_server()
    if not url:
        raise SystemExit("no redis-server installed (apt-get install redis-server) and no $REDIS_URL")
    runs = []
    try:
        for _ in range(repeats):
            run = one_run(buyers, url)
            run["floor"] = asyncio.run(floor(url, round(run["journeys"] * run["commands"])))
            runs.append(run)
            print(f"  run: {run['seconds']:.1f} s, p95 {run['p95_ms']:.2f} ms, {run['rss_mb']} MB, "
                  f"{run['commands']:.1f} commands per journey; floor {run['floor']:.1f} s", flush=True)
    finally:
        if proc:
            proc.terminate()
            proc.wait()
            shutil.rmtree(workdir, ignore_errors=True)
    median = {key: statistics.median(r[key] for r in runs) for key in ("seconds", "p95_ms", "rss_mb", "floor",
                                                                        "commands")}
    goal = GOAL_SECONDS_PER_10K * buyers / 10_000
    print(f"\nload run, {buyers} buyers on redis-server, median of {repeats}:")
    print(f"{'':<28} {'measured':>10} {'goal':>10} {'ratio':>7}")
    print(f"{'wall seconds':<28} {median['seconds']:>10.1f} {goal:>10.1f} {median['seconds'] / goal:>7.2f}")
    print(f"{'p95 per update (ms)':<28} {median['p95_ms']:>10.2f} {GOAL_P95_MS:>10.1f} "
          f"{median['p95_ms'] / GOAL_P95_MS:>7.2f}")
    print(f"{'peak RSS (MB)':<28} {median['rss_mb']:>10.0f} {GOAL_RSS_MB:>10.0f} {median['rss_mb'] / GOAL_RSS_MB:>7.2f}")
    print(f"{'journeys per second':<28} {buyers / median['seconds']:>10.1f} {buyers / goal:>10.1f}")
    print(f"\npeer, same run: {median['commands']:.1f} Redis round trips per journey sent bare take "
          f"{median['floor']:.1f} s; the load run takes {median['seconds'] / median['floor']:.2f} x that")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    main(args.buyers, args.repeats)
