"""Invoices (/v1/invoices) and their payments (/v1/invoice_payments): what subscriptions bill.

Statuses draft -> open -> paid (or void, when an incomplete subscription expires). `pay` charges an open
invoice now with the given or default payment method; a decline answers the 402 card_error and leaves the
invoice open. Paying the first invoice of an incomplete subscription makes it active.
"""

from __future__ import annotations

from typing import Any

from . import billing
from .errors import StripeError, invalid
from .params import Params
from .routes_base import PAGE, route
from .world import Call, StripeFake

STATUSES = ("draft", "open", "paid", "uncollectible", "void")
ALREADY_PAID = "Invoice is already paid"  # wording unconfirmed
NOT_PAYABLE = "You can only pay an invoice that is open; this invoice's status is {status}."  # wording unconfirmed


def _invoice(fake: StripeFake, invoice_id: str) -> dict[str, Any]:
    return fake.get("invoice", invoice_id)


def pay(fake: StripeFake, invoice: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    pm_param = p.str("payment_method")
    if invoice["status"] == "paid":
        raise invalid(ALREADY_PAID)
    if invoice["status"] != "open":
        raise invalid(NOT_PAYABLE.format(status=invoice["status"]), "invoice_not_open")
    sub = fake.get("subscription", invoice["parent"]["subscription_details"]["subscription"], "subscription")
    customer = fake.get("customer", invoice["customer"], "customer")
    with billing.at(fake, billing.clock_time(fake, customer)):
        pm_id = fake.payment_method_for(pm_param)["id"] if pm_param else billing.payment_method_of(fake, sub)
        pi = billing.attempt(fake, invoice, pm_id, call)
        if invoice["status"] == "paid":
            if sub["status"] in ("incomplete", "past_due", "unpaid"):
                billing.set_status(fake, sub, "active", call)
            billing.touched(fake)
            return invoice
    error = (pi or {}).get("last_payment_error") or {}
    raise StripeError(402, "card_error", error.get("message", "Your card was declined."),
                      error.get("code", "card_declined"), decline_code=error.get("decline_code"),
                      charge=error.get("charge"))


def _list(fake: StripeFake, p: Params) -> dict[str, Any]:
    sub_id = p.str("subscription")
    return fake.listing("invoice", "/v1/invoices", p, customer=p.str("customer"),
                        status=p.str("status", choices=STATUSES),
                        where=(lambda o: o["parent"]["subscription_details"]["subscription"] == sub_id)
                        if sub_id else None)


def _lines(fake: StripeFake, invoice: dict[str, Any], p: Params) -> dict[str, Any]:
    lines = invoice["lines"]["data"]
    limit = p.int("limit") or 10
    return {"object": "list", "data": lines[:limit], "has_more": len(lines) > limit,
            "url": f"/v1/invoices/{invoice['id']}/lines"}


ROUTES = [
    route("GET", "/v1/invoices", "invoices.list", PAGE | {"customer", "subscription", "status", "collection_method"},
          lambda f, i, p, c: _list(f, p), ("invoice", True)),
    route("GET", "/v1/invoices/{id}", "invoices.retrieve", {"expand"},
          lambda f, i, p, c: _invoice(f, i["id"]), ("invoice", False)),
    route("GET", "/v1/invoices/{id}/lines", "invoices.list_lines", PAGE,
          lambda f, i, p, c: _lines(f, _invoice(f, i["id"]), p), ("line_item", True)),
    route("POST", "/v1/invoices/{id}/pay", "invoices.pay", {"payment_method", "off_session", "expand"},
          lambda f, i, p, c: pay(f, _invoice(f, i["id"]), p, c), ("invoice", False)),
    route("GET", "/v1/invoice_payments", "invoice_payments.list", PAGE | {"invoice", "status"},
          lambda f, i, p, c: f.listing("invoice_payment", "/v1/invoice_payments", p, invoice=p.str("invoice"),
                                       status=p.str("status")), ("invoice_payment", True)),
    route("GET", "/v1/invoice_payments/{id}", "invoice_payments.retrieve", {"expand"},
          lambda f, i, p, c: f.get("invoice_payment", i["id"]), ("invoice_payment", False)),
]
EXPANDABLE: dict[str, dict[str, str | None]] = {
    "invoice": {"customer": "customer", "default_payment_method": "payment_method", "subscription": "subscription",
                "test_clock": "test_helpers.test_clock", "account_tax_ids": None, "application": None,
                "default_source": None, "on_behalf_of": None},
    "line_item": {},
    "invoice_payment": {"invoice": "invoice", "payment.payment_intent": "payment_intent"},
}
