"""Run a lab notebook's code cells in this process, parameters injected after its `parameters` cell.

A notebook's last cell of plain `assert`s checks its own expectations, so running it here checks them too,
and the library code it drives counts in the coverage of `make test-lib` (nbval kills its kernels, which
then cannot save coverage data).
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any

import nbformat


async def run_notebook(path: Path, parameters: dict[str, Any]) -> dict[str, Any]:
    """Execute every code cell in order; returns the notebook's namespace. A failing cell raises."""
    nb = nbformat.read(str(path), as_version=4)
    namespace: dict[str, Any] = {"__name__": "__notebook__"}
    try:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            code = compile(cell.source, f"{path}[cell {index}]", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            result = eval(code, namespace)  # the lab's own notebook, run as its kernel would run it
            if inspect.iscoroutine(result):
                await result
            if "parameters" in cell.metadata.get("tags", []):
                unknown = sorted(set(parameters) - set(namespace))
                if unknown:  # as the matrix refuses them: a misspelt knob would run the default scenario
                    raise ValueError(f"{', '.join(unknown)} not in the parameters cell of {path}")
                namespace.update(parameters)
    finally:
        lab = namespace.get("lab")
        if lab is not None and hasattr(lab, "close"):
            await lab.backend.clean()
            await lab.close()
    return namespace
