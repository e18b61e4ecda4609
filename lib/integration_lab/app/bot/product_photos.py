"""Each product's photo, uploaded to Telegram once and sent by its file_id ever after, as Telegram asks bots to
("If the file is already stored somewhere on the Telegram servers, you don't need to reupload it", Bot API docs,
"Sending files"). The file_id lives in Redis, so every process of the shop and every restart reuses it.

The lab has no product pictures: each product's photo is a small PNG in a colour of its own, made here, the
same bytes every time.
"""

from __future__ import annotations

import hashlib
import struct
import zlib

from ..telegram.client import BotApi, TelegramError, Upload

WIDTH, HEIGHT = 320, 240
FILE_ID_KEPT = 30 * 86400  # seconds; a file_id stays valid for the bot, the key only ages out with the product


def png(sku: str) -> bytes:
    """A WIDTH x HEIGHT PNG of one colour drawn from the sku."""
    red, green, blue = hashlib.sha256(sku.encode()).digest()[:3]
    row = b"\x00" + bytes((red, green, blue)) * WIDTH  # filter byte "none", then the pixels
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data  # noqa: E731
                                + struct.pack(">I", zlib.crc32(kind + data)))
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * HEIGHT, 9))
            + chunk(b"IEND", b""))


class ProductPhotos:
    def __init__(self, api: BotApi, redis, keys):
        self.api, self.redis, self.keys = api, redis, keys
        self.uploads = 0  # how many times bytes went to Telegram (once per product, whatever the traffic)

    async def send(self, chat_id: int, sku: str, caption: str, keyboard: dict | None) -> dict:
        """The product's photo with its caption: by file_id when Telegram has it, else uploaded and remembered."""
        key = self.keys.key("photo-file-id", sku)
        file_id = await self.redis.get(key)
        if file_id:
            try:
                return await self.api.send_photo(chat_id, file_id, caption=caption, reply_markup=keyboard)
            except TelegramError as refused:
                if "file" not in refused.description.lower():  # anything but a file_id Telegram no longer takes
                    raise
        sent = await self.api.send_photo(chat_id, Upload(f"{sku}.png", png(sku), "image/png"), caption=caption,
                                         reply_markup=keyboard)
        self.uploads += 1
        await self.redis.set(key, sent["photo"][-1]["file_id"], ex=FILE_ID_KEPT)
        return sent
