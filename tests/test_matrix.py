"""The matrix and its golden outputs: discovery, determinism, the notebook conventions."""

import json
import signal
from pathlib import Path

import nbformat
import pytest

from integration_lab.matrix.discover import discover
from integration_lab.matrix.execute import KERNEL, LabKernelManager
from integration_lab.matrix.normalize import TIMING, TRY_IT, normalize
from integration_lab.runtime.redis_backend import RedisBackend

from notebook_files import write_notebook

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks").rglob("*.ipynb"))
RUNS = discover(ROOT)


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def test_the_redis_area_has_four_notebooks_and_twelve_scenarios():
    redis = [r for r in RUNS if r.notebook.parts[1] == "redis"]
    assert len({r.notebook for r in redis}) >= 4 and len(redis) >= 12


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_source_notebooks_follow_the_conventions(path):
    nb = nbformat.read(str(path), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "commit sources without outputs"
    assert nb.metadata.kernelspec.name == "integration-lab"
    assert sum("parameters" in tags(c) for c in nb.cells) == 1
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert any(line.startswith("assert ") for c in code for line in c.source.splitlines()), "an expectations cell"
    assert max(len(c.source.splitlines()) for c in code if "parameters" not in tags(c)) <= 15


@pytest.mark.parametrize("run", RUNS, ids=lambda r: r.name)
def test_every_run_has_a_golden_output_nbval_compares(run):
    nb = nbformat.read(str(ROOT / run.output), as_version=4)
    compared = [c for c in nb.cells if c.cell_type == "code" and "nbval-ignore-output" not in tags(c)
                and "nbval-skip" not in tags(c)]
    with_output = [c for c in compared if c.outputs]
    assert len(with_output) >= 6, "most checked cells show something nbval compares"
    assert not any(o.output_type == "error" for c in nb.cells for o in c.get("outputs", []))
    assert any("expectations met" in json.dumps(c.outputs) for c in compared)
    assert nb.metadata.papermill.parameters["scenario_id"] == run.parameters["scenario_id"]


def test_unknown_parameter_is_refused(tmp_path):
    write_notebook(tmp_path / "notebooks/x/01_n.ipynb", "ttl = 30")
    (tmp_path / "parameters/x/01_n").mkdir(parents=True)
    (tmp_path / "parameters/x/01_n/typo.yaml").write_text("tll: 5\n")
    with pytest.raises(ValueError, match="tll not in the parameters cell"):
        discover(tmp_path)


def test_normalize_drops_everything_volatile():
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"start_time": "t", "end_time": "t", "duration": 1.2, "parameters": {"a": 1},
                                "input_path": "i", "output_path": "o", "environment_variables": {}}
    nb.metadata["widgets"] = {"state": {"random-id": {}}}
    cell = nbformat.v4.new_code_cell("w")
    cell.metadata.update({"execution": {"iopub.status.busy": "t"}, "papermill": {"duration": 0.1}, "tags": ["x"]})
    cell.outputs = [nbformat.v4.new_output("display_data", data={
        "text/plain": "VBox()", "application/vnd.jupyter.widget-view+json": {"model_id": "f00"}})]
    nb.cells.append(cell)
    out = normalize(nb)
    assert out.metadata.papermill == {"parameters": {"a": 1}, "input_path": "i", "output_path": "o"}
    assert "widgets" not in out.metadata and "id" not in out.cells[0]
    assert out.cells[0].metadata == {"tags": ["x"]}
    assert out.cells[0].outputs[0].data == {"text/plain": TRY_IT}  # no widget repr, no model id


def test_a_timing_cell_keeps_a_pointer_and_no_measurement():
    nb = nbformat.v4.new_notebook()
    for wall in ("1.23 s", "4.56 s"):
        cell = nbformat.v4.new_code_cell("print(figures)", metadata={"tags": ["nbval-ignore-output", "lab-timing"]})
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"journeys: 200 in {wall}\n"),
                        nbformat.v4.new_output("display_data", data={"image/png": wall})]
        nb.cells.append(cell)
    out = normalize(nb)
    assert out.cells[0].outputs == out.cells[1].outputs  # two runs, two measurements, one stored text
    assert out.cells[0].outputs[0].text == TIMING + "\n" and len(out.cells[0].outputs) == 1


def test_every_timing_cell_is_left_out_of_nbvals_comparison():
    for path in sorted((Path(__file__).parent.parent / "notebooks").rglob("*.ipynb")):
        for cell in nbformat.read(str(path), as_version=4).cells:
            tags = cell.metadata.get("tags", [])
            assert "lab-timing" not in tags or "nbval-ignore-output" in tags, (path, cell.source[:60])


def backend_cell(description: str, tags: list[str]) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("lab.backend.describe()", execution_count=2, metadata={"tags": tags})
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": repr(description)},
                                           execution_count=2)]
    return cell


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6393/0", "rediss://lab:hunter2@redis.example:6380/1"])
def test_the_redis_a_run_used_is_left_out_so_fakeredis_and_a_server_give_the_same_notebook(url):
    def executed(backend: RedisBackend) -> str:
        nb = nbformat.v4.new_notebook()
        nb.cells = [backend_cell(backend.describe(), ["nbval-ignore-output"])]
        return nbformat.writes(normalize(nb))

    on_fakeredis = executed(RedisBackend(None, None, "fakeredis"))
    on_a_server = RedisBackend(None, None, "redis", url)
    assert "redis-server at" in on_a_server.describe()
    assert executed(on_a_server) == on_fakeredis and "fakeredis" not in on_fakeredis
    compared = nbformat.v4.new_notebook()  # a checked cell keeps what it shows: nbval compares it
    compared.cells = [backend_cell("fakeredis (in-process)", [])]
    assert normalize(compared).cells[0].outputs[0].data == {"text/plain": "'fakeredis (in-process)'"}


async def test_a_run_kernel_is_encrypted_and_shut_down_without_an_interrupt(capfd):
    """The two things `make run` printed in a successful run: the TCP warning and a KeyboardInterrupt."""
    km = LabKernelManager(kernel_name=KERNEL)
    sent, signal_kernel = [], km._async_signal_kernel

    async def record(signum):
        sent.append(signum)
        await signal_kernel(signum)

    km._async_signal_kernel = record
    await km.start_kernel(cwd=str(ROOT))
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=60)
        assert km.curve_secretkey is not None  # the connection file carries the keys the kernel uses
        msg_id = kc.kernel_info()  # papermill's last request; the shutdown follows its reply at once
        while (await kc.get_shell_msg(timeout=30))["parent_header"].get("msg_id") != msg_id:
            pass
    finally:
        kc.stop_channels()
        await km.shutdown_kernel()
    assert signal.SIGINT not in sent and not await km.is_alive()
    err = capfd.readouterr().err
    assert "without encryption" not in err and "KeyboardInterrupt" not in err
