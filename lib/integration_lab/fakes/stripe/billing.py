"""The billing engine: what happens to subscriptions and invoices as time passes.

Each live subscription has at most one next thing due: its incomplete window closing (23 hours), a draft
invoice finalizing (an hour after a renewal), a failed invoice's next retry, or its period ending (renewal,
or the end of a subscription canceled at period end). `run_due` does whatever has fallen due, oldest first,
each at the moment it fell due (so replays are exact however late the sweep runs). Subscriptions of
customers on a test clock move only when that clock advances (clocks.py); the rest on the lab clock, swept
at the start of every API request and by the served fake's pump.

Failed renewals are retried on a fixed schedule standing in for Smart Retries' recommended default
(8 tries within 2 weeks, docs.stripe.com/billing/revenue-recovery/smart-retries); after the last one the
subscription is canceled, the Dashboard's default for "if all retries for a payment fail".
"""

from __future__ import annotations

import calendar
import copy
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from . import billing_objects, intents
from .world import CLOCK_HOOKS, Call, StripeFake

DAY, HOUR = 86400, 3600
INCOMPLETE_WINDOW = 23 * HOUR  # then incomplete_expired (Stripe's subscription status docs)
FINALIZE_AFTER = HOUR  # a renewal invoice stays a draft about an hour before it is finalized and charged
RETRY_DAYS = (1, 3, 5, 7, 9, 11, 14)  # after the first failure: 8 tries in all within 2 weeks (the lab's spacing)
AUTOMATIC = Call()  # what Stripe does on its own carries no request id
ENDED = ("canceled", "incomplete_expired")


# time --------------------------------------------------------------------------------------------------
def shift(ts: int, interval: str, count: int) -> int:
    """`ts` moved by `count` intervals; months keep the anchor's day, clamped (Jan 31 -> Feb 28)."""
    moment = datetime.fromtimestamp(ts, UTC)
    if interval in ("day", "week"):
        return ts + count * (7 if interval == "week" else 1) * DAY
    months = count * (12 if interval == "year" else 1)
    year, month = divmod(moment.month - 1 + months, 12)
    year += moment.year
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return int(moment.replace(year=year, month=month + 1, day=day).timestamp())


def period_end(anchor: int, recurring: dict[str, Any], after: int) -> int:
    """The first period boundary counted from the billing cycle anchor that is later than `after`."""
    step, k = recurring["interval_count"], 1
    while shift(anchor, recurring["interval"], step * k) <= after:
        k += 1
    return shift(anchor, recurring["interval"], step * k)


def shown(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@contextmanager
def at(fake: StripeFake, moment: int | None) -> Iterator[None]:
    """Objects made inside carry `moment` as their time (a test clock's, or when something fell due)."""
    before = fake.frozen_at
    fake.frozen_at = moment if moment is not None else before
    try:
        yield
    finally:
        fake.frozen_at = before


def clock_time(fake: StripeFake, customer: dict[str, Any]) -> int | None:
    clock = fake.objects.get(customer.get("test_clock") or "")
    return clock["frozen_time"] if clock else None


# charging -------------------------------------------------------------------------------------------------
def payment_method_of(fake: StripeFake, sub: dict[str, Any]) -> str | None:
    """Stripe's order: the subscription's default, then the customer's invoice_settings default."""
    customer = fake.objects.get(sub["customer"]) or {}
    return sub["default_payment_method"] or (customer.get("invoice_settings") or {}).get("default_payment_method")


# invoices -------------------------------------------------------------------------------------------------
DESCRIPTION = {"subscription_create": "Subscription creation", "subscription_cycle": "Subscription update"}


def new_invoice(fake: StripeFake, sub: dict[str, Any], reason: str, period: tuple[int, int],
                trial: bool = False) -> dict[str, Any]:
    """A draft; `period` is the one it bills for usage (the first invoice's: its creation instant)."""
    customer = fake.get("customer", sub["customer"], "customer")
    invoice_id = fake.new_id("in")
    lines = []
    for item in sub["items"]["data"]:
        name = (fake.objects.get(item["price"]["product"]) or {}).get("name", "Subscription")
        label = f"Trial period for {name}" if trial else f"{item['quantity']} × {name}"
        line = billing_objects.line_item(fake.new_id("il"), invoice_id, sub, item, label)
        if trial:
            line.update(amount=0, subtotal=0)
        lines.append(line)
    invoice = billing_objects.invoice(invoice_id, fake.now(), sub, customer, lines,
                                      {"billing_reason": reason, "period": period})
    sub["latest_invoice"] = invoice_id
    return fake.add(invoice)


def finalize(fake: StripeFake, invoice: dict[str, Any], call: Call) -> None:
    customer = fake.get("customer", invoice["customer"], "customer")
    sequence = customer["next_invoice_sequence"]
    customer["next_invoice_sequence"] = sequence + 1
    invoice.update(status="open", number=f"{customer['invoice_prefix']}-{sequence:04d}",
                   automatically_finalizes_at=None, effective_at=fake.now(),
                   hosted_invoice_url=f"{fake.base_url}/_lab/invoices/{invoice['id']}")
    invoice["status_transitions"]["finalized_at"] = fake.now()
    fake.emit("invoice.finalized", invoice, call)


def _paid(fake: StripeFake, invoice: dict[str, Any], call: Call) -> None:
    invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0, next_payment_attempt=None,
                   attempted=True, auto_advance=False)
    invoice["status_transitions"]["paid_at"] = fake.now()
    fake.emit("invoice.paid", invoice, call)
    fake.emit("invoice.payment_succeeded", invoice, call)


def attempt(fake: StripeFake, invoice: dict[str, Any], pm_id: str | None, call: Call) -> dict[str, Any] | None:
    """One payment attempt on an open invoice: the PaymentIntent (None when nothing was charged)."""
    invoice.update(attempted=True)
    if invoice["amount_due"] == 0:
        _paid(fake, invoice, call)
        return None
    invoice["attempt_count"] += 1
    if pm_id is None:  # nothing to charge: the attempt fails, and Stripe does not retry it
        invoice["next_payment_attempt"] = None
        fake.emit("invoice.payment_failed", invoice, call)
        return None
    pi = intents.charge_off_session(fake, invoice["customer"], pm_id, invoice["amount_due"], invoice["currency"], {},
                                    call, DESCRIPTION.get(invoice["billing_reason"]))
    payment = fake.add(billing_objects.invoice_payment(fake.new_id("inpay"), fake.now(), invoice, pi))
    if pi["status"] == "succeeded":
        payment.update(status="paid", amount_paid=pi["amount"])
        payment["status_transitions"]["paid_at"] = fake.now()
        _paid(fake, invoice, call)
    else:
        fake.emit("invoice.payment_failed", invoice, call)
    return pi


def _retry_at(invoice: dict[str, Any], first_failure: int) -> int | None:
    done = invoice["attempt_count"] - 1  # retries made so far
    return first_failure + RETRY_DAYS[done] * DAY if done < len(RETRY_DAYS) else None


# subscriptions ----------------------------------------------------------------------------------------------
def set_status(fake: StripeFake, sub: dict[str, Any], status: str, call: Call, **changes: Any) -> None:
    previous = {"status": sub["status"], **{name: sub[name] for name in changes}}
    sub.update(status=status, **changes)
    fake.emit("customer.subscription.deleted" if status == "canceled" else "customer.subscription.updated",
              sub, call, previous)
    touched(fake)


def cancel(fake: StripeFake, sub: dict[str, Any], call: Call, reason: str = "cancellation_requested") -> None:
    now = fake.now()
    sub["cancellation_details"]["reason"] = reason
    set_status(fake, sub, "canceled", call, canceled_at=sub["canceled_at"] or now, ended_at=now,
               cancel_at=sub["cancel_at"])


def _renew(fake: StripeFake, sub: dict[str, Any]) -> None:
    """The period ends: the items move to the next period and a draft invoice opens for it."""
    previous = {"items": copy.deepcopy(sub["items"]), "latest_invoice": sub["latest_invoice"]}
    old_start = sub["items"]["data"][0]["current_period_start"]
    start = sub["items"]["data"][0]["current_period_end"]
    for item in sub["items"]["data"]:
        item.update(current_period_start=start,
                    current_period_end=period_end(sub["billing_cycle_anchor"], item["price"]["recurring"], start))
    invoice = new_invoice(fake, sub, "subscription_cycle", (old_start, start))
    invoice["automatically_finalizes_at"] = fake.now() + FINALIZE_AFTER
    fake.emit("invoice.created", invoice, AUTOMATIC)
    if sub["status"] == "trialing":  # the trial is over: paid periods begin
        previous["status"] = "trialing"
        sub["status"] = "active"
    fake.emit("customer.subscription.updated", sub, AUTOMATIC, previous)


def _collect(fake: StripeFake, sub: dict[str, Any], invoice: dict[str, Any]) -> None:
    """Finalize a renewal draft and charge it; or retry an open one."""
    first = invoice["status"] == "draft"
    if first:
        finalize(fake, invoice, AUTOMATIC)
    pi = attempt(fake, invoice, payment_method_of(fake, sub), AUTOMATIC)
    if invoice["status"] == "paid":
        if sub["status"] in ("past_due", "unpaid"):
            set_status(fake, sub, "active", AUTOMATIC)
        return
    if pi is None:  # no payment method: Stripe does not retry
        if sub["status"] != "past_due":
            set_status(fake, sub, "past_due", AUTOMATIC)
        return
    # retries are counted from the first attempt, made when the invoice was finalized
    invoice["next_payment_attempt"] = _retry_at(invoice, invoice["status_transitions"]["finalized_at"])
    if invoice["next_payment_attempt"] is None:  # the last retry failed
        invoice["auto_advance"] = False
        cancel(fake, sub, AUTOMATIC, "payment_failed")
    elif sub["status"] != "past_due":
        set_status(fake, sub, "past_due", AUTOMATIC)


def _expire(fake: StripeFake, sub: dict[str, Any]) -> None:
    invoice = fake.objects.get(sub["latest_invoice"] or "")
    if invoice and invoice["status"] == "open":
        invoice.update(status="void", amount_remaining=0, next_payment_attempt=None, auto_advance=False)
        invoice["status_transitions"]["voided_at"] = fake.now()
        fake.emit("invoice.voided", invoice, AUTOMATIC)
    set_status(fake, sub, "incomplete_expired", AUTOMATIC, ended_at=fake.now())


def next_due(fake: StripeFake, sub: dict[str, Any]) -> tuple[int, str] | None:
    if sub["status"] in ENDED:
        return None
    if sub["status"] == "incomplete":
        return sub["created"] + INCOMPLETE_WINDOW, "expire"
    invoice = fake.objects.get(sub["latest_invoice"] or "")
    if invoice and invoice["status"] == "draft" and invoice["automatically_finalizes_at"]:
        return invoice["automatically_finalizes_at"], "collect"
    if invoice and invoice["status"] == "open" and invoice["next_payment_attempt"]:
        return invoice["next_payment_attempt"], "collect"
    end = sub["items"]["data"][0]["current_period_end"]
    if sub["cancel_at"] is not None and sub["cancel_at"] <= end:
        return sub["cancel_at"], "cancel"
    return end, "renew"


def _act(fake: StripeFake, sub: dict[str, Any], kind: str) -> None:
    if kind == "expire":
        _expire(fake, sub)
    elif kind == "collect":
        _collect(fake, sub, fake.get("invoice", sub["latest_invoice"]))
    elif kind == "cancel":
        cancel(fake, sub, AUTOMATIC)
    else:
        _renew(fake, sub)


def _subscriptions(fake: StripeFake, clock_id: str | None) -> list[dict[str, Any]]:
    index = fake.store.indexes.get("subscription")
    if index is None:
        return []
    return [sub for sub in (fake.objects[i] for i in reversed(list(index.newer_first())))
            if sub["test_clock"] == clock_id and sub["status"] not in ENDED]


def run_due(fake: StripeFake, clock_id: str | None = None, until: int | None = None) -> int:
    """Do what fell due up to `until` (the lab clock's now, or the time a test clock advances to) for the
    subscriptions of `clock_id` (None: those on no test clock). Returns how many things were done."""
    lab = clock_id is None
    now = fake.now() if until is None else until
    if lab and getattr(fake, "billing_due", 0) > now:
        return 0  # nothing can be due before the earliest time found last sweep
    done = 0
    while True:
        subs = _subscriptions(fake, clock_id)
        dues = [(due, position, sub, kind) for position, sub in enumerate(subs)
                for due, kind in [next_due(fake, sub) or (None, "")] if due is not None]
        ready = [d for d in dues if d[0] <= now]
        if not ready:
            if lab:
                fake.billing_due = min((d[0] for d in dues), default=float("inf"))
            return done
        due, _, sub, kind = min(ready, key=lambda d: (d[0], d[1]))
        with at(fake, due):
            _act(fake, sub, kind)
        done += 1


def touched(fake: StripeFake) -> None:
    """Something changed what falls due when: the next lab sweep looks again."""
    fake.billing_due = 0


CLOCK_HOOKS.append(run_due)  # renewals on the lab clock: StripeFake.catch_up (each request, the webhook pump)
