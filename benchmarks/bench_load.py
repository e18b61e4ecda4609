"""The in-process load run (`python -m integration_lab load`) on a real redis-server, against its goal and
against a floor measured in the same run.

    .venv/bin/python benchmarks/bench_load.py [--buyers N] [--repeats R] [--concurrency C]

Goal (issues 15 and 24): 10,000 journeys in at most 20 s of wall time, p95 per update at most 20 ms, peak RSS
under 1 GB. Each round runs the load twice, alternating: our bot handling one update after another
(`--concurrency 1`) and handling each batch concurrently, each buyer's updates in order (`--concurrency C`,
app/lanes.py); the table compares them. The floor: as many bare Redis round trips (PING) as our side made
for those journeys, sent one after another by a redis-py asyncio client like ours, right after each run: what
Redis alone costs the journeys, with no Python of ours, no Telegram, no providers. Each run is a fresh process
(its peak RSS is its own); figures are medians over the repeats. A redis-server is started on a loopback port
unless $REDIS_URL names one.
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

from integration_lab.load.cli import LANES

SUMMARY = re.compile(r"journeys=(\d+) seconds=([\d.]+) p95_ms=([\d.]+) rss_mb=(\d+) violations=(\d+)")
COMMANDS = re.compile(r"Redis commands per journey: ([\d.]+)")
GOAL_SECONDS_PER_10K, GOAL_P95_MS, GOAL_RSS_MB = 20.0, 20.0, 1024


def one_run(buyers: int, url: str, concurrency: int) -> dict:
    done = subprocess.run([sys.executable, "-m", "integration_lab", "load", "--buyers", str(buyers), "--quiet",
                           "--concurrency", str(concurrency)],
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


def main(buyers: int, repeats: int, concurrency: int) -> None:
    url, proc, workdir = start_redis_server()
    if not url:
        raise SystemExit("no redis-server installed (apt-get install redis-server) and no $REDIS_URL")
    modes = {"one at a time": 1, f"{concurrency} at once": concurrency}
    runs: dict[str, list[dict]] = {mode: [] for mode in modes}
    try:
        for _ in range(repeats):
            for mode, lanes in modes.items():  # alternating, so both meet the same noise
                run = one_run(buyers, url, lanes)
                run["floor"] = asyncio.run(floor(url, round(run["journeys"] * run["commands"])))
                runs[mode].append(run)
                print(f"  {mode}: {run['seconds']:.1f} s, p95 {run['p95_ms']:.2f} ms, {run['rss_mb']} MB, "
                      f"{run['commands']:.1f} commands per journey; floor {run['floor']:.1f} s", flush=True)
    finally:
        if proc:
            proc.terminate()
            proc.wait()
            shutil.rmtree(workdir, ignore_errors=True)
    medians = {mode: {key: statistics.median(r[key] for r in done) for key in
                      ("seconds", "p95_ms", "rss_mb", "floor", "commands")} for mode, done in runs.items()}
    goal = GOAL_SECONDS_PER_10K * buyers / 10_000
    print(f"\nload run, {buyers} buyers on redis-server, median of {repeats}; goal: {goal:.1f} s, "
          f"p95 {GOAL_P95_MS:.0f} ms, {GOAL_RSS_MB} MB")
    print(f"{'our bot handles':<18} {'wall s':>8} {'x goal':>7} {'journeys/s':>11} {'p95 ms':>8} {'RSS MB':>7} "
          f"{'round trips':>12} {'floor s':>8}")
    for mode, median in medians.items():
        print(f"{mode:<18} {median['seconds']:>8.1f} {median['seconds'] / goal:>7.2f} "
              f"{buyers / median['seconds']:>11.1f} {median['p95_ms']:>8.2f} {median['rss_mb']:>7.0f} "
              f"{median['commands']:>12.1f} {median['floor']:>8.1f}")
    one, many = medians.values()
    print(f"\nconcurrent against one at a time, same run: {one['seconds'] / many['seconds']:.2f} x the throughput; "
          f"the bare round trips (floor) are {one['floor'] / one['seconds']:.0%} of the sequential run's wall time")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=LANES, help=f"the concurrent runs' lanes (default {LANES})")
    args = parser.parse_args()
    main(args.buyers, args.repeats, args.concurrency)
