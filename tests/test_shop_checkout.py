"""The shop end to end, in-process against the Telegram fake: checkout, six ways to pay, pre-checkout,
settlement once whichever route, the goods through the outbox."""

from __future__ import annotations

import pytest

from integration_lab.app.payments.ledger import Ledger
from integration_lab.app.ratelimit import RateLimiter
from integration_lab.app.sessions import SessionStore
from integration_lab.app.shop import CATALOG, PaymentOptions, build_parts
from integration_lab.app.bot import ShopBot
from integration_lab.app.telegram import BotApi
from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from integration_lab.scenarios.telegram import ShopWorld

PROVIDER_TOKEN = "284685063:TEST:lab_provider_token_for_local_tests"


async def shop_world(lab, stripe=None) -> ShopWorld:
    """scenarios/telegram.py's world, with the bot given the shop's parts."""
    fake = TelegramFake(lab.clock, lab.ids, limits=False, payment_providers={"Stripe TEST": PROVIDER_TOKEN})
    token = fake.default_bot.token
    api = BotApi(token, transport=AsyncTelegramTransport(fake), sleep=lab.advance)
    quiet = BotApi(token, transport=AsyncTelegramTransport(fake), max_retries=0)
    ledger = Ledger(lab.redis, lab.keys, lab.clock)
    parts = await build_parts(api, quiet, ledger, lab.clock, CATALOG, PaymentOptions(PROVIDER_TOKEN), stripe)
    bot = ShopBot(api, SessionStore(lab.redis, lab.keys, lab.clock),
                  RateLimiter(lab.redis, lab.keys, lab.clock, lab.ids), CATALOG, lab.redis, lab.keys, shop=parts)
    world = ShopWorld(lab, fake, People(fake), api, bot, "polling")
    world.ledger, world.parts = ledger, parts
    return world


async def checkout(world, name="Ada", *skus) -> str:
    await world.says(name, "/start")
    for sku in skus or ("tea", "mug"):
        await world.says(name, f"/buy {sku}")
    await world.presses(name, "Checkout")
    return world.bot.log[-1].reply.split(":")[0].removeprefix("Order ")


def invoice_message(world, name="Ada") -> int:
    chat = world.fake.default_bot.chats[world.user(name)["id"]]
    return [m.message_id for m in chat.messages.values() if "invoice" in m.service][-1]


async def pay_invoice(world, name="Ada"):
    user = world.user(name)
    checkout = world.people.pay(user["id"], user, invoice_message(world, name))
    await world.sync()  # the bot hears the pre_checkout_query and answers
    await world.sync()  # ... and the successful_payment, if it was paid
    return checkout


@pytest.fixture
async def world(lab):
    world = await shop_world(lab)
    yield world
    await world.close()


async def test_checkout_offers_six_ways_for_one_order_with_its_stock_held(world):
    order_id = await checkout(world)
    chat = world.transcript("Ada")
    assert chat["text"].iloc[-1] == f"Order {order_id}: Green tea, Lab mug. Total 21.50 USD. Choose how to pay:"
    assert chat["buttons"].iloc[-1] == ("Telegram Stars: 105 Stars | Card (Telegram): 21.50 USD | Payme: 260 000 UZS"
                                        " | Click: 260 000 UZS | Card (Stripe): 21.50 USD"
                                        " | Card (Stripe Checkout): 21.50 USD")
    order = await world.ledger.order(order_id)
    assert order.prices == {"USD": 2150, "UZS": 26_000_000, "XTR": 105}
    levels = await world.parts.stock.levels()
    assert (levels["tea"]["held"], levels["mug"]["held"]) == (1, 1)


async def test_stars_start_to_goods_in_the_transcript(world):
    order_id = await checkout(world)
    await world.presses("Ada", "Telegram Stars: 105 Stars")
    paid = await pay_invoice(world)
    assert paid.status == "paid"
    assert (await world.ledger.order(order_id)).paid_by.startswith("stars:stx")
    assert [r["outcome"] for r in await world.parts.outbox.drain()] == ["sent", "sent"]
    texts = list(world.transcript("Ada")["text"])
    assert f"Your order {order_id} is ready: Green tea x1, Lab mug x1. Enjoy!" in texts
    assert f"Receipt for order {order_id}: Green tea x1, Lab mug x1. Paid 105 Stars by Telegram Stars." in texts
    order = await world.ledger.order(order_id)
    assert order.delivered and order.status == "paid"
    assert (await world.parts.stock.levels())["mug"] == {"available": 4, "held": 0, "sold": 1}
    assert await world.parts.outbox.drain() == []  # sent once


async def test_card_through_telegram_uses_the_provider_token_and_asks_an_email(world):
    order_id = await checkout(world)
    await world.presses("Ada", "Card (Telegram): 21.50 USD")
    user = world.user("Ada")
    paid = world.people.pay(user["id"], user, invoice_message(world), order_info={"email": "ada@example.com"})
    await world.sync()
    await world.sync()
    assert paid.status == "paid"
    assert (await world.ledger.order(order_id)).paid_by.startswith("telegram:")
    assert "PROVIDER" not in repr(world.parts.checkout.options) and PROVIDER_TOKEN not in repr(world.parts)


async def test_pre_checkout_refuses_a_paid_order_and_the_buyer_reads_why(world):
    order_id = await checkout(world)
    await world.presses("Ada", "Telegram Stars: 105 Stars")
    await world.ledger.claim(order_id, "payme", "t1", 26_000_000, "UZS")  # paid by Payme meanwhile
    refused = await pay_invoice(world)
    assert refused.status == "refused"
    assert refused.error_message == f"Order {order_id} is already paid; nothing more was charged."


@pytest.mark.parametrize("change, expected", [
    ({"total_amount": 104}, "This invoice no longer matches order {o} (105 Stars). Please check out again."),
    ({"currency": "EUR"}, "This invoice no longer matches order {o} (another currency). Please check out again."),
    ({"invoice_payload": "nope"}, "We couldn't find this order. Please start again with /buy."),
])
async def test_pre_checkout_refuses_a_wrong_amount_or_an_unknown_order(world, change, expected):
    order_id = await checkout(world)
    good = {"id": "1", "from": world.user("Ada"), "currency": "XTR", "total_amount": 105, "invoice_payload": order_id}
    assert await world.parts.precheckout.problem({**good, **change}) == expected.format(o=order_id)
    assert await world.parts.precheckout.problem(good) is None


async def test_pre_checkout_re_reserves_a_lapsed_hold_or_refuses_if_sold_out(world, lab):
    order_id = await checkout(world, "Ada", "mug")
    query = {"id": "1", "from": world.user("Ada"), "currency": "XTR", "total_amount": 45, "invoice_payload": order_id}
    lab.clock.advance(901)
    assert await world.parts.precheckout.problem(query) is None  # lapsed, and held again
    assert (await world.parts.stock.hold(order_id))["state"] == "held"
    lab.clock.advance(901)
    await world.parts.stock.release_lapsed()
    await world.parts.stock.reserve("someone-else", {"mug": 5}, ttl=900)
    assert await world.parts.precheckout.problem(query) == "Sorry, Lab mug sold out meanwhile; nothing was charged."


async def test_pre_checkout_answers_in_time_when_the_check_is_slow(world, lab):
    order_id = await checkout(world)
    await world.presses("Ada", "Telegram Stars: 105 Stars")
    slow = world.parts.precheckout.problem

    async def nine_seconds(query):  # e.g. Redis answering slowly: lab time passes during the check
        lab.clock.advance(9)
        return await slow(query)

    world.parts.precheckout.problem = nine_seconds
    refused = await pay_invoice(world)
    assert (refused.status, refused.error_message) == ("refused", "We could not confirm your order in time; "
                                                                  "nothing was charged.")
    assert not (await world.ledger.order(order_id)).paid_by


async def test_pre_checkout_answers_in_real_time_too(world):
    import asyncio
    order_id = await checkout(world)
    await world.presses("Ada", "Telegram Stars: 105 Stars")
    world.parts.precheckout.deadline = 0.05

    async def hangs(query):
        await asyncio.sleep(5)

    world.parts.precheckout.problem = hangs
    refused = await pay_invoice(world)
    assert refused.status == "refused" and "in time" in refused.error_message
    assert not (await world.ledger.order(order_id)).paid_by


async def test_payme_and_click_links_carry_the_uzs_price(world):
    order_id = await checkout(world)
    await world.presses("Ada", "Payme: 260 000 UZS")
    await world.presses("Ada", "Click: 260 000 UZS")
    chat = world.fake.default_bot.chats[world.user("Ada")["id"]]
    urls = [b["url"] for m in chat.messages.values() for row in (m.reply_markup or {}).get("inline_keyboard", [])
            for b in row if "url" in b]
    import base64
    assert f"ac.order_id={order_id};a=26000000" in base64.b64decode(urls[0].rsplit("/", 1)[1]).decode()
    assert "amount=260000.00" in urls[1] and f"transaction_param={order_id}" in urls[1]


async def test_cancel_gives_the_stock_back_and_cancels_the_order(world):
    order_id = await checkout(world)
    await world.presses("Ada", "Cancel")
    assert (await world.ledger.order(order_id)).status == "canceled"
    assert (await world.parts.stock.levels())["mug"]["available"] == 5


async def test_an_abandoned_checkout_releases_its_stock_with_the_session(world, lab):
    await checkout(world, "Ada", "mug", "mug", "mug", "mug", "mug")
    assert (await world.parts.stock.levels())["mug"]["available"] == 0
    await lab.advance(901)
    assert len(await world.parts.stock.release_lapsed()) == 1
    assert (await world.parts.stock.levels())["mug"]["available"] == 5
