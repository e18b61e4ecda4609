"""A walk of the whole catalogue (Bot API 10.3, fakes/telegram/catalogue.py) through the wire, generic over
whichever handler answers a method (a family's or generic.py's floor):

- no method answers "method not found", in any case of its name;
- called with no parameters, a method gets what Telegram gives it: the refusal of the first check the reference
  server makes (generic.FIRST_CHECKS, read from Client.cpp of tdlib/telegram-bot-api), or, for a method those
  checks let through, a result of its documented type;
- called with plausible valid parameters (its required fields, made from their catalogue types, aimed at a real
  chat a person opened through People and at a message the bot sent there), it answers ok with a result that
  validates, or a Telegram error in Telegram's envelope that is not about a parameter it was given.
"""

from __future__ import annotations

import httpx
import pytest

from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake, catalogue
from integration_lab.fakes.telegram.generic import FIRST_CHECKS, empty_call_refusal
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory

pytestmark = pytest.mark.redis_free

ADA = {"id": 501, "first_name": "Ada", "username": "ada"}
BO = {"id": 502, "first_name": "Bo"}
METHODS = sorted(catalogue.NAMES.values())
PICTURE = "https://shop.example/cat.jpg"  # a URL, as a bot sends a file it has not uploaded

# Values the catalogue's types cannot say are valid (a text must not be empty, a poll needs two options, …)
PLAUSIBLE = {
    "text": "hello", "question": "Tea or coffee?", "title": "Lab", "name": "lab_set_by_lab_shop_bot",
    "description": "A lab", "payload": "order-1", "currency": "XTR", "first_name": "Ada", "last_name": "L",
    "phone_number": "+15550100", "address": "1 Main St", "action": "typing", "emoji": "👍", "tag": "buyer",
    "custom_title": "boss", "game_short_name": "lab_game", "sticker_set_name": "lab_set_by_lab_shop_bot",
    "latitude": 41.3, "longitude": 69.2, "format": "static", "sticker_format": "static", "star_count": 1,
    "month_count": 3, "limit": 10, "subscription_period": 2592000, "subscription_price": 1, "active_period": 86400,
    "options": [{"text": "Tea"}, {"text": "Coffee"}], "prices": [{"label": "Tea", "amount": 1}],
    "commands": [{"command": "start", "description": "Start the shop"}], "emoji_list": ["👍"],
    "reaction": [{"type": "emoji", "emoji": "👍"}], "custom_emoji_ids": ["5368324170671202286"],
    "media": {"type": "photo", "media": PICTURE}, "score": 10, "position": 0, "draft_id": 1,
    "url": "", "web_app_url": "https://shop.example/app", "telegram_payment_charge_id": "charge-1",
    "permissions": {"can_send_messages": True}, "rights": {"is_anonymous": False}, "ok": True,
    "error_message": "Out of stock", "checklist": {"title": "Todo", "tasks": [{"id": 1, "text": "Tea"}]},
}
MEDIA_LISTS = {"sendMediaGroup": [{"type": "photo", "media": PICTURE}, {"type": "photo", "media": PICTURE}],
               "sendPaidMedia": [{"type": "photo", "media": PICTURE}]}


class World:
    def __init__(self):
        self.fake = TelegramFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(5))
        self.people = People(self.fake)
        self.people.send(501, ADA, "hi")
        self.http = httpx.AsyncClient(transport=AsyncTelegramTransport(self.fake), base_url="https://api.telegram.org")

    async def call(self, method: str, params: dict | None = None) -> tuple[int, dict]:
        response = await self.http.post(f"/bot{self.fake.default_bot.token}/{method}", json=params or {})
        return response.status_code, response.json()


@pytest.fixture
def world() -> World:
    return World()


def _in_envelope(status: int, body: dict) -> None:
    if body.get("ok") is True:
        assert status == 200 and "result" in body, body
    else:
        assert body.get("ok") is False and body.get("error_code") == status and 400 <= status < 500, (status, body)
        # "Logged out": what Telegram answers a bot for a while after logOut, with no prefix
        # (tdlib/telegram-bot-api#566)
        assert isinstance(body.get("description"), str) and body["description"].split(":")[0] in (
            "Bad Request", "Forbidden", "Too Many Requests", "Unauthorized", "Conflict", "Logged out"), body


def _validates(method: str, body: dict) -> None:
    assert catalogue.problems(body["result"], catalogue.returns(method)) == [], (method, body["result"])


@pytest.mark.parametrize("method", METHODS)
async def test_no_method_answers_method_not_found(world, method):
    for name in {method, method.lower(), method.upper()}:
        status, body = await world.call(name)
        _in_envelope(status, body)
        assert body.get("description") != "Not Found: method not found", name


@pytest.mark.parametrize("method", METHODS)
async def test_a_call_with_no_parameters_gets_what_telegram_gives_it(world, method):
    status, body = await world.call(method)
    _in_envelope(status, body)
    expected = empty_call_refusal(method)
    if expected is None:
        assert body["ok"] is True, body
        _validates(method, body)
    else:
        assert (status, body) == (400, {"ok": False, "error_code": 400, "description": expected}), method


def _value(name: str, types: list[str], chat_id: int, message_id: int, user_id: int):
    """A plausible value of a parameter, from its name where the catalogue's type says too little."""
    if name in ("chat_id", "from_chat_id", "new_owner_chat_id"):
        return chat_id
    if name in ("user_id", "receiver_user_id"):
        return user_id
    if name == "message_id":
        return message_id
    if name == "message_ids":
        return [message_id]
    if name in PLAUSIBLE:
        return PLAUSIBLE[name]
    kind = types[0]
    if kind.startswith("Array of "):
        item = kind[9:]
        return [_value(name[:-1], [item], chat_id, message_id, user_id)]
    if kind in ("InputFile", "String") and "InputFile" in types:
        return PICTURE
    scalar = {"Integer": 1, "Float": 1.5, "Boolean": True, "True": True, "String": f"{name}-1"}
    if kind in scalar:
        return scalar[kind]
    return catalogue.example(kind)


def plausible(method: str, chat_id: int, message_id: int, user_id: int) -> dict:
    if method in ("getChatMenuButton", "setChatMenuButton"):
        chat_id = user_id  # a menu button's chat is a private chat: its chat_id is the user's id
    params = {}
    for field in catalogue.fields(method):
        if field["required"] or field["name"] in ("chat_id", "message_id", "user_id", "text"):
            params[field["name"]] = _value(field["name"], field["types"], chat_id, message_id, user_id)
    if method in MEDIA_LISTS:
        params["media"] = MEDIA_LISTS[method]
    params.pop("business_connection_id", None)  # none is open: the call goes as the bot's own
    return params


def _ignored(description: str, params: dict) -> str | None:
    """A refusal that says a parameter the call carried is missing: the handler did not read it."""
    said = description.lower()
    for name in params:
        spoken = name.replace("_", " ")
        if (f'parameter "{name}" is required' in said or f"there is no {spoken} in the request" in said
                or f"{name} is empty" in said or f"{spoken} is empty" in said or f"invalid {name} specified" in said
                or f"{spoken} isn't specified" in said or f"{spoken} is not specified" in said
                or (name == "message_ids" and "message identifiers are not specified" in said)
                or (name == "action" and "wrong parameter action" in said)):
            return name
    return None


@pytest.mark.parametrize("method", METHODS)
async def test_a_plausible_call_answers_ok_or_a_telegram_error(world, method):
    status, sent = await world.call("sendMessage", {"chat_id": 501, "text": "the bot's message"})
    assert status == 200
    params = plausible(method, 501, sent["result"]["message_id"], ADA["id"])
    status, body = await world.call(method, params)
    _in_envelope(status, body)
    if body["ok"]:
        _validates(method, body)
        return
    assert _ignored(body["description"], params) is None, (method, params, body)


@pytest.mark.parametrize("method", [m for m in METHODS if any(f["name"] == "chat_id" for f in catalogue.fields(m))])
async def test_a_plausible_call_in_a_supergroup_answers_ok_or_a_telegram_error(world, method):
    group = world.people.create_group("Buyers", ADA, [BO])
    supergroup = world.people.upgrade_group(group["id"], ADA)["id"]
    status, sent = await world.call("sendMessage", {"chat_id": supergroup, "text": "the bot's message"})
    assert status == 200, sent
    params = plausible(method, supergroup, sent["result"]["message_id"], BO["id"])
    status, body = await world.call(method, params)
    _in_envelope(status, body)
    if body["ok"]:
        _validates(method, body)
    else:
        assert _ignored(body["description"], params) is None, (method, params, body)


async def test_the_table_covers_the_catalogue_and_nothing_else():
    assert set(FIRST_CHECKS) == set(METHODS)


async def test_typed_parameters_that_do_not_parse_get_the_server_s_words(world):
    cases = [
        ("setMyCommands", {"commands": "[{"}, "Bad Request: can't parse commands JSON object"),
        ("setMyCommands", {"commands": '{"a": 1}'}, "Bad Request: expected an Array of BotCommand"),
        ("getMyCommands", {"scope": "{"}, "Bad Request: can't parse BotCommandScope JSON object"),
        ("banChatMember", {"chat_id": 501, "user_id": "abc"}, "Bad Request: invalid user_id specified"),
        ("deleteMessages", {"chat_id": 501, "message_ids": "[1,"}, "Bad Request: can't parse message_ids JSON object"),
        ("deleteMessages", {"chat_id": 501, "message_ids": '["x"]'},
         "Bad Request: can't parse message identifier as a Number"),
        ("banChatSenderChat", {"chat_id": 501, "sender_chat_id": "-100x"},
         "Bad Request: sender_chat_id is not a valid Integer"),
        ("readBusinessMessage", {"business_connection_id": "b", "chat_id": "12a", "message_id": 1},
         "Bad Request: chat identifier must be a valid Integer"),
        ("setChatMenuButton", {"menu_button": "nope"}, "Bad Request: can't parse menu button JSON object"),
        ("getChatMenuButton", {"chat_id": ""}, "Bad Request: invalid chat_id specified"),  # present, so read
        ("sendPoll", {"chat_id": 501, "question": "?", "options": '{"a": 1}'},
         "Bad Request: expected an Array of String as options"),
        ("getUserProfilePhotos", {"user_id": 999}, "Bad Request: user not found"),
        ("sendLocation", {"chat_id": 501, "latitude": " "}, "Bad Request: latitude is empty"),  # trimmed
        ("getCustomEmojiStickers", {"custom_emoji_ids": "[5368324170671202286]"},
         "Bad Request: custom emoji identifier must be of type String"),
        ("getCustomEmojiStickers", {"custom_emoji_ids": '["53x"]'},
         "Bad Request: invalid custom emoji identifier specified"),
    ]
    for method, params, description in cases:
        assert await world.call(method, params) == (400, {"ok": False, "error_code": 400,
                                                          "description": description}), method


async def test_the_walk_fails_a_handler_that_answers_wrongly(monkeypatch):
    """Broken on purpose: a sendPhoto that answers a malformed Message, one that never reads its photo, and one
    that serves a call with no parameters are each caught by the walk."""
    from integration_lab.fakes.telegram import registry
    from integration_lab.fakes.telegram.errors import bad_request

    broken = {
        "malformed": lambda fake, bot, args: {"message_id": 1},
        "deaf": lambda fake, bot, args: (_ for _ in ()).throw(bad_request("there is no photo in the request")),
        "lax": lambda fake, bot, args: {"message_id": 1, "date": 0, "chat": {"id": 501, "type": "private"}},
    }
    for name, handler in broken.items():
        monkeypatch.setitem(registry.METHODS, "sendphoto", handler)
        with pytest.raises(AssertionError):
            if name == "lax":
                await test_a_call_with_no_parameters_gets_what_telegram_gives_it(World(), "sendPhoto")
            else:
                await test_a_plausible_call_answers_ok_or_a_telegram_error(World(), "sendPhoto")


async def test_aiogram_reads_every_result_the_walk_gets():
    """A real client's own models, stricter than the catalogue's types (a literal `type`, an enumeration), read
    every result the plausible calls get: aiogram's Response[<the method's __returning__>]."""
    from aiogram import Bot, methods
    from aiogram.methods.base import Response, TelegramMethod

    by_name = {cls.__api_method__: cls for cls in vars(methods).values()
               if isinstance(cls, type) and issubclass(cls, TelegramMethod) and cls is not TelegramMethod}
    bot, unread, read = Bot("42:" + "a" * 35), [], 0
    for method in METHODS:
        world = World()
        sent = (await world.call("sendMessage", {"chat_id": 501, "text": "x"}))[1]["result"]
        status, body = await world.call(method, plausible(method, 501, sent["message_id"], ADA["id"]))
        if body["ok"]:
            try:
                Response[by_name[method].__returning__].model_validate(body, context={"bot": bot})
                read += 1
            except ValueError as error:  # pydantic's ValidationError
                unread.append(f"{method}: {str(error)[:300]}")
    assert unread == [] and read >= 80  # the families refuse more plausible-looking calls than the floor did
