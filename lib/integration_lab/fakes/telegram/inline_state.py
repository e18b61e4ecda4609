"""Inline mode's state of a bot: its BotFather settings, the inline queries people typed and the answers the bot
gave, the messages people sent through it (inline messages), web app queries and prepared messages.

methods.py imports this module (never inline_methods.py) to edit an inline message: `inline_message` finds the
message an `inline_message_id` names, with Telegram's errors, and `edit_answer` says what an edit answers (True
for an inline message, the Message otherwise).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from .control_routes import family_state
from .errors import bad_request
from .inline_results import Result, well_formed_inline_id
from .params import Args
from .state import Account, Bot, Chat, Message

# Telegram's apps give up on an answer after about 10 seconds; later answers get QUERY_ID_INVALID.
# UNCONFIRMED exactly: bots report the error at 10.3 s (pyTelegramBotAPI#270) and not below 10 s.
ANSWER_WINDOW = 10
MAX_QUERIES = 256  # inline queries kept per bot (older ones can no longer be answered anyway)
MAX_INLINE_MESSAGES = 1_000  # inline messages a bot can still edit in the lab; older ones are forgotten
MAX_CACHED = 1_024  # answers Telegram holds for the bot (cache_time); the oldest go first
MAX_OUTSIDE = 256  # chats the bot is not in that the lab remembers (where people sent results)
MAX_QUERY = 256  # characters of an inline query (InlineQuery.query: "up to 256 characters")
PREPARED_LIFETIME = 24 * 3600  # UNCONFIRMED: how long a prepared inline message stays usable


@dataclass
class Settings:
    """What BotFather sets: /setinline (inline mode and its placeholder), /setinlinefeedback, /setinlinegeo."""
    inline_mode: bool = False  # a new bot has none; getMe's supports_inline_queries says it
    feedback: bool = True  # chosen_inline_result updates (BotFather's default is off; the lab's is on)
    placeholder: str = "Search..."
    location: bool = False  # the apps share the person's location with the query
    answer_window: float = ANSWER_WINDOW  # a lab knob, not BotFather's: longer for slow machines running real bots

    def to_api(self) -> dict:
        return {"inline_mode": self.inline_mode, "feedback": self.feedback, "placeholder": self.placeholder,
                "location": self.location, "answer_window": self.answer_window}


@dataclass
class Answer:
    results: list[Result]
    cache_time: int
    is_personal: bool
    next_offset: str
    button: dict | None
    answered_at: float


@dataclass
class Query:
    id: str
    person: Account
    query: str
    offset: str
    chat: Chat  # where the person typed it: the message goes there
    chat_type: str | None
    location: dict | None
    asked_at: float
    answer: Answer | None = None
    from_cache: bool = False

    def to_api(self) -> dict:
        """InlineQuery, fields in Client::JsonInlineQuery's order."""
        query: dict[str, Any] = {"id": self.id, "from": self.person.to_api()}
        if self.location is not None:
            query["location"] = self.location
        if self.chat_type:
            query["chat_type"] = self.chat_type
        query.update(query=self.query, offset=self.offset)
        return query


@dataclass
class WebAppQuery:
    id: str
    person: Account
    chat: Chat
    answered: bool = False


@dataclass
class Prepared:
    id: str
    user_id: int
    result: Result
    chat_types: dict[str, bool]
    expiration_date: int


@dataclass
class InlineState:
    settings: Settings = field(default_factory=Settings)
    queries: OrderedDict[str, Query] = field(default_factory=OrderedDict)
    cache: dict[tuple, tuple[Query, float]] = field(default_factory=dict)  # Telegram's cache of answers
    messages: OrderedDict[str, Message] = field(default_factory=OrderedDict)  # inline_message_id -> message
    outside: OrderedDict[int, Chat] = field(default_factory=OrderedDict)  # chats the bot is not in
    web_app: OrderedDict[str, WebAppQuery] = field(default_factory=OrderedDict)
    prepared: OrderedDict[str, Prepared] = field(default_factory=OrderedDict)

    def remember_query(self, query: Query) -> None:
        self.queries[query.id] = query
        while len(self.queries) > MAX_QUERIES:
            self.queries.popitem(last=False)

    def remember_message(self, inline_message_id: str, message: Message) -> None:
        self.messages[inline_message_id] = message
        while len(self.messages) > MAX_INLINE_MESSAGES:
            self.messages.popitem(last=False)

    def remember_answer(self, key: tuple, query: Query, until: float) -> None:
        self.cache.pop(key, None)
        self.cache[key] = (query, until)
        while len(self.cache) > MAX_CACHED:
            del self.cache[next(iter(self.cache))]

    def remember_chat(self, chat: Chat) -> None:
        self.outside[chat.id] = chat
        while len(self.outside) > MAX_OUTSIDE:
            self.outside.popitem(last=False)

    def drop_expired(self, now: float) -> None:
        for key in [k for k, (_, until) in self.cache.items() if until <= now]:
            del self.cache[key]


def state(bot: Bot) -> InlineState:
    """The bot's inline state (reset() forgets it: the settings go back to the lab's defaults)."""
    return family_state(bot, "inline", InlineState)


def inline_message(bot: Bot, args: Args) -> Message:
    """The message an edit's inline_message_id names: Client::get_inline_message_id, then TDLib's
    get_input_bot_inline_message_id, then Telegram's servers (UNCONFIRMED: MESSAGE_ID_INVALID for a well-formed
    identifier of no message of this bot)."""
    inline_id = args.arg("inline_message_id")
    if not inline_id:
        raise bad_request("message identifier is not specified")
    if not well_formed_inline_id(inline_id):
        raise bad_request("invalid inline message identifier specified")
    message = state(bot).messages.get(inline_id)
    if message is None or message.deleted:
        raise bad_request("MESSAGE_ID_INVALID")
    return message


def is_inline(message: Message) -> bool:
    """A message a person sent through a bot (via_bot): the bot edits it by inline_message_id."""
    return "via_bot" in message.content


def edit_answer(message: Message) -> dict | bool:
    """What an edit method answers: True for an inline message (TdOnEditInlineMessageCallback), else the Message."""
    return True if is_inline(message) else message.to_api()
