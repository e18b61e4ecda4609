"""What people do with polls, reactions, locations, contacts and their own messages, turned into the updates
a bot receives; and the control routes (/_lab/...) that let a test in any language do it.

Each action checks what a Telegram app allows (a vote on an open poll, an option that exists, a reaction from
the allowed list) and raises ValueError (400) or LookupError (404) otherwise, as simulate.People does.
Updates follow the Bot API documentation ("Update"): poll_answer only for non-anonymous polls and only to the
bot that sent the poll, poll (its new state) to that bot after every change, message_reaction for a person's
reaction in a private chat or group and message_reaction_count in a channel (anonymous reactions); the last
two reach a bot only when its allowed_updates names them (state.DEFAULT_EXCLUDED_UPDATES).
"""

from __future__ import annotations

import copy
from typing import Any

from .control_routes import route
from .formatting import command_entities
from .interactive_state import (
    REACTION_EMOJI,
    chat_state,
    close_due_polls,
    count_votes,
    describe,
    fake_state,
    message_extra,
    origin_of,
    poll_of,
    reaction_counts,
    refresh_poll,
    set_reaction,
)
from .simulate import People
from .state import Account, Chat, Message

MAX_PERSON_REACTIONS = 3  # UNCONFIRMED: a Premium user's cap; the lab lets every person set up to three


def _person_chat(people: People, chat_id: int, person: Account) -> Chat:
    """The chat a person acts in; a private chat opens on first use, a group must exist (as People.send)."""
    if chat_id > 0:
        if chat_id != person.id:
            raise ValueError("a private chat's id is the user's id")
        chat = people.bot.chats.setdefault(chat_id, Chat(chat_id, "private", person=person))
        people.bot.blocked_by.discard(person.id)
        return chat
    chat = people.bot.chats.get(chat_id)
    if chat is None:
        raise LookupError(f"no chat {chat_id} with this bot")
    if chat.migrated_to is not None:
        raise ValueError(f"chat {chat_id} was upgraded to {chat.migrated_to}")
    chat.members.add(person.id)
    return chat


def _message(people: People, chat_id: int, message_id: Any) -> tuple[Chat, Message]:
    chat = people.bot.chats.get(chat_id)
    if chat is None:
        raise LookupError(f"no chat {chat_id} with this bot")
    message = chat.messages.get(message_id) if type(message_id) is int else None
    if message is None or message.deleted:
        raise LookupError(f"no message {message_id} in chat {chat_id}")
    return chat, message


def _bot_sees(people: People, chat: Chat, message: Message) -> bool:
    """Privacy mode: in groups a bot sees commands, mentions and replies to it; in private chats everything."""
    if chat.type == "private":
        return True
    if message.reply_to is not None and message.reply_to.sender is people.bot.account:
        return True
    text = message.text or ""
    return bool(message.entities) or f"@{people.bot.account.username}" in text


def _reply_to(chat: Chat, reply_to_message_id: Any) -> Message | None:
    if reply_to_message_id is None:
        return None
    reply_to = chat.messages.get(reply_to_message_id) if type(reply_to_message_id) is int else None
    if reply_to is None or reply_to.deleted:
        raise ValueError(f"no message {reply_to_message_id} to reply to")
    return reply_to


def _number(data: dict, name: str, low: float, high: float, required: bool = True) -> float | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if type(value) not in (int, float) or not low <= value <= high:
        raise ValueError(f'"{name}" must be a number from {low} to {high}')
    return value


# ---- the actions ------------------------------------------------------------------------------------

def vote(people: People, chat_id: int, user: dict, message_id: Any, option_ids: Any) -> dict:
    """`user` votes in the poll of the message (an empty list retracts a vote where the poll allows it)."""
    person = people.fake.person(user)
    chat, message = _message(people, chat_id, message_id)
    close_due_polls(people.fake)
    state = poll_of(people.fake, message)
    if state is None:
        raise ValueError(f"message {message_id} in chat {chat_id} has no poll")
    if chat.type == "private" and chat.person.id != person.id:
        raise ValueError("only the chat's user sees a poll in a private chat")
    if state.is_closed:
        raise ValueError("the poll is closed")
    poll = state.poll
    if not isinstance(option_ids, list) or any(type(i) is not int for i in option_ids):
        raise ValueError('"option_ids" must be a list of option numbers (0-based)')
    chosen = sorted(set(option_ids))
    if any(not 0 <= i < len(poll["options"]) for i in chosen):
        raise ValueError(f"the poll has options 0 to {len(poll['options']) - 1}")
    if len(chosen) > 1 and not poll["allows_multiple_answers"]:
        raise ValueError("the poll allows one answer")
    before = state.votes.get(person.id, [])
    if before and not poll["allows_revoting"]:
        raise ValueError("this poll does not allow changing a vote")
    if not chosen and not before:
        raise ValueError("there is no vote to retract")
    if chosen == before:
        return {"poll": copy.deepcopy(message.content["poll"])}
    if chosen:
        state.votes[person.id] = chosen
    else:
        del state.votes[person.id]
    if chat.type != "private":
        chat.members.add(person.id)
    count_votes(state)
    refresh_poll(state)
    bot = people.fake.bot_by_id(state.bot_id)
    if not poll["is_anonymous"]:
        people.fake.enqueue(bot, "poll_answer", {
            "poll_id": poll["id"], "user": person.to_api(), "option_ids": chosen,
            "option_persistent_ids": [poll["options"][i]["persistent_id"] for i in chosen]})
    people.fake.enqueue(bot, "poll", copy.deepcopy(poll))
    answer: dict[str, Any] = {"poll": copy.deepcopy(message.content["poll"])}
    if poll["type"] == "quiz" and chosen:
        answer["correct"] = chosen == poll["correct_option_ids"]
    return answer


def _reactions(value: Any) -> list[dict]:
    if not isinstance(value, list):
        raise ValueError('"reaction" must be a list of ReactionType objects (an empty list removes them)')
    found = []
    for item in value:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "emoji" and item.get("emoji") in REACTION_EMOJI:
            found.append({"type": "emoji", "emoji": item["emoji"]})
        elif kind == "custom_emoji" and isinstance(item.get("custom_emoji_id"), str) and item["custom_emoji_id"]:
            found.append({"type": "custom_emoji", "custom_emoji_id": item["custom_emoji_id"]})
        else:
            raise ValueError(f"{item!r} is not a reaction a person can set (an emoji from ReactionTypeEmoji's "
                             "list, or a custom_emoji with its custom_emoji_id)")
    if len(found) > MAX_PERSON_REACTIONS:
        raise ValueError(f"a person sets at most {MAX_PERSON_REACTIONS} reactions on a message")
    return found


def react(people: People, chat_id: int, user: dict, message_id: Any, reaction: Any) -> dict:
    """`user` sets their reactions on a message (replacing their earlier ones). The bot hears of it as
    message_reaction (message_reaction_count in a channel) when its allowed_updates ask for it."""
    person = people.fake.person(user)
    chat, message = _message(people, chat_id, message_id)
    if chat.type == "private" and chat.person.id != person.id:
        raise ValueError("only the chat's user reacts in a private chat")
    new = _reactions(reaction)
    old = set_reaction(chat, message.message_id, person.id, new)
    kind = "message_reaction_count" if chat.type == "channel" else "message_reaction"
    # Telegram decides when the change happens whether the bot wants it ("allowed_updates ... doesn't affect
    # updates created before the call"): an update nobody asked for is never queued
    if old != new and people.bot.wants({kind: None}):
        date = int(people.fake.clock.time())
        if kind == "message_reaction_count":
            people.fake.enqueue(people.bot, kind, {
                "chat": chat.to_api(), "message_id": message.message_id, "date": date,
                "reactions": reaction_counts(chat, message.message_id)})
        else:
            people.fake.enqueue(people.bot, kind, {
                "chat": chat.to_api(), "message_id": message.message_id, "user": person.to_api(), "date": date,
                "old_reaction": old, "new_reaction": [dict(r) for r in new]})
    return {"reactions": reaction_counts(chat, message.message_id)}


def _post(people: People, chat: Chat, person: Account, content: dict, reply_to: Message | None) -> dict:
    message = people.fake.post(chat, person, None, reply_to=reply_to, content=content)
    if _bot_sees(people, chat, message):
        people.fake.enqueue(people.bot, "message", message.to_api())
    return message.to_api()


def share_location(people: People, chat_id: int, user: dict, data: dict) -> dict:
    """`user` sends a location (live when `live_period` is given: 60-86400 seconds, or 2147483647)."""
    person = people.fake.person(user)
    chat = _person_chat(people, chat_id, person)
    location: dict[str, Any] = {"latitude": _number(data, "latitude", -90, 90),
                                "longitude": _number(data, "longitude", -180, 180)}
    accuracy = _number(data, "horizontal_accuracy", 0, 1500, required=False)
    if accuracy:
        location["horizontal_accuracy"] = accuracy
    live_period = data.get("live_period")
    if live_period is not None:
        if type(live_period) is not int or not (60 <= live_period <= 86400 or live_period == 0x7FFFFFFF):
            raise ValueError('"live_period" must be 60 to 86400 seconds, or 2147483647 (until stopped)')
        location["live_period"] = live_period
        heading = _number(data, "heading", 1, 360, required=False)
        if heading is not None:
            location["heading"] = int(heading)
    return _post(people, chat, person, {"location": location}, _reply_to(chat, data.get("reply_to_message_id")))


def share_contact(people: People, chat_id: int, user: dict, data: dict) -> dict:
    """`user` sends a contact; `user_id` is Telegram's when the number belongs to an account (a person sharing
    their own contact through a request_contact button gets their own id)."""
    person = people.fake.person(user)
    chat = _person_chat(people, chat_id, person)
    contact: dict[str, Any] = {}
    for name in ("phone_number", "first_name"):
        if not isinstance(data.get(name), str) or not data[name]:
            raise ValueError(f'a contact needs a non-empty "{name}"')
        contact[name] = data[name]
    for name in ("last_name", "vcard"):
        if data.get(name) is not None:
            if not isinstance(data[name], str):
                raise ValueError(f'"{name}" must be a string')
            contact[name] = data[name]
    if data.get("user_id") is not None:
        if type(data["user_id"]) is not int or data["user_id"] <= 0:
            raise ValueError('"user_id" must be a positive integer')
        contact["user_id"] = data["user_id"]
    return _post(people, chat, person, {"contact": contact}, _reply_to(chat, data.get("reply_to_message_id")))


def forward(people: People, chat_id: int, user: dict, from_chat_id: Any, message_id: Any) -> dict:
    """`user` forwards a message from a chat they are in (one the bot knows) into `chat_id`; the app refuses
    a protected message or a service message. The forward names its origin as the Bot API writes it."""
    person = people.fake.person(user)
    if type(from_chat_id) is not int:
        raise ValueError('"from_chat_id" must be the id of a chat the bot is in')
    source_chat, source = _message(people, from_chat_id, message_id)
    if (source_chat.person.id != person.id) if source_chat.type == "private" else person.id not in source_chat.members:
        raise ValueError(f"{person.first_name} is not in chat {from_chat_id}")
    if source.service:
        raise ValueError("a service message cannot be forwarded")
    if source.content.get("has_protected_content"):
        raise ValueError("the message is protected: the app does not let anyone forward it")
    chat = _person_chat(people, chat_id, person)
    content = {k: copy.deepcopy(v) for k, v in source.content.items()
               if k not in ("has_protected_content", "forward_origin", "receiver_user", "ephemeral_message_id")}
    content["forward_origin"] = origin_of(people.fake, source)
    message = people.fake.post(chat, person, source.text, copy.deepcopy(source.entities), content=content)
    state = poll_of(people.fake, source)
    if state is not None:  # a forwarded poll is the same poll: its votes show in every copy
        state.messages.append(message)
        refresh_poll(state)
    if _bot_sees(people, chat, message):
        people.fake.enqueue(people.bot, "message", message.to_api())
    return message.to_api()


def set_forward_privacy(people: People, user_id: int, forwards: Any) -> dict:
    """The person's privacy setting "Forwarded messages": `nobody` makes forwards of their messages show only
    their name (MessageOrigin hidden_user), `everybody` links their account again."""
    account = people.fake.accounts.get(user_id)
    if account is None or account.is_bot:
        raise LookupError(f"no person {user_id}")
    if forwards not in ("everybody", "nobody"):
        raise ValueError('"forwards" must be "everybody" or "nobody"')
    hidden = fake_state(people.fake).hidden_forwards
    (hidden.add if forwards == "nobody" else hidden.discard)(user_id)
    return {"forwards": forwards}


def edit_own(people: People, chat_id: int, user: dict, message_id: Any, data: dict) -> dict:
    """`user` edits their own message: a new `text`, or a live location's new `latitude`/`longitude`. The bot
    gets an edited_message update when it saw the message."""
    person = people.fake.person(user)
    chat, message = _message(people, chat_id, message_id)
    if message.sender is not person:
        raise ValueError(f"message {message_id} is not {person.first_name}'s")
    if "text" in data:
        text = data["text"]
        if message.text is None:
            raise ValueError(f"message {message_id} has no text to edit")
        if not isinstance(text, str) or not text.strip():
            raise ValueError('"text" must be a non-empty string')
        if text == message.text:
            raise ValueError("message is not modified")
        message.text, message.entities = text, command_entities(text)
    elif "latitude" in data or "longitude" in data:
        location = message.content.get("location")
        if location is None or "live_period" not in location:
            raise ValueError(f"message {message_id} is not a live location")
        if people.fake.clock.time() - message.date >= location["live_period"] != 0x7FFFFFFF:
            raise ValueError("the live location's period is over")
        new = dict(location, latitude=_number(data, "latitude", -90, 90),
                   longitude=_number(data, "longitude", -180, 180))
        heading = _number(data, "heading", 1, 360, required=False)
        if heading is not None:
            new["heading"] = int(heading)
        message.content = {**message.content, "location": new}
    else:
        raise ValueError('an edit needs a "text", or a "latitude" and "longitude" for a live location')
    message.edit_date = int(people.fake.clock.time())
    if _bot_sees(people, chat, message):
        people.fake.enqueue(people.bot, "edited_message", message.to_api())
    return message.to_api()


def delete_own(people: People, chat_id: int, user: dict, message_id: Any) -> dict:
    """`user` deletes their own message. Bots get no update for it (Telegram tells only business bots)."""
    person = people.fake.person(user)
    chat, message = _message(people, chat_id, message_id)
    if message.sender is not person:
        raise ValueError(f"message {message_id} is not {person.first_name}'s")
    message.deleted = True
    chat_state(chat).reactions.pop(message.message_id, None)
    return {"deleted": message.message_id}


def message_view(people: People, chat_id: int, message_id: Any) -> dict:
    """A message as the people in the chat see it: the Message, what it shows, its reactions."""
    chat, message = _message(people, chat_id, message_id)
    close_due_polls(people.fake)
    return {"message": message.to_api(), "summary": describe(message), **message_extra(message),
            "reactions": reaction_counts(chat, message.message_id)}


def ephemeral_view(people: People, chat_id: int) -> list[dict]:
    chat = people.bot.chats.get(chat_id)
    if chat is None:
        raise LookupError(f"no chat {chat_id} with this bot")
    return [{"receiver_user_id": receiver, "ephemeral_message_id": ephemeral_id, "text": describe(message),
             "edited": message.edit_date is not None}
            for (receiver, ephemeral_id), message in chat_state(chat).ephemeral.items() if not message.deleted]


def draft_view(people: People, chat_id: int) -> dict | None:
    """The bot's draft as the person sees it now: gone once the bot sent a message, after its 30-second
    preview, or when the person stopped it (unless the bot asked to keep it)."""
    chat = people.bot.chats.get(chat_id)
    if chat is None:
        raise LookupError(f"no chat {chat_id} with this bot")
    draft = chat_state(chat).draft
    return draft.to_view() if draft is not None and draft.shown(chat, people.fake.clock.time()) else None


def stop_generation(people: People, chat_id: int, user: dict) -> dict:
    """The person presses the stop button under a draft the bot streams with can_stop: the bot gets a
    stopped_message_generation update."""
    person = people.fake.person(user)
    chat = people.bot.chats.get(chat_id)
    if chat is None or chat.type != "private" or chat.person.id != person.id:
        raise LookupError(f"no private chat {chat_id} of {person.first_name} with this bot")
    draft = chat_state(chat).draft
    if draft is None or not draft.shown(chat, people.fake.clock.time()) or draft.stopped:
        raise ValueError("there is no draft to stop")
    if not draft.can_stop:
        raise ValueError("this draft has no stop button (the bot did not pass can_stop)")
    draft.stopped = True
    people.fake.enqueue(people.bot, "stopped_message_generation", {"chat": chat.to_api(), "draft_id": draft.draft_id})
    return {"draft": draft_view(people, chat_id)}


def press_ephemeral(people: People, chat_id: int, user: dict, ephemeral_id: int, data: Any) -> dict:
    """The receiver presses an inline button of an ephemeral message: a callback_query whose message is the
    ephemeral one (message_id 0). UNCONFIRMED: how Telegram shows an ephemeral message in a CallbackQuery."""
    from .interactive_state import ephemeral_message
    from .state import CallbackRecord

    person = people.fake.person(user)
    chat = people.bot.chats.get(chat_id)
    message = ephemeral_message(chat, person.id, ephemeral_id) if chat is not None else None
    if message is None:
        raise LookupError(f"no ephemeral message {ephemeral_id} for {person.first_name} in chat {chat_id}")
    buttons = [b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]
    if not any(b.get("callback_data") == data for b in buttons):
        raise ValueError(f"ephemeral message {ephemeral_id} has no button with callback_data {data!r}")
    query_id = str(people.fake.ids.integer(10**17, 10**19 - 1))
    query = {"id": query_id, "from": person.to_api(), "message": message.to_api(),
             "chat_instance": chat.instance_for(people.bot.account.id), "data": data}
    people.bot.remember(CallbackRecord(query_id, person.id, people.fake.clock.time()))
    people.fake.enqueue(people.bot, "callback_query", query)
    return query


# ---- control routes -----------------------------------------------------------------------------------

_MESSAGE = r"^/_lab/chats/(-?\d+)/messages/(\d+)"


@route("POST", _MESSAGE + r"/vote$")
def _vote_route(fake, people, match, data):
    return vote(people, int(match.group(1)), data.get("from"), int(match.group(2)), data.get("option_ids"))


@route("POST", _MESSAGE + r"/reactions$")
def _react_route(fake, people, match, data):
    return react(people, int(match.group(1)), data.get("from"), int(match.group(2)), data.get("reaction"))


@route("POST", _MESSAGE + r"/edit$")
def _edit_route(fake, people, match, data):
    user = data.pop("from", None)
    return {"message": edit_own(people, int(match.group(1)), user, int(match.group(2)), data)}


@route("POST", _MESSAGE + r"/delete$")
def _delete_route(fake, people, match, data):
    return delete_own(people, int(match.group(1)), data.get("from"), int(match.group(2)))


@route("GET", _MESSAGE + r"$")
def _message_route(fake, people, match, data):
    return message_view(people, int(match.group(1)), int(match.group(2)))


@route("POST", r"^/_lab/chats/(-?\d+)/locations$")
def _location_route(fake, people, match, data):
    return {"message": share_location(people, int(match.group(1)), data.get("from"), data)}


@route("POST", r"^/_lab/chats/(-?\d+)/contacts$")
def _contact_route(fake, people, match, data):
    return {"message": share_contact(people, int(match.group(1)), data.get("from"), data)}


@route("POST", r"^/_lab/chats/(-?\d+)/forwards$")
def _forward_route(fake, people, match, data):
    return {"message": forward(people, int(match.group(1)), data.get("from"), data.get("from_chat_id"),
                               data.get("message_id"))}


@route("POST", r"^/_lab/users/(\d+)/privacy$")
def _privacy_route(fake, people, match, data):
    return set_forward_privacy(people, int(match.group(1)), data.get("forwards"))


@route("GET", r"^/_lab/chats/(-?\d+)/ephemeral$")
def _ephemeral_route(fake, people, match, data):
    return {"messages": ephemeral_view(people, int(match.group(1)))}


@route("GET", r"^/_lab/chats/(\d+)/draft$")
def _draft_route(fake, people, match, data):
    return {"draft": draft_view(people, int(match.group(1)))}


@route("POST", r"^/_lab/chats/(\d+)/draft/stop$")
def _draft_stop_route(fake, people, match, data):
    return stop_generation(people, int(match.group(1)), data.get("from"))


@route("POST", r"^/_lab/chats/(-?\d+)/ephemeral/(\d+)/callbacks$")
def _ephemeral_press_route(fake, people, match, data):
    query = press_ephemeral(people, int(match.group(1)), data.get("from"), int(match.group(2)), data.get("data"))
    return {"callback_query": query}
