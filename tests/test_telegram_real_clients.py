"""python-telegram-bot and aiogram, unmodified, against the served fake: they must not tell it from Telegram."""

from __future__ import annotations

import asyncio

import pytest
import telegram
import telegram.error as ptb_errors
from aiogram import Bot as AiogramBot
from aiogram import exceptions as aio_errors
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import InlineKeyboardButton as AioButton
from aiogram.types import InlineKeyboardMarkup as AioMarkup

KEYBOARD = telegram.InlineKeyboardMarkup([[telegram.InlineKeyboardButton("Buy", callback_data="buy:1")]])


@pytest.fixture
def server(served_telegram):
    served_telegram.control("POST", "reset")
    yield served_telegram
    served_telegram.control("POST", "reset")


@pytest.fixture
async def ptb(server):
    async with telegram.Bot(server.token, base_url=f"{server.url}/bot") as bot:
        yield bot


@pytest.fixture
async def aio(server):
    bot = AiogramBot(server.token, session=AiohttpSession(api=TelegramAPIServer.from_base(server.url)))
    yield bot
    await bot.session.close()


async def test_ptb_get_me_and_send_with_keyboard(ptb, server):
    me = await ptb.get_me()
    assert me.is_bot and me.username == "lab_shop_bot" and me.can_join_groups is True
    server.user_says(42, "/start")
    sent = await ptb.send_message(42, "<b>Welcome</b>", parse_mode="HTML", reply_markup=KEYBOARD)
    assert sent.text == "Welcome" and sent.entities[0].type == "bold"
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "buy:1"
    assert sent.from_user.id == me.id and sent.chat.type == "private"
    transcript = server.control("GET", "chats/42/messages")["messages"]
    assert [m["direction"] for m in transcript] == ["user → bot", "bot → user"]


async def test_ptb_receives_a_command_and_a_button_press(ptb, server):
    server.user_says(42, "/catalog")
    [update] = await ptb.get_updates(timeout=0)
    assert update.message.text == "/catalog" and update.message.entities[0].type == "bot_command"
    sent = await ptb.send_message(42, "Pick one", reply_markup=KEYBOARD)
    server.control("POST", "chats/42/callbacks",
                   {"from": {"id": 42, "first_name": "Ada"}, "message_id": sent.message_id, "data": "buy:1"})
    [press] = await ptb.get_updates(offset=update.update_id + 1, timeout=0)
    assert press.callback_query.data == "buy:1" and press.callback_query.chat_instance
    assert await ptb.answer_callback_query(press.callback_query.id, text="Added")
    with pytest.raises(ptb_errors.BadRequest, match="(?i)query is too old"):
        await ptb.answer_callback_query(press.callback_query.id)


async def test_ptb_edits_and_errors(ptb, server):
    server.user_says(42, "hi")
    sent = await ptb.send_message(42, "Total: 10 USD", reply_markup=KEYBOARD)
    edited = await ptb.edit_message_text("Total: 12 USD", chat_id=42, message_id=sent.message_id)
    assert edited.text == "Total: 12 USD" and edited.edit_date is not None and edited.reply_markup is None
    with pytest.raises(ptb_errors.BadRequest, match="(?i)message is not modified"):
        await ptb.edit_message_text("Total: 12 USD", chat_id=42, message_id=sent.message_id)
    with pytest.raises(ptb_errors.BadRequest, match="(?i)chat not found"):
        await ptb.send_message(999, "hello?")


async def test_ptb_flood_control_raises_retry_after(ptb, server):
    server.user_says(42, "hi")
    for _ in range(3):
        await ptb.send_message(42, "spam")
    with pytest.raises(ptb_errors.RetryAfter) as caught:
        await ptb.send_message(42, "spam")
    retry_after = caught.value.retry_after  # an int today, a timedelta in PTB's next major version
    assert 1 <= getattr(retry_after, "total_seconds", lambda: retry_after)() <= 3


async def test_ptb_forbidden_migrated_conflict_and_invalid_token(ptb, server):
    server.user_says(42, "hi")
    server.control("POST", "users/42/block")
    with pytest.raises(ptb_errors.Forbidden, match="(?i)bot was blocked by the user"):
        await ptb.send_message(42, "still there?")
    group, supergroup = server.upgraded_group(42, "Ada")
    with pytest.raises(ptb_errors.ChatMigrated) as migrated:
        await ptb.send_message(group["id"], "hello group")
    assert migrated.value.new_chat_id == supergroup["id"]
    await ptb.set_webhook("https://shop.example/telegram/webhook", secret_token="s3cret")
    with pytest.raises(ptb_errors.Conflict, match="(?i)webhook is active"):
        await ptb.get_updates()
    server.control("POST", "faults", {"kind": "revoked_token"})
    with pytest.raises(ptb_errors.InvalidToken):
        await ptb.get_me()


async def test_ptb_webhook_info(ptb, server):
    assert await ptb.set_webhook("https://shop.example/hook", secret_token="s3cret", max_connections=5)
    server.user_says(42, "/start")
    info = await ptb.get_webhook_info()
    assert info.url == "https://shop.example/hook" and info.pending_update_count == 1 and info.max_connections == 5
    assert await ptb.delete_webhook()
    assert (await ptb.get_webhook_info()).url == ""


async def test_aiogram_round_trip(aio, server):
    me = await aio.get_me()
    assert me.username == "lab_shop_bot"
    server.user_says(7, "/start", name="Bo")
    [update] = await aio.get_updates(timeout=0)
    assert update.message.text == "/start" and update.message.entities[0].type == "bot_command"
    markup = AioMarkup(inline_keyboard=[[AioButton(text="Buy", callback_data="buy:1")]])
    sent = await aio.send_message(7, "Pick one", reply_markup=markup)
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "buy:1"
    edited = await aio.edit_message_text(text="Picked", chat_id=7, message_id=sent.message_id)
    assert edited.text == "Picked"
    assert await aio.set_webhook("https://shop.example/hook", secret_token="s3cret")
    info = await aio.get_webhook_info()
    assert info.url == "https://shop.example/hook"
    assert info.pending_update_count == 1  # received by getUpdates but never confirmed with a higher offset


async def test_aiogram_exceptions_carry_telegram_fields(aio, server):
    server.user_says(7, "hi", name="Bo")
    for _ in range(3):
        await aio.send_message(7, "spam")
    with pytest.raises(aio_errors.TelegramRetryAfter) as flood:
        await aio.send_message(7, "spam")
    assert 1 <= flood.value.retry_after <= 3
    with pytest.raises(aio_errors.TelegramBadRequest, match="(?i)chat not found"):
        await aio.send_message(999, "hello?")
    group, supergroup = server.upgraded_group(7, "Bo")
    with pytest.raises(aio_errors.TelegramMigrateToChat) as migrated:
        await aio.send_message(group["id"], "hello group")
    assert migrated.value.migrate_to_chat_id == supergroup["id"]
    server.control("POST", "users/7/block")
    with pytest.raises(aio_errors.TelegramForbiddenError, match="(?i)blocked"):
        await aio.send_chat_action(7, "typing")
    await aio.set_webhook("https://shop.example/hook")
    with pytest.raises(aio_errors.TelegramConflictError):
        await aio.get_updates()
    server.control("POST", "faults", {"kind": "revoked_token"})
    with pytest.raises(aio_errors.TelegramUnauthorizedError):
        await aio.get_me()


def test_control_api_refuses_bad_requests_with_reasons(server):
    import httpx

    def post(path, body):
        return httpx.post(f"{server.url}/_lab/{path}", json=body)

    assert post("chats/42/messages", {"from": {"id": 42}, "text": "hi"}).json() == {
        "ok": False, "error": 'a new user needs a "first_name"'}
    assert post("chats/42/messages", {"from": {"id": 43, "first_name": "X"}, "text": "hi"}).status_code == 400
    assert post("chats/42/callbacks", {"from": {"id": 42, "first_name": "A"}, "message_id": 1, "data": "x"}).status_code == 404
    assert post("faults", {"kind": "meteor"}).status_code == 400
    assert httpx.get(f"{server.url}/_lab/nowhere").status_code == 404
    assert post("limits", {"enabled": False}).json() == {"ok": True, "limits": False}
    assert post("limits", {"enabled": True}).json() == {"ok": True, "limits": True}
    assert server.control("GET", "bots")["bots"][0]["token"] == "4242424242:***"


async def test_served_fake_delivers_to_a_served_bot_over_real_http(ptb, server, lab):
    """uvicorn both sides: the fake POSTs updates to our webhook endpoint, which replies through the fake."""
    from integration_lab.app.ratelimit import RateLimiter
    from integration_lab.app.sessions import SessionStore
    from integration_lab.app.bot import ShopBot, webhook_app
    from integration_lab.app.telegram import BotApi
    from integration_lab.scenarios.telegram import PRODUCTS
    from integration_lab.runtime.processes import serving

    api = BotApi(server.token, base_url=server.url)
    bot = ShopBot(api, SessionStore(lab.redis, lab.keys, lab.clock), RateLimiter(lab.redis, lab.keys, lab.clock, lab.ids),
                  PRODUCTS, lab.redis, lab.keys)
    async with serving(webhook_app(bot, server.token, "hook_secret", lab.clock)) as bot_url:
        await ptb.set_webhook(f"{bot_url}/telegram/webhook", secret_token="hook_secret")
        server.user_says(42, "/catalog")
        for _ in range(100):
            transcript = server.control("GET", "chats/42/messages")["messages"]
            if len(transcript) == 2:
                break
            await asyncio.sleep(0.05)
    assert transcript[1]["text"].startswith("Catalog: Green tea 12.50 USD")
    assert transcript[1]["buttons"] == "Buy Green tea | Buy Lab mug | Buy Coffee beans"
    assert (await ptb.get_webhook_info()).pending_update_count == 0
    await api.close()
