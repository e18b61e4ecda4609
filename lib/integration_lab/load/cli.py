"""`python -m integration_lab load --buyers N [--mix …] [--faults …] [--seed S]`: the in-process load run.

Exits 1 when an invariant breaks, 2 on a usage error. Its last line is for scripts:
`journeys=<n> seconds=<wall> p95_ms=<p95 per update> rss_mb=<peak> violations=<n>`.
On $REDIS_URL's server when it is set, else on the embedded fakeredis.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from .plan import DEFAULT_MIX, FAULTS, ROUTES, STORM

# Updates our bot handles at once in the load run. One process is busy with its own Python most of the time, so
# a few at once already hide the Redis round trips (1.3 to 1.5 x the throughput of one at a time on a
# redis-server, 2026-12-07); more only stretch each update's time with the others' work (p95 per update about
# 8 ms at 4, 15 to 25 ms at 8, 28 at 16, 360 at 64).
LANES = 4


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--buyers", type=int, default=10_000, help="buyers to simulate (default: 10000)")
    mix = ",".join(f"{r}={w:g}" for r, w in DEFAULT_MIX.items())
    parser.add_argument("--mix", help=f"relative weights of the routes ({', '.join(ROUTES)}); default {mix}")
    storm = ",".join(f"{f}={s:g}" for f, s in STORM.items())
    parser.add_argument("--faults", help=f"shares of paying buyers who meet each fault ({', '.join(FAULTS)}), "
                                         f"or 'storm' ({storm}); default none")
    parser.add_argument("--seed", type=int, default=0, help="the draw of buyers and every id (default: 0)")
    parser.add_argument("--concurrency", type=int, default=LANES,
                        help=f"updates the bot handles at once, each buyer's in order (default {LANES}; 1: one "
                             "after another)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    from .plan import draw, parse_faults, parse_mix

    if args.concurrency < 1:
        print("load: --concurrency must be at least 1", file=sys.stderr)
        return 2
    try:
        buyers = draw(args.buyers, parse_mix(args.mix), parse_faults(args.faults), args.seed)
    except ValueError as wrong:
        print(f"load: {wrong}", file=sys.stderr)
        return 2
    import uvloop  # its event loop: 6 to 9 % off the run's wall time against asyncio's own (2026-12-07)

    return uvloop.run(_run(buyers, args))


async def _run(buyers, args) -> int:
    from tqdm import tqdm

    from .. import setup
    from . import invariants, report
    from .engine import run_load

    lab = await setup("load", seed=args.seed)
    try:
        print(f"load: {len(buyers)} buyers, seed {args.seed}, mix {args.mix or 'default'}, "
              f"faults {args.faults or 'none'}, on {lab.backend.describe()}", flush=True)
        with tqdm(total=len(buyers), unit="journey", disable=args.quiet, file=sys.stderr) as progress:
            progress._time = time.perf_counter  # tqdm reads time.time(), which follows the lab clock here
            progress.reset(len(buyers))
            run = await run_load(lab, buyers, progress, args.concurrency)
        table = await invariants.check(run)
        with _wide():
            print(report.figures(run))
            print("\nour side's handling time per step:")
            print(report.latencies(run).to_string(index=False))
            print("\nbuyers by route and outcome:")
            print(invariants.outcomes(run).to_string(index=False))
            print("\ninvariants, over every order:")
            print(table.to_string(index=False))
        failed = invariants.violations(table)
        print(report.summary(run, failed))
        return 1 if failed else 0
    finally:
        await lab.close()


def _wide():
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_columns", 20)
