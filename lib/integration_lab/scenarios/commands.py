"""The commands-and-menus scenario (notebooks/telegram/06_commands_and_menus): our client sets command lists
per scope and language, a menu button and the bot's texts; people in a private chat and a group open the menu.

Every view is a DataFrame (and one picture): the lists set, what each person's menu shows and which scope gave
it (the Bot API's "Determining list of commands"), the menu button, the profile per language, the refusals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from ..app.telegram.client import TelegramError
from ..fakes.telegram.profile_methods import GROUP_ORDER, PRIVATE_ORDER, menu_for, profile, profile_for
from ..notebook.picture import Picture
from .telegram import ShopWorld, shop_world

GROUP = "group"


@dataclass
class MenusWorld:
    shop: ShopWorld
    languages: dict[str, str]  # person -> their app's language
    admins: list[str]
    group_id: int = 0
    sent: list[dict] = field(default_factory=list)  # the setMyCommands calls made, for the table

    @property
    def api(self):
        return self.shop.api

    @property
    def bot(self):
        return self.shop.fake.default_bot

    def person(self, name: str) -> dict:
        return {**self.shop.user(name), "language_code": self.languages[name]}

    def chat_id(self, chat: str, name: str | None = None) -> int:
        return self.group_id if chat == GROUP else self.person(chat if chat != "private" else name)["id"]


async def menus_world(lab, languages: dict[str, str], admins: list[str]) -> MenusWorld:
    """People who each wrote to the bot, and a group the first of them made with all of them and the bot."""
    shop = await shop_world(lab, mode="manual")
    world = MenusWorld(shop, dict(languages), list(admins))
    names = list(languages)
    for name in names:
        shop.people.send(world.person(name)["id"], world.person(name), "/start")
    group = shop.people.create_group("Lab Shop buyers", world.person(names[0]), [world.person(n) for n in names[1:]])
    world.group_id = group["id"]
    return world


def _scope(world: MenusWorld, entry: dict) -> dict:
    scope = {"type": entry.get("scope", "default")}
    if "chat" in entry:
        scope["chat_id"] = world.chat_id(entry["chat"], entry.get("person"))
    if "person" in entry and scope["type"] == "chat_member":
        scope["user_id"] = world.person(entry["person"])["id"]
    return scope


def _where(entry: dict) -> str:
    return " ".join(filter(None, [entry.get("chat", ""), entry.get("person", "") if entry.get("scope") ==
                                  "chat_member" else ""]))


async def set_lists(world: MenusWorld, lists: list[dict]) -> pd.DataFrame:
    """setMyCommands for each list (`{"scope", "chat"?, "person"?, "language_code"?, "commands": {name: what}}`)
    through our client; one row per call with Telegram's answer."""
    rows = []
    for entry in lists:
        commands = [{"command": name, "description": what} for name, what in entry["commands"].items()]
        options = {"language_code": entry["language_code"]} if entry.get("language_code") else {}
        try:
            await world.api.set_my_commands(commands, scope=_scope(world, entry), **options)
            answer = "ok"
        except TelegramError as refused:
            answer = refused.description
        rows.append({"scope": entry.get("scope", "default"), "chat / person": _where(entry),
                     "language": entry.get("language_code", ""), "commands": " ".join(f"/{c}" for c in
                                                                                   entry["commands"]),
                     "answer": answer})
    return pd.DataFrame(rows)


def _viewers(world: MenusWorld) -> list[tuple[str, str]]:
    return [(name, chat) for chat in ("private", GROUP) for name in world.languages]


SCOPES = ["default", "all_private_chats", "all_group_chats", "all_chat_administrators", "chat", "chat_administrators",
          "chat_member"]


async def try_list(world: MenusWorld, scope: str, language_code: str, commands: str, chat: str, person: str):
    """The Try-it panel: set one list (commands named by words, each described by its name) and show every
    person's menu, or Telegram's refusal."""
    entry = {"scope": scope, "language_code": language_code,
             "commands": {name: name.title() for name in commands.split()}}
    if scope in ("chat", "chat_administrators", "chat_member"):
        entry["chat"] = chat
    if scope == "chat_member":
        entry["person"] = person
    answer = await set_lists(world, [entry])
    return answer if answer["answer"][0] != "ok" else menus_table(world)


def menus_table(world: MenusWorld) -> pd.DataFrame:
    """What each person's menu shows in their private chat and in the group, and the scope it came from."""
    rows = []
    for name, chat in _viewers(world):
        seen = _seen(world, name, chat)
        scope = seen["scope"]
        rows.append({"person": name, "chat": chat, "app language": world.languages[name],
                     "administrator": name in world.admins if chat == GROUP else "",
                     "menu shows": " ".join(f"/{c['command']}" for c in seen["commands"]) or "(no menu)",
                     "from scope": f"{scope['type']}{' + ' + scope['language_code'] if scope['language_code'] else ''}"
                     if scope else "", "menu button": _button(seen["menu_button"]) if chat == "private" else ""})
    return pd.DataFrame(rows)


def _seen(world: MenusWorld, name: str, chat: str) -> dict:
    chat_id = world.chat_id(chat, name)
    return menu_for(world.bot, world.bot.chats[chat_id], world.person(name)["id"], world.languages[name],
                    admin=name in world.admins if chat == GROUP else None)


def _button(button: dict) -> str:
    if button["type"] == "web_app":
        return f"web_app {button['text']!r} -> {button['web_app']['url']}"
    return button["type"]


def menus_by_viewer(world: MenusWorld) -> dict[str, str]:
    """{"Ada/private": "/start /catalog", …}: the menus as the expectations name them."""
    table = menus_table(world)
    return {f"{r['person']}/{r['chat']}": r["menu shows"] for _, r in table.iterrows()}


def resolution_plot(world: MenusWorld):
    """Each person's fallback chain, left to right in Telegram's order: grey where the step does not apply
    (another chat kind, not an administrator, no language), white where no list is set, light blue where a list
    is set but an earlier step won, green for the list the menu shows."""
    viewers = _viewers(world)
    columns = [*GROUP_ORDER[:8], ("all_private_chats", True), ("all_private_chats", False), *GROUP_ORDER[8:]]
    steps = [f"{kind}{' + lang' if lang else ''}" for kind, lang in columns]  # both orders keep theirs here
    # a Figure without pyplot: scenarios/ is preloaded by the kernel fork server, which refuses pyplot
    fig = Figure(figsize=(13, 1.6 + 0.45 * len(viewers)))
    ax = fig.subplots()
    lists = profile(world.bot).commands
    for row, (name, chat) in enumerate(viewers):
        order = PRIVATE_ORDER if chat == "private" else GROUP_ORDER
        language = world.languages[name]
        admin = chat == GROUP and name in world.admins
        won = False
        for column, (kind, with_language) in enumerate(columns):
            applies = (kind, with_language) in order and (admin or "administrators" not in kind) \
                and (language or not with_language)
            chat_id = world.chat_id(chat, name)
            key = (kind, chat_id if kind.startswith("chat") else 0,
                   world.person(name)["id"] if kind == "chat_member" else 0)
            is_set = applies and bool(lists.get((key, language if with_language else "")))
            colour = "#dddddd" if not applies else "white"
            if is_set:
                colour = "#a6cee3" if won else "#33a02c"
                won = True
            ax.add_patch(Rectangle((column, row), 0.95, 0.85, facecolor=colour, edgecolor="#999999"))
    ax.set_xlim(0, len(steps))
    ax.set_ylim(len(viewers), -0.15)
    ax.set_xticks([i + 0.47 for i in range(len(steps))], steps, rotation=40, ha="right", fontsize=8)
    ax.set_yticks([i + 0.42 for i in range(len(viewers))], [f"{n} in {c} ({world.languages[n]})"
                                                           for n, c in viewers], fontsize=9)
    ax.set_title("Which command list each person's menu shows, in Telegram's order")
    ax.legend(handles=[Patch(facecolor=c, edgecolor="#999999", label=label) for c, label in (
        ("#33a02c", "shown"), ("#a6cee3", "set, but an earlier one wins"), ("white", "not set"),
        ("#dddddd", "does not apply"))], loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    fig.tight_layout()
    return Picture(fig)


async def exact_lists(world: MenusWorld, asks: list[dict]) -> pd.DataFrame:
    """getMyCommands for each scope and language asked: the exact list set there, never a fallback."""
    rows = []
    for entry in asks:
        options = {"language_code": entry["language_code"]} if entry.get("language_code") else {}
        got = await world.api.call("getMyCommands", scope=_scope(world, entry), **options)
        rows.append({"scope": entry.get("scope", "default"), "chat / person": _where(entry),
                     "language": entry.get("language_code", ""),
                     "getMyCommands": " ".join(f"/{c['command']}" for c in got) or "[]"})
    return pd.DataFrame(rows)


async def set_menu_button(world: MenusWorld, button: dict | None, person: str | None) -> str:
    """setChatMenuButton for one person (or, with None, the bot's own): "ok" or Telegram's refusal."""
    chat = {"chat_id": world.person(person)["id"]} if person else {}
    try:
        await world.api.call("setChatMenuButton", menu_button=button, **chat)
    except TelegramError as refused:
        return refused.description
    return "ok"


async def menu_buttons(world: MenusWorld) -> pd.DataFrame:
    """getChatMenuButton for the bot and each person, beside the button each person sees."""
    rows = [{"asked for": "the bot (no chat_id)", "getChatMenuButton": _button(await world.api.call(
        "getChatMenuButton")), "the person sees": ""}]
    for name in world.languages:
        got = await world.api.call("getChatMenuButton", chat_id=world.person(name)["id"])
        rows.append({"asked for": name, "getChatMenuButton": _button(got),
                     "the person sees": _button(_seen(world, name, "private")["menu_button"])})
    return pd.DataFrame(rows)


async def set_texts(world: MenusWorld, texts: dict[str, dict[str, str]]) -> pd.DataFrame:
    """setMyName / setMyDescription / setMyShortDescription per language ("" is every language)."""
    methods = {"name": "setMyName", "description": "setMyDescription", "short_description": "setMyShortDescription"}
    rows = []
    for language, values in texts.items():
        for kind, value in values.items():
            options = {"language_code": language} if language else {}
            try:
                await world.api.call(methods[kind], **{kind: value}, **options)
                answer = "ok"
            except TelegramError as refused:
                answer = refused.description
            rows.append({"method": methods[kind], "language": language or "(every)", "length": len(value),
                         "answer": answer})
    return pd.DataFrame(rows)


async def profiles_table(world: MenusWorld) -> pd.DataFrame:
    """The bot's profile as each person sees it (their language, else the texts for every language), and getMe."""
    me = await world.api.get_me()
    rows = [{"seen by": "getMe (the bot)", "language": "", "name": me["first_name"], "description": "",
             "short description": ""}]
    for name, language in world.languages.items():
        seen = profile_for(world.bot, language)
        rows.append({"seen by": name, "language": language, "name": seen["first_name"],
                     "description": seen["description"], "short description": seen["short_description"]})
    return pd.DataFrame(rows)


async def refusals(world: MenusWorld, cases: dict[str, Any]) -> pd.DataFrame:
    """Each bad setMyCommands (`{label: {"commands": [...], "scope"?, "language_code"?}}`): Telegram's answer,
    and whether the default list stayed as it was."""
    before = await world.api.call("getMyCommands")
    rows = []
    for label, case in cases.items():
        params = {"commands": case["commands"]}
        if "scope" in case:
            scope = case["scope"]  # {"scope", "chat"?, "person"?} as in the lists, or a BotCommandScope as sent
            params["scope"] = _scope(world, scope) if isinstance(scope, dict) and "type" not in scope else scope
        if "language_code" in case:
            params["language_code"] = case["language_code"]
        try:
            await world.api.call("setMyCommands", **params)
            answer = "ok"
        except TelegramError as refused:
            answer = f"{refused.code} {refused.description}"
        rows.append({"case": label, "answer": answer,
                     "list unchanged": await world.api.call("getMyCommands") == before})
    return pd.DataFrame(rows)

