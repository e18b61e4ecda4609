"""Make an executed notebook byte-identical run after run: drop timings, ids and widget state.

What stays is what a reader and nbval need: sources, outputs, execution counts, the parameters used.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

_KEEP_PAPERMILL = ("parameters", "input_path", "output_path")
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"  # a random model id, meaningless without a kernel


def normalize(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    meta = nb.metadata
    meta.pop("widgets", None)
    if "papermill" in meta:
        meta["papermill"] = {k: meta["papermill"][k] for k in _KEEP_PAPERMILL if k in meta["papermill"]}
    for cell in nb.cells:
        cell.pop("id", None)
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(_WIDGET_VIEW, None)
    nb.nbformat_minor = min(nb.nbformat_minor, 4)  # 4.5+ would demand random cell ids
    return nb


def normalize_file(path: Path) -> None:
    nb = nbformat.read(str(path), as_version=4)
    text = nbformat.writes(normalize(nb)) + "\n"
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
