"""One order offered to every provider: the steps of Payme, Click and Stripe in any interleaving.

Steps: `payme.create` (check + create), `payme.perform` (perform; cancel with reason 3 if refused),
`click.prepare`, `click.complete`, `stripe.charge` (the buyer pays Stripe; we hear only by webhook),
`stripe.deliver` (Stripe's webhooks reach us), and the whole flows `payme`, `click`, `stripe`.
"""

from __future__ import annotations

import pandas as pd

from ..fakes.click.simulator import sums
from .merchant import MerchantWorld


async def offer(world: MerchantWorld, order: str, plan: list[str]) -> pd.DataFrame:
    """Run the plan; one row per step with the provider's own answer."""
    amount = (await world.ledger.order(order)).amount
    steps = [s for name in plan for s in ([f"{name}.create", f"{name}.perform"] if name == "payme" else
                                          [f"{name}.prepare", f"{name}.complete"] if name == "click" else
                                          ["stripe.charge", "stripe.deliver"] if name == "stripe" else [name])]
    payme_tx, click_trans, prepare_id, rows = "", None, None, []
    for step in steps:
        if step == "payme.create":
            answer = await world.payme.check_perform(order, amount)
            if "error" not in answer:
                payme_tx, answer = await world.payme.create(order, amount)
            said = _payme(answer)
        elif step == "payme.perform":
            answer = await world.payme.perform(payme_tx) if payme_tx else None
            if answer and "error" in answer:
                await world.payme.cancel(payme_tx, 3)
            said = _payme(answer) if answer else "not created"
        elif step == "click.prepare":
            click_trans, answer = await world.click.prepare(order, sums(amount))
            prepare_id = answer.get("merchant_prepare_id")
            said = f"{answer['error']} {answer['error_note']}"
        elif step == "click.complete":
            if prepare_id is None:
                said = "not prepared"
            else:
                answer = await world.click.complete(order, sums(amount), click_trans, prepare_id)
                said = f"{answer['error']} {answer['error_note']}"
        elif step == "stripe.charge":  # paid on Stripe's page: only the webhook will tell us
            pi = await world.stripe.client.v1.payment_intents.create_async(params={
                "amount": amount, "currency": "uzs", "payment_method_types": ["card"], "confirm": True,
                "payment_method": "pm_card_visa", "metadata": {"order_id": order}})
            said = f"PaymentIntent {pi.status}"
        elif step == "stripe.deliver":
            await world.stripe.deliver()
            outcomes = [h["outcome"] for h in world.stripe.webhooks.handled if h["type"] == "payment_intent.succeeded"]
            said = "webhook: " + (outcomes[-1] if outcomes else "nothing to deliver")
        else:
            raise ValueError(f"unknown step {step!r}")
        rows.append({"step": step, "provider says": said, "order status": (await world.ledger.order(order)).status})
    return pd.DataFrame(rows, columns=["step", "provider says", "order status"])


def _payme(answer: dict) -> str:
    if "error" in answer:
        return f"{answer['error']['code']} {answer['error']['message']['en']}"
    return f"state {answer['result']['state']}" if "state" in answer["result"] else "allow"


async def latecomers(world: MerchantWorld, order: str) -> pd.DataFrame:
    """Every provider tries the settled order once more; each is refused in its own words, nothing changes."""
    amount = (await world.ledger.order(order)).amount
    payme_check = await world.payme.check_perform(order, amount)
    _, payme_create = await world.payme.create(order, amount)
    _, click_prepare = await world.click.prepare(order, sums(amount))
    stripe_pay = await world.stripe.gateway.pay(order, "pm_card_visa")
    rows = [("Payme CheckPerformTransaction", _payme(payme_check)), ("Payme CreateTransaction", _payme(payme_create)),
            ("Click prepare", f"{click_prepare['error']} {click_prepare['error_note']}"),
            ("Stripe, through our gateway", f"{stripe_pay.outcome}: {stripe_pay.message}")]
    return pd.DataFrame(rows, columns=["request", "answer"])
