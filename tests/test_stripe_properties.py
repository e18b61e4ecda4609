"""Property-based tests (hypothesis): idempotency keys, and webhook deliveries in any order and any
multiplicity leaving the ledger right."""

from __future__ import annotations

import asyncio
import json

import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import integration_lab as il
from integration_lab.fakes.stripe import StripeFake, sdk_http_client, signature
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory
from integration_lab.scenarios.payments import stripe_world

BASE = {"currency": "usd", "payment_method_types": ["card"]}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from([500, 700, 900])), min_size=1, max_size=12))
def test_an_idempotency_key_replays_its_first_answer_and_refuses_other_parameters(calls):
    fake = StripeFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(0))
    client = stripe.StripeClient("sk_test_props", http_client=sdk_http_client(fake), max_network_retries=0)
    first: dict[str, tuple[int, str]] = {}
    for key, amount in calls:
        try:
            pi = client.v1.payment_intents.create(params={**BASE, "amount": amount}, options={"idempotency_key": key})
        except stripe.IdempotencyError:
            assert first[key][0] != amount
            continue
        if key in first:
            assert (amount, pi.id) == first[key]
        first.setdefault(key, (amount, pi.id))
    intents = [o for o in fake.objects.values() if o["object"] == "payment_intent"]
    assert len(intents) == len(first)  # one object per key, however often it was sent


# What each payment attempt for the one order does: a card, and (if it succeeds) a refund to make.
ATTEMPTS = st.lists(st.tuples(st.sampled_from(["pm_card_visa", "pm_card_visa_chargeDeclined",
                                               "pm_card_chargeDeclinedExpiredCard"]),
                              st.sampled_from([0, 0, 300, 2000])), min_size=1, max_size=4)


def _pay_for(client, order_id: str, attempts) -> list[dict]:
    """Several PaymentIntents for one order, straight through the SDK (as a buggy or racing client might)."""
    for method, refund in attempts:
        try:
            pi = client.v1.payment_intents.create(params={**BASE, "amount": 2000, "metadata": {"order_id": order_id},
                                                          "payment_method": method, "confirm": True})
        except stripe.CardError:
            continue
        if refund:
            client.v1.refunds.create(params={"payment_intent": pi.id, "amount": refund})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ATTEMPTS, st.data())
def test_any_order_and_multiplicity_of_deliveries_leaves_the_ledger_right(attempts, data):
    asyncio.run(_deliveries_converge(attempts, data))


async def _deliveries_converge(attempts, data):
    lab = await il.setup("test/hypothesis-webhooks", seed=3)
    try:
        world = await stripe_world(lab)
        order = await world.order(2000)
        await asyncio.to_thread(_pay_for, world.client, order, attempts)
        events = [o for o in world.fake.objects.values() if o["object"] == "event"]
        order_of_delivery = data.draw(st.permutations(events))
        repeats = data.draw(st.lists(st.sampled_from(events), max_size=6)) if events else []
        for event in list(order_of_delivery) + repeats:
            body = json.dumps(event).encode()
            status, _ = await world.webhooks.receive(body, signature(body, world.secret, int(lab.clock.time())))
            assert status == 200
        intents = [o for o in world.fake.objects.values() if o["object"] == "payment_intent"]
        succeeded = {pi["id"]: world.fake.objects[pi["latest_charge"]] for pi in intents if pi["status"] == "succeeded"}
        ledger = await world.ledger.order(order)
        payments = {p["ref"]: p for p in await world.ledger.payments(order)}
        winners = [ref for ref, p in payments.items() if p["status"] == "succeeded"]
        assert len(winners) == (1 if succeeded else 0)  # paid at most once
        assert all(payments[ref]["status"] in ("succeeded", "refused") for ref in succeeded)  # none lost
        if succeeded:
            winner = succeeded[winners[0]]
            assert ledger.paid_by == f"stripe:{winners[0]}" and ledger.refunded == winner["amount_refunded"]
            expected = {0: "paid", 2000: "refunded"}.get(winner["amount_refunded"], "partially_refunded")
            assert ledger.status == expected
        else:
            assert (ledger.status, ledger.paid_by) == ("awaiting_payment", "")
    finally:
        await lab.backend.clean()
        await lab.close()
