"""Commands, menus and the bot's profile on the Telegram fake: scopes and languages resolved in the Bot API's
documented order, Telegram's refusals in its words, results that validate against the catalogue, and real
python-telegram-bot and aiogram bots setting them unmodified."""

from __future__ import annotations

import json

import httpx
import pytest

from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from integration_lab.fakes.telegram.catalogue import problems, returns
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory

pytestmark = pytest.mark.redis_free

ADA = {"id": 501, "first_name": "Ada", "language_code": "en"}
BO = {"id": 502, "first_name": "Bo", "language_code": "de"}
START = {"command": "start", "description": "Start"}


class Api:
    """The fake through its transport: `ok` results are checked against the catalogue, refusals returned."""

    def __init__(self, fake: TelegramFake):
        self.fake = fake
        self.http = httpx.AsyncClient(transport=AsyncTelegramTransport(fake), base_url="https://api.telegram.org")

    async def raw(self, method: str, **params) -> dict:
        response = await self.http.post(f"/bot{self.fake.default_bot.token}/{method}", json=params)
        body = response.json()
        assert response.status_code == (200 if body["ok"] else body["error_code"])
        if body["ok"]:
            assert problems(body["result"], returns(method)) == [], body
        return body

    async def __call__(self, method: str, **params):
        body = await self.raw(method, **params)
        assert body["ok"], body
        return body["result"]

    async def refused(self, method: str, **params) -> str:
        body = await self.raw(method, **params)
        assert not body["ok"] and body["error_code"] == 400, body
        return body["description"]

    async def control(self, verb: str, path: str, **query) -> dict:
        response = await self.http.request(verb, f"/_lab/{path}", params=query)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def world():
    fake = TelegramFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(7))
    people = People(fake)
    people.send(501, ADA, "/start")
    people.send(502, BO, "hi")
    group = people.create_group("Buyers", ADA, [BO])
    return fake, people, Api(fake), group["id"]


def names(commands: list[dict]) -> list[str]:
    return [c["command"] for c in commands]


async def test_get_returns_the_exact_scope_and_language_only(world):
    fake, people, api, group = world
    assert await api("setMyCommands", commands=[START, {"command": "/help ", "description": " Help "}])
    assert await api("getMyCommands") == [START, {"command": "help", "description": "Help"}]  # trimmed, no '/'
    assert await api("getMyCommands", language_code="de") == []  # no fallback to the default list
    assert await api("setMyCommands", commands=[{"command": "hilfe", "description": "Hilfe"}], language_code="de")
    assert names(await api("getMyCommands", language_code="de")) == ["hilfe"]
    assert await api("getMyCommands", scope={"type": "all_private_chats"}) == []
    assert await api("deleteMyCommands", language_code="de")
    assert await api("getMyCommands", language_code="de") == []
    assert await api("setMyCommands", commands=[]) and await api("getMyCommands") == []  # empty = deleted


async def test_menu_resolves_in_the_documented_order(world):
    fake, people, api, group = world
    await api("setMyCommands", commands=[START])
    await api("setMyCommands", commands=[{"command": "hilfe", "description": "Hilfe"}], language_code="de")
    await api("setMyCommands", commands=[{"command": "dm", "description": "Private"}],
              scope={"type": "all_private_chats"})
    await api("setMyCommands", commands=[{"command": "group", "description": "Groups"}],
              scope={"type": "all_group_chats"})
    await api("setMyCommands", commands=[{"command": "admin", "description": "Admins"}],
              scope={"type": "all_chat_administrators"})
    await api("setMyCommands", commands=[{"command": "ada", "description": "Ada here"}],
              scope={"type": "chat_member", "chat_id": group, "user_id": 501})
    await api("setMyCommands", commands=[{"command": "adachat", "description": "Ada's chat"}],
              scope={"type": "chat", "chat_id": 501}, language_code="en")

    async def menu(chat: int, user: int, language: str = "", **extra) -> tuple[list[str], dict | None]:
        seen = await api.control("GET", f"chats/{chat}/menu", user_id=user, language_code=language, **extra)
        return names(seen["commands"]), seen["scope"]

    assert await menu(501, 501, "en") == (["adachat"], {"type": "chat", "language_code": "en"})
    assert await menu(501, 501, "fr") == (["dm"], {"type": "all_private_chats", "language_code": ""})
    assert await menu(502, 502, "de") == (["dm"], {"type": "all_private_chats", "language_code": ""})
    assert await menu(group, 501) == (["ada"], {"type": "chat_member", "language_code": ""})
    assert await menu(group, 502) == (["group"], {"type": "all_group_chats", "language_code": ""})
    assert await menu(group, 502, admin="true") == (["admin"], {"type": "all_chat_administrators",
                                                                 "language_code": ""})
    await api("deleteMyCommands", scope={"type": "all_group_chats"})
    assert await menu(group, 502, "de") == (["hilfe"], {"type": "default", "language_code": "de"})
    assert await menu(group, 502, "fr") == (["start"], {"type": "default", "language_code": ""})
    outsider = await api.http.get("/_lab/chats/501/menu", params={"user_id": 502})
    assert outsider.status_code == 400 and "not in chat 501" in outsider.json()["error"]
    # the person's own language when the route is not told one
    seen = await api.control("GET", f"chats/{group}/menu", user_id=502)
    assert seen["language_code"] == "de" and names(seen["commands"]) == ["hilfe"]


@pytest.mark.parametrize("params, description", [
    ({"commands": "[{"}, "Bad Request: can't parse commands JSON object"),
    ({"commands": {"command": "a"}}, "Bad Request: expected an Array of BotCommand"),
    ({"commands": [{"command": "a"}]}, 'Bad Request: can\'t parse BotCommand: Can\'t find field "description"'),
    ({"commands": ["a"]}, "Bad Request: can't parse BotCommand: expected an Object"),
    ({"commands": [{"command": " / ", "description": "x"}]}, "Bad Request: command must be non-empty"),
    ({"commands": [{"command": "a" * 33, "description": "x"}]}, "Bad Request: command length must not exceed 32"),
    ({"commands": [{"command": "a", "description": "  "}]}, "Bad Request: command description must be non-empty"),
    ({"commands": [{"command": "a", "description": "d" * 257}]},
     "Bad Request: command description length must not exceed 256"),
    ({"commands": [{"command": "Start", "description": "x"}]}, "Bad Request: BOT_COMMAND_INVALID"),
    ({"commands": [{"command": "my-cart", "description": "x"}]}, "Bad Request: BOT_COMMAND_INVALID"),
    ({"commands": [{"command": f"c{i}", "description": "x"} for i in range(101)]},
     "Bad Request: BOT_COMMANDS_TOO_MUCH"),
    ({"commands": [START], "language_code": "EN"}, "Bad Request: invalid language code specified"),
    ({"commands": [START], "language_code": "eng"}, "Bad Request: invalid language code specified"),
    ({"commands": [START], "scope": "{"}, "Bad Request: can't parse BotCommandScope JSON object"),
    ({"commands": [START], "scope": {"type": "everyone"}},
     "Bad Request: can't parse BotCommandScope: Unsupported type specified"),
    ({"commands": [START], "scope": {"type": "chat"}},
     'Bad Request: can\'t parse BotCommandScope: Can\'t find field "chat_id"'),
    ({"commands": [START], "scope": {"type": "chat", "chat_id": ""}},
     "Bad Request: can't parse BotCommandScope: Empty chat_id specified"),
    ({"commands": [START], "scope": {"type": "chat_member", "chat_id": 501, "user_id": 0}},
     "Bad Request: can't parse BotCommandScope: Invalid user_id specified"),
    ({"commands": [START], "scope": {"type": "chat", "chat_id": 999}}, "Bad Request: chat not found"),
    ({"commands": [START], "scope": {"type": "chat_administrators", "chat_id": 501}},
     "Bad Request: can't use specified scope in private chats"),
])
async def test_set_my_commands_refusals_change_nothing(world, params, description):
    fake, people, api, group = world
    await api("setMyCommands", commands=[START])
    params = {k: json.dumps(v) if k in ("commands", "scope") and not isinstance(v, str) else v
              for k, v in params.items()}
    assert await api.refused("setMyCommands", **params) == description
    assert await api("getMyCommands") == [START]


async def test_menu_button_per_person_and_default(world):
    fake, people, api, group = world
    assert await api("getChatMenuButton") == {"type": "commands"}
    assert await api("getChatMenuButton", chat_id=501) == {"type": "default"}
    shop = {"type": "web_app", "text": "Shop", "web_app": {"url": "https://Shop.example"}}
    assert await api("setChatMenuButton", chat_id=501, menu_button=shop)
    assert await api("getChatMenuButton", chat_id=501) == {"type": "web_app", "text": "Shop",
                                                           "web_app": {"url": "https://shop.example/"}}
    assert (await api.control("GET", "chats/501/menu", user_id=501))["menu_button"]["type"] == "web_app"
    assert (await api.control("GET", "chats/502/menu", user_id=502))["menu_button"] == {"type": "commands"}
    assert await api("setChatMenuButton", menu_button={"type": "web_app", "text": "Open",
                                                       "web_app": {"url": "https://a.example/app"}})
    assert (await api.control("GET", "chats/502/menu", user_id=502))["menu_button"]["text"] == "Open"
    assert await api("setChatMenuButton", chat_id=501)  # no menu_button: back to the bot's
    assert await api("getChatMenuButton", chat_id=501) == {"type": "default"}
    assert await api.refused("setChatMenuButton", chat_id=501, menu_button=json.dumps(
        {"type": "web_app", "text": "Shop", "web_app": {"url": "http://shop.example"}})) == \
        "Bad Request: menu button Web App URL 'http://shop.example' is invalid: Only HTTPS links are allowed"
    assert await api.refused("setChatMenuButton", menu_button=json.dumps({"type": "web_app", "text": "",
                             "web_app": {"url": "https://x.example"}})) == "Bad Request: menu button text must be non-empty"
    assert await api.refused("setChatMenuButton", menu_button='{"type":"bogus"}') == \
        "Bad Request: can't parse menu button: MenuButton has unsupported type"
    assert await api.refused("setChatMenuButton", menu_button='{"type":"web_app","text":"a"}') == \
        'Bad Request: can\'t parse menu button: Can\'t find field "web_app"'
    assert await api.refused("getChatMenuButton", chat_id=-5) == "Bad Request: invalid chat_id specified"
    assert await api.refused("getChatMenuButton", chat_id=777) == "Bad Request: user not found"
    assert (await api("getChatMenuButton"))["text"] == "Open"  # the refusals changed nothing


async def test_name_and_descriptions_per_language(world):
    fake, people, api, group = world
    assert await api("getMyName") == {"name": "Lab Shop"}
    assert await api("setMyName", name="Shop Bot")
    assert await api("setMyName", name="Laden", language_code="de")
    assert (await api("getMe"))["first_name"] == "Shop Bot"
    assert await api("getMyName", language_code="de") == {"name": "Laden"}
    assert await api("getMyName", language_code="fr") == {"name": ""}
    assert await api("setMyDescription", description="Buy things here.")
    assert await api("setMyShortDescription", short_description="Kaufen", language_code="de")
    assert await api("getMyDescription") == {"description": "Buy things here."}
    assert await api("getMyShortDescription") == {"short_description": ""}
    assert await api("getMyShortDescription", language_code="de") == {"short_description": "Kaufen"}
    seen = (await api.control("GET", "profile", user_id=502))["profile"]
    assert seen == {"first_name": "Laden", "username": "lab_shop_bot", "description": "Buy things here.",
                    "short_description": "Kaufen", "has_photo": False}
    assert (await api.control("GET", "profile", language_code="fr"))["profile"]["first_name"] == "Shop Bot"
    assert await api.refused("setMyName", name="n" * 65) == "Bad Request: name is too long"
    assert await api.refused("setMyDescription", description="d" * 513) == "Bad Request: description is too long"
    assert await api.refused("setMyShortDescription", short_description="s" * 121) == \
        "Bad Request: short description is too long"
    assert await api.refused("setMyDescription", description="x", language_code="deu") == \
        "Bad Request: invalid language code specified"
    assert await api("setMyDescription", description="d" * 512)
    assert await api("setMyShortDescription", short_description="", language_code="de")  # removed
    assert await api("getMyShortDescription", language_code="de") == {"short_description": ""}
    fake.reset()
    assert (await api("getMe"))["first_name"] == "Lab Shop" and await api("getMyName") == {"name": "Lab Shop"}


async def test_default_administrator_rights(world):
    fake, people, api, group = world
    groups = await api("getMyDefaultAdministratorRights")
    assert groups["can_pin_messages"] is False and "can_post_messages" not in groups
    assert await api("setMyDefaultAdministratorRights", rights={"can_delete_messages": True,
                                                                "can_pin_messages": True})
    assert await api("setMyDefaultAdministratorRights", rights={"can_post_messages": True}, for_channels=True)
    groups = await api("getMyDefaultAdministratorRights")
    channels = await api("getMyDefaultAdministratorRights", for_channels=True)
    assert groups["can_delete_messages"] and groups["can_pin_messages"] and not groups["can_manage_chat"]
    assert channels["can_post_messages"] and "can_pin_messages" not in channels
    assert await api.refused("setMyDefaultAdministratorRights", rights='{"can_pin_messages": 1}') == \
        'Bad Request: can\'t parse ChatAdministratorRights: Field "can_pin_messages" must be of type Boolean'
    assert await api("setMyDefaultAdministratorRights")  # no rights: cleared
    assert (await api("getMyDefaultAdministratorRights"))["can_delete_messages"] is False


async def test_ptb_sets_commands_and_description_at_start_up(served_telegram):
    """A python-telegram-bot Application's post_init, as a team's bot does it, unmodified."""
    from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeChat
    from telegram.ext import Application

    server = served_telegram
    server.control("POST", "reset")
    server.user_says(42, "hi")

    async def post_init(app):
        await app.bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("cart", "Your cart")])
        await app.bot.set_my_commands([BotCommand("start", "Beginnen")], language_code="de")
        await app.bot.set_my_commands([BotCommand("orders", "Your orders")], scope=BotCommandScopeChat(42))
        await app.bot.set_my_commands([BotCommand("catalog", "Browse")], scope=BotCommandScopeAllGroupChats())
        await app.bot.set_my_description("The lab's shop.")
        await app.bot.set_my_short_description("Shop", language_code="de")

    app = Application.builder().token(server.token).base_url(f"{server.url}/bot").post_init(post_init).build()
    async with app:
        await post_init(app)  # what run_polling does first
        assert [c.command for c in await app.bot.get_my_commands()] == ["start", "cart"]
        assert (await app.bot.get_my_description()).description == "The lab's shop."
        assert (await app.bot.get_my_short_description(language_code="de")).short_description == "Shop"
    menu = server.control("GET", "chats/42/menu?user_id=42&language_code=de")
    assert [c["command"] for c in menu["commands"]] == ["orders"] and menu["scope"]["type"] == "chat"
    server.control("POST", "reset")


async def test_aiogram_scopes_against_the_resolved_menu(served_telegram):
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import TelegramBadRequest
    from aiogram.types import (BotCommand, BotCommandScopeChat, BotCommandScopeChatMember, BotCommandScopeDefault,
                               MenuButtonWebApp, WebAppInfo)

    server = served_telegram
    server.control("POST", "reset")
    server.user_says(42, "hi")
    group = server.control("POST", "groups", {"title": "Buyers", "from": {"id": 42, "first_name": "Ada"},
                                              "members": [{"id": 43, "first_name": "Bo"}]})["chat"]
    bot = Bot(server.token, session=AiohttpSession(api=TelegramAPIServer.from_base(server.url)))
    try:
        assert await bot.set_my_commands([BotCommand(command="help", description="Help")],
                                         scope=BotCommandScopeDefault())
        assert await bot.set_my_commands([BotCommand(command="vote", description="Vote")],
                                         scope=BotCommandScopeChat(chat_id=group["id"]))
        assert await bot.set_my_commands([BotCommand(command="boss", description="Only Bo")],
                                         scope=BotCommandScopeChatMember(chat_id=group["id"], user_id=43))
        assert await bot.set_chat_menu_button(chat_id=42, menu_button=MenuButtonWebApp(
            text="Shop", web_app=WebAppInfo(url="https://shop.example/app")))
        assert (await bot.get_chat_menu_button(chat_id=42)).web_app.url == "https://shop.example/app"
        with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
            await bot.set_my_commands([BotCommand(command="Help", description="Help")])
    finally:
        await bot.session.close()

    def menu(chat: int, user: int) -> list[str]:
        return [c["command"] for c in server.control("GET", f"chats/{chat}/menu?user_id={user}")["commands"]]

    assert menu(group["id"], 43) == ["boss"] and menu(group["id"], 42) == ["vote"] and menu(42, 42) == ["help"]
    assert server.control("GET", "chats/42/menu?user_id=42")["menu_button"]["text"] == "Shop"
    server.control("POST", "reset")


async def test_seeded_hostile_calls_get_envelopes_and_refusals_change_nothing(world):
    """The hostile generator of test_telegram_hostile aimed at this family: every encoding, Telegram's envelope
    (never a 5xx; the status is error_code), results of the documented type, and a refused call leaves the bot's
    commands, buttons, texts and rights as they were."""
    import copy

    from test_telegram_hostile import Hostile

    from integration_lab.fakes.telegram.profile_methods import METHODS as FAMILY
    from integration_lab.fakes.telegram.profile_methods import profile

    class ProfileHostile(Hostile):
        METHODS = [*FAMILY, "SETMYCOMMANDS"]
        NAMES = ["commands", "scope", "language_code", "menu_button", "chat_id", "name", "description",
                 "short_description", "rights", "for_channels", "photo"]
        SCOPES = [{"type": t, "chat_id": c, "user_id": u} for t in ("default", "chat", "chat_member",
                                                                     "chat_administrators", "bogus", 5)
                  for c in (501, -1, "x", "") for u in (501, 0, "1")]

        def params(self, method: str = "") -> dict:
            params = super().params(method)
            pick = self.rng.random()
            if pick < 0.3:
                params["scope"] = self.rng.choice(self.SCOPES)
            elif pick < 0.6:  # commands that reach TDLib's and Telegram's checks: the scope and language pass
                params["commands"] = [{"command": self.rng.choice(["a", "Start", "/x ", "", "c" * 33, 5, "été"]),
                                       "description": self.rng.choice(["Go", "", " ", "d" * 257, "\ud800",
                                                                       self.value()])}
                                      for _ in range(self.rng.randrange(1, 4))]
                for name in ("scope", "language_code"):
                    if self.rng.random() < 0.8:
                        params.pop(name, None)
            elif pick < 0.8:
                params["menu_button"] = self.rng.choice([
                    {"type": "web_app", "text": self.value(), "web_app": {"url": self.rng.choice(self.URLS)}},
                    {"type": self.rng.choice(["commands", "default", "x", ""])}, "{", [1]])
            return params

    fake, people, api, group = world
    state = profile(fake.default_bot)
    await api("setMyCommands", commands=[START], scope={"type": "chat", "chat_id": 501})
    generator, failures = ProfileHostile(22, [501, 502, group, 999]), []
    for _ in range(300):
        method, query, body, headers = generator.request()
        before = copy.deepcopy(state.__dict__)
        response = await api.http.post(f"/bot{fake.default_bot.token}/{method}" +
                                       (f"?{query.decode()}" if query else ""), content=body, headers=headers)
        answer = response.json()
        if response.status_code >= 500 or (not answer["ok"] and answer["error_code"] != response.status_code):
            failures.append((method, body[:120], response.status_code, answer))
        elif answer["ok"] and method.lower() in {m.lower() for m in FAMILY}:
            name = next(m for m in FAMILY if m.lower() == method.lower())
            if problems(answer["result"], returns(name)):
                failures.append((method, body[:120], "result", answer))
        elif not answer["ok"] and state.__dict__ != before:
            failures.append((method, body[:120], "refused yet changed", answer))
    assert not failures, failures[:5]
