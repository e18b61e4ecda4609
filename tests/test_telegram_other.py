"""The Telegram fake's other methods (other_methods.py and its modules): sticker sets, games, business accounts,
gifts, stories, verification, managed bots, Passport errors, logOut and close. Every result is checked against
the catalogue; refusals carry the reference server's words (Client.cpp of tdlib/telegram-bot-api)."""

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
    """The fake through its transport: `ok` calls validate their result against the method's return type."""

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


async def test_a_sticker_set_is_created_from_an_upload_and_read_back(world):
    _fake, _, api, _ = world
    uploaded = await api.ok("uploadStickerFile", files={"sticker": ("s.png", PNG, "image/png")},
                            user_id=501, sticker_format="static")
    assert uploaded["file_size"] == len(PNG)
    name = "cats_by_lab_shop_bot"
    assert await api.ok("createNewStickerSet", user_id=501, name=name, title="Cats",
                        stickers=[_sticker(uploaded["file_id"])]) is True
    # a second sticker straight from a multipart part named by attach://
    assert await api.ok("addStickerToSet", files={"cat2": ("c.png", PNG, "image/png")}, user_id=501, name=name,
                        sticker=_sticker("attach://cat2", "🐱", keywords=["cat"])) is True
    sticker_set = await api.ok("getStickerSet", name="CATS_by_lab_shop_bot")  # names match in any case
    assert (sticker_set["title"], sticker_set["sticker_type"]) == ("Cats", "regular")
    assert [s["emoji"] for s in sticker_set["stickers"]] == ["😀", "🐱"]
    assert all(s["set_name"] == name for s in sticker_set["stickers"])
    first, second = (s["file_id"] for s in sticker_set["stickers"])
    await api.ok("setStickerPositionInSet", sticker=second, position=0)
    await api.ok("setStickerEmojiList", sticker=first, emoji_list=["😎", "🔥"])
    await api.ok("setStickerSetTitle", name=name, title="Cats and more")
    await api.ok("setStickerSetThumbnail", files={"t": ("t.png", PNG, "image/png")}, user_id=501, name=name,
                 thumbnail="attach://t", format="static")
    sticker_set = await api.ok("getStickerSet", name=name)
    assert [s["file_id"] for s in sticker_set["stickers"]] == [second, first]
    assert sticker_set["stickers"][1]["emoji"] == "😎" and sticker_set["title"] == "Cats and more"
    assert sticker_set["thumbnail"]["width"] == 100
    await api.ok("deleteStickerFromSet", sticker=second)
    await api.ok("replaceStickerInSet", user_id=501, name=name, old_sticker=first,
                 sticker=_sticker("https://cdn.example/dog.webp", "🐶"))
    sticker_set = await api.ok("getStickerSet", name=name)
    assert [s["emoji"] for s in sticker_set["stickers"]] == ["🐶"]
    await api.ok("deleteStickerSet", name=name)
    assert await api.fails("getStickerSet", name=name) == "Bad Request: STICKERSET_INVALID"


async def test_custom_emoji_sets_answer_get_custom_emoji_stickers(world):
    _, _, api, _ = world
    await api.ok("createNewStickerSet", user_id=501, name="emo_by_lab_shop_bot", title="Emo",
                 sticker_type="custom_emoji", needs_repainting=True,
                 stickers=[_sticker("https://cdn.example/a.webp", "⭐")])
    sticker = (await api.ok("getStickerSet", name="emo_by_lab_shop_bot"))["stickers"][0]
    assert sticker["type"] == "custom_emoji" and sticker["needs_repainting"] is True
    found = await api.ok("getCustomEmojiStickers", custom_emoji_ids=[sticker["custom_emoji_id"], "42"])
    assert found == [sticker]
    await api.ok("setCustomEmojiStickerSetThumbnail", name="emo_by_lab_shop_bot",
                 custom_emoji_id=sticker["custom_emoji_id"])
    assert await api.fails("getCustomEmojiStickers", custom_emoji_ids=[42]) == \
        "Bad Request: custom emoji identifier must be of type String"


@pytest.mark.parametrize("params, expected", [
    ({"user_id": 0, "name": "x_by_lab_shop_bot", "title": "X"}, "Bad Request: invalid user_id specified"),
    ({"user_id": 501, "name": "x_by_lab_shop_bot", "title": "X", "stickers": "nope"},
     "Bad Request: can't parse stickers JSON object"),
    ({"user_id": 501, "name": "x_by_lab_shop_bot", "title": "X", "stickers": {}},
     "Bad Request: expected an Array of InputSticker"),
    ({"user_id": 501, "name": "x_by_lab_shop_bot", "title": "X", "stickers": [{"sticker": "https://a.b/c.webp",
                                                                               "format": "static"}]},
     'Bad Request: can\'t parse InputSticker: Can\'t find field "emoji_list"'),
    ({"user_id": 501, "name": "x_by_lab_shop_bot", "title": "X",
      "stickers": [_sticker("https://a.b/c.webp", "abc")]},
     "Bad Request: can't parse InputSticker: expected a Unicode emoji"),
    ({"user_id": 501, "name": "x_by_lab_shop_bot", "title": "X",
      "stickers": [{**_sticker("https://a.b/c.webp"), "format": "gif"}]},
     "Bad Request: can't parse InputSticker: Invalid sticker format specified"),
    ({"user_id": 501, "name": "x_by_lab_shop_bot", "title": "X", "sticker_type": "bubble",
      "stickers": [_sticker("https://a.b/c.webp")]}, "Bad Request: unsupported sticker type specified"),
    ({"user_id": 777, "name": "x_by_lab_shop_bot", "title": "X", "stickers": [_sticker("https://a.b/c.webp")]},
     "Bad Request: user not found"),
    ({"user_id": 501, "name": "x_by_other_bot", "title": "X", "stickers": [_sticker("https://a.b/c.webp")]},
     "Bad Request: invalid sticker set name is specified"),
    ({"user_id": 501, "name": "x_by_lab_shop_bot", "title": "X"},
     "Bad Request: there is no sticker file in the request"),
    ({"user_id": 501, "name": "x_by_lab_shop_bot", "title": "X", "stickers": []},
     "Bad Request: at least 1 sticker must be specified"),
    ({"user_id": 501, "name": "x_by_lab_shop_bot", "title": "  ", "stickers": [_sticker("https://a.b/c.webp")]},
     "Bad Request: sticker set title must be non-empty"),
    ({"user_id": 501, "name": "x_by_lab_shop_bot", "title": "X", "needs_repainting": True,
      "stickers": [_sticker("https://a.b/c.webp")]}, "Bad Request: only custom emoji stickers support repainting"),
    ({"user_id": 501, "name": "x_by_lab_shop_bot", "title": "X",
      "stickers": [{**_sticker("https://a.b/c.tgs"), "format": "animated"}]},
     "Bad Request: animated stickers can't be uploaded by URL"),
    ({"user_id": 501, "name": "x_by_lab_shop_bot", "title": "X",
      "stickers": [{**_sticker("https://a.b/c.webp"), "format": "auto"}]},
     "Bad Request: sticker format must be non-empty"),
    ({"user_id": 501, "name": "x_by_lab_shop_bot", "title": "X", "stickers": [_sticker("CAACAgIAAxkBAAEnot")]},
     "Bad Request: wrong remote file identifier specified: can't unserialize it"),
])
async def test_create_new_sticker_set_refusals(world, params, expected):
    _, _, api, _ = world
    assert await api.fails("createNewStickerSet", **params) == expected
    assert await api.fails("getStickerSet", name="x_by_lab_shop_bot") == "Bad Request: STICKERSET_INVALID"


async def test_sticker_set_names_are_taken_once_and_only_the_creator_edits(world):
    fake, _, api, _ = world
    params = {"user_id": 501, "name": "dup_by_lab_shop_bot", "title": "D", "stickers": [_sticker("https://a.b/c.webp")]}
    await api.ok("createNewStickerSet", **params)
    assert await api.fails("createNewStickerSet", **params) == "Bad Request: sticker set name is already occupied"
    assert await api.fails("setStickerPositionInSet", sticker="") == "Bad Request: sticker is not specified"
    assert await api.fails("setStickerEmojiList", sticker="x", emoji_list="[") == \
        "Bad Request: can't parse emoji list JSON array"
    assert await api.fails("uploadStickerFile", user_id=501, sticker_format="webp",
                           files={"sticker": ("s.png", PNG, "image/png")}) == \
        "Bad Request: invalid sticker format specified"
    assert await api.fails("uploadStickerFile", user_id=501, sticker_format="auto",
                           files={"sticker": ("s.png", PNG, "image/png")}) == \
        "Bad Request: sticker format must be non-empty"
    assert await api.fails("uploadStickerFile", user_id=501, sticker="x", sticker_format="static") == \
        "Bad Request: inputFile is not specified"
    sticker = (await api.ok("getStickerSet", name="dup_by_lab_shop_bot"))["stickers"][0]["file_id"]
    assert await api.fails("setStickerPositionInSet", sticker=sticker, position=-1) == \
        "Bad Request: wrong sticker position specified"
    assert await api.fails("setCustomEmojiStickerSetThumbnail", name="dup_by_lab_shop_bot") == \
        "Bad Request: the method can be used to set thumbnail only for custom emoji sticker sets"
    long_title = "T" * 70
    await api.ok("setStickerSetTitle", name="dup_by_lab_shop_bot", title=long_title)
    assert (await api.ok("getStickerSet", name="dup_by_lab_shop_bot"))["title"] == "T" * 64  # cut, not refused
    other = Api(fake, fake.add_bot(username="other_bot"))  # a set only its creator edits
    assert await other.fails("deleteStickerSet", name="dup_by_lab_shop_bot") == "Bad Request: STICKERSET_INVALID"
    assert await other.fails("deleteStickerSet", name=" ") == "Bad Request: sticker set name must be non-empty"


async def test_a_game_score_round_trip(world):
    _fake, _people, api, _ = world
    game = await api.ok("sendGame", chat_id=501, game_short_name="space_race")
    assert game["game"]["title"] == "Space Race"
    assert game["reply_markup"]["inline_keyboard"][0][0] == {"text": "Play Space Race", "callback_game": {}}
    mid = game["message_id"]
    edited = await api.ok("setGameScore", chat_id=501, message_id=mid, user_id=501, score=120)
    assert edited["edit_date"] >= game["date"]
    assert await api.fails("setGameScore", chat_id=501, message_id=mid, user_id=501, score=80) == \
        "Bad Request: BOT_SCORE_NOT_MODIFIED"
    await api.ok("setGameScore", chat_id=501, message_id=mid, user_id=501, score=80, force=True)
    scores = await api.ok("getGameHighScores", chat_id=501, message_id=mid, user_id=501)
    assert [(s["position"], s["user"]["id"], s["score"]) for s in scores] == [(1, 501, 80)]
    assert await api.fails("setGameScore", chat_id=501, message_id=999, user_id=501, score=1) == \
        "Bad Request: message to set game score not found"
    assert await api.fails("getGameHighScores", chat_id=501, message_id=mid, user_id=0) == \
        "Bad Request: invalid user_id specified"
    assert await api.fails("sendGame", chat_id=501) == 'Bad Request: parameter "game_short_name" is required'
    text = await api.ok("sendMessage", chat_id=501, text="not a game")
    assert await api.fails("setGameScore", chat_id=501, message_id=text["message_id"], user_id=501, score=1) == \
        "Bad Request: game score can't be set"


async def test_log_out_answers_logged_out_for_ten_minutes_then_logs_back_in(world):
    fake, _people, api, clock = world
    await api.ok("setWebhook", url="https://shop.example/hook")
    assert await api.ok("logOut") is True
    assert await api.raw("getMe") == (400, {"ok": False, "error_code": 400, "description": "Logged out"})
    assert await api.raw("logOut") == (400, {"ok": False, "error_code": 400, "description": "Logged out"})
    clock.advance(600)
    me = await api.ok("getMe")  # any call logs the bot back in
    assert me["id"] == fake.default_bot.account.id
    info = await api.ok("getWebhookInfo")
    assert (info["url"], info["pending_update_count"]) == ("", 0)  # the webhook and the updates went


async def test_close_refuses_for_ten_minutes_after_a_relaunch(world):
    _fake, _, api, clock = world
    await api.ok("getMe")  # the server's first call: it started now
    clock.advance(11 * 60)  # the server has run 11 minutes
    assert await api.ok("close") is True  # launched with the server: may close at once
    await api.ok("getMe")  # the next call launches a new instance
    clock.advance(60)
    status, body = await api.raw("close")
    assert (status, body) == (429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 540",
                                    "parameters": {"retry_after": 540}})
    clock.advance(540)
    assert await api.ok("close") is True


async def _connected(fake, api, rights=None, stars=0) -> str:
    async with httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://api.telegram.org") as c:
        body = {"from": {"id": 601, "first_name": "Shop", "username": "shop_owner"}, "star_balance": stars}
        if rights is not None:
            body["rights"] = rights
        response = await c.post("/_lab/business/connections", json=body)
        assert response.status_code == 200, response.text
        return response.json()["business_connection"]["id"]


async def test_business_connection_update_and_account_methods(world):
    fake, _, api, _ = world
    connection_id = await _connected(fake, api, stars=500)
    updates = await api.ok("getUpdates")
    connection = updates[-1]["business_connection"]
    assert problems(updates[-1], "Update") == []
    assert connection["is_enabled"] is True and connection["rights"]["can_reply"] is True
    assert await api.ok("getBusinessConnection", business_connection_id=connection_id) == connection
    assert await api.fails("getBusinessConnection", business_connection_id="nope") == \
        "Bad Request: business connection not found"
    await api.ok("setBusinessAccountName", business_connection_id=connection_id, first_name="Shop", last_name="Two")
    await api.ok("setBusinessAccountBio", business_connection_id=connection_id, bio="Open 9-18")
    await api.ok("setBusinessAccountUsername", business_connection_id=connection_id, username="shop_two")
    assert await api.fails("setBusinessAccountName", business_connection_id=connection_id) == \
        'Bad Request: parameter "first_name" is required'
    assert await api.fails("setBusinessAccountUsername", business_connection_id=connection_id, username="9lives") == \
        "Bad Request: username is invalid"
    assert await api.fails("transferBusinessAccountStars", business_connection_id=connection_id, star_count=0) == \
        "Bad Request: invalid amount of Telegram Stars to transfer specified"
    got = await api.ok("getBusinessConnection", business_connection_id=connection_id)
    assert (got["user"]["last_name"], got["user"]["username"]) == ("Two", "shop_two")
    await api.ok("setBusinessAccountProfilePhoto", files={"p": ("p.jpg", PNG, "image/jpeg")},
                 business_connection_id=connection_id, photo={"type": "static", "photo": "attach://p"})
    assert await api.fails("setBusinessAccountProfilePhoto", business_connection_id=connection_id,
                           photo={"type": "static", "photo": "AgACAgIAAxkB"}) == \
        "Bad Request: photo must be uploaded as a file"
    await api.ok("setBusinessAccountGiftSettings", business_connection_id=connection_id, show_gift_button=True,
                 accepted_gift_types={"unlimited_gifts": True, "limited_gifts": True, "unique_gifts": False,
                                      "premium_subscription": True})
    assert await api.ok("getBusinessAccountStarBalance", business_connection_id=connection_id) == {"amount": 500}
    await api.ok("transferBusinessAccountStars", business_connection_id=connection_id, star_count=200)
    assert await api.ok("getBusinessAccountStarBalance", business_connection_id=connection_id) == {"amount": 300}


async def test_business_messages_are_read_and_deleted_with_the_rights_given(world):
    fake, _, api, _ = world
    connection_id = await _connected(fake, api, rights={"can_reply": True, "can_read_messages": True})
    async with httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://x") as c:
        sent = (await c.post(f"/_lab/business/connections/{connection_id}/messages",
                             json={"from": BO, "text": "Do you ship to Tashkent?"})).json()["message"]
    update = (await api.ok("getUpdates"))[-1]
    assert update["business_message"]["business_connection_id"] == connection_id
    assert problems(update, "Update") == []
    await api.ok("readBusinessMessage", business_connection_id=connection_id, chat_id=502,
                 message_id=sent["message_id"])
    assert await api.fails("readBusinessMessage", business_connection_id=connection_id, chat_id="5o2",
                           message_id=1) == "Bad Request: chat identifier must be a valid Integer"
    assert await api.fails("readBusinessMessage", business_connection_id=connection_id, chat_id=-5,
                           message_id=1) == "Bad Request: chat must be a private chat"
    assert await api.fails("readBusinessMessage", business_connection_id=connection_id, chat_id=601,
                           message_id=1) == "Bad Request: messages must not be sent to self"
    assert await api.fails("deleteBusinessMessages", business_connection_id=connection_id,
                           message_ids=[sent["message_id"]]) == "Bad Request: BOT_ACCESS_FORBIDDEN"
    assert await api.fails("deleteBusinessMessages", business_connection_id=connection_id, message_ids=[0]) == \
        "Bad Request: invalid message identifier specified"
    assert await api.fails("setBusinessAccountBio", business_connection_id=connection_id, bio="x") == \
        "Bad Request: BOT_ACCESS_FORBIDDEN"


async def test_gifts_sent_appear_with_their_owner_and_can_be_converted(world):
    fake, _people, api, _ = world
    connection_id = await _connected(fake, api)
    gifts = (await api.ok("getAvailableGifts"))["gifts"]
    await api.ok("sendGift", user_id=601, gift_id=gifts[0]["id"], text="Thanks!")
    await api.ok("sendGift", user_id=601, gift_id=gifts[2]["id"])
    owned = await api.ok("getBusinessAccountGifts", business_connection_id=connection_id)
    assert owned["total_count"] == 2 and owned["gifts"][1]["text"] == "Thanks!"
    assert (await api.ok("getUserGifts", user_id=601))["total_count"] == 2
    assert await api.fails("sendGift", user_id=601, gift_id="1") == "Bad Request: STARGIFT_INVALID"
    upgradable = owned["gifts"][0]
    await api.ok("upgradeGift", business_connection_id=connection_id, owned_gift_id=upgradable["owned_gift_id"],
                 star_count=gifts[2]["upgrade_star_count"])
    await api.ok("transferGift", business_connection_id=connection_id, owned_gift_id=upgradable["owned_gift_id"],
                 new_owner_chat_id=501)
    await api.ok("convertGiftToStars", business_connection_id=connection_id,
                 owned_gift_id=owned["gifts"][1]["owned_gift_id"])
    assert (await api.ok("getBusinessAccountGifts", business_connection_id=connection_id))["total_count"] == 0
    assert (await api.ok("getBusinessAccountStarBalance", business_connection_id=connection_id))["amount"] == 12
    assert (await api.ok("getUserGifts", user_id=501))["gifts"][0]["type"] == "unique"
    await api.ok("giftPremiumSubscription", user_id=501, month_count=3, star_count=1000)


async def test_stories_are_posted_edited_and_deleted(world):
    fake, _, api, _ = world
    connection_id = await _connected(fake, api)
    photo = {"p": ("p.jpg", PNG, "image/jpeg")}
    story = await api.ok("postStory", files=photo, business_connection_id=connection_id,
                         content={"type": "photo", "photo": "attach://p"}, active_period=86400, caption="New!")
    assert story["chat"]["id"] == 601
    assert await api.fails("postStory", files=photo, business_connection_id=connection_id,
                           content={"type": "photo", "photo": "attach://p"}, active_period=60) == \
        "Bad Request: STORY_PERIOD_INVALID"
    assert await api.fails("postStory", business_connection_id=connection_id) == \
        "Bad Request: story content isn't specified"
    edited = await api.ok("editStory", files=photo, business_connection_id=connection_id, story_id=story["id"],
                          content={"type": "photo", "photo": "attach://p"})
    assert edited == story
    await api.ok("deleteStory", business_connection_id=connection_id, story_id=story["id"])
    assert await api.fails("deleteStory", business_connection_id=connection_id, story_id=story["id"]) == \
        "Bad Request: story not found"


async def test_verification_users_boosts_and_passport(world):
    _fake, _people, api, _ = world
    await api.ok("verifyUser", user_id=501, custom_description="Our courier")
    await api.ok("removeUserVerification", user_id=501)
    assert await api.fails("verifyUser", user_id=777) == "Bad Request: user not found"
    await api.ok("verifyChat", chat_id=501)
    await api.ok("removeChatVerification", chat_id=501)
    assert await api.fails("verifyChat", chat_id=-100) == "Bad Request: chat not found"
    assert await api.ok("getUserProfilePhotos", user_id=501) == {"total_count": 0, "photos": []}
    await api.ok("getUserProfileAudios", user_id=501)
    await api.ok("setUserEmojiStatus", user_id=501, emoji_status_custom_emoji_id="5368324170671202286")
    await api.ok("getUserChatBoosts", chat_id=501, user_id=501)
    await api.ok("getUserPersonalChatMessages", user_id=501, limit=5)
    await api.ok("setPassportDataErrors", user_id=501, errors=[
        {"source": "data", "type": "passport", "field_name": "number", "data_hash": "aGFzaA==", "message": "Bad"}])
    assert await api.fails("setPassportDataErrors", user_id=501, errors=[{"type": "passport", "message": "x",
                                                                          "source": "nose"}]) == \
        "Bad Request: can't parse PassportElementError: wrong source specified"
    assert await api.fails("setPassportDataErrors", user_id=501, errors=[{"type": "visa", "message": "x"}]) == \
        "Bad Request: can't parse PassportElementError: wrong Telegram Passport element type specified"


async def test_managed_bots_tokens_and_access(world):
    fake, _, api, _ = world
    async with httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://x") as c:
        made = (await c.post("/_lab/managed_bots", json={"from": ADA, "username": "ada_helper_bot"})).json()
    managed_id = made["managed_bot"]["bot"]["id"]
    update = (await api.ok("getUpdates"))[-1]
    assert problems(update, "Update") == [] and update["managed_bot"]["user"]["id"] == 501
    token = await api.ok("getManagedBotToken", user_id=managed_id)
    new = await api.ok("replaceManagedBotToken", user_id=managed_id)
    assert new != token and new.startswith(f"{managed_id}:")
    async with httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://x") as c:
        assert (await c.post(f"/bot{token}/getMe")).status_code == 401
        assert (await c.post(f"/bot{new}/getMe")).json()["result"]["username"] == "ada_helper_bot"
    await api.ok("setManagedBotAccessSettings", user_id=managed_id, is_access_restricted=True, added_user_ids=[501])
    settings = await api.ok("getManagedBotAccessSettings", user_id=managed_id)
    assert settings == {"is_access_restricted": True, "added_users": [fake.accounts[501].to_api()]}
    assert await api.fails("getManagedBotToken", user_id=501) == "Bad Request: user is not a bot"
    assert await api.fails("getManagedBotToken", user_id=fake.default_bot.account.id) == "Bad Request: BOT_INVALID"
    assert await api.fails("setManagedBotAccessSettings", user_id=managed_id, is_access_restricted=True,
                           added_user_ids=[0]) == "Bad Request: invalid user identifier specified"
    assert await api.fails("getUserPersonalChatMessages", user_id=501) == "Bad Request: limit must be positive"


async def test_reset_forgets_the_family_state(world):
    fake, _, api, _ = world
    await api.ok("createNewStickerSet", user_id=501, name="r_by_lab_shop_bot", title="R",
                 stickers=[_sticker("https://a.b/c.webp")])
    await _connected(fake, api)
    await api.ok("logOut")
    fake.reset()
    People(fake).send(501, ADA, "/start")
    await api.ok("getMe")
    assert await api.fails("getStickerSet", name="r_by_lab_shop_bot") == "Bad Request: STICKERSET_INVALID"
    assert await api.fails("getBusinessConnection", business_connection_id="x") == \
        "Bad Request: business connection not found"


# ---- real clients, unmodified, against the served fake ------------------------------------------------------
@pytest.fixture
def server(served_telegram):
    served_telegram.control("POST", "reset")
    yield served_telegram
    served_telegram.control("POST", "reset")


async def test_ptb_creates_a_sticker_set_from_uploads_and_reads_it_back(server):
    import telegram

    server.user_says(42, "/start")
    async with telegram.Bot(server.token, base_url=f"{server.url}/bot") as bot:
        me = await bot.get_me()
        uploaded = await bot.upload_sticker_file(42, sticker=PNG, sticker_format="static")
        name = f"shop_by_{me.username}"
        assert await bot.create_new_sticker_set(42, name, "Shop stickers", stickers=[
            telegram.InputSticker(uploaded.file_id, ["🛒"], "static"),
            telegram.InputSticker(PNG, ["📦", "🎁"], "static", keywords=["box"]),  # uploaded as attach://
        ])
        assert await bot.add_sticker_to_set(42, name, telegram.InputSticker("https://cdn.example/s.webp", ["⭐"],
                                                                            "static"))
        sticker_set = await bot.get_sticker_set(name)
        assert (sticker_set.name, sticker_set.title, sticker_set.sticker_type) == (name, "Shop stickers", "regular")
        assert [s.emoji for s in sticker_set.stickers] == ["🛒", "📦", "⭐"]
        await bot.set_sticker_position_in_set(sticker_set.stickers[2].file_id, 0)
        assert (await bot.get_sticker_set(name)).stickers[0].emoji == "⭐"
        with pytest.raises(telegram.error.BadRequest, match="Stickerset_invalid|STICKERSET_INVALID"):
            await bot.get_sticker_set(f"none_by_{me.username}")


async def test_aiogram_game_score_round_trip(server):
    from aiogram import Bot as AiogramBot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramBadRequest

    server.user_says(7, "/start", name="Bo")
    bot = AiogramBot(server.token, session=AiohttpSession(api=TelegramAPIServer.from_base(server.url)))
    try:
        sent = await bot.send_game(7, "space_race")
        assert sent.game.title == "Space Race"
        assert sent.reply_markup.inline_keyboard[0][0].callback_game is not None
        edited = await bot.set_game_score(user_id=7, score=42, chat_id=7, message_id=sent.message_id)
        assert edited.message_id == sent.message_id
        with pytest.raises(TelegramBadRequest, match="BOT_SCORE_NOT_MODIFIED"):
            await bot.set_game_score(user_id=7, score=41, chat_id=7, message_id=sent.message_id)
        [high] = await bot.get_game_high_scores(user_id=7, chat_id=7, message_id=sent.message_id)
        assert (high.position, high.user.id, high.score) == (1, 7, 42)
    finally:
        await bot.session.close()


async def test_repost_story_reads_story_id_as_the_reference_server_does(world):
    fake, _, api, _ = world
    first = await _connected(fake, api)
    async with httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://x") as c:
        second = (await c.post("/_lab/business/connections",
                               json={"from": {"id": 602, "first_name": "Annex"}})).json()["business_connection"]["id"]
    story = await api.ok("postStory", files={"v": ("v.mp4", PNG, "video/mp4")}, business_connection_id=first,
                         content={"type": "video", "video": "attach://v"}, active_period=21600)
    assert await api.fails("repostStory", business_connection_id=second, from_chat_id=601,
                           from_story_id=story["id"], active_period=86400) == \
        "Bad Request: invalid story identifier specified"
    reposted = await api.ok("repostStory", business_connection_id=second, from_chat_id=601, story_id=story["id"],
                            from_story_id=story["id"], active_period=86400)
    assert reposted["chat"]["id"] == 602


async def test_the_family_memory_is_bounded(world, monkeypatch):
    from integration_lab.fakes.telegram import other_stickers

    _fake, _, api, _ = world
    monkeypatch.setattr(other_stickers, "MAX_SETS", 3)
    for n in range(4):
        await api.ok("createNewStickerSet", user_id=501, name=f"s{n}_by_lab_shop_bot", title="S",
                     stickers=[_sticker("https://a.b/c.webp")])
    assert await api.fails("getStickerSet", name="s0_by_lab_shop_bot") == "Bad Request: STICKERSET_INVALID"
    assert (await api.ok("getStickerSet", name="s3_by_lab_shop_bot"))["name"] == "s3_by_lab_shop_bot"


async def test_the_bot_replies_to_a_customer_as_the_business_account(world):
    fake, _, api, _ = world
    connection_id = await _connected(fake, api, rights={"can_reply": True})
    async with httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://x") as c:
        await c.post(f"/_lab/business/connections/{connection_id}/messages", json={"from": BO, "text": "Open today?"})
        reply = await api.ok("sendMessage", business_connection_id=connection_id, chat_id=502, text="Until 18:00")
        seen = (await c.get(f"/_lab/business/connections/{connection_id}")).json()["messages"]
    assert problems(reply, "Message") == []
    assert (reply["from"]["id"], reply["sender_business_bot"]["id"], reply["business_connection_id"]) == (
        601, fake.default_bot.account.id, connection_id)
    assert [m["text"] for m in seen] == ["Open today?", "Until 18:00"]
    assert await api.fails("sendMessage", business_connection_id=connection_id, chat_id=503, text="Hi") == \
        "Bad Request: chat not found"  # a customer who never wrote
    assert await api.fails("sendMessage", business_connection_id=connection_id, chat_id="5o2", text="Hi") == \
        "Bad Request: chat identifier must be a valid Integer"
    assert await api.fails("sendMessage", business_connection_id="nope", chat_id=502, text="Hi") == \
        "Bad Request: business connection not found"
    mute = await _connected(fake, api, rights={"can_read_messages": True})  # the same owner, can_reply taken away
    assert await api.fails("sendMessage", business_connection_id=mute, chat_id=502, text="Hi") == \
        "Bad Request: BOT_ACCESS_FORBIDDEN"
    assert (await api.ok("sendMessage", chat_id=501, text="not a business message"))["from"]["is_bot"] is True


async def test_a_supergroup_takes_a_sticker_set_the_bot_made_with_can_change_info(world):
    from integration_lab.fakes.telegram.chats_people import create_chat

    fake, people, api, _ = world
    uploaded = await api.ok("uploadStickerFile", files={"sticker": ("s.png", PNG, "image/png")},
                            user_id=501, sticker_format="static")
    await api.ok("createNewStickerSet", user_id=501, name="club_by_lab_shop_bot", title="Club",
                 stickers=[_sticker(uploaded["file_id"])])
    create_chat(fake, people, None, {"type": "supergroup", "title": "Club", "from": ADA, "chat_id": -1005,
                                     "bot": "administrator", "rights": {"can_change_info": True}})
    create_chat(fake, people, None, {"type": "supergroup", "title": "Plain", "from": ADA, "chat_id": -1006})
    people.create_group("Basic", ADA, [], chat_id=-7)
    assert await api.ok("setChatStickerSet", chat_id=-1005, sticker_set_name="CLUB_by_lab_shop_bot") is True
    info = await api.ok("getChat", chat_id=-1005)
    assert (info["sticker_set_name"], info["can_set_sticker_set"]) == ("club_by_lab_shop_bot", True)
    assert problems(info, "ChatFullInfo") == []
    assert await api.fails("setChatStickerSet", chat_id=-1005) == "Bad Request: sticker_set_name is empty"
    assert await api.fails("setChatStickerSet", chat_id=-1005, sticker_set_name="nobody_made_it") == \
        "Bad Request: STICKERSET_INVALID"
    assert await api.fails("setChatStickerSet", chat_id=-7, sticker_set_name="club_by_lab_shop_bot") == \
        "Bad Request: method is available only for supergroups"
    assert await api.fails("setChatStickerSet", chat_id=-1006, sticker_set_name="club_by_lab_shop_bot") == \
        "Bad Request: CHAT_ADMIN_REQUIRED"
    assert await api.ok("deleteChatStickerSet", chat_id=-1005) is True
    assert "sticker_set_name" not in await api.ok("getChat", chat_id=-1005)
