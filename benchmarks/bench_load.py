"""The in-process load run (`python -m integration_lab load`) on a real redis-server, against its goal and
against a floor measured in the same run.

    .venv/bin/python benchmarks/bench_load.py [--buyers N] [--repeats R] [--concurrency C] [--cluster]

Goal (issues 15 and 24): 10,000 journeys in at most 20 s of wall time, p95 per update at most 20 ms, peak RSS
under 1 GB. Each round runs the load twice, alternating: our bot handling one update after another
(`--concurrency 1`) and handling each batch concurrently, each buyer's updates in order (`--concurrency C`,
app/lanes.py); the table compares them. The floor: as many bare Redis round trips (PING) as our side made
for those journeys, sent one after another by a redis-py asyncio client like ours, right after each run: what
Redis alone costs the journeys, with no Python of ours, no Telegram, no providers. Each run is a fresh process
(its peak RSS is its own); figures are medians over the repeats. A redis-server is started on a loopback port
unless $REDIS_URL names one.

With --cluster, each round instead runs the concurrent load on that one server and on a Redis Cluster of three
primaries started for the run (runtime/cluster.py, loopback ports from 7400), alternating: what the cluster's
routing and its per-node pipelines cost a journey. Round trips are our client's calls (a pipeline counts once;
on a cluster one that spans n nodes takes up to n, in order).
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
import tempfile
import time
from pathlib import Path

import redis.asyncio as aioredis

from bench_rate_limits import start_redis_server

from integration_lab.load.cli import LANES
from integration_lab.runtime import cluster as redis_cluster

SUMMARY = re.compile(r"journeys=(\d+) seconds=([\d.]+) p95_ms=([\d.]+) rss_mb=(\d+) violations=(\d+)")
COMMANDS = re.compile(r"Redis commands per journey: ([\d.]+)")
GOAL_SECONDS_PER_10K, GOAL_P95_MS, GOAL_RSS_MB = 20.0, 20.0, 1024


def one_run(buyers: int, url: str, concurrency: int, cluster: bool = False) -> dict:
    env = {**os.environ, "REDIS_URL": url, "REDIS_CLUSTER": "1" if cluster else "0"}
    done = subprocess.run([sys.executable, "-m", "integration_lab", "load", "--buyers", str(buyers), "--quiet",
                           "--concurrency", str(concurrency)], capture_output=True, text=True, env=env, check=False)
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


def main_cluster(buyers: int, repeats: int, concurrency: int) -> None:
    url, proc, workdir = start_redis_server()
    if not url:
        raise SystemExit("no redis-server installed (apt-get install redis-server) and no $REDIS_URL")
    directory = tempfile.mkdtemp(prefix="bench-cluster-")
    cluster = redis_cluster.start(7400, 0, Path(directory))
    modes = {"one server": (url, False), "cluster (3 primaries)": (cluster.url, True)}
    runs: dict[str, list[dict]] = {mode: [] for mode in modes}
    try:
        for _ in range(repeats):
            for mode, (where, is_cluster) in modes.items():  # alternating, so both meet the same noise
                run = one_run(buyers, where, concurrency, is_cluster)
                runs[mode].append(run)
                print(f"  {mode}: {run['seconds']:.1f} s, p95 {run['p95_ms']:.2f} ms, {run['rss_mb']} MB, "
                      f"{run['commands']:.1f} round trips per journey, {run['violations']} violations", flush=True)
    finally:
        redis_cluster.stop(Path(directory))
        shutil.rmtree(directory, ignore_errors=True)
        if proc:
            proc.terminate()
            proc.wait()
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nload run, {buyers} buyers, {concurrency} at once, median of {repeats}")
    print(f"{'Redis':<22} {'wall s':>8} {'ms/journey':>11} {'p95 ms':>8} {'RSS MB':>7} {'round trips':>12} "
          f"{'violations':>11}")
    medians = {mode: {key: statistics.median(r[key] for r in done) for key in
                      ("seconds", "p95_ms", "rss_mb", "commands", "violations")} for mode, done in runs.items()}
    for mode, median in medians.items():
        print(f"{mode:<22} {median['seconds']:>8.1f} {1000 * median['seconds'] / buyers:>11.2f} "
              f"{median['p95_ms']:>8.2f} {median['rss_mb']:>7.0f} {median['commands']:>12.1f} "
              f"{median['violations']:>11.0f}")
    server, spread = medians.values()
    print(f"\nthe cluster against one server, same run: {spread['seconds'] / server['seconds']:.2f} x the wall time")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=LANES, help=f"the concurrent runs' lanes (default {LANES})")
    parser.add_argument("--cluster", action="store_true",
                        help="one server against a three-primary cluster (each at --concurrency)")
    args = parser.parse_args()
    (main_cluster if args.cluster else main)(args.buyers, args.repeats, args.concurrency)
