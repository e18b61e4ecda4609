"""The answer to a catalogue method no family handles with state of its own: its parameters checked the way
the reference server checks the common ones, then the smallest result of its documented type.

Every family module (registry.py) replaces these answers method by method with real state; what is left here is
the floor that keeps a team's bot from stopping at "method not found".
"""

from __future__ import annotations

from typing import Callable

from .catalogue import example, fields, returns
from .errors import bad_request
from .params import Args, to_integer
from .state import Bot
from .world import TelegramFake


def check_common(fake: TelegramFake, bot: Bot, args: Args, method: str) -> None:
    """The parameters most methods share, in the catalogue's order, with the reference server's words
    (Client.cpp of tdlib/telegram-bot-api: check_chat, get_user_id, get_message_id)."""
    for field in fields(method):
        name = field["name"]
        if not field["required"]:
            continue
        if name == "chat_id":
            raw = args.arg("chat_id")
            if not raw:
                raise bad_request("chat_id is empty")
            if not raw.startswith("@"):
                fake.chat_for_bot(bot, to_integer(raw, 64))
            elif not any(c.person and c.person.username == raw[1:] for c in bot.chats.values()):
                raise bad_request("chat not found")
        elif name == "user_id" and to_integer(args.arg("user_id"), 64) <= 0:
            raise bad_request("invalid user_id specified")
        elif name == "message_id" and to_integer(args.arg("message_id")) <= 0:
            raise bad_request("message identifier is not specified")


def answer_from_catalogue(method: str) -> Callable:
    kind = returns(method)

    def answer(fake: TelegramFake, bot: Bot, args: Args):
        check_common(fake, bot, args, method)
        return True if kind in ("Boolean", "True") else example(kind)

    answer.__name__ = f"generic_{method}"
    return answer
