"""Copy, forward, react, polls and the other message kinds (dice, locations, venues, contacts, drafts,
ephemeral messages): the bot's side, with Telegram's checks in the reference server's order and its words.

Order (Client.cpp of tdlib/telegram-bot-api at 10.0): what the method's process_*_query parses itself, then
do_send_message's reply parameters, markup and chat (check_chat), then TDLib's checks on the content
(td/telegram/MessageContent.cpp create_input_message_content, Location.cpp process_input_message_location,
MessagesManager.cpp get_forwarded_messages and forward_message), then Telegram's own CONSTANT_CASE answers. Every
message goes through `worded` (Client::fail_query_with_error's case rule). A refused call changes nothing.
UNCONFIRMED = not confirmed by a public source; the lab's choice.

State the methods keep lives in interactive_state.py; what people do (vote, react, share a location or contact,
edit or delete their own message) in interactive_people.py, whose control routes this module registers.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from collections.abc import Callable
from typing import Any

from . import inputs
from . import interactive_people  # noqa: F401  # registers the family's control routes
from .chats_methods import METHODS as CHAT_METHODS
from .chats_methods import bot_can
from .errors import NOT_MODIFIED, bad_request, worded
from .formatting import render, utf16_len
from .inputs import Fields, _Refused
from .interactive_state import (
    MEDIA_KINDS,
    REACTION_EMOJI,
    Draft,
    PollState,
    chat_state,
    close_due_polls,
    close_poll,
    ephemeral_message,
    origin_of,
    poll_of,
    post_ephemeral,
    present_custom_emoji,
    refresh_poll,
    remember_poll,
    set_reaction,
)
from .methods import (
    _chat,
    _checked_text,
    _message_id,
    _read_text,
    check_flood,
    replied_message,
)
from .params import Args, NotJson, Num, is_utf8, to_integer, to_integer_safe
from .state import Bot, Chat, Message
from .world import TelegramFake

MAX_MESSAGE_IDS = 100  # get_message_ids(query, 100) in the plural forward/copy methods
MAX_CAPTION = 1024  # UTF-16 units after parsing
MAX_POLL_QUESTION = 300  # TDLib: 300 for bots
MAX_POLL_OPTION = 100
MAX_POLL_OPTIONS = 12  # Bot API docs since 9.x: "1-12 answer options" (TDLib's 10 at the time it said "10")
MAX_OPEN_PERIOD = 2_628_000  # get_integer_arg(query, "open_period", 0, 0, 2628000)
LIVE_FOREVER = 0x7FFFFFFF
DICE = {"🎲": 6, "🎯": 6, "🎳": 6, "🏀": 5, "⚽": 5, "🎰": 64}  # sendDice's documented emoji and top values
# sendMessage as the groups family answers it (forum topics), which wraps methods.send_message: this family's
# sendMessage wraps that in turn, so one handler keeps every family's part
_send_message = CHAT_METHODS["sendMessage"]
_DELETE_MESSAGE = CHAT_METHODS["deleteMessage"]  # deleteMessage with the rights the groups family checks


# ---- shared readers ---------------------------------------------------------------------------------

def _formatted(args: Args, text_name: str, mode_name: str, entities_name: str) -> tuple[str, list[dict]]:
    """Client::get_formatted_text for a text other than the message's own (question, caption, explanation)."""
    text = args.arg(text_name)
    mode = args.arg(mode_name)
    if mode and mode.lower() != "none":
        return render(text, mode)
    found = inputs.entities(args, entities_name)
    inputs.check_entities(found)
    return render(text, None, inputs.fit_entities(found, utf16_len(text)))


def _required(args: Args, name: str) -> str:
    """Client::get_required_string_arg."""
    value = args.arg(name)
    if not value:
        raise bad_request(f'parameter "{name}" is required')
    return value


def _source_chat(fake: TelegramFake, bot: Bot, raw: str) -> Chat:
    """check_chat with read access: the chat the messages come from (blocked or left chats can still be read)."""
    if raw.startswith("@"):
        found = [c for c in bot.chats.values() if c.person and c.person.username == raw[1:]]
        if not found:
            raise bad_request("chat not found")
        return found[0]
    chat = bot.chats.get(to_integer(raw, 64))
    if chat is None:
        raise bad_request("chat not found")
    return chat


def _ephemeral_parameters(args: Args) -> dict | None:
    """sendMessage's (and the other sends') ephemeral_message_parameters, read with td's JsonObject getters.
    UNCONFIRMED: the wording of the parse errors (modelled on the other JSON objects' "can't parse ...")."""
    if not args.arg("ephemeral_message_parameters"):
        return None
    try:
        value = args.json("ephemeral_message_parameters")
    except NotJson:
        raise bad_request("can't parse ephemeral message parameters JSON object") from None
    if not isinstance(value, dict):
        raise bad_request("object expected as ephemeral message parameters")
    fields = Fields(value)
    try:
        parameters = {"receiver_user_id": fields.integer("receiver_user_id", True, bits=64),
                      "callback_query_id": fields.string("callback_query_id"),
                      "replace_callback_query_message": fields.boolean("replace_callback_query_message")}
    except _Refused as refused:
        raise worded(str(refused)) from None
    return parameters


def _ephemeral_receiver(fake: TelegramFake, chat: Chat, parameters: dict):
    """UNCONFIRMED: the errors for an ephemeral message outside a group, or to someone not in it."""
    if chat.type not in ("group", "supergroup"):
        raise bad_request("ephemeral messages can be sent only to group chats")
    receiver = fake.accounts.get(parameters["receiver_user_id"])
    if receiver is None or receiver.id not in chat.members:
        raise bad_request("user not found")
    return receiver


def _protected(args: Args) -> dict:
    return {"has_protected_content": True} if args.flag("protect_content") else {}


def _send(fake: TelegramFake, bot: Bot, args: Args, content: dict, check: Callable[[Chat], None] | None = None,
          ephemeral_allowed: bool = True, last: Callable[[dict], None] | None = None) -> dict:
    """do_send_message for a content this family builds: reply parameters, markup, chat, TDLib's checks on
    the content (`check`), the replied message, flood control, then the message; `last` fills in what only a
    sent message gets (a dice roll), so a refused call draws nothing from the seeded ids."""
    reply_id, without_reply = inputs.reply_to(args)
    markup = inputs.reply_markup(args)
    ephemeral = _ephemeral_parameters(args) if ephemeral_allowed else None
    chat = _chat(fake, bot, args)
    if check is not None:
        check(chat)
    reply_to = replied_message(chat, reply_id, without_reply)
    receiver = _ephemeral_receiver(fake, chat, ephemeral) if ephemeral is not None else None
    check_flood(fake, bot, chat)
    if last is not None:
        last(content)
    if receiver is not None:
        return post_ephemeral(fake, chat, bot.account, receiver, None, [], markup, content).to_api()
    return fake.post(chat, bot.account, None, None, markup, reply_to, content={**content, **_protected(args)}).to_api()


# ---- sendMessage: ephemeral messages and protect_content --------------------------------------------

def send_message(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    """methods.send_message, plus what this family adds: protect_content kept on the message (forwardMessage
    refuses it later) and ephemeral_message_parameters (Bot API 10.2: only the receiver sees the message)."""
    if not args.arg("ephemeral_message_parameters"):
        sent = _send_message(fake, bot, args)
        if args.flag("protect_content"):
            message = bot.chats[sent["chat"]["id"]].messages[sent["message_id"]]
            message.content["has_protected_content"] = True
            return message.to_api()
        return sent
    found = _read_text(args)
    inputs.reply_to(args)
    markup = inputs.reply_markup(args)
    parameters = _ephemeral_parameters(args)
    chat = _chat(fake, bot, args)
    text, entities = _checked_text(found)
    receiver = _ephemeral_receiver(fake, chat, parameters)
    check_flood(fake, bot, chat)
    return post_ephemeral(fake, chat, bot.account, receiver, text, entities, markup, {}).to_api()


def _ephemeral_target(fake: TelegramFake, bot: Bot, args: Args, missing: str) -> Message:
    if to_integer(args.arg("receiver_user_id"), 64) <= 0:  # UNCONFIRMED: read first, as the server reads user ids
        raise bad_request("invalid receiver_user_id specified")
    chat = _chat(fake, bot, args)
    message = ephemeral_message(chat, to_integer(args.arg("receiver_user_id"), 64),
                                to_integer(args.arg("ephemeral_message_id")))
    if message is None:
        raise bad_request(missing)  # UNCONFIRMED: the wording for an unknown or expired ephemeral message
    return message


def edit_ephemeral_text(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    found = _read_text(args)
    markup = inputs.reply_markup(args)
    message = _ephemeral_target(fake, bot, args, "message to edit not found")
    text, entities = _checked_text(found)
    if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.text, message.entities, message.reply_markup = text, entities, markup
    message.edit_date = int(fake.clock.time())
    return True


def edit_ephemeral_caption(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    caption, entities = _formatted(args, "caption", "parse_mode", "caption_entities")
    markup = inputs.reply_markup(args)
    message = _ephemeral_target(fake, bot, args, "message to edit not found")
    if not any(kind in message.content for kind in MEDIA_KINDS):
        raise bad_request("there is no caption in the message to edit")  # UNCONFIRMED for ephemeral messages
    _check_caption(caption)
    new = _with_caption(message.content, caption, entities)
    if (new, markup) == (message.content, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.content, message.reply_markup = new, markup
    message.edit_date = int(fake.clock.time())
    return True


def edit_ephemeral_reply_markup(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    markup = inputs.reply_markup(args)
    message = _ephemeral_target(fake, bot, args, "message to edit not found")
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    message.reply_markup = markup
    message.edit_date = int(fake.clock.time())
    return True


def delete_ephemeral(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    message = _ephemeral_target(fake, bot, args, "message to delete not found")
    message.deleted = True
    chat_state(message.chat).ephemeral.pop((message.content["receiver_user"]["id"],
                                            message.content["ephemeral_message_id"]), None)
    return True


# ---- forward and copy -------------------------------------------------------------------------------

def _forwardable(message: Message) -> bool:
    """TDLib's can_forward_message: service messages (joins, payments, migrations) are never forwarded."""
    return not message.service


def _duplicate(fake: TelegramFake, source: Message, chat: Chat, bot: Bot, as_copy: bool, protect: bool,
               markup: dict | None = None, reply_to: Message | None = None, caption: tuple | None = None,
               remove_caption: bool = False) -> Message:
    content = copy.deepcopy(source.content)
    for transient in ("has_protected_content", "forward_origin", "receiver_user", "ephemeral_message_id",
                      "edit_date"):
        content.pop(transient, None)
    if as_copy:
        if remove_caption:
            content = _with_caption(content, "", [])
        elif caption is not None and any(kind in content for kind in MEDIA_KINDS):
            content = _with_caption(content, *caption)
    else:
        content["forward_origin"] = origin_of(fake, source)
    if protect:
        content["has_protected_content"] = True
    state = poll_of(fake, source)
    if state is not None and as_copy:  # a copy is a new open poll with no votes; a forward shows the same poll
        fresh = {k: v for k, v in copy.deepcopy(state.poll).items() if k not in ("open_period", "close_date")}
        fresh["is_closed"] = False  # UNCONFIRMED: TDLib's copy of a closed poll
        content["poll"] = _new_poll_state(fake, bot, chat, fresh, None).poll
    message = fake.post(chat, bot.account, source.text, copy.deepcopy(source.entities), markup, reply_to,
                        content=content)
    if state is not None:
        target = poll_of(fake, message)
        target.messages.append(message)
        refresh_poll(target)
    return message


def _with_caption(content: dict, caption: str, entities: list[dict]) -> dict:
    new = {k: v for k, v in content.items() if k not in ("caption", "caption_entities")}
    if caption:
        new["caption"] = caption
        if entities:
            new["caption_entities"] = entities
    return new


def _check_caption(caption: str) -> None:
    if utf16_len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")


def forward_message(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    from_chat = _source_chat(fake, bot, _required(args, "from_chat_id"))
    source = _found(from_chat, _message_id(args), "message to forward not found")
    inputs.reply_to(args)
    inputs.reply_markup(args)  # read and checked by do_send_message; a forward keeps no keyboard (UNCONFIRMED)
    chat = _chat(fake, bot, args)
    if not _forwardable(source) or source.content.get("has_protected_content"):
        raise bad_request("the message can't be forwarded")  # MessagesManager::forward_message
    check_flood(fake, bot, chat)
    return _duplicate(fake, source, chat, bot, as_copy=False, protect=args.flag("protect_content")).to_api()


def copy_message(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    raw_from = _required(args, "from_chat_id")
    message_id = _message_id(args)
    caption = _formatted(args, "caption", "parse_mode", "caption_entities") if args.has("caption") else None
    from_chat = _source_chat(fake, bot, raw_from)
    source = _found(from_chat, message_id, "message to copy not found")
    reply_id, without_reply = inputs.reply_to(args)
    markup = inputs.reply_markup(args)
    chat = _chat(fake, bot, args)
    if not _forwardable(source):
        raise bad_request("the message can't be copied")
    if caption is not None:
        _check_caption(caption[0])
    reply_to = replied_message(chat, reply_id, without_reply)
    check_flood(fake, bot, chat)
    # A bot may copy a protected message: get_forwarded_messages skips can_save_message for a bot's copy.
    copied = _duplicate(fake, source, chat, bot, as_copy=True, protect=args.flag("protect_content"), markup=markup,
                        reply_to=reply_to, caption=caption)
    return {"message_id": copied.message_id}


def _found(chat: Chat, message_id: int, missing: str) -> Message:
    """check_message: a message id of 0 or less, or one the chat does not hold, is `missing`."""
    message = chat.messages.get(message_id) if message_id > 0 else None
    if message is None or message.deleted:
        raise bad_request(missing)
    return message


def _message_ids(args: Args) -> list[int]:
    """Client::get_message_ids(query, 100): each refusal in its words."""
    raw = args.arg("message_ids")
    if not raw:
        raise bad_request("message identifiers are not specified")
    try:
        value = args.json("message_ids")
    except NotJson:
        raise bad_request("can't parse message_ids JSON object") from None
    if not isinstance(value, list):
        raise worded("Expected an Array of message identifiers")
    if len(value) > MAX_MESSAGE_IDS:
        raise bad_request("too many message identifiers specified")
    ids = []
    for item in value:
        if not isinstance(item, str):  # a Num (number) or a JSON string; anything else is refused
            raise worded("Message identifier must be a Number")
        number = to_integer_safe(item)
        if number is None:
            raise worded("Can't parse message identifier as a Number")
        if number <= 0:
            raise bad_request("invalid message identifier specified")
        ids.append(number)
    if not ids:
        raise bad_request("message identifiers are not specified")
    return ids


def _many(fake: TelegramFake, bot: Bot, args: Args, as_copy: bool) -> list[dict]:
    """forwardMessages / copyMessages: messages missing from the source chat are skipped silently
    (check_messages with allow_empty); TDLib then wants what is left non-empty and strictly increasing, and
    skips each message it may not forward; nothing sent at all is an error."""
    _required(args, "from_chat_id")
    message_ids = _message_ids(args)
    chat = _chat(fake, bot, args)
    from_chat = _source_chat(fake, bot, args.arg("from_chat_id"))
    found = [from_chat.messages[i] for i in message_ids if i in from_chat.messages
             and not from_chat.messages[i].deleted]
    if not found:
        raise bad_request("there are no messages to forward")
    if any(b.message_id <= a.message_id for a, b in itertools.pairwise(found)):
        raise bad_request("message identifiers must be in a strictly increasing order")
    sendable = [m for m in found if _forwardable(m) and (as_copy or not m.content.get("has_protected_content"))]
    if not sendable:
        raise bad_request("messages can't be forwarded")  # TdOnForwardMessagesCallback
    check_flood(fake, bot, chat)
    protect, remove_caption = args.flag("protect_content"), args.flag("remove_caption")
    return [{"message_id": _duplicate(fake, m, chat, bot, as_copy, protect, remove_caption=remove_caption).message_id}
            for m in sendable]


def forward_messages(fake: TelegramFake, bot: Bot, args: Args) -> list[dict]:
    return _many(fake, bot, args, as_copy=False)


def copy_messages(fake: TelegramFake, bot: Bot, args: Args) -> list[dict]:
    return _many(fake, bot, args, as_copy=True)


# ---- reactions ----------------------------------------------------------------------------------------

def read_reactions(value: Any) -> list[dict]:
    """Client::get_reaction_types after the JSON: ReactionType objects, emoji or custom emoji only."""
    if not isinstance(value, list):
        raise worded("Expected an Array of ReactionType")
    found = []
    for item in value:
        try:
            if not isinstance(item, dict):
                raise _Refused("expected an Object")
            fields = Fields(item)
            kind = fields.string("type", True)
            if kind == "emoji":
                found.append({"type": "emoji", "emoji": fields.string("emoji", True)})
            elif kind == "custom_emoji":
                found.append({"type": "custom_emoji",
                              "custom_emoji_id": str(fields.integer("custom_emoji_id", True, bits=64))})
            else:
                raise _Refused("invalid reaction type specified")
        except _Refused as refused:
            raise worded(f"Can't parse ReactionType: {refused}") from None
    return found


def check_reactions(chat: Chat, message_id: int, reactions: list[dict], limit: int) -> None:
    """Telegram's answers: more reactions than the actor may set, an emoji outside the allowed list, a custom
    emoji nobody put on the message (UNCONFIRMED: chats whose admins allow custom emoji are not modelled)."""
    if len(reactions) > limit:
        raise bad_request("REACTIONS_TOO_MANY")
    present = present_custom_emoji(chat, message_id)
    for reaction in reactions:
        if reaction["type"] == "emoji" and reaction["emoji"] not in REACTION_EMOJI:
            raise bad_request("REACTION_INVALID")
        if reaction["type"] == "custom_emoji" and reaction["custom_emoji_id"] not in present:
            raise bad_request("REACTION_INVALID")


def set_message_reaction(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    message_id = _message_id(args)
    args.flag("is_big")  # an animation only
    raw = args.arg("reaction")
    if raw:
        try:
            reactions = read_reactions(args.json("reaction"))
        except NotJson:
            raise worded("Can't parse reaction types JSON object") from None
    else:
        reactions = []
    chat = _chat(fake, bot, args)
    _found(chat, message_id, "message to react not found")
    check_reactions(chat, message_id, reactions, limit=1)  # bots react as non-premium users: one reaction
    set_reaction(chat, message_id, bot.account.id, reactions)  # the bot's own reaction sends it no update
    return True


# ---- polls --------------------------------------------------------------------------------------------

def _poll_options(args: Args) -> list[tuple[str, list[dict]]]:
    """Client::get_input_poll_options: strings or InputPollOption objects."""
    try:
        value = args.json("options")
    except NotJson:
        raise worded("Can't parse options JSON object") from None
    if not isinstance(value, list):
        raise worded("Expected an Array of String as options")
    options = []
    for item in value:
        if isinstance(item, dict):
            fields = Fields(item)
            try:
                text = fields.string("text", True)
                mode = fields.string("text_parse_mode")
            except _Refused as refused:
                raise worded(str(refused)) from None
            if mode and mode.lower() != "none":
                options.append(render(text, mode))
            else:
                entities = inputs.entities(Args([("e", json.dumps(item.get("text_entities", [])))]), "e")
                options.append(render(text, None, inputs.fit_entities(entities, utf16_len(text))))
        elif isinstance(item, str) and not _is_number(item):
            options.append((item, []))
        else:
            raise worded("Expected an option to be of type String")
    return options


def _is_number(value: Any) -> bool:
    return isinstance(value, Num)


def _correct_option_ids(args: Args) -> list[int]:
    if args.has("correct_option_ids"):
        try:
            value = args.json("correct_option_ids")
        except NotJson:
            raise worded("Can't parse correct option identifiers JSON object") from None
        if not isinstance(value, list):
            raise worded("Expected an Array of correct option identifiers")
        ids = []
        for item in value:
            if not _is_number(item):
                raise worded("Correct option identifier must be of type Number")
            number = to_integer_safe(item)
            if number is None:
                raise worded("Invalid correct option identifier specified")
            ids.append(number)
        return ids
    if args.has("correct_option_id"):
        return [args.int32("correct_option_id", -1)]
    return []


def _new_poll_state(fake: TelegramFake, bot: Bot, chat: Chat, poll: dict, closes_at: int | None) -> PollState:
    poll["id"] = str(fake.ids.integer(5_000_000_000_000_000_000, 5_999_999_999_999_999_999))
    for option in poll["options"]:
        option["voter_count"] = 0
    poll["total_voter_count"] = 0
    state = PollState(poll, bot.account.id, chat.id, closes_at=closes_at)
    remember_poll(fake, state)
    return state


def send_poll(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    question, question_entities = _formatted(args, "question", "question_parse_mode", "question_entities")
    options = _poll_options(args)
    description, description_entities = _formatted(args, "description", "description_parse_mode",
                                                    "description_entities")
    is_anonymous = args.flag("is_anonymous") if args.has("is_anonymous") else True
    allows_multiple = args.flag("allows_multiple_answers")
    kind = args.arg("type")
    explanation, explanation_entities, correct = "", [], []
    if kind == "quiz":
        explanation, explanation_entities = _formatted(args, "explanation", "explanation_parse_mode",
                                                       "explanation_entities")
        correct = _correct_option_ids(args)
    elif kind not in ("", "regular"):
        raise worded("Unsupported poll type specified")
    allows_revoting = args.flag("allows_revoting") if args.has("allows_revoting") else kind != "quiz"
    open_period = args.int32("open_period", 0, 0, MAX_OPEN_PERIOD)
    close_date = args.int32("close_date", 0)
    is_closed = args.flag("is_closed")
    now = int(fake.clock.time())

    def check(chat: Chat) -> None:  # MessageContent.cpp, inputMessagePoll
        if not is_utf8(question):
            raise worded("Poll question must be encoded in UTF-8")
        if not question:
            raise worded("Poll question must be non-empty")
        if utf16_len(question) > MAX_POLL_QUESTION:
            raise worded(f"Poll question length must not exceed {MAX_POLL_QUESTION}")
        if len(options) <= 1:
            raise worded("Poll must have at least 2 option")
        if len(options) > MAX_POLL_OPTIONS:
            raise worded(f"Poll can't have more than {MAX_POLL_OPTIONS} options")
        for text, _ in options:
            if not is_utf8(text):
                raise worded("Poll options must be encoded in UTF-8")
            if not text:
                raise worded("Poll options must be non-empty")
            if utf16_len(text) > MAX_POLL_OPTION:
                raise worded(f"Poll options length must not exceed {MAX_POLL_OPTION}")
        if kind == "quiz" and (not correct or any(not 0 <= i < len(options) for i in correct)):
            raise worded("Wrong correct option ID specified")  # UNCONFIRMED for an empty list (10.x: a list)

    poll: dict[str, Any] = {"id": "", "question": question}
    if question_entities:
        poll["question_entities"] = question_entities
    poll["options"] = [{"persistent_id": str(i), "text": text, **({"text_entities": e} if e else {}),
                        "voter_count": 0} for i, (text, e) in enumerate(options)]  # UNCONFIRMED: id format
    poll.update(total_voter_count=0, is_closed=is_closed, is_anonymous=is_anonymous, type=kind or "regular",
                allows_multiple_answers=allows_multiple, allows_revoting=allows_revoting,
                members_only=args.flag("members_only"))
    if kind == "quiz":
        poll["correct_option_ids"] = sorted(set(correct))
        if explanation:
            poll["explanation"] = explanation
            if explanation_entities:
                poll["explanation_entities"] = explanation_entities
    closes_at = None
    if open_period:  # TDLib: an open_period wins over a close_date
        closes_at = now + open_period
        poll.update(open_period=open_period, close_date=closes_at)
    elif close_date:
        closes_at = close_date
        poll["close_date"] = close_date
    if description:
        poll["description"] = description
        if description_entities:
            poll["description_entities"] = description_entities
    sent = _send(fake, bot, args, {"poll": poll}, check, ephemeral_allowed=False)
    chat = bot.chats[sent["chat"]["id"]]
    message = chat.messages[sent["message_id"]]
    state = _new_poll_state(fake, bot, chat, message.content["poll"], closes_at)
    state.messages.append(message)
    refresh_poll(state)
    return message.to_api()


def stop_poll(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    message_id = _message_id(args)
    markup = inputs.reply_markup(args)
    chat = _chat(fake, bot, args)
    message = _found(chat, message_id, "message with poll to stop not found")
    close_due_polls(fake)
    state = poll_of(fake, message)
    # TDLib's MessagesManager::stop_poll, in its order (the texts as aiogram's exceptions match them)
    if state is None:
        raise worded("Message is not a poll")
    if state.is_closed:
        raise worded("Poll has already been closed")
    if message.sender is not bot.account:
        raise worded("Poll can't be stopped")
    close_poll(fake, state)
    message.reply_markup = markup
    return copy.deepcopy(state.poll)


# ---- dice, locations, venues, contacts -----------------------------------------------------------------

def send_dice(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    emoji = (args.arg("emoji") or "🎲").replace("\ufe0f", "")  # TDLib removes emoji modifiers

    def check(chat: Chat) -> None:
        if not is_utf8(emoji):
            raise worded("Dice emoji must be encoded in UTF-8")
        if emoji not in DICE:
            # TDLib passes the emoji on unchecked; Telegram's messages.sendMedia refuses it with EMOTICON_INVALID
            # ("The specified emoji is invalid", core.telegram.org/method/messages.sendMedia). UNCONFIRMED: a
            # bot's report of the Bot API answer
            raise bad_request("EMOTICON_INVALID")

    def roll(content: dict) -> None:
        content["dice"]["value"] = fake.ids.integer(1, DICE[emoji])  # the lab's seeded randomness

    return _send(fake, bot, args, {"dice": {"emoji": emoji, "value": 0}}, check, last=roll)


def _location(args: Args) -> tuple[float, float, float]:
    """Client::get_location: trimmed texts read as doubles (td::to_double: garbage reads as 0)."""
    latitude = args.arg("latitude").strip(" \t\r\n\0\v")
    if not latitude:
        raise bad_request("latitude is empty")
    longitude = args.arg("longitude").strip(" \t\r\n\0\v")
    if not longitude:
        raise bad_request("longitude is empty")
    return _double(latitude), _double(longitude), _double(args.arg("horizontal_accuracy").strip())


def _double(text: str) -> float:
    """td::to_double: the leading number, junk after it ignored, none at all 0; 1e999 is infinite (and then no
    place on the map)."""
    found = re.match(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text)
    return float(found.group()) if found else 0.0


def _valid_point(latitude: float, longitude: float) -> bool:
    return -90 <= latitude <= 90 and -180 <= longitude <= 180


def location_object(latitude: float, longitude: float, accuracy: float, live_period: int = 0, heading: int = 0,
                    radius: int = 0) -> dict:
    location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    if accuracy > 0:
        location["horizontal_accuracy"] = min(accuracy, 1500.0)
    if live_period:
        location["live_period"] = live_period
        if heading:
            location["heading"] = heading
        if radius:
            location["proximity_alert_radius"] = radius
    return location


def check_live(live_period: int, heading: int, radius: int) -> None:
    """Location.cpp process_input_message_location."""
    if live_period != 0 and live_period != LIVE_FOREVER and not 60 <= live_period <= 86400:
        raise worded("Wrong live location period specified")
    if heading != 0 and not 1 <= heading <= 360:
        raise worded("Wrong live location heading specified")
    if not 0 <= radius <= 100_000:
        raise worded("Wrong live location proximity alert radius specified")


def send_location(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    latitude, longitude, accuracy = _location(args)
    live_period = args.int32("live_period", 0)
    heading = args.int32("heading", 0)
    radius = args.int32("proximity_alert_radius", 0)

    def check(chat: Chat) -> None:
        if not _valid_point(latitude, longitude):
            raise worded("Wrong location specified")
        check_live(live_period, heading, radius)
        if live_period and args.arg("ephemeral_message_parameters"):
            raise worded("Wrong live location period specified")  # UNCONFIRMED: "Must be 0 for ephemeral messages"

    content = {"location": location_object(latitude, longitude, accuracy, live_period, heading, radius)}
    return _send(fake, bot, args, content, check)


def _live_message(fake: TelegramFake, bot: Bot, args: Args) -> Message:
    message_id = _message_id(args)
    if not args.arg("chat_id") and message_id == 0:
        raise bad_request("message identifier is not specified")  # inline messages are not modelled
    message = _found(_chat(fake, bot, args), message_id, "message to edit not found")
    if message.sender is not bot.account:
        raise bad_request("message can't be edited")
    location = message.content.get("location")
    if message.message_id in chat_state(message.chat).stopped_live:
        raise bad_request("message can't be edited")  # TDLib ends the live period when it is stopped
    if location is None or "venue" in message.content or "live_period" not in location:
        raise worded("There is no live location in the message to edit")
    period = location["live_period"]
    if period != LIVE_FOREVER and fake.clock.time() - message.date >= period:
        raise bad_request("message can't be edited")  # TDLib's can_edit_message: the live period is over
    return message


def edit_live_location(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    live_period = args.int32("live_period", 0)
    heading = args.int32("heading", 0)
    radius = args.int32("proximity_alert_radius", 0)
    latitude, longitude, accuracy = _location(args)
    markup = inputs.reply_markup(args)
    message = _live_message(fake, bot, args)
    if not _valid_point(latitude, longitude):
        raise worded("Invalid location specified")  # UNCONFIRMED wording in edit_message_live_location
    check_live(0, heading, radius)
    old = message.content["location"]
    period = live_period or old["live_period"]
    new = location_object(latitude, longitude, accuracy, period, heading, radius or old.get("proximity_alert_radius", 0))
    if (new, markup) == (old, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.content["location"], message.reply_markup = new, markup
    message.edit_date = int(fake.clock.time())
    return message.to_api()


def stop_live_location(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    markup = inputs.reply_markup(args)
    message = _live_message(fake, bot, args)
    old = message.content["location"]
    message.content["location"] = {k: v for k, v in old.items() if k in ("latitude", "longitude",
                                                                          "horizontal_accuracy")}
    chat_state(message.chat).stopped_live.add(message.message_id)
    message.reply_markup = markup
    message.edit_date = int(fake.clock.time())
    return message.to_api()


def send_venue(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    latitude, longitude, accuracy = _location(args)
    venue: dict[str, Any] = {"location": location_object(latitude, longitude, accuracy),
                             "title": args.arg("title"), "address": args.arg("address")}
    provider = {}
    if args.arg("google_place_id") or args.arg("google_place_type"):
        provider = {"google_place_id": args.arg("google_place_id"), "google_place_type": args.arg("google_place_type")}
    if args.arg("foursquare_id") or args.arg("foursquare_type"):  # Client.cpp: foursquare wins when both are given
        provider = {"foursquare_id": args.arg("foursquare_id"), "foursquare_type": args.arg("foursquare_type")}
    venue.update({k: v for k, v in provider.items() if v})

    def check(chat: Chat) -> None:  # MessageContent.cpp process_input_message_venue
        if not _valid_point(latitude, longitude):
            raise worded("Wrong location specified")
        for part in ("title", "address"):
            if not is_utf8(venue[part]):
                raise worded(f"Venue {part} must be encoded in UTF-8")

    return _send(fake, bot, args, {"venue": venue, "location": dict(venue["location"])}, check)


def send_contact(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    phone = _required(args, "phone_number")
    first_name = _required(args, "first_name")
    contact = {"phone_number": phone, "first_name": first_name}
    if args.arg("last_name"):
        contact["last_name"] = args.arg("last_name")
    if args.arg("vcard"):
        contact["vcard"] = args.arg("vcard")

    def check(chat: Chat) -> None:
        for value in contact.values():
            if not is_utf8(value):
                raise worded("Strings must be encoded in UTF-8")  # UNCONFIRMED: TDLib's per-field wording

    return _send(fake, bot, args, {"contact": contact}, check)


def send_message_draft(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    """A draft streams into the person's private chat (Bot API 9.3+): a 30-second preview the fake keeps until
    the bot sends a message or the preview runs out. UNCONFIRMED: the errors for draft_id 0 and a chat that is
    not private."""
    draft_id = to_integer(args.arg("draft_id"), 64)
    text, entities = _formatted(args, "text", "parse_mode", "entities")
    chat = _chat(fake, bot, args)
    if chat.type != "private":
        raise bad_request("chat not found")
    if draft_id == 0:
        raise bad_request("draft_id must be non-zero")
    if utf16_len(text) > 4096:
        raise bad_request("message is too long")
    chat_state(chat).draft = Draft(draft_id, text, entities, int(fake.clock.time()), chat.next_message_id - 1,
                                   args.flag("can_stop"), args.flag("keep_on_stop"))
    return True


# ---- deleting many messages, and people's reactions --------------------------------------------------------
def delete_messages(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    """deleteMessages: Client.cpp reads message_ids first (get_message_ids, at most 100), then checks the chat and
    skips the messages it cannot find (check_messages with allow_empty); each found one is deleted as
    deleteMessage deletes it, with the groups family's rights. UNCONFIRMED: one the bot may not delete refuses the
    whole call in deleteMessage's words, and nothing is deleted."""
    ids = _message_ids(args)
    chat = _chat(fake, bot, args)
    found = [chat.messages[i] for i in ids if i in chat.messages and not chat.messages[i].deleted]
    done = []
    try:
        for message in found:
            _DELETE_MESSAGE(fake, bot, Args([("chat_id", str(chat.id)), ("message_id", str(message.message_id))]))
            done.append(message)
    except Exception:
        for message in done:  # a refused call changes nothing
            message.deleted = False
        raise
    return True


def _reactions_actor(args: Args) -> int:
    """The user (user_id, read by get_user_id) or chat (actor_chat_id) whose reactions go."""
    if args.arg("user_id"):
        user_id = to_integer(args.arg("user_id"), 64)
        if user_id <= 0:
            raise bad_request("invalid user_id specified")
        return user_id
    return to_integer(args.arg("actor_chat_id"), 64)


def _may_delete_reactions(fake: TelegramFake, bot: Bot, chat: Chat) -> None:
    """The docs: a group or supergroup, and the bot's can_delete_messages. UNCONFIRMED: Telegram's words."""
    if chat.type not in ("group", "supergroup") or not bot_can(fake, bot, chat, "can_delete_messages"):
        raise bad_request("CHAT_ADMIN_REQUIRED")


def delete_message_reaction(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    """deleteMessageReaction: Client.cpp's order (the message id read leniently, the user, then check_message:
    "message to delete reactions not found"), then the rights."""
    message_id = _message_id(args)
    actor = _reactions_actor(args)
    chat = _chat(fake, bot, args)
    if message_id not in chat.messages or chat.messages[message_id].deleted:
        raise bad_request("message to delete reactions not found")
    _may_delete_reactions(fake, bot, chat)
    chat_state(chat).reactions.get(message_id, {}).pop(actor, None)
    return True


def delete_all_message_reactions(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    """deleteAllMessageReactions: the actor's recent reactions (up to 10,000) on every message of the chat."""
    actor = _reactions_actor(args)
    chat = _chat(fake, bot, args)
    _may_delete_reactions(fake, bot, chat)
    removed = 0
    for on_message in reversed(list(chat_state(chat).reactions.values())):  # the most recent messages first
        if removed < 10_000 and on_message.pop(actor, None) is not None:
            removed += 1
    return True


METHODS: dict[str, Callable] = {
    "sendMessage": send_message,
    "deleteMessages": delete_messages, "deleteMessageReaction": delete_message_reaction,
    "deleteAllMessageReactions": delete_all_message_reactions,
    "forwardMessage": forward_message, "forwardMessages": forward_messages,
    "copyMessage": copy_message, "copyMessages": copy_messages,
    "setMessageReaction": set_message_reaction,
    "sendPoll": send_poll, "stopPoll": stop_poll,
    "sendDice": send_dice, "sendLocation": send_location, "editMessageLiveLocation": edit_live_location,
    "stopMessageLiveLocation": stop_live_location, "sendVenue": send_venue, "sendContact": send_contact,
    "sendMessageDraft": send_message_draft,
    "editEphemeralMessageText": edit_ephemeral_text, "editEphemeralMessageCaption": edit_ephemeral_caption,
    "editEphemeralMessageReplyMarkup": edit_ephemeral_reply_markup, "deleteEphemeralMessage": delete_ephemeral,
}
