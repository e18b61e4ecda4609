"""Play a script of user actions against the session store and tabulate what each user saw."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..app.sessions import SessionError, SessionStore

ACTIONS = ("start", "look", "add_to_cart", "checkout", "pay", "cancel", "end", "cleanup")


async def _act(store: SessionStore, user: Any, action: str, product: Any) -> str:
    if action == "start":
        await store.start(user)
    elif action == "look":
        if await store.get(user) is None:
            return "no session"
    elif action == "end":
        await store.end(user)
    elif action == "cleanup":
        return "cleaned: " + (", ".join(await store.cleanup()) or "nobody")
    else:
        await store.transition(user, action)
        if action == "add_to_cart":
            session = await store.require(user)
            await store.update(user, cart=[*session.data.get("cart", []), product])
    return "ok"


async def play(lab, store: SessionStore, steps: list[dict[str, Any]]) -> pd.DataFrame:
    """Steps: {at: seconds from start, user: 101, do: one of ACTIONS, product: 7 (add_to_cart)}."""
    rows, now = [], 0.0
    for step in sorted(steps, key=lambda s: s["at"]):
        if step["do"] not in ACTIONS:
            raise ValueError(f"unknown action {step['do']!r}; use one of {', '.join(ACTIONS)}")
        if step["at"] > now:
            await lab.advance(step["at"] - now)
            now = step["at"]
        user = step.get("user", "")
        try:
            outcome = await _act(store, user, step["do"], step.get("product"))
        except SessionError as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        session = await store.peek(user) if user != "" else {}
        rows.append({
            "t (s)": now,
            "user": user,
            "action": step["do"],
            "outcome": outcome,
            "state": session.get("state", "—"),
            "data": session.get("data", "—"),
            "ttl (s)": await store.ttl(user) if user != "" else None,
        })
    return pd.DataFrame(rows)


def errors(transcript: pd.DataFrame) -> list[str]:
    """The error classes users met, in order (SessionExpired, InvalidTransition)."""
    return [outcome.split(":")[0] for outcome in transcript["outcome"] if outcome.split(":")[0].endswith(("Expired", "Transition"))]
