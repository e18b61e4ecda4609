"""Shards of the matrix: `run --shard i/n` and nbval's `--lab-shard i/n` (nbval_forks.py) pick the same runs.

A run's shard depends on its name alone (`area/notebook/set`): sha256 of the name, modulo n. So it is the same
on every machine and under any PYTHONHASHSEED (unlike hash()), whatever --only selects, and adding a notebook
moves no other run (unlike dealing the sorted runs out in turn). The n shards are disjoint and cover every run.
"""

from __future__ import annotations

import argparse
import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePath


def shard_of(name: str, count: int) -> int:
    """The shard (1..count) that the run `name` belongs to."""
    digest = hashlib.sha256(name.encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest, "big") % count + 1


def run_name(output: PurePath) -> str:
    """The run an executed notebook outputs/<area>/<notebook>/<set>.ipynb comes from (discover.Run.name)."""
    return f"{output.parent.parent.name}/{output.parent.name}/{output.stem}"


@dataclass(frozen=True)
class Shard:
    index: int  # 1..count
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, name: str) -> bool:
        return shard_of(name, self.count) == self.index


def parse_shard(text: str) -> Shard:
    """`i/n` with 1 <= i <= n, as an argparse type: anything else is a usage error (exit 2) saying why."""
    match = re.fullmatch(r"(\d+)/(\d+)", text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not i/n (e.g. 1/4)")
    index, count = int(match[1]), int(match[2])
    if not 1 <= index <= count:
        raise argparse.ArgumentTypeError(f"{text!r}: i/n needs 1 <= i <= n")
    return Shard(index, count)
