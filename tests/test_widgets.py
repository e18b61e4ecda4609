"""The Try-it panels: a click inside the kernel's running loop puts the answer in the Output widget's state.

JupyterLab shows an Output widget's `outputs` whenever they change, even after the click's request has
finished; output printed inside `with out:` from a later task is dropped. So these tests read `outputs`.
"""

from __future__ import annotations

import asyncio

import ipywidgets as w
import pandas as pd

from integration_lab.notebook.widgets import control_panel


async def answered(out: w.Output, timeout: float = 5.0) -> tuple[dict, ...]:
    """The Output widget's outputs once the click's task has written its answer."""
    for _ in range(int(timeout / 0.01)):
        await asyncio.sleep(0.01)
        if out.outputs and "running…" not in out.outputs[0].get("text", ""):
            return out.outputs
    raise AssertionError(f"no answer within {timeout} s: {out.outputs}")


def parts(panel: w.VBox):
    *_, button, out = panel.children
    return button, out


async def test_a_click_shows_the_result_in_the_output_widget_state_and_the_error_as_one_line():
    calls = []

    async def pay(card, amount):
        calls.append((card, amount))
        await asyncio.sleep(0)  # answers after the click handler has returned, as a kernel task does
        if amount <= 0:
            raise ValueError("amount must be positive")
        return pd.DataFrame({"card": [card], "amount": [amount], "status": ["succeeded"]})

    amount = w.IntText(500)
    panel = control_panel("Pay", {"card": w.Text("pm_card_visa"), "amount": amount}, pay, button="Pay")
    button, out = parts(panel)
    assert "Pay" in panel.children[0].value and button.description == "Pay" and out.outputs == ()

    button.click()
    assert out.outputs and out.outputs[0]["text"] == "running…\n" and button.disabled  # not yet answered
    (shown,) = await answered(out)
    assert shown["output_type"] == "display_data" and not button.disabled
    assert "<table" in shown["data"]["text/html"] and "succeeded" in shown["data"]["text/plain"]

    amount.value = 0
    button.click()
    assert await answered(out) == ({"output_type": "stream", "name": "stderr",
                                    "text": "ValueError: amount must be positive\n"},)

    amount.value = 700  # the panel survives the error and replaces the old answer
    button.click()
    (shown,) = await answered(out)
    assert "700" in shown["data"]["text/plain"] and "ValueError" not in str(out.outputs)
    assert calls == [("pm_card_visa", 500), ("pm_card_visa", 0), ("pm_card_visa", 700)]


async def test_text_is_shown_as_text_and_a_plain_function_works_too():
    async def greet(name):
        return f"Hello, {name}!"

    button, out = parts(control_panel("Greet", {"name": w.Text("Ada")}, greet))
    button.click()
    assert await answered(out) == ({"output_type": "stream", "name": "stdout", "text": "Hello, Ada!\n"},)

    button, out = parts(control_panel("Nothing", {}, lambda: None))
    button.click()
    assert "returned nothing" in (await answered(out))[0]["text"]

    def broken():
        raise KeyError("retry_after")

    button, out = parts(control_panel("Broken", {}, broken))
    button.click()
    assert (await answered(out))[0]["text"] == "KeyError: 'retry_after'\n"


def test_outside_a_running_loop_a_click_runs_to_the_end():
    async def double(n):
        return n * 2

    button, out = parts(control_panel("Double", {"n": w.IntText(21)}, double))
    button.click()
    assert out.outputs[0]["data"]["text/plain"] == "42"
