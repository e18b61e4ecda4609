"""The shop bot's start-up step: it tells Telegram its commands and descriptions once per start, and a
Telegram that refuses or is unreachable is logged, never the end of the shop."""

from __future__ import annotations

import asyncio
import logging

from integration_lab.app.bot.profile import COMMANDS, DESCRIPTION, SHORT_DESCRIPTION
from integration_lab.app.service import Options, build_shop
from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from integration_lab.fakes.telegram.profile_methods import menu_for, profile_for
from integration_lab.scenarios.journeys import journey_world
from integration_lab.shop_server import shop_app


async def no_wait(seconds: float) -> None:
    return None


async def test_a_started_shop_shows_its_commands_and_descriptions(lab):
    world = await journey_world(lab)
    try:
        assert world.shop.announced == {"setMyCommands": "ok", "setMyDescription": "ok",
                                        "setMyShortDescription": "ok"}
        bot = world.telegram.default_bot
        People(world.telegram).send(601, {"id": 601, "first_name": "Ada", "language_code": "en"}, "hi")
        menu = menu_for(bot, bot.chats[601], 601, "en")
        assert [c["command"] for c in menu["commands"]] == ["start", "catalog", "show", "buy", "refund", "club", "help"]
        assert menu["scope"] == {"type": "default", "language_code": ""}
        assert profile_for(bot, "en")["description"] == DESCRIPTION
        assert profile_for(bot)["short_description"] == SHORT_DESCRIPTION
        assert await world.shop.start() is world.shop.announced  # once per start: a second call sends nothing
    finally:
        await world.close()


async def test_a_refusing_telegram_does_not_stop_the_shop(lab, caplog):
    fake = TelegramFake(lab.clock, lab.ids)
    fake.faults.add("server_error", "setMyCommands", 10)  # every attempt, retries included
    shop = await build_shop(Options(telegram_token=fake.default_bot.token), backend=lab.backend, clock=lab.clock,
                            telegram_transport=AsyncTelegramTransport(fake), sleep=no_wait)
    with caplog.at_level(logging.WARNING):
        outcomes = await shop.start()
    assert outcomes == {"setMyCommands": "Internal Server Error", "setMyDescription": "ok",
                        "setMyShortDescription": "ok"}
    assert "setMyCommands failed" in caplog.text
    assert shop.breakers["telegram"].describe()["failures"] == 0  # the replies' breaker never heard of it
    handled = await shop.bot.handle({"update_id": 1, "message": {
        "message_id": 1, "date": 0, "chat": {"id": 601, "type": "private"},
        "from": {"id": 601, "is_bot": False, "first_name": "Ada"}, "text": "/help"}})
    assert handled.reply.startswith("Commands:")  # the shop serves on


async def test_an_unreachable_telegram_is_logged(lab, caplog):
    shop = await build_shop(Options(telegram_api="http://127.0.0.1:9"), backend=lab.backend, clock=lab.clock,
                            sleep=no_wait)
    with caplog.at_level(logging.WARNING):
        outcomes = await shop.start()
    assert set(outcomes) == {"setMyCommands", "setMyDescription", "setMyShortDescription"}
    assert all(outcome.startswith("no answer") for outcome in outcomes.values()), outcomes
    assert len(COMMANDS) == 7


async def test_serve_app_starts_the_bot_at_lifespan_startup(lab):
    """`serve app`'s lifespan: the start-up step runs beside the outbox drain, without holding up startup."""
    fake = TelegramFake(lab.clock, lab.ids)
    shop = await build_shop(Options(telegram_token=fake.default_bot.token), backend=lab.backend, clock=lab.clock,
                            telegram_transport=AsyncTelegramTransport(fake), sleep=no_wait)
    inbox: asyncio.Queue = asyncio.Queue()
    sent: list[dict] = []
    await inbox.put({"type": "lifespan.startup"})

    async def send(message):
        sent.append(message)

    running = asyncio.create_task(shop_app(shop)({"type": "lifespan"}, inbox.get, send))
    for _ in range(200):
        if shop.announced and len(shop.announced) == 3:
            break
        await asyncio.sleep(0.01)
    await inbox.put({"type": "lifespan.shutdown"})
    await running
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert shop.announced == {"setMyCommands": "ok", "setMyDescription": "ok", "setMyShortDescription": "ok"}
    assert profile_for(fake.default_bot)["short_description"] == SHORT_DESCRIPTION


async def test_shutdown_during_a_drain_whose_redis_client_swallowed_the_cancel_still_ends(lab):
    """redis-py's asyncio client can swallow a cancellation that lands while a command is in flight (fakeredis
    too): the drain loop then went to sleep and looped for ever, and `serve app`'s shutdown never completed."""
    fake = TelegramFake(lab.clock, lab.ids)
    shop = await build_shop(Options(telegram_token=fake.default_bot.token), backend=lab.backend, clock=lab.clock,
                            telegram_transport=AsyncTelegramTransport(fake), sleep=no_wait)
    draining = asyncio.Event()

    async def drain_like_a_swallowing_client(**_options):
        draining.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            return []  # what the client did: the command's task ends normally, the cancellation is gone

    shop.parts.outbox.drain = drain_like_a_swallowing_client
    inbox: asyncio.Queue = asyncio.Queue()
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    await inbox.put({"type": "lifespan.startup"})
    running = asyncio.create_task(shop_app(shop)({"type": "lifespan"}, inbox.get, send))
    await asyncio.wait_for(draining.wait(), 5)
    await inbox.put({"type": "lifespan.shutdown"})
    await asyncio.wait_for(running, 5)
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
