"""What the notebooks show: outcome lines, keyspace tables, plots (the widget panels: test_widgets.py)."""

from __future__ import annotations

import matplotlib
import pandas as pd

matplotlib.use("Agg")
from matplotlib.colors import to_hex  # noqa: E402 - after choosing the headless backend

from integration_lab.notebook.outcomes import attempt  # noqa: E402
from integration_lab.notebook.plots import OUTCOME_COLOURS, crash_strip, decision_timeline  # noqa: E402
from integration_lab.notebook.redis_view import keyspace_state, keyspace_table  # noqa: E402


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
    assert state["log"] == ["one", "two"] and state["events"] == "stream"


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
