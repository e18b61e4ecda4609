"""Library tests run on fakeredis, or on the real server in $REDIS_URL (CI runs both)."""

from __future__ import annotations

import re

import nbformat
import pytest

import integration_lab as il


@pytest.fixture
async def lab(request):
    # one keyspace per test, so parallel workers can share a real Redis
    scenario = "test/" + re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.nodeid)
    lab = await il.setup(scenario, start="2026-01-05T09:00:00Z", seed=1)
    yield lab
    await lab.backend.clean()
    await lab.close()


class CommandCounter:
    """Counts the commands a client sends (each a round trip, outside pipelines)."""

    def __init__(self, client):
        self.commands: list[str] = []
        original = client.execute_command

        async def counting(*args, **options):
            self.commands.append(str(args[0]).upper())
            return await original(*args, **options)

        client.execute_command = counting

    def reset(self) -> None:
        self.commands.clear()


@pytest.fixture
def count_commands(lab):
    return CommandCounter(lab.redis)


def write_notebook(path, parameters: str, *cells: str) -> None:
    """A minimal lab notebook: a `parameters` cell, then code cells, pinned to the lab's kernel."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "integration-lab", "language": "python",
                                                           "display_name": "Integration lab"}})
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(c) for c in cells)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
