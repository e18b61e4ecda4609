"""`run --shard i/n` and nbval's `--lab-shard i/n`: the n shards split the matrix, each run always into the same
one, and nbval checks exactly the notebooks its shard of `make run` wrote."""

import shutil
import subprocess
import sys
from pathlib import Path, PurePath

import pytest

from integration_lab.__main__ import main
from integration_lab.matrix import cli
from integration_lab.matrix.discover import discover
from integration_lab.matrix.execute import Result
from integration_lab.matrix.shard import Shard, parse_shard, run_name, shard_of

from notebook_files import write_notebook
from test_nbval_forks import UNUSED_PLUGINS

pytestmark = pytest.mark.redis_free  # nothing here reaches Redis: no run is executed, no nbval cell

ROOT = Path(__file__).resolve().parents[1]
RUNS = discover(ROOT)
BOT_API = "telegram/01_bot_api_basics"  # its three sets: two in shard 1 of 3, one in shard 3, none in shard 2


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7])
def test_the_shards_split_every_run_of_the_matrix_once(count):
    names = [run.name for run in RUNS]
    shards = [{name for name in names if Shard(index, count).holds(name)} for index in range(1, count + 1)]
    assert sum(len(shard) for shard in shards) == len(names)  # disjoint: no run in two shards
    assert set().union(*shards) == set(names)  # and none left out


def test_a_runs_shard_is_a_fixed_value_of_its_name():
    """sha256 of the name, not hash(): the same under any PYTHONHASHSEED, on any machine, in any matrix. If
    this fails, the hash changed, and CI's shards would check other notebooks than the ones they ran."""
    assert [shard_of("redis/01_cache_operations/still-cached", n) for n in (2, 3, 4, 8, 40)] == [1, 2, 3, 7, 15]
    assert [shard_of(f"{BOT_API}/{s}", 3) for s in ("html-private-chat", "markdown-v2", "group-chat")] == [3, 1, 1]


def test_an_executed_notebook_names_the_run_it_comes_from():
    assert all(run_name(run.output) == run.name for run in RUNS)
    assert run_name(PurePath("/ci/clone/outputs/payments/02_declines_and_3ds/3ds-passed.ipynb")) == \
        "payments/02_declines_and_3ds/3ds-passed"


@pytest.mark.parametrize("text, why", [("0/2", "'0/2': i/n needs 1 <= i <= n"), ("3/2", "'3/2': i/n needs 1 <= i <= n"),
                                       ("1/0", "'1/0': i/n needs 1 <= i <= n"), ("x", "'x' is not i/n (e.g. 1/4)"),
                                       ("1/2/3", "'1/2/3' is not i/n"), ("-1/2", "'-1/2' is not i/n"),
                                       ("", "'' is not i/n")])
def test_run_refuses_a_shard_that_is_not_i_of_n(text, why, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["run", f"--shard={text}"])  # "=": argparse would read -1/2 as an option
    assert stopped.value.code == 2  # argparse's usage error, before anything runs
    assert f"integration_lab run: error: argument --shard: {why}" in capsys.readouterr().err


def test_run_takes_i_of_n():
    assert parse_shard("1/1") == Shard(1, 1) and parse_shard("4/4") == Shard(4, 4) and str(parse_shard("2/8")) == "2/8"


@pytest.fixture
def matrix(tmp_path, monkeypatch):
    """A project of one notebook with BOT_API's three sets, whose runs are recorded, not executed."""
    monkeypatch.chdir(tmp_path)  # run_matrix moves into the root; this puts the test's directory back
    write_notebook(tmp_path / "notebooks" / f"{BOT_API}.ipynb", "n = 1")
    (tmp_path / "parameters" / BOT_API).mkdir(parents=True)
    for name in ("html-private-chat", "markdown-v2", "group-chat"):
        (tmp_path / "parameters" / BOT_API / f"{name}.yaml").write_text("n: 2\n")
    executed = []

    def execute_all(runs, root, jobs, fork):
        executed.extend(run.name for run in runs)
        return [Result(run, True, 0.1) for run in runs]

    monkeypatch.setattr(cli, "execute_all", execute_all)
    return tmp_path, executed


def test_run_runs_its_shard_and_says_which(matrix, capsys):
    root, executed = matrix
    assert cli.run_matrix(root, shard=Shard(1, 3)) == 0
    assert executed == [f"{BOT_API}/group-chat", f"{BOT_API}/markdown-v2"]
    out = capsys.readouterr().out
    assert "\nshard 1/3: 2 of 3 runs\n2 passed, 0 failed in " in out
    executed.clear()
    assert cli.run_matrix(root, only="*/html-*", shard=Shard(3, 3)) == 0  # a shard of what --only selects
    assert executed == [f"{BOT_API}/html-private-chat"]
    assert "\nshard 3/3: 1 of 1 runs matching '*/html-*'\n1 passed, 0 failed in " in capsys.readouterr().out


def test_an_empty_shard_runs_nothing_and_is_no_failure(matrix, capsys):
    root, executed = matrix
    assert cli.run_matrix(root, shard=Shard(2, 3)) == 0
    assert executed == [] and capsys.readouterr().out == "shard 2/3: 0 of 3 runs: nothing to run\n"
    assert cli.run_matrix(root, only="no-such-run", shard=Shard(2, 3)) == 2  # a wrong --only is still an error
    assert "no notebook matches 'no-such-run'" in capsys.readouterr().err


def collected(path: Path, *options: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", str(path), "--collect-only", "-q", "--nbval", "-p",
         "integration_lab.matrix.nbval_forks", *options, *UNUSED_PLUGINS],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_nbval_keeps_the_notebooks_of_its_shard_and_every_other_test(tmp_path):
    outputs = tmp_path / "outputs"
    shutil.copytree(ROOT / "outputs" / BOT_API, outputs / BOT_API)
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    pass\n")
    # each starts the fork server (nbval's configure) though nothing runs: in parallel, to save a few seconds
    runs = {shard: collected(tmp_path, "--lab-shard", shard) for shard in ("1/3", "3/3")}
    runs["2/3"] = collected(outputs, "--lab-shard", "2/3")  # no notebook of BOT_API's, so nothing at all left
    runs["refused"] = collected(tmp_path, "--lab-shard", "3/2")
    done = {shard: (run.communicate(timeout=300), run.returncode) for shard, run in runs.items()}
    kept = {}
    for shard in ("1/3", "3/3"):
        (out, err), code = done[shard]
        assert code == 0, out[-2000:] + err[-2000:]
        ids = [line for line in out.splitlines() if "::" in line]
        assert any(i.endswith("test_plain.py::test_plain") for i in ids)  # not a notebook: every shard keeps it
        kept[shard] = {PurePath(i.partition("::")[0]).stem for i in ids if ".ipynb::" in i}
    assert kept == {"1/3": {"markdown-v2", "group-chat"}, "3/3": {"html-private-chat"}}
    (out, err), code = done["2/3"]
    assert code == 0 and " deselected" in out and "::" not in out, out + err  # as run --shard: 0, not pytest's 5
    (out, err), code = done["refused"]
    assert code == 4 and "argument --lab-shard: '3/2': i/n needs 1 <= i <= n" in err, out + err
