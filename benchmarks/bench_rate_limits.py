"""Rate-limit decisions per second: ours (one EVALSHA per decision) against the `limits` library's
matching strategy, on the same backend in the same run. Medians of ROUNDS rounds; ours and the peer
alternate within each round (who goes first alternates too) so both see the same machine noise, and the
ratio is the median of the rounds' own ratios, each from two runs back to back.

    .venv/bin/python benchmarks/bench_rate_limits.py [--decisions N] [--rounds R]

Backends: fakeredis (in-process), and a real redis-server started here on a loopback port when the
binary is installed (or $REDIS_URL). GCRA has no counterpart in `limits`; it is set beside the fixed
window, the nearest single-key strategy.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import tempfile
import time

import fakeredis
import redis.asyncio as aioredis
from fakeredis.aioredis import FakeConnection
from limits import parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

from integration_lab.app.ratelimit import Policy, RateLimiter
from integration_lab.runtime.clock import SystemClock
from integration_lab.runtime.ids import IdFactory
from integration_lab.runtime.keyspace import Keyspace

PAIRS = [  # ours, the peer strategy
    ("fixed_window", FixedWindowRateLimiter),
    ("sliding_log", MovingWindowRateLimiter),
    ("sliding_counter", SlidingWindowCounterRateLimiter),
    ("gcra", FixedWindowRateLimiter),
]
LIMIT = "1000000/minute"  # every decision is an "allowed": the full write path each time


async def rate(decide, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        await decide()
    return n / (time.perf_counter() - started)


async def bench_backend(label: str, ours_client, peer_storage, n: int, rounds: int) -> list[dict]:
    limiter = RateLimiter(ours_client, Keyspace("bench"), SystemClock(), IdFactory(0))
    item, rows = parse(LIMIT), []
    for algorithm, strategy in PAIRS:
        policy, peer = Policy("buy", (LIMIT,), algorithm), strategy(peer_storage)
        ours_rates, peer_rates = [], []
        for r in range(rounds):
            sides = [(ours_rates, lambda: limiter.hit(policy, f"user{r}")),
                     (peer_rates, lambda: peer.hit(item, "buy", f"user{r}"))]
            for rates, decide in sides if r % 2 == 0 else sides[::-1]:  # who goes first alternates
                await ours_client.flushdb()
                rates.append(await rate(decide, n))
        ratios = [o / p for o, p in zip(ours_rates, peer_rates)]
        rows.append({"backend": label, "ours": algorithm, "limits": strategy.__name__,
                     "ours/s": statistics.median(ours_rates), "limits/s": statistics.median(peer_rates),
                     "ratio": statistics.median(ratios)})
    return rows


def start_redis_server() -> tuple[str | None, subprocess.Popen | None, str | None]:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"], None, None
    binary = shutil.which("redis-server")
    if not binary:
        return None, None, None
    workdir, port = tempfile.mkdtemp(), 6398
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return f"redis://127.0.0.1:{port}/0", proc, workdir


async def main(n: int, rounds: int) -> None:
    rows = []
    # Like with like: both sides get a redis-py asyncio client on a pool of their own, built the same way
    # (the lab's settings: decode_responses=True), on the same server.
    server = fakeredis.FakeServer()

    def fake_pool():
        return aioredis.ConnectionPool(connection_class=FakeConnection, server=server, decode_responses=True)

    rows += await bench_backend("fakeredis", aioredis.Redis(connection_pool=fake_pool()),
                                RedisStorage("async+redis://127.0.0.1:1", implementation="redispy",  # the pool decides
                                             connection_pool=fake_pool()), n, rounds)
    url, proc, workdir = start_redis_server()
    try:
        if url:
            real = aioredis.Redis(connection_pool=aioredis.ConnectionPool.from_url(url, decode_responses=True))
            peer = RedisStorage("async+" + url, implementation="redispy",
                                connection_pool=aioredis.ConnectionPool.from_url(url, decode_responses=True))
            rows += await bench_backend("redis-server", real, peer, n, rounds)
            await real.aclose()
        else:
            print("(no redis-server installed: real-Redis figures skipped)")
    finally:
        if proc:
            proc.terminate()
            proc.wait()
            shutil.rmtree(workdir, ignore_errors=True)

    print(f"\nrate-limit decisions per second, median of {rounds} rounds x {n} decisions, one client, sequential;"
          " ratio: median of the rounds' ratios")
    print(f"{'backend':<13} {'ours':<16} {'limits':<34} {'ours/s':>9} {'limits/s':>9} {'ratio':>6}")
    for r in rows:
        print(f"{r['backend']:<13} {r['ours']:<16} {r['limits']:<34} {r['ours/s']:>9.0f} {r['limits/s']:>9.0f} {r['ratio']:>6.2f}")
    print("(limits has no GCRA: ours is set beside its fixed window, the nearest single-key strategy)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.decisions, args.rounds))
