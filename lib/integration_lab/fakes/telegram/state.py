"""What Telegram knows: accounts, chats, messages, each bot's update queue and webhook. No HTTP here.

Every `to_api()` returns the object exactly as the Bot API serialises it: optional fields are left out
rather than sent as null, and `date` is whole seconds since the epoch.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

# Updates a bot gets when it never said which it wants (Telegram's default leaves these three out).
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
UPDATE_LIFETIME = 24 * 3600
# Kinds the Bot API server keeps a shorter time (Client.cpp of tdlib/telegram-bot-api, add_update's timeout):
# an inline query nobody fetched in 30 s is gone, a chosen result in 10 minutes. (callback_query, shipping_query and
# pre_checkout_query get 150 s there; not applied here yet.)
SHORT_LIFETIMES = {"inline_query": 30, "chosen_inline_result": 600}
CALLBACK_ANSWER_WINDOW = 15  # seconds; Telegram's apps stop waiting for an answer at about this point


@dataclass
class Account:
    """A Telegram user: a person, or a bot (then `is_bot`)."""

    id: int
    first_name: str
    is_bot: bool = False
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    deactivated: bool = False

    def to_api(self) -> dict:
        user = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name is not None:
            user["last_name"] = self.last_name
        if self.username is not None:
            user["username"] = self.username
        if self.language_code is not None:
            user["language_code"] = self.language_code
        return user


@dataclass
class Chat:
    id: int
    type: str  # private | group | supergroup | channel
    title: str | None = None
    person: Account | None = None  # the other side of a private chat
    members: set[int] = field(default_factory=set)
    migrated_to: int | None = None
    bot_removed: bool | str = False  # or the 403 words for how the bot left (members.set_status)
    messages: dict[int, "Message"] = field(default_factory=dict)
    next_message_id: int = 1
    extra: dict[str, Any] = field(default_factory=dict)  # a method family's state of this chat, by family name
    toasts: list["Toast"] = field(default_factory=list)  # what answerCallbackQuery showed people here
    public: dict[str, Any] = field(default_factory=dict)  # Chat fields a family shows: username, is_forum (JsonChat)

    def to_api(self) -> dict:
        chat: dict[str, Any] = {"id": self.id}
        if self.type == "private":
            chat["first_name"] = self.person.first_name
            if self.person.last_name:
                chat["last_name"] = self.person.last_name
            if self.person.username:
                chat["username"] = self.person.username
        else:
            chat["title"] = self.title
            chat.update(self.public)
        chat["type"] = self.type
        return chat

    def full_info(self) -> dict:
        """getChat's ChatFullInfo: the Chat fields plus the ones the catalogue requires."""
        info = self.to_api()
        info.update(accent_color_id=self.id % 7, max_reaction_count=11,
                    accepted_gift_types={"unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                                         "premium_subscription": False, "gifts_from_channels": False})
        return info

    def instance_for(self, bot_id: int) -> str:
        """CallbackQuery.chat_instance: stable per (bot, chat), opaque to the bot."""
        digest = hashlib.sha256(f"{bot_id}:{self.id}".encode()).digest()
        return str(int.from_bytes(digest[:8], "big") - 2**63)


@dataclass
class Message:
    message_id: int
    chat: Chat
    sender: Account
    date: int
    text: str | None = None
    entities: list[dict] = field(default_factory=list)
    reply_markup: dict | None = None
    reply_to: "Message | None" = None
    edit_date: int | None = None
    deleted: bool = False
    service: dict = field(default_factory=dict)  # migrate_to_chat_id, group_chat_created, …
    content: dict = field(default_factory=dict)  # photo, caption, poll, location, …: the Message fields as sent

    def to_api(self, with_reply: bool = True) -> dict:
        message: dict[str, Any] = {"message_id": self.message_id}
        if self.chat.type == "channel":  # a channel post is sent on behalf of the channel (Client.cpp JsonMessage)
            message["sender_chat"] = self.chat.to_api()
        else:
            message["from"] = self.sender.to_api()
        message.update(chat=self.chat.to_api(), date=self.date)
        if self.reply_to is not None and with_reply:
            message["reply_to_message"] = self.reply_to.to_api(with_reply=False)  # Telegram nests one level
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.text is not None:
            message["text"] = self.text
        if self.entities:
            message["entities"] = self.entities
        message.update(self.content)
        if self.reply_markup:
            message["reply_markup"] = self.reply_markup
        message.update(self.service)
        return message


@dataclass
class CallbackRecord:
    id: str
    user_id: int
    asked_at: float
    answered: bool = False
    answer: str = ""  # the toast the person saw (answerCallbackQuery's text)
    chat_id: int | None = None  # where the pressed button was (None: an inline message)
    message_id: int | None = None


@dataclass
class Toast:
    """A callback answer's text as the person saw it: a notification at the top of the chat, or an alert."""
    message_id: int  # the message whose button was pressed
    date: int
    text: str
    alert: bool
    after: int = 0  # the chat's newest message id when it showed: where it sits in the transcript


@dataclass
class Webhook:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    target: str = ""  # the URL deliveries request (td's reading of `url`); defaults to `url`
    # what webhook.py keeps while delivering (its queues, retries, requests in flight); gone with the webhook
    delivery: Any = field(default=None, repr=False, compare=False)
    tasks: set = field(default_factory=set, repr=False, compare=False)  # its requests in flight (asyncio tasks)

    def info(self, pending: int) -> dict:
        info: dict[str, Any] = {"url": self.url, "has_custom_certificate": False, "pending_update_count": pending}
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        info["max_connections"] = self.max_connections
        if self.allowed_updates:
            info["allowed_updates"] = list(self.allowed_updates)
        return info

    def close(self) -> None:
        """Replaced or deleted: its requests in flight are abandoned, as WebhookActor::close drops its connections.
        Their updates stay pending (nothing confirmed them); an answer arriving later is not read."""
        for task in list(self.tasks):
            loop = task.get_loop()
            if loop.is_closed():
                continue
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                task.cancel()
            else:  # the fake served from another thread: cancel where the task runs
                loop.call_soon_threadsafe(task.cancel)

    def __repr__(self) -> str:  # the secret token stays out of logs
        return f"Webhook({self.url!r}, secret={'set' if self.secret_token else 'none'}, in_flight={len(self.tasks)})"


@dataclass
class Bot:
    account: Account
    token: str
    revoked: bool = False
    blocked_by: set[int] = field(default_factory=set)
    updates: deque[dict] = field(default_factory=deque)
    queued_at: deque[tuple[int, float]] = field(default_factory=deque)  # (update_id, lab time it arrived)
    next_update_id: int = 1
    allowed_updates: list[str] | None = None
    webhook: Webhook | None = None
    chats: dict[int, Chat] = field(default_factory=dict)
    callbacks: dict[str, CallbackRecord] = field(default_factory=dict)
    poll_generation: int = 0  # a newer getUpdates terminates the one in flight
    short_lived: dict[int, float] = field(default_factory=dict)  # update_id -> when it expires (SHORT_LIFETIMES)
    extra: dict[str, Any] = field(default_factory=dict)  # a method family's state of this bot, by family name
    # Counters webhook delivery reads to follow `updates` without walking it: how many were ever queued, and how
    # many times updates left it other than by a webhook's confirmation (expiry, getUpdates' offset, dropping)
    queued_count: int = 0
    forgotten_count: int = 0

    def use_webhook(self, hook: Webhook | None) -> None:
        """setWebhook, deleteWebhook, logOut: the webhook before this one stops delivering at once."""
        if self.webhook is not None and self.webhook is not hook:
            self.webhook.close()
        self.webhook = hook

    def wants(self, update: dict) -> bool:
        allowed = self.webhook.allowed_updates if self.webhook else self.allowed_updates
        kind = next(k for k in update if k != "update_id")
        return kind in allowed if allowed else kind not in DEFAULT_EXCLUDED_UPDATES

    def pending(self) -> list[dict]:
        return [u for u in self.updates if self.wants(u)]

    def remember(self, query: CallbackRecord) -> None:
        """Keep a callback query while it can still be answered; older ones are forgotten."""
        while self.callbacks:
            oldest = next(iter(self.callbacks.values()))
            if oldest.asked_at >= query.asked_at - CALLBACK_ANSWER_WINDOW:
                break
            del self.callbacks[oldest.id]
        self.callbacks[query.id] = query

    def queue(self, update: dict, now: float) -> None:
        self.expire(now)
        self.updates.append(update)
        self.queued_count += 1
        self.queued_at.append((update["update_id"], now))
        lifetime = SHORT_LIFETIMES.get(next(k for k in update if k != "update_id"))
        if lifetime is not None:
            self.short_lived[update["update_id"]] = now + lifetime

    def expire(self, now: float) -> None:
        """Telegram keeps an unconfirmed update 24 hours at most (Bot API docs, "Getting updates")."""
        while self.queued_at and self.queued_at[0][1] <= now - UPDATE_LIFETIME:
            update_id, _ = self.queued_at.popleft()
            while self.updates and self.updates[0]["update_id"] <= update_id:
                self.updates.popleft()
                self.forgotten_count += 1
        while self.queued_at and (not self.updates or self.queued_at[0][0] < self.updates[0]["update_id"]):
            self.queued_at.popleft()  # confirmed meanwhile
        if self.short_lived:
            gone = {i for i, until in self.short_lived.items() if until <= now}
            if gone:
                self.updates = deque(u for u in self.updates if u["update_id"] not in gone)
                self.forgotten_count += 1
            first = self.updates[0]["update_id"] if self.updates else float("inf")
            self.short_lived = {i: until for i, until in self.short_lived.items() if i not in gone and i >= first}

    def expires_at(self, update_id: int) -> float:
        """When the server stops keeping this pending update (`expire`)."""
        until = next((at + UPDATE_LIFETIME for uid, at in self.queued_at if uid == update_id), float("inf"))
        return min(until, self.short_lived.get(update_id, until))

    def drop_updates(self) -> None:
        self.forgotten_count += 1
        self.updates.clear()
        self.queued_at.clear()
        self.short_lived.clear()

    def __repr__(self) -> str:
        return f"Bot(@{self.account.username}, token={redact_token(self.token)})"


def redact_token(token: str) -> str:
    """'123456:AAE…' -> '123456:***': the bot id is public, the secret half is not."""
    head, _, _ = token.partition(":")
    return f"{head}:***"
