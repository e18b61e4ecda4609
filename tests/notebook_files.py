"""Notebooks written by tests (a module of its own: `conftest` is a name two test folders share)."""

from __future__ import annotations

import nbformat


def write_notebook(path, parameters: str, *cells: str) -> None:
    """A minimal lab notebook: a `parameters` cell, then code cells, pinned to the lab's kernel."""
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "integration-lab", "language": "python",
                                                           "display_name": "Integration lab"}})
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(c) for c in cells)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
