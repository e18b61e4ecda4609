"""The Bot API methods a shop bot uses, on the model, with Telegram's checks and wording.

Each method takes the fake, the calling bot and its `Params` and returns the `result` (or a `Described`
result when Telegram adds a description). getUpdates waits, so it is async; the rest are plain calls.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

from .errors import (CONFLICT_POLLING, CONFLICT_WEBHOOK, NOT_MODIFIED, QUERY_TOO_OLD, ApiError, bad_request,
                     too_many_requests)
from .formatting import render, utf16_len
from .state import Bot, Chat, Message, Webhook
from .world import TelegramFake

MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64
CALLBACK_ANSWER_WINDOW = 15  # seconds; Telegram's apps stop waiting for an answer at about this point
CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
                "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"}
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]*$")


@dataclass
class Described:
    result: Any
    description: str


class Params:
    """Parameters as they arrived: typed from JSON, strings from a query string or a form."""

    def __init__(self, raw: dict[str, Any]):
        self.raw = raw

    def has(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def string(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value) if isinstance(value, (dict, list)) else str(value)

    def integer(self, name: str, default: int | None = None, error: str | None = None) -> int | None:
        value = self.raw.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            value = int(value)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(error or f"invalid {name} specified") from None

    def boolean(self, name: str) -> bool:
        value = self.raw.get(name)
        return value is True or (isinstance(value, str) and value.lower() in ("true", "1")) or value == 1

    def json(self, name: str, error: str) -> Any:
        value = self.raw.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(error) from None
        return value


def _chat(fake: TelegramFake, bot: Bot, params: Params) -> Chat:
    raw = params.raw.get("chat_id")
    if raw in (None, ""):
        raise bad_request("chat_id is empty")
    if isinstance(raw, str) and raw.startswith("@"):
        match = [c for c in bot.chats.values() if c.person and c.person.username == raw[1:]]
        if not match:
            raise bad_request("chat not found")
        return fake.chat_for_bot(bot, match[0].id)
    return fake.chat_for_bot(bot, params.integer("chat_id", error="chat not found"))


def _message(chat: Chat, params: Params, missing: str) -> Message:
    if not params.has("message_id"):
        raise bad_request("message identifier is not specified")
    message = chat.messages.get(params.integer("message_id", error=missing))
    if message is None or message.deleted:
        raise bad_request(missing)
    return message


def _reply_markup(params: Params) -> dict | None:
    markup = params.json("reply_markup", "can't parse reply keyboard markup JSON object")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup  # reply keyboards and ForceReply are shown to the user, not stored on the message
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("can't parse inline keyboard button: Field \"inline_keyboard\" must be of type Array")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request("can't parse inline keyboard button: Field \"text\" must be of type String")
            if len(button) == 1:
                raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
            data = button.get("callback_data")
            if data is not None and (not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA):
                raise bad_request("BUTTON_DATA_INVALID")
    return {"inline_keyboard": rows} if rows else None


def _text(params: Params) -> tuple[str, list[dict]]:
    text = params.string("text")
    entities = params.json("entities", "can't parse entities JSON object")
    if not text or not text.strip():
        raise bad_request("message text is empty")
    text, entities = render(text, params.string("parse_mode"), entities)
    if not text.strip():
        raise bad_request("message text is empty")
    if utf16_len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text, entities


def get_me(fake: TelegramFake, bot: Bot, params: Params) -> dict:
    return {**bot.account.to_api(), "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False}


def send_message(fake: TelegramFake, bot: Bot, params: Params) -> dict:
    chat = _chat(fake, bot, params)
    text, entities = _text(params)
    markup = _reply_markup(params)
    reply_parameters = params.json("reply_parameters", "can't parse reply parameters JSON object") or {}
    reply_id = reply_parameters.get("message_id") or params.integer("reply_to_message_id")
    reply_to = chat.messages.get(reply_id) if reply_id else None
    if reply_id and (reply_to is None or reply_to.deleted):
        if not (reply_parameters.get("allow_sending_without_reply") or params.boolean("allow_sending_without_reply")):
            raise bad_request("message to be replied not found")
        reply_to = None
    wait = fake.flood.check(bot.account.id, chat.id, chat.type)
    if wait:
        raise too_many_requests(wait)
    stored = markup if markup and "inline_keyboard" in markup else None
    return fake.post(chat, bot.account, text, entities, stored, reply_to).to_api()


def _editable(fake: TelegramFake, bot: Bot, params: Params) -> Message:
    if not params.has("chat_id") and params.has("inline_message_id"):
        raise bad_request("message identifier is not specified")  # inline messages are not modelled
    message = _message(_chat(fake, bot, params), params, "message to edit not found")
    if message.sender is not bot.account:
        raise bad_request("message can't be edited")
    return message


def edit_message_text(fake: TelegramFake, bot: Bot, params: Params) -> dict:
    message = _editable(fake, bot, params)
    text, entities = _text(params)
    markup = _reply_markup(params)  # leaving it out removes the keyboard, as on Telegram
    if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.text, message.entities, message.reply_markup = text, entities, markup
    message.edit_date = int(fake.clock.time())
    return message.to_api()


def edit_message_reply_markup(fake: TelegramFake, bot: Bot, params: Params) -> dict:
    message = _editable(fake, bot, params)
    markup = _reply_markup(params)
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    message.reply_markup = markup
    message.edit_date = int(fake.clock.time())
    return message.to_api()


def delete_message(fake: TelegramFake, bot: Bot, params: Params) -> bool:
    message = _message(_chat(fake, bot, params), params, "message to delete not found")
    message.deleted = True
    return True


def answer_callback_query(fake: TelegramFake, bot: Bot, params: Params) -> bool:
    query = bot.callbacks.get(params.string("callback_query_id") or "")
    if query is None or query.answered or fake.clock.time() - query.asked_at > CALLBACK_ANSWER_WINDOW:
        raise bad_request(QUERY_TOO_OLD)
    query.answered = True
    return True


def send_chat_action(fake: TelegramFake, bot: Bot, params: Params) -> bool:
    _chat(fake, bot, params)
    if params.string("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


def get_chat(fake: TelegramFake, bot: Bot, params: Params) -> dict:
    raw = params.integer("chat_id", error="chat not found") if params.has("chat_id") else None
    if raw is None:
        raise bad_request("chat_id is empty")
    chat = bot.chats.get(raw)
    if chat is None:
        raise bad_request("chat not found")
    return chat.full_info()


def take_updates(fake: TelegramFake, bot: Bot, params: Params) -> list[dict]:
    """getUpdates without the wait: confirm by offset, then up to `limit` updates the bot wants."""
    offset = params.integer("offset", 0)
    limit = min(max(params.integer("limit", 100), 1), 100)
    allowed = params.json("allowed_updates", "can't parse allowed_updates JSON object")
    if allowed is not None:
        bot.allowed_updates = list(allowed) or None
    if offset < 0:
        while len(bot.updates) > -offset:
            bot.updates.popleft()
    elif offset:
        while bot.updates and bot.updates[0]["update_id"] < offset:
            bot.updates.popleft()
    return bot.pending()[:limit]


async def get_updates(fake: TelegramFake, bot: Bot, params: Params) -> list[dict]:
    if bot.webhook is not None:
        raise ApiError(409, CONFLICT_WEBHOOK)
    bot.poll_generation += 1
    generation = bot.poll_generation
    fake.wake()  # a poll already waiting is now terminated
    deadline = fake.clock.time() + min(max(params.integer("timeout", 0), 0), 50)
    while True:
        updates = take_updates(fake, bot, params)
        remaining = deadline - fake.clock.time()
        if updates or remaining <= 0:
            return updates
        await fake.changed(real_timeout=remaining)
        if bot.poll_generation != generation:
            raise ApiError(409, CONFLICT_POLLING)
        if bot.webhook is not None:
            return []


def _webhook_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        raise bad_request("invalid webhook URL specified")
    if parts.scheme == "https":
        return url
    try:  # a lab fake must reach a local bot, so plain http is allowed to loopback addresses only
        loopback = parts.hostname == "localhost" or ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme == "http" and loopback:
        return url
    raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")


def set_webhook(fake: TelegramFake, bot: Bot, params: Params) -> Described:
    url = params.string("url", "")
    if not url:
        return delete_webhook(fake, bot, params)
    url = _webhook_url(url)
    secret = params.string("secret_token")
    if secret is not None:
        if len(secret) > 256:
            raise bad_request("secret token is too long")
        if not _SECRET_TOKEN.match(secret):
            raise bad_request("secret token contains unallowed characters")
    allowed = params.json("allowed_updates", "can't parse allowed_updates JSON object")
    hook = Webhook(url, secret or None, min(max(params.integer("max_connections", 40), 1), 100), allowed or None)
    if params.boolean("drop_pending_updates"):
        bot.updates.clear()
    same = bot.webhook is not None and (bot.webhook.url, bot.webhook.secret_token, bot.webhook.max_connections,
                                        bot.webhook.allowed_updates) == (hook.url, hook.secret_token,
                                                                         hook.max_connections, hook.allowed_updates)
    if same:
        return Described(True, "Webhook is already set")
    bot.webhook = hook
    fake.wake()  # a long poll in flight ends
    return Described(True, "Webhook was set")


def delete_webhook(fake: TelegramFake, bot: Bot, params: Params) -> Described:
    if params.boolean("drop_pending_updates"):
        bot.updates.clear()
    if bot.webhook is None:
        return Described(True, "Webhook is already deleted")
    bot.webhook = None
    return Described(True, "Webhook was deleted")


def get_webhook_info(fake: TelegramFake, bot: Bot, params: Params) -> dict:
    pending = len(bot.pending())
    if bot.webhook is None:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}
    return bot.webhook.info(pending)


# lower-cased names: Telegram matches method names case-insensitively
METHODS: dict[str, Callable] = {name.lower(): fn for name, fn in {
    "getMe": get_me, "sendMessage": send_message, "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup, "deleteMessage": delete_message,
    "answerCallbackQuery": answer_callback_query, "sendChatAction": send_chat_action, "getChat": get_chat,
    "getUpdates": get_updates, "setWebhook": set_webhook, "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info}.items()}
