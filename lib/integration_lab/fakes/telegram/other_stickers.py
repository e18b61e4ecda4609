"""Sticker sets a bot creates for a person: uploaded sticker files, the sets, their stickers, read back by name.

Checks in the reference server's order (Client.cpp of tdlib/telegram-bot-api: process_<method>_query,
get_input_stickers, get_input_sticker, get_sticker_emojis, get_sticker_format, get_sticker_type,
get_mask_position, get_sticker_input_file) with its words; then what TDLib and Telegram check, with the texts
fail_query_with_error maps (PACK_SHORT_NAME_INVALID -> "invalid sticker set name is specified",
PACK_SHORT_NAME_OCCUPIED -> "sticker set name is already occupied"), and TDLib's own (td/telegram/StickersManager.cpp:
create_new_sticker_set, prepare_input_file, set_sticker_set_title, set_sticker_position_in_set; FileManager.cpp for
a file_id it cannot read). Texts marked UNCONFIRMED are Telegram's error names as bots report them.

State: the sets live on the fake (sticker sets are global on Telegram: any bot can getStickerSet them), by
lower-cased name; uploaded sticker files on the fake too, the newest MAX_UPLOADS kept.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .control_routes import family_state
from .errors import ApiError, bad_request, worded
from .params import Args, NotJson, to_integer, to_integer_safe
from .state import Bot
from .world import TelegramFake

MAX_EMOJI = 20  # Client.h MAX_STICKER_EMOJI_COUNT
MAX_STICKERS_AT_CREATION = 50  # get_input_stickers
MAX_IN_SET = {"regular": 120, "mask": 120, "custom_emoji": 200}  # Bot API docs, addStickerToSet
MAX_UPLOADS = 1_000
MAX_SETS = 1_000  # sets kept by the fake, the oldest forgotten first (memory stays bounded)
MAX_TITLE = 64  # Bot API docs: title 1-64 characters
MAX_NAME = 64
FORMATS = {"static", "animated", "video"}
MASK_POINTS = ("forehead", "eyes", "mouth", "chin")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


@dataclass
class StickerSet:
    name: str
    title: str
    sticker_type: str
    owner: int  # the user the set belongs to
    bot_id: int  # the bot that created it (only it may edit)
    needs_repainting: bool = False
    stickers: list[dict] = field(default_factory=list)
    keywords: dict[str, list[str]] = field(default_factory=dict)  # file_id -> keywords (not in Sticker)
    thumbnail: dict | None = None

    def to_api(self) -> dict:
        result = {"name": self.name, "title": self.title, "sticker_type": self.sticker_type,
                  "stickers": [dict(s) for s in self.stickers]}
        if self.thumbnail:
            result["thumbnail"] = dict(self.thumbnail)
        return result


@dataclass
class Stickers:
    sets: dict[str, StickerSet] = field(default_factory=dict)
    uploads: dict[str, dict] = field(default_factory=dict)  # file_id -> {"format", "file_unique_id", "size"}

    def find(self, file_id: str) -> tuple[StickerSet, int] | None:
        for sticker_set in self.sets.values():
            for i, sticker in enumerate(sticker_set.stickers):
                if sticker["file_id"] == file_id:
                    return sticker_set, i
        return None


def bound(table: dict, most: int) -> None:
    """Forget the oldest entries of `table` beyond `most` (the family's memory stays bounded)."""
    while len(table) > most:
        table.pop(next(iter(table)))


def stickers_of(fake: TelegramFake) -> Stickers:
    return family_state(fake, "stickers", Stickers)


def _file_ids(fake: TelegramFake, kind: str = "CAACAgIAAxkBAAE") -> tuple[str, str]:
    """A file_id and file_unique_id shaped like Telegram's (base64url, opaque to bots), from the seeded ids."""
    return kind + fake.ids.token("", 44), "AgAD" + fake.ids.token("", 12)


# ---- reading parameters as Client.cpp does ----------------------------------------------------------------
def user_id(args: Args, name: str = "user_id") -> int:
    """Client::get_user_id: lenient int64, at least 1."""
    found = max(to_integer(args.arg(name), 64), 0)
    if found == 0:
        raise bad_request(f"invalid {name} specified")
    return found


def known_user(fake: TelegramFake, user: int) -> None:
    """check_user: a user the bot has met, else TdOnCheckUserCallback's "user not found"."""
    account = fake.accounts.get(user)
    if account is None or account.is_bot:
        raise bad_request("user not found")


def _json(args: Args, name: str, refusal: str):
    try:
        return args.json(name)
    except NotJson:
        raise bad_request(refusal) from None


def sticker_format(value: str) -> str | None:
    """get_sticker_format; None is "auto"."""
    if value in FORMATS:
        return value
    if value == "auto":
        return None
    raise bad_request("invalid sticker format specified")


def _sticker_type(value: str) -> str:
    if value in ("", "regular"):
        return "regular"
    if value in ("mask", "custom_emoji"):
        return value
    raise bad_request("unsupported sticker type specified")


def _is_emoji(value: str) -> bool:
    """td::is_emoji, approximately: one pictographic emoji (with its modifiers, joiners, keycap or flag)."""
    if not value or len(value) > 16:
        return False
    first = value[0]
    if 0x1F1E6 <= ord(first) <= 0x1F1FF:  # regional indicators (a flag)
        return len(value) == 2 and 0x1F1E6 <= ord(value[1]) <= 0x1F1FF
    if first in "0123456789#*":
        return value[1:] in ("\u20e3", "\ufe0f\u20e3")
    return ord(first) >= 0x203C and unicodedata.category(first) == "So"


def _emojis(value, context: str = "") -> list[str]:
    """get_sticker_emojis(JsonValue): the words it refuses with."""
    if not isinstance(value, list):
        raise _Parse("expected an Array of string")
    if not value:
        raise _Parse("emoji list must be non-empty")
    if len(value) > MAX_EMOJI:
        raise _Parse("too many emoji specified")
    for emoji in value:
        if type(emoji) is not str:  # a JSON number is kept as its text (a Num), never a string here
            raise _Parse("emoji must be a string")
        if not _is_emoji(emoji):
            raise _Parse("expected a Unicode emoji")
    return [str(e) for e in value]


def _mask_position(value) -> dict | None:
    """get_mask_position(JsonValue)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _Parse("MaskPosition must be an Object")
    point = value.get("point")
    if "point" not in value:
        raise _Parse('Can\'t find field "point"')
    if not isinstance(point, str):
        raise _Parse('Field "point" must be of type String')
    point = point.strip().lower()
    if point not in MASK_POINTS:
        raise _Parse("Wrong point specified in MaskPosition")
    found = {"point": point}
    for name in ("x_shift", "y_shift", "scale"):
        if name not in value:
            raise _Parse(f'Can\'t find field "{name}"')
        try:
            found[name] = float(value[name])
        except (TypeError, ValueError):
            raise _Parse(f'Field "{name}" must be a Number') from None
    return found


class _Parse(Exception):
    """A refusal inside a JSON value; the caller prefixes what it was parsing (as Client.cpp does)."""


@dataclass
class InputSticker:
    file: str  # a file_id, an HTTP URL or an uploaded file's name
    upload: bytes | None
    format: str | None
    emoji_list: list[str]
    mask_position: dict | None = None
    keywords: list[str] = field(default_factory=list)


def _input_file(args: Args, value: str, force_file: bool = False, field: str = "") -> tuple[str, bytes | None] | None:
    """Client::get_input_file: "attach://<name>" names a multipart file, else the file part named `field`; any
    other text is a file_id or URL (unless force_file); nothing is None."""
    name = field
    if value.startswith("attach://"):
        name = value[len("attach://"):]
    elif value and not force_file:
        return value, None
    upload = args.file(name)
    if upload is None:
        return None
    return upload.filename or "file", upload.data


def _input_sticker(args: Args, value, default_format: str | None) -> InputSticker:
    """get_input_sticker(JsonValue): the InputSticker object's fields in the server's order."""
    if not isinstance(value, dict):
        raise _Parse("InputSticker must be an Object")
    sticker = value.get("sticker", "")
    if not isinstance(sticker, str):
        raise _Parse('Field "sticker" must be of type String')
    found = _input_file(args, sticker)
    if found is None:
        raise _Parse("sticker not found")
    if default_format is None and "format" not in value:
        raise _Parse('Can\'t find field "format"')
    fmt = value.get("format", "")
    if not isinstance(fmt, str):
        raise _Parse('Field "format" must be of type String')
    fmt = fmt or default_format or ""
    try:
        fmt = sticker_format(fmt)  # None: "auto", which TDLib refuses later
    except ApiError:
        raise _Parse("Invalid sticker format specified") from None
    if "emoji_list" not in value:
        raise _Parse('Can\'t find field "emoji_list"')
    if not isinstance(value["emoji_list"], list):
        raise _Parse('Field "emoji_list" must be of type Array')
    emojis = _emojis(value["emoji_list"])
    mask = _mask_position(value.get("mask_position"))
    keywords: list[str] = []
    if "keywords" in value:
        if not isinstance(value["keywords"], list):
            raise _Parse('Field "keywords" must be of type Array')
        for keyword in value["keywords"]:
            if type(keyword) is not str:
                raise _Parse("keyword must be a string")
            keywords.append(str(keyword))
    return InputSticker(found[0], found[1], fmt, emojis, mask, keywords)


def _one_sticker(args: Args) -> InputSticker:
    """Client::get_input_sticker(query): the `sticker` parameter (JSON InputSticker)."""
    if not args.has("sticker") and args.file("sticker") is None:
        raise bad_request("there is no sticker file in the request")  # the legacy png_sticker path's answer
    try:
        value = args.json("sticker")
    except NotJson:
        raise bad_request("can't parse sticker JSON object") from None
    try:
        return _input_sticker(args, value, "auto")
    except _Parse as error:
        raise worded(f"Can't parse sticker: {error}") from None


def _many_stickers(args: Args) -> list[InputSticker]:
    """get_input_stickers: the `stickers` JSON array."""
    if not args.has("stickers"):
        raise bad_request("there is no sticker file in the request")
    value = _json(args, "stickers", "can't parse stickers JSON object")
    if not isinstance(value, list):
        raise bad_request("expected an Array of InputSticker")
    if len(value) > MAX_STICKERS_AT_CREATION:
        raise bad_request("too many stickers specified")
    default = args.arg("sticker_format")
    found = []
    for item in value:
        try:
            found.append(_input_sticker(args, item, default or None))  # none given: each names its format
        except _Parse as error:
            raise worded(f"Can't parse InputSticker: {error}") from None
    return found


def _sticker_file(args: Args, name: str = "sticker") -> str:
    """get_sticker_input_file: a file_id, trimmed, required."""
    file_id = args.arg(name).strip()
    if not file_id:
        raise bad_request("sticker is not specified")
    return file_id


# ---- building stickers --------------------------------------------------------------------------------
def _resolve(fake: TelegramFake, store: Stickers, given: InputSticker) -> None:
    """TDLib's StickersManager::prepare_input_file: the format, then the file (an upload, a URL it fetches, a
    file_id it can read: FileManager's words for one it cannot)."""
    if given.format is None:
        raise bad_request("sticker format must be non-empty")  # "auto" reaches TDLib as no format
    if given.upload is not None:
        return
    if given.file.startswith(("http://", "https://")):
        if given.format == "animated":
            raise bad_request("animated stickers can't be uploaded by URL")
        if given.format == "video":
            raise bad_request("video stickers can't be uploaded by URL")
        return
    if given.file not in store.uploads and store.find(given.file) is None:
        raise bad_request("wrong remote file identifier specified: can't unserialize it")


def _make_sticker(fake: TelegramFake, sticker_set: StickerSet, given: InputSticker) -> dict:
    file_id, unique_id = _file_ids(fake)
    side = 100 if sticker_set.sticker_type == "custom_emoji" else 512
    sticker = {"file_id": file_id, "file_unique_id": unique_id, "type": sticker_set.sticker_type,
               "width": side, "height": side, "is_animated": given.format == "animated",
               "is_video": given.format == "video"}
    if given.format == "static":
        thumb_id, thumb_unique = _file_ids(fake, "AAMCAgADGQEAAQ")
        sticker["thumbnail"] = {"file_id": thumb_id, "file_unique_id": thumb_unique, "width": 128, "height": 128,
                                "file_size": 4_096}
    sticker["emoji"] = given.emoji_list[0]
    sticker["set_name"] = sticker_set.name
    if sticker_set.sticker_type == "mask":
        sticker["mask_position"] = given.mask_position or {"point": "forehead", "x_shift": 0.0, "y_shift": 0.0,
                                                           "scale": 1.0}
    if sticker_set.sticker_type == "custom_emoji":
        sticker["custom_emoji_id"] = str(fake.ids.integer(5_000_000_000_000_000_000, 5_999_999_999_999_999_999))
        if sticker_set.needs_repainting:
            sticker["needs_repainting"] = True
    sticker["file_size"] = len(given.upload) if given.upload is not None else 24_576
    sticker_set.keywords[file_id] = list(given.keywords)
    return sticker


def _check_title(title: str) -> str:
    """TDLib's strip_empty_characters: trimmed and cut to 64 characters (a longer title is shortened)."""
    title = title.strip()[:MAX_TITLE].strip()
    if not title:
        raise bad_request("sticker set title must be non-empty")
    return title


def _check_name(name: str) -> str:
    name = name.strip()[:MAX_NAME].strip()
    if not name:
        raise bad_request("sticker set name must be non-empty")
    return name


def _owned_set(fake: TelegramFake, bot: Bot, name: str) -> StickerSet:
    """A set this bot created; Telegram answers STICKERSET_INVALID for any other name."""
    sticker_set = stickers_of(fake).sets.get(name.strip().lower())
    if sticker_set is None or sticker_set.bot_id != bot.account.id:
        raise bad_request("STICKERSET_INVALID")
    return sticker_set


def _owned_sticker(fake: TelegramFake, bot: Bot, file_id: str) -> tuple[StickerSet, int]:
    store = stickers_of(fake)
    found = store.find(file_id)
    if found is None:
        if file_id in store.uploads:
            raise bad_request("STICKER_INVALID")  # UNCONFIRMED: a sticker file in no set
        raise bad_request("wrong remote file identifier specified: can't unserialize it")  # UNCONFIRMED
    if found[0].bot_id != bot.account.id:
        raise bad_request("STICKERSET_INVALID")  # UNCONFIRMED: a set the bot did not create
    return found


# ---- the methods --------------------------------------------------------------------------------------
def get_sticker_set(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    sticker_set = stickers_of(fake).sets.get(args.arg("name").strip().lower())
    if sticker_set is None:
        raise bad_request("STICKERSET_INVALID")
    return sticker_set.to_api()


def get_custom_emoji_stickers(fake: TelegramFake, bot: Bot, args: Args) -> list[dict]:
    raw = args.arg("custom_emoji_ids")
    if not raw:
        raise bad_request('parameter "custom_emoji_ids" is required')
    value = _json(args, "custom_emoji_ids", "can't parse custom emoji identifiers JSON object")
    if not isinstance(value, list):
        raise bad_request("expected an Array of custom emoji identifiers")
    wanted = []
    for item in value:
        if type(item) is not str:  # a JSON number (kept as a Num) is not a String here
            raise bad_request("custom emoji identifier must be of type String")
        if to_integer_safe(item, 64) is None:
            raise bad_request("invalid custom emoji identifier specified")
        wanted.append(item)
    by_id = {s["custom_emoji_id"]: s for st in stickers_of(fake).sets.values() for s in st.stickers
             if "custom_emoji_id" in s}
    return [dict(by_id[i]) for i in wanted if i in by_id]


def upload_sticker_file(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    user = user_id(args)
    if args.has("sticker") or args.file("sticker") is not None:
        fmt = sticker_format(args.arg("sticker_format"))
        found = _input_file(args, args.arg("sticker"), force_file=True, field="sticker")
    else:
        fmt = "static"
        found = _input_file(args, args.arg("png_sticker"), force_file=True, field="png_sticker")
    known_user(fake, user)
    if fmt is None:  # TDLib's prepare_input_file
        raise bad_request("sticker format must be non-empty")
    if found is None:
        raise bad_request("inputFile is not specified")  # TDLib's FileManager::get_input_file_id, lower-cased
    store = stickers_of(fake)
    file_id, unique_id = _file_ids(fake, "CAACAgIAAxkDAAE")
    store.uploads[file_id] = {"format": fmt, "file_unique_id": unique_id, "size": len(found[1] or b"")}
    bound(store.uploads, MAX_UPLOADS)
    return {"file_id": file_id, "file_unique_id": unique_id, "file_size": len(found[1] or b"")}


def create_new_sticker_set(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    user = user_id(args)
    name, title = args.arg("name"), args.arg("title")
    needs_repainting = args.flag("needs_repainting")
    given = _many_stickers(args)
    kind = _sticker_type(args.arg("sticker_type"))
    if args.flag("contains_masks"):
        kind = "mask"
    known_user(fake, user)
    # TDLib's StickersManager::create_new_sticker_set, then Telegram (PACK_SHORT_NAME_INVALID, _OCCUPIED)
    title = _check_title(title)
    name = _check_name(name)
    if not given:
        raise bad_request("at least 1 sticker must be specified")
    if needs_repainting and kind != "custom_emoji":
        raise bad_request("only custom emoji stickers support repainting")
    store = stickers_of(fake)
    for sticker in given:
        _resolve(fake, store, sticker)
    suffix = f"_by_{bot.account.username}".lower()
    if not _NAME.fullmatch(name) or "__" in name or not name.lower().endswith(suffix) or len(name) == len(suffix):
        raise bad_request("invalid sticker set name is specified")
    if name.lower() in store.sets:
        raise bad_request("sticker set name is already occupied")
    sticker_set = StickerSet(name, title, kind, user, bot.account.id, needs_repainting=needs_repainting)
    sticker_set.stickers = [_make_sticker(fake, sticker_set, s) for s in given]
    store.sets[name.lower()] = sticker_set
    bound(store.sets, MAX_SETS)
    return True


def add_sticker_to_set(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    user = user_id(args)
    name = args.arg("name")
    given = _one_sticker(args)
    known_user(fake, user)
    sticker_set = _owned_set(fake, bot, name)
    if sticker_set.owner != user:
        raise bad_request("STICKERSET_INVALID")  # UNCONFIRMED: another user's set
    if len(sticker_set.stickers) >= MAX_IN_SET[sticker_set.sticker_type]:
        raise bad_request("STICKERS_TOO_MUCH")
    _resolve(fake, stickers_of(fake), given)
    sticker_set.stickers.append(_make_sticker(fake, sticker_set, given))
    return True


def replace_sticker_in_set(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    user = user_id(args)
    name = args.arg("name")
    old = _sticker_file(args, "old_sticker")
    given = _one_sticker(args)
    known_user(fake, user)
    sticker_set = _owned_set(fake, bot, name)
    found = stickers_of(fake).find(old)
    if found is None or found[0] is not sticker_set:
        raise bad_request("STICKER_INVALID")  # UNCONFIRMED: the old sticker is not in this set
    _resolve(fake, stickers_of(fake), given)
    sticker_set.keywords.pop(old, None)
    sticker_set.stickers[found[1]] = _make_sticker(fake, sticker_set, given)
    return True


def set_sticker_position_in_set(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    file_id = _sticker_file(args)
    position = args.int32("position", -1)
    if position < 0:
        raise bad_request("wrong sticker position specified")  # TDLib's set_sticker_position_in_set
    sticker_set, index = _owned_sticker(fake, bot, file_id)
    if position >= len(sticker_set.stickers):
        raise bad_request("STICKER_POSITION_INVALID")  # UNCONFIRMED: Telegram's answer past the end
    sticker_set.stickers.insert(position, sticker_set.stickers.pop(index))
    return True


def delete_sticker_from_set(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    file_id = _sticker_file(args)
    sticker_set, index = _owned_sticker(fake, bot, file_id)
    sticker_set.stickers.pop(index)
    sticker_set.keywords.pop(file_id, None)
    return True


def set_sticker_emoji_list(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    file_id = _sticker_file(args)
    value = _json(args, "emoji_list", "can't parse emoji list JSON array")
    try:
        emojis = _emojis(value)
    except _Parse as error:
        raise worded(f"Can't parse emoji list: {error}") from None
    sticker_set, index = _owned_sticker(fake, bot, file_id)
    sticker_set.stickers[index]["emoji"] = emojis[0]
    return True


def set_sticker_keywords(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    file_id = _sticker_file(args)
    keywords: list[str] = []
    if args.has("keywords"):
        value = _json(args, "keywords", "can't parse keywords JSON object")
        if not isinstance(value, list):
            raise bad_request('field "keywords" must be an Array')
        for keyword in value:
            if type(keyword) is not str:
                raise bad_request("keyword must be a string")
            keywords.append(keyword)
    sticker_set, _ = _owned_sticker(fake, bot, file_id)
    sticker_set.keywords[file_id] = keywords
    return True


def set_sticker_mask_position(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    file_id = _sticker_file(args)
    mask = None
    if args.arg("mask_position"):
        value = _json(args, "mask_position", "can't parse mask position JSON object")
        try:
            mask = _mask_position(value)
        except _Parse as error:
            raise worded(f"Can't parse mask position: {error}") from None
    sticker_set, index = _owned_sticker(fake, bot, file_id)
    if sticker_set.sticker_type != "mask":
        raise bad_request("STICKER_MASK_COORDS_NOT_SUPPORTED")  # UNCONFIRMED
    if mask is None:
        sticker_set.stickers[index].pop("mask_position", None)
    else:
        sticker_set.stickers[index]["mask_position"] = mask
    return True


def set_sticker_set_title(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    name = _check_name(args.arg("name"))
    title = _check_title(args.arg("title"))
    _owned_set(fake, bot, name).title = title
    return True


def set_sticker_set_thumbnail(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    user = user_id(args)
    name = args.arg("name")
    thumbnail = (_input_file(args, args.arg("thumbnail"), field="thumbnail")
                 or _input_file(args, args.arg("thumb"), field="thumb"))
    sticker_format(args.arg("format") or "auto")
    known_user(fake, user)
    sticker_set = _owned_set(fake, bot, name)
    if sticker_set.sticker_type == "custom_emoji":
        raise bad_request("the method can't be used to set thumbnail of custom emoji sticker sets")
    if thumbnail is None:
        sticker_set.thumbnail = None  # "the first sticker is used as the thumbnail"
        return True
    if thumbnail[1] is None and not thumbnail[0].startswith(("http://", "https://")):
        store = stickers_of(fake)
        if thumbnail[0] not in store.uploads and store.find(thumbnail[0]) is None:
            raise bad_request("wrong remote file identifier specified: can't unserialize it")  # UNCONFIRMED
    file_id, unique_id = _file_ids(fake, "AAMCAgADGQEAAQ")
    sticker_set.thumbnail = {"file_id": file_id, "file_unique_id": unique_id, "width": 100, "height": 100,
                             "file_size": len(thumbnail[1]) if thumbnail[1] is not None else 8_192}
    return True


def set_custom_emoji_sticker_set_thumbnail(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    name = args.arg("name")
    emoji_id = to_integer(args.arg("custom_emoji_id"), 64)
    sticker_set = _owned_set(fake, bot, name)
    if sticker_set.sticker_type != "custom_emoji":
        raise bad_request("the method can be used to set thumbnail only for custom emoji sticker sets")
    if emoji_id == 0:
        sticker_set.thumbnail = None
        return True
    match = [s for s in sticker_set.stickers if s.get("custom_emoji_id") == str(emoji_id)]
    if not match:
        raise bad_request("CUSTOM_EMOJI_INVALID")  # UNCONFIRMED
    source = match[0].get("thumbnail")
    file_id, unique_id = _file_ids(fake, "AAMCAgADGQEAAQ")
    sticker_set.thumbnail = dict(source) if source else {"file_id": file_id, "file_unique_id": unique_id,
                                                         "width": 100, "height": 100}
    return True


def delete_sticker_set(fake: TelegramFake, bot: Bot, args: Args) -> bool:
    sticker_set = _owned_set(fake, bot, _check_name(args.arg("name")))
    del stickers_of(fake).sets[sticker_set.name.lower()]
    return True


METHODS = {
    "getStickerSet": get_sticker_set, "getCustomEmojiStickers": get_custom_emoji_stickers,
    "uploadStickerFile": upload_sticker_file, "createNewStickerSet": create_new_sticker_set,
    "addStickerToSet": add_sticker_to_set, "replaceStickerInSet": replace_sticker_in_set,
    "setStickerPositionInSet": set_sticker_position_in_set, "deleteStickerFromSet": delete_sticker_from_set,
    "setStickerEmojiList": set_sticker_emoji_list, "setStickerKeywords": set_sticker_keywords,
    "setStickerMaskPosition": set_sticker_mask_position, "setStickerSetTitle": set_sticker_set_title,
    "setStickerSetThumbnail": set_sticker_set_thumbnail,
    "setCustomEmojiStickerSetThumbnail": set_custom_emoji_sticker_set_thumbnail,
    "deleteStickerSet": delete_sticker_set,
}
