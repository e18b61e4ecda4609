"""What the copy/forward/react/poll family keeps: polls and their votes, reactions on messages, ephemeral
messages, message drafts. Shared by the bot's methods (interactive_methods.py) and the people's actions
(interactive_people.py); nothing here speaks HTTP.

A poll lives once on the fake (its id is global, as Telegram's is) and every message that shows it (the bot's
original and its forwards) carries a fresh copy of its current state after each change, so an update already
queued keeps the state it was queued with.
"""

from __future__ import annotations

import copy
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from . import catalogue
from .control_routes import family_state
from .state import Account, Bot, Chat, Message
from .world import TelegramFake

FAMILY = "interactive"
MAX_POLLS = 10_000  # polls the fake remembers; the oldest go first (their messages keep their last state)
MAX_EPHEMERAL = 1_000  # ephemeral messages kept per chat
MEDIA_KINDS = ("photo", "video", "animation", "audio", "document", "voice", "paid_media")
# ReactionTypeEmoji.emoji of the vendored catalogue (Bot API 10.3): the only emoji a reaction may use
REACTION_EMOJI = tuple(re.findall(r'"([^"]+)"', next(
    f["description"] for f in catalogue.TYPES["ReactionTypeEmoji"]["fields"] if f["name"] == "emoji")))


@dataclass
class PollState:
    poll: dict  # the Poll object as the bot's own message shows it (options' voter_count kept current)
    bot_id: int  # the bot that sent it: it alone gets poll and poll_answer updates
    chat_id: int
    messages: list[Message] = field(default_factory=list)  # the original and its forwards
    votes: dict[int, list[int]] = field(default_factory=dict)  # user id -> chosen option ids
    closes_at: int | None = None  # open_period / close_date, in lab seconds

    @property
    def is_closed(self) -> bool:
        return self.poll["is_closed"]


DRAFT_PREVIEW = 30  # seconds: "the streamed draft is ephemeral and acts as a temporary 30-second preview"


@dataclass
class Draft:
    draft_id: int
    text: str
    entities: list[dict]
    date: int
    after_message_id: int  # the chat's last message when it was streamed: a message sent since ends it
    can_stop: bool = False
    keep_on_stop: bool = False
    stopped: bool = False

    def shown(self, chat: Chat, now: float) -> bool:
        return (self.after_message_id == chat.next_message_id - 1 and now < self.date + DRAFT_PREVIEW
                and (not self.stopped or self.keep_on_stop))

    def to_view(self) -> dict:
        return {"draft_id": self.draft_id, "text": self.text, "entities": self.entities, "date": self.date,
                "can_stop": self.can_stop, "stopped": self.stopped}


@dataclass
class ChatState:
    reactions: dict[int, dict[int, list[dict]]] = field(default_factory=dict)  # message id -> actor id -> types
    ephemeral: OrderedDict = field(default_factory=OrderedDict)  # (receiver id, ephemeral id) -> Message
    next_ephemeral_id: int = 1
    draft: Draft | None = None  # the bot's latest sendMessageDraft in this private chat
    stopped_live: set[int] = field(default_factory=set)  # the bot's live locations stopped early


@dataclass
class FakeState:
    polls: OrderedDict = field(default_factory=OrderedDict)  # poll id -> PollState
    hidden_forwards: set[int] = field(default_factory=set)  # people whose privacy settings hide them in forwards


def fake_state(fake: TelegramFake) -> FakeState:
    _watch_clock(fake)
    return family_state(fake, FAMILY, FakeState)


def chat_state(chat: Chat) -> ChatState:
    return family_state(chat, FAMILY, ChatState)


_EMPTY = ChatState()


def peek_chat_state(chat: Chat) -> ChatState:
    """The chat's state for reading: a chat this family never touched reads as empty and stays untouched."""
    return chat.extra.get(FAMILY) or _EMPTY


# ---- polls -----------------------------------------------------------------------------------------

def remember_poll(fake: TelegramFake, state: PollState) -> None:
    polls = fake_state(fake).polls
    polls[state.poll["id"]] = state
    while len(polls) > MAX_POLLS:
        polls.popitem(last=False)


def poll_of(fake: TelegramFake, message: Message) -> PollState | None:
    poll = message.content.get("poll")
    if poll is None:
        return None
    return fake_state(fake).polls.get(poll["id"])


def refresh_poll(state: PollState) -> None:
    """Every message showing the poll gets a copy of its state as of now; forwards the chat's history no
    longer keeps are let go (the original stays first: it alone shows an open quiz's answer in a group)."""
    original = state.messages[0] if state.messages else None
    state.messages = [m for i, m in enumerate(state.messages) if i == 0 or m.chat.messages.get(m.message_id) is m]
    for message in state.messages:
        shown = copy.deepcopy(state.poll)
        if message is not original and not state.is_closed and message.chat.type != "private":
            shown.pop("correct_option_ids", None)  # a forwarded open quiz keeps its answer hidden
            shown.pop("explanation", None)
            shown.pop("explanation_entities", None)
        message.content["poll"] = shown


def count_votes(state: PollState) -> None:
    for option in state.poll["options"]:
        option["voter_count"] = 0
    for chosen in state.votes.values():
        for option_id in chosen:
            state.poll["options"][option_id]["voter_count"] += 1
    state.poll["total_voter_count"] = sum(1 for chosen in state.votes.values() if chosen)


def close_poll(fake: TelegramFake, state: PollState) -> None:
    """The poll closes (stopPoll, its open_period or close_date): the bot that sent it hears of it once."""
    if state.is_closed:
        return
    state.poll["is_closed"] = True
    refresh_poll(state)
    bot = _bot(fake, state.bot_id)
    if bot is not None:
        fake.enqueue(bot, "poll", copy.deepcopy(state.poll))


def close_due_polls(fake: TelegramFake) -> None:
    now = fake.clock.time()
    for state in list(family_state(fake, FAMILY, FakeState).polls.values()):
        if state.closes_at is not None and not state.is_closed and now >= state.closes_at:
            close_poll(fake, state)


def _watch_clock(fake: TelegramFake) -> None:
    """Polls with an open_period or close_date close when the lab clock passes it (also checked on use)."""
    if getattr(fake, "_interactive_clock_watched", False):
        return
    fake._interactive_clock_watched = True
    fake.clock.on_advance(lambda _seconds: close_due_polls(fake))


def _bot(fake: TelegramFake, bot_id: int) -> Bot | None:
    return next((b for b in fake.bots.values() if b.account.id == bot_id), None)


# ---- forwards -----------------------------------------------------------------------------------------

def origin_of(fake: TelegramFake, message: Message) -> dict:
    """MessageOrigin as the Bot API writes forward_origin: a forward of a forward keeps the first origin; a
    person whose privacy settings hide them in forwards ("Forwarded messages: Nobody") is a hidden_user with
    only their name."""
    if "forward_origin" in message.content:
        return copy.deepcopy(message.content["forward_origin"])
    if message.chat.type == "channel":
        return {"type": "channel", "date": message.date, "chat": message.chat.to_api(),
                "message_id": message.message_id}
    if message.sender.id in family_state(fake, FAMILY, FakeState).hidden_forwards:
        name = " ".join(filter(None, (message.sender.first_name, message.sender.last_name)))
        return {"type": "hidden_user", "date": message.date, "sender_user_name": name}
    return {"type": "user", "date": message.date, "sender_user": message.sender.to_api()}


# ---- reactions --------------------------------------------------------------------------------------

def reaction_counts(chat: Chat, message_id: int) -> list[dict]:
    """ReactionCount objects: each reaction on the message with how many set it, most used first."""
    counts: dict[str, tuple[dict, int]] = {}
    for chosen in peek_chat_state(chat).reactions.get(message_id, {}).values():
        for reaction in chosen:
            key = reaction.get("emoji") or reaction.get("custom_emoji_id") or reaction["type"]
            known, total = counts.get(key, (reaction, 0))
            counts[key] = (known, total + 1)
    ordered = sorted(counts.values(), key=lambda pair: -pair[1])  # stable: first set first among equals
    return [{"type": dict(reaction), "total_count": total} for reaction, total in ordered]


def set_reaction(chat: Chat, message_id: int, actor_id: int, reactions: list[dict]) -> list[dict]:
    """Replace what `actor_id` has set on the message; returns what they had before."""
    on_message = chat_state(chat).reactions.setdefault(message_id, {})
    old = on_message.get(actor_id, [])
    if reactions:
        on_message[actor_id] = [dict(r) for r in reactions]
    else:
        on_message.pop(actor_id, None)
    _forget_evicted(chat)
    return old


def _forget_evicted(chat: Chat) -> None:
    """Reactions go with their message once the fake's history no longer keeps it."""
    kept = chat_state(chat).reactions
    if len(kept) > len(chat.messages):
        for message_id in [m for m in kept if m not in chat.messages]:
            del kept[message_id]


def present_custom_emoji(chat: Chat, message_id: int) -> set[str]:
    return {r["custom_emoji_id"] for chosen in peek_chat_state(chat).reactions.get(message_id, {}).values()
            for r in chosen if r.get("type") == "custom_emoji"}


# ---- ephemeral messages -----------------------------------------------------------------------------

def post_ephemeral(fake: TelegramFake, chat: Chat, sender: Account, receiver: Account, text: str | None,
                   entities: list[dict], markup: dict | None, content: dict) -> Message:
    """An ephemeral message: only `receiver` sees it; message_id 0 and an ephemeral_message_id of its own."""
    state = chat_state(chat)
    ephemeral_id = state.next_ephemeral_id
    state.next_ephemeral_id += 1
    content = {**content, "receiver_user": receiver.to_api(), "ephemeral_message_id": ephemeral_id}
    message = Message(0, chat, sender, int(fake.clock.time()), text, entities, markup, content=content)
    state.ephemeral[(receiver.id, ephemeral_id)] = message
    while len(state.ephemeral) > MAX_EPHEMERAL:
        state.ephemeral.popitem(last=False)
    return message


def ephemeral_message(chat: Chat, receiver_id: int, ephemeral_id: int) -> Message | None:
    message = peek_chat_state(chat).ephemeral.get((receiver_id, ephemeral_id))
    return None if message is None or message.deleted else message


def content_kind(message: Message) -> str:
    """What the message shows, in the words of the Message field that holds it."""
    for kind in ("poll", "dice", "venue", "location", "contact", "checklist", *MEDIA_KINDS, "sticker", "video_note"):
        if kind in message.content:
            return kind
    return "text" if message.text is not None else "service"


def describe(message: Message) -> str:
    """One line a person would read in the chat list: the text, or what the message shows."""
    content = message.content
    if message.text is not None:
        return message.text
    if "poll" in content:
        poll = content["poll"]
        options = " | ".join(f"{o['text']} ({o['voter_count']})" for o in poll["options"])
        closed = ", closed" if poll["is_closed"] else ""
        return f"📊 {poll['question']}: {options}{closed}"
    if "dice" in content:
        return f"{content['dice']['emoji']} {content['dice']['value']}"
    if "venue" in content:
        return f"📍 {content['venue']['title']}, {content['venue']['address']}"
    if "location" in content:
        location = content["location"]
        live = " (live)" if "live_period" in location else ""
        return f"📍 {location['latitude']:.5f}, {location['longitude']:.5f}{live}"
    if "contact" in content:
        contact = content["contact"]
        return f"👤 {contact['first_name']} {contact['phone_number']}"
    if content.get("caption"):
        return content["caption"]
    return f"({content_kind(message)})"


def message_extra(message: Message) -> dict[str, Any]:
    return {"kind": content_kind(message), "forwarded": "forward_origin" in message.content,
            "protected": bool(message.content.get("has_protected_content"))}
