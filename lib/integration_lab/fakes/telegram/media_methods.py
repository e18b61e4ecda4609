"""Media and files: the send methods for photos, documents, video, audio, voice, animations, stickers and video
notes (by multipart upload, by URL, by file_id), sendMediaGroup, getFile and its download route, captions and
their edits (editMessageCaption, editMessageMedia), and people sending media through the control API.

Checks run in the order of Client.cpp of tdlib/telegram-bot-api (process_send_<kind>_query, get_input_file,
get_caption/get_formatted_text, get_input_media, get_input_message_contents, process_get_file_query): the file
parameter first ("There is no photo in the request"), then the caption, reply parameters and markup, then the
chat, then what TDLib checks of the caption and the file, then flood control; a refused call stores nothing.
Telegram's files as the fake keeps them, and the lab's choices there (URLs, photo sizes, bounds): files.py.
"""

from __future__ import annotations

import base64
import binascii
import json
import mimetypes
from dataclasses import dataclass
from typing import Callable
from urllib.parse import unquote

from ...runtime.asgi import Reply
from . import control_routes, inputs
from .errors import NOT_FOUND, NOT_MODIFIED, ApiError, bad_request, worded
from .files import (
    DEFAULT_MIME,
    MAX_DOWNLOAD,
    MAX_PHOTO,
    MEDIA_KEYS,
    WRONG_FILE,
    StoredFile,
    Upload,
    bot_files,
    check_url,
    image_size,
    remote,
    store_of,
)
from .formatting import command_entities, render, utf16_len
from .inputs import Fields, _Refused
from . import inline_state
from .methods import _chat, _editable, check_flood, replied_message
from .params import Args, NotJson, byte_len, decode_json, is_utf8
from .replies import json_reply
from .state import Bot, Chat, Message
from .world import TelegramFake

MAX_CAPTION = 1024  # UTF-16 units after parsing ("message caption is too long")
MAX_ALBUM = 10
MAX_DURATION = 1 << 30  # Client.h MAX_DURATION / MAX_LENGTH clamp the numbers a send declares
MAX_LENGTH = 10000
# what each send method calls its file in "There is no … in the request"
NAMES = {"photo": "photo", "document": "document", "video": "video", "audio": "audio", "voice": "voice",
         "animation": "animation", "sticker": "sticker", "video_note": "video note"}
ALBUM_KINDS = ("photo", "video", "document", "audio")


@dataclass
class _Caption:
    text: str
    entities: list[dict]
    parsed: bool


@dataclass
class _Media:
    """A file a request names, not yet stored: an upload, or text (a URL or a file_id)."""
    kind: str
    upload: Upload | None
    value: str
    details: dict
    caption: _Caption | None = None
    show_caption_above_media: bool = False
    has_spoiler: bool = False


# ---- captions ------------------------------------------------------------------------------------------

def read_caption(caption: str, parse_mode: str, entities: list[dict]) -> _Caption:
    """Client::get_formatted_text: size first, then a parse mode (only for a non-empty caption), else entities."""
    if byte_len(caption) > 1 << 15:
        raise bad_request("text is too long")
    if caption and parse_mode and parse_mode.lower() != "none":
        text, found = render(caption, parse_mode)
        return _Caption(text, found, parsed=True)
    return _Caption(caption, entities, parsed=False)


def checked_caption(found: _Caption | None) -> tuple[str, list[dict]] | None:
    """TDLib's checks on a caption; an empty or blank one is no caption."""
    if found is None:
        return None
    inputs.check_entities(found.entities)
    if not found.parsed and not is_utf8(found.text):
        raise bad_request("strings must be encoded in UTF-8")
    if not found.text.strip():
        return None
    if utf16_len(found.text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    if found.parsed:
        return found.text, found.entities
    return render(found.text, None, inputs.fit_entities(found.entities, utf16_len(found.text)))


def _caption_fields(checked: tuple[str, list[dict]] | None, above: bool) -> dict:
    if checked is None:
        return {}
    text, entities = checked
    fields: dict = {"caption": text}
    if entities:
        fields["caption_entities"] = entities
    if above:
        fields["show_caption_above_media"] = True
    return fields


# ---- files of a request ----------------------------------------------------------------------------------

def _file_arg(args: Args, field: str, value: str | None = None) -> tuple[Upload | None, str] | None:
    """Client::get_input_file: text names a remote file (a URL or a file_id) unless it is attach://<part>;
    no text means the multipart part of the field's own name. None when there is no file."""
    value = args.arg(field) if value is None else value
    if value.startswith("attach://"):
        upload = args.files.get(value[9:])
        return (upload, "") if upload is not None else None
    if value:
        return None, value
    upload = args.files.get(field) if field else None
    return (upload, "") if upload is not None else None


def _check_upload(kind: str, upload: Upload) -> dict:
    """What Telegram refuses of an uploaded file, before anything is stored; the picture's size for a photo."""
    if not upload.data:
        raise bad_request("file must be non-empty")
    if kind != "photo":
        return {}
    if len(upload.data) > MAX_PHOTO:
        raise bad_request("PHOTO_SAVE_FILE_INVALID")  # UNCONFIRMED: the server's word for a photo over 10 MB
    size = image_size(upload.data)
    if size is None or 0 in size:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    if width + height > 10000 or max(width, height) > 20 * min(width, height):  # sendPhoto's documented limits
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    return {"width": width, "height": height}


def _locate(fake: TelegramFake, bot: Bot, media: _Media) -> Callable[[], StoredFile]:
    """Check the file now; the returned step stores it (or finds it) once every other check has passed."""
    if media.upload is not None:
        picture = _check_upload(media.kind, media.upload)
        return lambda: _store_upload(fake, media, picture)
    if media.value.lower().startswith(("http://", "https://")):
        check_url(media.value)
        return lambda: remote(fake, bot, media.kind, media.value)
    stored = remote(fake, bot, media.kind, media.value)  # a file_id: refused now if unknown or of another type
    return lambda: stored


def _store_upload(fake: TelegramFake, media: _Media, picture: dict) -> StoredFile:
    upload, kind = media.upload, media.kind
    name = upload.filename or None
    mime = None
    if kind != "photo":
        mime = (mimetypes.guess_type(name)[0] if name else None) or DEFAULT_MIME.get(kind)
        if mime is None and upload.content_type and upload.content_type != "application/octet-stream":
            mime = upload.content_type
    details = dict(media.details)
    width = picture.get("width") or details.pop("width", 0)
    height = picture.get("height") or details.pop("height", 0)
    if kind == "sticker" and not width:
        width, height = image_size(upload.data) or (512, 512)
    stored = store_of(fake).add(kind, upload.data, file_name=None if kind in ("photo", "voice", "video_note")
                                else name, mime_type=mime, width=width, height=height)
    stored.attrs.update({k: v for k, v in details.items() if v})
    return stored


def media_content(fake: TelegramFake, bot: Bot, stored: StoredFile, kind: str, details: dict | None = None) -> dict:
    """The Message fields of a file sent as `kind` (the method's kind: a document-like file may be sent by
    another document-like method, files.py)."""
    store = store_of(fake)
    if kind == "photo":
        return {"photo": store.photo_sizes(stored, bot.account.id)}
    attrs = {**stored.attrs, **{k: v for k, v in (details or {}).items() if v}}
    media = {"file_id": store.file_id(stored, bot.account.id), "file_unique_id": stored.unique_id}
    width = attrs.get("width") or stored.width
    height = attrs.get("height") or stored.height
    duration = attrs.get("duration", 0)
    if kind in ("video", "animation"):
        media.update(width=width, height=height, duration=duration)
    elif kind == "audio":
        media["duration"] = duration
        media.update({k: attrs[k] for k in ("performer", "title") if attrs.get(k)})
    elif kind == "voice":
        media["duration"] = duration
    elif kind == "video_note":
        media.update(length=attrs.get("length") or width, duration=duration)
    elif kind == "sticker":
        name = (stored.file_name or "").lower()
        media.update(type="regular", width=width or 512, height=height or 512, is_animated=name.endswith(".tgs"),
                     is_video=name.endswith(".webm") or stored.mime_type == "video/webm")
        if attrs.get("emoji"):
            media["emoji"] = attrs["emoji"]
    if kind in ("document", "video", "audio", "animation") and stored.file_name:
        media["file_name"] = stored.file_name
    if kind not in ("sticker", "video_note") and stored.mime_type:
        media["mime_type"] = stored.mime_type
    media["file_size"] = stored.size
    if kind == "animation":  # "For backward compatibility, when this field is set, the document field will also be set"
        document = {k: v for k, v in media.items() if k not in ("width", "height", "duration")}
        return {"animation": media, "document": document}
    return {kind: media}


# ---- the send methods ------------------------------------------------------------------------------------

def _details(args: Args, kind: str) -> dict:
    """The numbers and words a send method declares of its file, clamped as get_integer_arg clamps them."""
    found: dict = {}
    if kind in ("video", "animation", "audio", "voice", "video_note"):
        found["duration"] = args.int32("duration", 0, 0, MAX_DURATION)
    if kind in ("video", "animation"):
        found["width"] = args.int32("width", 0, 0, MAX_LENGTH)
        found["height"] = args.int32("height", 0, 0, MAX_LENGTH)
    if kind == "video_note":
        found["length"] = args.int32("length", 0, 0, MAX_LENGTH)
    if kind == "audio":
        found["title"], found["performer"] = args.arg("title"), args.arg("performer")
    if kind == "sticker":
        found["emoji"] = args.arg("emoji")
    return found


def _sender(kind: str, field: str) -> Callable:
    def send(fake: TelegramFake, bot: Bot, args: Args) -> dict:
        located = _file_arg(args, field)
        if located is None:
            raise bad_request(f"there is no {NAMES[kind]} in the request")
        media = _Media(kind, located[0], located[1], _details(args, kind))
        if kind not in ("sticker", "video_note"):
            media.caption = read_caption(args.arg("caption"), args.arg("parse_mode"),
                                         inputs.entities(args, "caption_entities"))
        if kind in ("photo", "video", "animation"):
            media.show_caption_above_media = args.flag("show_caption_above_media")
            media.has_spoiler = args.flag("has_spoiler")
        reply_id, without_reply = inputs.reply_to(args)
        markup = inputs.reply_markup(args)
        chat = _chat(fake, bot, args)
        caption = checked_caption(media.caption)
        store = _locate(fake, bot, media)
        reply_to = replied_message(chat, reply_id, without_reply)
        check_flood(fake, bot, chat)
        content = _message_content(fake, bot, media, store(), caption)
        return fake.post(chat, bot.account, None, None, markup, reply_to, content=content).to_api()

    send.__name__ = f"send_{kind}"
    return send


def _message_content(fake: TelegramFake, bot: Bot, media: _Media, stored: StoredFile,
                     caption: tuple[str, list[dict]] | None) -> dict:
    content = media_content(fake, bot, stored, media.kind, media.details)
    content.update(_caption_fields(caption, media.show_caption_above_media))
    if media.has_spoiler:
        content["has_media_spoiler"] = True
    return content


def send_live_photo(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    """process_send_live_photo_query: the live photo (its video) first, then its still photo."""
    video = _file_arg(args, "live_photo")
    if video is None:
        raise bad_request("there is no live photo in the request")
    still = _file_arg(args, "photo")
    if still is None:
        raise bad_request("there is no photo in the request")
    motion, photo = _Media("video", video[0], video[1], {}), _Media("photo", still[0], still[1], {})
    photo.caption = read_caption(args.arg("caption"), args.arg("parse_mode"), inputs.entities(args, "caption_entities"))
    above, spoiler = args.flag("show_caption_above_media"), args.flag("has_spoiler")
    reply_id, without_reply = inputs.reply_to(args)
    markup = inputs.reply_markup(args)
    chat = _chat(fake, bot, args)
    caption = checked_caption(photo.caption)
    store_motion, store_photo = _locate(fake, bot, motion), _locate(fake, bot, photo)
    reply_to = replied_message(chat, reply_id, without_reply)
    check_flood(fake, bot, chat)
    content = {"live_photo": _live_photo(fake, bot, store_motion(), store_photo()), **_caption_fields(caption, above)}
    if spoiler:
        content["has_media_spoiler"] = True
    return fake.post(chat, bot.account, None, None, markup, reply_to, content=content).to_api()


def _live_photo(fake: TelegramFake, bot: Bot, motion: StoredFile, photo: StoredFile) -> dict:
    """LivePhoto: the still's sizes, then the motion's file (a video: the lab's choice of its type)."""
    video = media_content(fake, bot, motion, "video")["video"]
    sizes = store_of(fake).photo_sizes(photo, bot.account.id)
    live = {"photo": sizes, "file_id": video["file_id"], "file_unique_id": video["file_unique_id"],
            "width": video["width"] or sizes[-1]["width"], "height": video["height"] or sizes[-1]["height"],
            "duration": video["duration"]}
    live.update({k: video[k] for k in ("mime_type", "file_size") if k in video})
    return live


def _input_paid_media(args: Args, item) -> tuple[str, _Media, _Media | None]:
    """Client::get_input_paid_media of one InputPaidMedia: photo, video or live_photo (a video and its photo)."""
    if not isinstance(item, dict):
        raise _Refused("expected an Object")
    fields = Fields(item)
    located = _file_arg(args, "", fields.string("media") or "")
    if located is None:
        raise _Refused("media not found")
    width, height = _clamp(fields.integer("width"), MAX_LENGTH), _clamp(fields.integer("height"), MAX_LENGTH)
    kind = fields.string("type", True)
    if kind == "photo":
        return kind, _Media("photo", located[0], located[1], {}), None
    if kind == "live_photo":
        still = _file_arg(args, "photo", fields.string("photo") or "")
        if still is None:
            raise _Refused("photo not found")
        return kind, _Media("video", located[0], located[1], {"width": width, "height": height}), \
            _Media("photo", still[0], still[1], {})
    if kind == "video":
        duration = _clamp(fields.integer("duration"), MAX_DURATION)
        fields.boolean("supports_streaming")
        return kind, _Media("video", located[0], located[1], {"width": width, "height": height,
                                                              "duration": duration}), None
    raise _Refused(f'type "{kind}" is unsupported')


def send_paid_media(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    """process_send_paid_media_query; the bot sees its own paid media in full, as a sender does."""
    star_count = args.int32("star_count", 0, 0, 1_000_000_000)
    if not args.arg("media"):
        raise worded('Parameter "media" is required')
    try:
        items = decode_json(args.arg("media"))
    except NotJson:
        raise worded("Can't parse paid media JSON object") from None
    if not isinstance(items, list):
        raise worded("Expected an Array of InputPaidMedia")
    try:
        paid = [_input_paid_media(args, item) for item in items]
    except _Refused as refused:
        raise worded(f"Can't parse InputPaidMedia: {refused}") from None
    found = read_caption(args.arg("caption"), args.arg("parse_mode"), inputs.entities(args, "caption_entities"))
    above = args.flag("show_caption_above_media")
    reply_id, without_reply = inputs.reply_to(args)
    markup = inputs.reply_markup(args)
    chat = _chat(fake, bot, args)
    # the documented ranges (1-25000 stars, up to 10 items); UNCONFIRMED: the words TDLib refuses them with
    if not paid:
        raise bad_request("there are no messages to send")
    if len(paid) > MAX_ALBUM:
        raise bad_request("too many messages to send as an album")
    if not 1 <= star_count <= 25_000:
        raise bad_request("STARS_AMOUNT_INVALID")
    caption = checked_caption(found)
    steps = [(kind, media.details, _locate(fake, bot, media), _locate(fake, bot, still) if still else None)
             for kind, media, still in paid]
    reply_to = replied_message(chat, reply_id, without_reply)
    check_flood(fake, bot, chat)
    shown = []
    for kind, details, store, still in steps:
        stored = store()
        if kind == "photo":
            shown.append({"type": "photo", "photo": store_of(fake).photo_sizes(stored, bot.account.id)})
        elif kind == "video":
            shown.append({"type": "video", "video": media_content(fake, bot, stored, "video", details)["video"]})
        else:
            shown.append({"type": "live_photo", "live_photo": _live_photo(fake, bot, stored, still())})
    content = {"paid_media": {"star_count": star_count, "paid_media": shown}, **_caption_fields(caption, above)}
    return fake.post(chat, bot.account, None, None, markup, reply_to, content=content).to_api()


# ---- InputMedia: sendMediaGroup and editMessageMedia -------------------------------------------------------

def _input_media(args: Args, item, for_album: bool) -> _Media:
    """Client::get_input_media of one InputMedia object, refused with its words (the caller prefixes them)."""
    if not isinstance(item, dict):
        raise _Refused("expected an Object")
    fields = Fields(item)
    caption, parse_mode = fields.string("caption") or "", fields.string("parse_mode") or ""
    listed = item.get("caption_entities")
    entities = inputs.entities(Args([("e", _source(listed))]), "e") if isinstance(listed, list) else []
    found = read_caption(caption, parse_mode, entities)
    above, spoiler = fields.boolean("show_caption_above_media"), fields.boolean("has_spoiler")
    kind = fields.string("type", True)
    value = fields.string("media") or ""
    located = _file_arg(args, "", value)
    if located is None:
        raise _Refused("media not found")
    details = {}
    if kind in ("video", "animation"):
        if kind == "animation" and for_album:
            raise _Refused(f'type "{kind}" can\'t be used in sendMediaGroup')
        details = {"width": _clamp(fields.integer("width"), MAX_LENGTH), "height": _clamp(fields.integer("height"),
                   MAX_LENGTH), "duration": _clamp(fields.integer("duration"), MAX_DURATION)}
    elif kind == "audio":
        details = {"duration": _clamp(fields.integer("duration"), MAX_DURATION), "title": fields.string("title"),
                   "performer": fields.string("performer")}
    elif kind == "document":
        fields.boolean("disable_content_type_detection")
    elif kind != "photo":
        raise _Refused(f'type "{kind}" is unsupported')
    return _Media(kind, located[0], located[1], details, found, above, spoiler)


def _source(value) -> str:
    return json.dumps(value)


def _clamp(value: int | None, high: int) -> int:
    return min(max(value or 0, 0), high)


def _parse_media(args: Args, for_album: bool) -> _Media:
    if not args.arg("media"):
        raise worded('Parameter "media" is required')
    try:
        value = decode_json(args.arg("media"))
    except NotJson:
        raise worded("Can't parse input media JSON object") from None
    try:
        return _input_media(args, value, for_album)
    except _Refused as refused:
        raise worded(f"Can't parse InputMedia: {refused}") from None


def send_media_group(fake: TelegramFake, bot: Bot, args: Args) -> list[dict]:
    reply_id, without_reply = inputs.reply_to(args)
    if not args.arg("media"):
        raise worded('Parameter "media" is required')
    try:
        items = decode_json(args.arg("media"))
    except NotJson:
        raise worded("Can't parse media JSON object") from None
    if not isinstance(items, list):
        raise worded("Expected an Array of InputMedia")
    try:
        album = [_input_media(args, item, True) for item in items]
    except _Refused as refused:
        raise worded(f"Can't parse InputMedia: {refused}") from None
    chat = _chat(fake, bot, args)
    # TDLib's sendMessageAlbum (MessagesManager): UNCONFIRMED that a single item is taken (the docs say 2-10;
    # TDLib refuses only none and more than ten), the rest as bots quote them
    if not album:
        raise bad_request("there are no messages to send")
    if len(album) > MAX_ALBUM:
        raise bad_request("too many messages to send as an album")
    for lonely in ("document", "audio"):
        if any(m.kind == lonely for m in album) and any(m.kind != lonely for m in album):
            raise bad_request(f"{lonely} can't be mixed with other media types")
    if len({m.show_caption_above_media for m in album if m.kind in ("photo", "video")}) > 1:
        raise bad_request("parameter show_caption_above_media must be the same for all messages")
    captions = [checked_caption(m.caption) for m in album]
    steps = []
    for number, media in enumerate(album, 1):
        try:
            steps.append(_locate(fake, bot, media))
        except ApiError as error:  # a file Telegram could not find fails the album naming the message
            if error.description != f"Bad Request: {WRONG_FILE}":
                raise
            raise bad_request(f'failed to send message #{number} with the error message "Wrong file identifier/'
                              f'HTTP URL specified"') from None  # as bots quote it
    reply_to = replied_message(chat, reply_id, without_reply)
    check_flood(fake, bot, chat)  # the lab counts an album as one send
    group_id = str(fake.ids.integer(10**16, 10**17 - 1))
    sent = []
    for media, store, caption in zip(album, steps, captions):
        content = {**_message_content(fake, bot, media, store(), caption), "media_group_id": group_id}
        sent.append(fake.post(chat, bot.account, None, None, None, reply_to, content=content).to_api())
    return sent


def _media_of(message: Message) -> str | None:
    return next((key for key in MEDIA_KEYS if key in message.content), None)


def edit_message_caption(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    markup = inputs.reply_markup(args)
    found = read_caption(args.arg("caption"), args.arg("parse_mode"), inputs.entities(args, "caption_entities"))
    above = args.flag("show_caption_above_media")
    message = _editable(fake, bot, args)
    if _media_of(message) in (None, "sticker", "video_note"):  # TDLib: the contents that can have a caption
        raise bad_request("there is no caption in the message to edit")
    fields = _caption_fields(checked_caption(found), above)
    old = {k: message.content[k] for k in ("caption", "caption_entities", "show_caption_above_media")
           if k in message.content}
    if (fields, markup) == (old, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    for key in old:
        del message.content[key]
    message.content.update(fields)
    message.reply_markup = markup
    message.edit_date = int(fake.clock.time())
    return inline_state.edit_answer(message)  # True for a message sent via the bot (inline_message_id)


KEPT_BY_MEDIA_EDIT = ("media_group_id", "via_bot", "has_protected_content", "message_thread_id", "is_topic_message",
                      "business_connection_id", "sender_business_bot", "forward_origin", "is_automatic_forward")


def edit_message_media(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    markup = inputs.reply_markup(args)
    media = _parse_media(args, for_album=False)
    message = _editable(fake, bot, args)
    old_kind = _media_of(message)  # TDLib's MessagesManager::edit_message_media, its checks in its order
    if old_kind not in ("animation", "audio", "document", "photo", "video"):
        raise bad_request("there is no media in the message to edit")
    if "media_group_id" in message.content and media.kind != old_kind:
        if media.kind == "animation":
            raise bad_request("message content type can't be used in an album")
        if {old_kind, media.kind} & {"document", "audio"}:
            raise bad_request("can't change media type in the album")
    caption = checked_caption(media.caption)
    store = _locate(fake, bot, media)
    content = _message_content(fake, bot, media, store(), caption)
    # what the message is, beside its media, stays: its album, who sent it via which bot, its topic, protection
    content.update({k: v for k, v in message.content.items() if k in KEPT_BY_MEDIA_EDIT})
    if (content, markup) == (message.content, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.content, message.reply_markup = content, markup
    message.edit_date = int(fake.clock.time())
    return inline_state.edit_answer(message)


# ---- getFile and the download route --------------------------------------------------------------------------

def get_file(fake: TelegramFake, bot: Bot, args: Args) -> dict:
    """process_get_file_query: any file_id TDLib cannot resolve is "invalid file_id" here (the default message
    of TdOnCheckRemoteFileIdCallback); a file over 20 MB is "file is too big"."""
    file_id = args.arg("file_id")
    if not file_id:
        raise bad_request("file_id not specified")
    store = store_of(fake)
    stored = store.resolve(file_id, bot.account.id)
    if stored is None:
        raise bad_request("invalid file_id")
    if stored.size > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    paths = bot_files(bot)
    paths.forget_missing(store)
    return {"file_id": store.file_id(stored, bot.account.id), "file_unique_id": stored.unique_id,
            "file_size": stored.size, "file_path": paths.path_for(stored)}


def download(fake: TelegramFake, path: str) -> Reply:
    """GET /file/bot<token>/<file_path>: the bytes, or the file server's 404 for an unknown token or path."""
    token, _, file_path = path[len("/file/bot"):].partition("/")
    bot = fake.bots.get(token)
    stored = None
    if bot is not None and not bot.revoked:
        serial = bot_files(bot).by_path.get(unquote(file_path))
        stored = store_of(fake).files.get(serial) if serial is not None else None
    content = stored.content() if stored is not None else None
    if content is None:
        return json_reply(404, {"ok": False, "error_code": 404, "description": NOT_FOUND})
    # UNCONFIRMED: the content type Telegram's file server sends; the lab sends every file as bytes
    return Reply(200, content, {"content-type": "application/octet-stream"})


# ---- people send media (the control API) ------------------------------------------------------------------------

ROUTE_KINDS = {"photos": "photo", "documents": "document", "videos": "video", "audios": "audio", "voices": "voice",
               "animations": "animation", "stickers": "sticker", "video_notes": "video_note"}


def person_sends(fake: TelegramFake, bot: Bot, chat_id: int, user: dict, kind: str, data: dict) -> dict:
    """`user` sends a file of `kind` (bytes as base64 in "data") with an optional caption; the bot gets the message
    when privacy mode lets it see it (in groups: a command, a mention of the bot or a reply to it in the caption)."""
    person = fake.person(user)
    raw = data.get("data")
    if not isinstance(raw, str) or not raw:
        raise ValueError('"data" must be the file\'s bytes in base64')
    try:
        body = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError('"data" is not valid base64') from None
    caption = data.get("caption") or ""
    if not isinstance(caption, str) or utf16_len(caption) > MAX_CAPTION:
        raise ValueError(f'"caption" must be text of at most {MAX_CAPTION} characters')
    name, mime = data.get("file_name"), data.get("mime_type")
    if any(value is not None and not isinstance(value, str) for value in (name, mime)):
        raise ValueError('"file_name" and "mime_type" must be strings')
    numbers = {k: data.get(k, 0) for k in ("duration", "width", "height")}
    if any(type(v) is not int or not 0 <= v <= MAX_LENGTH * 1000 for v in numbers.values()):
        raise ValueError('"duration", "width" and "height" must be whole numbers')
    picture = {}
    if kind == "photo":
        size = image_size(body)
        if size is None:
            raise ValueError("a photo must be a PNG, JPEG, GIF or WebP picture")
        picture = {"width": size[0], "height": size[1]}
    if not body:
        raise ValueError("the file is empty")
    chat = _person_chat(bot, chat_id, person)
    reply_id = data.get("reply_to_message_id")
    reply_to = chat.messages.get(reply_id) if isinstance(reply_id, int) else None
    if reply_id is not None and (reply_to is None or reply_to.deleted):
        raise ValueError(f"no message {reply_id} to reply to")
    media = _Media(kind, Upload(name or "", mime or "", body),
                   "", {k: v for k, v in numbers.items() if v})
    if kind in ("video", "animation"):
        media.details.setdefault("width", numbers["width"])
        media.details.setdefault("height", numbers["height"])
    stored = _store_upload(fake, media, picture)
    content = media_content(fake, bot, stored, kind)
    if caption.strip():
        entities = command_entities(caption)
        content.update({"caption": caption, **({"caption_entities": entities} if entities else {})})
    message = fake.post(chat, person, None, reply_to=reply_to, content=content)
    if _bot_sees(bot, chat, message, caption):
        fake.enqueue(bot, "message", message.to_api())
    return message.to_api()


def _person_chat(bot: Bot, chat_id: int, person) -> Chat:
    """The chat a person writes in, as People.send opens it (a private chat on first message)."""
    if chat_id > 0:
        if chat_id != person.id:
            raise ValueError("a private chat's id is the user's id")
        chat = bot.chats.setdefault(chat_id, Chat(chat_id, "private", person=person))
        bot.blocked_by.discard(person.id)
        return chat
    chat = bot.chats.get(chat_id)
    if chat is None:
        raise LookupError(f"no chat {chat_id} with this bot")
    if chat.migrated_to is not None:
        raise ValueError(f"chat {chat_id} was upgraded to {chat.migrated_to}")
    chat.members.add(person.id)
    return chat


def _bot_sees(bot: Bot, chat: Chat, message: Message, caption: str) -> bool:
    """Privacy mode as simulate.People._bot_sees applies it, on the caption."""
    if chat.type == "private":
        return True
    return (bool(message.content.get("caption_entities")) or f"@{bot.account.username}" in caption
            or (message.reply_to is not None and message.reply_to.sender is bot.account))


@control_routes.route("POST", r"^/_lab/chats/(-?\d+)/(" + "|".join(ROUTE_KINDS) + r")$")
def _person_sends_route(fake: TelegramFake, people, match, data: dict) -> dict:
    message = person_sends(fake, people.bot, int(match.group(1)), data.get("from"), ROUTE_KINDS[match.group(2)], data)
    return {"message": message}


@control_routes.route("GET", r"^/_lab/files$")
def _files_route(fake: TelegramFake, people, match, data: dict) -> dict:
    return {"files": store_of(fake).describe()}


METHODS: dict[str, Callable] = {
    "sendPhoto": _sender("photo", "photo"), "sendDocument": _sender("document", "document"),
    "sendVideo": _sender("video", "video"), "sendAudio": _sender("audio", "audio"),
    "sendVoice": _sender("voice", "voice"), "sendAnimation": _sender("animation", "animation"),
    "sendSticker": _sender("sticker", "sticker"), "sendVideoNote": _sender("video_note", "video_note"),
    "sendLivePhoto": send_live_photo, "sendPaidMedia": send_paid_media, "sendMediaGroup": send_media_group, "getFile": get_file, "editMessageCaption": edit_message_caption,
    "editMessageMedia": edit_message_media}
