"""The Telegram scenarios' world: the fake Telegram, our shop bot wired to it in-process, and tables.

`await shop_world(lab)` gives a `ShopWorld`: people act (`says`, `presses`), the bot hears them by
polling or by webhook (`mode`), and every view a notebook prints is a DataFrame.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import httpx
import pandas as pd

from ..app.bot import ShopBot, poll_once, webhook_app
from ..app.ratelimit import RateLimiter
from ..app.sessions import SessionStore
from ..app.shop import CATALOG as PRODUCTS  # the sample shop's catalog
from ..app.telegram import BotApi
from ..fakes.telegram import AsyncTelegramTransport, People, TelegramFake, deliver_all
from ..runtime.asgi import send_response

WEBHOOK_URL = "https://shop.example/telegram/webhook"


@dataclass
class ShopWorld:
    lab: Any
    fake: TelegramFake
    people: People
    api: BotApi
    bot: ShopBot
    mode: str  # "polling", "webhook", or "manual" (nobody answers: the notebook is the bot)
    think: float = 2.0  # seconds a person takes before each action (people do not type in bursts)
    offset: int | None = None
    users: dict[str, dict] = field(default_factory=dict)

    @property
    def token(self) -> str:
        return self.fake.default_bot.token

    def user(self, name: str) -> dict:
        """A person (made up once per name, with a seeded id)."""
        if name not in self.users:
            self.users[name] = {"id": self.lab.ids.integer(100_000_000, 999_999_999), "first_name": name}
        return self.users[name]

    async def says(self, name: str, text: str) -> None:
        await self.lab.advance(self.think)
        self.people.send(self.user(name)["id"], self.user(name), text)
        await self.sync()

    async def presses(self, name: str, button: str, message_id: int | None = None) -> None:
        """Press the button labelled `button` on the bot's latest message offering it (or on message_id)."""
        await self.lab.advance(self.think)
        chat = self.fake.default_bot.chats[self.user(name)["id"]]
        candidates = [m for m in chat.messages.values() if m.reply_markup and not m.deleted
                      and (message_id is None or m.message_id == message_id)]
        for message in reversed(candidates):
            for b in (x for row in message.reply_markup["inline_keyboard"] for x in row):
                if b["text"] == button:
                    self.people.press(chat.id, self.user(name), message.message_id, b["callback_data"])
                    return await self.sync()
        raise LookupError(f"no button {button!r} in {name}'s chat")

    async def sync(self) -> list[dict]:
        """Let the bot hear what happened: one polling round, or the due webhook deliveries."""
        if self.mode == "polling":
            self.offset = await poll_once(self.api, self.bot, self.offset)
            return []
        if self.mode == "webhook":
            return await deliver_all(self.fake, self.fake.webhook_client)
        return []

    async def play(self, script: list[dict]) -> pd.DataFrame:
        """Steps like {"user": "Ada", "says": "/start"}, {"user": "Ada", "presses": "Checkout"}, {"wait": 61},
        {"user": "Ada", "blocks": True}. Returns what the bot handled."""
        for step in script:
            if "wait" in step:
                await self.lab.advance(step["wait"])
            elif "says" in step:
                await self.says(step["user"], step["says"])
            elif "presses" in step:
                await self.presses(step["user"], step["presses"])
            elif step.get("blocks"):
                self.people.block(self.user(step["user"])["id"])
            else:
                raise ValueError(f"unknown step {step!r}: use says, presses, wait or blocks")
        return self.handled()

    async def sessions(self) -> pd.DataFrame:
        """Each user's conversation as stored in Redis (read without refreshing its TTL)."""
        rows = []
        for name, user in self.users.items():
            raw = await self.bot.sessions.peek(user["id"])
            cart = json.loads(raw["data"]).get("cart", []) if raw else []
            rows.append({"user": name, "state": raw.get("state", "—"), "cart": ", ".join(cart),
                         "expires in (min)": math.ceil(await self.bot.sessions.ttl(user["id"]) / 60) if raw else "—"})
        return pd.DataFrame(rows, columns=["user", "state", "cart", "expires in (min)"])

    def transcript(self, who: str | int) -> pd.DataFrame:
        """A chat, both directions: a person's name for their private chat, or a chat id."""
        rows = self.people.transcript(self.user(who)["id"] if isinstance(who, str) else who)
        return pd.DataFrame(rows, columns=["message_id", "direction", "text", "buttons", "edited", "deleted"]
                            ).set_index("message_id")

    def attempts(self) -> pd.DataFrame:
        """Every call our client made, each retry on its own row."""
        return pd.DataFrame([vars(a) for a in self.api.attempts], columns=["method", "attempt", "outcome", "waited"])

    def handled(self) -> pd.DataFrame:
        names = {u["id"]: n for n, u in self.users.items()}
        rows = [{"user": names.get(h.user_id, h.user_id), "input": h.input, "reply": h.reply} for h in self.bot.log]
        return pd.DataFrame(rows, columns=["user", "input", "reply"])

    async def webhook_info(self) -> pd.DataFrame:
        info = await self.api.get_webhook_info()
        return pd.DataFrame([{k: info.get(k, "") for k in ("url", "pending_update_count", "last_error_message")}])

    async def close(self) -> None:
        await self.api.close()
        if self.fake.webhook_client is not None:
            await self.fake.webhook_client.aclose()


async def shop_world(lab, mode: str = "polling", limits: bool = True, session_ttl: float = 900,
                     secret_token: str | None = "lab-webhook-secret", bot_secret_token: str | None = None,
                     max_retries: int = 3, receiver_failures: int = 0, products: dict[str, dict] = PRODUCTS) -> ShopWorld:
    """The fake Telegram plus our bot. `bot_secret_token` is what the bot expects (default: the same)."""
    if mode not in ("polling", "webhook", "manual"):
        raise ValueError("mode is 'polling', 'webhook' or 'manual'")
    fake = TelegramFake(lab.clock, lab.ids, limits=limits)
    token = fake.default_bot.token
    api = BotApi(token, transport=AsyncTelegramTransport(fake), sleep=lab.advance, max_retries=max_retries)
    bot = ShopBot(api, SessionStore(lab.redis, lab.keys, lab.clock, ttl=session_ttl),
                  RateLimiter(lab.redis, lab.keys, lab.clock, lab.ids), products, lab.redis, lab.keys)
    expected = secret_token if bot_secret_token is None else bot_secret_token
    receiver = failing_first(receiver_failures, webhook_app(bot, token, expected, lab.clock))
    fake.webhook_client = httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver))
    world = ShopWorld(lab, fake, People(fake), api, bot, mode)
    if mode == "webhook":
        await api.set_webhook(WEBHOOK_URL, secret_token=secret_token)
    return world


def failing_first(failures: int, app):
    """The bot's endpoint, down (503) for its first `failures` requests: a deploy, a crash, a cold start."""
    left = failures

    async def flaky(scope, receive, send):
        nonlocal left
        if scope["type"] == "http" and left > 0:
            left -= 1
            await send_response(send, 503, b"", {})
            return
        await app(scope, receive, send)

    return flaky if failures else app


def entities_table(message: dict) -> pd.DataFrame:
    """The entities Telegram found in a message, with the text each one covers."""
    text16 = message.get("text", "").encode("utf-16-le")
    rows = [{"type": e["type"], "offset": e["offset"], "length": e["length"],
             "covers": text16[2 * e["offset"]:2 * (e["offset"] + e["length"])].decode("utf-16-le"),
             "url": e.get("url", "")} for e in message.get("entities", [])]
    return pd.DataFrame(rows, columns=["type", "offset", "length", "covers", "url"])
