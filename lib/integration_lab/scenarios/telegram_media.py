"""The media-and-files scenario (notebooks/telegram/05_media_and_files): a team's bot sends product photos to the
fake Telegram by upload, URL and file_id, sends albums, reads files back with getFile and downloads them; people
send it photos. The bot here is plain HTTP on the fake's in-process transport, as any team's own client would be.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from ..fakes.telegram.files import first_pixel, image_size, solid_png, store_of
from ..notebook.picture import Picture

PRODUCT_COLOUR = b"\x2e\x8b\x57"  # the product photo the bot uploads: one colour, any size the parameters ask


class Refused(Exception):
    """Telegram's answer to a call it refused: '400: Bad Request: …'."""


@dataclass
class MediaWorld:
    lab: Any
    fake: TelegramFake
    people: People
    http: httpx.AsyncClient
    users: dict[str, dict] = field(default_factory=dict)

    @property
    def token(self) -> str:
        return self.fake.default_bot.token

    def user(self, name: str) -> dict:
        if name not in self.users:
            self.users[name] = {"id": self.lab.ids.integer(100_000_000, 999_999_999), "first_name": name}
        return self.users[name]

    async def call(self, method: str, files: dict | None = None, **params) -> Any:
        """A Bot API call as a client makes it: multipart when it uploads files, JSON otherwise."""
        url = f"/bot{self.token}/{method}"
        if files:
            data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
            response = await self.http.post(url, data=data, files=files)
        else:
            response = await self.http.post(url, json=params)
        body = response.json()
        if not body["ok"]:
            raise Refused(f"{body['error_code']}: {body['description']}")
        return body["result"]

    async def attempt(self, method: str, files: dict | None = None, **params) -> Any:
        """The result, or Telegram's refusal as one line."""
        try:
            return await self.call(method, files, **params)
        except Refused as refused:
            return str(refused)

    async def download(self, file_path: str) -> bytes:
        response = await self.http.get(f"/file/bot{self.token}/{file_path}")
        response.raise_for_status()
        return response.content


async def media_world(lab, limits: bool = False) -> MediaWorld:
    """The fake Telegram with one bot, flood limits off by default (a bot sending a catalogue's photos)."""
    fake = TelegramFake(lab.clock, lab.ids, limits=limits)
    http = httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://api.telegram.org")
    return MediaWorld(lab, fake, People(fake), http)


def product_photo(width: int, height: int, megabytes: float = 0) -> bytes:
    """A PNG of `width` x `height`, padded past its end to `megabytes` when asked (a picture too big to send)."""
    picture = solid_png(width, height, PRODUCT_COLOUR)
    return picture + b"\0" * max(0, int(megabytes * (1 << 20)) - len(picture))


def sizes_table(message: Any) -> pd.DataFrame:
    """A photo message's PhotoSize entries, smallest first (or the refusal)."""
    if isinstance(message, str):
        return pd.DataFrame([{"refused": message}])
    return pd.DataFrame([{"size": f"{s['width']}x{s['height']}", "file_size": s["file_size"],
                          "file_unique_id": s["file_unique_id"], "file_id": s["file_id"]} for s in message["photo"]])


def sends_table(sends: dict[str, Any]) -> pd.DataFrame:
    """How each send went: the largest size's file_unique_id (the same file or a new one), or the refusal."""
    rows = []
    for how, outcome in sends.items():
        if isinstance(outcome, str):
            rows.append({"sent by": how, "outcome": outcome, "file_unique_id": "", "sizes": 0})
        else:
            media = outcome["photo"][-1] if "photo" in outcome else next(
                outcome[k] for k in ("document", "video", "audio", "voice") if k in outcome)
            rows.append({"sent by": how, "outcome": "sent", "file_unique_id": media["file_unique_id"],
                         "sizes": len(outcome.get("photo", [media]))})
    return pd.DataFrame(rows)


def album_table(outcome: Any) -> pd.DataFrame:
    if isinstance(outcome, str):
        return pd.DataFrame([{"refused": outcome}])
    kinds = ("photo", "video", "document", "audio")
    return pd.DataFrame([{"message_id": m["message_id"], "kind": next(k for k in kinds if k in m),
                          "media_group_id": m["media_group_id"], "caption": m.get("caption", "")} for m in outcome])


def files_table(world: MediaWorld) -> pd.DataFrame:
    """Every file the fake holds, as the control API's GET /_lab/files lists them."""
    table = pd.DataFrame(store_of(world.fake).describe())
    return table.astype(object).where(table.notna(), "")


def updates_table(updates: list[dict]) -> pd.DataFrame:
    rows = []
    for update in updates:
        message = update.get("message", {})
        kind = next((k for k in ("photo", "document", "voice", "video", "text") if k in message), "?")
        rows.append({"update_id": update["update_id"], "chat": message.get("chat", {}).get("type"), "kind": kind,
                     "caption or text": message.get("caption", message.get("text", ""))})
    return pd.DataFrame(rows, columns=["update_id", "chat", "kind", "caption or text"])


def transcript(world: MediaWorld, chat_id: int) -> pd.DataFrame:
    return pd.DataFrame(world.people.transcript(chat_id))[["message_id", "direction", "from", "text"]]


def sizes_picture(message: dict, downloads: dict[str, bytes]):
    """A photo's sizes drawn to scale, each filled with the colour of the file the bot downloaded for it."""
    fig = Figure(figsize=(6, 4.5))  # no pyplot: the kernel fork server preloads scenarios/
    ax = fig.subplots()
    sizes = message["photo"]
    for size in reversed(sizes):
        data = downloads.get(size["file_unique_id"], b"")
        colour = _colour(data)
        ax.add_patch(Rectangle((0, 0), size["width"], size["height"], facecolor=colour, edgecolor="white"))
        inside = size["width"] >= 0.15 * sizes[-1]["width"]  # a small size is labelled beside it
        ax.text(size["width"] + (-8 if inside else 8), size["height"] - 8, f"{size['width']}x{size['height']}",
                ha="right" if inside else "left", va="bottom", fontsize=8, color="white")
    largest = sizes[-1]
    ax.set_xlim(0, largest["width"] * 1.02)
    ax.set_ylim(largest["height"] * 1.02, 0)
    ax.set_aspect("equal")
    ax.set_title("PhotoSize entries, to scale (colour: the downloaded file)")
    fig.tight_layout()
    return Picture(fig)


def _colour(data: bytes) -> tuple[float, ...]:
    """The colour of a picture the lab made (its first pixel), grey for anything else."""
    pixel = first_pixel(data)
    return tuple(channel / 255 for channel in pixel) if pixel else (0.8, 0.8, 0.8)


async def fetch_sizes(world: MediaWorld, message: dict) -> tuple[pd.DataFrame, dict[str, bytes]]:
    """getFile for each of a photo's sizes, then the download: (a table, the bytes by file_unique_id)."""
    rows, downloads = [], {}
    for size in message["photo"]:
        found = await world.call("getFile", file_id=size["file_id"])
        data = await world.download(found["file_path"])
        downloads[size["file_unique_id"]] = data
        rows.append({"size": f"{size['width']}x{size['height']}", "file_path": found["file_path"],
                     "file_size": found["file_size"], "downloaded bytes": len(data),
                     "picture read back": "x".join(map(str, image_size(data) or ("?",)))})
    return pd.DataFrame(rows), downloads


ALBUM_URLS = {"photo": "https://shop.example/{n}.jpg", "video": "https://shop.example/{n}.mp4",
              "document": "https://shop.example/{n}.pdf", "audio": "https://shop.example/{n}.mp3"}


def album_media(kinds: list[str], captions: list[str]) -> list[dict]:
    """InputMedia for a media group: the first item uploaded (attach://first), the others by URL."""
    media = []
    for n, kind in enumerate(kinds):
        item = {"type": kind, "media": "attach://first" if n == 0 else ALBUM_URLS.get(kind, "x").format(n=n)}
        if n < len(captions) and captions[n]:
            item["caption"] = captions[n]
        media.append(item)
    return media


async def person_sends_photo(world: MediaWorld, name: str, chat_id: int, picture: bytes, caption: str) -> dict:
    """A person sends a photo through the control API, as a test in any language would."""
    import base64

    response = await world.http.post(f"/_lab/chats/{chat_id}/photos", json={
        "from": world.user(name), "data": base64.b64encode(picture).decode(), "caption": caption})
    body = response.json()
    if not body["ok"]:
        raise ValueError(body["error"])
    return body["message"]
