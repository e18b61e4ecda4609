"""What people do in inline mode, through the control API: type `@bot query` in a chat, see the bot's answer,
scroll for more, pick a result (the message goes to that chat `via_bot`), press a button on an inline message,
open the bot's web app, share a prepared message. Each action checks what the apps allow and raises
ValueError (400) or LookupError (404) otherwise.
"""

from __future__ import annotations

from typing import Any

from . import webapp
from .control_routes import route
from .inline_results import Picked, inline_message_id, valid_location
from .inline_state import (
    MAX_QUERY,
    InlineState,
    Prepared,
    Query,
    WebAppQuery,
    is_inline,
    state,
)
from .simulate import People
from .state import Account, Bot, CallbackRecord, Chat, Message
from .world import TelegramFake

CHAT_TYPES = ("sender", "private", "group", "supergroup", "channel")
_SUPERGROUP_BASE = -1_000_000_000_000


def _person(fake: TelegramFake, data: dict) -> Account:
    return fake.person(data.get("from"))


def _where(fake: TelegramFake, bot: Bot, person: Account, data: dict) -> tuple[Chat, str]:
    """The chat the person types in: one of the bot's chats (`chat_id`), or a chat the bot is not in
    (`chat_type` private, group, supergroup or channel; a new one unless `chat_id` names one made before)."""
    chat_id, kind = data.get("chat_id"), data.get("chat_type")
    if chat_id is not None and type(chat_id) is not int:
        raise ValueError('"chat_id" must be an integer')
    if kind is not None and kind not in CHAT_TYPES:
        raise ValueError(f'"chat_type" must be one of {", ".join(CHAT_TYPES)}')
    outside = state(bot).outside
    if chat_id in bot.chats or kind == "sender":
        chat = bot.chats.get(chat_id) if chat_id is not None else None
        if chat is None:  # the person's private chat with the bot, opened if it was not yet
            if chat_id not in (None, person.id):
                raise ValueError("a private chat's id is the user's id")
            chat = bot.chats.setdefault(person.id, Chat(person.id, "private", person=person))
        if chat.type == "private":
            if chat.person is not person:
                raise ValueError(f"chat {chat.id} is another person's private chat with the bot")
            return chat, "sender"
        if chat.migrated_to is not None:
            raise ValueError(f"chat {chat.id} was upgraded to {chat.migrated_to}")
        chat.members.add(person.id)
        return chat, chat.type
    if chat_id in outside:
        chat = outside[chat_id]
        return chat, "private" if chat.type == "private" else chat.type
    kind = kind or "private"
    if kind == "private":
        partner = fake.person(data.get("with") or {"id": chat_id or fake.ids.integer(100_000_000, 999_999_999),
                                                    "first_name": "Chat partner"})
        if chat_id not in (None, partner.id) or partner is person:
            raise ValueError("a private chat's id is the other person's id")
        chat = Chat(partner.id, "private", person=partner, members={person.id, partner.id})
    else:
        if chat_id is not None and chat_id >= 0:
            raise ValueError("a group's or channel's id is negative")
        new_id = chat_id or -fake.ids.integer(1_000_000_000, 4_999_999_999)
        if kind != "group" and chat_id is None:
            new_id += _SUPERGROUP_BASE
        title = data.get("title") or f"{person.first_name}'s {kind}"
        if not isinstance(title, str):
            raise ValueError('"title" must be a string')
        chat = Chat(new_id, kind, title=title, members={person.id})
    state(bot).remember_chat(chat)
    return chat, kind


def _location(data: dict, inline: InlineState) -> dict | None:
    """The person's location, shared only with a bot that asks for it (BotFather's /setinlinegeo)."""
    location = data.get("location")
    if location is None or not inline.settings.location:
        return None
    if not isinstance(location, dict) or not all(type(location.get(k)) in (int, float)
                                                  for k in ("latitude", "longitude")) \
            or not valid_location({k: float(location[k]) for k in ("latitude", "longitude")}):
        raise ValueError('"location" needs a "latitude" from -90 to 90 and a "longitude" from -180 to 180')
    return {"latitude": float(location["latitude"]), "longitude": float(location["longitude"])}


def type_query(fake: TelegramFake, bot: Bot, data: dict) -> dict:
    """The person types `@bot <query>` in a chat. The bot gets an inline_query update, unless Telegram still
    holds an answer to the same query (cache_time): then the person sees that answer and the bot hears nothing."""
    person = _person(fake, data)
    inline = state(bot)
    if not inline.settings.inline_mode:
        raise ValueError(f"@{bot.account.username} has no inline mode: BotFather's /setinline turns it on "
                         "(POST /_lab/inline/settings)")
    text, offset = data.get("query", ""), data.get("offset", "")
    if not isinstance(text, str) or len(text) > MAX_QUERY:
        raise ValueError(f'"query" must be a string of at most {MAX_QUERY} characters')
    if not isinstance(offset, str):
        raise ValueError('"offset" must be a string')
    chat, chat_type = _where(fake, bot, person, data)
    now = fake.clock.time()
    inline.drop_expired(now)
    query = Query(str(fake.ids.integer(10**17, 2**63 - 1)), person, text, offset, chat, chat_type,
                  _location(data, inline), now)
    cached = inline.cache.get((text, offset, person.id)) or inline.cache.get((text, offset, None))
    if cached is not None:  # UNCONFIRMED: the cache's key (query and offset, the person's own if is_personal)
        query.answer, query.from_cache = cached[0].answer, True
        inline.remember_query(query)
        return {"inline_query": None, "from_cache": True, "seen": seen(fake, bot, query)}
    inline.remember_query(query)
    fake.enqueue(bot, "inline_query", query.to_api())
    return {"inline_query": query.to_api(), "from_cache": False, "seen": seen(fake, bot, query)}


def switch_inline(fake: TelegramFake, bot: Bot, chat_id: int, data: dict) -> dict:
    """The person presses a switch_inline_query button on the bot's message: the app puts `@bot <query>` in the
    input field of the same chat (switch_inline_query_current_chat) or of a chat they choose (switch_inline_query,
    or switch_inline_query_chosen_chat within its allowed types), and the query goes out as if typed."""
    person = _person(fake, data)
    chat = bot.chats.get(chat_id)
    message = chat.messages.get(data.get("message_id")) if chat is not None else None
    if message is None or message.deleted or message.sender is not bot.account:
        raise LookupError(f"no bot message {data.get('message_id')} in chat {chat_id}")
    kinds = ("switch_inline_query_current_chat", "switch_inline_query", "switch_inline_query_chosen_chat")
    button = next((b for b in _keyboard(message) if b["text"] == data.get("text") and any(k in b for k in kinds)),
                  None)
    if button is None:
        raise ValueError(f"message {message.message_id} has no switch_inline_query button {data.get('text')!r}")
    to = data.get("to") or {}
    if not isinstance(to, dict):
        raise ValueError('"to" must be an object with "chat_id" or "chat_type"')
    if "switch_inline_query_current_chat" in button:
        where, query = {"chat_id": chat.id}, button["switch_inline_query_current_chat"]
    elif "switch_inline_query" in button:
        where, query = to, button["switch_inline_query"]
    else:
        chosen = button["switch_inline_query_chosen_chat"]
        where, query = to, chosen.get("query", "")
        kind = to.get("chat_type", "private")
        allowed = {"private": "allow_user_chats", "sender": "allow_bot_chats", "group": "allow_group_chats",
                   "supergroup": "allow_group_chats", "channel": "allow_channel_chats"}
        if "chat_id" not in to and not chosen.get(allowed.get(kind, "")):
            raise ValueError(f"this button does not offer {kind} chats")
    return type_query(fake, bot, {"from": person, "query": query, **{k: v for k, v in where.items()
                                                                     if k in ("chat_id", "chat_type", "with")}})


def find_query(bot: Bot, query_id: str) -> Query:
    query = state(bot).queries.get(query_id)
    if query is None:
        raise LookupError(f"no inline query {query_id} of this bot")
    return query


def seen(fake: TelegramFake, bot: Bot, query: Query) -> dict:
    """What the person's app shows for the query: the results in the bot's order, the button above them."""
    answer = query.answer
    view: dict[str, Any] = {"query_id": query.id, "query": query.query, "offset": query.offset,
                            "chat_id": query.chat.id, "chat_type": query.chat_type, "answered": answer is not None,
                            "from_cache": query.from_cache,
                            "waiting": answer is None and not query.from_cache
                            and fake.clock.time() - query.asked_at <= state(bot).settings.answer_window}
    if answer is not None:
        view.update(results=[r.shown for r in answer.results], next_offset=answer.next_offset,
                    button=answer.button, cache_time=answer.cache_time, is_personal=answer.is_personal)
    return view


def more(fake: TelegramFake, bot: Bot, query_id: str, data: dict) -> dict:
    """The person scrolls to the end of the results: the same query again with the answer's next_offset."""
    query = find_query(bot, query_id)
    if query.answer is None or not query.answer.next_offset:
        raise ValueError(f"inline query {query_id} has no more results (no next_offset)")
    return type_query(fake, bot, {"from": query.person, "query": query.query, "offset": query.answer.next_offset,
                                  "chat_id": query.chat.id, "location": query.location})


def press_results_button(fake: TelegramFake, people: People, query_id: str) -> dict:
    """The person presses the button above the results: a start_parameter button opens their private chat with
    the bot and sends `/start <parameter>` (a web_app button opens the web app: POST /_lab/webapps/open)."""
    query = find_query(people.bot, query_id)
    button = query.answer.button if query.answer is not None else None
    if button is None:
        raise ValueError(f"the answer to inline query {query_id} has no button")
    if "start_parameter" not in button:
        raise ValueError("a web_app button opens the bot's web app: POST /_lab/webapps/open")
    person = query.person
    return {"message": people.send(person.id, person.to_api(), f"/start {button['start_parameter']}")}


def send_via_bot(fake: TelegramFake, bot: Bot, person: Account, chat: Chat, picked: Picked) -> tuple[Message, str]:
    """The message a person sends through the bot (via_bot), and its inline_message_id. A bot in the chat gets
    it as a message update: privacy mode lets "messages sent via this bot" through."""
    if chat.type == "channel":
        raise ValueError("the lab does not post in channels: pick the result in a private chat or a group")
    content = {"via_bot": bot.account.to_api(), **picked.content}
    message = fake.post(chat, person, picked.text, picked.entities, picked.reply_markup, None, content=content)
    inline_id = inline_message_id(2, fake.ids.integer(1, 2**62), fake.ids.integer(-2**62, 2**62))
    state(bot).remember_message(inline_id, message)
    if bot.chats.get(chat.id) is chat and not chat.bot_removed:
        if chat.type == "private":
            bot.blocked_by.discard(person.id)  # writing to a bot unblocks it, as in the apps
        fake.enqueue(bot, "message", message.to_api())
    return message, inline_id


def _keyboard(message: Message) -> list[dict]:
    return [b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]


def pick(fake: TelegramFake, bot: Bot, query_id: str, data: dict) -> dict:
    """The person taps a result: it is sent to the chat of the query, and the bot hears of it
    (chosen_inline_result) when inline feedback is on. inline_message_id is given only for a message with an
    inline keyboard (ChosenInlineResult, Bot API docs)."""
    query = find_query(bot, query_id)
    if data.get("from") is not None and _person(fake, data) is not query.person:
        raise ValueError("only the person who typed the query sees its results")
    if query.answer is None:
        raise ValueError(f"the bot has not answered inline query {query_id}: there is nothing to pick")
    if data.get("chat_id") is not None and data["chat_id"] != query.chat.id:
        raise ValueError(f"inline query {query_id} was typed in chat {query.chat.id}: its results are sent there")
    result_id = data.get("result_id")
    result = next((r for r in query.answer.results if r.id == result_id), None)
    if result is None:
        raise ValueError(f"the answer to inline query {query_id} has no result {result_id!r}")
    message, inline_id = send_via_bot(fake, bot, query.person, query.chat, result.sends)
    keyboard = bool(_keyboard(message))
    chosen = None
    if state(bot).settings.feedback:
        chosen = {"from": query.person.to_api()}  # Client::JsonChosenInlineResult's order
        if query.location is not None:
            chosen["location"] = query.location
        if keyboard:
            chosen["inline_message_id"] = inline_id
        chosen.update(query=query.query, result_id=result.id)
        fake.enqueue(bot, "chosen_inline_result", chosen)
    return {"message": message.to_api(), "chosen_inline_result": chosen,
            "inline_message_id": inline_id if keyboard else None}


def inline_message(bot: Bot, inline_id: str) -> Message:
    message = state(bot).messages.get(inline_id)
    if message is None or message.deleted:
        raise LookupError(f"no inline message {inline_id} of this bot")
    return message


def press(fake: TelegramFake, bot: Bot, inline_id: str, data: dict) -> dict:
    """A person in the chat presses a callback button on an inline message: the CallbackQuery carries
    inline_message_id instead of message (Client::JsonInlineCallbackQuery)."""
    person = _person(fake, data)
    message = inline_message(bot, inline_id)
    if not any(b.get("callback_data") == data.get("data") for b in _keyboard(message)):
        raise ValueError(f"inline message {inline_id} has no button with callback_data {data.get('data')!r}")
    query_id = str(fake.ids.integer(10**17, 10**19 - 1))
    query = {"id": query_id, "from": person.to_api(), "inline_message_id": inline_id,
             "chat_instance": message.chat.instance_for(bot.account.id), "data": data["data"]}
    bot.remember(CallbackRecord(query_id, person.id, fake.clock.time()))
    fake.enqueue(bot, "callback_query", query)
    return {"callback_query": query}


def open_web_app(fake: TelegramFake, bot: Bot, data: dict) -> dict:
    """The person opens the bot's web app from a keyboard or menu button in their private chat with it: the app
    gets initData with a query_id, which the bot answers with answerWebAppQuery."""
    person = _person(fake, data)
    chat = bot.chats.setdefault(person.id, Chat(person.id, "private", person=person))
    query = WebAppQuery(fake.ids.token("AA", 22), person, chat)
    queries = state(bot).web_app
    queries[query.id] = query
    while len(queries) > 256:
        queries.popitem(last=False)
    init = webapp.init_data(bot.token, person.to_api(), int(fake.clock.time()), query.id)
    return {"web_app_query_id": query.id, "init_data": init}


def _allowed(chat: Chat, prepared: Prepared) -> bool:
    if chat.type == "private":
        return prepared.chat_types["allow_bot_chats" if chat.person.is_bot else "allow_user_chats"]
    return prepared.chat_types["allow_channel_chats" if chat.type == "channel" else "allow_group_chats"]


def share_prepared(fake: TelegramFake, bot: Bot, prepared_id: str, data: dict) -> dict:
    """The Mini App calls shareMessage: the person picks a chat of an allowed type and the message goes there."""
    person = _person(fake, data)
    prepared = state(bot).prepared.get(prepared_id)
    if prepared is None or prepared.user_id != person.id:
        raise LookupError(f"no prepared message {prepared_id} for user {person.id}")
    if fake.clock.time() >= prepared.expiration_date:
        raise ValueError(f"prepared message {prepared_id} expired")
    chat, chat_type = _where(fake, bot, person, data)
    if chat_type == "sender" and not prepared.chat_types["allow_bot_chats"] or (
            chat_type != "sender" and not _allowed(chat, prepared)):
        raise ValueError(f"prepared message {prepared_id} may not be sent to a {chat_type} chat")
    message, inline_id = send_via_bot(fake, bot, person, chat, prepared.result.sends)
    return {"message": message.to_api(), "inline_message_id": inline_id if _keyboard(message) else None}


def chat_messages(bot: Bot, chat_id: int) -> list[dict]:
    """A chat the bot is not in, as the person sees it (the bot's own chats: GET /_lab/chats/<id>/messages)."""
    chat = state(bot).outside.get(chat_id)
    if chat is None:
        raise LookupError(f"no chat {chat_id} outside the bot's chats")
    return [{"message_id": m.message_id, "from": m.sender.username or m.sender.first_name,
             "via_bot": m.content.get("via_bot", {}).get("username"), "text": m.text or m.content.get("caption", ""),
             "kind": next((k for k in m.content if k not in ("via_bot", "caption", "caption_entities")), "text"),
             "buttons": " | ".join(b["text"] for b in _keyboard(m)), "edited": m.edit_date is not None}
            for m in chat.messages.values() if not m.deleted]


# ---- control routes -------------------------------------------------------------------------------------------

def _settings(fake: TelegramFake, people: People, match, data: dict) -> dict:
    settings = state(people.bot).settings
    for name, kind in (("inline_mode", bool), ("feedback", bool), ("location", bool), ("placeholder", str)):
        if name in data:
            if type(data[name]) is not kind:
                raise ValueError(f'"{name}" must be {"true or false" if kind is bool else "a string"}')
            setattr(settings, name, data[name])
    if "answer_window" in data:
        window = data["answer_window"]
        if type(window) not in (int, float) or not 1 <= window <= 600:
            raise ValueError('"answer_window" must be a number of seconds from 1 to 600')
        settings.answer_window = window
    return {"settings": settings.to_api()}


route("GET", r"^/_lab/inline/settings$")(_settings)
route("POST", r"^/_lab/inline/settings$")(_settings)


@route("POST", r"^/_lab/inline/queries$")
def _type(fake, people, match, data):
    return type_query(fake, people.bot, data)


@route("POST", r"^/_lab/chats/(-?\d+)/switch_inline$")
def _switch(fake, people, match, data):
    return switch_inline(fake, people.bot, int(match.group(1)), data)


@route("GET", r"^/_lab/inline/queries/(\d+)$")
def _seen(fake, people, match, data):
    return {"seen": seen(fake, people.bot, find_query(people.bot, match.group(1)))}


@route("POST", r"^/_lab/inline/queries/(\d+)/more$")
def _more(fake, people, match, data):
    return more(fake, people.bot, match.group(1), data)


@route("POST", r"^/_lab/inline/queries/(\d+)/pick$")
def _pick(fake, people, match, data):
    return pick(fake, people.bot, match.group(1), data)


@route("POST", r"^/_lab/inline/queries/(\d+)/button$")
def _button(fake, people, match, data):
    return press_results_button(fake, people, match.group(1))


@route("GET", r"^/_lab/inline/messages/([A-Za-z0-9_-]+)$")
def _message(fake, people, match, data):
    message = inline_message(people.bot, match.group(1))
    return {"message": message.to_api(), "inline": is_inline(message)}


@route("POST", r"^/_lab/inline/messages/([A-Za-z0-9_-]+)/callbacks$")
def _press(fake, people, match, data):
    return press(fake, people.bot, match.group(1), data)


@route("GET", r"^/_lab/inline/chats/(-?\d+)/messages$")
def _chat(fake, people, match, data):
    return {"messages": chat_messages(people.bot, int(match.group(1)))}


@route("POST", r"^/_lab/webapps/open$")
def _open(fake, people, match, data):
    return open_web_app(fake, people.bot, data)


@route("POST", r"^/_lab/inline/prepared/([A-Za-z0-9_-]+)/share$")
def _share(fake, people, match, data):
    return share_prepared(fake, people.bot, match.group(1), data)
