"""Each quality gate of `make test` (.ci/gates.py, bandit) fails when it should, and says what failed."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("gates", ROOT / ".ci" / "gates.py")
gates = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gates)

FAKE_AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLE"  # AWS's documented example key, split so no scanner flags this file


def coverage_report(tmp_path: Path, lines: tuple[int, int], branches: tuple[int, int]) -> Path:
    report = tmp_path / "coverage.json"
    report.write_text(json.dumps({
        "totals": {"covered_lines": lines[0], "num_statements": lines[1],
                   "covered_branches": branches[0], "num_branches": branches[1]},
        "files": {"lib/integration_lab/dummy.py": {"summary": {"missing_lines": 40, "missing_branches": 6}}},
    }))
    return report


def test_coverage_floor_fails_naming_the_figure_below_it(tmp_path, capsys):
    report = coverage_report(tmp_path, lines=(950, 1000), branches=(80, 100))
    assert gates.main(["coverage", str(report), "--line", "90", "--branch", "85"]) == 1
    out = capsys.readouterr().out
    assert "FAILED: branch coverage of lib/ is 80.00 %, below the floor of 85 %" in out
    assert "FAILED: line" not in out
    assert "lib/integration_lab/dummy.py" in out  # where to look first


def test_coverage_floor_passes_when_both_figures_hold(tmp_path, capsys):
    report = coverage_report(tmp_path, lines=(900, 1000), branches=(85, 100))
    assert gates.main(["coverage", str(report), "--line", "90", "--branch", "85"]) == 0
    assert "line coverage of lib/: 90.00 % (900/1000), floor 90 %" in capsys.readouterr().out


def test_coverage_floor_fails_when_nothing_was_measured(tmp_path, capsys):
    report = coverage_report(tmp_path, lines=(0, 0), branches=(0, 0))
    assert gates.main(["coverage", str(report), "--line", "90", "--branch", "85"]) == 1
    assert "FAILED: line coverage: nothing was measured" in capsys.readouterr().out


def test_a_nosec_without_test_id_and_reason_fails(tmp_path, capsys):
    (tmp_path / "ok.py").write_text('TOKEN = "x"  # nosec B105  # made up for the lab, documented\n')
    assert gates.main(["nosec", str(tmp_path)]) == 0
    (tmp_path / "bare.py").write_text('TOKEN = "x"  # nosec\nKEY = "y"  # nosec B105\n')
    assert gates.main(["nosec", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "bare.py:1" in out and "bare.py:2" in out and "ok.py" not in out.split("FAILED", 1)[1]


def planted_notebook(folder: Path, text: str) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(credentials)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    nb.cells = [cell]
    folder.mkdir(parents=True)
    nbformat.write(nb, str(folder / "leak.ipynb"))


def test_secret_scan_fails_on_an_aws_key_in_an_output_and_does_not_print_it(tmp_path, monkeypatch, capsys):
    planted_notebook(tmp_path / "outputs" / "area", f"aws_access_key_id = {FAKE_AWS_KEY}\n")
    monkeypatch.chdir(tmp_path)
    assert gates.main(["secrets", "--baseline", str(ROOT / ".secrets.baseline"), "outputs"]) == 1
    out = capsys.readouterr().out
    assert "FAILED: possible secret outputs/area/leak.ipynb:" in out and "AWS Access Key" in out
    assert FAKE_AWS_KEY not in out


def test_secret_scan_passes_a_clean_notebook_and_refuses_an_empty_folder(tmp_path, monkeypatch, capsys):
    planted_notebook(tmp_path / "outputs" / "area", "order 42 paid: 500000 tiyin\n")
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    assert gates.main(["secrets", "--baseline", str(ROOT / ".secrets.baseline"), "outputs"]) == 0
    assert gates.main(["secrets", "--baseline", str(ROOT / ".secrets.baseline"), "empty"]) == 1
    assert "FAILED: no files to scan" in capsys.readouterr().out


def test_the_baseline_holds_only_audited_false_positives():
    baseline = json.loads((ROOT / ".secrets.baseline").read_text())
    entries = [entry for found in baseline["results"].values() for entry in found]
    assert all(entry.get("is_secret") is False for entry in entries)


def test_bandit_fails_on_eval(tmp_path):
    (tmp_path / "handler.py").write_text("def total(text):\n    return eval(text)\n")
    result = subprocess.run([sys.executable, "-m", "bandit", "-r", str(tmp_path), "-q"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "B307" in result.stdout
