"""Paying an order on Stripe Checkout: a Checkout Session, Stripe's hosted payment page, that the bot links to.

One session per buyer attempt (the Telegram update that pressed the button): its idempotency key
`order-<id>-checkout-<attempt>` hands a redelivered update the same session back, never a second one. Stripe
replays a key only for the same parameters, so the one parameter that moves with time, `expires_at`, is fixed
at the first try and kept in Redis (one SET NX: written whole or not at all) for every resend of the attempt.

The order is paid by the webhook alone (stripe_webhook.py), never by the buyer landing on `success_url`:
anyone can open that page, and a buyer who closes the tab never reaches it. The session carries the order
three ways: its own `metadata`, `client_reference_id`, and `payment_intent_data.metadata` (so the
PaymentIntent Checkout creates, and its events and charges, name the order too).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..batch import Batch
from .stripe_gateway import StripeGateway

LIFETIME = 3600  # seconds a link stays payable: Stripe allows 30 min to 24 h after creation, and an hour
# leaves a resend of the same attempt up to 30 minutes late still inside Stripe's 30-minute minimum
KEY_MEMORY = 25 * 3600  # seconds an attempt's expires_at is kept: past Stripe's 24 hours of idempotency keys


@dataclass(frozen=True)
class Line:
    name: str
    unit_amount: int  # minor units (cents)
    quantity: int


class StripeCheckoutLinks:
    def __init__(self, gateway: StripeGateway, success_url: str, lifetime: int = LIFETIME):
        self.gateway, self.success_url, self.lifetime = gateway, success_url, lifetime

    async def open(self, order_id: str, currency: str, lines: list[Line], attempt: str):
        """The attempt's Checkout Session (created once). Raises StripeUnavailable, through the gateway's
        breaker and bulkhead, when Stripe cannot be asked; nothing is charged until the buyer pays on the page."""
        expires_at = await self._expires_at(order_id, attempt)
        return await self.gateway.guarded(self._create, order_id, currency, lines, attempt, expires_at)

    async def _expires_at(self, order_id: str, attempt: str) -> int:
        ledger = self.gateway.ledger
        key = ledger.keys.key("stripe", "checkout-expiry", order_id, attempt)
        batch = Batch(ledger.redis)  # set once, then read as it stands: one round trip
        batch.command("SET", key, int(ledger.clock.time()) + self.lifetime, "NX", "EX", KEY_MEMORY)
        expires_at = batch.command("GET", key)
        await batch.send()
        return int(expires_at.value)

    async def _create(self, order_id: str, currency: str, lines: list[Line], attempt: str, expires_at: int):
        tagged = {"order_id": order_id}
        return await self.gateway.client.v1.checkout.sessions.create_async(params={
            "mode": "payment",
            "line_items": [{"price_data": {"currency": currency.lower(), "unit_amount": line.unit_amount,
                                           "product_data": {"name": line.name}},
                            "quantity": line.quantity} for line in lines],
            "metadata": tagged, "client_reference_id": order_id,
            "payment_intent_data": {"metadata": tagged, "description": f"Order {order_id}"},
            "success_url": self.success_url, "expires_at": expires_at},
            options={"idempotency_key": f"order-{order_id}-checkout-{attempt}"})
