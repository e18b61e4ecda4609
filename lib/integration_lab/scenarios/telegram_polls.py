"""Polls, reactions, copies and forwards in a shop's group, for notebooks/telegram/08_polls_and_reactions.

The notebook plays the bot (`shop_world(lab, mode="manual")`) through our client's generic `call`; people vote,
react and forward through the fake's person actions (fakes/telegram/interactive_people.py), the same ones the
control API's /_lab routes run. Every view is a DataFrame nbval compares; the picture sits beside its table.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from ..app.telegram.client import TelegramError
from ..fakes.telegram import interactive_people as person
from ..fakes.telegram.interactive_state import describe
from ..notebook.picture import Picture

UPDATE_COLUMNS = ["update", "who", "what"]


async def attempt_call(world, method: str, **params) -> Any:
    """A Bot API call's result, or Telegram's refusal in its words ("Bad Request: ...") instead of an exception."""
    try:
        return await world.api.call(method, **params)
    except TelegramError as error:
        return error.description


async def receive(world, allowed: list[str]) -> list[dict]:
    """One getUpdates round as a polling bot makes it (asking for `allowed`), confirming what it got."""
    updates = await world.api.call("getUpdates", offset=world.offset, allowed_updates=allowed, timeout=0)
    if updates:
        world.offset = updates[-1]["update_id"] + 1
    return updates


def vote_all(world, chat_id: int, message_id: int, votes: dict[str, list[int]]) -> pd.DataFrame:
    """Each person votes in turn; a refused vote shows the app's reason instead of a result."""
    rows = []
    for name, option_ids in votes.items():
        try:
            answer = person.vote(world.people, chat_id, world.user(name), message_id, option_ids)
            outcome = {True: "correct", False: "wrong"}.get(answer.get("correct"), "counted")
        except ValueError as refused:
            outcome = f"refused: {refused}"
        rows.append({"voter": name, "chose": ", ".join(map(str, option_ids)) or "(retract)", "outcome": outcome})
    return pd.DataFrame(rows, columns=["voter", "chose", "outcome"])


def poll_table(world, chat_id: int, message_id: int) -> pd.DataFrame:
    """The poll as the chat sees it now: each option with its votes and share."""
    poll = person.message_view(world.people, chat_id, message_id)["message"]["poll"]
    total = sum(o["voter_count"] for o in poll["options"]) or 1
    correct = set(poll.get("correct_option_ids", []))
    rows = [{"option": o["text"], "votes": o["voter_count"], "share %": round(100 * o["voter_count"] / total),
             "correct": (i in correct) if poll["type"] == "quiz" else "—"} for i, o in enumerate(poll["options"])]
    return pd.DataFrame(rows, columns=["option", "votes", "share %", "correct"])


def poll_picture(table: pd.DataFrame, title: str):
    fig = Figure(figsize=(6, 0.6 + 0.45 * len(table)))  # no pyplot: the kernel fork server preloads scenarios/
    ax = fig.subplots()
    colours = ["tab:green" if c is True else "tab:blue" for c in table["correct"]]
    ax.barh(table["option"], table["votes"], color=colours)
    ax.invert_yaxis()  # first option on top, as in the table
    ax.set_xlabel("votes")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title)
    fig.tight_layout()
    return Picture(fig)


def updates_table(world, updates: list[dict]) -> pd.DataFrame:
    """What the bot received, one row an update: its kind, who did it, what changed."""
    names = {u["id"]: n for n, u in world.users.items()}
    rows = []
    for update in updates:
        kind = next(k for k in update if k != "update_id")
        body = update[kind]
        who = names.get((body.get("user") or body.get("from") or {}).get("id"), "—")
        if kind == "poll_answer":
            what = f"chose {body['option_ids']}"
        elif kind == "poll":
            what = f"{body['total_voter_count']} voted" + (", closed" if body["is_closed"] else "")
        elif kind == "message_reaction":
            what = f"{_emoji(body['old_reaction'])} → {_emoji(body['new_reaction'])} on message {body['message_id']}"
        elif kind in ("message", "edited_message"):
            what = body.get("text") or next((k for k in ("location", "contact", "poll") if k in body), "?")
        else:
            what = "—"
        rows.append({"update": kind, "who": who, "what": what})
    return pd.DataFrame(rows, columns=UPDATE_COLUMNS)


def _emoji(reactions: list[dict]) -> str:
    return " ".join(r.get("emoji") or f"custom:{r.get('custom_emoji_id')}" for r in reactions) or "(none)"


def react_all(world, chat_id: int, message_id: int, reactions: dict[str, str]) -> pd.DataFrame:
    """Each person sets one emoji on the message (an empty string takes theirs back)."""
    for name, emoji in reactions.items():
        chosen = [{"type": "emoji", "emoji": emoji}] if emoji else []
        person.react(world.people, chat_id, world.user(name), message_id, chosen)
    return reactions_table(world, chat_id, message_id)


def reactions_table(world, chat_id: int, message_id: int) -> pd.DataFrame:
    counts = person.message_view(world.people, chat_id, message_id)["reactions"]
    rows = [{"reaction": _emoji([c["type"]]), "count": c["total_count"]} for c in counts]
    return pd.DataFrame(rows, columns=["reaction", "count"])


def chat_table(world, chat_id: int) -> pd.DataFrame:
    """The chat as people see it: who sent each message, what it shows, whether it is forwarded or protected."""
    names = {u["id"]: n for n, u in world.users.items()}
    chat = world.fake.default_bot.chats[chat_id]
    rows = []
    for message in chat.messages.values():
        if message.deleted or message.service:
            continue
        origin = message.content.get("forward_origin")
        rows.append({"message_id": message.message_id,
                     "from": "bot" if message.sender.is_bot else names.get(message.sender.id, message.sender.first_name),
                     "shows": describe(message),
                     "forwarded from": _origin_name(origin, names) if origin else "",
                     "protected": bool(message.content.get("has_protected_content"))})
    return pd.DataFrame(rows, columns=["message_id", "from", "shows", "forwarded from", "protected"]
                        ).set_index("message_id")


def _origin_name(origin: dict, names: dict[int, str]) -> str:
    if origin["type"] == "user":
        user = origin["sender_user"]
        return "bot" if user["is_bot"] else names.get(user["id"], user["first_name"])
    return origin.get("sender_user_name") or (origin.get("chat") or origin.get("sender_chat") or {}).get("title", "?")


async def copy_vs_forward(world, from_chat: int, to_chat: int, message_id: int) -> pd.DataFrame:
    """The same message forwarded and copied: what each call answers and what the copy or forward shows."""
    rows = []
    for method in ("forwardMessage", "copyMessage"):
        result = await attempt_call(world, method, chat_id=to_chat, from_chat_id=from_chat, message_id=message_id)
        if isinstance(result, str):
            rows.append({"method": method, "answer": result, "new message": "", "forward_origin": ""})
            continue
        shown = person.message_view(world.people, to_chat, result["message_id"])["message"]
        origin = shown.get("forward_origin")
        rows.append({"method": method, "answer": "Message" if "chat" in result else "MessageId",
                     "new message": result["message_id"],
                     "forward_origin": f"{origin['type']} ({_origin_name(origin, {})})" if origin else "(none)"})
    return pd.DataFrame(rows, columns=["method", "answer", "new message", "forward_origin"])
