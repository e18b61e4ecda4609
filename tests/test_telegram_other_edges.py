"""Edges of the Telegram fake's other families (other_stickers.py, other_business.py, other_methods.py,
generic.py): each refusal with the reference server's words (Client.cpp of tdlib/telegram-bot-api) and the state a
bot reads back after a call."""

from __future__ import annotations

import json

import httpx
import pytest
from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from integration_lab.fakes.telegram.catalogue import problems, returns
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory

pytestmark = pytest.mark.redis_free

ADA = {"id": 501, "first_name": "Ada", "username": "ada"}
BO = {"id": 502, "first_name": "Bo"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


class Api:
    def __init__(self, fake: TelegramFake, bot=None):
        self.fake, self.bot = fake, bot or fake.default_bot
        self.http = httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://api.telegram.org")

    async def raw(self, method: str, files: dict | None = None, **params) -> tuple[int, dict]:
        url = f"/bot{self.bot.token}/{method}"
        if files:
            data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
            response = await self.http.post(url, data=data, files=files)
        else:
            response = await self.http.post(url, json=params)
        return response.status_code, response.json()

    async def ok(self, method: str, files: dict | None = None, **params):
        status, body = await self.raw(method, files, **params)
        assert status == 200 and body["ok"], body
        assert problems(body["result"], returns(method)) == [], problems(body["result"], returns(method))
        return body["result"]

    async def fails(self, method: str, files: dict | None = None, **params) -> str:
        status, body = await self.raw(method, files, **params)
        assert not body["ok"] and status == body["error_code"], body
        return body["description"]


@pytest.fixture
def world():
    clock = FrozenClock("2026-01-05T09:00:00Z")
    fake = TelegramFake(clock, IdFactory(22))
    people = People(fake)
    people.send(501, ADA, "/start")
    return fake, people, Api(fake), clock


def _sticker(file_id: str, emoji: str = "😀", **extra) -> dict:
    return {"sticker": file_id, "format": "static", "emoji_list": [emoji], **extra}


async def _upload(api: Api) -> str:
    uploaded = await api.ok("uploadStickerFile", files={"sticker": ("s.png", PNG, "image/png")},
                            user_id=501, sticker_format="static")
    return uploaded["file_id"]


NAME = "cats_by_lab_shop_bot"


# ---- sticker sets ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("sticker", "words"), [
    ("x", "Can't parse InputSticker: InputSticker must be an Object"),
    ({"sticker": [5]}, 'Can\'t parse InputSticker: Field "sticker" must be of type String'),
    ({"sticker": "attach://nothing"}, "Can't parse InputSticker: sticker not found"),
    ({"sticker": "F", "format": [3]}, 'Can\'t parse InputSticker: Field "format" must be of type String'),
    ({"sticker": "F", "format": "gif"}, "Can't parse InputSticker: Invalid sticker format specified"),
    ({"sticker": "F", "format": "static"}, 'Can\'t parse InputSticker: Can\'t find field "emoji_list"'),
    ({"sticker": "F", "format": "static", "emoji_list": "😀"},
     'Can\'t parse InputSticker: Field "emoji_list" must be of type Array'),
    ({"sticker": "F", "format": "static", "emoji_list": []},
     "Can't parse InputSticker: emoji list must be non-empty"),
    ({"sticker": "F", "format": "static", "emoji_list": ["😀"] * 21},
     "Can't parse InputSticker: too many emoji specified"),
    ({"sticker": "F", "format": "static", "emoji_list": [1]}, "Can't parse InputSticker: emoji must be a string"),
    ({"sticker": "F", "format": "static", "emoji_list": ["a"]},
     "Can't parse InputSticker: expected a Unicode emoji"),
    ({"sticker": "F", "format": "static", "emoji_list": ["🇺"]},
     "Can't parse InputSticker: expected a Unicode emoji"),
    ({"sticker": "F", "format": "static", "emoji_list": ["😀"], "keywords": "cat"},
     'Can\'t parse InputSticker: Field "keywords" must be of type Array'),
    ({"sticker": "F", "format": "static", "emoji_list": ["😀"], "keywords": [1]},
     "Can't parse InputSticker: keyword must be a string"),
    ({"sticker": "F", "format": "static", "emoji_list": ["😀"], "mask_position": 1},
     "Can't parse InputSticker: MaskPosition must be an Object"),
    ({"sticker": "F", "format": "static", "emoji_list": ["😀"], "mask_position": {}},
     'Can\'t parse InputSticker: Can\'t find field "point"'),
    ({"sticker": "F", "format": "static", "emoji_list": ["😀"], "mask_position": {"point": [1]}},
     'Can\'t parse InputSticker: Field "point" must be of type String'),
    ({"sticker": "F", "format": "static", "emoji_list": ["😀"], "mask_position": {"point": "nose"}},
     "Can't parse InputSticker: Wrong point specified in MaskPosition"),
    ({"sticker": "F", "format": "static", "emoji_list": ["😀"], "mask_position": {"point": "Eyes"}},
     'Can\'t parse InputSticker: Can\'t find field "x_shift"'),
    ({"sticker": "F", "format": "static", "emoji_list": ["😀"],
      "mask_position": {"point": "eyes", "x_shift": "left", "y_shift": 0, "scale": 1}},
     'Can\'t parse InputSticker: Field "x_shift" must be a Number'),
])
async def test_an_input_sticker_is_refused_with_the_servers_words(world, sticker, words):
    _, _, api, _ = world
    assert await api.fails("createNewStickerSet", user_id=501, name=NAME, title="Cats",
                           stickers=[sticker]) == f"Bad Request: c{words[1:]}"


async def test_a_sticker_list_is_refused_before_any_sticker_is_read(world):
    _, _, api, _ = world
    assert await api.fails("createNewStickerSet", user_id=501, name=NAME, title="Cats") == \
        "Bad Request: there is no sticker file in the request"
    assert await api.fails("createNewStickerSet", user_id=501, name=NAME, title="Cats", stickers="{") == \
        "Bad Request: can't parse stickers JSON object"
    assert await api.fails("createNewStickerSet", user_id=501, name=NAME, title="Cats", stickers={}) == \
        "Bad Request: expected an Array of InputSticker"
    assert await api.fails("createNewStickerSet", user_id=501, name=NAME, title="Cats",
                           stickers=[_sticker("F")] * 51) == "Bad Request: too many stickers specified"
    assert await api.fails("createNewStickerSet", user_id=501, name=NAME, title="Cats",
                           stickers=[{"sticker": "F", "emoji_list": ["😀"]}]) == \
        'Bad Request: can\'t parse InputSticker: Can\'t find field "format"'
    assert await api.fails("createNewStickerSet", user_id=501, name=NAME, title="Cats",
                           stickers=[]) == "Bad Request: at least 1 sticker must be specified"
    assert await api.fails("createNewStickerSet", user_id=501, name=NAME, title="Cats", sticker_type="gif",
                           stickers=[_sticker("F")]) == "Bad Request: unsupported sticker type specified"
    assert await api.fails("createNewStickerSet", user_id=501, name=NAME, title="  ",
                           stickers=[_sticker("F")]) == "Bad Request: sticker set title must be non-empty"
    assert await api.fails("createNewStickerSet", user_id=501, name=" ", title="Cats",
                           stickers=[_sticker("F")]) == "Bad Request: sticker set name must be non-empty"
    assert await api.fails("createNewStickerSet", user_id=501, name=NAME, title="Cats", needs_repainting=True,
                           stickers=[_sticker("F")]) == "Bad Request: only custom emoji stickers support repainting"
    assert await api.fails("createNewStickerSet", user_id=0, name=NAME, title="Cats",
                           stickers=[_sticker("F")]) == "Bad Request: invalid user_id specified"
    assert await api.fails("createNewStickerSet", user_id=999, name=NAME, title="Cats",
                           stickers=[_sticker("F")]) == "Bad Request: user not found"


async def test_the_sticker_files_are_resolved_as_tdlib_does(world):
    _, _, api, _ = world
    s = {"sticker": "F", "format": "auto", "emoji_list": ["😀"]}
    assert await api.fails("createNewStickerSet", user_id=501, name=NAME, title="Cats", stickers=[s]) == \
        "Bad Request: sticker format must be non-empty"
    for fmt in ("animated", "video"):
        s = {"sticker": "https://example.com/s", "format": fmt, "emoji_list": ["😀"]}
        assert await api.fails("createNewStickerSet", user_id=501, name=NAME, title="Cats", stickers=[s]) == \
            f"Bad Request: {fmt} stickers can't be uploaded by URL"
    assert await api.fails("createNewStickerSet", user_id=501, name=NAME, title="Cats",
                           stickers=[_sticker("nonsense")]) == \
        "Bad Request: wrong remote file identifier specified: can't unserialize it"
    url = _sticker("https://example.com/s.webp")
    for bad in ("cats", "9cats_by_lab_shop_bot", "ca__ts_by_lab_shop_bot", "_by_lab_shop_bot"):
        assert await api.fails("createNewStickerSet", user_id=501, name=bad, title="Cats", stickers=[url]) == \
            "Bad Request: invalid sticker set name is specified"
    # a set of several keywords and a default format from sticker_format
    assert await api.ok("createNewStickerSet", user_id=501, name=NAME, title="Cats", sticker_format="static",
                        stickers=[{"sticker": "https://example.com/s.webp", "emoji_list": ["#️⃣", "🇺🇦"]}]) is True
    assert await api.fails("createNewStickerSet", user_id=501, name=NAME.upper(), title="Cats",
                           stickers=[url]) == "Bad Request: sticker set name is already occupied"
    got = await api.ok("getStickerSet", name=NAME)
    assert got["stickers"][0]["emoji"] == "#️⃣"
    assert await api.fails("getStickerSet", name="dogs") == "Bad Request: STICKERSET_INVALID"
