"""The bulkhead on our Stripe gateway: while Stripe hangs, calls past the limit are answered "try again" at
once instead of waiting, and the workers it spares keep answering browsers (scenarios.bulkheads)."""

import asyncio

from integration_lab.app.payments.stripe_gateway import StripeGateway
from integration_lab.app.resilience import Bulkhead
from integration_lab.runtime.stalls import Gate
from integration_lab.scenarios.bulkheads import hang_stripe
from integration_lab.scenarios.payments import stripe_world


async def test_a_third_payment_while_two_hang_is_told_to_try_again_at_once(lab):
    world = await stripe_world(lab)
    gate = Gate()
    world.fake.sleep = gate.sleep  # Stripe hangs (its latency fault) until the gate opens, 5 s at most
    world.fake.faults.add("latency", "payment_intents.create", times=None, seconds=5)
    gateway = StripeGateway(world.client, world.ledger, bulkhead=Bulkhead("stripe", 2))
    orders = [await world.order(900) for _ in range(3)]
    hanging = [asyncio.ensure_future(gateway.pay(o, "pm_card_visa")) for o in orders[:2]]
    for _ in range(200):
        if gate.waiting == 2:
            break
        await asyncio.sleep(0.01)
    assert gate.waiting == 2
    third = await asyncio.wait_for(gateway.pay(orders[2], "pm_card_visa"), 1.0)  # waits if there is no bulkhead
    assert (third.outcome, third.code) == ("try_again", "bulkhead_full")
    assert gate.held == 2 and not any(t.done() for t in hanging)  # never reached Stripe; the two still wait
    world.fake.faults.clear()
    gate.open()
    assert [c.outcome for c in await asyncio.gather(*hanging)] == ["paid", "paid"]
    again = await gateway.pay(orders[2], "pm_card_visa")  # the slot is free again: the same order pays
    assert again.outcome == "paid" and gateway.bulkhead.describe() == \
        {"limit": 2, "in_flight": 0, "admitted": 3, "refused": 1, "peak": 2}
    await world.http.aclose()


async def test_with_a_bulkhead_browsers_never_wait_while_stripe_hangs(lab):
    run = await asyncio.wait_for(hang_stripe(lab, workers=4, bulkhead=2), 8)
    summary = run.summary()
    assert summary.loc["browse", "slowest answer (s)"] == 0
    assert run.stripe_calls()["most at once"].iloc[0] == 2
    assert summary.loc["pay", "told try again"] == 6 and summary.loc["pay", "ended"] == "4 paid"


async def test_without_a_bulkhead_every_worker_waits_on_stripe_and_browsers_queue(lab):
    run = await asyncio.wait_for(hang_stripe(lab, workers=4, bulkhead=0), 8)
    summary = run.summary()
    assert summary.loc["browse", "slowest answer (s)"] == 26  # the first browser came at 4 s, Stripe back at 30 s
    assert run.per_worker()["held by Stripe (s)"].tolist() == [30, 30, 30, 30]
    assert summary.loc["pay", "told try again"] == 0
