"""The Stripe notebooks' steps, each one call: paying, the cardholder's 3-D Secure answer, signed
deliveries at our door, refunds and idempotency keys."""

from __future__ import annotations

import json

import pandas as pd
import stripe

from ..app.payments.stripe_gateway import Checkout
from ..fakes.stripe import intents, signature
from ..fakes.stripe.world import Call
from .payments import PaymentsWorld


async def lifecycle(world: PaymentsWorld, order: str, card: str, capture: str, then: str) -> list[Checkout]:
    """Pay, then `none`, `capture`, `partial_capture` (half) or `cancel`; one Checkout per step."""
    steps = [await world.gateway.pay(order, card, capture=capture)]
    if then == "capture":
        steps.append(await world.gateway.capture(order))
    elif then == "partial_capture":
        steps.append(await world.gateway.capture(order, amount=(await world.ledger.order(order)).amount // 2))
    elif then == "cancel":
        steps.append(await world.gateway.cancel(order))
    return steps


async def cardholder_authenticates(world: PaymentsWorld, checkout: Checkout, succeed: bool) -> Checkout:
    """The buyer opens the bank's page and passes (or fails) the challenge; the bot then asks Stripe."""
    intents.authenticate(world.fake, world.fake.objects[checkout.payment_intent], succeed, Call())
    return await world.gateway.refresh(checkout.order_id)


def intent_table(world: PaymentsWorld, order: str) -> pd.DataFrame:
    """The order's PaymentIntents and charges as Stripe holds them."""
    rows = []
    for pi in (o for o in world.fake.objects.values() if o["object"] == "payment_intent"
               and o["metadata"].get("order_id") == order):
        charge = world.fake.objects.get(pi["latest_charge"] or "", {})
        error = pi["last_payment_error"] or {}
        rows.append({"intent": pi["id"], "status": pi["status"], "amount": pi["amount"],
                     "received": pi["amount_received"], "charge": charge.get("status", ""),
                     "captured": charge.get("amount_captured", 0), "refunded": charge.get("amount_refunded", 0),
                     "last error": error.get("decline_code") or error.get("code") or ""})
    return pd.DataFrame(rows, columns=["intent", "status", "amount", "received", "charge", "captured", "refunded",
                                       "last error"])


async def signature_checks(world: PaymentsWorld) -> pd.DataFrame:
    """A genuine delivery of the latest event, then forged, tampered, stale and unsigned copies of it."""
    event = [o for o in world.fake.objects.values() if o["object"] == "event"][-1]
    body, now = json.dumps(event, indent=2).encode(), int(world.lab.clock.time())
    cases = {
        "genuine (again)": (body, signature(body, world.secret, now)),
        "signed with another secret": (body, signature(body, "whsec_not_ours_000000000000000", now)),
        "body changed after signing": (body.replace(b'"livemode": false', b'"livemode": true'),
                                       signature(body, world.secret, now)),
        "signed 10 minutes ago": (body, signature(body, world.secret, now - 600)),
        "no signature header": (body, None),
    }
    rows = []
    for case, (payload, header) in cases.items():
        headers = {"Stripe-Signature": header} if header else {}
        answer = await world.http.post("https://shop.example/stripe/webhook", content=payload, headers=headers)
        rows.append({"delivery": case, "status": answer.status_code, "answer": answer.text})
    return pd.DataFrame(rows, columns=["delivery", "status", "answer"])


async def refund_steps(world: PaymentsWorld, order: str, amounts: list[int]) -> pd.DataFrame:
    """Refund `amounts` one after another; one row per request with what came back."""
    rows = []
    for n, amount in enumerate(amounts, 1):
        try:
            answer = (await world.gateway.refund(order, amount, key=str(n))).message
        except stripe.StripeError as error:
            answer = f"{type(error).__name__}: {error.user_message}"
        ledger = await world.ledger.order(order)
        rows.append({"refund": amount, "answer": answer, "order status": ledger.status,
                     "refunded so far": ledger.refunded})
    return pd.DataFrame(rows, columns=["refund", "answer", "order status", "refunded so far"])


async def same_key_twice(world: PaymentsWorld, key: str, first: int, second: int) -> pd.DataFrame:
    """Create a PaymentIntent with `key`, then again with the same key and maybe another amount."""
    rows = []
    for amount in (first, second):
        try:
            pi = await world.client.v1.payment_intents.create_async(
                params={"amount": amount, "currency": "usd", "payment_method_types": ["card"]},
                options={"idempotency_key": key})
            rows.append({"amount sent": amount, "answer": f"{pi.id} ({pi.amount})",
                         "replayed": pi.last_response.headers.get("idempotent-replayed", "false")})
        except stripe.StripeError as error:
            rows.append({"amount sent": amount, "answer": f"{type(error).__name__}: {error.user_message}",
                         "replayed": "-"})
    return pd.DataFrame(rows, columns=["amount sent", "answer", "replayed"])


def charges_for(world: PaymentsWorld, order: str) -> int:
    return sum(1 for o in world.fake.objects.values() if o["object"] == "charge"
               and o["metadata"].get("order_id") == order)
