"""The club's Stripe events, as our Stripe webhook hands them over (https://docs.stripe.com/billing/subscriptions/
webhooks): each is one monotonic fact on the membership store and at most one notice, keyed by the Stripe
object, so the endpoint's contract holds (its event id is marked done only after this returns; a retry or a
swapped order converges).

    invoice.paid (billing_reason subscription_create or subscription_cycle)
        the membership runs to the end of the invoice line's period (a renewal applied twice or late changes
        nothing); the buyer is thanked once per invoice
    invoice.payment_failed
        the buyer is told once per invoice; access still runs to the end of the last paid period (no grace
        beyond it), and Stripe's retries may still pay it (invoice.paid then extends as usual)
    customer.subscription.deleted, or customer.subscription.updated with status canceled
        the subscription ended at its `ended_at`: access stops there; the buyer is told once per subscription
    customer.subscription.updated with status unpaid
        Stripe gave up retrying: access already stopped at the last paid period; the buyer is told once

Which buyer: our metadata (`user_id`, `chat_id`), put on the Subscription by the Checkout Session
(`subscription_data[metadata]`). An invoice carries it in `parent.subscription_details.metadata` (API versions
from 2025-03-31; older ones: `subscription_details.metadata` and a top-level `subscription`). Events of
subscriptions without it are not the club's and are ignored.
"""

from __future__ import annotations

from typing import Any

from ..money import money
from .club import ClubStore, utc
from .club_sales import ClubSales

RENEWING = ("subscription_create", "subscription_cycle")  # an invoice for a new period of the subscription
_SECONDS = range(0, 2**40)


class StripeClubEvents:
    def __init__(self, store: ClubStore, sales: ClubSales):
        self.store, self.sales = store, sales

    async def apply(self, event: dict[str, Any]) -> str:
        obj, kind = event["data"]["object"], event["type"]
        if kind.startswith("invoice."):
            subscription, metadata = invoice_subscription(obj)
        else:
            subscription, metadata = obj.get("id"), obj.get("metadata") or {}
        buyer = _buyer(metadata)
        if buyer is None or not subscription:
            return "ignored (not a club subscription)"
        user_id, chat_id = buyer
        source = f"stripe:{subscription}"
        if kind == "invoice.paid":
            if obj.get("billing_reason") not in RENEWING:
                return f"ignored (billing_reason {obj.get('billing_reason')})"
            membership = await self.store.paid_through(user_id, source, period_end(obj, subscription), chat_id)
            await self.sales.notify(user_id, chat_id, f"paid:{obj['id']}",
                                    f"Your club membership is paid until {utc(membership.paid_through)} "
                                    f"({money(obj['amount_paid'], obj['currency'].upper())} by card). Thank you!")
            return f"club paid through {membership.paid_through}"
        if kind == "invoice.payment_failed":
            membership = await self.store.get(user_id)
            until = f" Your membership runs until {utc(membership.paid_through)}." if membership else ""
            await self.sales.notify(user_id, chat_id, f"failed:{obj['id']}",
                                    f"Your club renewal of {money(obj['amount_due'], obj['currency'].upper())} could "
                                    f"not be charged to your card.{until} Stripe will try again; you can update "
                                    "your card meanwhile.")
            return "club renewal failed: told"
        status = obj.get("status")
        if kind == "customer.subscription.deleted" or status == "canceled":
            at = obj.get("ended_at") or obj.get("canceled_at") or event.get("created") or 0
            membership = await self.store.ended(user_id, source, at, chat_id)
            still = (f" You remain a member until {utc(membership.paid_through)} ({membership.by})."
                     if membership.active(self.store.clock.time()) else "")
            await self.sales.notify(user_id, chat_id, f"ended:{subscription}",
                                    f"Your club subscription by card has ended.{still} Send /club to join again.")
            return f"club ended at {at}"
        if status == "unpaid":
            await self.sales.notify(user_id, chat_id, f"unpaid:{subscription}",
                                    "We could not collect your club renewal, so your membership has ended. Send "
                                    "/club to join again.")
            return "club unpaid: told"
        return "ignored"

    @staticmethod
    def malformed(event: dict[str, Any]) -> str | None:
        """Why a club event's fields could not be applied (answered 400, as the webhook does), or None."""
        obj, kind = event["data"]["object"], event["type"]
        if kind.startswith("invoice."):
            subscription, metadata = invoice_subscription(obj)
        else:
            subscription, metadata = obj.get("id"), obj.get("metadata")
        if not isinstance(metadata, dict) or _buyer(metadata) is None:
            return None  # not the club's: ignored
        if not isinstance(subscription, str) or not subscription.isascii() or not 0 < len(subscription) <= 255:
            return "malformed event: subscription"
        if kind == "invoice.paid" and obj.get("billing_reason") in RENEWING:
            try:
                period_end(obj, subscription)
            except (KeyError, TypeError, ValueError):
                return "malformed event: lines.data[].period.end"
        if kind.startswith("invoice."):
            amount = obj.get("amount_paid" if kind == "invoice.paid" else "amount_due")
            if not isinstance(obj.get("id"), str) or not isinstance(obj.get("currency"), str) \
                    or type(amount) is not int or amount < 0:
                return "malformed event: invoice id, currency or amount"
        elif obj.get("ended_at") is not None and type(obj["ended_at"]) is not int:
            return "malformed event: ended_at"
        return None


def invoice_subscription(invoice: dict[str, Any]) -> tuple[str | None, dict]:
    """(the subscription id, its metadata snapshot) of an invoice, in either API version's place."""
    details = ((invoice.get("parent") or {}).get("subscription_details")
               or invoice.get("subscription_details") or {})
    subscription = details.get("subscription") or invoice.get("subscription")
    if isinstance(subscription, dict):  # expanded
        subscription = subscription.get("id")
    return subscription, details.get("metadata") or {}


def period_end(invoice: dict[str, Any], subscription: str) -> int:
    """The end of the period the invoice bills: its subscription lines' latest `period.end`. (The invoice's own
    period_end is the previous period's, for a renewal.)"""
    ends = []
    for line in (invoice.get("lines") or {}).get("data") or []:
        item = ((line.get("parent") or {}).get("subscription_item_details") or {})
        if (item.get("subscription") or line.get("subscription")) in (subscription, None):
            ends.append(line["period"]["end"])
    if not ends or not all(type(end) is int and end in _SECONDS for end in ends):
        raise ValueError("no subscription line with a period end")
    return max(ends)


def _buyer(metadata: dict) -> tuple[int, int] | None:
    """(user id, chat id) from our metadata; None if it is not ours."""
    user, chat = metadata.get("user_id"), metadata.get("chat_id", metadata.get("user_id"))
    if not (isinstance(user, str) and user.isdigit() and isinstance(chat, str) and chat.lstrip("-").isdigit()):
        return None
    if len(user) > 19 or len(chat) > 20:
        return None
    return int(user), int(chat)
