"""`python -m integration_lab run`: the whole scenario matrix, a summary table, non-zero on any failure."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pandas as pd

from .discover import discover
from .execute import execute_all
from .shard import Shard


def summary_table(results) -> str:
    table = pd.DataFrame([{
        "notebook": str(r.run.notebook.relative_to("notebooks").with_suffix("")),
        "parameter set": r.run.parameter_set,
        "status": "ok" if r.ok else "FAILED",
        "seconds": round(r.seconds, 1),
    } for r in results])
    return table.to_string(index=False)


def run_matrix(root: Path, only: str | None = None, jobs: int | None = None, fork: bool = True,
               shard: Shard | None = None) -> int:
    os.chdir(root)  # runs name their notebooks relative to the root
    try:
        runs = discover(root, only)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not runs:
        print(f"no notebook matches {only!r}", file=sys.stderr)
        return 2
    share = ""
    if shard:
        selected = len(runs)
        runs = [run for run in runs if shard.holds(run.name)]
        share = f"shard {shard}: {len(runs)} of {selected} runs" + (f" matching {only!r}" if only else "")
        if not runs:  # a CI matrix job whose shard drew no run has nothing to check: not a failure
            print(f"{share}: nothing to run")
            return 0
    started = time.perf_counter()
    results = execute_all(runs, root, jobs, fork)
    print()
    print(summary_table(results))
    failed = [r for r in results if not r.ok]
    print()
    if share:
        print(share)
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed in {time.perf_counter() - started:.1f} s")
    for r in results:
        if r.retried:
            print(f"note: {r.run.name} passed on a second try; the first failed outside its cells: {r.retried}",
                  file=sys.stderr)
    for r in failed:
        print(f"FAILED {r.run.name}: {r.failure}\n  see {r.run.output}", file=sys.stderr)
    return 1 if failed else 0
