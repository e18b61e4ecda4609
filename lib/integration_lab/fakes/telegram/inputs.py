"""The JSON-valued parameters (entities, reply_markup, reply_parameters, allowed_updates) and webhook URLs,
checked as the Bot API server checks them and refused in its words.

Sources: Client.cpp of tdlib/telegram-bot-api (get_text_entity, get_reply_markup, get_reply_parameters,
get_allowed_update_types), td's JsonObject getters (tdutils/td/utils/JsonBuilder.cpp) for the
`Field "x" must be ...` wording, td's parse_url (tdutils/td/utils/HttpUrl.cpp) and TDLib's
ReplyMarkup.cpp for the UTF-8 refusals.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, NamedTuple

from . import catalogue
from .errors import bad_request, worded
from .params import Args, NotJson, byte_len, is_utf8, to_integer, to_integer_safe

MAX_CALLBACK_DATA = 64
# Every kind of update, in the Update type's order (the catalogue the fake answers): the order allowed_updates
# are kept and shown in.
UPDATE_TYPES = tuple(f["name"] for f in catalogue.TYPES["Update"]["fields"] if f["name"] != "update_id")
_INLINE_TYPES = ("web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
                 "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay")


class Fields:
    """A JSON object read with td's JsonObject getters and their error texts."""

    def __init__(self, value: dict):
        self.value = value

    def _get(self, name: str, required: bool):
        if name not in self.value and required:
            raise _Refused(f'Can\'t find field "{name}"')
        return self.value.get(name), name in self.value

    def string(self, name: str, required: bool = False) -> str | None:
        value, present = self._get(name, required)
        if present and not isinstance(value, str):  # a Num is a str: numbers pass, as their text
            raise _Refused(f'Field "{name}" must be of type String')
        return str(value) if present else None

    def integer(self, name: str, required: bool = False, bits: int = 32) -> int | None:
        value, present = self._get(name, required)
        if not present:
            return None
        if not isinstance(value, str):
            raise _Refused(f'Field "{name}" must be a Number')
        number = to_integer_safe(value, bits)
        if number is None:
            raise _Refused(f'Field "{name}" must be a valid Number')
        return number

    def boolean(self, name: str) -> bool:
        value, present = self._get(name, False)
        if present and not isinstance(value, bool):
            raise _Refused(f'Field "{name}" must be of type Boolean')
        return bool(value)


class _Refused(Exception):
    """A check inside a JSON value failed; the caller prefixes what it was parsing."""


def _json_object(args: Args, name: str, parsed_as: str, expected_as: str) -> dict:
    """A parameter that must be a JSON object, refused in td's words for unparsable JSON or another type."""
    try:
        value = args.json(name)
    except NotJson:
        raise bad_request(f"can't parse {parsed_as} JSON object") from None
    if not isinstance(value, dict):
        raise bad_request(f"object expected as {expected_as}")
    return value


def entities(args: Args, name: str = "entities") -> list[dict]:
    """MessageEntity objects a bot sends; unparsable JSON or a non-array is ignored, as on Telegram."""
    try:
        value = args.json(name) if args.arg(name) else None
    except NotJson:
        return []
    if not isinstance(value, list):
        return []
    found = []
    for item in value:
        try:
            entity = _entity(item)
        except _Refused as refused:
            raise worded(f"Can't parse MessageEntity: {refused}") from None
        if entity is not None:
            found.append(entity)
    return found


def _entity(item: Any) -> dict | None:
    if not isinstance(item, dict):
        raise _Refused("expected an Object")
    fields = Fields(item)
    offset, length = fields.integer("offset", True), fields.integer("length", True)
    kind = fields.string("type", True)
    if not kind:
        raise _Refused("Type is not specified")
    entity: dict[str, Any] = {"offset": offset, "length": length, "type": kind}
    if kind in ("bold", "italic", "underline", "strikethrough", "spoiler", "code", "blockquote",
                "expandable_blockquote"):
        return entity
    if kind == "pre":
        language = fields.string("language")
        return {**entity, "language": language} if language else entity
    if kind == "text_link":
        return {**entity, "url": fields.string("url", True)}
    if kind == "text_mention":
        user = item.get("user")
        if not isinstance(user, dict):
            raise _Refused('Can\'t find field "user"' if "user" not in item else 'Field "user" must be of type Object')
        return {**entity, "user": {"id": Fields(user).integer("id", True, bits=64)}}
    if kind == "custom_emoji":
        return {**entity, "custom_emoji_id": str(fields.integer("custom_emoji_id", True, bits=64))}
    if kind == "date_time":
        return {**entity, "unix_time": fields.integer("unix_time", True)}
    if kind in ("mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number", "bank_card_number"):
        return None  # Telegram finds these itself
    raise _Refused("Unsupported type specified")


def check_entities(found: list[dict]) -> None:
    """TDLib's get_message_entities: the strings an entity carries must be UTF-8."""
    for entity in found:
        for field, name in (("url", "MessageEntityTextUrl.url"), ("language", "MessageEntityPreCode.language")):
            if not is_utf8(entity.get(field, "")):
                raise worded(f"{name} must be encoded in UTF-8")


def fit_entities(found: list[dict], size: int) -> list[dict]:
    """Entities cut to the text (UTF-16 units), as TDLib trims them; a bad offset is refused."""
    kept = []
    for entity in found:
        for part in ("offset", "length"):
            if not 0 <= entity[part] <= 1_000_000:
                raise bad_request(f"receive an entity with incorrect {part} {entity[part]}")
        end = min(entity["offset"] + entity["length"], size)
        if end > entity["offset"]:
            kept.append({**entity, "length": end - entity["offset"]})
    return kept


def reply_markup(args: Args) -> dict | None:
    """The markup to store on the message: an inline keyboard, or None (reply keyboards are the user's)."""
    if not args.arg("reply_markup"):
        return None
    value = _json_object(args, "reply_markup", "reply keyboard markup", "reply markup")
    try:
        _reply_keyboard(value)
        rows = value.get("inline_keyboard")
        if rows is not None and not isinstance(rows, list):
            raise _Refused('Field "inline_keyboard" must be of type Array')
        keyboard = []
        for row in rows or []:
            if not isinstance(row, list):
                raise _Refused('Field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
            keyboard.append([_inline_button(button) for button in row])
        for flag in ("hide_keyboard", "remove_keyboard", "personal_keyboard", "selective", "force_reply_keyboard",
                     "force_reply"):
            Fields(value).boolean(flag)
    except _Refused as refused:
        raise worded(str(refused)) from None
    return {"inline_keyboard": keyboard} if keyboard else None


def _reply_keyboard(value: dict) -> None:
    rows = value.get("keyboard")
    if rows is not None and not isinstance(rows, list):
        raise _Refused('Field "keyboard" must be of type Array')
    for row in rows or []:
        if not isinstance(row, list):
            raise _Refused('Field "keyboard" must be an Array of Arrays')
        for button in row:
            if isinstance(button, dict):
                _button_text(Fields(button), "Can't parse keyboard button: ", "Keyboard button text")
            elif type(button) is not str:  # a JSON number is not a button
                raise _Refused("Can't parse keyboard button: KeyboardButton must be a String or an Object")


def _button_text(fields: Fields, prefix: str, what: str) -> str:
    try:
        text = fields.string("text", True)
    except _Refused as refused:
        raise _Refused(f"{prefix}{refused}") from None
    if not is_utf8(text):
        raise _Refused(f"{what} must be encoded in UTF-8")
    return text


def _inline_button(button: Any) -> dict:
    prefix = "Can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise _Refused(f"{prefix}InlineKeyboardButton must be an Object")
    fields = Fields(button)
    text = _button_text(fields, prefix, "Inline keyboard button text")
    try:
        url, data = fields.string("url"), fields.string("callback_data")
    except _Refused as refused:
        raise _Refused(f"{prefix}{refused}") from None
    if url:
        if not is_utf8(url):
            raise _Refused("Inline keyboard button URL must be encoded in UTF-8")
        return {"text": text, "url": url}
    if data:
        if byte_len(data) > MAX_CALLBACK_DATA:
            raise _Refused("BUTTON_DATA_INVALID")
        return {"text": text, "callback_data": data if is_utf8(data) else "INVALID"}  # Client.cpp shows "INVALID"
    kind = next((k for k in _INLINE_TYPES if k in button), None)
    if kind is None:
        raise _Refused(f"{prefix}Text buttons are unallowed in the inline keyboard")
    if not _all_utf8(button[kind]):
        raise _Refused("Strings must be encoded in UTF-8")
    return {"text": text, kind: button[kind]}


def _all_utf8(value: Any) -> bool:
    if isinstance(value, str):
        return is_utf8(value)
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    return all(_all_utf8(k) and _all_utf8(v) for k, v in items)


def reply_to(args: Args) -> tuple[int, bool]:
    """(message id the bot replies to or 0, allow_sending_without_reply), from either way of saying it."""
    if not args.has("reply_parameters"):
        return max(to_integer(args.arg("reply_to_message_id")), 0), args.flag("allow_sending_without_reply")
    if not args.arg("reply_parameters"):
        return 0, False
    value = _json_object(args, "reply_parameters", "reply parameters", "reply parameters")
    if not value:
        return 0, False
    fields = Fields(value)
    try:
        fields.string("chat_id")
        message_id = fields.integer("message_id", True)
        return max(message_id, 0), fields.boolean("allow_sending_without_reply")
    except _Refused as refused:
        raise worded(str(refused)) from None


def allowed_updates(args: Args) -> list[str] | None:
    """get_allowed_update_types: None leaves the setting as it was; a list of only unknown names, or an
    empty one, restores the default."""
    try:
        value = args.json("allowed_updates") if args.arg("allowed_updates") else None
    except NotJson:
        return None
    if not isinstance(value, list) or any(type(name) is not str for name in value):
        return None  # a Num is not a string here
    names = {name.lower() for name in value}
    return [kind for kind in UPDATE_TYPES if kind in names] or []


class Url(NamedTuple):
    scheme: str
    host: str  # lower-cased; an IPv6 address keeps its brackets
    target: str  # what a delivery requests: scheme, host, the port if one was given, path and query


def webhook_url(url: str) -> Url:
    """td's parse_url with https as the default, or Telegram's refusal."""
    try:
        return _parse_url(url)
    except ValueError:
        raise bad_request("invalid webhook URL specified") from None


def _parse_url(url: str) -> Url:
    if not is_utf8(url):
        raise ValueError("not UTF-8")
    head = next((i for i, c in enumerate(url) if c in ":/?#@[]"), len(url))
    scheme, rest = "https", url
    if url.startswith("://", head):
        scheme, rest = url[:head].lower(), url[head + 3:]
        if scheme not in ("http", "https"):
            raise ValueError("Unsupported URL protocol")
    cut = next((i for i, c in enumerate(rest) if c in "/?#"), len(rest))
    authority, path = rest[:cut], rest[cut:].rstrip(" \t\r\n\0\v") or "/"
    colon = max(authority.rfind(":"), authority.rfind("]"), authority.rfind("@"))
    port = 0
    if colon > 0 and authority[colon] == ":":
        digits = authority[colon + 1:]
        digits = digits.lstrip("0") or digits[:1]  # leading zeros go, one digit stays
        port = to_integer_safe(digits) or -1
        authority = authority[:colon]
    if not 0 <= port <= 65535:
        raise ValueError("Wrong port number specified in the URL")
    userinfo, _, host = authority.rpartition("@")
    ipv6 = host.startswith("[") and host.endswith("]") and len(host) > 1
    if not host or host == ".":
        raise ValueError("URL host is empty")
    if ipv6:
        ipaddress.IPv6Address(host[1:-1])  # ValueError: "Wrong IPv6 address specified in the URL"
    else:
        _check_url_part(host, "host")
        _check_url_part(userinfo, "userinfo", ":")
    path = re.sub(r"[\x00-\x20]", lambda m: f"%{ord(m.group()):02X}", path if path[0] == "/" else "/" + path)
    return Url(scheme, host.lower(), f"{scheme}://{host.lower()}{f':{port}' if port else ''}{path.split('#')[0]}")


_URL_PART = re.compile(r"(?:[A-Za-z0-9.\-_!$,~*'();&+=]|%[0-9A-Fa-f]{2}|[^\x00-\x7f])*")


def _check_url_part(part: str, name: str, extra: str = "") -> None:
    """RFC 3986 symbols, percent escapes and plain UTF-8 only."""
    if not _URL_PART.fullmatch(part.replace(extra, "a") if extra else part):
        raise ValueError(f"Disallowed character in URL {name}")

