"""Find the runs: notebooks/<area>/<nb>.ipynb x parameters/<area>/<nb>/<set>.yaml (else one 'default' run)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import papermill
import yaml


@dataclass(frozen=True)
class Run:
    notebook: Path  # relative to the project root
    parameter_set: str
    parameters: dict[str, Any] = field(hash=False)
    output: Path

    @property
    def name(self) -> str:
        return f"{self.notebook.parent.name}/{self.notebook.stem}/{self.parameter_set}"


def load_parameter_set(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text()) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a parameter set is a mapping of name: value")
    return data


def check_parameters(notebook: Path, parameters: dict[str, Any], source: Path) -> None:
    """A misspelt knob would silently run the default scenario: refuse names the notebook lacks."""
    known = set(papermill.inspect_notebook(str(notebook)))
    unknown = sorted(set(parameters) - known)
    if unknown:
        raise ValueError(f"{source}: {', '.join(unknown)} not in the parameters cell of {notebook}")


def discover(root: Path, only: str | None = None) -> list[Run]:
    runs = []
    for notebook in sorted((root / "notebooks").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in notebook.parts:
            continue
        rel = notebook.relative_to(root)
        area = rel.relative_to("notebooks").parent
        sets = sorted((root / "parameters" / area / notebook.stem).glob("*.yaml"))
        chosen = [(p.stem, load_parameter_set(p), p) for p in sets] or [("default", {}, rel)]
        for set_name, params, source in chosen:
            check_parameters(notebook, params, source)
            output = Path("outputs") / area / notebook.stem / f"{set_name}.ipynb"
            scenario = f"{area.as_posix()}/{notebook.stem}/{set_name}"
            run = Run(rel, set_name, {"scenario_id": scenario, **params}, output)
            if only is None or Path(run.name).match(only) or only in run.name:
                runs.append(run)
    return runs
