"""The regression suite must be able to fail: a changed golden output, or changed library behaviour,
makes nbval report a failure, and a failing expectation makes the runner fail naming the cell."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from notebook_files import write_notebook

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "outputs/redis/03_rate_limiting/boundary-burst.ipynb"


def nbval(notebook: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", str(notebook), "-p", "no:cacheprovider", "-q", "-p", "no:xdist"],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, **env}, timeout=300)


def edit_output(nb, needle: str, replacement: str) -> None:
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/plain", "")
            if needle in text:
                output["data"]["text/plain"] = text.replace(needle, replacement)
                return
    raise AssertionError(f"{needle!r} not found in any output")


def test_the_golden_notebook_passes_as_committed(tmp_path):
    copy = tmp_path / GOLDEN.name
    shutil.copy(GOLDEN, copy)
    result = nbval(copy)
    assert result.returncode == 0, result.stdout[-2000:]


def test_an_edited_golden_output_fails(tmp_path):
    nb = nbformat.read(str(GOLDEN), as_version=4)
    edit_output(nb, "fixed_window           6", "fixed_window           5")
    copy = tmp_path / GOLDEN.name
    nbformat.write(nb, str(copy))
    result = nbval(copy)
    assert result.returncode == 1 and "Cell outputs differ" in result.stdout, result.stdout[-2000:]


def test_altered_library_behaviour_fails(tmp_path):
    """A copy of the library whose fixed window allows one extra request must not pass the goldens."""
    lib = tmp_path / "lib"
    shutil.copytree(ROOT / "lib", lib, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    script = lib / "integration_lab/app/lua/fixed_window.lua"
    source = script.read_text()
    assert "local left = limit - count\n" in source  # the line this test alters must still be there
    script.write_text(source.replace("local left = limit - count\n", "local left = limit + 1 - count\n"))
    copy = tmp_path / GOLDEN.name
    shutil.copy(GOLDEN, copy)
    result = nbval(copy, PYTHONPATH=str(lib))
    assert result.returncode == 1, result.stdout[-2000:]


def test_runner_fails_naming_the_cell(tmp_path):
    write_notebook(tmp_path / "notebooks/demo/01_sum.ipynb", "expect = 2", "assert 1 + 1 == expect, 'arithmetic changed'")
    (tmp_path / "parameters/demo/01_sum").mkdir(parents=True)
    (tmp_path / "parameters/demo/01_sum/right.yaml").write_text("expect: 2\n")
    (tmp_path / "parameters/demo/01_sum/wrong.yaml").write_text("expect: 3\n")
    result = subprocess.run([sys.executable, "-m", "integration_lab", "run", "--root", str(tmp_path)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "1 passed, 1 failed" in result.stdout
    assert "FAILED demo/01_sum/wrong: cell 3 `assert 1 + 1 == expect" in result.stderr
    assert "AssertionError: arithmetic changed" in result.stderr
    assert (tmp_path / "outputs/demo/01_sum/right.ipynb").exists()
