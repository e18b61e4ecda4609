"""Telegram Stars subscriptions in the fake: the first payment of a subscription link, renewals as the lab clock
passes each expiration date, cancellation by the bot (editUserStarSubscription) and by the user, lapses for want
of Stars, Telegram's refusals; and python-telegram-bot, unmodified, living through renewals."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from catalogue import problems
from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake, asgi_app
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory
from integration_lab.runtime.processes import serving
from telegram import LabeledPrice
from telegram.ext import Application, MessageHandler, PreCheckoutQueryHandler, filters

pytestmark = pytest.mark.redis_free  # never reaches a Redis server: the real-Redis pass of CI leaves it out

ADA = {"id": 501, "first_name": "Ada"}
BO = {"id": 502, "first_name": "Bo"}
MONTH = 2_592_000  # the only subscription_period createInvoiceLink takes
PLAN = {"title": "Lab club", "description": "A month of tea tips", "payload": "sub-1", "currency": "XTR",
        "prices": [{"label": "Month", "amount": 100}], "subscription_period": MONTH}
START = 1_767_603_600  # 2026-01-05T09:00:00Z


class Lab:
    def __init__(self):
        self.clock = FrozenClock("2026-01-05T09:00:00Z")
        self.fake = TelegramFake(self.clock, IdFactory(3))
        self.people = People(self.fake)
        self.http = httpx.AsyncClient(transport=AsyncTelegramTransport(self.fake), base_url="https://api.telegram.org")
        self.offset = 0

    async def raw(self, method: str, **params) -> dict:
        response = await self.http.post(f"/bot{self.fake.default_bot.token}/{method}", json=params)
        return response.json()

    async def call(self, method: str, **params):
        body = await self.raw(method, **params)
        assert body["ok"], body
        return body["result"]

    async def fails(self, method: str, description: str, **params) -> None:
        body = await self.raw(method, **params)
        assert (body["ok"], body.get("description")) == (False, description)

    async def updates(self) -> list[dict]:
        found = await self.call("getUpdates", offset=self.offset)
        if found:
            self.offset = found[-1]["update_id"] + 1
        return found

    async def control(self, verb: str, path: str, **body) -> tuple[int, dict]:
        response = await self.http.request(verb, f"/_lab/{path}", json=body or None)
        return response.status_code, response.json()

    async def subscribe(self, user: dict = ADA) -> dict:
        """The user pays the plan's link; the bot confirms; returns the successful_payment Message."""
        link = await self.call("createInvoiceLink", **PLAN)
        self.people.pay_link(link, user)
        [query] = [u["pre_checkout_query"] for u in await self.updates()]
        assert await self.call("answerPreCheckoutQuery", pre_checkout_query_id=query["id"], ok=True)
        [message] = [u["message"] for u in await self.updates()]
        return message

    async def month_passes(self) -> list[dict]:
        self.clock.advance(MONTH)
        return [u["message"] for u in await self.updates()]


@pytest.fixture
async def lab():
    lab = Lab()
    lab.people.send(501, ADA, "/start")
    lab.people.send(502, BO, "/start")
    await lab.updates()
    yield lab
    await lab.http.aclose()


async def test_first_payment_is_the_first_recurring_one(lab):
    message = await lab.subscribe()
    assert problems(message, "Message") == []
    payment = message["successful_payment"]
    assert payment["is_recurring"] is True and payment["is_first_recurring"] is True
    assert payment["subscription_expiration_date"] == message["date"] + MONTH == START + MONTH
    # the Bot API server writes the subscription fields after the charge ids (Client.cpp JsonSuccessfulPaymentBot)
    assert list(payment)[-5:] == ["telegram_payment_charge_id", "provider_payment_charge_id", "is_recurring",
                                  "is_first_recurring", "subscription_expiration_date"]
    assert (await lab.call("getMyStarBalance"))["amount"] == 100
    [sale] = (await lab.call("getStarTransactions"))["transactions"]
    assert problems(sale, "StarTransaction") == []
    assert sale["id"] == payment["telegram_payment_charge_id"]
    assert sale["source"]["subscription_period"] == MONTH and sale["source"]["invoice_payload"] == "sub-1"


async def test_three_renewals_as_the_clock_passes_each_expiration(lab):
    first = (await lab.subscribe())["successful_payment"]
    assert await lab.updates() == []
    lab.clock.advance(MONTH - 1)  # a second before it expires: nothing yet
    assert await lab.updates() == []
    lab.clock.advance(1)
    renewals = [m for m in [(await lab.updates())[0]["message"]]]
    renewals += await lab.month_passes()
    renewals += await lab.month_passes()
    assert len(renewals) == 3
    for n, message in enumerate(renewals, start=1):
        assert problems(message, "Message") == []
        payment = message["successful_payment"]
        assert message["date"] == START + n * MONTH and message["from"]["id"] == 501
        assert payment["is_recurring"] is True and "is_first_recurring" not in payment
        assert payment["subscription_expiration_date"] == START + (n + 1) * MONTH
        assert payment["total_amount"] == 100 and payment["invoice_payload"] == "sub-1"
    charge_ids = [first["telegram_payment_charge_id"]] + [m["successful_payment"]["telegram_payment_charge_id"]
                                                          for m in renewals]
    assert len(set(charge_ids)) == 4
    assert (await lab.call("getMyStarBalance"))["amount"] == 400
    history = (await lab.call("getStarTransactions"))["transactions"]
    assert [t["id"] for t in history] == charge_ids and [t["date"] for t in history] == [
        START + n * MONTH for n in range(4)]


async def test_a_long_jump_renews_once_per_period_each_dated_at_its_moment(lab):
    await lab.subscribe()
    lab.clock.advance(3 * MONTH + 5)
    dates = [u["message"]["date"] for u in await lab.updates()]
    assert dates == [START + MONTH, START + 2 * MONTH, START + 3 * MONTH]


async def test_cancelled_by_the_bot_it_stays_paid_then_lapses(lab):
    first = (await lab.subscribe())["successful_payment"]
    charge = first["telegram_payment_charge_id"]
    assert await lab.call("editUserStarSubscription", user_id=501, telegram_payment_charge_id=charge,
                          is_canceled=True) is True
    assert await lab.month_passes() == []
    assert await lab.month_passes() == []
    assert (await lab.call("getMyStarBalance"))["amount"] == 100
    _, listed = await lab.control("GET", "subscriptions?user_id=501")
    [subscription] = listed["subscriptions"]
    assert subscription["lapsed"] == "canceled" and subscription["canceled_by_bot"] is True
    assert subscription["expiration_date"] == START + MONTH


async def test_a_bots_restore_lets_the_user_re_enable(lab):
    charge = (await lab.subscribe())["successful_payment"]["telegram_payment_charge_id"]
    await lab.call("editUserStarSubscription", user_id=501, telegram_payment_charge_id=charge, is_canceled=True)
    status, refused = await lab.control("POST", f"subscriptions/{charge}/reenable", **{"from": ADA})
    assert (status, refused["error"]) == (400, "the bot canceled this subscription; it can't be extended")
    assert await lab.call("editUserStarSubscription", user_id=501, telegram_payment_charge_id=charge,
                          is_canceled=False) is True
    # "partially undo": renewal stays off until the user turns it back on
    _, listed = await lab.control("GET", "subscriptions")
    assert listed["subscriptions"][0]["canceled_by_bot"] is False
    status, enabled = await lab.control("POST", f"subscriptions/{charge}/reenable", **{"from": ADA})
    assert status == 200 and enabled["subscription"]["canceled_by_user"] is False
    [renewal] = await lab.month_passes()
    assert renewal["successful_payment"]["subscription_expiration_date"] == START + 2 * MONTH


async def test_cancelled_by_the_user_no_renewal_and_the_bot_cannot_undo_it(lab):
    charge = (await lab.subscribe())["successful_payment"]["telegram_payment_charge_id"]
    status, _ = await lab.control("POST", f"subscriptions/{charge}/cancel", **{"from": BO})
    assert status == 404  # someone else's subscription
    status, cancelled = await lab.control("POST", f"subscriptions/{charge}/cancel", **{"from": ADA})
    assert status == 200 and cancelled["subscription"]["canceled_by_user"] is True
    assert await lab.updates() == []  # the bot hears nothing of it
    assert await lab.call("editUserStarSubscription", user_id=501, telegram_payment_charge_id=charge,
                          is_canceled=False) is True
    assert await lab.month_passes() == []
    status, refused = await lab.control("POST", f"subscriptions/{charge}/reenable", **{"from": ADA})
    assert (status, refused["error"]) == (400, "this subscription has expired")


async def test_without_enough_stars_it_lapses(lab):
    status, wallet = await lab.control("POST", "users/501/stars", balance=150)
    assert (status, wallet["balance"]) == (200, 150)
    await lab.subscribe()
    assert await lab.month_passes() == []  # 50 Stars left: the renewal cannot be paid
    _, listed = await lab.control("GET", "subscriptions")
    assert listed["subscriptions"][0]["lapsed"] == "missing_balance"
    link = await lab.call("createInvoiceLink", **PLAN)
    with pytest.raises(ValueError, match="not enough Stars"):
        lab.people.pay_link(link, ADA)
    status, refused = await lab.control("POST", "users/501/stars", balance=-1)
    assert status == 400 and "whole number" in refused["error"]


async def test_edit_user_star_subscription_refusals(lab):
    charge = (await lab.subscribe())["successful_payment"]["telegram_payment_charge_id"]
    renewal = (await lab.month_passes())[0]["successful_payment"]["telegram_payment_charge_id"]
    once = await lab.call("createInvoiceLink", **{k: v for k, v in PLAN.items() if k != "subscription_period"})
    lab.people.pay_link(once, BO)
    [query] = [u["pre_checkout_query"] for u in await lab.updates()]
    await lab.call("answerPreCheckoutQuery", pre_checkout_query_id=query["id"], ok=True)
    one_off = (await lab.updates())[0]["message"]["successful_payment"]["telegram_payment_charge_id"]
    await lab.fails("editUserStarSubscription", "Bad Request: invalid user_id specified",
                    telegram_payment_charge_id=charge, is_canceled=True)
    await lab.fails("editUserStarSubscription", "Bad Request: USER_ID_INVALID", user_id=777,
                    telegram_payment_charge_id=charge, is_canceled=True)
    for user_id, charge_id in ((501, "stxnothing"), (501, ""), (502, charge), (501, renewal), (502, one_off)):
        await lab.fails("editUserStarSubscription", "Bad Request: CHARGE_ID_INVALID", user_id=user_id,
                        telegram_payment_charge_id=charge_id, is_canceled=True)
    _, listed = await lab.control("GET", "subscriptions")
    assert listed["subscriptions"][0]["canceled_by_bot"] is False  # a refused call changes nothing


async def test_the_transcript_says_subscribed_and_renewed(lab):
    await lab.subscribe()
    await lab.month_passes()
    texts = [row["text"] for row in lab.people.transcript(501) if row["kind"] == "service"]
    assert texts == ["(paid 100 XTR for sub-1; subscribed until 2026-02-04 09:00 UTC)",
                     "(paid 100 XTR for sub-1; renewed until 2026-03-06 09:00 UTC)"]


async def test_ptb_bot_gets_renewals_and_cancels_them(lab):
    """python-telegram-bot's own polling Application, served by the fake on the lab's frozen clock."""
    received: list = []

    async def confirm(update, context):
        await update.pre_checkout_query.answer(ok=True)

    async def receipt(update, context):
        received.append(update.message.successful_payment)

    async def until(count: int) -> None:
        for _ in range(300):
            if len(received) >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"only {len(received)} of {count} payments arrived")

    async with serving(asgi_app(lab.fake)) as url:
        app = Application.builder().token(lab.fake.default_bot.token).base_url(f"{url}/bot").build()
        app.add_handler(PreCheckoutQueryHandler(confirm))
        app.add_handler(MessageHandler(filters.SUCCESSFUL_PAYMENT, receipt))
        async with app, httpx.AsyncClient(base_url=f"{url}/_lab/", timeout=15) as control:
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=1)
            try:
                link = await app.bot.create_invoice_link("Lab club", "Tips", "sub-9", "XTR", [LabeledPrice("Month", 100)],
                                                         subscription_period=MONTH)
                paid = await control.post("invoice_links/pay", json={"url": link, "from": ADA})
                assert paid.json()["checkout"]["status"] == "paid"
                await until(1)
                lab.clock.advance(MONTH)
                await until(2)
                first, renewal = received
                assert first.is_first_recurring and renewal.is_recurring and not renewal.is_first_recurring
                assert renewal.subscription_expiration_date.timestamp() == START + 2 * MONTH
                assert await app.bot.edit_user_star_subscription(501, first.telegram_payment_charge_id, True)
                lab.clock.advance(2 * MONTH)
                await asyncio.sleep(1.5)  # a poll's worth of time: nothing more comes
                assert len(received) == 2
            finally:
                await app.updater.stop()
                await app.stop()
