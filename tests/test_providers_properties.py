"""Property-based tests (hypothesis): any sequence of Payme, Click and Stripe calls for one order, with
repeats and in any order, never pays it twice, never loses a payment a provider was told succeeded, and is
always answered with the provider's own codes."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import integration_lab as il
from integration_lab.fakes.click.simulator import sums
from integration_lab.scenarios.merchant import merchant_world, stripe_statement

AMOUNT = 500000
PAYME_CODES = {0, -31003, -31008, -31051, -31052}  # what Payme may hear for well-formed calls on a real order
CLICK_PREPARE = {0, -4, -9}
CLICK_COMPLETE = {0, -4, -6, -9}



@st.composite
def interleavings(draw):
    """Each provider's buyer-side flows, every step possibly repeated, merged in any order (plus lab time)."""
    flows = []
    for i in range(draw(st.integers(0, 2))):
        flow = [("payme.create", i), ("payme.perform", i)]
        if draw(st.booleans()):
            flow.append(("payme.cancel", i, draw(st.sampled_from([3, 5]))))
        flows.append(flow)
    for i in range(draw(st.integers(0, 2))):
        flows.append([("click.prepare", i), ("click.complete", i, draw(st.sampled_from([0, 0, -5017])))])
    for _ in range(draw(st.integers(0, 2))):
        flows.append([("stripe.charge",), ("stripe.deliver",)])
    flows = [[step for step in flow for _ in range(draw(st.integers(1, 2)))] for flow in flows]  # repeats
    steps = []
    while any(flows):
        flow = draw(st.sampled_from([f for f in flows if f]))
        steps.append(flow.pop(0))
        if draw(st.integers(0, 9)) == 0:
            steps.append(("12 hours pass",))
    return steps


async def play(steps) -> None:
    lab = await il.setup("props/providers", seed=3)
    try:
        world = await merchant_world(lab, stripe=True)
        order = await world.order(AMOUNT)
        txids = [lab.ids.hex(24) for _ in range(3)]
        times: dict[int, int] = {}
        prepare_ids: dict[int, int] = {}
        told_paid: set[str] = set()  # ledger keys of payments a provider was told went through
        for step in steps:
            kind, args = step[0], step[1:]
            if kind == "payme.create":
                i = args[0]
                _, answer = await world.payme.create(order, AMOUNT, txids[i], times.setdefault(i, lab.clock.ms()))
                assert _code(answer) in PAYME_CODES, answer
            elif kind in ("payme.perform", "payme.cancel"):
                txid = txids[args[0]]
                answer = (await world.payme.perform(txid) if kind == "payme.perform"
                          else await world.payme.cancel(txid, args[1]))
                assert _code(answer) in PAYME_CODES | {-31007}, answer
                if kind == "payme.perform" and _code(answer) == 0:
                    told_paid.add(f"payme:{txid}")
            elif kind == "click.prepare":
                trans = 7000 + args[0]
                _, answer = await world.click.prepare(order, sums(AMOUNT), click_trans_id=trans)
                assert answer["error"] in CLICK_PREPARE, answer
                if answer["error"] == 0:
                    prepare_ids[trans] = answer["merchant_prepare_id"]
            elif kind == "click.complete":
                trans = 7000 + args[0]
                answer = await world.click.complete(order, sums(AMOUNT), trans, prepare_ids.get(trans, 0), args[1])
                assert answer["error"] in CLICK_COMPLETE, answer
                assert args[1] == 0 or answer["error"] != 0  # Click's own error is never answered "Success"
                if answer["error"] == 0:
                    told_paid.add(f"click:{trans}")
            elif kind == "stripe.charge":
                await world.stripe.client.v1.payment_intents.create_async(params={
                    "amount": AMOUNT, "currency": "uzs", "payment_method_types": ["card"], "confirm": True,
                    "payment_method": "pm_card_visa", "metadata": {"order_id": order}})
            elif kind == "stripe.deliver":
                await world.stripe.deliver()
            else:
                await lab.advance(12 * 3600 + 1)
        for _ in range(3):  # every webhook, and those of the refunds they cause
            await world.stripe.deliver()

        payments = {f"{p['provider']}:{p['ref']}": p for p in await world.ledger.payments(order)}
        winners = [key for key, p in payments.items() if p["status"] == "succeeded"]
        assert len(winners) <= 1, payments  # never paid twice
        assert (await world.ledger.order(order)).paid_by == (winners[0] if winners else "")
        for key in told_paid:  # never lost: what a provider was told succeeded is the order's payment
            assert payments[key]["status"] == "succeeded", (key, payments)
        for row in stripe_statement(world.stripe, [order]):
            key = f"stripe:{row['ref']}"
            if row["status"] in ("paid", "refunded"):  # Stripe took the money: we won with it or gave it back
                assert key in winners or (payments[key]["status"] == "refused" and row["status"] == "refunded"), \
                    (row, payments)
    finally:
        await lab.backend.clean()
        await lab.close()


def _code(answer: dict) -> int:
    return answer["error"]["code"] if "error" in answer else 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(interleavings())
def test_any_interleaving_of_providers_pays_an_order_at_most_once_and_loses_nothing(steps):
    asyncio.run(play(steps))
