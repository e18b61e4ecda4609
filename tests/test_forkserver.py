"""The matrix's kernel fork server: each run still gets a fresh process, writes the bytes a kernel started the
usual way writes, reports a failing cell the same way, and leaves nothing behind."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from papermill.exceptions import PapermillExecutionError

from integration_lab.matrix.discover import discover
from integration_lab.matrix.execute import KERNEL, LabKernelManager, execute
from integration_lab.matrix.forkserver import SHELL_AWARE, ForkedProcess, ForkServer, _lab_modules

from notebook_files import write_notebook

pytestmark = pytest.mark.redis_free  # the runs here use the embedded fakeredis whatever REDIS_URL says

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def server():
    with ForkServer(KERNEL) as running:
        yield running


@pytest.fixture
def forking(server, monkeypatch):
    monkeypatch.setattr(LabKernelManager, "fork_server", server.address)
    return server


async def run_in_kernel(code: str) -> tuple[dict, int]:
    """Start a kernel, run `code`, return its last expression's value (as text) and the cell's count."""
    km = LabKernelManager(kernel_name=KERNEL)
    await km.start_kernel(cwd=str(ROOT))
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=60)
        reply = await kc.execute_interactive(code, timeout=60, user_expressions={"out": "_result"})
        value = reply["content"]["user_expressions"]["out"]["data"]["text/plain"]
        return eval(value), reply["content"]["execution_count"]  # a repr of plain dicts and ints
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)


PROBE = """import os, sys, comm, ipywidgets
_result = {"widgets": {"jupyter.widget", "jupyter.widget.control"} <= set(comm.get_comm_manager().targets), "pid": os.getpid(), "seen": "left_behind" in globals(), "pandas": "pandas" in sys.modules,
           "pyplot": "matplotlib.pyplot" in sys.modules, "cwd": os.getcwd(),
           "parent_pid": os.environ.get("JPY_PARENT_PID")}
left_behind = 1"""


async def test_each_forked_kernel_is_a_fresh_process(forking):
    first, count = await run_in_kernel(PROBE)
    second, second_count = await run_in_kernel(PROBE)
    assert count == second_count == 1  # a new shell: execution counts start again
    assert first["pid"] != second["pid"] and not second["seen"]  # nothing crosses from one run to the next
    assert first["pandas"] and not first["pyplot"]  # preloaded, but pyplot is left to the kernel's own shell
    assert first["widgets"] and second["widgets"]  # preloaded ipywidgets still answers a frontend's comms
    assert first["cwd"] == str(ROOT) and first["parent_pid"] == str(os.getpid())
    for pid in (first["pid"], second["pid"]):  # killed and reaped: no zombie left for the server
        assert ForkedProcess(pid).poll() == 0


def scratch_root(tmp_path: Path) -> Path:
    for folder in ("notebooks", "parameters"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return tmp_path


def test_a_forked_run_writes_the_bytes_a_usual_kernel_writes(tmp_path, server, monkeypatch):
    root = scratch_root(tmp_path)
    monkeypatch.chdir(root)
    monkeypatch.delenv("REDIS_URL", raising=False)
    run = next(r for r in discover(root, "redis/02_sessions") if r.parameter_set == "two-shoppers-isolated")
    monkeypatch.setattr(LabKernelManager, "fork_server", None)
    usual = execute(run, root)
    written = (root / run.output).read_bytes()
    (root / run.output).unlink()
    monkeypatch.setattr(LabKernelManager, "fork_server", server.address)
    forked = execute(run, root)
    assert usual.ok and forked.ok, (usual.failure, forked.failure)
    assert (root / run.output).read_bytes() == written == (ROOT / run.output).read_bytes()


def failing_root(tmp_path: Path) -> Path:
    write_notebook(tmp_path / "notebooks" / "area" / "01_fails.ipynb", 'scenario_id = "interactive"',
                   "total = 1 + 1", "raise ValueError('the stock went negative')")
    return tmp_path


def test_a_failing_cell_is_reported_from_a_forked_kernel(tmp_path):
    # the whole command, in a process of its own: the matrix forks its workers before any thread starts,
    # which this test process (zmq threads of the tests before) could not promise
    root = failing_root(tmp_path)
    done = subprocess.run([sys.executable, "-m", "integration_lab", "run", "--root", str(root), "--jobs", "1"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert ("FAILED area/01_fails/default: cell 4 `raise ValueError('the stock went negative')`: "
            "ValueError: the stock went negative") in done.stderr
    assert (root / "outputs" / "area" / "01_fails" / "default.ipynb").exists()  # written, traceback and all


def gone(pid: int) -> bool:
    """Exited: no such process, or a zombie its new parent has not reaped yet."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_the_server_goes_with_the_matrix():
    with ForkServer(KERNEL) as server:
        proc = server._proc
        assert proc.poll() is None
    assert proc.poll() is not None and not Path(server.address).exists()


def test_the_server_stops_when_its_starter_dies(tmp_path):
    """Killed with SIGKILL, the matrix cannot close the server's stdin; the server sees it closed anyway."""
    starter = subprocess.Popen([sys.executable, "-c", (
        "import sys, time\n"
        "from integration_lab.matrix.forkserver import ForkServer\n"
        "server = ForkServer('integration-lab').__enter__()\n"
        "print(server._proc.pid, flush=True)\n"
        "time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(starter.stdout.readline())
        starter.send_signal(signal.SIGKILL)
        starter.wait()
        deadline = time.monotonic() + 10
        while not gone(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gone(pid), "the fork server outlived the matrix"
    finally:
        starter.kill()


def test_nothing_preloaded_looks_for_a_shell():
    modules = _lab_modules()
    assert "integration_lab.notebook.plots" not in modules and "integration_lab.scenarios.journeys" in modules
    assert "matplotlib.pyplot" in SHELL_AWARE


def test_every_preloaded_lab_module_leaves_shell_aware_modules_unimported():
    """What the fork server's parent imports must not pull in pyplot or tqdm.auto (a scenario module that
    imported pyplot at its top once made every `make run` fall back to starting kernels the usual way)."""
    probe = ("import importlib, sys\n"
             "from integration_lab.matrix.forkserver import SHELL_AWARE, _lab_modules\n"
             "for name in _lab_modules():\n"
             "    importlib.import_module(name)\n"
             "    hooked = [m for m in SHELL_AWARE if m in sys.modules]\n"
             "    if hooked:\n"
             "        sys.exit(f'{name} imports {hooked}')\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_without_a_fork_server_the_matrix_says_so_and_starts_kernels_the_usual_way(monkeypatch, capsys):
    from integration_lab.matrix import execute as matrix

    class Broken:
        def __init__(self, kernel):
            raise RuntimeError("the kernel fork server did not start")

    monkeypatch.setattr(matrix, "ForkServer", Broken)
    with matrix._fork_server() as server:
        assert server is None
    assert "no kernel fork server (the kernel fork server did not start)" in capsys.readouterr().err


@pytest.mark.parametrize("failures, ok, tries", [
    ([RuntimeError("Kernel died before replying to kernel_info")], True, 2),
    ([BrokenPipeError(32, "Broken pipe")], True, 2),  # as CI saw once, outside every cell
    ([RuntimeError("Kernel died before replying to kernel_info")] * 2, False, 2),
    ([PapermillExecutionError(0, 3, "1 / 0", "ZeroDivisionError", "division by zero", [])], False, 1),
])
def test_a_run_whose_machinery_fails_is_tried_once_more_and_a_failing_cell_never(tmp_path, monkeypatch, failures,
                                                                                 ok, tries):
    from integration_lab.matrix import execute as matrix

    calls = []

    def papermill(run, root):
        calls.append(run)
        if len(calls) <= len(failures):
            raise failures[len(calls) - 1]

    monkeypatch.setattr(matrix, "_papermill", papermill)
    run = discover(ROOT, "redis/02_sessions")[0]
    result = matrix.execute(run, tmp_path)
    assert result.ok is ok and len(calls) == tries
    if ok:
        assert result.retried == f"{type(failures[0]).__name__}: {failures[0]}"
    else:
        assert result.failure.startswith(("RuntimeError: ", "cell 3 `1 / 0`: ZeroDivisionError")) and not result.retried
        assert ("Traceback" in result.failure) is (tries == 2)  # the second failure says where


def test_the_matrix_process_goes_without_the_iri_grammar_and_still_validates_notebooks(tmp_path):
    """jsonschema imports rfc3987_syntax (if installed) only for "iri" formats; it builds a grammar on import."""
    probe = ("import sys\n"
             "from integration_lab.__main__ import main\n"
             f"assert main(['run', '--root', {str(tmp_path)!r}, '--only', 'nothing']) == 2\n"
             "import nbformat\n"
             "nbformat.validate(nbformat.v4.new_notebook())\n"
             "print(sys.modules.get('rfc3987_syntax'))\n")
    (tmp_path / "notebooks").mkdir()
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "None", done.stdout + done.stderr
