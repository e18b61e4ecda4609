"""InlineQueryResult and InputMessageContent objects read as the Bot API server and TDLib read them, and the
message each one sends when a person picks it.

Sources: Client.cpp of tdlib/telegram-bot-api (get_inline_query_results, get_inline_query_result,
get_input_message_content, get_inline_query_results_button: the order of the checks and their words, e.g. an
article without input_message_content is refused for its legacy `message_text`), TDLib's
InlineQueriesManager::answer_inline_query and get_inline_message (tdlib/td: the MIME types a document or video
URL may have, "Inline message can't be empty", the start_parameter checks of the results button), and the
errors Telegram's servers give messages.setInlineBotResults (RESULT_ID_DUPLICATE, ARTICLE_TITLE_EMPTY,
MESSAGE_TOO_LONG, listed on core.telegram.org/method/messages.setInlineBotResults), which the Bot API server
passes on unchanged.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import struct
from dataclasses import dataclass, field
from typing import Any

from . import inputs
from .catalogue import TYPES
from .errors import ApiError, bad_request, worded
from .formatting import render, utf16_len
from .inputs import Fields, _Refused
from .params import Args, NotJson, Num, byte_len, decode_json, is_utf8

MAX_RESULTS = 50  # Client.cpp MAX_INLINE_QUERY_RESULT_COUNT
MAX_RESULT_ID = 64  # bytes (Bot API docs: "Unique identifier for this result, 1-64 Bytes")
MAX_NEXT_OFFSET = 64  # bytes (messages.setInlineBotResults: "Offset length can't exceed 64 bytes")
MAX_TEXT = 4096  # UTF-16 units of a message text
MAX_CAPTION = 1024
_BASE64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
# file_id prefixes of Telegram's file types (the first bytes of a serialized remote location, base64url)
_FILE_PREFIX = {"photo": "AgACAgIAAxkBAA", "animation": "CgACAgIAAxkBAA", "video": "BAACAgIAAxkBAA",
                "audio": "CQACAgIAAxkBAA", "voice": "AwACAgIAAxkBAA", "document": "BQACAgIAAxkBAA",
                "sticker": "CAACAgIAAxkBAA"}


@dataclass
class Picked:
    """What a result sends when picked: the Message fields it fills."""
    text: str | None = None
    entities: list[dict] = field(default_factory=list)
    content: dict = field(default_factory=dict)  # photo, caption, location, contact, … (Message fields)
    reply_markup: dict | None = None


@dataclass
class Result:
    type: str
    id: str
    shown: dict  # the result as the person's app shows it (numbers as numbers, optional fields left out)
    sends: Picked
    tdlib: ApiError | None = None  # what TDLib refuses in it (answer_inline_query), raised after parsing
    server: ApiError | None = None  # what Telegram's servers refuse in it


def plain(value: Any) -> Any:
    """JSON as read (numbers kept as their text, `Num`) back to JSON values."""
    if isinstance(value, Num):
        if not any(c in value for c in ".eE"):
            return int(value)
        number = float(value)
        if not math.isfinite(number):
            return str(value)  # 1e999: JSON has no infinity; the text the bot sent
        return int(number) if number.is_integer() and "." not in value else number
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def file_ids(kind: str, source: str) -> tuple[str, str]:
    """(file_id, file_unique_id) for a file Telegram fetched from `source` (a URL or a file_id): the same source
    gives the same ids, as Telegram's cache of URLs does."""
    digest = hashlib.sha256(f"{kind}:{source}".encode()).digest()
    body = base64.urlsafe_b64encode(digest[:42 - len(_FILE_PREFIX[kind])]).decode().rstrip("=")
    unique = base64.urlsafe_b64encode(b"\x01\x00\x03" + digest[24:33]).decode().rstrip("=")
    return (source if not _is_url(source) else _FILE_PREFIX[kind] + body), unique


def _is_url(source: str) -> bool:
    return "." in source  # TDLib's own test: a file_id never holds a dot, a URL always does


# ---- reading --------------------------------------------------------------------------------------------------

def results(value: Any) -> list[Result]:
    """Client::get_inline_query_results on a decoded `results` value (every result parsed first), then TDLib's
    checks result by result, then the checks of Telegram's servers."""
    found = parse_all(value)
    after_parsing(found)
    return found


def parse_all(value: Any) -> list[Result]:
    """Client::get_inline_query_results: an array of at most 50 results, each parsed."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request("expected an Array of inline query results")
    if len(value) > MAX_RESULTS:
        raise bad_request("too many inline query results specified")
    return [result(item, "Can't parse inline query result: ") for item in value]


def after_parsing(found: list[Result]) -> None:
    for checked in found:
        if checked.tdlib is not None:
            raise checked.tdlib
    checked_ids([r.id for r in found])
    for checked in found:
        if checked.server is not None:
            raise checked.server


def checked_ids(ids: list[str]) -> None:
    """What Telegram's servers answer for the ids (UNCONFIRMED which of RESULT_ID_EMPTY/INVALID an empty id
    gets; over 64 bytes is RESULT_ID_INVALID, as bots report it)."""
    seen = set()
    for result_id in ids:
        if not result_id:
            raise bad_request("RESULT_ID_EMPTY")
        if byte_len(result_id) > MAX_RESULT_ID or not is_utf8(result_id):
            raise bad_request("RESULT_ID_INVALID")
        if result_id in seen:
            raise bad_request("RESULT_ID_DUPLICATE")
        seen.add(result_id)


def result(item: Any, prefix: str) -> Result:
    """One result as the server parses it, its refusals prefixed as the server prefixes them; what TDLib and
    Telegram's servers refuse later is kept on the Result (`tdlib`, `server`) for the caller to raise in order."""
    try:
        return _parse(item)
    except _Refused as refused:
        raise worded(f"{prefix}{refused}") from None
    except ApiError as error:  # a parse mode or a keyboard failed inside the result
        reason = error.description.removeprefix("Bad Request: ")
        raise worded(f"{prefix}{reason[:1].upper()}{reason[1:]}") from None


def _parse(item: Any) -> Result:
    if not isinstance(item, dict):
        raise _Refused("Inline query result must be an object")
    fields = Fields(item)
    kind = fields.string("type", True).lower()
    result_id = fields.string("id", True)
    article = kind == "article"
    content = item.get("input_message_content")
    if content is not None and not isinstance(content, dict):
        raise _Refused('Field "input_message_content" must be of type Object')
    if content is None:  # legacy fields beside the result
        text = fields.string("message_text", article) or ""
        fields.boolean("disable_web_page_preview")
        picked = _text(text, fields.string("parse_mode"), item.get("entities")) if article or text else None
    else:
        picked = message_content(content, article)
    caption, caption_entities = _formatted(fields.string("caption") or "", fields.string("parse_mode"),
                                           item.get("caption_entities"))
    above = fields.boolean("show_caption_above_media")
    markup = _markup(item)
    thumbnail = fields.string("thumbnail_url") or fields.string("thumb_url")
    for name in ("thumbnail_width", "thumbnail_height", "thumb_width", "thumb_height"):
        fields.integer(name)
    media = _media(kind, fields, item)
    media["thumbnail"] = thumbnail
    if kind not in _KINDS:
        raise _Refused(f'type "{kind}" is unsupported for the inline query result')
    if picked is None:
        picked = _default_message(kind, fields, media, caption, caption_entities, above)
    picked.reply_markup = markup
    shown = _shown(kind, item)
    return Result(kind, result_id, shown, picked, _tdlib_refusal(kind, media, picked, shown),
                  _server_refusal(kind, media, picked))


_KINDS = ("article", "audio", "contact", "document", "game", "gif", "location", "mpeg4_gif", "photo", "sticker",
          "venue", "video", "voice")


def _media(kind: str, fields: Fields, item: dict) -> dict:
    """The per-kind fields, read in Client::get_inline_query_result's order with its required ones."""
    got: dict[str, Any] = {}
    if kind == "article":
        fields.string("url"), fields.boolean("hide_url")
        got["title"] = fields.string("title", True)
        fields.string("description")
    elif kind == "audio":
        url = fields.string("audio_url") or ""
        got["duration"] = fields.integer("audio_duration") or 0
        got["title"] = fields.string("title", bool(url))
        got["performer"] = fields.string("performer")
        got["source"] = url or fields.string("audio_file_id", True)
    elif kind == "contact":
        got["phone_number"] = fields.string("phone_number", True)
        got["first_name"] = fields.string("first_name", True)
        got["last_name"], got["vcard"] = fields.string("last_name"), fields.string("vcard")
    elif kind == "document":
        got["title"] = fields.string("title", True)
        fields.string("description")
        url = fields.string("document_url") or ""
        got["mime_type"] = fields.string("mime_type", bool(url))
        got["source"] = url or fields.string("document_file_id", True)
    elif kind == "game":
        got["game_short_name"] = fields.string("game_short_name", True)
    elif kind in ("gif", "mpeg4_gif"):
        stem = "gif" if kind == "gif" else "mpeg4"
        fields.string("title")
        url = fields.string(f"{stem}_url") or ""
        fields.string("thumbnail_mime_type")
        got["duration"] = fields.integer(f"{stem}_duration") or 0
        got["width"], got["height"] = fields.integer(f"{stem}_width") or 0, fields.integer(f"{stem}_height") or 0
        got["source"] = url or fields.string(f"{stem}_file_id", True)
    elif kind == "location":
        got["location"] = _location(fields, item)
        got["location"].update(_optional_ints(fields, ("live_period", "heading", "proximity_alert_radius")))
        got["title"] = fields.string("title", True)
    elif kind == "photo":
        fields.string("title"), fields.string("description")
        url = fields.string("photo_url") or ""
        got["width"], got["height"] = fields.integer("photo_width") or 0, fields.integer("photo_height") or 0
        got["source"] = url or fields.string("photo_file_id", True)
    elif kind == "sticker":
        got["source"] = fields.string("sticker_file_id", True)
    elif kind == "venue":
        got["venue"] = _venue(fields, item)
    elif kind == "video":
        got["title"] = fields.string("title", True)
        fields.string("description")
        url = fields.string("video_url") or ""
        got["mime_type"] = fields.string("mime_type", bool(url))
        got["width"], got["height"] = fields.integer("video_width") or 0, fields.integer("video_height") or 0
        got["duration"] = fields.integer("video_duration") or 0
        fields.integer("video_start_timestamp")
        got["source"] = url or fields.string("video_file_id", True)
    elif kind == "voice":
        got["title"] = fields.string("title", True)
        url = fields.string("voice_url") or ""
        got["duration"] = fields.integer("voice_duration") or 0
        got["source"] = url or fields.string("voice_file_id", True)
    return got


def _optional_ints(fields: Fields, names: tuple[str, ...]) -> dict:
    return {name: value for name in names if (value := fields.integer(name))}


def _float(fields: Fields, item: dict, name: str) -> float:
    """td's get_required_double_field: a number (or its text)."""
    if name not in item:
        raise _Refused(f'Can\'t find field "{name}"')
    try:
        return float(item[name])
    except (TypeError, ValueError):
        raise _Refused(f'Field "{name}" must be a Number') from None


def _location(fields: Fields, item: dict) -> dict:
    latitude, longitude = _float(fields, item, "latitude"), _float(fields, item, "longitude")
    location = {"latitude": latitude, "longitude": longitude}
    if "horizontal_accuracy" in item:
        accuracy = _float(fields, item, "horizontal_accuracy")
        if math.isfinite(accuracy) and accuracy > 0:  # TDLib keeps 0-1500 m
            location["horizontal_accuracy"] = min(accuracy, 1500.0)
    return location


def valid_location(location: dict) -> bool:
    """TDLib's Location: a point on Earth (finite, latitude within ±90, longitude within ±180)."""
    latitude, longitude = location["latitude"], location["longitude"]
    return math.isfinite(latitude) and math.isfinite(longitude) and abs(latitude) <= 90 and abs(longitude) <= 180


def _venue(fields: Fields, item: dict) -> dict:
    location = _location(fields, item)
    venue = {"location": location, "title": fields.string("title", True), "address": fields.string("address", True)}
    for name in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
        if fields.string(name):
            venue[name] = fields.string(name)
    return venue


def message_content(content: dict, required: bool) -> Picked | None:
    """Client::get_input_message_content: text, venue, location, contact or invoice, decided by its fields."""
    fields = Fields(content)
    text = fields.string("message_text") or ""
    if text:
        if "link_preview_options" in content and not isinstance(content["link_preview_options"], dict):
            raise _Refused('Field "link_preview_options" must be of type Object')
        fields.boolean("disable_web_page_preview")
        return _text(text, fields.string("parse_mode"), content.get("entities"))
    if "latitude" in content and "longitude" in content:
        if "title" in content and "address" in content:
            venue = _venue(fields, content)
            return Picked(content={"venue": venue, "location": dict(venue["location"])})
        location = _location(fields, content)
        location.update(_optional_ints(fields, ("live_period", "heading", "proximity_alert_radius")))
        return Picked(content={"location": location})
    if "phone_number" in content:
        return Picked(content={"contact": _contact(fields)})
    if "payload" in content:
        return Picked(content={"invoice": _invoice(fields, content)})
    if required:
        raise _Refused("Input message content is not specified")
    return None


def _contact(fields: Fields) -> dict:
    contact = {"phone_number": fields.string("phone_number", True), "first_name": fields.string("first_name", True)}
    for name in ("last_name", "vcard"):
        if fields.string(name):
            contact[name] = fields.string(name)
    return contact


def _invoice(fields: Fields, content: dict) -> dict:
    invoice = {"title": fields.string("title", True), "description": fields.string("description", True)}
    payload = fields.string("payload", True)
    if not is_utf8(payload):
        raise _Refused("InputInvoiceMessageContent payload must be encoded in UTF-8")
    fields.string("provider_token")
    currency = fields.string("currency", True)
    prices = content.get("prices")
    if "prices" not in content:
        raise _Refused('Can\'t find field "prices"')
    if not isinstance(prices, list):
        raise _Refused('Field "prices" must be of type Array')
    total = 0
    for price in prices:
        if not isinstance(price, dict):
            raise _Refused("LabeledPrice must be an Object")
        Fields(price).string("label", True)
        total += Fields(price).integer("amount", True, bits=64)
    return {**invoice, "start_parameter": "", "currency": currency, "total_amount": total}


def _text(text: str, parse_mode: str | None, entities: Any) -> Picked:
    if not text:
        raise _Refused("Message text is empty")
    plain_text, found = _formatted(text, parse_mode, entities)
    return Picked(text=plain_text, entities=found)


def _formatted(text: str, parse_mode: str | None, entities: Any) -> tuple[str, list]:
    """get_formatted_text: a parse mode wins over explicit entities."""
    if not text:
        return "", []
    if parse_mode and parse_mode.lower() != "none":
        text, found = render(text, parse_mode)
    else:
        given = []
        for item in entities if isinstance(entities, list) else []:
            try:
                entity = inputs._entity(item)
            except _Refused as refused:
                raise _Refused(f"Can't parse MessageEntity: {refused}") from None
            if entity is not None:
                given.append(entity)
        if not is_utf8(text):
            raise _Refused("Strings must be encoded in UTF-8")
        text, found = render(text, None, inputs.fit_entities(given, utf16_len(text)))
    return text, found


def _markup(item: dict) -> dict | None:
    markup = item.get("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _Refused('Field "reply_markup" must be of type Object')
    return inputs.reply_markup(Args([("reply_markup", json.dumps(markup))]))


def _default_message(kind: str, fields: Fields, media: dict, caption: str, caption_entities: list,
                     above: bool) -> Picked:
    """The message a result sends without input_message_content: its own media with the caption."""
    captioned: dict[str, Any] = {}
    if caption:
        captioned["caption"] = caption
        if caption_entities:
            captioned["caption_entities"] = caption_entities
        if above:
            captioned["show_caption_above_media"] = True
    if kind == "photo":
        file_id, unique = file_ids("photo", media["source"])
        width, height = media["width"] or 800, media["height"] or 600  # UNCONFIRMED: sizes of an unknown photo
        if not _is_url(media["source"]):  # a cached photo: the lab knows only the id it was given
            return Picked(content={"photo": [{"file_id": file_id, "file_unique_id": unique, "width": width,
                                              "height": height}], **captioned})
        scale = 90 / max(width, height)
        small = {"file_id": file_ids("photo", media["source"] + "#s")[0], "file_unique_id": unique[:-1] + "s",
                 "width": max(1, round(width * scale)), "height": max(1, round(height * scale))}
        return Picked(content={"photo": [small, {"file_id": file_id, "file_unique_id": unique, "width": width,
                                                 "height": height}], **captioned})
    if kind in ("gif", "mpeg4_gif"):
        file_id, unique = file_ids("animation", media["source"])
        mime = "image/gif" if kind == "gif" else "video/mp4"
        animation = {"file_id": file_id, "file_unique_id": unique, "width": media["width"],
                     "height": media["height"], "duration": media["duration"], "mime_type": mime}
        document = {"file_id": file_id, "file_unique_id": unique, "mime_type": mime}
        return Picked(content={"animation": animation, "document": document, **captioned})
    if kind == "video":
        file_id, unique = file_ids("video", media["source"])
        video = {"file_id": file_id, "file_unique_id": unique, "width": media["width"], "height": media["height"],
                 "duration": media["duration"]}
        if media.get("mime_type"):
            video["mime_type"] = media["mime_type"]
        return Picked(content={"video": video, **captioned})
    if kind == "audio":
        file_id, unique = file_ids("audio", media["source"])
        audio = {"file_id": file_id, "file_unique_id": unique, "duration": media["duration"]}
        audio.update({k: media[k] for k in ("performer", "title") if media.get(k)})
        return Picked(content={"audio": audio, **captioned})
    if kind == "voice":
        file_id, unique = file_ids("voice", media["source"])
        return Picked(content={"voice": {"file_id": file_id, "file_unique_id": unique, "duration": media["duration"],
                                         "mime_type": "audio/ogg"}, **captioned})
    if kind == "document":
        file_id, unique = file_ids("document", media["source"])
        document = {"file_id": file_id, "file_unique_id": unique}
        if _is_url(media["source"]):
            document["file_name"] = media["source"].rstrip("/").rsplit("/", 1)[-1] or "file"
        if media.get("mime_type"):
            document["mime_type"] = media["mime_type"]
        return Picked(content={"document": document, **captioned})
    if kind == "sticker":
        file_id, unique = file_ids("sticker", media["source"])
        return Picked(content={"sticker": {"file_id": file_id, "file_unique_id": unique, "type": "regular",
                                           "width": 512, "height": 512, "is_animated": False, "is_video": False}})
    if kind == "location":
        return Picked(content={"location": media["location"]})
    if kind == "venue":
        return Picked(content={"venue": media["venue"], "location": dict(media["venue"]["location"])})
    if kind == "contact":
        return Picked(content={"contact": {k: v for k, v in (("phone_number", media["phone_number"]),
                                                             ("first_name", media["first_name"]),
                                                             ("last_name", media["last_name"]),
                                                             ("vcard", media["vcard"])) if v}})
    if kind == "game":  # UNCONFIRMED: the fake keeps no games; the message shows the short name as the title
        return Picked(content={"game": {"title": media["game_short_name"], "description": "", "photo": []}})
    raise bad_request("inline message can't be empty")


def _tdlib_refusal(kind: str, media: dict, picked: Picked, shown: dict) -> ApiError | None:
    """TDLib's answer_inline_query checks: strings in UTF-8 (clean_input_string; UNCONFIRMED for fields other than
    title, description and URLs), the MIME types a document or video URL may have, sticker ids, contacts, the
    location a message sends (process_input_message_location and _venue)."""
    if not inputs._all_utf8(shown) or not inputs._all_utf8(picked.content):
        return bad_request("strings must be encoded in UTF-8")
    if "venue" in picked.content and not valid_location(picked.content["venue"]["location"]):
        return bad_request("wrong venue location specified")
    if "location" in picked.content and "venue" not in picked.content:
        location = picked.content["location"]
        if not valid_location(location):
            return bad_request("wrong location specified")
        if location.get("live_period") and not 60 <= location["live_period"] <= 86400:
            return bad_request("wrong live location period specified")
    source = media.get("source", "")
    document_types = ("application/pdf", "application/zip")
    if kind == "document" and _is_url(source) and not (media["mime_type"] or "").startswith(document_types):
        return bad_request("unallowed document MIME type")
    if kind == "video" and _is_url(source) and not (media["mime_type"] or "").startswith(("video/mp4", "text/html")):
        return bad_request("unallowed video MIME type")
    if kind == "sticker" and _is_url(source):
        return bad_request("wrong sticker_file_id specified")
    if kind == "contact":
        if not media["phone_number"].strip():
            return bad_request('field "phone_number" must contain a valid phone number')
        if not media["first_name"].strip():
            return bad_request('field "first_name" must be non-empty')
    return None


def _server_refusal(kind: str, media: dict, picked: Picked) -> ApiError | None:
    """What Telegram's servers refuse (messages.setInlineBotResults' errors), passed on by the Bot API server."""
    if kind == "article" and not (media["title"] or "").strip():
        return bad_request("ARTICLE_TITLE_EMPTY")
    if kind == "photo" and _is_url(media["source"]) and not media["thumbnail"]:
        return bad_request("PHOTO_THUMB_URL_EMPTY")  # thumbnail_url is required for a photo by URL
    if picked.text is not None:
        if not picked.text.strip():
            return bad_request("MESSAGE_EMPTY")
        if utf16_len(picked.text) > MAX_TEXT:
            return bad_request("MESSAGE_TOO_LONG")
    if utf16_len(picked.content.get("caption", "")) > MAX_CAPTION:
        return bad_request("MEDIA_CAPTION_TOO_LONG")
    return None


_TYPES = {"article": ("Article",), "photo": ("Photo", "CachedPhoto"), "gif": ("Gif", "CachedGif"),
          "mpeg4_gif": ("Mpeg4Gif", "CachedMpeg4Gif"), "video": ("Video", "CachedVideo"),
          "audio": ("Audio", "CachedAudio"), "voice": ("Voice", "CachedVoice"),
          "document": ("Document", "CachedDocument"), "location": ("Location",), "venue": ("Venue",),
          "contact": ("Contact",), "game": ("Game",), "sticker": ("CachedSticker",)}


def _known(kind: str) -> set[str]:
    """The fields Telegram keeps of a result of this kind (the catalogue's InlineQueryResult types)."""
    return {f["name"] for name in _TYPES.get(kind, ()) for f in TYPES[f"InlineQueryResult{name}"]["fields"]}


def _shown(kind: str, item: dict) -> dict:
    """The result as Telegram keeps it: its documented fields only, the type in lower case, numbers as numbers,
    the legacy thumb_* names as thumbnail_*."""
    renamed = {("thumbnail" + k[5:] if k.startswith("thumb_") else k): v for k, v in item.items()}
    known = _known(kind)
    shown = plain({k: v for k, v in renamed.items() if v is not None and k in known})
    shown["type"] = kind
    return shown


def button(raw: str) -> dict | None:
    """Client::get_inline_query_results_button, then TDLib's start_parameter checks."""
    if not raw:
        return None
    try:
        value = decode_json(raw)
    except NotJson:
        raise bad_request("can't parse inline query results button JSON object") from None
    try:
        if not isinstance(value, dict):
            raise _Refused("InlineQueryResultsButton must be an Object")
        fields = Fields(value)
        text = fields.string("text", True)
        if "start_parameter" in value:
            found = {"text": text, "start_parameter": fields.string("start_parameter", True)}
        elif "web_app" in value:
            web_app = value["web_app"]
            if not isinstance(web_app, dict):
                raise _Refused('Field "web_app" must be of type Object')
            found = {"text": text, "web_app": {"url": Fields(web_app).string("url", True)}}
        else:
            raise _Refused("InlineQueryResultsButton must have exactly one optional field")
    except _Refused as refused:
        raise worded(f"Can't parse inline query results button: {refused}") from None
    start = found.get("start_parameter")
    if start is not None:
        start_parameter(start)
    return found


def start_parameter(value: str) -> None:
    if not value:
        raise bad_request("can't use empty start_parameter")
    if len(value) > 64:
        raise bad_request("too long start_parameter specified")
    if not set(value) <= _BASE64URL:
        raise bad_request("unallowed characters in start_parameter are used")


def next_offset(value: str) -> str:
    if byte_len(value) > MAX_NEXT_OFFSET:
        raise bad_request("NEXT_OFFSET_INVALID")  # UNCONFIRMED wording; the 64-byte limit is documented
    return value


def inline_message_id(dc_id: int, message_id: int, access_hash: int) -> str:
    """inputBotInlineMessageID (dc_id:int id:long access_hash:long) serialized and base64url-encoded, as TDLib's
    get_inline_message_id makes the Bot API's inline_message_id (27 characters)."""
    raw = struct.pack("<iqq", dc_id, message_id, access_hash)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def well_formed_inline_id(value: str) -> bool:
    """TDLib's get_input_bot_inline_message_id: base64url of 20 or 24 bytes with a valid DC id."""
    if not set(value) <= _BASE64URL:
        return False
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        return False
    return len(raw) in (20, 24) and 1 <= struct.unpack_from("<i", raw)[0] <= 5
