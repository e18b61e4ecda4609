"""Edges of the Telegram fake's other families (other_stickers.py, other_business.py, other_methods.py,
generic.py): each refusal with the reference server's words (Client.cpp of tdlib/telegram-bot-api) and the state a
bot reads back after a call."""

from __future__ import annotations

import json

import httpx
import pytest
from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from integration_lab.fakes.telegram.catalogue import problems, returns
from integration_lab.fakes.telegram.errors import ApiError
from integration_lab.fakes.telegram.generic import answer_from_catalogue, check_common
from integration_lab.fakes.telegram.params import Args
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
                        stickers=[{"sticker": "https://example.com/s.webp",
                                   "emoji_list": ["#️⃣", "🇺🇦"]}]) is True
    assert await api.fails("createNewStickerSet", user_id=501, name=NAME.upper(), title="Cats",
                           stickers=[url]) == "Bad Request: sticker set name is already occupied"
    got = await api.ok("getStickerSet", name=NAME)
    assert got["stickers"][0]["emoji"] == "#️⃣"
    assert await api.fails("getStickerSet", name="dogs") == "Bad Request: STICKERSET_INVALID"


async def _a_set(api: Api, name: str = NAME, **extra) -> list[str]:
    file_id = await _upload(api)
    assert await api.ok("createNewStickerSet", user_id=501, name=name, title="Cats",
                        stickers=[_sticker(file_id), _sticker(file_id, "🐱")], **extra) is True
    return [s["file_id"] for s in (await api.ok("getStickerSet", name=name))["stickers"]]


async def test_one_sticker_methods_refuse_and_edit_in_place(world):
    _, _, api, _ = world
    first, second = await _a_set(api)
    assert await api.fails("addStickerToSet", user_id=501, name=NAME) == \
        "Bad Request: there is no sticker file in the request"
    assert await api.fails("addStickerToSet", user_id=501, name=NAME, sticker="{") == \
        "Bad Request: can't parse sticker JSON object"
    assert await api.fails("addStickerToSet", user_id=501, name=NAME, sticker={"sticker": first}) == \
        "Bad Request: can't parse sticker: Can't find field \"emoji_list\""
    assert await api.fails("addStickerToSet", user_id=501, name="dogs_by_lab_shop_bot",
                           sticker=_sticker(first)) == "Bad Request: STICKERSET_INVALID"
    assert await api.ok("setStickerKeywords", sticker=first) is True
    assert await api.fails("setStickerKeywords", sticker=first, keywords="{") == \
        "Bad Request: can't parse keywords JSON object"
    assert await api.fails("setStickerKeywords", sticker=first, keywords={}) == \
        'Bad Request: field "keywords" must be an Array'
    assert await api.fails("setStickerKeywords", sticker=first, keywords=[1]) == \
        "Bad Request: keyword must be a string"
    assert await api.ok("setStickerKeywords", sticker=first, keywords=["cat"]) is True
    assert await api.fails("setStickerPositionInSet", sticker=" ", position=0) == \
        "Bad Request: sticker is not specified"
    assert await api.fails("setStickerPositionInSet", sticker=first, position=-1) == \
        "Bad Request: wrong sticker position specified"
    assert await api.fails("setStickerPositionInSet", sticker=first, position=2) == \
        "Bad Request: STICKER_POSITION_INVALID"
    assert await api.fails("setStickerPositionInSet", sticker="nonsense", position=0) == \
        "Bad Request: wrong remote file identifier specified: can't unserialize it"
    assert await api.fails("setStickerEmojiList", sticker=first, emoji_list="{") == \
        "Bad Request: can't parse emoji list JSON array"
    assert await api.fails("setStickerEmojiList", sticker=first, emoji_list=[]) == \
        "Bad Request: can't parse emoji list: emoji list must be non-empty"
    assert await api.ok("setStickerEmojiList", sticker=second, emoji_list=["🐶"]) is True
    assert await api.fails("setStickerMaskPosition", sticker=first, mask_position={"point": "eyes"}) == \
        'Bad Request: can\'t parse mask position: Can\'t find field "x_shift"'
    assert await api.fails("setStickerMaskPosition", sticker=first, mask_position="{") == \
        "Bad Request: can't parse mask position JSON object"
    assert await api.fails("setStickerMaskPosition", sticker=first) == \
        "Bad Request: STICKER_MASK_COORDS_NOT_SUPPORTED"
    # the old sticker of a replacement must be in the named set
    assert await api.fails("replaceStickerInSet", user_id=501, name=NAME, old_sticker="nonsense",
                           sticker=_sticker(first)) == "Bad Request: STICKER_INVALID"
    assert await api.ok("replaceStickerInSet", user_id=501, name=NAME, old_sticker=first,
                        sticker=_sticker(second, "🦊")) is True
    got = (await api.ok("getStickerSet", name=NAME))["stickers"]
    assert [s["emoji"] for s in got] == ["🦊", "🐶"]
    assert await api.ok("deleteStickerFromSet", sticker=got[0]["file_id"]) is True
    assert await api.fails("deleteStickerFromSet", sticker=got[0]["file_id"]) == \
        "Bad Request: wrong remote file identifier specified: can't unserialize it"
    upload = await _upload(api)
    assert await api.fails("deleteStickerFromSet", sticker=upload) == "Bad Request: STICKER_INVALID"


async def test_another_bots_or_persons_set_is_not_the_bots_to_edit(world):
    fake, people, api, _ = world
    first, _ = await _a_set(api)
    people.send(502, BO, "/start")
    assert await api.fails("addStickerToSet", user_id=502, name=NAME, sticker=_sticker(first)) == \
        "Bad Request: STICKERSET_INVALID"
    other = Api(fake, fake.add_bot(username="other_bot"))
    assert await other.fails("deleteStickerFromSet", sticker=first) == "Bad Request: STICKERSET_INVALID"


async def test_a_mask_set_keeps_and_clears_a_stickers_position(world):
    _, _, api, _ = world
    first, _ = await _a_set(api, contains_masks=True)
    got = (await api.ok("getStickerSet", name=NAME))
    assert got["sticker_type"] == "mask"
    assert got["stickers"][0]["mask_position"]["point"] == "forehead"
    mask = {"point": "mouth", "x_shift": 0.5, "y_shift": "1", "scale": 2}
    assert await api.ok("setStickerMaskPosition", sticker=first, mask_position=mask) is True
    got = (await api.ok("getStickerSet", name=NAME))["stickers"][0]
    assert got["mask_position"] == {"point": "mouth", "x_shift": 0.5, "y_shift": 1.0, "scale": 2.0}
    assert await api.ok("setStickerMaskPosition", sticker=first) is True
    assert "mask_position" not in (await api.ok("getStickerSet", name=NAME))["stickers"][0]


async def test_titles_thumbnails_and_deletion(world):
    _, _, api, _ = world
    first, _ = await _a_set(api)
    assert await api.ok("setStickerSetTitle", name=NAME, title="  " + "T" * 70) is True
    assert (await api.ok("getStickerSet", name=NAME))["title"] == "T" * 64
    assert await api.fails("setStickerSetThumbnail", user_id=501, name=NAME, thumbnail="nonsense",
                           format="static") == \
        "Bad Request: wrong remote file identifier specified: can't unserialize it"
    assert await api.fails("setStickerSetThumbnail", user_id=501, name=NAME, format="gif") == \
        "Bad Request: invalid sticker format specified"
    assert await api.ok("setStickerSetThumbnail", user_id=501, name=NAME, thumb=first, format="static") is True
    assert (await api.ok("getStickerSet", name=NAME))["thumbnail"]["file_size"] == 8_192
    assert await api.ok("setStickerSetThumbnail", files={"thumbnail": ("t.png", PNG, "image/png")},
                        user_id=501, name=NAME, format="static") is True
    assert (await api.ok("getStickerSet", name=NAME))["thumbnail"]["file_size"] == len(PNG)
    assert await api.ok("setStickerSetThumbnail", user_id=501, name=NAME, format="static") is True
    assert "thumbnail" not in await api.ok("getStickerSet", name=NAME)
    assert await api.fails("setCustomEmojiStickerSetThumbnail", name=NAME, custom_emoji_id="1") == \
        "Bad Request: the method can be used to set thumbnail only for custom emoji sticker sets"
    assert await api.ok("deleteStickerSet", name=NAME.upper()) is True
    assert await api.fails("getStickerSet", name=NAME) == "Bad Request: STICKERSET_INVALID"


async def test_custom_emoji_sets_are_read_by_their_ids(world):
    _, _, api, _ = world
    name = "emo_by_lab_shop_bot"
    await _a_set(api, name, sticker_type="custom_emoji", needs_repainting=True)
    got = await api.ok("getStickerSet", name=name)
    ids = [s["custom_emoji_id"] for s in got["stickers"]]
    assert all(s["needs_repainting"] and s["width"] == 100 for s in got["stickers"])
    found = await api.ok("getCustomEmojiStickers", custom_emoji_ids=[ids[1], "1"])
    assert [s["custom_emoji_id"] for s in found] == [ids[1]]
    assert await api.fails("getCustomEmojiStickers") == 'Bad Request: parameter "custom_emoji_ids" is required'
    assert await api.fails("getCustomEmojiStickers", custom_emoji_ids="[") == \
        "Bad Request: can't parse custom emoji identifiers JSON object"
    assert await api.fails("getCustomEmojiStickers", custom_emoji_ids={}) == \
        "Bad Request: expected an Array of custom emoji identifiers"
    assert await api.fails("getCustomEmojiStickers", custom_emoji_ids=[5]) == \
        "Bad Request: custom emoji identifier must be of type String"
    assert await api.fails("getCustomEmojiStickers", custom_emoji_ids=["x"]) == \
        "Bad Request: invalid custom emoji identifier specified"
    assert await api.fails("setStickerSetThumbnail", user_id=501, name=name, format="static") == \
        "Bad Request: the method can't be used to set thumbnail of custom emoji sticker sets"
    assert await api.fails("setCustomEmojiStickerSetThumbnail", name=name, custom_emoji_id="7") == \
        "Bad Request: CUSTOM_EMOJI_INVALID"
    assert await api.ok("setCustomEmojiStickerSetThumbnail", name=name, custom_emoji_id=ids[0]) is True
    assert (await api.ok("getStickerSet", name=name))["thumbnail"] == got["stickers"][0]["thumbnail"]
    assert await api.ok("setCustomEmojiStickerSetThumbnail", name=name, custom_emoji_id="0") is True
    assert "thumbnail" not in await api.ok("getStickerSet", name=name)


async def test_an_upload_needs_a_file_and_a_format(world):
    _, _, api, _ = world
    assert await api.fails("uploadStickerFile", user_id=501, sticker_format="static", sticker="x") == \
        "Bad Request: inputFile is not specified"
    assert await api.fails("uploadStickerFile", files={"sticker": ("s.png", PNG, "image/png")}, user_id=501,
                           sticker_format="auto") == "Bad Request: sticker format must be non-empty"
    legacy = await api.ok("uploadStickerFile", files={"png_sticker": ("s.png", PNG, "image/png")}, user_id=501)
    assert legacy["file_size"] == len(PNG)


# ---- generic.py: the floor's checks, in Client.cpp's order and words ---------------------------------------
def _floor(fake: TelegramFake, method: str, *pairs, files=()):
    """The generic answer (the table every family's handler is held to), called straight."""
    return answer_from_catalogue(method)(fake, fake.default_bot, Args(list(pairs), list(files)))


def _floor_refuses(fake: TelegramFake, method: str, *pairs, files=()) -> str:
    with pytest.raises(ApiError) as refused:
        _floor(fake, method, *pairs, files=files)
    return refused.value.description


def test_the_floor_refuses_users_and_chats_in_the_servers_words(world):
    fake, _, _, _ = world
    chat = str(next(iter(fake.default_bot.chats)))
    assert _floor_refuses(fake, "getUserProfilePhotos", ("user_id", "777")) == "Bad Request: user not found"
    assert _floor_refuses(fake, "getUserProfilePhotos", ("user_id", "x")) == "Bad Request: invalid user_id specified"
    assert _floor(fake, "getUserProfilePhotos", ("user_id", "501"))["total_count"] == 0
    assert _floor_refuses(fake, "forwardMessage", ("chat_id", chat), ("from_chat_id", "-5")) == \
        "Bad Request: chat not found"
    assert _floor_refuses(fake, "deleteMessage", ("chat_id", chat), ("message_id", "0")) == \
        "Bad Request: message identifier is not specified"
    assert _floor_refuses(fake, "deleteMessage", ("chat_id", chat), ("message_id", "99999")) == \
        "Bad Request: message to delete not found"
    assert _floor_refuses(fake, "banChatSenderChat", ("chat_id", chat)) == "Bad Request: sender_chat_id is empty"
    assert _floor_refuses(fake, "banChatSenderChat", ("chat_id", chat), ("sender_chat_id", "1x")) == \
        "Bad Request: sender_chat_id is not a valid Integer"
    assert _floor(fake, "banChatSenderChat", ("chat_id", chat), ("sender_chat_id", "-1001")) is True
    assert _floor_refuses(fake, "getChatAdministrators", ("chat_id", chat)) == \
        "Bad Request: there are no administrators in the private chat"
    assert _floor_refuses(fake, "setChatStickerSet", ("chat_id", chat)) == \
        "Bad Request: method is available only for supergroups"
    assert _floor_refuses(fake, "setChatAdministratorCustomTitle", ("user_id", "501"), ("chat_id", chat)) == \
        "Bad Request: method is available only for groups and supergroups"
    assert _floor_refuses(fake, "setChatPhoto", ("photo", "AgAD"), ("chat_id", chat)) == \
        "Bad Request: photo must be uploaded as an InputFile"
    assert _floor_refuses(fake, "sendGift", ("user_id", "0")) == "Bad Request: invalid user_id specified"
    assert _floor_refuses(fake, "sendGift", ("user_id", "777")) == "Bad Request: user not found"
    assert _floor_refuses(fake, "sendGift", ("chat_id", "-5")) == "Bad Request: chat not found"
    assert _floor(fake, "sendGift", ("user_id", "501")) is True


def test_the_floor_reads_edits_json_and_business_chats(world):
    fake, _, _, _ = world
    chat = str(next(iter(fake.default_bot.chats)))
    assert _floor_refuses(fake, "setGameScore", ("user_id", "501"), ("inline_message_id", "abc")) == \
        "Bad Request: invalid inline message identifier specified"
    assert _floor_refuses(fake, "setGameScore", ("user_id", "501")) == \
        "Bad Request: message identifier is not specified"
    assert _floor_refuses(fake, "deleteMessages", ("chat_id", chat), ("message_ids", "{")) == \
        "Bad Request: can't parse message_ids JSON object"
    assert _floor_refuses(fake, "deleteMessages", ("chat_id", chat), ("message_ids", "[]")) == \
        "Bad Request: message identifiers are not specified"
    assert _floor_refuses(fake, "transferGift", ("new_owner_chat_id", "")) == \
        "Bad Request: chat identifier is empty"
    assert _floor_refuses(fake, "transferGift", ("new_owner_chat_id", "12z")) == \
        "Bad Request: chat identifier must be a valid Integer"
    assert _floor_refuses(fake, "transferGift", ("new_owner_chat_id", "12")) == \
        "Bad Request: business connection not found"
    assert _floor_refuses(fake, "pinChatMessage", ("business_connection_id", "b"), ("chat_id", "1")) == \
        "Bad Request: business connection not found"
    assert _floor_refuses(fake, "answerShippingQuery", ("shipping_query_id", "q")) == \
        'Bad Request: parameter "error_message" is required'
    assert _floor_refuses(fake, "answerShippingQuery", ("ok", "true"), ("shipping_options", "{}")) == \
        "Bad Request: expected an Array of shipping options"
    assert _floor_refuses(fake, "answerShippingQuery", ("ok", "true"), ("shipping_options", "[")) == \
        "Bad Request: can't parse shipping options JSON object"


def test_the_floor_checks_sticker_parameters(world):
    fake, _, _, _ = world
    assert _floor_refuses(fake, "getCustomEmojiStickers", ("custom_emoji_ids", "[5]")) == \
        "Bad Request: custom emoji identifier must be of type String"
    assert _floor_refuses(fake, "getCustomEmojiStickers", ("custom_emoji_ids", '["x"]')) == \
        "Bad Request: invalid custom emoji identifier specified"
    assert _floor(fake, "getCustomEmojiStickers", ("custom_emoji_ids", '["5"]')) == []
    assert _floor_refuses(fake, "uploadStickerFile", ("user_id", "501"), ("sticker", "x"),
                          ("sticker_format", "gif")) == "Bad Request: invalid sticker format specified"
    assert _floor_refuses(fake, "createNewStickerSet", ("user_id", "501"), ("stickers", "{")) == \
        "Bad Request: can't parse stickers JSON object"
    assert _floor_refuses(fake, "createNewStickerSet", ("user_id", "501"), ("stickers", "{}")) == \
        "Bad Request: expected an Array of InputSticker"
    assert _floor_refuses(fake, "addStickerToSet", ("user_id", "501")) == \
        "Bad Request: there is no sticker file in the request"
    assert _floor(fake, "addStickerToSet", ("user_id", "501"), ("png_sticker", "F")) is True
    assert _floor(fake, "addStickerToSet", ("user_id", "501"), ("sticker", '{"sticker": "F"}')) is True
    assert _floor_refuses(fake, "addStickerToSet", ("user_id", "501"), ("sticker", "{")) == \
        "Bad Request: can't parse sticker JSON object"
    assert _floor_refuses(fake, "setStickerSetThumbnail", ("user_id", "501"), ("format", "gif")) == \
        "Bad Request: invalid sticker format specified"
    check_common(fake, fake.default_bot, Args([("user_id", "501")]), "setstickersetthumbnail")
    with pytest.raises(ApiError, match="user not found"):
        check_common(fake, fake.default_bot, Args([("user_id", "9")]), "setstickersetthumbnail")


# ---- other_methods.py: games, verification, managed bots, Passport ------------------------------------------
async def test_games_refuse_channels_foreign_markup_and_bad_scores(world):
    from integration_lab.fakes.telegram.chats_people import create_chat

    fake, people, api, _ = world
    create_chat(fake, people, None, {"type": "channel", "title": "News", "from": ADA, "chat_id": -1009,
                                     "bot": "administrator"})
    assert await api.fails("sendGame", chat_id=-1009, game_short_name="race") == \
        "Bad Request: CHAT_SEND_GAME_FORBIDDEN"
    plain = {"inline_keyboard": [[{"text": "Site", "url": "https://example.com"}]]}
    assert await api.fails("sendGame", chat_id=501, game_short_name="race", reply_markup=plain) == \
        "Bad Request: REPLY_MARKUP_GAME_EMPTY"
    own = {"inline_keyboard": [[{"text": "Go!", "callback_game": {}}]]}
    game = await api.ok("sendGame", chat_id=501, game_short_name="race", reply_markup=own)
    assert game["reply_markup"] == own
    again = await api.ok("sendGame", chat_id=501, game_short_name="race")  # the same game, read back
    assert again["game"] == game["game"]
    mid = game["message_id"]
    assert await api.fails("setGameScore", user_id=501, score=1) == "Bad Request: message identifier is not specified"
    assert await api.fails("setGameScore", user_id=501, score=1, inline_message_id="AAA") == \
        "Bad Request: MESSAGE_ID_INVALID"
    assert await api.fails("setGameScore", chat_id=501, message_id=mid, user_id=777, score=1) == \
        "Bad Request: user not found"
    assert await api.fails("setGameScore", chat_id=501, message_id=mid, user_id=501, score=-1) == \
        "Bad Request: SCORE_INVALID"
    kept = await api.ok("setGameScore", chat_id=501, message_id=mid, user_id=501, score=5, disable_edit_message=True)
    assert "edit_date" not in kept
    kept = await api.ok("setGameScore", chat_id=501, message_id=mid, user_id=501, score=6, edit_message=False)
    assert "edit_date" not in kept
    text = await api.ok("sendMessage", chat_id=501, text="not a game")
    assert await api.fails("getGameHighScores", chat_id=501, message_id=text["message_id"], user_id=501) == \
        "Bad Request: MESSAGE_ID_INVALID"


async def test_verification_descriptions_are_at_most_70_characters(world):
    _, _, api, _ = world
    assert await api.fails("verifyUser", user_id=501, custom_description="x" * 71) == \
        "Bad Request: BOT_VERIFICATION_DESCRIPTION_INVALID"
    assert await api.fails("verifyChat", chat_id=501, custom_description="x" * 71) == \
        "Bad Request: BOT_VERIFICATION_DESCRIPTION_INVALID"
    assert await api.ok("verifyChat", chat_id=501, custom_description="x" * 70) is True


async def test_managed_bot_access_lists_are_read_as_client_cpp_reads_them(world):
    fake, _, api, _ = world
    async with httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://x") as c:
        made = (await c.post("/_lab/managed_bots", json={"from": ADA, "username": "ada_helper_bot"})).json()
        refused = await c.post("/_lab/managed_bots", json={"from": ADA, "username": "helper"})
        assert refused.status_code == 400 and "bot username" in refused.text
        taken = await c.post("/_lab/managed_bots", json={"from": ADA, "username": "ADA_helper_bot"})
        assert taken.status_code == 400 and "is taken" in taken.text
    managed = made["managed_bot"]["bot"]["id"]
    for value, words in [("", "user identifiers are not specified"), ("[", "can't parse added_user_ids JSON object"),
                         ("{}", "expected an Array of user identifiers"),
                         (json.dumps(list(range(1, 12))), "too many user identifiers specified"),
                         ("[[1]]", "user identifier must be a Number"),
                         ('["1x"]', "can't parse user identifier as a Number")]:
        assert await api.fails("setManagedBotAccessSettings", user_id=managed, is_access_restricted=True,
                               added_user_ids=value) == f"Bad Request: {words}"
    await api.ok("setManagedBotAccessSettings", user_id=managed, is_access_restricted=True, added_user_ids=[501])
    await api.ok("setManagedBotAccessSettings", user_id=managed, is_access_restricted=False)
    assert await api.ok("getManagedBotAccessSettings", user_id=managed) == {"is_access_restricted": False}


@pytest.mark.parametrize(("error", "words"), [
    ("x", "expected an Object"),
    ({"type": "passport", "message": "m", "source": "files"}, 'Can\'t find field "file_hashes"'),
    ({"type": "passport", "message": "m", "source": "files", "file_hashes": "h"},
     'Field "file_hashes" must be of type Array'),
    ({"type": "passport", "message": "m", "source": "translation_files", "file_hashes": [1]},
     "hash must be a string"),
])
async def test_passport_errors_are_read_field_by_field(world, error, words):
    _, _, api, _ = world
    assert await api.fails("setPassportDataErrors", user_id=501, errors=[error]) == \
        f"Bad Request: can't parse PassportElementError: {words}"


async def test_passport_errors_need_an_array(world):
    _, _, api, _ = world
    assert await api.fails("setPassportDataErrors", user_id=501, errors="[") == \
        "Bad Request: can't parse errors JSON object"
    ok = [{"type": "passport", "message": "m", "source": "files", "file_hashes": ["aGFzaA=="]},
          {"type": "email", "message": "m", "source": "data", "data_hash": "h", "field_name": "email"},
          {"type": "passport", "message": "m", "source": "selfie", "file_hash": "h"}]
    assert await api.ok("setPassportDataErrors", user_id=501, errors=ok) is True


# ---- other_business.py: business accounts, gifts, stories ---------------------------------------------------
SHOP = {"id": 601, "first_name": "Shop", "username": "shop_owner"}
UNLIMITED, CHEAP, UPGRADABLE, LIMITED = "5170145012310081615", "5170233102089322756", "5168103777563050263", \
    "5170564780938756245"


async def _lab(fake, path: str, body: dict | None = None, method: str = "POST") -> httpx.Response:
    async with httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://x") as c:
        return await c.request(method, path, json=body)


async def _connect(fake, rights=None, stars=0) -> str:
    body = {"from": SHOP, "star_balance": stars, **({"rights": rights} if rights is not None else {})}
    response = await _lab(fake, "/_lab/business/connections", body)
    assert response.status_code == 200, response.text
    return response.json()["business_connection"]["id"]


async def test_people_connect_and_write_only_as_the_control_routes_allow(world):
    fake, _, api, _ = world
    assert (await _lab(fake, "/_lab/business/connections", {"from": SHOP, "star_balance": -1})).status_code == 400
    assert (await _lab(fake, "/_lab/business/connections", {"from": SHOP, "rights": {"can_fly": True}})).status_code \
        == 400
    cid = await _connect(fake, rights={})
    connection = (await api.ok("getUpdates"))[-1]["business_connection"]
    assert "rights" not in connection  # no right ticked: no rights object
    assert (await _lab(fake, "/_lab/business/connections/nope/disconnect")).status_code == 404
    assert (await _lab(fake, f"/_lab/business/connections/{cid}/messages", {"from": BO, "text": " "})).status_code \
        == 400
    assert (await _lab(fake, f"/_lab/business/connections/{cid}/messages", {"from": SHOP, "text": "hi"})).status_code \
        == 400
    off = (await _lab(fake, f"/_lab/business/connections/{cid}/disconnect")).json()["business_connection"]
    assert off["is_enabled"] is False
    await api.ok("getUpdates")
    before = await api.ok("getUpdates")
    written = await _lab(fake, f"/_lab/business/connections/{cid}/messages", {"from": BO, "text": "Still open?"})
    assert written.status_code == 200
    assert await api.ok("getUpdates") == before  # a disconnected account's customers reach no bot
    assert await api.fails("getBusinessAccountStarBalance", business_connection_id=cid) == \
        "Bad Request: BOT_ACCESS_FORBIDDEN"


async def test_business_account_edits_refused_in_order(world):
    fake, _, api, _ = world
    cid = await _connect(fake, stars=50)
    b = {"business_connection_id": cid}
    assert await api.fails("setBusinessAccountName", **b, first_name="   ") == "Bad Request: FIRSTNAME_INVALID"
    assert await api.fails("setBusinessAccountBio", **b, bio="x" * 141) == "Bad Request: ABOUT_TOO_LONG"
    assert await api.fails("setBusinessAccountProfilePhoto", **b, photo={"type": "gif", "photo": "x"}) == \
        "Bad Request: invalid profile photo type specified"
    assert await api.fails("setBusinessAccountProfilePhoto", **b, photo={"photo": "x"}) == \
        'Bad Request: can\'t find field "type"'
    assert await api.fails("setBusinessAccountProfilePhoto", **b, photo={"type": [1]}) == \
        'Bad Request: field "type" must be of type String'
    assert await api.ok("removeBusinessAccountProfilePhoto", **b) is True
    assert (await _lab(fake, f"/_lab/business/connections/{cid}", method="GET")).json()["has_photo"] is False
    assert await api.fails("setBusinessAccountGiftSettings", **b, accepted_gift_types={"unlimited_gifts": True}) == \
        'Bad Request: can\'t find field "limited_gifts"'
    assert await api.fails("setBusinessAccountGiftSettings", **b, accepted_gift_types={"unlimited_gifts": 1}) == \
        'Bad Request: field "unlimited_gifts" must be of type Boolean'
    assert await api.fails("transferBusinessAccountStars", **b, star_count=10_001) == \
        "Bad Request: STARS_AMOUNT_INVALID"
    assert await api.fails("transferBusinessAccountStars", **b, star_count=51) == "Bad Request: BALANCE_TOO_LOW"
    assert await api.ok("setBusinessAccountUsername", **b, username="") is True
    assert "username" not in (await api.ok("getBusinessConnection", **b))["user"]
    ids = [("[" + ",".join(["1"] * 101) + "]", "too many message identifiers specified"),
           ("[[1]]", "message identifier must be a Number"), ('["1x"]', "can't parse message identifier as a Number")]
    for value, words in ids:
        assert await api.fails("deleteBusinessMessages", **b, message_ids=value) == f"Bad Request: {words}"
    assert await api.fails("readBusinessMessage", **b, chat_id=502, message_id=0) == \
        "Bad Request: invalid message identifier specified"
    assert await api.fails("readBusinessMessage", **b, chat_id=502, message_id=7) == "Bad Request: MESSAGE_ID_INVALID"


async def test_deleting_business_messages_keeps_what_the_rights_do_not_reach(world):
    fake, _, api, _ = world
    cid = await _connect(fake, rights={"can_reply": True, "can_delete_sent_messages": True})
    asked = (await _lab(fake, f"/_lab/business/connections/{cid}/messages",
                        {"from": BO, "text": "Price?"})).json()["message"]
    answer = await api.ok("sendMessage", business_connection_id=cid, chat_id=502, text="10 Stars")
    assert await api.ok("deleteBusinessMessages", business_connection_id=cid,
                        message_ids=[asked["message_id"], answer["message_id"], 999]) is True
    left = (await _lab(fake, f"/_lab/business/connections/{cid}", method="GET")).json()["messages"]
    assert [m["message_id"] for m in left] == [asked["message_id"]]  # the customer's own message stays


async def test_gifts_are_sent_filtered_paged_converted_upgraded_and_transferred(world):
    from integration_lab.fakes.telegram.other_business import gifts_of

    fake, _, api, _ = world
    cid = await _connect(fake)
    b = {"business_connection_id": cid}
    assert await api.fails("sendGift", user_id=601, gift_id="1") == "Bad Request: STARGIFT_INVALID"
    assert await api.fails("sendGift", user_id=601, gift_id=UNLIMITED, text="x" * 129) == \
        "Bad Request: STARGIFT_MESSAGE_TOO_LONG"
    assert await api.ok("sendGift", user_id=601, gift_id=UNLIMITED, text="<b>Thanks</b>", text_parse_mode="HTML")
    for gift in (CHEAP, UPGRADABLE, LIMITED):
        assert await api.ok("sendGift", user_id=601, gift_id=gift) is True
    assert await api.ok("sendGift", chat_id=501, gift_id=CHEAP) is True
    assert [g["gift"]["id"] for g in (await api.ok("getChatGifts", chat_id=501))["gifts"]] == [CHEAP]
    assert gifts_of(fake).catalogue[LIMITED]["remaining_count"] == 9_999
    gifts_of(fake).catalogue[LIMITED]["remaining_count"] = 0
    assert await api.fails("sendGift", user_id=601, gift_id=LIMITED) == "Bad Request: STARGIFT_USAGE_LIMITED"
    page = await api.ok("getBusinessAccountGifts", **b, sort_by_price=True, limit=2)
    assert [g["gift"]["id"] for g in page["gifts"]] == [LIMITED, UPGRADABLE]
    assert (page["total_count"], page["next_offset"]) == (4, "2")
    rest = await api.ok("getBusinessAccountGifts", **b, sort_by_price=True, offset=2)
    assert [g["gift"]["id"] for g in rest["gifts"]] == [CHEAP, UNLIMITED] and "next_offset" not in rest
    assert rest["gifts"][1]["text"] == "Thanks"
    limited = await api.ok("getBusinessAccountGifts", **b, exclude_limited=True)
    assert {g["gift"]["id"] for g in limited["gifts"]} == {CHEAP, UNLIMITED, UPGRADABLE}
    owned = {g["gift"]["id"]: g["owned_gift_id"] for g in page["gifts"] + rest["gifts"]}
    assert await api.fails("upgradeGift", **b, owned_gift_id=owned[CHEAP]) == \
        "Bad Request: STARGIFT_UPGRADE_UNAVAILABLE"
    assert await api.fails("upgradeGift", **b, owned_gift_id=owned[UPGRADABLE], star_count=24) == \
        "Bad Request: STARGIFT_UPGRADE_STAR_COUNT_INVALID"
    assert await api.fails("transferGift", **b, owned_gift_id=owned[UPGRADABLE], new_owner_chat_id=501) == \
        "Bad Request: STARGIFT_NOT_UNIQUE"
    assert await api.ok("upgradeGift", **b, owned_gift_id=owned[UPGRADABLE], star_count=25) is True
    assert await api.fails("convertGiftToStars", **b, owned_gift_id=owned[UPGRADABLE]) == \
        "Bad Request: STARGIFT_INVALID"
    assert await api.fails("transferGift", **b, owned_gift_id=owned[UPGRADABLE], new_owner_chat_id=404) == \
        "Bad Request: chat not found"
    assert await api.ok("transferGift", **b, owned_gift_id=owned[UPGRADABLE], new_owner_chat_id=501) is True
    ada = await api.ok("getUserGifts", user_id=501)
    assert [(g["type"], g["gift"].get("id", g["gift"].get("gift_id"))) for g in ada["gifts"]] == \
        [("unique", UPGRADABLE), ("regular", CHEAP)]  # the transferred gift beside the one sent to Ada's chat
    assert await api.ok("convertGiftToStars", **b, owned_gift_id=owned[UNLIMITED]) is True
    assert await api.ok("getBusinessAccountStarBalance", **b) == {"amount": 15 * 85 // 100}


async def test_stories_are_posted_edited_reposted_and_deleted(world):
    fake, _, api, _ = world
    cid = await _connect(fake)
    b = {"business_connection_id": cid}
    photo = {"p": ("p.jpg", PNG, "image/jpeg")}
    assert await api.fails("postStory", photo, **b, content={"type": "gif", "gif": "attach://p"}) == \
        "Bad Request: invalid story content type specified"
    assert await api.fails("postStory", photo, **b, content={"type": "photo", "photo": "attach://p"},
                           caption="x" * 2049, active_period=86400) == "Bad Request: caption is too long"
    story = await api.ok("postStory", photo, **b, content={"type": "photo", "photo": "attach://p"},
                         active_period=86400)
    assert await api.fails("editStory", photo, **b, content={"type": "photo", "photo": "attach://p"}) == \
        "Bad Request: invalid story identifier specified"
    assert await api.fails("editStory", photo, **b, content={"type": "photo", "photo": "attach://p"},
                           story_id=99) == "Bad Request: story not found"
    edited = await api.ok("editStory", photo, **b, content={"type": "photo", "photo": "attach://p"},
                          story_id=story["id"], caption="New hours")
    assert edited["id"] == story["id"]
    assert await api.fails("repostStory", **b, from_chat_id=777, story_id=1, active_period=86400) == \
        "Bad Request: chat not found"
    assert await api.fails("repostStory", **b, from_chat_id=601, story_id=0, active_period=86400) == \
        "Bad Request: invalid story identifier specified"
    assert await api.fails("repostStory", **b, from_chat_id=601, story_id=9, active_period=86400) == \
        "Bad Request: story not found"
    assert await api.fails("repostStory", **b, from_chat_id=601, story_id=story["id"], active_period=5) == \
        "Bad Request: STORY_PERIOD_INVALID"
    again = await api.ok("repostStory", **b, from_chat_id=601, story_id=story["id"], active_period=6 * 3600)
    assert again["id"] == story["id"] + 1
    assert await api.fails("deleteStory", **b) == "Bad Request: invalid story identifier specified"
    assert await api.fails("deleteStory", **b, story_id=99) == "Bad Request: story not found"
    assert await api.ok("deleteStory", **b, story_id=story["id"]) is True
    stories = (await _lab(fake, f"/_lab/business/connections/{cid}", method="GET")).json()["stories"]
    assert [s["id"] for s in stories] == [again["id"]]
    await _connect(fake, rights={"can_reply": True})  # the same owner takes can_manage_stories away
    assert await api.fails("repostStory", **b, from_chat_id=601, story_id=again["id"], active_period=86400) == \
        "Bad Request: BOT_ACCESS_FORBIDDEN"


def test_the_floor_reads_message_ids_results_and_chat_types(world):
    from integration_lab.fakes.telegram.chats_people import create_chat
    from integration_lab.fakes.telegram.errors import QUERY_TOO_OLD

    fake, people, _, _ = world
    chat = str(next(iter(fake.default_bot.chats)))
    for value, words in [("{}", "expected an Array of message identifiers"),
                         ("[" + ",".join(["1"] * 101) + "]", "too many message identifiers specified"),
                         ("[[1]]", "message identifier must be a Number"),
                         ('["x"]', "can't parse message identifier as a Number"),
                         ("[0]", "invalid message identifier specified")]:
        assert _floor_refuses(fake, "deleteMessages", ("chat_id", chat), ("message_ids", value)) == \
            f"Bad Request: {words}"
    assert _floor(fake, "deleteMessages", ("chat_id", chat), ("message_ids", "[1]")) is True
    create_chat(fake, people, None, {"type": "supergroup", "title": "Quiet", "from": ADA, "chat_id": -1006,
                                     "bot": "administrator"})
    quiet = fake.default_bot.chats[-1006]
    quiet.messages.clear()
    assert _floor_refuses(fake, "deleteMessages", ("chat_id", "-1006"), ("message_ids", "[1]")) == \
        "Bad Request: message to delete not found"
    assert _floor_refuses(fake, "promoteChatMember", ("user_id", "501"), ("chat_id", chat)) == \
        "Bad Request: method is available for supergroup and channel chats only"
    assert _floor(fake, "promoteChatMember", ("user_id", "501"), ("chat_id", "-1006")) is True
    refused = _floor_refuses(fake, "answerWebAppQuery", ("web_app_query_id", "q"), ("result", "{bad"))
    assert refused.startswith("Bad Request: can't parse JSON encoded web view query results ")
    assert _floor_refuses(fake, "answerWebAppQuery", ("web_app_query_id", "q"), ("result", "{}")) == \
        f"Bad Request: {QUERY_TOO_OLD}"
    assert _floor_refuses(fake, "answerShippingQuery", ("shipping_query_id", "q"), ("error_message", "No")) == \
        f"Bad Request: {QUERY_TOO_OLD}"
    assert _floor_refuses(fake, "answerShippingQuery", ("ok", "true")) == \
        'Bad Request: parameter "shipping_options" is required'
    message_id = next(iter(fake.default_bot.chats[int(chat)].messages))
    assert _floor_refuses(fake, "setGameScore", ("user_id", "501"), ("chat_id", chat), ("message_id", "99999")) == \
        "Bad Request: message to set game score not found"
    edited = _floor(fake, "setGameScore", ("user_id", "501"), ("chat_id", chat), ("message_id", str(message_id)))
    assert edited is True or edited["chat"]["id"] == int(chat)
    uploaded = _floor(fake, "uploadStickerFile", ("user_id", "501"), ("sticker", "x"), ("sticker_format", "static"))
    assert problems(uploaded, "File") == []
    assert _floor_refuses(fake, "createNewStickerSet", ("user_id", "501")) == \
        "Bad Request: there is no sticker file in the request"


async def test_the_last_sticker_edges(world):
    _, _, api, _ = world
    assert await api.fails("createNewStickerSet", user_id=501, name=NAME, title="Cats",
                           stickers=[_sticker("F", "")]) == \
        "Bad Request: can't parse InputSticker: expected a Unicode emoji"
    uploaded = await api.ok("uploadStickerFile", files={"sticker": ("s.tgs", b"tgs", "application/x-tgsticker")},
                            user_id=501, sticker_format="animated")
    animated = {"sticker": uploaded["file_id"], "format": "animated", "emoji_list": ["🐱"]}
    assert await api.ok("createNewStickerSet", user_id=501, name=NAME, title="Cats", stickers=[animated] * 50)
    sticker = (await api.ok("getStickerSet", name=NAME))["stickers"][0]
    assert sticker["is_animated"] and "thumbnail" not in sticker
    assert await api.fails("setStickerEmojiList", sticker=sticker["file_id"], emoji_list={}) == \
        "Bad Request: can't parse emoji list: expected an Array of string"
    for _ in range(70):
        assert await api.ok("addStickerToSet", user_id=501, name=NAME, sticker=animated) is True
    assert await api.fails("addStickerToSet", user_id=501, name=NAME, sticker=animated) == \
        "Bad Request: STICKERS_TOO_MUCH"
    assert len((await api.ok("getStickerSet", name=NAME))["stickers"]) == 120
    name = "emo_by_lab_shop_bot"
    await api.ok("createNewStickerSet", user_id=501, name=name, title="E", sticker_type="custom_emoji",
                 stickers=[_sticker("https://example.com/e.webp")])
    assert "needs_repainting" not in (await api.ok("getStickerSet", name=name))["stickers"][0]


async def test_the_last_passport_gift_and_story_edges(world):
    fake, _, api, _ = world
    assert await api.fails("setPassportDataErrors", user_id=501, errors={}) == \
        "Bad Request: expected an Array of PassportElementError"
    assert await api.fails("setPassportDataErrors", user_id=501, errors=[{"type": "email"}]) == \
        'Bad Request: can\'t parse PassportElementError: Can\'t find field "message"'
    shop = await _connect(fake)
    assert await api.fails("convertGiftToStars", business_connection_id=shop, owned_gift_id="nope") == \
        "Bad Request: STARGIFT_INVALID"
    photo = {"p": ("p.jpg", PNG, "image/jpeg")}
    story = await api.ok("postStory", photo, business_connection_id=shop,
                         content={"type": "photo", "photo": "attach://p"}, active_period=86400)
    response = await _lab(fake, "/_lab/business/connections", {"from": BO})
    other = response.json()["business_connection"]["id"]
    await _connect(fake, rights={"can_reply": True})  # the shop takes can_manage_stories away from the bot
    assert await api.fails("repostStory", business_connection_id=other, from_chat_id=601, story_id=story["id"],
                           active_period=86400) == "Bad Request: BOT_ACCESS_FORBIDDEN"
