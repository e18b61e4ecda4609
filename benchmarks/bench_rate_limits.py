"""Rate-limit decisions per second: each of our four limiters (one EVALSHA per decision) against a library's
limiter of the same algorithm, on the same redis-server in the same run. Medians of ROUNDS rounds; within a
round the decisions are made in slices that alternate between ours and the peer (A B B A …, who goes first
alternating round by round), so a change of machine load lands on both alike; the ratio ours/peer is the
median of the rounds' own ratios.

    .venv/bin/python benchmarks/bench_rate_limits.py [--decisions N] [--rounds R] [--callers 1,16]
                                                     [--subjects K] [--slices S] [--only gcra,…]
                                                     [--fakeredis]

The pairs (same algorithm, both on redis-py's asyncio client):
    fixed_window     limits        FixedWindowRateLimiter           a counter per window (INCRBY, EXPIRE when new)
    sliding_log      limits        MovingWindowRateLimiter          a log of request times (ours a sorted set,
                                                                    theirs a list trimmed to the limit)
    sliding_counter  limits        SlidingWindowCounterRateLimiter  this window's count + the previous one's, weighted
    gcra             throttled-py  GCRARateLimiter                  one theoretical arrival time per key

Like with like: every side gets its own redis-py asyncio connection pool built the same way (from the URL,
decode_responses=True, redis-py's default parser: hiredis), on the same server; the same decisions, spread
the same way over the same subjects (decision i is for subject i mod K), by the same number of concurrent
callers (asyncio tasks sharing the side's pool). Each side is warmed up first (scripts loaded, connections
open) and the database is flushed before every round. Every decision is an "allowed" (a limit of a million a
minute): the full write path each time.

Backends: a real redis-server, started here on a loopback port (or $REDIS_URL); `--fakeredis` adds the
in-process fakeredis too (slow, and more a measure of fakeredis's Lua than of the limiters).
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

import redis.asyncio as aioredis
from limits import parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, SlidingWindowCounterRateLimiter
from throttled.asyncio import RedisStore
from throttled.asyncio.rate_limiter.gcra import GCRARateLimiter
from throttled.rate_limiter import per_min

from integration_lab.app.ratelimit import Policy, RateLimiter
from integration_lab.runtime.clock import SystemClock
from integration_lab.runtime.ids import IdFactory
from integration_lab.runtime.keyspace import Keyspace

PER_MINUTE = 1_000_000
LIMIT = f"{PER_MINUTE}/minute"
PEERS = {  # ours -> (library, the peer's limiter)
    "fixed_window": ("limits", "FixedWindowRateLimiter"),
    "sliding_log": ("limits", "MovingWindowRateLimiter"),
    "sliding_counter": ("limits", "SlidingWindowCounterRateLimiter"),
    "gcra": ("throttled-py", "GCRARateLimiter"),
}


def peer_deciders(url: str, pool_kwargs: dict) -> dict:
    """Per algorithm: an async decide(subject) of the peer, on pools of its own built like ours."""
    storage = RedisStorage("async+" + url, implementation="redispy",
                           connection_pool=aioredis.ConnectionPool.from_url(url, **pool_kwargs))
    item = parse(LIMIT)
    fixed, moving = FixedWindowRateLimiter(storage), MovingWindowRateLimiter(storage)
    counter = SlidingWindowCounterRateLimiter(storage)
    if "server" in pool_kwargs:  # fakeredis: throttled-py deep-copies its options, which a FakeServer cannot be
        store = RedisStore(server=url)
        store._backend._client = aioredis.Redis(connection_pool=aioredis.ConnectionPool.from_url(url, **pool_kwargs))
    else:  # throttled-py builds its pool itself: ConnectionPool.from_url(url, parser_class=DefaultParser, **these)
        store = RedisStore(server=url, options={"CONNECTION_POOL_KWARGS": dict(pool_kwargs)})
    gcra = GCRARateLimiter(per_min(PER_MINUTE, burst=PER_MINUTE), store)  # burst = limit, as ours by default
    return {
        "fixed_window": lambda subject: fixed.hit(item, "buy", subject),
        "sliding_log": lambda subject: moving.hit(item, "buy", subject),
        "sliding_counter": lambda subject: counter.hit(item, "buy", subject),
        "gcra": lambda subject: gcra.limit(subject),
    }


def allowed(answer) -> bool:
    """Ours: a Decision; limits: a bool; throttled-py: a RateLimitResult."""
    return answer.allowed if hasattr(answer, "allowed") else not answer.limited if hasattr(answer, "limited") else answer


async def decide_many(decide, first: int, n: int, callers: int, subjects: list[str]) -> float:
    """Seconds for decisions first … first + n - 1 made by `callers` concurrent tasks (caller c makes decisions
    first + c, first + c + callers, …); decision i is for subject i mod K."""
    k = len(subjects)

    async def caller(c: int) -> None:
        for i in range(first + c, first + n, callers):
            await decide(subjects[i % k])

    started = time.perf_counter()
    await asyncio.gather(*(caller(c) for c in range(callers)))
    return time.perf_counter() - started


async def one_round(sides, n: int, callers: int, subjects: list[str], slices: int, first: int) -> list[float]:
    """Each side's decisions per second over n decisions, made in `slices` slices that alternate between the
    sides (A B B A …, starting with side `first`), so a change of machine load lands on both alike."""
    size, elapsed = n // slices, [0.0, 0.0]
    order = (first, 1 - first)
    for s in range(slices):
        for side in order if s % 2 == 0 else order[::-1]:
            elapsed[side] += await decide_many(sides[side], s * size, size, callers, subjects)
    return [size * slices / e for e in elapsed]


async def bench_backend(label: str, url: str, pool_kwargs: dict, n: int, rounds: int, callers_list: list[int],
                        k: int, slices: int, algorithms: list[str]) -> list[dict]:
    ours_client = aioredis.Redis(connection_pool=aioredis.ConnectionPool.from_url(url, **pool_kwargs))
    limiter = RateLimiter(ours_client, Keyspace("bench"), SystemClock(), IdFactory(0))
    peers, rows = peer_deciders(url, pool_kwargs), []
    subjects = [f"user{i}" for i in range(k)]
    for callers in callers_list:
        for algorithm in algorithms:
            library, peer_name = PEERS[algorithm]
            policy = Policy("buy", (LIMIT,), algorithm)
            sides = [(lambda s, p=policy: limiter.hit(p, s)), peers[algorithm]]
            for decide in sides:  # warm-up: scripts loaded, the pool's connections open
                await ours_client.flushdb()  # (limits names its fixed window's counter and its log alike)
                await decide_many(decide, 0, min(n, 20 * callers), callers, subjects)
                if not allowed(await decide(subjects[0])):
                    raise SystemExit(f"{algorithm}: a decision was refused; the runs would not compare like with like")
            rates = ([], [])
            for r in range(rounds):
                await ours_client.flushdb()
                for side, figure in enumerate(await one_round(sides, n, callers, subjects, slices, r % 2)):
                    rates[side].append(figure)
            ratios = [o / p for o, p in zip(*rates)]
            rows.append({"backend": label, "callers": callers, "ours": algorithm, "peer": f"{library} {peer_name}",
                         "ours/s": statistics.median(rates[0]), "peer/s": statistics.median(rates[1]),
                         "ratio": statistics.median(ratios), "low": min(ratios), "high": max(ratios)})
    await ours_client.flushdb()
    await ours_client.aclose()
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


async def main(n: int, rounds: int, callers: list[int], k: int, slices: int, algorithms: list[str],
               with_fakeredis: bool) -> None:
    rows = []
    pool_kwargs = {"decode_responses": True}  # the lab's settings
    if with_fakeredis:
        import fakeredis
        from fakeredis.aioredis import FakeConnection

        fake = {"connection_class": FakeConnection, "server": fakeredis.FakeServer(), **pool_kwargs}
        rows += await bench_backend("fakeredis", "redis://127.0.0.1:1/0", fake, n, rounds, callers, k, slices, algorithms)
    url, proc, workdir = start_redis_server()
    try:
        if url:
            rows += await bench_backend("redis-server", url, pool_kwargs, n, rounds, callers, k, slices, algorithms)
        else:
            print("(no redis-server installed and no $REDIS_URL: real-Redis figures skipped)")
    finally:
        if proc:
            proc.terminate()
            proc.wait()
            shutil.rmtree(workdir, ignore_errors=True)

    print(f"\nrate-limit decisions per second, median of {rounds} rounds x {n} decisions over {k} subjects"
          f" (in {slices} slices alternating ours and the peer); ratio ours/peer: median of the rounds' ratios, and their range")
    print(f"{'backend':<13} {'callers':>7}  {'ours':<16} {'peer':<46} {'ours/s':>8} {'peer/s':>8} {'ratio':>6}"
          f"  {'rounds':>9}")
    for r in rows:
        print(f"{r['backend']:<13} {r['callers']:>7}  {r['ours']:<16} {r['peer']:<46} {r['ours/s']:>8.0f}"
              f" {r['peer/s']:>8.0f} {r['ratio']:>6.2f}  {r['low']:.2f}-{r['high']:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decisions", type=int, default=2000, help="per run (default 2000)")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--callers", default="1,16", help="concurrent callers per side, comma-separated (1,16)")
    parser.add_argument("--subjects", type=int, default=100, help="distinct subjects (users) decided for (100)")
    parser.add_argument("--slices", type=int, default=10, help="per round, alternating between the sides (10)")
    parser.add_argument("--only", default=",".join(PEERS), help="algorithms, comma-separated (all four)")
    parser.add_argument("--fakeredis", action="store_true", help="also on the in-process fakeredis")
    args = parser.parse_args()
    asyncio.run(main(args.decisions, args.rounds, [int(c) for c in args.callers.split(",")], args.subjects,
                     args.slices, args.only.split(","), args.fakeredis))
