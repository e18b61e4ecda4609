"""Subscriptions (/v1/subscriptions) on recurring Prices, collected automatically.

Creating one charges its first invoice at once with the subscription's or the customer's default payment
method (a trial's first invoice is 0); `payment_behavior` decides what a decline does: `allow_incomplete`
(the default) keeps the subscription `incomplete` for 23 hours, `error_if_incomplete` answers the 402 and
keeps nothing, `default_incomplete` charges nothing and waits for the invoice to be paid. What follows in
time (renewals, retries, period-end cancellations) is billing.py's.
"""

from __future__ import annotations

import copy
from typing import Any

from . import billing, billing_objects, clocks, intents
from .errors import StripeError, invalid
from .params import Params
from .routes_base import PAGE, route
from .world import Call, StripeFake

STATUSES = ("active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due", "paused",
            "trialing", "unpaid")
CREATE = {"customer", "items", "default_payment_method", "trial_period_days", "trial_end", "metadata",
          "payment_behavior", "cancel_at_period_end", "collection_method", "description", "expand"}
UPDATE = {"cancel_at_period_end", "metadata", "default_payment_method", "description", "expand"}
MAX_TRIAL_DAYS = 730  # "trial_period_days … up to 730 days" (Stripe's API reference)
ONE_TIME = ("The price specified is set to `type=one_time` but this field only accepts prices with "
            "`type=recurring`.")
MIXED = "Currency and interval fields must match across all plans on this subscription."  # wording unconfirmed
NOT_ATTACHED = ("The customer does not have a payment method with the ID {pm}. The payment method must be attached "
                "to the customer.")
NO_METHOD = ("This customer has no attached payment source or default payment method. Please consider adding a "
             "default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/"
             "payment-methods-setting#payment-method-priority.")
ENDED_UPDATE = "A canceled subscription can only update its cancellation_details and metadata."  # wording unconfirmed
NO_SUCH = "No such subscription: '{id}'"


def _sub(fake: StripeFake, sub_id: str) -> dict[str, Any]:
    return fake.get("subscription", sub_id)


def _items(fake: StripeFake, p: Params) -> list[tuple[dict[str, Any], int]]:
    raw = p.list("items")
    if not raw:
        raise invalid("Missing required param: items.", "parameter_missing", "items")
    found = []
    for n, entry in enumerate(raw):
        if not isinstance(entry, dict):
            raise invalid("Invalid hash", "parameter_invalid_hash", f"items[{n}]")
        item = Params(entry, frozenset({"price", "quantity", "metadata"}))
        price = fake.get("price", item.str("price", required=True), f"items[{n}][price]")
        quantity = item.int("quantity")
        quantity = 1 if quantity is None else quantity
        if quantity < 0:
            raise invalid("This value must be greater than or equal to 0.", "parameter_invalid_integer",
                          f"items[{n}][quantity]")
        found.append((price, quantity))
    return found


def _check_prices(items: list[tuple[dict[str, Any], int]]) -> None:
    for n, (price, _) in enumerate(items):
        if price["type"] != "recurring":
            raise invalid(ONE_TIME, param=f"items[{n}][price]")
    first = items[0][0]
    for price, _ in items[1:]:
        if (price["currency"], price["recurring"]["interval"], price["recurring"]["interval_count"]) != \
                (first["currency"], first["recurring"]["interval"], first["recurring"]["interval_count"]):
            raise invalid(MIXED, param="items")


def _attached_method(fake: StripeFake, customer: dict[str, Any], pm_id: str | None, param: str) -> str | None:
    if not pm_id:
        return None
    pm = fake.objects.get(pm_id)
    if pm is None or pm["object"] != "payment_method" or pm["customer"] != customer["id"]:
        raise invalid(NOT_ATTACHED.format(pm=pm_id), "resource_missing", param)
    return pm_id


def _trial_end(p: Params, now: int) -> int | None:
    if "trial_end" in p:
        value = p.str("trial_end")
        if value == "now":
            return None
        end = p.int("trial_end")
        if end <= now:  # wording unconfirmed
            raise invalid("Invalid timestamp: must be an integer Unix timestamp in the future.", param="trial_end")
        return end
    days = p.int("trial_period_days")
    if days is None or days == 0:
        return None
    if not 0 <= days <= MAX_TRIAL_DAYS:
        raise invalid(f"This value must be less than or equal to {MAX_TRIAL_DAYS}." if days > 0 else
                      "This value must be greater than or equal to 0.", "parameter_invalid_integer",
                      "trial_period_days")
    return now + days * billing.DAY


def create(fake: StripeFake, p: Params, call: Call) -> dict[str, Any]:
    customer = fake.get("customer", p.str("customer", required=True), "customer")
    with billing.at(fake, billing.clock_time(fake, customer)):
        return _create(fake, customer, p, call)


def _create(fake: StripeFake, customer: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    items = _items(fake, p)
    _check_prices(items)
    behavior = p.str("payment_behavior", choices=("allow_incomplete", "default_incomplete", "error_if_incomplete",
                                                  "pending_if_incomplete")) or "allow_incomplete"
    if p.str("collection_method", choices=("charge_automatically", "send_invoice")) == "send_invoice":
        raise invalid("The lab's Stripe collects subscriptions automatically only (collection_method="
                      "charge_automatically).", param="collection_method")
    pm_id = _attached_method(fake, customer, p.str("default_payment_method"), "default_payment_method")
    now = fake.now()
    trial_end = _trial_end(p, now)
    clocks.check_room(fake, customer)
    if trial_end is None and behavior != "default_incomplete" and not (
            pm_id or customer["invoice_settings"]["default_payment_method"]) and \
            any(price["unit_amount"] * quantity for price, quantity in items):
        raise invalid(NO_METHOD)
    return start(fake, customer, items, pm_id, call, p.metadata(), trial_end, behavior,
                 p.bool("cancel_at_period_end"), p.str("description"))


def start(fake: StripeFake, customer: dict[str, Any], items: list[tuple[dict[str, Any], int]], pm_id: str | None,
          call: Call, metadata: dict[str, str], trial_end: int | None, behavior: str,
          cancel_at_period_end: bool = False, description: str | None = None) -> dict[str, Any]:
    """The subscription and its first invoice, paid (or not) as `behavior` says; checked input only."""
    now = fake.now()
    sub_id = fake.new_id("sub")
    anchor = trial_end or now
    made = []
    for price, quantity in items:
        end = trial_end or billing.period_end(anchor, price["recurring"], now)
        made.append(billing_objects.subscription_item(fake.new_id("si")[:17], now, sub_id, price, quantity,
                                                      (now, end)))
    sub = billing_objects.subscription(sub_id, now, {
        "anchor": anchor, "currency": items[0][0]["currency"], "customer": customer["id"], "items": made,
        "default_payment_method": pm_id, "metadata": metadata, "status": "trialing" if trial_end else "incomplete",
        "test_clock": customer["test_clock"], "trial_start": now if trial_end else None, "trial_end": trial_end,
        "description": description})
    if cancel_at_period_end:
        sub.update(cancel_at_period_end=True, cancel_at=made[0]["current_period_end"])
    invoice = billing.new_invoice(fake, sub, "subscription_create", (now, now), trial=bool(trial_end))
    fake.remove(invoice["id"])  # kept only once the outcome allows (error_if_incomplete keeps nothing)
    invoice.update(status="open", attempted=invoice["amount_due"] > 0 and behavior != "default_incomplete")
    pi = None
    if invoice["amount_due"] and behavior != "default_incomplete":
        pi = intents.charge_off_session(fake, customer["id"], billing.payment_method_of(fake, sub) or "",
                                        invoice["amount_due"], invoice["currency"], {}, call,
                                        billing.DESCRIPTION["subscription_create"])
        if pi["status"] != "succeeded" and behavior == "error_if_incomplete":
            raise _declined(fake, pi)
    fake.add(sub)
    fake.add(invoice)
    invoice["status"] = "draft"
    fake.emit("customer.subscription.created", sub, call)
    fake.emit("invoice.created", invoice, call)
    billing.finalize(fake, invoice, call)
    if pi is not None:
        payment = fake.add(billing_objects.invoice_payment(fake.new_id("inpay"), now, invoice, pi))
        invoice["attempt_count"] = 1
        if pi["status"] == "succeeded":
            payment.update(status="paid", amount_paid=pi["amount"])
            payment["status_transitions"]["paid_at"] = now
    if invoice["amount_due"] == 0 or (pi is not None and pi["status"] == "succeeded"):
        billing._paid(fake, invoice, call)
        if sub["status"] == "incomplete":
            billing.set_status(fake, sub, "active", call)
    elif pi is not None:
        fake.emit("invoice.payment_failed", invoice, call)
    billing.touched(fake)
    return sub


def _declined(fake: StripeFake, pi: dict[str, Any]) -> StripeError:
    error = pi["last_payment_error"] or {}
    return StripeError(402, "card_error", error.get("message", "Your card was declined."),
                       error.get("code", "card_declined"), error.get("param"), decline_code=error.get("decline_code"),
                       charge=error.get("charge"), payment_intent=copy.deepcopy(pi),
                       payment_method=copy.deepcopy(error.get("payment_method")))


def create_from_checkout(fake: StripeFake, customer_id: str, items: list[tuple[str, int]], payment_method_id: str,
                         call: Call, metadata: dict[str, str], trial_period_days: int | None) -> dict[str, Any]:
    """What a Checkout Session in subscription mode makes once the buyer pays: the subscription with the
    buyer's card as its default payment method. A declined first payment raises its 402 card_error and
    keeps no subscription (the buyer stays on the Checkout page)."""
    customer = fake.get("customer", customer_id, "customer")
    prices = [(fake.get("price", price_id, "line_items[price]"), quantity) for price_id, quantity in items]
    _check_prices(prices)
    with billing.at(fake, billing.clock_time(fake, customer)):
        trial_end = fake.now() + trial_period_days * billing.DAY if trial_period_days else None
        return start(fake, customer, prices, payment_method_id, call, dict(metadata), trial_end,
                     "error_if_incomplete")


def update(fake: StripeFake, sub: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    customer = fake.get("customer", sub["customer"], "customer")
    with billing.at(fake, billing.clock_time(fake, customer)):
        if sub["status"] in billing.ENDED and set(p.raw) - {"metadata", "expand"}:
            raise invalid(ENDED_UPDATE)
        changes: dict[str, Any] = {}
        if "metadata" in p:
            changes["metadata"] = p.merged_metadata(sub["metadata"])
        if "description" in p:
            changes["description"] = p.str("description") or None
        if "default_payment_method" in p:
            changes["default_payment_method"] = _attached_method(fake, customer, p.str("default_payment_method"),
                                                                 "default_payment_method")
        if "cancel_at_period_end" in p:
            at_end = p.bool("cancel_at_period_end")
            end = sub["items"]["data"][0]["current_period_end"]
            changes.update(cancel_at_period_end=at_end, cancel_at=end if at_end else None,
                           canceled_at=fake.now() if at_end else None)
        previous = {name: sub[name] for name in changes}
        sub.update(changes)
        fake.emit("customer.subscription.updated", sub, call, previous)
        billing.touched(fake)
        return sub


def cancel_now(fake: StripeFake, sub: dict[str, Any], call: Call) -> dict[str, Any]:
    if sub["status"] in billing.ENDED:  # wording unconfirmed
        raise invalid(f"A canceled subscription can't be canceled again: {sub['id']}.", "resource_missing", "id")
    customer = fake.get("customer", sub["customer"], "customer")
    with billing.at(fake, billing.clock_time(fake, customer)):
        billing.cancel(fake, sub, call)
    return sub


def _list(fake: StripeFake, p: Params) -> dict[str, Any]:
    status = p.str("status", choices=STATUSES)
    price = p.str("price")

    def match(sub: dict[str, Any]) -> bool:
        if price and all(item["price"]["id"] != price for item in sub["items"]["data"]):
            return False
        if status == "all":
            return True
        if status == "ended":
            return sub["status"] in billing.ENDED
        if status is None:  # Stripe lists every subscription but the canceled ones by default
            return sub["status"] != "canceled"
        return sub["status"] == status
    return fake.listing("subscription", "/v1/subscriptions", p, customer=p.str("customer"),
                        test_clock=p.str("test_clock"), where=match)


ROUTES = [
    route("POST", "/v1/subscriptions", "subscriptions.create", CREATE, lambda f, i, p, c: create(f, p, c),
          ("subscription", False)),
    route("GET", "/v1/subscriptions", "subscriptions.list", PAGE | {"customer", "price", "status", "test_clock"},
          lambda f, i, p, c: _list(f, p), ("subscription", True)),
    route("GET", "/v1/subscriptions/{id}", "subscriptions.retrieve", {"expand"},
          lambda f, i, p, c: _sub(f, i["id"]), ("subscription", False)),
    route("POST", "/v1/subscriptions/{id}", "subscriptions.update", UPDATE,
          lambda f, i, p, c: update(f, _sub(f, i["id"]), p, c), ("subscription", False)),
    route("DELETE", "/v1/subscriptions/{id}", "subscriptions.cancel", {"expand", "invoice_now", "prorate",
                                                                       "cancellation_details"},
          lambda f, i, p, c: cancel_now(f, _sub(f, i["id"]), c), ("subscription", False)),
]
EXPANDABLE: dict[str, dict[str, str | None]] = {
    "subscription": {"customer": "customer", "latest_invoice": "invoice", "default_payment_method": "payment_method",
                     "test_clock": "test_helpers.test_clock", "application": None, "default_source": None,
                     "on_behalf_of": None, "pending_setup_intent": None, "schedule": None},
    "test_helpers.test_clock": {},
}
