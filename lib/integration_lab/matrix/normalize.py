"""Make an executed notebook byte-identical run after run: drop timings, ids and widget state.

What stays is what a reader and nbval need: sources, outputs, execution counts, the parameters used.
Three outputs are rewritten because they cannot read alike everywhere: a widget (its repr is a dump of
controls, its view a random model id, and it only works with a live kernel) becomes a one-line pointer to
JupyterLab; the name of the Redis a run used (fakeredis, or the server or cluster in REDIS_URL), shown in a cell
nbval ignores, is left out, so the outputs are the same on both; and what a cell tagged `lab-timing`
shows (wall-clock measurements: figures, latency tables, their pictures) becomes a one-line pointer to
where to see them, since no two runs measure alike.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat

_KEEP_PAPERMILL = ("parameters", "input_path", "output_path")
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"  # a random model id, meaningless without a kernel
TRY_IT = "Try it in JupyterLab: `make lab`, open this notebook, Run All, then use the panel."
TIMING = ("Wall-clock measurements differ on every run and machine, so outputs/ does not keep them: run this "
          "notebook in JupyterLab (`make lab`) to see them.")
# what RedisBackend.describe() returns, as the cell's result repr
_BACKEND = re.compile(r"""^'(fakeredis \(in-process\)|(redis-server|Redis Cluster) at [^']*)'$""")


def _is_backend_description(output) -> bool:
    return output.get("output_type") == "execute_result" and bool(
        _BACKEND.match(output.get("data", {}).get("text/plain", "")))


def _outputs(outputs: list, compared: bool) -> list:
    kept = []
    for output in outputs:
        if not compared and _is_backend_description(output):
            continue
        data = output.get("data", {})
        if data.pop(_WIDGET_VIEW, None) is not None:
            data.clear()
            data["text/plain"] = TRY_IT
        kept.append(output)
    return kept


def normalize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    meta = nb.metadata
    meta.pop("widgets", None)
    if "papermill" in meta:
        meta["papermill"] = {k: meta["papermill"][k] for k in _KEEP_PAPERMILL if k in meta["papermill"]}
    for cell in nb.cells:
        cell.pop("id", None)
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        if "outputs" in cell:
            tags = cell.metadata.get("tags", [])
            if "lab-timing" in tags and cell.outputs:
                cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=TIMING + "\n")]
                continue
            cell.outputs = _outputs(cell.outputs, "nbval-ignore-output" not in tags)
    nb.nbformat_minor = min(nb.nbformat_minor, 4)  # 4.5+ would demand random cell ids
    return nb


def normalize_file(path: Path) -> None:
    nb = nbformat.read(str(path), as_version=4)
    text = nbformat.writes(normalize(nb)) + "\n"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
