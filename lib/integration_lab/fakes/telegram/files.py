"""Telegram's file storage as bots see it: files uploaded, fetched by URL or reused by file_id; getFile's paths and
the download route `/file/bot<token>/<file_path>`. No HTTP here except the download answer.

What is Telegram's (the Bot API documentation, "Sending files", "getFile", "PhotoSize"; Client.cpp of
tdlib/telegram-bot-api: get_input_file, process_get_file_query, json_store_file, MAX_DOWNLOAD_FILE_SIZE):
- a `file_id` belongs to one bot: "file_id is unique for each individual bot and can't be transferred from one
  bot to another"; another bot's file_id is refused as an unknown one. `file_unique_id` is "the same over time and
  for different bots" and can't be used to download or reuse a file;
- each upload is a new file (a new `file_unique_id`), even of the same bytes;
- a file_id keeps its type: a photo can't be sent as a document, nor a video as a photo
  ("can't use file of type Video as Photo", TDLib's words as bots quote them);
- bots download files of up to 20 MB (getFile: "file is too big" above that).

What is the lab's choice (Telegram's servers do more than a fake can):
- TYPE CLASSES: TDLib lets a file of one document-like type (document, video, audio, voice, animation, sticker,
  video note) be sent by another document-like method, and refuses photo <-> non-photo. UNCONFIRMED in detail:
  read from TDLib's file-type classes, consistent with every "can't use file of type X as Y" bots quote (all name
  Photo on one side). The message then shows the method's kind.
- URLS: the fake cannot reach the internet. An http(s) URL is a file Telegram "downloaded": for a photo, an
  800x600 PNG of one colour taken from the URL's hash; for any other kind, the text
  "integration-lab placeholder for <url>" named after the URL's last path segment. The same URL and kind give the
  same file (Telegram caches URLs it fetched).
- PHOTO SIZES: a photo is answered as several PhotoSize entries, as Telegram makes its thumbnails: one per box of
  90, 320, 800 and 1280 pixels smaller than the picture (scaled to fit the box), then the picture at its own size.
  The largest holds the bytes as uploaded (Telegram recompresses to JPEG; the lab keeps them so a test can compare
  what it downloads with what it sent); the smaller ones are PNGs of one colour (a PNG's first pixel, else a colour
  from the bytes' digest), made when downloaded. Any of a photo's file_ids resends the whole photo.
- BOUNDS: the store keeps at most `history` x 10 files (the fake's --history, 1,000 messages a chat by default:
  10,000 files), oldest forgotten first (their file_ids then answer as unknown), and at most 64 MiB of uploaded
  bytes: past that the oldest files keep only their size and SHA-256 (getFile still answers, a download is 404).
  A file over the 20 MB download limit never keeps its bytes.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
import struct
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from .control_routes import family_state
from .errors import bad_request, worded

MAX_DOWNLOAD = 20 << 20  # Client.h MAX_DOWNLOAD_FILE_SIZE
MAX_PHOTO = 10 << 20  # Bot API docs, sendPhoto: "The photo must be at most 10 MB in size"
MAX_URL_PHOTO = 5 << 20  # Bot API docs, "Sending files": 5 MB max size for photos by URL (placeholders are far below)
MAX_KEPT_BYTES = 64 << 20  # the lab's bound on uploaded bytes held in memory
FILES_PER_HISTORY = 10  # files kept per message of --history
PHOTO_BOXES = (90, 320, 800, 1280)
URL_PHOTO_SIZE = (800, 600)

# kind -> (TDLib's file type byte as it opens real file_ids, TDLib's type name, getFile's folder, default extension)
KINDS: dict[str, tuple[int, str, str, str]] = {
    "photo": (2, "Photo", "photos", ".jpg"), "voice": (3, "VoiceNote", "voice", ".oga"),
    "video": (4, "Video", "videos", ".mp4"), "document": (5, "Document", "documents", ""),
    "sticker": (8, "Sticker", "stickers", ".webp"), "audio": (9, "Audio", "music", ".mp3"),
    "animation": (10, "Animation", "animations", ".mp4"), "video_note": (13, "VideoNote", "video_notes", ".mp4")}
_BY_TYPE = {type_id: kind for kind, (type_id, *_rest) in KINDS.items()}
DEFAULT_MIME = {"voice": "audio/ogg", "video": "video/mp4", "audio": "audio/mpeg", "animation": "video/mp4",
                "video_note": "video/mp4", "sticker": "image/webp"}
_ID_CHARS = re.compile(r"[A-Za-z0-9_-]*")
_ID_LAYOUT = struct.Struct("<BBBBqq")  # type, 0, version 2, 0, bot id, file serial (then 4 bytes of check)

WRONG_FILE = "wrong file identifier/HTTP URL specified"


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request: its field name's file, as the client named and typed it."""
    filename: str
    content_type: str
    data: bytes


@dataclass
class StoredFile:
    serial: int
    kind: str
    unique_id: str
    size: int
    sha256: str
    data: bytes | None = None  # the bytes, while the store keeps them
    render: tuple[int, int, bytes] | None = None  # (width, height, rgb): a one-colour PNG made when downloaded
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    parent: int | None = None  # a photo size's photo
    sizes: list[int] = field(default_factory=list)  # a photo's sizes, smallest first (itself last)
    source: str = "upload"  # upload | url | thumbnail
    attrs: dict = field(default_factory=dict)  # what the first send said of it: duration, title, performer, emoji

    def content(self) -> bytes | None:
        if self.data is not None:
            return self.data
        if self.render is not None:
            return solid_png(*self.render)
        return None


class FileStore:
    """Every file Telegram holds for the fake's bots (fake.extra["files"]), bounded as the module says."""

    def __init__(self, history: int):
        self.files: OrderedDict[int, StoredFile] = OrderedDict()
        self.by_url: dict[tuple[str, str], int] = {}
        self.next_serial = 1
        self.kept_bytes = 0
        self.max_files = max(history * FILES_PER_HISTORY, 16)

    # ---- making files --------------------------------------------------------------------------
    def _new(self, kind: str, data: bytes | None, size: int, sha256: str, **details) -> StoredFile:
        serial = self.next_serial
        self.next_serial += 1
        unique = bytes([1 if kind == "photo" else 2, 0, 3]) + serial.to_bytes(6, "little")
        stored = StoredFile(serial, kind, _b64(unique + bytes.fromhex(sha256[:8])), size, sha256, **details)
        if data is not None and size <= MAX_DOWNLOAD:
            stored.data = data
            self.kept_bytes += size
        self.files[serial] = stored
        self._bound()
        return stored

    def _bound(self) -> None:
        while len(self.files) > self.max_files:
            _, old = self.files.popitem(last=False)
            self.kept_bytes -= len(old.data) if old.data is not None else 0
        for old in self.files.values():
            if self.kept_bytes <= MAX_KEPT_BYTES:
                break
            if old.data is not None:
                self.kept_bytes -= len(old.data)
                old.data = None

    def add(self, kind: str, data: bytes, file_name: str | None = None, mime_type: str | None = None,
            width: int = 0, height: int = 0, source: str = "upload") -> StoredFile:
        """A new file of `kind` from its bytes; a photo comes with its sizes (the returned one is the largest)."""
        sha = hashlib.sha256(data).hexdigest()
        if kind != "photo":
            return self._new(kind, data, len(data), sha, file_name=file_name, mime_type=mime_type, width=width,
                             height=height, source=source)
        width, height = width or 0, height or 0
        sizes = []
        colour = first_pixel(data) or bytes.fromhex(sha[:6])
        for box in PHOTO_BOXES:
            if max(width, height) > box:
                w, h = _fit(width, height, box)
                png = solid_png(w, h, colour)
                sizes.append(self._new("photo", None, len(png), hashlib.sha256(png).hexdigest(),
                                       render=(w, h, colour), width=w, height=h, source="thumbnail"))
        largest = self._new("photo", data, len(data), sha, width=width, height=height, source=source)
        if source == "url":  # a placeholder is a PNG the lab makes, not bytes it keeps
            largest.render, largest.data = (width, height, colour), None
            self.kept_bytes -= len(data)
        sizes.append(largest)
        for size in sizes:
            size.parent = largest.serial
        largest.sizes = [s.serial for s in sizes]
        return largest

    def from_url(self, kind: str, url: str) -> StoredFile:
        """The lab's stand-in for a file Telegram fetched from `url` (see the module's note)."""
        cached = self.by_url.get((kind, url))
        if cached is not None and cached in self.files:
            return self.files[cached]
        digest = hashlib.sha256(url.encode("utf-8", "surrogateescape")).digest()
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or "file"
        if kind == "photo":
            stored = self.add("photo", solid_png(*URL_PHOTO_SIZE, digest[:3]), width=URL_PHOTO_SIZE[0],
                              height=URL_PHOTO_SIZE[1], source="url")
        else:
            body = f"integration-lab placeholder for {url}\n".encode("utf-8", "surrogateescape")
            stored = self._new(kind, body, len(body), hashlib.sha256(body).hexdigest(), file_name=name,
                               mime_type=mimetypes.guess_type(name)[0] or DEFAULT_MIME.get(kind), source="url")
        self.by_url[(kind, url)] = stored.serial
        return stored

    # ---- file ids ----------------------------------------------------------------------------------
    def file_id(self, stored: StoredFile, bot_id: int) -> str:
        """A file_id as the bot sees it: TDLib's type byte first (photos open 'AgAC', documents 'BQAC'), then
        which bot and which file, then a check, so another bot's file_id or a typo is told apart."""
        head = _ID_LAYOUT.pack(KINDS[stored.kind][0], 0, 2, 0, bot_id, stored.serial)
        return _b64(head + hashlib.sha256(b"lab-file-id" + head).digest()[:4])

    def resolve(self, file_id: str, bot_id: int) -> StoredFile | None:
        """The file behind a file_id of this bot, or None (unknown, another bot's, forgotten)."""
        if not _ID_CHARS.fullmatch(file_id):
            return None
        try:
            raw = base64.urlsafe_b64decode(file_id + "=" * (-len(file_id) % 4))
        except ValueError:
            return None
        if len(raw) != _ID_LAYOUT.size + 4 or hashlib.sha256(b"lab-file-id" + raw[:-4]).digest()[:4] != raw[-4:]:
            return None
        type_id, _, _, _, owner, serial = _ID_LAYOUT.unpack(raw[:-4])
        stored = self.files.get(serial)
        if owner != bot_id or stored is None or _BY_TYPE.get(type_id) != stored.kind:
            return None
        return stored

    def photo_sizes(self, stored: StoredFile, bot_id: int) -> list[dict]:
        """Message.photo: the PhotoSize entries of a photo, smallest first."""
        photo = self.files.get(stored.parent) if stored.parent else stored
        sizes = [self.files[s] for s in (photo.sizes if photo else [stored.serial]) if s in self.files]
        return [{"file_id": self.file_id(s, bot_id), "file_unique_id": s.unique_id, "width": s.width,
                 "height": s.height, "file_size": s.size} for s in sizes]

    def describe(self) -> list[dict]:
        """The store as a table (the control API's GET /_lab/files)."""
        return [{"file_unique_id": f.unique_id, "kind": f.kind, "source": f.source, "size": f.size,
                 "width": f.width, "height": f.height, "file_name": f.file_name, "mime_type": f.mime_type,
                 "sha256": f.sha256[:16], "bytes_kept": f.data is not None or f.render is not None}
                for f in self.files.values()]


class BotFiles:
    """A bot's getFile paths (Telegram's are per bot: 'photos/file_3.jpg')."""

    def __init__(self):
        self.paths: dict[int, str] = {}
        self.by_path: dict[str, int] = {}
        self.counter = 0

    def path_for(self, stored: StoredFile) -> str:
        path = self.paths.get(stored.serial)
        if path is None:
            folder, default = KINDS[stored.kind][2], KINDS[stored.kind][3]
            extension = default
            if stored.file_name and "." in stored.file_name:
                extension = "." + re.sub(r"[^A-Za-z0-9]", "", stored.file_name.rsplit(".", 1)[1])[:8]
            elif stored.kind == "photo" and stored.render is not None:
                extension = ".png"
            path = f"{folder}/file_{self.counter}{extension if extension != '.' else ''}"
            self.counter += 1
            self.paths[stored.serial], self.by_path[path] = path, stored.serial
        return path

    def forget_missing(self, store: FileStore) -> None:
        for serial in [s for s in self.paths if s not in store.files]:
            del self.by_path[self.paths.pop(serial)]


def store_of(fake) -> FileStore:
    return family_state(fake, "files", lambda: FileStore(fake.history))


def bot_files(bot) -> BotFiles:
    return family_state(bot, "files", BotFiles)


def compatible(file_kind: str, wanted: str) -> bool:
    """The lab's reading of TDLib's file-type classes (see the module's note): photo only as photo."""
    return file_kind == wanted or (file_kind != "photo" and wanted != "photo")


def check_kind(stored: StoredFile, wanted: str) -> None:
    if not compatible(stored.kind, wanted):
        raise bad_request(f"can't use file of type {KINDS[stored.kind][1]} as {KINDS[wanted][1]}")


def check_url(url: str) -> None:
    """A URL Telegram could try to fetch; one that does not parse (no host, a broken IPv6 address) is refused as
    an unknown file is (UNCONFIRMED: the words Telegram uses for an unreachable URL vary)."""
    try:
        host = urlsplit(url).hostname
        url.encode("utf-8")
    except (ValueError, UnicodeEncodeError):
        host = None
    if not host:
        raise bad_request(WRONG_FILE)


def remote(fake, bot, kind: str, value: str) -> StoredFile:
    """A file given as text: an http(s) URL Telegram fetches, else a file_id of this bot."""
    store = store_of(fake)
    if re.match(r"(?i)https?://", value):
        check_url(value)
        return store.from_url(kind, value)
    _check_file_id(value)
    stored = store.resolve(value, bot.account.id)
    if stored is None:
        raise bad_request(WRONG_FILE)
    check_kind(stored, kind)
    return stored


_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _check_file_id(value: str) -> None:
    """TDLib's reading of a remote file id, in the words bots quote: base64url (its characters, its length, its
    padding bits), then a structure it can unserialize. One it reads but the server does not know (another bot's,
    or a file the fake forgot) is left to the caller: "wrong file identifier/HTTP URL specified". The lab's reading:
    an id of at least 12 bytes that is not the lab's own counts as a real Telegram file_id of another bot."""
    prefix = "Wrong remote file identifier specified: "
    if not _ID_CHARS.fullmatch(value):
        raise worded(prefix + "Wrong character in the string")
    if len(value) % 4 == 1:
        raise worded(prefix + "Wrong string length")
    spare = {2: 0xF, 3: 0x3}.get(len(value) % 4, 0)
    if spare and _B64URL.index(value[-1]) & spare:
        raise worded(prefix + "wrong padding in the string")
    if len(value) * 3 // 4 < 12:
        raise worded(prefix + "can't unserialize it")


# ---- pictures: reading their size, making placeholders ---------------------------------------------------

def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, JPEG, GIF or WebP picture; None for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8 ":
            w, h = struct.unpack("<HH", data[26:30])
            return w & 0x3FFF, h & 0x3FFF
        if chunk == b"VP8L" and len(data) >= 25:
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if chunk == b"VP8X":
            return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
        return None
    if data[:2] == b"\xff\xd8":
        at = 2
        while at + 9 < len(data):
            if data[at] != 0xFF:
                return None
            marker = data[at + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                at += 2
                continue
            length = int.from_bytes(data[at + 2:at + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                h, w = struct.unpack(">HH", data[at + 5:at + 9])
                return w, h
            at += 2 + length
    return None


def first_pixel(data: bytes) -> bytes | None:
    """The RGB of an 8-bit RGB or RGBA PNG's first pixel (every PNG filter leaves it as stored); else None."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or len(data) < 33 or data[24] != 8 or data[25] not in (2, 6):
        return None
    at = data.find(b"IDAT")
    if at < 4:
        return None
    length = int.from_bytes(data[at - 4:at], "big")
    try:
        pixel = zlib.decompressobj().decompress(data[at + 4:at + 4 + length], 4)[1:4]
    except zlib.error:
        return None
    return pixel if len(pixel) == 3 else None


def _fit(width: int, height: int, box: int) -> tuple[int, int]:
    scale = box / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


@lru_cache(maxsize=64)
def solid_png(width: int, height: int, rgb: bytes) -> bytes:
    """A PNG of one colour: what the lab shows for a thumbnail or a photo fetched by URL."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    rows = (b"\x00" + rgb * width) * height
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))


MEDIA_KEYS = ("photo", "animation", "document", "video", "audio", "voice", "sticker", "video_note", "live_photo",
              "paid_media")


def summary(content: dict) -> str | None:
    """A media message in a transcript: '[photo 800x600] caption', '[document price.pdf]', …"""
    for key in MEDIA_KEYS:
        if key in content:
            media = content[key][-1] if key == "photo" else content[key]
            if key == "paid_media":
                media = {"file_name": f"{media['star_count']} stars, {len(media['paid_media'])} items"}
            detail = (media.get("file_name") or (f"{media['width']}x{media['height']}" if media.get("width") else "")
                      or (f"{media['duration']} s" if "duration" in media else ""))
            label = f"[{key.replace('_', ' ')}{' ' + detail if detail else ''}]"
            return f"{label} {content['caption']}" if content.get("caption") else label
    return None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
