"""Paying an order with Stripe through the official SDK (pointed at the fake, or at Stripe with a test key).

Every write carries an idempotency key derived from the order, so a repeated or retried call can never
charge twice: one PaymentIntent per order (`order-<id>-intent`), one key per buyer attempt to confirm
(`order-<id>-confirm-<n>`). The SDK's own retries reuse the key, so a lost answer is replayed, not re-run.
Each outcome is written to the ledger and turned into the sentence the bot sends (buyer_messages).

With a circuit breaker, a buyer's payment that meets Stripe down (a connection failure, a 5xx, a 429 the
SDK's own retries did not outlast) counts towards opening it, and while it is open a payment is answered
"try again" at once, without calling Stripe; with a bulkhead, at most its limit of payments talk to Stripe
at once, and the next buyer hears "try again" instead of waiting on a Stripe that hangs. Neither can
take money twice: a refused payment never reached Stripe, and the next try reuses the order's keys.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import dataclass

import stripe

from ..money import money
from ..resilience import Bulkhead, BulkheadFull, CircuitBreaker, CircuitOpen
from . import buyer_messages as say
from .ledger import Ledger

PROVIDER = "stripe"
UNWELL = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError)  # Stripe's side, not the card's


def trips_breaker(error: BaseException) -> bool:
    return isinstance(error, UNWELL)


class StripeUnavailable(Exception):
    """Stripe did not answer well, or was not asked (`code`: circuit_open, bulkhead_full, or None)."""

    def __init__(self, code: str | None):
        super().__init__(code or "stripe did not answer")
        self.code = code


@dataclass(frozen=True)
class Checkout:
    order_id: str
    outcome: str  # paid, authorized, needs_authentication, declined, already_paid, unknown_order, try_again, …
    message: str  # what the bot tells the buyer
    payment_intent: str | None = None
    status: str | None = None  # the PaymentIntent's status
    code: str | None = None  # decline_code or error code


class StripeGateway:
    def __init__(self, client: stripe.StripeClient, ledger: Ledger, return_url: str | None = None,
                 breaker: CircuitBreaker | None = None, bulkhead: Bulkhead | None = None):
        self.client, self.ledger, self.return_url = client, ledger, return_url
        self.breaker, self.bulkhead = breaker, bulkhead

    async def pay(self, order_id: str, payment_method: str, capture: str = "automatic") -> Checkout:
        order = await self.ledger.order(order_id)
        if order is None:
            return Checkout(order_id, "unknown_order", say.UNKNOWN_ORDER)
        if order.status == "canceled":
            return Checkout(order_id, "canceled", say.CANCELED)
        if order.paid_by:
            return Checkout(order_id, "already_paid", say.ALREADY_PAID)
        try:
            return await self.guarded(self._pay, order, payment_method, capture)
        except StripeUnavailable as unavailable:
            return Checkout(order_id, "try_again", say.TRY_AGAIN, code=unavailable.code)

    async def guarded(self, call, *args):
        """`call` through the bulkhead and the breaker, when there are any; Stripe being unwell, or a refusal
        by either, is raised as StripeUnavailable (nothing was charged: the next try reuses the keys)."""
        try:
            async with AsyncExitStack() as guards:
                if self.bulkhead is not None:
                    await guards.enter_async_context(self.bulkhead)
                if self.breaker is None:
                    return await call(*args)
                return await self.breaker.call(call, *args)
        except CircuitOpen:
            raise StripeUnavailable("circuit_open") from None
        except BulkheadFull:
            raise StripeUnavailable("bulkhead_full") from None
        except UNWELL as unwell:
            raise StripeUnavailable(None) from unwell

    async def _pay(self, order, payment_method: str, capture: str) -> Checkout:
        """Create (once) and confirm the order's PaymentIntent; Stripe being unwell is raised to `pay`."""
        order_id, intent = order.order_id, None
        try:
            intent = await self._intent(order, capture)
            await self.ledger.attempt(order_id, PROVIDER, intent.id, order.amount, order.currency)
            attempt = await self.ledger.redis.incr(self.ledger.keys.key("stripe", "confirms", order_id))
            confirm = {"payment_method": payment_method}
            if self.return_url:
                confirm["return_url"] = self.return_url
            intent = await self.client.v1.payment_intents.confirm_async(
                intent.id, params=confirm, options={"idempotency_key": f"order-{order_id}-confirm-{attempt}"})
        except stripe.CardError as error:
            await self.ledger.fail(order_id, PROVIDER, error.error.payment_intent.id)
            code = error.error.decline_code or error.code
            return Checkout(order_id, "declined", say.declined(code), error.error.payment_intent.id,
                            error.error.payment_intent.status, code)
        except stripe.InvalidRequestError as error:
            if intent is not None and error.code == "payment_intent_unexpected_state":
                # e.g. already succeeded after a confirm whose answer was lost: go by what Stripe has now
                return await self.settle_from(order_id, await self.client.v1.payment_intents.retrieve_async(intent.id))
            raise
        return await self.settle_from(order_id, intent)

    async def open_intent(self, order_id: str, capture: str = "automatic", order=None):
        """The order's PaymentIntent, created once (an idempotency key per order) and noted in the ledger as
        an attempt, for a buyer who confirms it with their card (and 3-D Secure) on Stripe's side. Raises
        StripeUnavailable, through the same breaker and bulkhead as `pay`, when Stripe cannot be asked.
        `order`: the ledger's order as the caller just read it (else read here)."""
        order = order or await self.ledger.order(order_id)
        intent = await self.guarded(self._intent, order, capture)
        await self.ledger.attempt(order_id, PROVIDER, intent.id, order.amount, order.currency)
        return intent

    async def _intent(self, order, capture: str):
        """The order's one PaymentIntent: the same key and parameters return the same object every time."""
        return await self.client.v1.payment_intents.create_async(params={
            "amount": order.amount, "currency": order.currency.lower(), "payment_method_types": ["card"],
            "capture_method": capture, "metadata": {"order_id": order.order_id},
            "description": order.description or f"Order {order.order_id}"},
            options={"idempotency_key": f"order-{order.order_id}-intent"})

    async def settle_from(self, order_id: str, intent) -> Checkout:
        """Write what a PaymentIntent says to the ledger; refund a payment the ledger refused as a second one."""
        amount, currency = intent.amount, intent.currency
        if intent.status == "succeeded":
            result = await self.ledger.settle(order_id, PROVIDER, intent.id, amount, currency)
            if result.outcome == "already_paid":
                await self.refund_refused(intent.id)
                return Checkout(order_id, "refunded_duplicate", say.DUPLICATE_REFUNDED, intent.id, intent.status)
            return Checkout(order_id, "paid", say.PAID.format(money=money(amount, currency)), intent.id,
                            intent.status)
        if intent.status == "requires_capture":
            await self.ledger.authorize(order_id, PROVIDER, intent.id, amount, currency)
            return Checkout(order_id, "authorized", say.AUTHORIZED.format(money=money(amount, currency)),
                            intent.id, intent.status)
        if intent.status == "requires_action":
            action = intent.next_action
            url = action.redirect_to_url.url if action.type == "redirect_to_url" else action.use_stripe_sdk.stripe_js
            return Checkout(order_id, "needs_authentication", say.NEEDS_AUTH.format(url=url), intent.id,
                            intent.status)
        error = intent.last_payment_error
        code = (getattr(error, "decline_code", None) or getattr(error, "code", None)) if error else None
        if intent.status == "requires_payment_method" and error:
            await self.ledger.fail(order_id, PROVIDER, intent.id)
        return Checkout(order_id, "declined", say.declined(code), intent.id, intent.status, code)

    async def refresh(self, order_id: str) -> Checkout:
        """Read the order's latest PaymentIntent back from Stripe (after 3-D Secure, say) and record it."""
        intent_id = await self._payment_in(order_id, "pending", "authorized", "failed")
        return await self.settle_from(order_id, await self.client.v1.payment_intents.retrieve_async(intent_id))

    async def refund_refused(self, payment_intent: str) -> None:
        """Give back a payment the ledger refused because the order was already paid."""
        try:
            await self.client.v1.refunds.create_async(
                params={"payment_intent": payment_intent, "reason": "duplicate"},
                options={"idempotency_key": f"refund-duplicate-{payment_intent}"})
        except stripe.InvalidRequestError as error:
            if error.code != "charge_already_refunded":  # already given back: nothing left to do
                raise

    async def capture(self, order_id: str, amount: int | None = None) -> Checkout:
        intent_id = await self._payment_in(order_id, "authorized")
        params = {} if amount is None else {"amount_to_capture": amount}
        intent = await self.client.v1.payment_intents.capture_async(
            intent_id, params=params, options={"idempotency_key": f"order-{order_id}-capture"})
        checkout = await self.settle_from(order_id, intent)
        charge = await self.client.v1.charges.retrieve_async(intent.latest_charge)
        if charge.amount_refunded:  # the part not captured is released, which Stripe reports as refunded
            await self.ledger.refund(order_id, PROVIDER, intent.id, charge.amount_refunded)
        return checkout

    async def cancel(self, order_id: str) -> Checkout:
        intent_id = await self._payment_in(order_id, "pending", "authorized", "failed")
        intent = await self.client.v1.payment_intents.cancel_async(
            intent_id, params={"cancellation_reason": "requested_by_customer"},
            options={"idempotency_key": f"order-{order_id}-cancel"})
        await self.ledger.fail(order_id, PROVIDER, intent.id, canceled=True)
        outcome = await self.ledger.cancel(order_id)
        return Checkout(order_id, outcome.outcome, say.CANCELED, intent.id, intent.status)

    async def refund(self, order_id: str, amount: int | None = None, key: str = "1") -> Checkout:
        """Refund the payment that paid the order; `key` names this refund, so repeating it is harmless."""
        order = await self.ledger.order(order_id)
        if order is None or not order.paid_by.startswith(PROVIDER + ":"):
            return Checkout(order_id, "not_paid_by_stripe", say.UNKNOWN_ORDER)
        intent_id = order.paid_by.split(":", 1)[1]
        params = {"payment_intent": intent_id, "reason": "requested_by_customer"}
        if amount is not None:
            params["amount"] = amount
        refund = await self.client.v1.refunds.create_async(
            params=params, options={"idempotency_key": f"order-{order_id}-refund-{key}"})
        charge = await self.client.v1.charges.retrieve_async(refund.charge)
        result = await self.ledger.refund(order_id, PROVIDER, intent_id, charge.amount_refunded)
        return Checkout(order_id, result.outcome, f"Refunded {money(refund.amount, refund.currency)}.",
                        intent_id, refund.status)

    async def _payment_in(self, order_id: str, *statuses: str) -> str:
        for payment in reversed(await self.ledger.payments(order_id)):
            if payment["provider"] == PROVIDER and payment["status"] in statuses:
                return payment["ref"]
        raise LookupError(f"order {order_id} has no Stripe payment in {', '.join(statuses)}")
