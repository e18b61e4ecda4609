"""A chat as a person sees it in a Telegram app: bubbles, photos, buttons, polls, toasts. HTML that needs nothing
from the internet (no fonts, scripts or images fetched; a photo is drawn as a box of its size), the same on every
run, so it can sit in a golden output beside the table nbval compares.

    ChatView(people, chat_id)        # displays itself in JupyterLab; .html() for the text
"""

from __future__ import annotations

import html
from typing import Any

from ..fakes.telegram import People
from ..fakes.telegram.inline_state import state as inline_state

_STYLE = """<style>
.tgv{font:14px/1.35 system-ui,sans-serif;background:#dfe8ef;padding:10px;border-radius:8px;max-width:560px}
.tgv .row{display:flex;margin:4px 0}.tgv .row.out{justify-content:flex-end}
.tgv .b{max-width:78%;background:#fff;border-radius:10px;padding:6px 9px;box-shadow:0 1px 1px #0002}
.tgv .out .b{background:#e1fec6}.tgv .who{font-size:12px;color:#3a7ab0;font-weight:600}
.tgv .meta{font-size:11px;color:#8a8a8a;text-align:right}.tgv .gone{opacity:.45;text-decoration:line-through}
.tgv .kb{display:grid;gap:3px;margin-top:4px}.tgv .kb span{background:#0002;border-radius:6px;padding:3px 6px;
text-align:center;font-size:13px}.tgv .sys{margin:6px auto;background:#0003;color:#fff;border-radius:10px;
padding:2px 10px;font-size:12px;text-align:center;max-width:80%}.tgv .toast{background:#333c}
.tgv .media{background:#9bb3c7;color:#fff;border-radius:6px;display:flex;align-items:center;justify-content:center;
margin-bottom:4px;font-size:12px}.tgv .opt{font-size:13px;margin:2px 0}.tgv .bar{height:4px;background:#5aa0d8;
border-radius:2px}.tgv .q{font-weight:600}.tgv .fwd{font-size:12px;color:#3a7ab0}
</style>"""

_ICONS = {"document": "📄", "audio": "🎵", "voice": "🎤", "video": "🎬", "animation": "GIF", "video_note": "⏺",
          "location": "📍", "venue": "📍", "contact": "👤", "game": "🎮", "checklist": "☑", "story": "📖"}


def _e(text: Any) -> str:
    return html.escape(str(text)).replace("\n", "<br>")


def _media(message: dict) -> str:
    if "photo" in message:
        size = message["photo"][-1]
        width, height = size.get("width", 320), size.get("height", 240)
        scale = min(1.0, 260 / max(width, 1))
        return (f'<div class="media" style="width:{round(width * scale)}px;height:{round(height * scale)}px">'
                f"🖼 {width}×{height}</div>")
    if "sticker" in message:
        return f'<div style="font-size:40px">{_e(message["sticker"].get("emoji", "🗒"))}</div>'
    if "dice" in message:
        return f'<div style="font-size:32px">{_e(message["dice"]["emoji"])} <b>{message["dice"]["value"]}</b></div>'
    if "poll" in message:
        return _poll(message["poll"])
    for kind, icon in _ICONS.items():
        if kind in message:
            return f'<div class="media" style="padding:6px">{icon} {_e(_describe(kind, message[kind]))}</div>'
    if "invoice" in message:
        invoice = message["invoice"]
        return f'<div class="media" style="padding:6px">🧾 {_e(invoice["title"])}</div>'
    return ""


def _describe(kind: str, value: dict) -> str:
    if kind in ("location", "venue"):
        place = value.get("location", value)
        title = f'{value["title"]}, ' if "title" in value else ""
        return f'{title}{place["latitude"]:.4f}, {place["longitude"]:.4f}'
    if kind == "contact":
        return f'{value["first_name"]} {value["phone_number"]}'
    name = value.get("file_name") or value.get("title") or kind
    if "duration" in value:
        name += f' {value["duration"] // 60}:{value["duration"] % 60:02d}'
    return name


def _poll(poll: dict) -> str:
    total = max(poll.get("total_voter_count", 0), 1)
    options = "".join(
        f'<div class="opt">{_e(o["text"])} · {o["voter_count"]}'
        f'<div class="bar" style="width:{round(100 * o["voter_count"] / total)}%"></div></div>'
        for o in poll["options"])
    kind = "Quiz" if poll.get("type") == "quiz" else "Poll"
    closed = " · closed" if poll.get("is_closed") else ""
    return (f'<div class="q">{_e(poll["question"])}</div>'
            f'<div class="meta" style="text-align:left">{kind}{closed}</div>{options}')


def _keyboard(markup: dict | None) -> str:
    rows = (markup or {}).get("inline_keyboard", [])
    if not rows:
        return ""
    cells = "".join(f'<div class="kb" style="grid-template-columns:repeat({len(row)},1fr)">'
                    + "".join(f"<span>{_e(b['text'])}</span>" for b in row) + "</div>" for row in rows)
    return cells


def _bubble(message: dict, bot_id: int, deleted: bool) -> str:
    sender = message.get("from", {})
    outgoing = sender.get("id") == bot_id
    name = message["sender_chat"].get("title", "") if "sender_chat" in message else sender.get("first_name", "")
    who = "" if outgoing else f'<div class="who">{_e(name)}</div>'
    forwarded = ""
    if "forward_origin" in message:
        origin = message["forward_origin"]
        name = (origin.get("sender_user") or {}).get("first_name") or (origin.get("chat") or {}).get("title") \
            or origin.get("sender_user_name", "")
        forwarded = f'<div class="fwd">Forwarded from {_e(name)}</div>'
    via = f'<div class="fwd">via @{_e(message["via_bot"]["username"])}</div>' if "via_bot" in message else ""
    text = message.get("text", message.get("caption", ""))
    meta = "edited " if "edit_date" in message else ""
    body = (f"{who}{forwarded}{via}{_media(message)}<div>{_e(text)}</div>"
            f'<div class="meta">{meta}#{message["message_id"]}</div>')
    gone = " gone" if deleted else ""
    return (f'<div class="row{" out" if outgoing else ""}"><div class="b{gone}">{body}'
            f'{_keyboard(message.get("reply_markup"))}</div></div>')


class ChatView:
    """One chat of `people`'s bot, drawn as the person in it sees it."""

    def __init__(self, people: People, chat_id: int):
        self.people, self.chat_id = people, chat_id

    def _chat_and_rows(self):
        """The bot's chat with its transcript, or a chat the bot is not in (where people picked an inline result)
        with its messages alone."""
        chat = self.people.bot.chats.get(self.chat_id)
        if chat is not None:
            return chat, self.people.transcript(self.chat_id)
        chat = inline_state(self.people.bot).outside.get(self.chat_id)
        if chat is None:
            raise LookupError(f"no chat {self.chat_id}")
        return chat, [{"message_id": m.message_id, "kind": "message", "direction": "user → user", "text": m.text}
                      for m in chat.messages.values()]

    def html(self) -> str:
        chat, rows = self._chat_and_rows()
        bot_id = self.people.bot.account.id
        messages = {m.message_id: m for m in chat.messages.values()}
        parts = []
        for row in rows:
            if row["kind"] in ("message", "service") and row["direction"] != "Telegram → user":
                message = messages[row["message_id"]]
                if row["kind"] == "service":
                    parts.append(f'<div class="sys">{_e(row["text"])}</div>')
                else:
                    parts.append(_bubble(message.to_api(), bot_id, message.deleted))
            else:
                css = "sys toast" if row["kind"] == "toast" else "sys"
                parts.append(f'<div class="{css}">{_e(row["text"])}</div>')
        title = chat.title or (chat.person.first_name if chat.person else str(chat.id))
        return f'{_STYLE}<div class="tgv"><div class="q">{_e(title)}</div>{"".join(parts)}</div>'

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:  # the plain-text form golden outputs keep: no address
        return f"ChatView(chat {self.chat_id}, {len(self._chat_and_rows()[1])} rows)"
