"""python-telegram-bot and aiogram, unmodified, take payments from the served fake: a person pays through the
control API while the library's own polling application answers the pre-checkout query."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from aiogram import Bot as AiogramBot
from aiogram import Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import LabeledPrice as AioPrice
from telegram import LabeledPrice
from telegram.ext import Application, MessageHandler, PreCheckoutQueryHandler, filters

pytestmark = pytest.mark.redis_free  # never reaches a Redis server: the real-Redis pass of CI leaves it out

STRIPE = "284685063:TEST:ODdmNGVkMzViZjYw"
TOKEN = "4242424242:LAB_fake_token_for_local_tests_only"  # nosec B105  # the served fake's made-up default
BUYER = {"id": 42, "first_name": "Ada"}
WAIT = 15  # seconds any one step may take


@pytest.fixture(scope="module")
def served():
    from integration_lab.serve import telegram_app
    from integration_lab.runtime.processes import Served

    _fake, app = telegram_app([TOKEN], limits=False, payment_providers={"Stripe TEST MODE": STRIPE})
    with Served(app) as url:
        yield url


@pytest.fixture
async def control(served):
    async with httpx.AsyncClient(base_url=f"{served}/_lab/", timeout=WAIT) as client:
        await client.post("reset")
        await client.post("chats/42/messages", json={"from": BUYER, "text": "/start"})
        yield client


async def _pay(control: httpx.AsyncClient, message_id: int) -> dict:
    """The buyer presses Pay and the control API waits until the bot has answered (or 10 s passed)."""
    answer = await control.post(f"chats/42/invoices/{message_id}/pay", json={"from": BUYER})
    assert answer.status_code == 200, answer.text
    return answer.json()["checkout"]


async def _until(found: list, count: int) -> None:
    for _ in range(WAIT * 20):
        if len(found) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"only {len(found)} of {count} arrived")


async def test_ptb_application_sells_for_stars_and_through_a_provider(served, control):
    paid: list = []

    async def confirm(update, context):
        await update.pre_checkout_query.answer(ok=True)

    async def receipt(update, context):
        paid.append(update.message.successful_payment)

    app = Application.builder().token(TOKEN).base_url(f"{served}/bot").build()
    app.add_handler(PreCheckoutQueryHandler(confirm))
    app.add_handler(MessageHandler(filters.SUCCESSFUL_PAYMENT, receipt))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            await control.post("chats/42/messages", json={"from": BUYER, "text": "/buy"})
            stars = await app.bot.send_invoice(42, "Lab mug", "A mug", "order-1", "XTR", [LabeledPrice("Mug", 25)],
                                               provider_token="")
            assert stars.invoice.total_amount == 25 and stars.invoice.currency == "XTR"
            checkout = await _pay(control, stars.message_id)
            assert checkout["status"] == "paid"
            card = await app.bot.send_invoice(42, "Green tea", "100 g", "order-2", "USD",
                                              [LabeledPrice("Tea", 1250)], provider_token=STRIPE)
            assert (await _pay(control, card.message_id))["status"] == "paid"
            await _until(paid, 2)
            assert [(p.currency, p.total_amount, p.invoice_payload) for p in paid] == [
                ("XTR", 25, "order-1"), ("USD", 1250, "order-2")]
            assert paid[0].telegram_payment_charge_id.startswith("stx")
            assert paid[1].provider_payment_charge_id.startswith("ch_")
            assert await app.bot.refund_star_payment(42, paid[0].telegram_payment_charge_id)
            assert (await app.bot.get_my_star_balance()).amount == 0
        finally:
            await app.updater.stop()
            await app.stop()


async def test_aiogram_dispatcher_sells_for_stars_and_through_a_provider(served, control):
    paid: list = []
    router = Router()

    @router.pre_checkout_query()
    async def confirm(query):
        await query.answer(ok=True)

    @router.message(F.successful_payment)
    async def receipt(message):
        paid.append(message.successful_payment)

    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    bot = AiogramBot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(served)))
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1,
                                                           close_bot_session=False))
    try:
        stars = await bot.send_invoice(chat_id=42, title="Lab mug", description="A mug", payload="order-1",
                                       currency="XTR", prices=[AioPrice(label="Mug", amount=25)])
        assert (await _pay(control, stars.message_id))["status"] == "paid"
        card = await bot.send_invoice(chat_id=42, title="Green tea", description="100 g", payload="order-2",
                                      currency="USD", prices=[AioPrice(label="Tea", amount=1250)],
                                      provider_token=STRIPE)
        assert (await _pay(control, card.message_id))["status"] == "paid"
        await _until(paid, 2)
        assert [(p.currency, p.total_amount) for p in paid] == [("XTR", 25), ("USD", 1250)]
        assert (await bot.get_my_star_balance()).amount == 25
    finally:
        await asyncio.wait_for(dispatcher.stop_polling(), WAIT)
        await asyncio.wait_for(polling, WAIT)
        await bot.session.close()
