"""Show what an attempt did, error or not, as one line a notebook can print and nbval can compare."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

import pandas as pd


async def attempt(action: Callable[[], Awaitable[Any]] | Callable[[], Any]) -> str:
    """'ok: <result>' or '<ErrorClass>: <message>'; the error is the one the caller would get."""
    try:
        result = action()
        if hasattr(result, "__await__"):
            result = await result
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return f"ok: {result!r}"


def decision_grid(decisions: pd.DataFrame) -> pd.DataFrame:
    """One row per request time, one column per algorithm: 'allowed (2 left)' or 'refused, retry in 0.5 s'."""
    def cell(row) -> str:
        if row["allowed"]:
            return f"allowed ({row['remaining']} left)"
        return f"refused by {row['blocked by']}, retry in {row['retry after (s)']:g} s"

    grid = decisions.assign(decision=decisions.apply(cell, axis=1))
    return grid.pivot(index="t (s)", columns="algorithm", values="decision")[list(dict.fromkeys(decisions["algorithm"]))]
