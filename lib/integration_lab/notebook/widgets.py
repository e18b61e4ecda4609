"""Widget control panels for people in JupyterLab.

A panel only collects values and calls the same library function that a checked cell calls directly;
headless runs display it (in a cell tagged nbval-ignore-output) and never click it.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

import ipywidgets as w
from IPython.display import display


def control_panel(title: str, controls: dict[str, w.ValueWidget], action: Callable[..., Awaitable[Any]],
                  button: str = "Run") -> w.VBox:
    """Controls + a button; a click runs `await action(**values)` and shows what it returns."""
    out, run = w.Output(), w.Button(description=button, button_style="primary")

    async def _run():
        out.clear_output()
        with out:
            try:
                display(await action(**{name: c.value for name, c in controls.items()}))
            except Exception as exc:  # a person is exploring: show the error, keep the panel alive
                print(f"{type(exc).__name__}: {exc}")

    run.on_click(lambda _: asyncio.ensure_future(_run()))
    return w.VBox([w.HTML(f"<b>{title}</b>"), *controls.values(), run, out])
