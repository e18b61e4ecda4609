"""Selling a subscription with Stripe: the recurring Price (found by its lookup key, created once) and a Checkout
Session in subscription mode, whose Subscription carries our metadata (`subscription_data[metadata]`) so every
invoice of it names the buyer (`parent.subscription_details.metadata`, a snapshot taken at finalization).

In test mode a shop may put its subscribers on a Stripe test clock (`test_clock`, None otherwise): each Checkout
Session then gets a Customer of its own created on that clock (Stripe's way to test renewals with Checkout:
https://docs.stripe.com/billing/testing/test-clocks), and the subscription lives on the clock's time.

Both go through the gateway's breaker and bulkhead; Stripe being unwell is raised as StripeUnavailable. Each
write has an idempotency key, so a retry after a lost answer gets the same Price or Session back.
"""

from __future__ import annotations

from dataclasses import dataclass

from .stripe_gateway import StripeGateway


@dataclass(frozen=True)
class RecurringPlan:
    lookup_key: str  # how the shop finds its Price again (https://docs.stripe.com/products-prices/manage-prices)
    name: str
    amount: int  # minor units
    currency: str  # lower case, as Stripe writes it
    interval: str = "month"


class StripeSubscriptions:
    def __init__(self, gateway: StripeGateway, success_url: str):
        self.gateway, self.success_url = gateway, success_url
        self._prices: dict[str, str] = {}  # lookup key -> price id, once found
        self.test_clock: str | None = None  # test mode: each session's Customer is created on this clock

    async def price(self, plan: RecurringPlan) -> str:
        if plan.lookup_key not in self._prices:
            self._prices[plan.lookup_key] = await self.gateway.guarded(self._price, plan)
        return self._prices[plan.lookup_key]

    async def _price(self, plan: RecurringPlan) -> str:
        prices = self.gateway.client.v1.prices
        found = await prices.list_async(params={"lookup_keys": [plan.lookup_key], "active": True, "limit": 1})
        if found.data:
            return found.data[0].id
        created = await prices.create_async(params={
            "currency": plan.currency, "unit_amount": plan.amount, "recurring": {"interval": plan.interval},
            "lookup_key": plan.lookup_key, "product_data": {"name": plan.name}},
            options={"idempotency_key": f"price-{plan.lookup_key}"})
        return created.id

    async def checkout(self, plan: RecurringPlan, metadata: dict[str, str], key: str):
        """A hosted Checkout Session for one unit of the plan; `key` names the buyer's request (a Telegram
        update), so a redelivery gets the same session. Returns the session (its `url` is for the buyer)."""
        price = await self.price(plan)
        return await self.gateway.guarded(self._session, price, metadata, key)

    async def _session(self, price: str, metadata: dict[str, str], key: str):
        params = {"mode": "subscription", "line_items": [{"price": price, "quantity": 1}],
                  "client_reference_id": metadata.get("user_id", ""), "metadata": metadata,
                  "subscription_data": {"metadata": metadata}, "success_url": self.success_url}
        if self.test_clock is not None:
            customer = await self.gateway.client.v1.customers.create_async(
                params={"test_clock": self.test_clock, "metadata": metadata},
                options={"idempotency_key": f"subscription-customer-{key}"})
            params["customer"] = customer.id
        return await self.gateway.client.v1.checkout.sessions.create_async(
            params=params, options={"idempotency_key": f"subscription-checkout-{key}"})
