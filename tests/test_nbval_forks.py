"""nbval with its kernels forked from the fork server (`make test-lib`, `make test-notebooks`): a golden passes,
an edited golden fails, and a forked kernel runs where, and with what, nbval asked for."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from integration_lab.matrix.forkserver import ForkServer, fork_kernel
from integration_lab.matrix.nbval_forks import KERNEL, ForkedKernelManager

from test_harness_fails import GOLDEN, edit_output

pytestmark = pytest.mark.redis_free  # REDIS_URL here is a probe's value, never a server

ROOT = Path(__file__).resolve().parents[1]
# what nbval over three notebooks does not need, left out so the nested pytest starts sooner
UNUSED_PLUGINS = [arg for name in ("xdist", "cacheprovider", "hypothesispytest", "locust", "anyio", "asyncio",
                                   "time_machine", "platformdirs") for arg in ("-p", f"no:{name}")]


@pytest.fixture(scope="module")
def server():
    """The fork server of this pytest run's nbval (make test-lib), or one of the module's own."""
    if ForkedKernelManager.fork_server:
        yield ForkedKernelManager.fork_server
        return
    with ForkServer(KERNEL) as running:
        yield running.address


def probe_notebook(path: Path) -> None:
    """Cells whose committed outputs say what a forked kernel must see; nbval compares them."""
    checks = {
        "import os, sys\nos.environ.get('LAB_PROBE')": repr("reached"),  # the worker's environment, not the server's
        "os.getcwd() == {!r}".format(str(path.parent)): "True",  # nbval's cwd: the notebook's folder
        "sys.path[0] != os.getcwd() and 'ipykernel_launcher' in sys.argv[0]": "True",  # as the launcher leaves them
        "'pandas' in sys.modules": "True",  # imported by no cell yet: this kernel was forked from the server
        "'matplotlib.pyplot' in sys.modules": "False",  # left to the kernel's own shell
    }
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": KERNEL, "language": "python",
                                                           "display_name": "Integration lab"}})
    for count, (source, shown) in enumerate(checks.items(), 1):
        cell = nbformat.v4.new_code_cell(source, execution_count=count)
        cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": shown}, execution_count=count)]
        nb.cells.append(cell)
    nbformat.write(nb, str(path))


def test_nbval_through_the_fork_server_passes_a_golden_fails_an_edited_one_and_gives_kernels_their_run(tmp_path):
    shutil.copy(GOLDEN, tmp_path / "golden.ipynb")
    edited = nbformat.read(str(GOLDEN), as_version=4)
    edit_output(edited, "fixed_window           6", "fixed_window           5")
    nbformat.write(edited, str(tmp_path / "edited.ipynb"))
    (tmp_path / "probe").mkdir()
    probe_notebook(tmp_path / "probe" / "probe.ipynb")  # in a folder of its own: nbval's cwd is the notebook's
    env = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}  # the golden's fakeredis
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval", "-p", "integration_lab.matrix.nbval_forks", "-v", str(tmp_path),
         *UNUSED_PLUGINS],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**env, "LAB_PROBE": "reached"})
    out = done.stdout + done.stderr
    assert "nbval kernels: forked from " in out, out[-3000:]
    results = {}
    for notebook, result in re.findall(r"(\w+)\W+ipynb::Cell \d+ (PASSED|FAILED)", done.stdout):
        results.setdefault(notebook, set()).add(result)
    assert results == {"golden": {"PASSED"}, "edited": {"PASSED", "FAILED"}, "probe": {"PASSED"}}, out[-3000:]
    assert done.returncode == 1 and "Cell outputs differ" in out
    # nbval sends its kernels' stderr to devnull: no kernel's startup warning reaches the log
    assert "without encryption" not in out, out[-3000:]


def test_a_forked_kernel_writes_to_the_stdout_and_stderr_its_starter_gives(tmp_path, server):
    """The descriptors go over the socket: the child writes where Popen would have put a kernel's output."""
    from jupyter_client.connect import write_connection_file

    connection, _ = write_connection_file(str(tmp_path / "kernel.json"))  # no keys: the kernel warns on stderr
    env = {name: value for name, value in os.environ.items() if name != "JPY_PARENT_PID"}  # so it prints a banner
    with open(tmp_path / "out", "wb") as out, open(tmp_path / "err", "wb") as err:
        pid = fork_kernel(server, ["-f", connection], env, str(tmp_path), stdout=out, stderr=err)
        try:
            deadline = time.monotonic() + 60
            while not (b"To connect another client" in (tmp_path / "out").read_bytes()
                       and b"without encryption" in (tmp_path / "err").read_bytes()) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            os.kill(pid, signal.SIGKILL)
    assert b"To connect another client" in (tmp_path / "out").read_bytes()
    assert b"without encryption" in (tmp_path / "err").read_bytes()


@pytest.mark.parametrize("failures, started, tries", [(["Kernel died before replying to kernel_info"], True, 2),
                                                      (["Kernel died before replying to kernel_info"] * 2, False, 2),
                                                      (["Kernel didn't respond in 60 seconds"], False, 1)])
def test_a_kernel_that_dies_before_its_first_reply_is_started_once_more(failures, started, tries, capsys):
    from integration_lab.matrix.nbval_forks import _once_more_if_it_died

    calls = []

    def start(**kwargs):
        calls.append(kwargs)
        if len(calls) <= len(failures):
            raise RuntimeError(failures[len(calls) - 1])
        return "km", "kc"

    starting = _once_more_if_it_died(start)
    if started:
        assert starting(kernel_name=KERNEL) == ("km", "kc")
        assert "a kernel died before its first reply" in capsys.readouterr().err
    else:
        with pytest.raises(RuntimeError, match=failures[-1]):
            starting(kernel_name=KERNEL)
    assert len(calls) == tries and all(call == {"kernel_name": KERNEL} for call in calls)
