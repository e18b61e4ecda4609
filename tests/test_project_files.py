"""environment.yml, pyproject.toml and constraints.txt must name the same packages."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"redis": "redis-py"}  # PyPI name -> conda-forge name where they differ
CONDA_ONLY = {"python", "pip", "lupa", "redis-server"}  # lupa: fakeredis[lua]; redis-server: the real-Redis mode
PIP_ONLY = {"throttled-py"}  # not found on conda-forge: `pip: -e .[dev]` installs it


def name(requirement: str) -> str:
    return re.split(r"[\[<>=!~ ]", requirement, maxsplit=1)[0].lower()


def pyproject_packages() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}


def test_environment_yml_lists_what_pyproject_does():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"] and "python=3.11" in env["dependencies"]
    conda = {name(d) for d in env["dependencies"] if isinstance(d, str)}
    assert conda - CONDA_ONLY == {CONDA_NAMES.get(p, p) for p in pyproject_packages() - PIP_ONLY}
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip == ["-e .[dev]"]


def test_constraints_pin_every_package():
    pinned = {name(line) for line in (ROOT / "constraints.txt").read_text().splitlines()
              if line and not line.startswith("#")}
    assert pyproject_packages() <= pinned
