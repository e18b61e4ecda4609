"""The Bot API methods a shop bot uses, on the model, with Telegram's checks, their order and wording.

Each method takes the fake, the calling bot and its `Args` (every value text, params.py) and returns the
`result` (or a `Described` result when Telegram adds a description). getUpdates waits, so it is async.
Checks run in the reference server's order (Client.cpp of tdlib/telegram-bot-api): what the server parses
itself first (text, parse mode, entities, reply parameters, markup), then the chat, then what Telegram
checks on the message; a refused call changes nothing.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Callable

from . import inline_state, inputs
from .errors import (
    CONFLICT_POLLING,
    CONFLICT_WEBHOOK,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    ApiError,
    bad_request,
    too_many_requests,
)
from .formatting import render, utf16_len
from .params import Args, byte_len, is_utf8, to_integer
from .state import CALLBACK_ANSWER_WINDOW, Bot, Chat, Message, Toast, Webhook
from .world import TelegramFake

MAX_TEXT = 4096  # UTF-16 units of a message, after parsing
MAX_TEXT_BYTES = 1 << 15  # what get_formatted_text takes before parsing ("Text is too long")
CHAT_ACTIONS = {"cancel", "typing", "record_video", "upload_video", "record_audio", "record_voice", "upload_audio",
                "upload_voice", "upload_photo", "upload_document", "choose_sticker", "pick_up_location",
                "find_location", "record_video_note", "upload_video_note"}
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]*")


@dataclass
class Described:
    result: Any
    description: str


@dataclass
class _Text:
    """A message text as the server parsed it, before Telegram's own checks."""
    text: str
    entities: list[dict]
    parsed: bool  # a parse_mode produced it (then UTF-8 was checked already)


def _chat(fake: TelegramFake, bot: Bot, args: Args) -> Chat:
    """Client::check_chat: a username, or an integer read leniently ("12abc" is 12, "abc" is 0)."""
    raw = args.arg("chat_id")
    if not raw:
        raise bad_request("chat_id is empty")
    if raw.startswith("@"):
        match = [c for c in bot.chats.values() if c.person and c.person.username == raw[1:]]
        if not match:
            raise bad_request("chat not found")
        return fake.chat_for_bot(bot, match[0].id)
    return fake.chat_for_bot(bot, to_integer(raw, 64))


def _message_id(args: Args) -> int:
    """Client::get_message_id: an int32 read leniently; a negative one is none."""
    return max(to_integer(args.arg("message_id")), 0)


def _message(chat: Chat, message_id: int, missing: str) -> Message:
    message = chat.messages.get(message_id) if message_id > 0 else None
    if message is None or message.deleted:
        raise bad_request(missing)
    return message


def _read_text(args: Args) -> _Text:
    """Client::get_input_message_text: emptiness, size, parse mode or entities."""
    text = args.arg("text")
    if not text:
        raise bad_request("message text is empty")
    if byte_len(text) > MAX_TEXT_BYTES:
        raise bad_request("text is too long")
    parse_mode = args.arg("parse_mode")
    if parse_mode and parse_mode.lower() != "none":
        text, entities = render(text, parse_mode)
        return _Text(text, entities, parsed=True)
    return _Text(text, inputs.entities(args), parsed=False)


def _checked_text(found: _Text) -> tuple[str, list[dict]]:
    """TDLib's checks on the text of a message it is asked to send or edit."""
    inputs.check_entities(found.entities)
    if not found.parsed and not is_utf8(found.text):
        raise bad_request("strings must be encoded in UTF-8")
    if not found.text.strip():
        raise bad_request("message text is empty")
    if utf16_len(found.text) > MAX_TEXT:
        raise bad_request("message is too long")
    if found.parsed:
        return found.text, found.entities
    return render(found.text, None, inputs.fit_entities(found.entities, utf16_len(found.text)))


def get_me(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    inline_mode = inline_state.state(bot).settings.inline_mode  # BotFather's /setinline
    return {**bot.account.to_api(), "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": inline_mode, "can_connect_to_business": False, "has_main_web_app": False}


def send_message(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    found = _read_text(args)
    reply_id, without_reply = inputs.reply_to(args)
    markup = inputs.reply_markup(args)
    chat = _chat(fake, bot, args)
    text, entities = _checked_text(found)
    reply_to = replied_message(chat, reply_id, without_reply)
    check_flood(fake, bot, chat)
    return fake.post(chat, bot.account, text, entities, markup, reply_to).to_api()


def replied_message(chat: Chat, reply_id: int, without_reply: bool) -> Message | None:
    """The message a send replies to; a missing one is an error unless allow_sending_without_reply."""
    reply_to = chat.messages.get(reply_id) if reply_id else None
    if reply_id and (reply_to is None or reply_to.deleted):
        if not without_reply:
            raise bad_request("message to be replied not found")
        reply_to = None
    return reply_to


# What Telegram checks on the chat before any message is sent (a family adds its own, e.g. chats_methods: posting
# in a channel needs can_post_messages); run by check_flood, which every send method calls last
SEND_CHECKS: list[Callable[[TelegramFake, Bot, Chat], None]] = []


def check_flood(fake: TelegramFake, bot: Bot, chat: Chat) -> None:
    """The families' send checks, then Telegram's flood limits, the last check before a message is sent (a
    refused send costs nothing)."""
    for check in SEND_CHECKS:
        check(fake, bot, chat)
    wait = fake.flood.check(bot.account.id, chat.id, chat.type)
    if wait:
        raise too_many_requests(wait)


def _editable(fake: TelegramFake, bot: Bot, args: Args) -> Message:
    message_id = _message_id(args)
    if not args.arg("chat_id") and message_id == 0:
        return inline_state.inline_message(bot, args)  # a message sent via the bot: edited by inline_message_id
    message = _message(_chat(fake, bot, args), message_id, "message to edit not found")
    if message.sender is not bot.account:
        raise bad_request("message can't be edited")
    return message


def edit_message_text(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    found = _read_text(args)
    markup = inputs.reply_markup(args)  # leaving it out removes the keyboard, as on Telegram
    message = _editable(fake, bot, args)
    if message.text is None:  # a photo, a document, …: TDLib's editMessageText
        raise bad_request("there is no text in the message to edit")
    text, entities = _checked_text(found)
    if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.text, message.entities, message.reply_markup = text, entities, markup
    message.edit_date = int(fake.clock.time())
    return inline_state.edit_answer(message)


def edit_message_reply_markup(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    markup = inputs.reply_markup(args)
    message = _editable(fake, bot, args)
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    message.reply_markup = markup
    message.edit_date = int(fake.clock.time())
    return inline_state.edit_answer(message)


def delete_message(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    if not args.arg("chat_id"):
        raise bad_request("chat identifier is not specified")
    message_id = _message_id(args)
    if message_id == 0:
        raise bad_request("message identifier is not specified")
    _message(_chat(fake, bot, args), message_id, "message to delete not found").deleted = True
    return True


def answer_callback_query(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    query = bot.callbacks.get(args.arg("callback_query_id"))
    if query is None or query.answered or fake.clock.time() - query.asked_at > CALLBACK_ANSWER_WINDOW:
        raise bad_request(QUERY_TOO_OLD)
    query.answered = True
    query.answer = args.arg("text") if args.has("text") else ""
    chat = bot.chats.get(query.chat_id) if query.chat_id is not None else None
    if query.answer and chat is not None:  # no text: the apps only stop the button's spinner
        chat.toasts.append(Toast(query.message_id, int(fake.clock.time()), query.answer, args.flag("show_alert"),
                                 chat.next_message_id - 1))
        del chat.toasts[:-fake.history]
    return True


def send_chat_action(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    if args.arg("action").lower() not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    _chat(fake, bot, args)
    return True


def get_chat(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    raw = args.arg("chat_id")
    if not raw:
        raise bad_request("chat_id is empty")
    chat = bot.chats.get(to_integer(raw, 64))
    if chat is None:
        raise bad_request("chat not found")
    return chat.full_info()


def take_updates(fake: TelegramFake, bot: Bot, args: Args) -> list[dict]:
    """getUpdates without the wait: confirm by offset, then up to `limit` updates the bot wants."""
    offset = args.int32("offset")
    limit = args.int32("limit", 100, 1, 100)
    allowed = inputs.allowed_updates(args)
    if allowed is not None:
        bot.allowed_updates = allowed or None
    if offset < 0:
        while len(bot.updates) > -offset:
            bot.updates.popleft()
            bot.forgotten_count += 1
    elif offset:
        while bot.updates and bot.updates[0]["update_id"] < offset:
            bot.updates.popleft()
            bot.forgotten_count += 1
    bot.expire(fake.clock.time())
    return bot.pending()[:limit]


async def get_updates(fake: TelegramFake, bot: Bot, args: Args) -> list[dict]:
    if bot.webhook is not None:
        raise ApiError(409, CONFLICT_WEBHOOK)
    bot.poll_generation += 1
    generation = bot.poll_generation
    fake.wake()  # a poll already waiting is now terminated
    deadline = fake.clock.time() + args.int32("timeout", 0, 0, 50)
    while True:
        updates = take_updates(fake, bot, args)
        remaining = deadline - fake.clock.time()
        if updates or remaining <= 0:
            return updates
        await fake.changed(real_timeout=remaining)
        if bot.poll_generation != generation:
            raise ApiError(409, CONFLICT_POLLING)
        if bot.webhook is not None:
            return []


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def set_webhook(fake: TelegramFake, bot: Bot, args: Args) -> Described:
    url = args.arg("url")
    if not url:
        return delete_webhook(fake, bot, args)
    parsed = inputs.webhook_url(url)
    secret = args.arg("secret_token")
    if byte_len(secret) > 256:
        raise bad_request("secret token is too long")
    if not _SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    if parsed.scheme != "https" and not _loopback(parsed.host):  # plain http only to a bot on this machine, in the lab
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    allowed = inputs.allowed_updates(args)
    hook = Webhook(url, secret or None, args.int32("max_connections", 40, 1, 100), allowed or None,
                   target=parsed.target)
    drop = args.flag("drop_pending_updates")
    if drop:
        bot.drop_updates()
    # the same settings keep the webhook and its deliveries; dropping the pending updates never does (Client.cpp)
    old = bot.webhook
    same = not drop and old is not None and (old.url, old.secret_token, old.max_connections, old.allowed_updates) \
        == (hook.url, hook.secret_token, hook.max_connections, hook.allowed_updates)
    if same:
        return Described(True, "Webhook is already set")
    bot.use_webhook(hook)
    fake.wake()  # a long poll in flight ends
    return Described(True, "Webhook was set")


def delete_webhook(fake: TelegramFake, bot: Bot, args: Args) -> Described:
    if args.flag("drop_pending_updates"):
        bot.drop_updates()
    if bot.webhook is None:
        return Described(True, "Webhook is already deleted")
    bot.use_webhook(None)
    return Described(True, "Webhook was deleted")


def get_webhook_info(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    bot.expire(fake.clock.time())
    pending = len(bot.pending())
    if bot.webhook is None:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}
    return bot.webhook.info(pending)


# the messaging and update methods; registry.py joins every family into the one table the wire looks up
MESSAGE_METHODS: dict[str, Callable] = {
    "getMe": get_me, "sendMessage": send_message, "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup, "deleteMessage": delete_message,
    "answerCallbackQuery": answer_callback_query, "sendChatAction": send_chat_action, "getChat": get_chat,
    "getUpdates": get_updates, "setWebhook": set_webhook, "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info}
