"""The Stripe scenarios' world: the fake Stripe, our gateway and webhook endpoint wired to it in-process,
the shared ledger in the lab's Redis, and the tables a notebook prints.

`await stripe_world(lab)` registers our endpoint with the fake (as a team does in the Dashboard), so
every payment's events are signed and delivered to our app when `deliver()` is called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pandas as pd
import stripe

from ..app.payments import reconciliation
from ..app.payments.ledger import Ledger
from ..app.payments.stripe_gateway import Checkout, StripeGateway
from ..app.payments.stripe_webhook import StripeWebhooks, stripe_webhook_app
from ..fakes.stripe import StripeFake, sdk_http_client

API_KEY = "sk_test_lab_0000000000000000000000000000"  # a test-mode key the fake accepts; never a real one
WEBHOOK_URL = "https://shop.example/stripe/webhook"
RETURN_URL = "https://shop.example/paid"


@dataclass
class PaymentsWorld:
    lab: Any
    fake: StripeFake
    client: stripe.StripeClient
    ledger: Ledger
    gateway: StripeGateway
    webhooks: StripeWebhooks
    http: httpx.AsyncClient  # what the fake delivers webhooks through: straight into our ASGI app
    secret: str

    async def order(self, amount: int, currency: str = "USD") -> str:
        return (await self.ledger.open_order(amount, currency)).order_id

    async def deliver(self) -> pd.DataFrame:
        """Send every webhook delivery that has fallen due; one row per attempt."""
        rows = await self.fake.deliveries.deliver_due(self.http)
        return deliveries_table(rows)

    async def deliver_over(self, seconds: int, step: int = 60) -> pd.DataFrame:
        """Deliver now and after every `step` lab seconds, up to `seconds`: retries fall due on the way."""
        rows, t = [], 0
        while True:
            for row in await self.fake.deliveries.deliver_due(self.http):
                rows.append({"t (s)": t, **row})
            if t >= seconds:
                break
            await self.lab.advance(step)
            t += step
        return deliveries_table(rows, timed=True)

    def events(self) -> pd.DataFrame:
        """The events the fake has emitted, oldest first."""
        found = [o for o in self.fake.objects.values() if o["object"] == "event"]
        return pd.DataFrame([{"event": e["id"], "type": e["type"], "object": e["data"]["object"]["id"]}
                             for e in found], columns=["event", "type", "object"])

    def handled(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.webhooks.handled), columns=["event", "type", "status", "outcome"])

    async def orders(self, *order_ids: str) -> pd.DataFrame:
        return await orders_table(self.ledger, order_ids)

    async def journal(self, order_id: str) -> pd.DataFrame:
        return await journal_table(self.ledger, order_id)


async def orders_table(ledger: Ledger, order_ids, delivered: bool = False) -> pd.DataFrame:
    """The orders as the ledger holds them; `delivered` adds whether the goods went out."""
    columns = ["order", "amount", "currency", "status", "paid by", "refunded"] + (["delivered"] if delivered else [])
    rows = []
    for order_id in order_ids:
        order = await ledger.order(order_id)
        rows.append({"order": order_id, "amount": order.amount, "currency": order.currency, "status": order.status,
                     "paid by": order.paid_by, "refunded": order.refunded, "delivered": order.delivered})
    return pd.DataFrame(rows, columns=columns)


async def payments_table(ledger: Ledger, order_id: str) -> pd.DataFrame:
    """An order's payments, oldest first, as the ledger holds them."""
    columns = ["provider", "ref", "amount", "currency", "status", "refunded", "reason"]
    return pd.DataFrame([{c: r.get(c, "") for c in columns} for r in await ledger.payments(order_id)],
                        columns=columns)


async def journal_table(ledger: Ledger, order_id: str) -> pd.DataFrame:
    """Every transition the ledger applied to an order, in order, with its outcome."""
    columns = ["op", "provider", "ref", "amount", "outcome", "status"]
    return pd.DataFrame([{c: r[c] for c in columns} for r in await ledger.journal(order_id)], columns=columns)


async def reconciliation_table(ledger: Ledger, order_ids, statements) -> pd.DataFrame:
    """app.payments.reconciliation's rows as a table: `check` is ok where the ledger and a provider agree."""
    rows = await reconciliation.reconcile(ledger, order_ids, statements)
    return pd.DataFrame(rows, columns=reconciliation.COLUMNS)


def deliveries_table(rows: list[dict[str, Any]], timed: bool = False) -> pd.DataFrame:
    columns = (["t (s)"] if timed else []) + ["event", "type", "attempt", "status", "error"]
    return pd.DataFrame(rows, columns=columns).astype({"status": "Int64"}).fillna({"error": ""})


def checkout_table(checkouts: list[Checkout]) -> pd.DataFrame:
    return pd.DataFrame([{"order": c.order_id, "outcome": c.outcome, "intent status": c.status or "",
                          "code": c.code or "", "bot says": c.message} for c in checkouts],
                        columns=["order", "outcome", "intent status", "code", "bot says"])


async def stripe_world(lab, events: tuple[str, ...] = ("*",), tolerance: int = 300,
                       max_network_retries: int = 2) -> PaymentsWorld:
    fake = StripeFake(lab.clock, lab.ids, base_url="https://stripe.lab")
    client = stripe.StripeClient(API_KEY, http_client=sdk_http_client(fake), max_network_retries=max_network_retries)
    ledger = Ledger(lab.redis, lab.keys, lab.clock)
    endpoint = await client.v1.webhook_endpoints.create_async(params={"url": WEBHOOK_URL, "enabled_events": list(events)})
    gateway = StripeGateway(client, ledger)
    webhooks = StripeWebhooks(ledger, [endpoint.secret], tolerance, refund_refused=gateway.refund_refused)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=stripe_webhook_app(webhooks)))
    return PaymentsWorld(lab, fake, client, ledger, gateway, webhooks, http, endpoint.secret)
