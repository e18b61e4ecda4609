"""/refund: give a paid order back within REFUND_WINDOW, each route in its own way.

    Stars          refundStarPayment, then the ledger (a repeat is CHARGE_ALREADY_REFUNDED: done already)
    Stripe         the gateway's refund (idempotency key per order), which writes the ledger
    Payme          a refund request Payme acts on: its CancelTransaction with reason 5, which our merchant
                   endpoint already answers by refunding the ledger payment
    card via Telegram, Click   no API refunds them: support does, and the buyer is told so

Each step is repeatable, so a redelivered /refund after a cut finishes the refund rather than doubling it.
"""

from __future__ import annotations

from ..money import money
from ..payments.ledger import Ledger
from ..payments.stripe_gateway import StripeGateway
from ..telegram.client import BadRequest, BotApi
from .fulfilment import STARS, TELEGRAM_CARD
from .orders import ShopOrders

REFUND_WINDOW = 14 * 24 * 3600  # seconds after payment a buyer may ask for their money back


class Refunds:
    def __init__(self, api: BotApi, ledger: Ledger, orders: ShopOrders, clock, stripe: StripeGateway | None = None,
                 window: float = REFUND_WINDOW):
        self.api, self.ledger, self.orders, self.clock = api, ledger, orders, clock
        self.stripe, self.window = stripe, window
        self._requests = ledger.keys.key("shop", "refund-requests")  # Payme: order -> transaction id

    async def request(self, user_id: int, order_id: str = "") -> str:
        """What to tell the buyer who sent /refund [order_id]."""
        order_id = order_id or await self._latest_paid(user_id)
        record = await self.orders.get(order_id) if order_id else None
        if record is None or record.user_id != user_id:
            return "You have no paid order to refund." if not order_id else f"You have no order {order_id}."
        order = await self.ledger.order(order_id)
        if order.status == "refunded":
            return f"Order {order_id} is already refunded."
        if not order.paid_by:
            return f"Order {order_id} is not paid, so there is nothing to refund."
        if self.clock.ms() - (await self.ledger.paid_at(order_id) or 0) > self.window * 1000:
            return (f"Order {order_id} was paid more than {self.window / 86400:g} days ago; it can no longer be "
                    "refunded.")
        provider, _, ref = order.paid_by.partition(":")
        paid = await self.ledger.payment(order_id, provider, ref)
        amount = money(paid["amount"], paid["currency"])
        if provider == STARS:
            try:
                await self.api.refund_star_payment(user_id, ref)
            except BadRequest as error:
                if "CHARGE_ALREADY_REFUNDED" not in error.description:
                    return f"Telegram could not refund order {order_id} just now ({error.description})."
            await self.ledger.refund(order_id, provider, ref, paid["amount"])
            return f"Refunded {amount} for order {order_id} to your Telegram Stars balance."
        if provider == "stripe" and self.stripe is not None:
            await self.stripe.refund(order_id)
            return f"Refunded {amount} for order {order_id} to your card."
        if provider == "payme":
            await self.ledger.redis.hset(self._requests, order_id, ref)
            return f"Your refund of {amount} for order {order_id} is requested; Payme returns it to your card."
        route = "card payment through Telegram" if provider == TELEGRAM_CARD else "Click payment"
        return f"Your {route} of {amount} for order {order_id} will be refunded by our support team."

    async def payme_requests(self) -> dict[str, str]:
        """Refunds Payme is still to make: order -> Payme transaction id (its CancelTransaction, reason 5);
        a request whose order the ledger shows refunded is done and forgotten."""
        pending = {}
        for order_id, txid in (await self.ledger.redis.hgetall(self._requests)).items():
            if (await self.ledger.order(order_id)).status == "refunded":
                await self.ledger.redis.hdel(self._requests, order_id)
            else:
                pending[order_id] = txid
        return pending

    async def payme_agreed(self, order_id: str, txid: str) -> bool:
        """Payme's CancelTransaction of a delivered order is the refund we asked for (else -31007)."""
        return await self.ledger.redis.hget(self._requests, order_id) == txid

    async def refunded_payment(self, message: dict) -> str:
        """Telegram's refunded_payment service message: the ledger agrees (a repeat changes nothing)."""
        refunded = message["refunded_payment"]
        outcome = await self.ledger.refund(refunded["invoice_payload"], STARS, refunded["telegram_payment_charge_id"],
                                           refunded["total_amount"])
        return outcome.outcome

    async def _latest_paid(self, user_id: int) -> str:
        for order_id in await self.orders.of_buyer(user_id):
            order = await self.ledger.order(order_id)
            if order and order.paid_by and order.status != "refunded":
                return order_id
        return ""
