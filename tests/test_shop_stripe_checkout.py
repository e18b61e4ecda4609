"""The sixth way to pay, a Stripe Checkout link, in-process on the Telegram and Stripe fakes: the order is paid
on the webhook exactly once, whatever arrives twice (the completed event, the PaymentIntent's own event, a
second tab's payment), an expired link gives the stock back and tells the buyer, a declined card leaves the
link open, and a Redis cut at every command of the handler is repaired by Stripe's retry (the sweep)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from integration_lab.app.payments.stripe_checkout import LIFETIME
from integration_lab.scenarios.crash_points import sweep
from integration_lab.scenarios.journeys import journey_world
from integration_lab.shop_server import shop_app


@pytest.fixture
async def world(lab):
    world = await journey_world(lab)
    yield world
    await world.close()


async def link_for(world, name="Ada", skus=("tea", "mug")) -> tuple[str, str]:
    """Checkout, then the Card (Stripe Checkout) button: the order and the link the bot sent."""
    order_id = await world.checks_out(name, *skus)
    await world.presses(name, "Card (Stripe Checkout)")
    return order_id, world.checkout_link(name)


def session_of(world, link: str) -> dict:
    return world.stripe_fake.get("checkout.session", link.rsplit("/", 1)[-1], "session")


def texts(world, name="Ada") -> list[str]:
    return list(world.chat(name)["text"])


async def test_a_link_paid_once_settles_the_order_once_and_delivers_once(world):
    order_id, link = await link_for(world)
    assert world.shop.bot.log[-1].reply == "Pay 21.50 USD by card on Stripe's checkout page:"
    session = session_of(world, link)
    assert link == session["url"] and session["status"] == "open"
    # the session carries the order three ways, and its amount is the order's, in cents
    assert (session["metadata"], session["client_reference_id"], session["amount_total"], session["currency"]) == \
        ({"order_id": order_id}, order_id, 2150, "usd")
    assert session["expires_at"] == session["created"] + LIFETIME
    assert session["success_url"] == "http://127.0.0.1:8000/stripe/checkout/success?session_id={CHECKOUT_SESSION_ID}"
    assert await world.pays_on_checkout_page("Ada") == "Stripe Checkout: complete, paid"
    pi = session["payment_intent"]
    assert world.stripe_fake.objects[pi]["metadata"] == {"order_id": order_id}  # payment_intent_data[metadata]
    order = await world.shop.ledger.order(order_id)
    assert (order.status, order.paid_by) == ("paid", f"stripe:{pi}")
    # both events named the one payment: the first settled it, the other found it settled
    outcomes = {h["type"]: h["outcome"] for h in world.shop.webhooks.handled
                if h["type"] in ("payment_intent.succeeded", "checkout.session.completed")}
    assert sorted(outcomes.values()) == ["duplicate", "paid"], outcomes
    await world.deliver()
    assert texts(world).count(f"Your order {order_id} is ready: Green tea x1, Lab mug x1. Enjoy!") == 1
    assert [p["status"] for p in await world.shop.ledger.payments(order_id)] == ["succeeded"]
    assert (await world.shop.stock.levels())["mug"] == {"available": 4, "held": 0, "sold": 1}
    assert (await world.invariants())["statement agrees"].all()


async def test_a_resent_button_update_opens_no_second_session(world):
    """The same update again (Telegram's redelivery after a cut) gets the same session back from Stripe."""
    order_id, link = await link_for(world)
    sessions = [s for s in world.stripe_fake.objects.values() if s.get("object") == "checkout.session"]
    again = await world.shop.parts.checkout.pay("stripe_checkout", order_id, attempt="1")
    twice = await world.shop.parts.checkout.pay("stripe_checkout", order_id, attempt="1")
    assert again == twice
    after = [s for s in world.stripe_fake.objects.values() if s.get("object") == "checkout.session"]
    assert len(after) == len(sessions) + 1  # attempt "1" made one session, its resend none
    await world.advance(20 * 60)  # a resend 20 minutes late still names the same expires_at, so Stripe replays
    assert await world.shop.parts.checkout.pay("stripe_checkout", order_id, attempt="1") == again
    assert len([s for s in world.stripe_fake.objects.values() if s.get("object") == "checkout.session"]) == len(after)


async def test_the_completed_event_twice_and_in_parallel_with_the_intents_settles_once(world):
    order_id, link = await link_for(world)
    for kind in ("checkout.session.completed", "payment_intent.succeeded"):
        world.stripe_fake.deliveries.faults.add("duplicate", kind, times=1)
    await world.pays_on_checkout_page("Ada", webhook=False)
    session = session_of(world, link)
    events = [e for e in world.stripe_fake.objects.values() if e.get("object") == "event"
              and e["type"] in ("checkout.session.completed", "payment_intent.succeeded")]
    signed = [_signed(world, e) for e in events]
    # everything at once: each event twice, all four deliveries concurrently
    answers = await asyncio.gather(*(world.shop.webhooks.receive(*s) for s in signed + signed))
    assert all(status == 200 for status, _ in answers)
    await world.stripe_webhooks()  # and the fake's own deliveries, duplicated
    payments = await world.shop.ledger.payments(order_id)
    assert [(p["ref"], p["status"]) for p in payments] == [(session["payment_intent"], "succeeded")]
    await world.deliver()
    assert sum(t.startswith(f"Your order {order_id} is ready") for t in texts(world)) == 1
    assert sum(t.startswith(f"Receipt for order {order_id}") for t in texts(world)) == 1
    assert (await world.shop.stock.levels())["tea"]["sold"] == 1


async def test_two_tabs_the_second_payment_is_refunded_and_the_buyer_told(world):
    order_id, first = await link_for(world)
    await world.presses("Ada", "Card (Stripe Checkout)")  # a second press: a second link, another tab
    second = world.checkout_link("Ada")
    assert first != second
    await world.pays_on_checkout_page("Ada", link=first)
    await world.pays_on_checkout_page("Ada", link=second)
    kept, refunded = session_of(world, first)["payment_intent"], session_of(world, second)["payment_intent"]
    order = await world.shop.ledger.order(order_id)
    assert (order.status, order.paid_by) == ("paid", f"stripe:{kept}")
    payments = {p["ref"]: p for p in await world.shop.ledger.payments(order_id)}
    assert payments[refunded]["status"] == "refused" and payments[refunded]["reason"] == "already_paid"
    refunds = [r for r in world.stripe_fake.objects.values() if r.get("object") == "refund"]
    assert [(r["payment_intent"], r["amount"], r["reason"]) for r in refunds] == [(refunded, 2150, "duplicate")]
    await world.deliver()
    said = texts(world)
    assert said.count(f"Order {order_id} was already paid, so your card payment with Stripe has been refunded.") == 1
    assert sum(t.startswith(f"Your order {order_id} is ready") for t in said) == 1
    assert (await world.invariants())["statement agrees"].all()


async def test_an_expired_link_gives_the_stock_back_and_tells_the_buyer_once(world):
    order_id, link = await link_for(world)
    assert (await world.shop.stock.levels())["mug"]["held"] == 1
    world.stripe_fake.deliveries.faults.add("duplicate", "checkout.session.expired", times=1)
    await world.advance(LIFETIME + 1)  # no step of the buyer's: the 15-minute hold lapsed too
    await world.stripe_webhooks()
    assert session_of(world, link)["status"] == "expired"
    assert (await world.shop.stock.levels())["mug"] == {"available": 5, "held": 0, "sold": 0}
    await world.deliver()
    expired = [t for t in texts(world) if "payment link for order" in t]
    assert expired == [f"The Stripe payment link for order {order_id} expired; nothing was charged. To buy, start "
                       "again with /catalog."]
    assert (await world.shop.ledger.order(order_id)).status == "awaiting_payment"  # unpaid, as any lapsed checkout
    await world.presses("Ada", "Card (Stripe Checkout)")  # the old button: the conversation lapsed with the link
    assert world.shop.bot.log[-1].reply == "Your cart expired. Send /catalog to start again."
    new_order, _ = await link_for(world)  # a new checkout holds the stock again and its link pays it
    assert (await world.shop.stock.levels())["mug"]["held"] == 1
    assert await world.pays_on_checkout_page("Ada") == "Stripe Checkout: complete, paid"
    assert (await world.shop.ledger.order(new_order)).status == "paid"


async def test_a_link_expiring_while_another_way_to_pay_holds_the_stock_leaves_the_hold(world):
    """Stripe's expiry of an old link must not take the stock from the buyer's current checkout."""
    order_id, link = await link_for(world)
    await world.advance(LIFETIME - 300)
    record = await world.shop.parts.orders.get(order_id)
    await world.shop.parts.stock.reserve(order_id, record.items, 900)  # what a pay button of a live checkout does
    await world.advance(301)
    await world.stripe_webhooks()
    assert session_of(world, link)["status"] == "expired"
    assert (await world.shop.stock.levels())["mug"]["held"] == 1


async def test_declined_then_paid_on_the_same_link(world):
    order_id, link = await link_for(world)
    assert await world.pays_on_checkout_page("Ada", "declined") == "Stripe Checkout: declined (generic_decline), still open"
    await world.stripe_webhooks()
    assert (await world.shop.ledger.order(order_id)).status == "awaiting_payment"
    assert session_of(world, link)["status"] == "open"
    assert await world.pays_on_checkout_page("Ada", "visa") == "Stripe Checkout: complete, paid"
    order = await world.shop.ledger.order(order_id)
    assert order.status == "paid"
    await world.deliver()
    assert sum(t.startswith(f"Your order {order_id} is ready") for t in texts(world)) == 1


async def test_the_control_route_pays_and_declines_as_the_brief_says(world):
    """The fake's script route over HTTP: 402 card_error on a decline, the session stays open."""
    order_id, link = await link_for(world)
    session = session_of(world, link)
    from integration_lab.fakes.stripe.transport import AsyncStripeTransport
    async with httpx.AsyncClient(transport=AsyncStripeTransport(world.stripe_fake), base_url="https://stripe.lab") as s:
        path = f"/_lab/checkout/sessions/{session['id']}/complete"
        declined = await s.post(path, json={"payment_method": "pm_card_chargeDeclined"})
        assert declined.status_code == 402 and declined.json()["error"]["type"] == "card_error"
        assert session["status"] == "open"
        assert (await s.post(path, json={"payment_method": "pm_card_visa"})).json()["status"] == "complete"
    await world.stripe_webhooks()
    assert (await world.shop.ledger.order(order_id)).status == "paid"


async def test_without_stripe_the_button_answers_not_available(lab):
    from tests.test_shop_checkout import checkout, shop_world
    world = await shop_world(lab)
    try:
        await checkout(world)
        await world.presses("Ada", "Card (Stripe Checkout): 21.50 USD")
        assert world.bot.log[-1].reply == "Card payments with Stripe are not available right now."
    finally:
        await world.close()


async def test_the_success_page_only_says_thanks(world):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=shop_app(world.shop)), base_url="https://a") as http:
        page = await http.get("/stripe/checkout/success", params={"session_id": "<script>alert(1)</script>"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Thank you!" in page.text and "script" not in page.text  # nothing of the query echoed
    assert await world.shop.ledger.order_ids() == []  # and nothing paid or written by a visit


@pytest.mark.parametrize("flow", ["stripe-checkout", "stripe-checkout-expired"])
async def test_a_redis_cut_at_every_command_of_the_checkout_webhook_is_repaired(lab, flow):
    table = await sweep(lab, flow)
    assert len(table) > 8
    assert set(table["request"][:-1]) >= ({"checkout.session.completed", "completed, a second tab"}
                                          if flow == "stripe-checkout" else {"checkout.session.expired"})
    assert list(table["outcome"]) == ["repaired"] * (len(table) - 1) + ["not reached"], table.to_string()


def _signed(world, event: dict) -> tuple[bytes, str]:
    from integration_lab.fakes.stripe.webhooks import signature
    payload = json.dumps(event).encode()
    return payload, signature(payload, world.options.stripe_webhook_secret, int(world.lab.clock.time()))
