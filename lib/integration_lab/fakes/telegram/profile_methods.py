"""Commands, menus and the bot's profile: set/get/deleteMyCommands with every BotCommandScope and language,
the menu button, the bot's name, description and short description, its default administrator rights and
profile photo, and what a person sees of all that (`menu_for`, `profile_for`, the control routes below).

Sources, in the order a call meets them:
- Client.cpp of tdlib/telegram-bot-api: get_bot_commands / get_bot_command (`commands` parsed first),
  get_bot_command_scope (the scope's JSON and its words), check_bot_command_scope (the scope's chat read as
  check_chat reads chat_id), get_bot_menu_button, get_user_id + check_user (setChatMenuButton's chat_id),
  get_chat_administrator_rights, JsonBotMenuButton, json_store_administrator_rights;
- TDLib's BotCommand.cpp (set_commands: a command trimmed, one leading '/' dropped, then "Command must be
  non-empty", "Command length must not exceed 32", "Command description must be non-empty",
  "Command description length must not exceed 256"), BotCommandScope.cpp ("Can't use specified scope in private
  chats", "Can't change commands in channel chats"), misc.cpp validate_bot_language_code ("Invalid language
  code specified": empty or two letters a-z), BotMenuButton.cpp ("Menu button text must be non-empty",
  "Menu button Web App " + LinkManager::check_link's error, HTTPS only);
- Telegram's own refusals (MTProto bots.setBotCommands), as bots quote them: BOT_COMMAND_INVALID (a command
  other than lowercase latin letters, digits and underscores) and BOT_COMMANDS_TOO_MUCH (over 100);
- the Bot API docs, BotCommandScope, "Determining list of commands": the order `menu_for` resolves.

getMyCommands answers the exact scope and language asked, never a fallback (bots.getBotCommands); an empty
list set is no list (TDLib's update_all_bot_commands drops it), so the menu falls through to the next scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import control_routes
from .errors import bad_request, worded
from .inputs import Fields, _parse_url, _Refused
from .methods import _chat, get_me
from .params import Args, NotJson, is_utf8, to_bool, to_integer
from .state import Bot, Chat
from .world import TelegramFake

FAMILY = "profile"
MAX_COMMANDS = 100  # Bot API docs, setMyCommands: "At most 100 commands can be specified."
MAX_COMMAND = 32  # TDLib set_commands: MAX_COMMAND_TEXT_LENGTH (characters, after trimming)
MAX_COMMAND_DESCRIPTION = 256  # TDLib set_commands: MAX_COMMAND_DESCRIPTION_LENGTH
MAX_NAME, MAX_DESCRIPTION, MAX_SHORT_DESCRIPTION = 64, 512, 120  # Bot API docs: setMyName, setMyDescription, …
_SPACE = " \t\r\n\0\v"  # td::trim
_COMMAND_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
SCOPES = ("default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat",
          "chat_administrators", "chat_member")
_TEXTS = {"name": MAX_NAME, "description": MAX_DESCRIPTION, "short_description": MAX_SHORT_DESCRIPTION}
_RIGHTS = ("can_manage_chat", "can_change_info", "can_post_messages", "can_edit_messages", "can_delete_messages",
           "can_invite_users", "can_restrict_members", "can_pin_messages", "can_manage_topics",
           "can_promote_members", "can_manage_video_chats", "can_post_stories", "can_edit_stories",
           "can_delete_stories", "can_manage_direct_messages", "can_manage_tags", "is_anonymous")

Key = tuple  # (scope type, chat id or 0, user id or 0)


@dataclass
class Profile:
    """One bot's commands, menu buttons and profile texts (Bot.extra["profile"]; reset() forgets it)."""

    commands: dict[tuple[Key, str], list[dict]] = field(default_factory=dict)  # (scope key, language) -> list
    default_button: dict = field(default_factory=lambda: {"type": "commands"})
    buttons: dict[int, dict] = field(default_factory=dict)  # user id -> that user's own button
    texts: dict[tuple[str, str], str] = field(default_factory=dict)  # (name|description|short_description, lang)
    rights: dict[bool, dict] = field(default_factory=dict)  # for_channels -> the rights as sent
    photo: dict | None = None  # the InputProfilePhoto last set, or None


def profile(bot: Bot) -> Profile:
    return control_routes.family_state(bot, FAMILY, Profile)


# ---- reading the parameters ------------------------------------------------------------------------------

def _trim(value: str) -> str:
    return value.strip(_SPACE)


def _language(args: Args) -> str:
    """TDLib's validate_bot_language_code: empty, or exactly two letters a-z."""
    code = args.arg("language_code")
    if code and not (len(code) == 2 and all("a" <= c <= "z" for c in code)):
        raise bad_request("invalid language code specified")
    return code


def _commands(args: Args) -> list[dict]:
    """Client::get_bot_commands: a missing parameter is an empty list."""
    if not args.arg("commands"):
        return []
    try:
        value = args.json("commands")
    except NotJson:
        raise bad_request("can't parse commands JSON object") from None
    if not isinstance(value, list):
        raise bad_request("expected an Array of BotCommand")
    found = []
    for item in value:
        try:
            if not isinstance(item, dict):
                raise _Refused("expected an Object")
            fields = Fields(item)
            command = {"command": fields.string("command", True), "description": fields.string("description", True)}
            if fields.boolean("is_ephemeral"):  # Bot API 10.2: kept as sent
                command["is_ephemeral"] = True
        except _Refused as refused:
            raise worded(f"Can't parse BotCommand: {refused}") from None
        found.append(command)
    return found


def _scope(args: Args) -> tuple[str, str, int]:
    """Client::get_bot_command_scope: (type, the chat_id text or "", user_id or 0)."""
    if not args.arg("scope"):
        return "default", "", 0
    try:
        value = args.json("scope")
    except NotJson:
        raise bad_request("can't parse BotCommandScope JSON object") from None
    try:
        if not isinstance(value, dict):
            raise _Refused("BotCommandScope must be an Object")
        fields = Fields(value)
        kind = fields.string("type", True)
        if kind in SCOPES[:4]:
            return kind, "", 0
        if kind not in SCOPES:
            raise _Refused("Unsupported type specified")
        chat_id = fields.string("chat_id", True)
        if not chat_id:
            raise _Refused("Empty chat_id specified")
        if kind != "chat_member":
            return kind, chat_id, 0
        user_id = fields.integer("user_id", True, bits=64)
        if user_id <= 0:
            raise _Refused("Invalid user_id specified")
        return kind, chat_id, user_id
    except _Refused as refused:
        raise worded(f"Can't parse BotCommandScope: {refused}") from None


def _scope_key(fake: TelegramFake, bot: Bot, args: Args) -> Key:
    """The scope read, then its chat checked (check_bot_command_scope, then TDLib's BotCommandScope)."""
    kind, raw_chat, user_id = _scope(args)
    if not raw_chat:
        return kind, 0, 0
    chat = _chat(fake, bot, Args([("chat_id", raw_chat)]))
    if chat.type == "private" and kind != "chat":
        raise bad_request("can't use specified scope in private chats")
    if chat.type == "channel":
        raise bad_request("can't change commands in channel chats")
    if kind == "chat_member" and user_id not in fake.accounts:
        raise bad_request("user not found")  # UNCONFIRMED: TDLib's get_input_user for a user it never saw
    return kind, chat.id, user_id


def _checked_commands(commands: list[dict]) -> list[dict]:
    """TDLib's set_commands, then Telegram's own checks; the list as Telegram stores it."""
    stored = []
    for command in commands:
        name, description = command["command"], command["description"]
        if not is_utf8(name):
            raise bad_request("command must be encoded in UTF-8")
        if not is_utf8(description):
            raise bad_request("command description must be encoded in UTF-8")
        name = _trim(name).removeprefix("/")
        if not name:
            raise bad_request("command must be non-empty")
        if len(name) > MAX_COMMAND:
            raise bad_request(f"command length must not exceed {MAX_COMMAND}")
        description = _trim(description)
        if not description:
            raise bad_request("command description must be non-empty")
        if len(description) > MAX_COMMAND_DESCRIPTION:
            raise bad_request(f"command description length must not exceed {MAX_COMMAND_DESCRIPTION}")
        stored.append({**command, "command": name, "description": description})
    if len(stored) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")  # Telegram's; which of the two it checks first: UNCONFIRMED
    if any(not set(c["command"]) <= _COMMAND_CHARS for c in stored):
        raise bad_request("BOT_COMMAND_INVALID")
    return stored


# ---- the methods ---------------------------------------------------------------------------------------

def set_my_commands(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    commands = _commands(args)
    key = _scope_key(fake, bot, args)
    language = _language(args)
    stored = _checked_commands(commands)
    lists = profile(bot).commands
    if stored:
        lists[key, language] = stored
    else:
        lists.pop((key, language), None)  # an empty list is no list: the menu falls through
    return True


def get_my_commands(fake: TelegramFake, bot: Bot, args: Args) -> list[dict]:
    key = _scope_key(fake, bot, args)
    language = _language(args)
    return [dict(c) for c in profile(bot).commands.get((key, language), [])]


def delete_my_commands(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    key = _scope_key(fake, bot, args)
    language = _language(args)
    profile(bot).commands.pop((key, language), None)
    return True


def _menu_button(args: Args) -> dict:
    """Client::get_bot_menu_button, then TDLib's set_menu_button checks; the button as getChatMenuButton shows it."""
    if not args.arg("menu_button"):
        return {"type": "default"}
    try:
        value = args.json("menu_button")
    except NotJson:
        raise bad_request("can't parse menu button JSON object") from None
    try:
        if not isinstance(value, dict):
            raise _Refused("MenuButton must be an Object")
        fields = Fields(value)
        kind = fields.string("type", True)
        if kind in ("default", "commands"):
            return {"type": kind}
        if kind != "web_app":
            raise _Refused("MenuButton has unsupported type")
        text = fields.string("text", True)
        if "web_app" not in value:
            raise _Refused('Can\'t find field "web_app"')
        if not isinstance(value["web_app"], dict):
            raise _Refused('Field "web_app" must be of type Object')
        url = Fields(value["web_app"]).string("url", True)
    except _Refused as refused:
        raise worded(f"Can't parse menu button: {refused}") from None
    if not text:
        if url != "default":
            raise bad_request("menu button text must be non-empty")
        return {"type": "default"}
    if not is_utf8(text):
        raise bad_request("menu button text must be encoded in UTF-8")
    if not is_utf8(url):
        raise bad_request("menu button URL must be encoded in UTF-8")
    return {"type": "web_app", "text": text, "web_app": {"url": _https_link(url)}}


def _https_link(url: str) -> str:
    """LinkManager::check_link(url, http_only, https_only): td's parse_url (http when no scheme is given),
    then HTTPS only. The link kept is the one parsed (host lower-cased, "/" for an empty path)."""
    try:
        parsed = _parse_url(url)  # with no scheme td reads http, so only an explicit https:// passes
        if url[:8].lower() != "https://":
            raise ValueError("Only HTTPS links are allowed")
    except ValueError as wrong:
        raise bad_request(f"menu button Web App URL '{url}' is invalid: {wrong}") from None
    return parsed.target


def _menu_user(fake: TelegramFake, args: Args) -> int | None:
    """Client::get_user_id(query, "chat_id") + check_user: None when chat_id is not given."""
    if not args.has("chat_id"):
        return None
    user_id = max(to_integer(args.arg("chat_id"), 64), 0)
    if user_id == 0:
        raise bad_request("invalid chat_id specified")
    account = fake.accounts.get(user_id)
    if account is None or account.is_bot:
        raise bad_request("user not found")
    return user_id


def set_chat_menu_button(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    button = _menu_button(args)
    user_id = _menu_user(fake, args)
    state = profile(bot)
    if user_id is None:
        state.default_button = button
    elif button["type"] == "default":
        state.buttons.pop(user_id, None)
    else:
        state.buttons[user_id] = button
    return True


def get_chat_menu_button(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    """A user with no button of their own: "default" (the bot's applies). A fresh bot's own: "commands"
    (UNCONFIRMED: what Telegram answers before any setChatMenuButton)."""
    user_id = _menu_user(fake, args)
    state = profile(bot)
    if user_id is None:
        return _copy(state.default_button)
    return _copy(state.buttons.get(user_id, {"type": "default"}))


def _copy(button: dict) -> dict:
    return {**button, **({"web_app": dict(button["web_app"])} if "web_app" in button else {})}


def _text_setter(kind: str, noun: str):
    def set_text(fake: TelegramFake, bot: Bot, args: Args) -> bool:
        language = _language(args)
        value = args.arg(kind)
        if not is_utf8(value):
            raise bad_request("strings must be encoded in UTF-8")  # UNCONFIRMED for these three methods
        if len(value) > _TEXTS[kind]:
            raise bad_request(f"{noun} is too long")  # UNCONFIRMED wording (the limits are the Bot API docs')
        if kind == "name" and not value and not language:
            raise bad_request("name must be non-empty")  # UNCONFIRMED: TDLib's docs require it, the words are ours
        texts = profile(bot).texts
        if value:
            texts[kind, language] = value
        else:
            texts.pop((kind, language), None)  # "Pass an empty string to remove the dedicated …"
        return True

    set_text.__name__ = f"set_my_{kind}"
    return set_text


def _text_getter(kind: str):
    def get_text(fake: TelegramFake, bot: Bot, args: Args) -> dict:
        language = _language(args)
        return {kind: text_of(bot, kind, language, fallback=False)}

    get_text.__name__ = f"get_my_{kind}"
    return get_text


def text_of(bot: Bot, kind: str, language: str = "", fallback: bool = True) -> str:
    """The bot's name/description/short description in `language`: the dedicated one, else (with `fallback`,
    as a person sees it) the one for every language. The name for every language is the account's name.
    getMy* asks without fallback (UNCONFIRMED: whether Telegram falls back there)."""
    texts = profile(bot).texts
    found = texts.get((kind, language))
    if found is None and (fallback or not language):
        found = texts.get((kind, ""))
        if found is None and kind == "name":
            found = bot.account.first_name
    return found or ""


def get_me_named(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    """getMe: its first_name is the name setMyName gave for every language."""
    me = get_me(fake, bot, args)
    me["first_name"] = text_of(bot, "name")
    return me


def _rights(args: Args) -> dict | None:
    """Client::get_chat_administrator_rights: None when not given (Telegram then clears them)."""
    if not args.arg("rights"):
        return None
    try:
        value = args.json("rights")
    except NotJson:
        raise bad_request("can't parse ChatAdministratorRights JSON object") from None
    try:
        if not isinstance(value, dict):
            raise _Refused("ChatAdministratorRights must be an Object")
        fields = Fields(value)
        return {name: fields.boolean(name) for name in _RIGHTS}
    except _Refused as refused:
        raise worded(f"Can't parse ChatAdministratorRights: {refused}") from None


def set_my_default_administrator_rights(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    for_channels = args.flag("for_channels")
    rights = _rights(args)
    state = profile(bot)
    if rights is None:
        state.rights.pop(for_channels, None)
    else:
        state.rights[for_channels] = rights
    return True


def get_my_default_administrator_rights(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    """json_store_administrator_rights: the fields for a channel or a supergroup, false where not set."""
    for_channels = args.flag("for_channels")
    rights = profile(bot).rights.get(for_channels, {})
    shown = {}
    for name in _RIGHTS:
        if for_channels and name in ("can_pin_messages", "can_manage_topics", "can_manage_tags"):
            continue
        if not for_channels and name in ("can_post_messages", "can_edit_messages", "can_manage_direct_messages"):
            continue
        shown[name] = bool(rights.get(name))
    shown["can_send_welcome_messages"] = False  # Bot API 10.3's field; the 10.0 server does not know it
    return shown


def set_my_profile_photo(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    """Checked as far as the photo's shape (InputProfilePhoto: static or animated); the upload itself is the
    media family's. UNCONFIRMED: the reference's get_input_chat_photo words beyond these."""
    if not args.arg("photo"):
        raise bad_request("photo isn't specified")  # Client::get_input_chat_photo
    try:
        value = args.json("photo")
    except NotJson:
        raise bad_request("can't parse photo JSON object") from None  # Client::get_input_chat_photo
    if not isinstance(value, dict) or value.get("type") not in ("static", "animated"):
        raise bad_request("can't parse InputProfilePhoto: unsupported type specified")  # UNCONFIRMED
    profile(bot).photo = {k: v for k, v in value.items() if isinstance(v, str)}
    return True


def remove_my_profile_photo(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    profile(bot).photo = None
    return True


METHODS = {
    "getMe": get_me_named,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
    "setMyName": _text_setter("name", "name"),
    "getMyName": _text_getter("name"),
    "setMyDescription": _text_setter("description", "description"),
    "getMyDescription": _text_getter("description"),
    "setMyShortDescription": _text_setter("short_description", "short description"),
    "getMyShortDescription": _text_getter("short_description"),
    "setMyDefaultAdministratorRights": set_my_default_administrator_rights,
    "getMyDefaultAdministratorRights": get_my_default_administrator_rights,
    "setMyProfilePhoto": set_my_profile_photo,
    "removeMyProfilePhoto": remove_my_profile_photo,
}


# ---- what a person sees --------------------------------------------------------------------------------

PRIVATE_ORDER = (("chat", True), ("chat", False), ("all_private_chats", True), ("all_private_chats", False),
                 ("default", True), ("default", False))
GROUP_ORDER = (("chat_member", True), ("chat_member", False), ("chat_administrators", True),
               ("chat_administrators", False), ("chat", True), ("chat", False), ("all_chat_administrators", True),
               ("all_chat_administrators", False), ("all_group_chats", True), ("all_group_chats", False),
               ("default", True), ("default", False))
_ADMIN_ONLY = {"chat_administrators", "all_chat_administrators"}


def is_administrator(chat: Chat, user_id: int) -> bool:
    """Whether a person administers a group, as far as the fake knows: a family that keeps members' statuses
    puts an `administrators()` (ids) or an `is_administrator(user_id)` on the chat's extra state."""
    for state in chat.extra.values():
        if hasattr(state, "is_administrator"):
            return bool(state.is_administrator(user_id))
        if hasattr(state, "administrators"):
            return user_id in state.administrators()
    return False


def menu_for(bot: Bot, chat: Chat, user_id: int, language_code: str = "", admin: bool | None = None) -> dict:
    """The commands the person's menu shows in `chat` (the Bot API docs' "Determining list of commands": the
    first list set wins) with the scope that gave them, and the menu button they see."""
    lists = profile(bot).commands
    language = language_code[:2].lower() if language_code else ""  # the app's language, e.g. "en-GB": "en"
    private = chat.type == "private"
    if admin is None:
        admin = not private and is_administrator(chat, user_id)
    order = PRIVATE_ORDER if private else GROUP_ORDER
    commands, scope = [], None
    for kind, with_language in order:
        if kind in _ADMIN_ONLY and not admin:
            continue
        if with_language and not language:
            continue
        key = (kind, chat.id if kind.startswith("chat") else 0, user_id if kind == "chat_member" else 0)
        found = lists.get((key, language if with_language else ""))
        if found:
            commands, scope = [dict(c) for c in found], {"type": kind, "language_code": language
                                                         if with_language else ""}
            break
    return {"commands": commands, "scope": scope, "menu_button": _button_seen(bot, user_id if private else None)}


def _button_seen(bot: Bot, user_id: int | None) -> dict:
    """The button in the person's chat with the bot: their own, else the bot's; "default" is "commands".
    Groups show no menu button (the menu there is the "/" list)."""
    if user_id is None:
        return {"type": "commands"}
    state = profile(bot)
    button = state.buttons.get(user_id) or state.default_button
    return _copy(button) if button["type"] != "default" else {"type": "commands"}


def profile_for(bot: Bot, language_code: str = "") -> dict:
    """The bot's profile as a person whose app speaks `language_code` sees it."""
    language = language_code[:2].lower() if language_code else ""
    return {"first_name": text_of(bot, "name", language), "username": bot.account.username,
            "description": text_of(bot, "description", language),
            "short_description": text_of(bot, "short_description", language),
            "has_photo": profile(bot).photo is not None}


def _person(fake: TelegramFake, data: dict) -> tuple[int, str]:
    raw = data.get("user_id")
    try:
        user_id = int(raw)
    except (TypeError, ValueError):
        raise ValueError('"user_id" must be a person\'s id') from None
    account = fake.accounts.get(user_id)
    if account is None or account.is_bot:
        raise LookupError(f"no person {user_id}")
    language = data.get("language_code") or account.language_code or ""
    if not isinstance(language, str):
        raise ValueError('"language_code" must be text, e.g. "en"')
    return user_id, language


@control_routes.route("GET", r"^/_lab/chats/(-?\d+)/menu$")
def _menu_route(fake: TelegramFake, people: Any, match, data: dict) -> dict:
    """GET /_lab/chats/{id}/menu?user_id=…&language_code=…[&admin=true]: the person's menu in that chat."""
    chat = people.bot.chats.get(int(match.group(1)))
    if chat is None:
        raise LookupError(f"no chat {match.group(1)}")
    user_id, language = _person(fake, data)
    if (chat.person.id != user_id) if chat.type == "private" else (user_id not in chat.members):
        raise ValueError(f"person {user_id} is not in chat {chat.id}: only its people open its menu")
    admin = to_bool(str(data["admin"])) if "admin" in data else None
    return {"chat_id": chat.id, "user_id": user_id, "language_code": language,
            **menu_for(people.bot, chat, user_id, language, admin)}


@control_routes.route("GET", r"^/_lab/profile$")
def _profile_route(fake: TelegramFake, people: Any, match, data: dict) -> dict:
    """GET /_lab/profile?language_code=…: the bot's name and descriptions as a person in that language sees
    them (user_id=… takes the person's own language)."""
    language = data.get("language_code") or ""
    if "user_id" in data and not language:
        _, language = _person(fake, data)
    return {"language_code": language, "profile": profile_for(people.bot, language)}
