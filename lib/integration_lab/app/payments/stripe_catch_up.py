"""Stripe's paid events set against our ledger: a payment Stripe took that the ledger does not count, applied now.

Stripe resends an event only while our endpoint has not answered 2xx: "Stripe automatically resends the
undelivered events to your endpoint for up to three days" (https://docs.stripe.com/webhooks/process-undelivered-events).
An event answered 2xx whose writes were lost after the answer (a Redis primary that died before its replica had
them: notebooks/resilience/06_redis_failover) is never resent, and its delivery succeeded, so asking for the
events whose delivery failed (`delivery_success=false`) does not find it either. `catch_up` lists every
`payment_intent.succeeded` Stripe still keeps ("Stripe only returns events created in the last 30 days", the
same page) and hands each whose PaymentIntent the ledger does not count as paid to the webhook endpoint's own
`apply`: the repeatable steps a delivery takes, so the payment settles once and the goods are queued once.
Run it on a schedule, and after a failover.
"""

from __future__ import annotations

from .stripe_webhook import PROVIDER, StripeWebhooks

PAID = "payment_intent.succeeded"
COUNTED = ("succeeded", "refused")  # the ledger has the payment: paying the order, or refused and given back
COLUMNS = ["event", "payment_intent", "order", "ledger had", "outcome"]


async def catch_up(stripe_client, webhooks: StripeWebhooks) -> list[dict]:
    """One row per paid event of ours (COLUMNS): what the ledger had, and what applying it did (or `kept`)."""
    rows = []
    page = await stripe_client.v1.events.list_async(params={"type": PAID, "limit": 100})
    async for listed in page.auto_paging_iter():
        event = listed.to_dict()
        intent = event["data"]["object"]
        order_id = (intent.get("metadata") or {}).get("order_id")
        if not order_id:
            continue  # not one of our orders
        had = await webhooks.ledger.payment(order_id, PROVIDER, intent["id"])
        status = had["status"] if had else "nothing"
        outcome = "kept" if status in COUNTED else await webhooks.apply(event)
        rows.append({"event": event["id"], "payment_intent": intent["id"], "order": order_id, "ledger had": status,
                     "outcome": outcome})
    return rows
