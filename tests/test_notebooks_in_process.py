"""Every notebook x parameter set, run in the test process: each must meet its own expectations cell.

nbval (`make test-notebooks`) compares the executed outputs; this runs the same cells under coverage, on
the test's Redis (fakeredis, or $REDIS_URL), in a keyspace of its own.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

from integration_lab.matrix.discover import discover
from notebook_inprocess import run_notebook

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the headless backend

ROOT = Path(__file__).resolve().parents[1]
# The crash-point sweep replays every cut of every flow: tests/test_crash_points.py runs those flows.
SWEPT_ELSEWHERE = {"payments/08_crash_points"}
RUNS = [run for run in discover(ROOT) if run.name.rsplit("/", 1)[0] not in SWEPT_ELSEWHERE]


def scenario(name: str) -> str:
    return f"test/in-process/{name}"


@pytest.mark.parametrize("run", RUNS, ids=lambda run: run.name)
async def test_notebook_meets_its_expectations(run):
    source = (ROOT / run.notebook).read_text()
    assert "assert " in source, f"{run.notebook} has no expectations cell: running it would check nothing"
    try:
        namespace = await run_notebook(ROOT / run.notebook, {**run.parameters, "scenario_id": scenario(run.name)})
    finally:
        plt.close("all")
    assert namespace["lab"].scenario_id == scenario(run.name)


async def test_a_wrong_expectation_fails_the_run():
    with pytest.raises(AssertionError):
        await run_notebook(ROOT / "notebooks/redis/01_cache_operations.ipynb",
                           {"scenario_id": scenario("wrong-expectation"), "expect_loads": 7})


async def test_an_unknown_parameter_is_refused():
    with pytest.raises(ValueError, match="expect_sent not in the parameters cell"):
        await run_notebook(ROOT / "notebooks/telegram/03_error_handling.ipynb",
                           {"scenario_id": scenario("unknown-parameter"), "expect_sent": 9})
