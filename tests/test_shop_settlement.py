"""Settlement exactly once whichever route, double payments given back, refunds, and Redis cut at every
command of settle + enqueue then the provider's resend: paid once, delivered once."""

from __future__ import annotations

import json

import pytest

from integration_lab.runtime.redis_cut import RedisCut, RedisCutError
from integration_lab.app.service import DEFAULTS, Options, build_shop
from tests.test_shop_checkout import checkout, invoice_message, pay_invoice, shop_world
from tests.test_shop_outbox import Telegram, outbox_for


@pytest.fixture
async def world(lab):
    world = await shop_world(lab)
    yield world
    await world.close()


def successful_payment(world, order_id: str, charge: str, amount: int = 105, currency: str = "XTR") -> dict:
    user = world.user("Ada")
    return {"message_id": 99, "from": user, "chat": {"id": user["id"], "type": "private"}, "date": 0,
            "successful_payment": {"currency": currency, "total_amount": amount, "invoice_payload": order_id,
                                   "telegram_payment_charge_id": charge, "provider_payment_charge_id": ""}}


async def test_settlement_is_idempotent_per_charge_id(world):
    order_id = await checkout(world)
    message = successful_payment(world, order_id, "stx1")
    assert await world.parts.fulfilment.successful_payment(message) == "paid: queued"
    assert await world.parts.fulfilment.successful_payment(message) == "paid: duplicate"
    assert [p["status"] for p in await world.ledger.payments(order_id)] == ["succeeded"]
    assert len(await world.parts.outbox.jobs()) == 2


async def test_a_second_payment_by_another_route_is_refunded_by_its_route(world):
    """Paid by Payme, then Stars arrive (a race past pre-checkout): the Stars go back, the buyer is told."""
    order_id = await checkout(world)
    await world.presses("Ada", "Telegram Stars: 105 Stars")
    await world.ledger.claim(order_id, "payme", "t1", 26_000_000, "UZS")
    await world.parts.fulfilment.on_paid(order_id)
    user = world.user("Ada")
    paid = world.people.pay(user["id"], user, invoice_message(world))
    await world.parts.precheckout.api.answer_pre_checkout_query(  # Telegram charges before our check sees it
        world.fake.payments.ledger(world.fake.default_bot.account.id).checkouts[paid.id].query_id, ok=True)
    await world.sync()
    payments = {p["provider"]: p for p in await world.ledger.payments(order_id)}
    assert payments["stars"]["status"] == "refused" and payments["stars"]["refunded"] == 105
    assert (await world.ledger.order(order_id)).paid_by == "payme:t1"
    await world.parts.outbox.drain()
    texts = list(world.transcript("Ada")["text"])
    assert f"Order {order_id} was already paid, so your 105 Stars payment has been refunded." in texts
    assert any(t.startswith("(refunded 105") for t in texts)  # Telegram's refunded_payment message


async def test_refund_of_a_stars_order_agrees_in_ledger_telegram_and_chat(world):
    order_id = await checkout(world)
    await world.presses("Ada", "Telegram Stars: 105 Stars")
    await pay_invoice(world)
    await world.says("Ada", "/refund")
    assert world.bot.log[-1].reply == f"Refunded 105 Stars for order {order_id} to your Telegram Stars balance."
    await world.sync()  # the refunded_payment service message
    assert (await world.ledger.order(order_id)).status == "refunded"
    transactions = (await world.api.get_star_transactions())["transactions"]
    assert [("source" in t, t["amount"]) for t in transactions] == [(True, 105), (False, 105)]
    await world.says("Ada", "/refund")
    assert world.bot.log[-1].reply == "You have no paid order to refund."


async def test_refund_window_and_routes_without_an_api(world, lab):
    order_id = await checkout(world)
    await world.ledger.settle(order_id, "telegram", "123_456", 2150, "USD")
    await world.says("Ada", f"/refund {order_id}")
    assert world.bot.log[-1].reply == (f"Your card payment through Telegram of 21.50 USD for order {order_id} will be "
                                       "refunded by our support team.")
    await lab.advance(15 * 24 * 3600)
    await world.says("Ada", f"/refund {order_id}")
    assert "more than 14 days ago" in world.bot.log[-1].reply
    await world.says("Ada", "/refund someone-elses")
    assert world.bot.log[-1].reply == "You have no order someone-elses."


async def test_a_payme_refund_is_a_request_payme_acts_on(world):
    order_id = await checkout(world)
    await world.ledger.claim(order_id, "payme", "t1", 26_000_000, "UZS")
    await world.says("Ada", "/refund")
    assert "Payme returns it" in world.bot.log[-1].reply
    assert await world.parts.refunds.payme_requests() == {order_id: "t1"}
    await world.ledger.refund(order_id, "payme", "t1", 26_000_000)  # Payme's CancelTransaction, reason 5
    assert await world.parts.refunds.payme_requests() == {}


# Redis cut at every command of settle + enqueue, then the provider's resend ----------------------------
async def shop_order(shop, lab, order_id="s1"):
    await shop.ledger.open_order(2150, "USD", order_id, "tea, mug", {"UZS": 26_000_000, "XTR": 105})
    await shop.parts.orders.record(order_id, 42, 42, {"tea": 1, "mug": 1})
    await shop.parts.stock.reserve(order_id, {"tea": 1, "mug": 1}, 900)


def stripe_event(lab, order_id="s1"):
    from integration_lab.fakes.stripe.webhooks import signature
    payload = json.dumps({"id": "evt_cut1", "object": "event", "type": "payment_intent.succeeded", "data": {
        "object": {"id": "pi_cut1", "object": "payment_intent", "amount": 2150, "currency": "usd",
                   "status": "succeeded", "metadata": {"order_id": order_id}}}}).encode()
    return payload, signature(payload, DEFAULTS["stripe_webhook_secret"], int(lab.clock.time()))


ROUTES = {
    "stars": lambda shop, lab: shop.parts.fulfilment.successful_payment(
        {"from": {"id": 42}, "chat": {"id": 42}, "successful_payment": {
            "currency": "XTR", "total_amount": 105, "invoice_payload": "s1", "telegram_payment_charge_id": "stx1",
            "provider_payment_charge_id": ""}}),
    "stripe": lambda shop, lab: shop.webhooks.receive(*stripe_event(lab)),
    "payme": lambda shop, lab: _payme_perform(shop, lab),
}


async def _payme_perform(shop, lab):
    from integration_lab.app.payments.payme_merchant import authorization
    body = json.dumps({"id": 1, "method": "PerformTransaction", "params": {"id": "6761ab0c1de7b1ed1ab0a001"}}).encode()
    answer = await shop.payme.handle("POST", authorization(DEFAULTS["payme_key"]), body)
    if (answer.get("error") or {}).get("code") == -32400:
        raise RedisCutError("internal error: Payme asks again")
    return answer


async def _payme_created(shop, lab):
    from integration_lab.app.payments.payme_merchant import authorization
    body = json.dumps({"id": 1, "method": "CreateTransaction", "params": {
        "id": "6761ab0c1de7b1ed1ab0a001", "time": lab.clock.ms(), "amount": 26_000_000,
        "account": {"order_id": "s1"}}}).encode()
    await shop.payme.handle("POST", authorization(DEFAULTS["payme_key"]), body)


@pytest.mark.parametrize("route", sorted(ROUTES))
async def test_a_cut_at_every_command_of_settle_and_enqueue_is_repaired_by_the_resend(lab, route):
    cut, results = RedisCut.of(lab.redis), []
    for k in range(-1, 40):  # -1: uncut (and loads every script), then a cut before command k
        await lab.backend.clean()
        shop = await build_shop(Options(), backend=lab.backend, clock=lab.clock)
        telegram = Telegram()
        shop.parts.outbox = shop.parts.fulfilment.outbox = outbox_for(lab, telegram, shop.ledger)
        await shop_order(shop, lab)
        if route == "payme":
            await _payme_created(shop, lab)
        if k >= 0:
            cut.fail_after(k)
        try:
            answer = await ROUTES[route](shop, lab)
            if isinstance(answer, tuple) and answer[0] != 200:
                raise RedisCutError("non-2xx: Stripe retries")
        except RedisCutError:
            cut.reconnect()
            await ROUTES[route](shop, lab)  # the provider's resend
        cut.reconnect()
        tripped = cut.tripped
        cut.tripped = False
        jobs = await shop.outbox.jobs()
        await shop.outbox.drain()
        await shop.outbox.drain()
        order = await shop.ledger.order("s1")
        paid = [p for p in await shop.ledger.payments("s1") if p["status"] == "succeeded"]
        results.append((k, len(paid), order.delivered, sorted(j["id"] for j in jobs),
                        (await shop.stock.levels())["mug"], len(telegram.sent)))
        if k >= 0 and not tripped:
            break
    assert len(results) >= 5  # uncut, a cut before each of the flow's round trips (three or more), one past them
    for k, paid, delivered, jobs, mug, sent in results:  # paid once, sold once, delivered once
        assert (paid, delivered, jobs, mug, sent) == (1, True, ["s1:goods", "s1:receipt"],
                                                      {"available": 4, "held": 0, "sold": 1}, 2), (route, k)
