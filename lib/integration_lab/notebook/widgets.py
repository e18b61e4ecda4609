"""Widget control panels for people in JupyterLab.

A panel only collects values and calls the same library function that a checked cell calls directly;
headless runs display it (in a cell tagged nbval-ignore-output) and never click it.

A click runs the action as a task on the kernel's event loop, so the answer comes after the kernel has
told the front end the click was handled. Output captured with `with out:` at that point is tied to a
finished request and JupyterLab drops it (a known ipywidgets limitation); so the panel writes the answer
into the Output widget's `outputs` itself, which reaches the front end as widget state whenever it comes.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Callable

import ipywidgets as w
from IPython.core.interactiveshell import InteractiveShell

_RUNNING: set[asyncio.Task] = set()  # the loop keeps only weak references to tasks: keep each until done


def _display_output(value: Any) -> dict:
    """`value` as a display_data output, formatted as `display(value)` would (HTML tables, images, ...)."""
    data, metadata = InteractiveShell.instance().display_formatter.format(value)
    return {"output_type": "display_data", "data": data, "metadata": metadata}


def _stream(text: str, name: str = "stdout") -> dict:
    return {"output_type": "stream", "name": name, "text": text if text.endswith("\n") else text + "\n"}


def answer_outputs(value: Any) -> tuple[dict, ...]:
    """What a panel shows for an action's result: text as text, anything else as `display` shows it."""
    if value is None:
        return (_stream("done (the action returned nothing)"),)
    if isinstance(value, str):
        return (_stream(value),)
    return (_display_output(value),)


def error_outputs(exc: BaseException) -> tuple[dict, ...]:
    """An error as one readable line (the caller's own words), not a traceback."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return (_stream(text, "stderr"),)


def control_panel(title: str, controls: dict[str, w.ValueWidget], action: Callable[..., Any],
                  button: str = "Run") -> w.VBox:
    """Controls + a button; a click runs `await action(**values)` and shows what it returns (or its error)."""
    out, run = w.Output(), w.Button(description=button, button_style="primary")

    async def _run():
        try:
            result = action(**{name: c.value for name, c in controls.items()})
            if inspect.isawaitable(result):
                result = await result
            shown = answer_outputs(result)
        except Exception as exc:  # a person is exploring: show the error, keep the panel alive
            shown = error_outputs(exc)
        finally:
            run.disabled = False
        out.outputs = shown

    def _click(_):
        run.disabled = True  # one answer at a time; the click is acknowledged at once
        out.outputs = (_stream("running…"),)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no kernel loop (a plain Python session): run to the end here
            asyncio.run(_run())
            return
        task = loop.create_task(_run())
        _RUNNING.add(task)
        task.add_done_callback(_RUNNING.discard)

    run.on_click(_click)
    return w.VBox([w.HTML(f"<b>{title}</b>"), *controls.values(), run, out])
