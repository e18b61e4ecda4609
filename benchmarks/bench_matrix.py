"""The scenario matrix's wall time against its floor: runs x a bare kernel start / cores, measured in
the same run. The floor's kernel is started the usual way (jupyter_client, no fork server): what a run
would cost if it did nothing but start a kernel, run one empty cell and stop it. The matrix runs as
`make run` does (`python -m integration_lab run --jobs JOBS`), in a scratch copy of notebooks/ and
parameters/, so outputs/ is untouched; `--usual-kernels` also times it without the fork server.

    .venv/bin/python benchmarks/bench_matrix.py [--repeats R] [--jobs J] [--usual-kernels]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import start_new_kernel

from integration_lab.matrix.discover import discover
from integration_lab.matrix.execute import JOBS, KERNEL

ROOT = Path(__file__).resolve().parents[1]


def bare_kernel_start() -> float:
    """Start the lab's kernel, wait until it answers, run one empty cell, shut it down."""
    started = time.perf_counter()
    manager, client = start_new_kernel(kernel_name=KERNEL)
    client.execute_interactive("pass", timeout=60)
    client.stop_channels()
    manager.shutdown_kernel(now=True)
    return time.perf_counter() - started


def matrix_wall_time(jobs: int, fork: bool = True) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        for folder in ("notebooks", "parameters"):
            shutil.copytree(ROOT / folder, Path(scratch) / folder)
        started = time.perf_counter()
        command = [sys.executable, "-m", "integration_lab", "run", "--root", scratch, "--jobs", str(jobs)]
        result = subprocess.run(command + ([] if fork else ["--no-fork-server"]), capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if result.returncode:
            sys.exit(f"the matrix failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
        return elapsed


def main(repeats: int, jobs: int, usual: bool) -> None:
    cores = min(os.cpu_count() or 1, 2)
    runs = len(discover(ROOT))
    kernel = statistics.median(bare_kernel_start() for _ in range(5))
    walls = [matrix_wall_time(jobs) for _ in range(repeats)]
    wall, floor = statistics.median(walls), runs * kernel / cores
    print(f"\nscenario matrix: {runs} runs, {jobs} jobs on {cores} cores")
    print(f"bare kernel start (median of 5):        {kernel:6.2f} s")
    print(f"floor = runs x kernel start / cores:    {floor:6.2f} s")
    print(f"matrix wall time (median of {repeats}):      {wall:6.2f} s   (runs: {', '.join(f'{w:.1f}' for w in walls)})")
    print(f"wall / floor:                           {wall / floor:6.2f}")
    if usual:
        usual_wall = matrix_wall_time(jobs, fork=False)
        print(f"without the fork server (one run):      {usual_wall:6.2f} s   wall / floor {usual_wall / floor:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS", JOBS)), help="as make run's JOBS")
    parser.add_argument("--usual-kernels", action="store_true", help="also time the matrix without the fork server")
    args = parser.parse_args()
    main(args.repeats, args.jobs, args.usual_kernels)
