"""What the notebooks show: outcome lines, keyspace tables, plots (the widget panels: test_widgets.py)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import nbformat
import pandas as pd

matplotlib.use("Agg")
from matplotlib.colors import to_hex  # noqa: E402 - after choosing the headless backend

from integration_lab.notebook.outcomes import attempt  # noqa: E402
from integration_lab.notebook.plots import OUTCOME_COLOURS, crash_strip, decision_timeline  # noqa: E402
from integration_lab.notebook.redis_view import keyspace_table  # noqa: E402
from integration_lab.runtime.snapshot import keyspace_state  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


async def test_attempt_shows_a_result_or_the_error_the_caller_would_get():
    async def later():
        return {"paid": True}

    assert await attempt(lambda: 2 + 2) == "ok: 4"
    assert await attempt(later) == "ok: {'paid': True}"
    assert await attempt(lambda: int("four")) == "ValueError: invalid literal for int() with base 10: 'four'"


async def test_keyspace_table_shows_every_type_without_the_prefix_and_cuts_long_values(lab):
    r, k = lab.redis, lab.keys
    await r.set(k.key("greeting"), "x" * 80, ex=30)
    await r.hset(k.key("cart"), mapping={"b": "2", "a": "1"})
    await r.rpush(k.key("log"), "one", "two")
    await r.sadd(k.key("tags"), "z", "a")
    await r.zadd(k.key("board"), {"ada": 2})
    await r.xadd(k.key("events"), {"kind": "paid"})  # a type the table does not read
    table = await keyspace_table(lab)
    assert list(table["key"]) == ["board", "cart", "events", "greeting", "log", "tags"]
    rows = table.set_index("key")
    assert rows.loc["cart", "value"] == "{'a': '1', 'b': '2'}" and rows.loc["tags", "value"] == "['a', 'z']"
    assert rows.loc["greeting", "value"] == "x" * 59 + "…" and rows.loc["greeting", "ttl (s)"] == 30
    assert rows.loc["events", "value"] == "<stream>" and rows.loc["log", "ttl (s)"] == -1
    state = await keyspace_state(lab)
    assert state["log"] == ["one", "two"] and state["events"] == "stream" and "greeting" in state
    await r.pexpire(k.key("greeting"), 4_000)  # in its last seconds: a real server may drop it between looks
    before = await keyspace_state(lab)
    assert before.expiring == {"greeting"} and before == state  # the same values, seen expiring once
    await r.delete(k.key("greeting"))  # what real time does to it: still the same state
    assert await keyspace_state(lab) == before and before == await keyspace_state(lab)
    await r.delete(k.key("log"))  # a key with no TTL gone: a change
    assert await keyspace_state(lab) != before and before != await keyspace_state(lab)
    await r.rpush(k.key("log"), "one", "two")
    await r.hset(k.key("cart"), "a", "9")  # a value changed: a change
    assert await keyspace_state(lab) != before


def decisions() -> pd.DataFrame:
    return pd.DataFrame({"t (s)": [0.0, 0.1, 0.2, 0.0, 0.1, 0.2], "algorithm": ["gcra"] * 3 + ["sliding_log"] * 3,
                         "allowed": [True, True, False, True, False, False]})


def test_decision_timeline_draws_a_row_per_algorithm_and_window_boundaries_only_when_asked():
    with_window = decision_timeline(decisions(), "/buy", window=1).axes[0]
    assert [t.get_text() for t in with_window.get_yticklabels()] == ["gcra", "sliding_log"]
    assert [list(line.get_xdata()) for line in with_window.get_lines()] == [[0, 0]]  # the window turning at 0 s
    assert decision_timeline(decisions(), "/buy").axes[0].get_lines() == []


def test_crash_strip_colours_each_cut_point_by_outcome_and_names_each_request_once():
    sweep = pd.DataFrame({"k": [0, 1, 2, 3], "cut before": ["HSETNX", "HSET", "ZADD", "GET"],
                          "request": ["Create", "Create", "Create", "Perform"],
                          "outcome": ["repaired", "stranded", "repaired", "not reached"]})
    ax = crash_strip(sweep, "Payme").axes[0]
    colours = [to_hex(bar.get_facecolor()) for bar in ax.patches]
    assert colours == [to_hex(OUTCOME_COLOURS[o]) for o in sweep["outcome"]]
    assert [t.get_text() for t in ax.texts] == ["Create", "Perform"]
    assert len(ax.get_lines()) == 1  # one divider between the two requests
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["repaired", "stranded", "not reached"]


class _Cells(HTMLParser):
    """The text of every <td> and <th> of an HTML table."""

    def __init__(self):
        super().__init__()
        self.cells, self._text = [], None

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th"):
            self._text = []

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._text is not None:
            self.cells.append("".join(self._text).strip())
            self._text = None


def table_cells(html: str) -> list[str]:
    parser = _Cells()
    parser.feed(html)
    return parser.cells


def test_the_lab_setup_prints_tables_whole(lab):
    sentence = "Your card is authorized for 20.00 USD; you will be charged when the order ships."
    table = pd.DataFrame({"bot says": [sentence] * 70, **{f"c{i}": range(70) for i in range(25)}})
    html = table._repr_html_()
    assert sentence in table_cells(html) and "..." not in table_cells(html) and "..." not in repr(table)


def test_no_executed_notebook_cuts_a_table_cell_or_shows_a_widget_repr():
    cut, widgets = [], []
    for path in sorted((ROOT / "outputs").rglob("*.ipynb")):
        where = str(path.relative_to(ROOT / "outputs"))
        for cell in nbformat.read(str(path), as_version=4).cells:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if "<table" in data.get("text/html", ""):  # a DataFrame: its HTML and its plain text form
                    cut += [(where, c) for c in table_cells(data["text/html"]) if c.endswith("...")]
                    cut += [(where, line) for line in data.get("text/plain", "").splitlines() if "..." in line]
                if "VBox(children=" in data.get("text/plain", "") + output.get("text", ""):
                    widgets.append(where)
    assert not cut, f"{len(cut)} table cells cut short, e.g. {cut[:5]}"
    assert not widgets, f"raw widget reprs in {len(widgets)} outputs, e.g. {widgets[:5]}"
