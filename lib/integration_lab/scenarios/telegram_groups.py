"""The groups-and-members scenario: people run a supergroup or a channel through the control API, the notebook
plays the bot through our Bot API client, and every view is a DataFrame (a picture beside one).

People act with the same routes a test in any language uses (`/_lab/chats`, `/_lab/chats/{id}/bot`, `…/join`,
`/_lab/invite_links/join`, `…/posts`); the bot hears with getUpdates asking for chat_member too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..app.telegram import BotApi
from ..fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from ..fakes.telegram import control as control_api
from ..notebook.outcomes import attempt

HEARD = ["message", "channel_post", "my_chat_member", "chat_member", "chat_join_request"]


@dataclass
class GroupWorld:
    lab: Any
    fake: TelegramFake
    people: People
    api: BotApi
    users: dict[str, dict] = field(default_factory=dict)
    offset: int | None = None
    heard: list[dict] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)  # (t, who, status) for the picture
    started: float = 0.0
    last: Any = None  # the last successful result of `bot`

    def user(self, name: str) -> dict:
        """A person (made up once per name, with a seeded id)."""
        if name not in self.users:
            self.users[name] = {"id": self.lab.ids.integer(100_000_000, 999_999_999), "first_name": name}
        return self.users[name]

    def name(self, user_id: int) -> str:
        if user_id == self.fake.default_bot.account.id:
            return "our bot"
        return next((n for n, u in self.users.items() if u["id"] == user_id), str(user_id))

    async def person(self, path: str, body: dict | None = None, verb: str = "POST") -> dict:
        """A person acts through the control API, as any test would: the answer's JSON, or its error."""
        await self.lab.advance(1)
        reply = await control_api.handle(self.fake, verb, f"/_lab/{path}", json.dumps(body or {}).encode())
        answer = json.loads(reply.body)
        if not answer.get("ok"):
            return {"error": answer["error"]}
        return answer

    async def bot(self, method: str, **params) -> str:
        """The bot calls a method: 'ok: …' or the error our client raises, as one comparable line (the result
        itself stays in `last`)."""
        await self.lab.advance(1)
        self.last = None

        async def call():
            self.last = await self.api.call(method, **params)
            return self.last

        return await attempt(call)

    async def join_by_link(self, chat_id: int, name: str, needs_approval: bool) -> str:
        """The bot makes an invite link; `name` opens it; a join request is heard and approved. The link's outcome."""
        made = await self.bot("createChatInviteLink", chat_id=chat_id, name="ads", creates_join_request=needs_approval)
        if self.last is None:
            return made
        await self.person("invite_links/join", {"from": self.user(name), "invite_link": self.last["invite_link"]})
        if needs_approval:
            await self.hear()
            await self.bot("approveChatJoinRequest", chat_id=chat_id, user_id=self.user(name)["id"])
        return f"ok: {'a link that needs approval' if needs_approval else 'a link'} named ads"

    async def hear(self) -> pd.DataFrame:
        """One getUpdates round (chat_member asked for): what the bot heard, one row per update."""
        updates = await self.api.get_updates(self.offset, allowed_updates=HEARD)
        rows = []
        for update in updates:
            self.offset = update["update_id"] + 1
            kind = next(k for k in update if k != "update_id")
            rows.append(self._row(kind, update[kind]))
        self.heard += rows
        return pd.DataFrame(rows, columns=["update", "chat", "by", "about", "change"])

    def _row(self, kind: str, body: dict) -> dict:
        row = {"update": kind, "chat": body["chat"].get("title", ""), "by": "", "about": "", "change": ""}
        if kind in ("my_chat_member", "chat_member"):
            old, new = body["old_chat_member"]["status"], body["new_chat_member"]["status"]
            about = body["new_chat_member"]["user"]["id"]
            row.update(by=self.name(body["from"]["id"]), about=self.name(about), change=f"{old} → {new}")
            if body.get("via_join_request"):
                row["change"] += " (approved request)"
            self.changes.append({"t": self.lab.clock.time() - self.started, "who": self.name(about), "status": new})
        elif kind == "chat_join_request":
            row.update(by=self.name(body["from"]["id"]), about=self.name(body["from"]["id"]),
                       change="asks to join" + (f" via {body['invite_link'].get('name', 'a link')}"
                                                if "invite_link" in body else ""))
        else:
            message = body
            sender = message.get("from", {}).get("id")
            row["by"] = self.name(sender) if sender else message.get("sender_chat", {}).get("title", "")
            row["change"] = _summary(message)
        return row

    def status_changes(self) -> pd.DataFrame:
        """Each status change the bot heard of: lab seconds since the start, who, the new status."""
        changes = pd.DataFrame(self.changes, columns=["t", "who", "status"])
        return pd.concat([changes, pd.DataFrame([{"t": self.lab.clock.time() - self.started + 1, "who": None,
                                                  "status": None}])], ignore_index=True)

    def heard_table(self) -> pd.DataFrame:
        return pd.DataFrame(self.heard, columns=["update", "chat", "by", "about", "change"])

    async def members(self, chat_id: int) -> pd.DataFrame:
        rows = (await self.person(f"chats/{chat_id}/members", verb="GET"))["members"]
        table = pd.DataFrame(rows, columns=["user_id", "name", "status", "rights", "until_date"])
        table["name"] = [self.name(i) for i in table["user_id"]]
        return table.drop(columns="user_id").set_index("name")

    def transcript(self, chat_id: int) -> pd.DataFrame:
        rows = self.people.transcript(chat_id)
        for row in rows:
            row["from"] = row["from"] if row["from"] != self.fake.default_bot.account.username else "our bot"
        return pd.DataFrame(rows, columns=["message_id", "from", "text", "deleted"]).set_index("message_id")

    async def close(self) -> None:
        await self.api.close()


def _summary(message: dict) -> str:
    if "new_chat_members" in message:
        return "joined: " + ", ".join(u["first_name"] for u in message["new_chat_members"])
    if "left_chat_member" in message:
        return "left: " + message["left_chat_member"]["first_name"]
    return message.get("text", "(service message)")


async def groups_world(lab) -> GroupWorld:
    """The fake Telegram and our Bot API client on it, in-process; nobody answers but the notebook."""
    fake = TelegramFake(lab.clock, lab.ids)
    api = BotApi(fake.default_bot.token, transport=AsyncTelegramTransport(fake), sleep=lab.advance)
    return GroupWorld(lab, fake, People(fake), api, started=lab.clock.time())
