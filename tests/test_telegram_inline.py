"""Inline mode and web app answers in the Telegram fake: answerInlineQuery's checks and words, the person's side
(type, see, scroll, pick, press), inline-message edits, answerWebAppQuery and savePreparedInlineMessage; every
object the fake emits validates against the catalogue; real aiogram and python-telegram-bot bots drive it."""

from __future__ import annotations

import json

import httpx
import pytest

from integration_lab.fakes.telegram import AsyncTelegramTransport, TelegramFake
from integration_lab.fakes.telegram.catalogue import METHODS, problems
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory

pytestmark = pytest.mark.redis_free

ADA = {"id": 501, "first_name": "Ada", "username": "ada"}
BO = {"id": 502, "first_name": "Bo"}
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
KEYBOARD = {"inline_keyboard": [[{"text": "Buy", "callback_data": "buy:tea"}]]}
ARTICLE = {"type": "article", "id": "tea", "title": "Green tea",
           "input_message_content": {"message_text": "<b>Green tea</b>: 12.50 USD", "parse_mode": "HTML"},
           "reply_markup": KEYBOARD}
PHOTO = {"type": "photo", "id": "tea-photo", "photo_url": "https://shop.example/tea.jpg",
         "thumbnail_url": "https://shop.example/tea-thumb.jpg", "caption": "Green tea", "photo_width": 640,
         "photo_height": 480}


class Lab:
    """The fake through its transport: Bot API calls (results checked against the catalogue) and the control API."""

    def __init__(self):
        self.clock = FrozenClock("2026-01-05T09:00:00Z")
        self.fake = TelegramFake(self.clock, IdFactory(7))
        self.http = httpx.AsyncClient(transport=AsyncTelegramTransport(self.fake), base_url="https://api.telegram.org")
        self.emitted: list[tuple[str, dict]] = []

    async def call(self, method: str, **params):
        body = (await self.http.post(f"/bot{self.fake.default_bot.token}/{method}", content=json.dumps(params),
                                     headers={"content-type": "application/json"})).json()
        if body["ok"]:
            kinds = METHODS[method.lower()]["returns"]
            assert any(not problems(body["result"], kind) for kind in kinds), (method, body)
        return body

    async def ok(self, method: str, **params):
        body = await self.call(method, **params)
        assert body["ok"], body
        return body["result"]

    async def refused(self, method: str, **params) -> str:
        body = await self.call(method, **params)
        assert not body["ok"] and body["error_code"] == 400, body
        return body["description"]

    async def control(self, verb: str, path: str, data: dict | None = None, status: int = 200) -> dict:
        response = await self.http.request(verb, f"/_lab/{path}", json=data or {})
        assert response.status_code == status, response.text
        return response.json()

    async def type(self, query: str = "tea", who: dict = ADA, **where) -> dict:
        typed = await self.control("POST", "inline/queries", {"from": who, "query": query, **where})
        if typed["inline_query"] is not None:
            self.emitted.append(("InlineQuery", typed["inline_query"]))
        return typed

    async def updates(self) -> list[dict]:
        found = await self.ok("getUpdates", allowed_updates=[])
        for update in found:
            assert not problems(update, "Update"), problems(update, "Update")
        if found:
            await self.ok("getUpdates", offset=found[-1]["update_id"] + 1)
        return found


@pytest.fixture
async def lab():
    lab = Lab()
    await lab.control("POST", "inline/settings", {"inline_mode": True})
    yield lab
    for kind, obj in lab.emitted:
        assert not problems(obj, kind), (kind, problems(obj, kind))
    await lab.http.aclose()


def kinds(updates: list[dict]) -> list[str]:
    return [next(k for k in u if k != "update_id") for u in updates]


async def test_article_picked_reaches_the_chat_via_bot_and_the_bot_hears_the_choice(lab):
    typed = await lab.type("tea", chat_type="private")
    [update] = await lab.updates()
    assert update["inline_query"] == typed["inline_query"]
    assert update["inline_query"] == {"id": typed["inline_query"]["id"], "from": {**ADA, "is_bot": False},
                                      "chat_type": "private", "query": "tea", "offset": ""}
    query_id = update["inline_query"]["id"]
    assert await lab.ok("answerInlineQuery", inline_query_id=query_id, results=[ARTICLE, PHOTO], cache_time=0)
    seen = (await lab.control("GET", f"inline/queries/{query_id}"))["seen"]
    assert [r["id"] for r in seen["results"]] == ["tea", "tea-photo"] and seen["answered"]
    await lab.control("POST", f"inline/queries/{query_id}/pick", {"result_id": "tea", "chat_id": 42}, status=400)
    picked = await lab.control("POST", f"inline/queries/{query_id}/pick",
                               {"result_id": "tea", "chat_id": seen["chat_id"]})
    message = picked["message"]
    lab.emitted += [("Message", message), ("ChosenInlineResult", picked["chosen_inline_result"])]
    assert message["text"] == "Green tea: 12.50 USD" and message["entities"][0]["type"] == "bold"
    assert message["via_bot"]["username"] == "lab_shop_bot" and message["from"]["id"] == ADA["id"]
    assert message["reply_markup"] == KEYBOARD
    [chosen] = await lab.updates()  # the chat is not the bot's: only the choice reaches it
    assert chosen["chosen_inline_result"] == {"from": {**ADA, "is_bot": False},
                                              "inline_message_id": picked["inline_message_id"], "query": "tea",
                                              "result_id": "tea"}
    assert len(picked["inline_message_id"]) == 27  # base64url of TDLib's 20-byte inputBotInlineMessageID


async def test_a_result_without_keyboard_has_no_inline_message_id_and_a_photo_sends_a_photo(lab):
    typed = await lab.type("tea")
    await lab.ok("answerInlineQuery", inline_query_id=typed["inline_query"]["id"], results=[PHOTO])
    picked = await lab.control("POST", f"inline/queries/{typed['inline_query']['id']}/pick",
                               {"result_id": "tea-photo"})
    lab.emitted.append(("Message", picked["message"]))
    assert picked["inline_message_id"] is None
    assert "inline_message_id" not in picked["chosen_inline_result"]
    photo = picked["message"]["photo"]
    assert (photo[-1]["width"], photo[-1]["height"]) == (640, 480) and picked["message"]["caption"] == "Green tea"


async def test_an_inline_photo_gets_a_new_caption_and_photo_by_inline_message_id(lab):
    typed = await lab.type("tea")
    await lab.ok("answerInlineQuery", inline_query_id=typed["inline_query"]["id"],
                 results=[{**PHOTO, "reply_markup": KEYBOARD}])
    picked = await lab.control("POST", f"inline/queries/{typed['inline_query']['id']}/pick",
                               {"result_id": "tea-photo"})
    inline_id = picked["inline_message_id"]
    assert await lab.ok("editMessageCaption", inline_message_id=inline_id, caption="Sold out",
                        reply_markup=KEYBOARD) is True  # an inline message's edit answers True, not the Message
    assert await lab.ok("editMessageMedia", inline_message_id=inline_id, reply_markup=KEYBOARD,
                        media={"type": "photo", "media": "https://shop.example/mug.jpg", "caption": "A mug"}) is True
    now = (await lab.control("GET", f"inline/messages/{inline_id}"))["message"]
    lab.emitted.append(("Message", now))
    assert now["caption"] == "A mug" and now["edit_date"] and now["photo"][-1]["file_unique_id"] != \
        picked["message"]["photo"][-1]["file_unique_id"]


EVERY_KIND = [
    ARTICLE, PHOTO,
    {"type": "photo", "id": "cached-photo", "photo_file_id": "AgACAgIAAxkBAAIBZ2c1", "caption": "<i>tea</i>",
     "parse_mode": "HTML"},
    {"type": "gif", "id": "gif", "gif_url": "https://shop.example/steam.gif",
     "thumbnail_url": "https://shop.example/t.jpg"},
    {"type": "mpeg4_gif", "id": "mp4", "mpeg4_file_id": "CgACAgIAAxkBAAIBaGc1"},
    {"type": "video", "id": "video", "title": "Brewing", "video_url": "https://shop.example/brew.mp4",
     "mime_type": "video/mp4", "thumbnail_url": "https://shop.example/t.jpg"},
    {"type": "audio", "id": "audio", "audio_url": "https://shop.example/song.mp3", "title": "Tea song",
     "performer": "Lab"},
    {"type": "voice", "id": "voice", "title": "Hello", "voice_file_id": "AwACAgIAAxkBAAIBaWc1"},
    {"type": "document", "id": "doc", "title": "Menu", "document_url": "https://shop.example/menu.pdf",
     "mime_type": "application/pdf"},
    {"type": "document", "id": "cached-doc", "title": "Menu", "document_file_id": "BQACAgIAAxkBAAIBamc1",
     "input_message_content": {"message_text": "The menu, as text"}},
    {"type": "sticker", "id": "sticker", "sticker_file_id": "CAACAgIAAxkBAAIBa2c1"},
    {"type": "location", "id": "loc", "title": "Our shop", "latitude": 41.31, "longitude": 69.28},
    {"type": "venue", "id": "venue", "title": "Lab Shop", "address": "1 Tea St", "latitude": 41.31,
     "longitude": 69.28, "foursquare_id": "4b"},
    {"type": "contact", "id": "contact", "phone_number": "+998901234567", "first_name": "Lab", "last_name": "Shop"},
    {"type": "game", "id": "game", "game_short_name": "tea_race"},
    {"type": "article", "id": "invoice", "title": "Buy tea", "input_message_content": {
        "title": "Green tea", "description": "100 g", "payload": "tea-1", "currency": "XTR",
        "prices": [{"label": "Tea", "amount": 60}]}},
]


async def test_every_result_kind_sends_a_message_telegram_would_send(lab):
    query_id = (await lab.type("all"))["inline_query"]["id"]
    assert await lab.ok("answerInlineQuery", inline_query_id=query_id, results=EVERY_KIND)
    sent = {}
    for result in EVERY_KIND:
        message = (await lab.control("POST", f"inline/queries/{query_id}/pick", {"result_id": result["id"]}))["message"]
        lab.emitted.append(("Message", message))
        sent[result["id"]] = sorted(k for k in message if k not in ("message_id", "from", "chat", "date", "via_bot"))
    assert sent == {
        "tea": ["entities", "reply_markup", "text"], "tea-photo": ["caption", "photo"],
        "cached-photo": ["caption", "caption_entities", "photo"], "gif": ["animation", "document"],
        "mp4": ["animation", "document"], "video": ["video"], "audio": ["audio"], "voice": ["voice"],
        "doc": ["document"], "cached-doc": ["text"], "sticker": ["sticker"], "loc": ["location"],
        "venue": ["location", "venue"], "contact": ["contact"], "game": ["game"], "invoice": ["invoice"]}


async def test_answer_refusals_in_telegrams_words_store_nothing(lab):
    typed = await lab.type("tea")
    query_id = typed["inline_query"]["id"]
    no_content = {"type": "article", "id": "a", "title": "x"}
    assert await lab.refused("answerInlineQuery", inline_query_id=query_id, results=[no_content]) == \
        'Bad Request: can\'t parse inline query result: Can\'t find field "message_text"'
    assert await lab.refused("answerInlineQuery", inline_query_id=query_id, results=[{"type": "article"}]) == \
        'Bad Request: can\'t parse inline query result: Can\'t find field "id"'
    assert await lab.refused("answerInlineQuery", inline_query_id=query_id, results=[ARTICLE, ARTICLE]) == \
        "Bad Request: RESULT_ID_DUPLICATE"
    assert await lab.refused("answerInlineQuery", inline_query_id=query_id,
                             results=[{**ARTICLE, "id": "x" * 65}]) == "Bad Request: RESULT_ID_INVALID"
    many = [{**ARTICLE, "id": str(i)} for i in range(51)]
    assert await lab.refused("answerInlineQuery", inline_query_id=query_id, results=many) == \
        "Bad Request: too many inline query results specified"
    assert await lab.refused("answerInlineQuery", inline_query_id=query_id, results=[{**ARTICLE, "type": "poll"}]) \
        == 'Bad Request: can\'t parse inline query result: type "poll" is unsupported for the inline query result'
    document = {"type": "document", "id": "d", "title": "Menu", "document_url": "https://shop.example/menu.docx",
                "mime_type": "application/msword"}
    assert await lab.refused("answerInlineQuery", inline_query_id=query_id, results=[document]) == \
        "Bad Request: unallowed document MIME type"
    assert await lab.refused("answerInlineQuery", inline_query_id=query_id, results=[ARTICLE],
                             button={"text": "Sign in", "start_parameter": "a b"}) == \
        "Bad Request: unallowed characters in start_parameter are used"
    assert await lab.refused("answerInlineQuery", inline_query_id=query_id,
                             results=[{k: v for k, v in PHOTO.items() if k != "thumbnail_url"}]) == \
        "Bad Request: PHOTO_THUMB_URL_EMPTY"
    place = {"type": "location", "id": "shop", "title": "Our shop", "latitude": 91, "longitude": 69.28}
    assert await lab.refused("answerInlineQuery", inline_query_id=query_id, results=[place]) == \
        "Bad Request: wrong location specified"
    assert await lab.refused("answerInlineQuery", inline_query_id=query_id,
                             results=[{**place, "latitude": 41.31, "live_period": 30}]) == \
        "Bad Request: wrong live location period specified"
    assert await lab.refused("answerInlineQuery", inline_query_id=query_id,
                             results=[{**ARTICLE, "title": "Tea \ud800"}]) == \
        "Bad Request: strings must be encoded in UTF-8"
    assert await lab.refused("answerInlineQuery", inline_query_id=query_id, results={"a": 1}) == \
        "Bad Request: expected an Array of inline query results"
    assert await lab.refused("answerInlineQuery", inline_query_id="12345", results=[ARTICLE]) == TOO_OLD
    assert not (await lab.control("GET", f"inline/queries/{query_id}"))["seen"]["answered"]
    assert await lab.ok("answerInlineQuery", inline_query_id=query_id,  # still answerable
                        results=[{**ARTICLE, "our_note": "internal", "thumb_url": "https://shop.example/t.jpg"}])
    [shown] = (await lab.control("GET", f"inline/queries/{query_id}"))["seen"]["results"]
    assert "our_note" not in shown and shown["thumbnail_url"] == "https://shop.example/t.jpg"  # as Telegram keeps it


async def test_the_button_above_the_results_starts_the_bot_with_its_parameter(lab):
    query_id = (await lab.type("tea"))["inline_query"]["id"]
    await lab.ok("answerInlineQuery", inline_query_id=query_id, results=[],
                 button={"text": "Sign in to see your orders", "start_parameter": "inline-login"})
    seen = (await lab.control("GET", f"inline/queries/{query_id}"))["seen"]
    assert seen["button"] == {"text": "Sign in to see your orders", "start_parameter": "inline-login"}
    sent = (await lab.control("POST", f"inline/queries/{query_id}/button"))["message"]
    lab.emitted.append(("Message", sent))
    assert sent["text"] == "/start inline-login" and sent["chat"]["id"] == ADA["id"]
    assert kinds(await lab.updates()) == ["inline_query", "message"]


async def test_switch_inline_buttons_put_the_query_in_a_chat(lab):
    await lab.control("POST", "chats/501/messages", {"from": ADA, "text": "/start"})
    keyboard = {"inline_keyboard": [[{"text": "Share", "switch_inline_query": "tea"},
                                     {"text": "Search here", "switch_inline_query_current_chat": "mug"},
                                     {"text": "To a group", "switch_inline_query_chosen_chat": {
                                         "query": "beans", "allow_group_chats": True}}]]}
    sent = await lab.ok("sendMessage", chat_id=501, text="Share our tea", reply_markup=keyboard)
    press = {"from": ADA, "message_id": sent["message_id"]}
    here = await lab.control("POST", "chats/501/switch_inline", {**press, "text": "Search here"})
    assert (here["inline_query"]["query"], here["inline_query"]["chat_type"]) == ("mug", "sender")
    shared = await lab.control("POST", "chats/501/switch_inline", {**press, "text": "Share",
                                                                   "to": {"chat_type": "private"}})
    assert (shared["inline_query"]["query"], shared["inline_query"]["chat_type"]) == ("tea", "private")
    await lab.control("POST", "chats/501/switch_inline", {**press, "text": "To a group"}, status=400)  # private
    grouped = await lab.control("POST", "chats/501/switch_inline", {**press, "text": "To a group",
                                                                    "to": {"chat_type": "group"}})
    assert (grouped["inline_query"]["query"], grouped["inline_query"]["chat_type"]) == ("beans", "group")
    await lab.control("POST", "chats/501/switch_inline", {**press, "text": "Nope"}, status=400)


async def test_an_inline_query_nobody_fetched_in_30_s_is_gone_as_on_the_bot_api_server(lab):
    await lab.control("POST", "chats/501/messages", {"from": ADA, "text": "hi"})
    stale = (await lab.type("tea"))["inline_query"]["id"]
    lab.clock.advance(31)
    fresh = (await lab.type("mugs"))["inline_query"]["id"]
    await lab.ok("answerInlineQuery", inline_query_id=fresh, results=[ARTICLE])
    await lab.control("POST", f"inline/queries/{fresh}/pick", {"result_id": "tea"})
    updates = await lab.updates()
    assert kinds(updates) == ["message", "inline_query", "chosen_inline_result"]
    assert updates[1]["inline_query"]["id"] == fresh != stale
    later = (await lab.type("cups"))["inline_query"]["id"]
    await lab.ok("answerInlineQuery", inline_query_id=later, results=[ARTICLE])
    await lab.control("POST", f"inline/queries/{later}/pick", {"result_id": "tea"})
    lab.clock.advance(300)  # the query is gone after 30 s, the chosen result stays 10 minutes
    assert kinds(await lab.updates()) == ["chosen_inline_result"]
    await lab.type("beans")
    lab.clock.advance(31)
    await lab.ok("setWebhook", url="https://shop.example/hook")
    assert (await lab.ok("getWebhookInfo"))["pending_update_count"] == 0


async def test_the_answer_window_and_answering_twice(lab):
    first, late = (await lab.type("tea"))["inline_query"]["id"], (await lab.type("mugs"))["inline_query"]["id"]
    assert await lab.ok("answerInlineQuery", inline_query_id=first, results=[ARTICLE])
    assert await lab.refused("answerInlineQuery", inline_query_id=first, results=[ARTICLE]) == TOO_OLD
    lab.clock.advance(11)
    assert await lab.refused("answerInlineQuery", inline_query_id=late, results=[ARTICLE]) == TOO_OLD
    seen = (await lab.control("GET", f"inline/queries/{late}"))["seen"]
    assert not seen["answered"] and not seen["waiting"]


async def test_telegram_caches_an_answer_for_cache_time_and_personal_answers_per_person(lab):
    query_id = (await lab.type("tea"))["inline_query"]["id"]
    await lab.ok("answerInlineQuery", inline_query_id=query_id, results=[ARTICLE], cache_time=60)
    await lab.updates()
    again = await lab.type("tea", who=BO)
    assert again["from_cache"] and again["inline_query"] is None and again["seen"]["results"][0]["id"] == "tea"
    assert await lab.updates() == []
    lab.clock.advance(61)
    assert not (await lab.type("tea", who=BO))["from_cache"]
    personal = (await lab.type("mugs"))["inline_query"]["id"]
    await lab.ok("answerInlineQuery", inline_query_id=personal, results=[ARTICLE], is_personal=True)
    assert (await lab.type("mugs"))["from_cache"] and not (await lab.type("mugs", who=BO))["from_cache"]


async def test_paged_results_follow_next_offset(lab):
    query_id = (await lab.type("tea"))["inline_query"]["id"]
    await lab.ok("answerInlineQuery", inline_query_id=query_id, results=[ARTICLE], next_offset="1", cache_time=0)
    more = await lab.control("POST", f"inline/queries/{query_id}/more")
    assert more["inline_query"]["offset"] == "1" and more["inline_query"]["query"] == "tea"
    await lab.ok("answerInlineQuery", inline_query_id=more["inline_query"]["id"], results=[PHOTO], cache_time=0)
    last = await lab.control("POST", f"inline/queries/{more['inline_query']['id']}/more", status=400)
    assert "no more results" in last["error"]
    assert await lab.refused("answerInlineQuery", inline_query_id=(await lab.type("x"))["inline_query"]["id"],
                             results=[], next_offset="n" * 65) == "Bad Request: NEXT_OFFSET_INVALID"


async def test_inline_messages_are_edited_by_inline_message_id_and_their_buttons_carry_it(lab):
    query_id = (await lab.type("tea"))["inline_query"]["id"]
    await lab.ok("answerInlineQuery", inline_query_id=query_id, results=[ARTICLE])
    picked = await lab.control("POST", f"inline/queries/{query_id}/pick", {"result_id": "tea"})
    inline_id = picked["inline_message_id"]
    pressed = (await lab.control("POST", f"inline/messages/{inline_id}/callbacks",
                                 {"from": BO, "data": "buy:tea"}))["callback_query"]
    lab.emitted.append(("CallbackQuery", pressed))
    assert pressed["inline_message_id"] == inline_id and "message" not in pressed
    assert await lab.ok("answerCallbackQuery", callback_query_id=pressed["id"], text="Reserved")
    assert await lab.ok("editMessageText", inline_message_id=inline_id, text="Reserved for Bo",
                        reply_markup=KEYBOARD) is True
    assert await lab.refused("editMessageText", inline_message_id=inline_id, text="Reserved for Bo",
                             reply_markup=KEYBOARD) == "Bad Request: message is not modified: specified new message " \
        "content and reply markup are exactly the same as a current content and reply markup of the message"
    assert await lab.ok("editMessageReplyMarkup", inline_message_id=inline_id) is True
    now = (await lab.control("GET", f"inline/messages/{inline_id}"))["message"]
    lab.emitted.append(("Message", now))
    assert now["text"] == "Reserved for Bo" and "reply_markup" not in now and now["edit_date"]
    assert await lab.refused("editMessageText", text="x") == "Bad Request: message identifier is not specified"
    assert await lab.refused("editMessageText", text="x", inline_message_id="not base64!") == \
        "Bad Request: invalid inline message identifier specified"
    assert await lab.refused("editMessageText", text="x", inline_message_id="AgAAAAAAAAAAAAAAAAAAAAAAAAA") == \
        "Bad Request: MESSAGE_ID_INVALID"


async def test_without_inline_mode_or_feedback(lab):
    await lab.control("POST", "inline/settings", {"feedback": False})
    query_id = (await lab.type("tea"))["inline_query"]["id"]
    await lab.ok("answerInlineQuery", inline_query_id=query_id, results=[ARTICLE])
    picked = await lab.control("POST", f"inline/queries/{query_id}/pick", {"result_id": "tea"})
    assert picked["chosen_inline_result"] is None and kinds(await lab.updates()) == ["inline_query"]
    assert (await lab.ok("getMe"))["supports_inline_queries"] is True
    await lab.control("POST", "inline/settings", {"inline_mode": False})
    refused = await lab.control("POST", "inline/queries", {"from": ADA, "query": "tea"}, status=400)
    assert "no inline mode" in refused["error"]
    assert (await lab.ok("getMe"))["supports_inline_queries"] is False
    await lab.control("POST", "inline/settings", {"inline_mode": True})
    await lab.control("POST", "reset")  # BotFather's settings go back to the lab's defaults with everything else
    assert (await lab.control("GET", "inline/settings"))["settings"] == {
        "inline_mode": False, "feedback": True, "placeholder": "Search...", "location": False, "answer_window": 10}


async def test_in_a_group_with_the_bot_it_sees_the_message_sent_via_itself(lab):
    group = (await lab.control("POST", "groups", {"title": "Tea lovers", "from": ADA, "members": [BO]}))["chat"]
    await lab.updates()
    typed = await lab.type("tea", chat_id=group["id"])
    assert typed["inline_query"]["chat_type"] == "group"
    await lab.ok("answerInlineQuery", inline_query_id=typed["inline_query"]["id"], results=[ARTICLE])
    await lab.control("POST", f"inline/queries/{typed['inline_query']['id']}/pick", {"result_id": "tea"})
    updates = await lab.updates()
    assert kinds(updates) == ["inline_query", "message", "chosen_inline_result"]
    assert updates[1]["message"]["via_bot"]["id"] == lab.fake.default_bot.account.id
    mine = await lab.type("tea", chat_type="sender")
    assert mine["inline_query"] is None or mine["inline_query"]["chat_type"] == "sender"


async def test_location_only_for_a_bot_that_asks(lab):
    where = {"location": {"latitude": 41.31, "longitude": 69.28}}
    assert "location" not in (await lab.type("tea", **where))["inline_query"]
    await lab.control("POST", "inline/settings", {"location": True})
    assert (await lab.type("mugs", **where))["inline_query"]["location"] == {"latitude": 41.31, "longitude": 69.28}


async def test_web_app_answers_send_a_message_on_the_persons_behalf(lab):
    opened = await lab.control("POST", "webapps/open", {"from": ADA})
    assert "query_id=" + opened["web_app_query_id"] in opened["init_data"]
    result = {"type": "article", "id": "order", "title": "Order",
              "input_message_content": {"message_text": "Ordered: green tea"}, "reply_markup": KEYBOARD}
    assert await lab.refused("answerWebAppQuery", web_app_query_id=opened["web_app_query_id"]) == \
        "Bad Request: result isn't specified"
    sent = await lab.ok("answerWebAppQuery", web_app_query_id=opened["web_app_query_id"], result=result)
    assert set(sent) == {"inline_message_id"}
    assert await lab.refused("answerWebAppQuery", web_app_query_id=opened["web_app_query_id"], result=result) == TOO_OLD
    [update] = await lab.updates()  # in the person's private chat with the bot
    assert update["message"]["text"] == "Ordered: green tea" and update["message"]["via_bot"]["is_bot"]


async def test_prepared_messages_are_shared_only_to_allowed_chats(lab):
    await lab.type("x")  # Ada is known to Telegram
    result = {"type": "article", "id": "gift", "title": "Gift", "input_message_content": {"message_text": "A gift"}}
    assert await lab.refused("savePreparedInlineMessage", user_id=0, result=result) == \
        "Bad Request: invalid user_id specified"
    prepared = await lab.ok("savePreparedInlineMessage", user_id=ADA["id"], result=result, allow_user_chats=True)
    assert prepared["expiration_date"] == int(lab.clock.time()) + 24 * 3600
    shared = await lab.control("POST", f"inline/prepared/{prepared['id']}/share", {"from": ADA})
    lab.emitted.append(("Message", shared["message"]))
    assert shared["message"]["text"] == "A gift"
    await lab.control("POST", f"inline/prepared/{prepared['id']}/share", {"from": ADA, "chat_type": "group"},
                      status=400)


async def test_bad_control_input_gets_a_400_or_404_never_a_500(lab):
    for body in ({"query": "tea"}, {"from": ADA, "query": 5}, {"from": ADA, "query": "t" * 257},
                 {"from": ADA, "query": "tea", "offset": 1}, {"from": ADA, "query": "tea", "chat_id": True},
                 {"from": ADA, "query": "tea", "chat_type": "secret"},
                 {"from": ADA, "query": "tea", "chat_type": "group", "title": 7},
                 {"from": ADA, "query": "tea", "with": "Bo"}, {"from": ADA, "query": "tea", "chat_id": 501}):
        await lab.control("POST", "inline/queries", body, status=400)
    query_id = (await lab.type("tea"))["inline_query"]["id"]
    await lab.control("POST", f"inline/queries/{query_id}/pick", {"result_id": "tea"}, status=400)  # unanswered
    await lab.ok("answerInlineQuery", inline_query_id=query_id, results=[ARTICLE])
    await lab.control("POST", f"inline/queries/{query_id}/pick", {"result_id": ["tea"]}, status=400)
    await lab.control("POST", f"inline/queries/{query_id}/pick", {"result_id": "tea", "from": BO}, status=400)
    await lab.control("POST", "inline/queries/1/pick", {"result_id": "tea"}, status=404)
    await lab.control("POST", "inline/messages/AgAAAAAAAAAAAAAAAAAAAAAAAAA/callbacks", {"from": BO, "data": "x"},
                      status=404)
    for settings in ({"inline_mode": "yes"}, {"answer_window": 0}, {"answer_window": True}, {"placeholder": 1}):
        await lab.control("POST", "inline/settings", settings, status=400)


async def test_what_the_lab_keeps_of_inline_mode_is_bounded(lab):
    from integration_lab.fakes.telegram import inline_state

    for i in range(inline_state.MAX_QUERIES + 10):
        typed = await lab.type(f"q{i}", chat_type="group")
        await lab.ok("answerInlineQuery", inline_query_id=typed["inline_query"]["id"], results=[ARTICLE],
                     cache_time=3600)
    kept = inline_state.state(lab.fake.default_bot)
    assert len(kept.queries) == inline_state.MAX_QUERIES and len(kept.outside) == inline_state.MAX_OUTSIDE
    assert len(kept.cache) <= inline_state.MAX_CACHED
    lab.fake.default_bot.updates.clear()


class HostileResults:
    """A seeded generator of inline query results (and the other parameters) a careless or hostile bot sends."""

    KINDS = ["article", "photo", "gif", "mpeg4_gif", "video", "audio", "voice", "document", "location", "venue",
             "contact", "game", "sticker", "ARTICLE", "poll", "", None, 5]
    FIELDS = ["id", "title", "input_message_content", "message_text", "parse_mode", "entities", "caption",
              "caption_entities", "reply_markup", "photo_url", "photo_file_id", "thumbnail_url", "document_url",
              "mime_type", "latitude", "longitude", "address", "phone_number", "first_name", "gif_url", "video_url",
              "audio_url", "voice_url", "sticker_file_id", "game_short_name", "photo_width", "description"]
    STRINGS = ["", " ", "x", "tea", "HTML", "MarkdownV2", "<b>x", "*a", "https://x.example/a.jpg", "application/pdf",
               "\ud800", "x" * 70, "é" * 3000, "1e999", "-1", "{", "[1]", "\u202e", "video/mp4", "attach://f"]

    def __init__(self, seed: int):
        import random

        self.rng = random.Random(seed)

    def value(self, depth: int = 0):
        rng = self.rng
        choices = [lambda: rng.choice(self.STRINGS), lambda: rng.choice([0, -1, 2**31, 2**64, 10**30, 0.5]),
                   lambda: rng.choice([True, False, None])]
        if depth < 3:
            choices += [lambda: [self.value(depth + 1) for _ in range(rng.randrange(3))],
                        lambda: {rng.choice(self.FIELDS + ["text", "type", "offset", "length", "inline_keyboard",
                                                           "callback_data"]): self.value(depth + 1)
                                 for _ in range(rng.randrange(4))},
                        lambda: {"message_text": self.value(depth + 1), "parse_mode": rng.choice(self.STRINGS)},
                        lambda: {"inline_keyboard": [[{"text": self.value(depth + 1),
                                                       "callback_data": self.value(depth + 1)}]]}]
        return rng.choice(choices)()

    def result(self) -> dict:
        rng = self.rng
        item = {name: self.value() for name in rng.sample(self.FIELDS, rng.randrange(0, 8))}
        if rng.random() < 0.9:
            item["type"] = rng.choice(self.KINDS)
        if rng.random() < 0.8:
            item["id"] = rng.choice(["a", "b", "", "x" * 65, 7])
        return item

    def params(self, method: str, query_id: str) -> dict:
        rng = self.rng
        results = [self.result() for _ in range(rng.choice([0, 1, 2, 3, 51]))]
        if method == "answerInlineQuery":
            params = {"inline_query_id": rng.choice([query_id, query_id, "0", "x", 2**70]), "results": results,
                      "cache_time": rng.choice([0, -5, "x", 10**12]), "is_personal": self.value(),
                      "next_offset": rng.choice(["", "1", "n" * 70])}
            if rng.random() < 0.15:
                params["button"] = rng.choice([self.value(), {"text": "Sign in", "start_parameter": self.value()}])
        elif method == "answerWebAppQuery":
            params = {"web_app_query_id": self.value(), "result": results[0] if results else self.value()}
        else:
            params = {"user_id": rng.choice([ADA["id"], ADA["id"], 0, "x", 2**70]),
                      "result": results[0] if results else self.value(), "allow_user_chats": self.value()}
        return {k: v for k, v in params.items() if rng.random() < 0.9}


async def test_seeded_hostile_answers_get_envelopes_and_refusals_store_nothing(lab):
    from integration_lab.fakes.telegram import inline_state

    generator, failures = HostileResults(22), []
    query_id = (await lab.type("tea"))["inline_query"]["id"]
    for _ in range(300):
        method = generator.rng.choice(["answerInlineQuery", "answerWebAppQuery", "savePreparedInlineMessage"])
        params = generator.params(method, query_id)
        kept = inline_state.state(lab.fake.default_bot)
        before = (len(kept.prepared), len(kept.messages), len(kept.cache))
        response = await lab.http.post(f"/bot{lab.fake.default_bot.token}/{method}", content=json.dumps(params),
                                       headers={"content-type": "application/json"})
        answer = response.json()
        if response.status_code >= 500 or (not answer["ok"] and answer["error_code"] != response.status_code):
            failures.append((method, params, response.status_code, answer))
        elif not answer["ok"] and (before != (len(kept.prepared), len(kept.messages), len(kept.cache))
                                   or kept.queries[query_id].answer is not None):
            failures.append((method, params, "a refusal changed the state", answer))
        elif answer["ok"] and method == "answerInlineQuery":
            await lab.control("GET", f"inline/queries/{query_id}")  # the person's view of it is served as JSON
            query_id = (await lab.type(f"tea {len(kept.queries)}"))["inline_query"]["id"]  # answered: a fresh one
    assert not failures, failures[:3]


# ---- real clients, unmodified, against the served fake ------------------------------------------------------

@pytest.fixture
def served(served_telegram):
    served_telegram.control("POST", "reset")
    # a loaded CI machine may take more than Telegram's 10 s between a query and a real bot's answer
    served_telegram.control("POST", "inline/settings", {"inline_mode": True, "answer_window": 120})
    yield served_telegram
    served_telegram.control("POST", "reset")


async def test_aiogram_inline_router_answers_and_edits_through_the_control_routes(served):
    from aiogram import Bot, Dispatcher, F, Router
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import (CallbackQuery, ChosenInlineResult, InlineKeyboardButton, InlineKeyboardMarkup,
                               InlineQuery, InlineQueryResultArticle, InputTextMessageContent)

    router, heard = Router(), []
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Buy", callback_data="buy:tea")]])

    @router.inline_query()
    async def offer(query: InlineQuery):
        heard.append(("inline_query", query.query, query.chat_type))
        await query.answer([InlineQueryResultArticle(
            id="tea", title="Green tea", description="12.50 USD", reply_markup=markup,
            input_message_content=InputTextMessageContent(message_text="<b>Green tea</b>", parse_mode="HTML"))],
            cache_time=0, is_personal=True)

    @router.chosen_inline_result()
    async def chosen(result: ChosenInlineResult):
        heard.append(("chosen", result.result_id, result.inline_message_id))

    @router.callback_query(F.data == "buy:tea")
    async def buy(callback: CallbackQuery, bot: Bot):
        heard.append(("callback", callback.inline_message_id, callback.message))
        await callback.answer("Reserved")
        assert await bot.edit_message_text(text="Reserved", inline_message_id=callback.inline_message_id) is True

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = Bot(served.token, session=AiohttpSession(api=TelegramAPIServer.from_base(served.url)))
    offset = None

    async def pump():
        nonlocal offset
        for update in await bot.get_updates(offset=offset, timeout=0):
            offset = update.update_id + 1
            await dispatcher.feed_update(bot, update)

    try:
        me = await bot.get_me()
        assert me.supports_inline_queries is True
        typed = served.control("POST", "inline/queries", {"from": ADA, "query": "tea", "chat_type": "group"})
        await pump()
        seen = served.control("GET", f"inline/queries/{typed['inline_query']['id']}")["seen"]
        assert seen["results"][0]["title"] == "Green tea" and seen["is_personal"] is True
        picked = served.control("POST", f"inline/queries/{seen['query_id']}/pick", {"result_id": "tea"})
        await pump()
        served.control("POST", f"inline/messages/{picked['inline_message_id']}/callbacks",
                       {"from": BO, "data": "buy:tea"})
        await pump()
    finally:
        await bot.session.close()
    assert heard == [("inline_query", "tea", "group"), ("chosen", "tea", picked["inline_message_id"]),
                     ("callback", picked["inline_message_id"], None)]
    message = served.control("GET", f"inline/messages/{picked['inline_message_id']}")["message"]
    assert message["text"] == "Reserved" and message["via_bot"]["username"] == "lab_shop_bot"


async def test_ptb_inline_query_and_chosen_result_handlers(served):
    import telegram
    from telegram.ext import ApplicationBuilder, ChosenInlineResultHandler, InlineQueryHandler

    heard = []

    async def offer(update, context):
        heard.append(update.inline_query.query)
        await update.inline_query.answer([
            telegram.InlineQueryResultArticle("a1", "Green tea", telegram.InputTextMessageContent("Green tea")),
            telegram.InlineQueryResultArticle("a1", "Again", telegram.InputTextMessageContent("Again"))])

    async def offer_once(update, context):
        try:
            await offer(update, context)
        except telegram.error.BadRequest as refused:
            heard.append(str(refused))
            await update.inline_query.answer([telegram.InlineQueryResultPhoto(
                "p1", "https://shop.example/tea.jpg", "https://shop.example/tea-thumb.jpg", caption="Tea")])

    async def chosen(update, context):
        heard.append(("chosen", update.chosen_inline_result.result_id))

    app = ApplicationBuilder().token(served.token).base_url(f"{served.url}/bot").updater(None).build()
    app.add_handler(InlineQueryHandler(offer_once))
    app.add_handler(ChosenInlineResultHandler(chosen))
    async with app:
        typed = served.control("POST", "inline/queries", {"from": ADA, "query": "tea"})
        for update in await app.bot.get_updates(timeout=0):
            await app.process_update(update)
        picked = served.control("POST", f"inline/queries/{typed['inline_query']['id']}/pick", {"result_id": "p1"})
        [update] = await app.bot.get_updates(offset=update.update_id + 1, timeout=0)
        await app.process_update(update)
    assert heard == ["tea", "Result_id_duplicate", ("chosen", "p1")]
    assert picked["message"]["caption"] == "Tea" and picked["message"]["photo"]


async def test_real_clients_answer_web_apps_and_prepare_messages(served):
    import datetime

    import telegram
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle, \
        InputTextMessageContent

    opened = served.control("POST", "webapps/open", {"from": ADA})
    aio = Bot(served.token, session=AiohttpSession(api=TelegramAPIServer.from_base(served.url)))
    try:
        sent = await aio.answer_web_app_query(opened["web_app_query_id"], InlineQueryResultArticle(
            id="order", title="Order", input_message_content=InputTextMessageContent(message_text="Ordered"),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Track",
                                                                                     callback_data="track")]])))
    finally:
        await aio.session.close()
    assert sent.inline_message_id and served.control("GET", f"inline/messages/{sent.inline_message_id}")["inline"]
    async with telegram.Bot(served.token, base_url=f"{served.url}/bot") as ptb:
        sent_at = datetime.datetime.now(datetime.timezone.utc)
        prepared = await ptb.save_prepared_inline_message(ADA["id"], telegram.InlineQueryResultArticle(
            "gift", "Gift", telegram.InputTextMessageContent("A gift for you")), allow_user_chats=True)
        with pytest.raises(telegram.error.BadRequest, match="(?i)query is too old"):  # answered already
            await ptb.answer_web_app_query(opened["web_app_query_id"], telegram.InlineQueryResultArticle(
                "again", "Again", telegram.InputTextMessageContent("Again")))
    assert prepared.id and (prepared.expiration_date - sent_at).total_seconds() >= 24 * 3600 - 60
    shared = served.control("POST", f"inline/prepared/{prepared.id}/share", {"from": ADA})
    assert shared["message"]["text"] == "A gift for you"
