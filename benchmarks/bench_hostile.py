"""Hostile input against the served processes, then a soak of valid traffic.

Starts `serve telegram`, `serve stripe` and `serve app` on 127.0.0.1 (stderr captured under .lab/hostile/),
sends N generated hostile requests per endpoint from a few concurrent clients and prints, per endpoint: sent,
5xx, answers off the provider's envelope, requests left without an answer, tracebacks in the logs, changes
to the protected object, and the median latency. Each distinct traceback or failure is then named with one
example request (replayed alone). The soak prints each server's RSS growth per 100,000 valid requests after
a warm-up. Goal: every count zero, growth under 5 MB per 100,000; the exit status is 1 otherwise.

    .venv/bin/python benchmarks/bench_hostile.py [--requests N] [--soak N] [--warmup N] [--only TEXT]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from integration_lab.hostile import ENDPOINTS, Lab, soak
from integration_lab.hostile.values import MB

ROOT = Path(__file__).resolve().parents[1]
GROWTH_GOAL_MB = 5.0


def table(header: list[str], rows: list[list]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    line = lambda row: "  ".join(str(x).rjust(w) if i else str(x).ljust(w) for i, (x, w) in enumerate(zip(row, widths)))
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000, help="hostile requests per endpoint (default 10,000)")
    parser.add_argument("--soak", type=int, default=100_000, help="valid requests per server in the soak (0: no soak)")
    parser.add_argument("--warmup", type=int, default=5_000, help="valid requests per server before RSS is read")
    parser.add_argument("--workers", type=int, default=4, help="concurrent clients")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--max-body", type=int, default=3 * MB, help="largest oversized body, bytes")
    parser.add_argument("--only", default="", help="only endpoints whose name contains this")
    parser.add_argument("--embedded-redis", action="store_true",
                        help="serve app on its embedded fakeredis (default: a throwaway redis-server if installed)")
    args = parser.parse_args()

    endpoints = [e for e in ENDPOINTS if args.only in e.name]
    wanted = {e.server for e in endpoints} | ({"telegram", "stripe", "app"} if args.soak else set())
    log_dir = ROOT / ".lab" / "hostile" / time.strftime("%Y%m%d-%H%M%S")
    failed = False
    with Lab(log_dir, wanted, real_redis=not args.embedded_redis, max_body=args.max_body, workers=args.workers,
             seed=args.seed) as lab:
        print(f"servers' logs in {log_dir.relative_to(ROOT)}; serve app on {lab.redis_kind}")
        for name, why in lab.broken.items():
            print(f"serve {name} did not start, its endpoints are skipped: {why}")
            failed = True
        endpoints = [e for e in endpoints if e.server in lab.procs]
        tallies = []
        for endpoint in endpoints:
            started = time.perf_counter()
            tallies.append(lab.hit(endpoint, args.requests))
            print(f"  {endpoint.name}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
        if tallies:
            print(f"\nHostile requests ({args.requests} per endpoint, {args.workers} clients, seed {args.seed}); "
                  "goal: every count 0\n")
            print(table(["endpoint", "sent", "5xx", "off envelope", "no answer", "tracebacks", "state changes",
                         "median ms"], [t.row() for t in tallies]))
        failed |= any(not t.clean for t in tallies)
        failures = [f for endpoint, tally in zip(endpoints, tallies) if not tally.clean
                    for f in lab.triage(endpoint, tally)]
        if failures:
            print(f"\n{len(failures)} distinct failures (what, where, how often in the run, one request replayed "
                  f"alone; full requests in {(log_dir / 'examples.jsonl').relative_to(ROOT)}):")
            for f in failures:
                example = f.example.describe() if f.example else "(not reproduced alone)"
                print(f"- {f.key}\n    {f.endpoint}, {f.count}x; e.g. {example}")
            with (log_dir / "examples.jsonl").open("w") as out:
                for f in failures:
                    out.write(json.dumps({"failure": f.key, "endpoint": f.endpoint, "count": f.count,
                                          **(f.example.as_json() if f.example else {})}) + "\n")
        if args.soak:
            print(f"\nSoak: {args.soak} valid requests per server after {args.warmup} warm-up; "
                  f"goal: growth < {GROWTH_GOAL_MB:g} MB per 100,000\n")
            rows = []
            for server in [s for s in ("telegram", "stripe", "app") if s in lab.procs]:
                result = soak(lab, server, args.soak, args.warmup, args.workers)
                rows.append(result.row())
                failed |= result.growth_mb_per_100k >= GROWTH_GOAL_MB or result.failures > 0
            print(table(["server", "requests", "RSS before MB", "RSS after MB", "MB per 100k", "failed",
                         "median req/s"], rows))
    print("\nGOAL MET" if not failed else "\nGOAL NOT MET")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
