"""Billing's objects as Stripe sends them: test clocks, subscriptions and their items, invoices, their
lines and payments. Each has exactly the top-level keys of Stripe's example object for its resource
(tests/test_stripe_shapes.py and tests/test_stripe_subscriptions.py hold them against the fixtures).

Recent API versions moved an invoice's PaymentIntent into `payments` (InvoicePayment objects, listed by
/v1/invoice_payments) and its subscription into `parent.subscription_details`; the fixture still carries a
top-level `subscription`, so it is kept and filled.
"""

from __future__ import annotations

import copy
from typing import Any

CLOCK_LIFETIME = 7 * 24 * 3600  # deletes_after: the API reference's example is created + 604800 s


def test_clock(clock_id: str, created: int, frozen_time: int, name: str | None) -> dict[str, Any]:
    return {"id": clock_id, "object": "test_helpers.test_clock", "created": created,
            "deletes_after": created + CLOCK_LIFETIME, "frozen_time": frozen_time, "livemode": False, "name": name,
            "status": "ready", "status_details": {}}


def plan(price: dict[str, Any]) -> dict[str, Any]:
    """The legacy `plan` view of a recurring price that subscription items still carry."""
    recurring = price["recurring"] or {}
    return {"id": price["id"], "object": "plan", "active": price["active"], "amount": price["unit_amount"],
            "amount_decimal": price["unit_amount_decimal"], "billing_scheme": "per_unit",
            "created": price["created"], "currency": price["currency"], "interval": recurring.get("interval"),
            "interval_count": recurring.get("interval_count"), "livemode": False,
            "metadata": dict(price["metadata"]), "meter": None, "nickname": price["nickname"],
            "product": price["product"], "tiers_mode": None, "transform_usage": None,
            "trial_period_days": recurring.get("trial_period_days"), "usage_type": recurring.get("usage_type")}


def subscription_item(item_id: str, created: int, sub_id: str, price: dict[str, Any], quantity: int,
                      period: tuple[int, int]) -> dict[str, Any]:
    return {"id": item_id, "object": "subscription_item", "billing_thresholds": None, "created": created,
            "current_period_end": period[1], "current_period_start": period[0], "discounts": [], "metadata": {},
            "plan": plan(price), "price": copy.deepcopy(price), "quantity": quantity, "subscription": sub_id,
            "tax_rates": []}


def subscription(sub_id: str, created: int, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": sub_id, "object": "subscription", "application": None, "application_fee_percent": None,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None},
        "billing_cycle_anchor": p["anchor"],
        "billing_cycle_anchor_config": None, "billing_mode": {"flexible": None, "type": "classic"},
        "billing_schedules": [], "billing_thresholds": None, "cancel_at": None,
        "cancel_at_period_end": p.get("cancel_at_period_end", False), "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically", "created": created, "currency": p["currency"],
        "customer": p["customer"], "customer_account": None, "days_until_due": None,
        "default_payment_method": p.get("default_payment_method"), "default_source": None, "default_tax_rates": [],
        "description": p.get("description"), "discounts": [], "ended_at": None,
        "invoice_settings": {"account_tax_ids": None, "issuer": {"type": "self"}},
        "items": {"object": "list", "data": p["items"], "has_more": False,
                  "url": f"/v1/subscription_items?subscription={sub_id}"},
        "latest_invoice": None, "livemode": False, "managed_payments": None,
        "metadata": dict(p.get("metadata") or {}), "next_pending_invoice_item_invoice": None, "on_behalf_of": None,
        "pause_collection": None,
        "payment_settings": {"payment_method_options": None, "payment_method_types": None,
                             "save_default_payment_method": "off"},
        "pending_invoice_item_interval": None, "pending_setup_intent": None, "pending_update": None,
        "schedule": None, "start_date": created, "status": p["status"], "test_clock": p.get("test_clock"),
        "transfer_data": None, "trial_end": p.get("trial_end"),
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": p.get("trial_start"),
    }


def line_item(line_id: str, invoice_id: str, sub: dict[str, Any], item: dict[str, Any],
              description: str) -> dict[str, Any]:
    amount = item["price"]["unit_amount"] * item["quantity"]
    return {
        "id": line_id, "object": "line_item", "amount": amount, "currency": item["price"]["currency"],
        "description": description, "discount_amounts": [], "discountable": True, "discounts": [],
        "invoice": invoice_id, "livemode": False, "metadata": dict(sub["metadata"]),
        "parent": {"invoice_item_details": None, "subscription_item_details": {
            "invoice_item": None, "proration": False, "proration_details": {"credited_items": None},
            "subscription": sub["id"], "subscription_item": item["id"]}, "type": "subscription_item_details"},
        "period": {"end": item["current_period_end"], "start": item["current_period_start"]},
        "pretax_credit_amounts": [], "pricing": {
            "price_details": {"price": item["price"]["id"], "product": item["price"]["product"]},
            "type": "price_details", "unit_amount_decimal": item["price"]["unit_amount_decimal"]},
        "quantity": item["quantity"], "quantity_decimal": str(item["quantity"]), "subscription": sub["id"],
        "subtotal": amount, "taxes": [],
    }


def invoice(invoice_id: str, created: int, sub: dict[str, Any], customer: dict[str, Any],
            lines: list[dict[str, Any]], p: dict[str, Any]) -> dict[str, Any]:
    total = sum(line["amount"] for line in lines)
    return {
        "id": invoice_id, "object": "invoice", "account_country": "US", "account_name": "Integration Lab",
        "account_tax_ids": None, "amount_due": total, "amount_overpaid": 0, "amount_paid": 0,
        "amount_remaining": total, "amount_shipping": 0, "application": None, "attempt_count": 0,
        "attempted": False, "auto_advance": True,
        "automatic_tax": {"disabled_reason": None, "enabled": False, "liability": None, "provider": None,
                          "status": None},
        "automatically_finalizes_at": p.get("finalizes_at"), "billing_reason": p["billing_reason"],
        "collection_method": "charge_automatically", "created": created, "currency": sub["currency"],
        "custom_fields": None, "customer": customer["id"], "customer_account": None,
        "customer_address": customer["address"], "customer_email": customer["email"],
        "customer_name": customer["name"], "customer_phone": customer["phone"],
        "customer_shipping": customer["shipping"], "customer_tax_exempt": customer["tax_exempt"],
        "customer_tax_ids": [], "default_payment_method": None, "default_source": None, "default_tax_rates": [],
        "description": None, "discounts": [], "due_date": None, "effective_at": None, "ending_balance": None,
        "footer": None, "from_invoice": None, "hosted_invoice_url": None, "invoice_pdf": None,
        "issuer": {"type": "self"}, "last_finalization_error": None, "latest_revision": None,
        "lines": {"object": "list", "data": lines, "has_more": False, "url": f"/v1/invoices/{invoice_id}/lines"},
        "livemode": False, "metadata": {}, "next_payment_attempt": None, "number": None, "on_behalf_of": None,
        "parent": {"quote_details": None, "subscription_details": {
            "metadata": dict(sub["metadata"]), "subscription": sub["id"]}, "type": "subscription_details"},
        "payment_settings": {"default_mandate": None, "payment_method_options": None, "payment_method_types": None},
        "period_end": p["period"][1], "period_start": p["period"][0], "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0, "receipt_number": None,
        "rendering": {"amount_tax_display": None, "pdf": {"page_size": "auto"}, "template": None,
                      "template_version": None},
        "shipping_cost": None, "shipping_details": None, "starting_balance": 0, "statement_descriptor": None,
        "status": "draft",
        "status_transitions": {"finalized_at": None, "marked_uncollectible_at": None, "paid_at": None,
                               "voided_at": None},
        "subscription": sub["id"], "subtotal": total, "subtotal_excluding_tax": total,
        "test_clock": sub["test_clock"], "total": total, "total_discount_amounts": [], "total_excluding_tax": total,
        "total_pretax_credit_amounts": [], "total_taxes": [], "webhooks_delivered_at": None,
    }


def invoice_payment(payment_id: str, created: int, inv: dict[str, Any], pi: dict[str, Any]) -> dict[str, Any]:
    return {"id": payment_id, "object": "invoice_payment", "amount_paid": None, "amount_requested": inv["amount_due"],
            "created": created, "currency": inv["currency"], "invoice": inv["id"], "is_default": True,
            "livemode": False, "payment": {"payment_intent": pi["id"], "type": "payment_intent"}, "status": "open",
            "status_transitions": {"canceled_at": None, "paid_at": None}}
