"""Provoke one Telegram failure and report what our client and bot made of it.

Each `FAULTS` entry sets the failure up on the fake (the way Telegram would produce it), makes the call a
bot would make, and returns one line: `ok: …` or `<ErrorClass>: <Telegram's description>`. The
client's attempts table shows the retries, and the lab seconds it waited on `retry_after`.
"""

from __future__ import annotations

from ..app.telegram import TelegramError
from .telegram import ShopWorld


async def _flood(world: ShopWorld, chat_id: int) -> str:
    for i in range(8):  # a broadcast burst: more than a private chat allows in 3 seconds
        await world.api.send_message(chat_id, f"Flash sale, part {i + 1}")
    return "sent 8 messages"


async def _revoked(world: ShopWorld, chat_id: int) -> str:
    world.fake.default_bot.revoked = True  # the token was revoked in @BotFather
    return str(await world.api.get_me())


async def _blocked(world: ShopWorld, chat_id: int) -> str:
    world.people.block(chat_id)
    return str(await world.api.send_message(chat_id, "Your order shipped"))


async def _chat_not_found(world: ShopWorld, chat_id: int) -> str:
    return str(await world.api.send_message(chat_id + 1, "Hello stranger"))  # someone who never wrote to us


async def _timeout_lost(world: ShopWorld, chat_id: int) -> str:
    world.fake.faults.add("timeout", "sendMessage")  # the request never reached Telegram's servers
    return str(await world.api.send_message(chat_id, "Payment received"))


async def _timeout_applied(world: ShopWorld, chat_id: int) -> str:
    world.fake.faults.add("timeout", "sendMessage", applied=True)  # delivered; only the answer was lost
    return str(await world.api.send_message(chat_id, "Payment received"))


async def _server_errors(world: ShopWorld, chat_id: int) -> str:
    world.fake.faults.add("server_error", "getMe", times=2, status=502, description="Bad Gateway")
    return f"getMe answered @{(await world.api.get_me())['username']}"


async def _migration(world: ShopWorld, chat_id: int) -> str:
    ada = world.user("Ada")
    group = world.people.create_group("Lab Shop buyers", ada)
    world.people.upgrade_group(group["id"], ada)
    await world.bot._say(group["id"], "New arrivals today")  # the bot follows the group to its new id
    return f"delivered in chat {world.bot.moved_chats[group['id']]}"


FAULTS = {"flood": _flood, "revoked_token": _revoked, "blocked": _blocked, "chat_not_found": _chat_not_found,
          "timeout_lost": _timeout_lost, "timeout_applied": _timeout_applied, "server_errors": _server_errors,
          "migration": _migration}


async def provoke(world: ShopWorld, fault: str) -> str:
    if fault not in FAULTS:
        raise ValueError(f"unknown fault {fault!r}; choose one of {', '.join(FAULTS)}")
    chat_id = world.user("Ada")["id"]
    world.people.send(chat_id, world.user("Ada"), "hi")  # a private chat exists once the user wrote first
    try:
        return "ok: " + await FAULTS[fault](world, chat_id)
    except TelegramError as error:
        code = f" ({error.code})" if error.code else ""
        return f"{type(error).__name__}{code}: {error.description}"
