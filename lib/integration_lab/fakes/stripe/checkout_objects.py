"""Checkout Sessions, their line items (`item`) and Payment Links as Stripe sends them: exactly the top-level
keys of Stripe's example objects (specs/stripe-fixtures3.json; tests/test_stripe_shapes.py and
tests/test_stripe_checkout.py hold them to it). What the fake never fills (tax, shipping, discounts,
promotion codes, custom fields) is Stripe's empty value.
"""

from __future__ import annotations

import copy
from typing import Any

from .objects import NULL_ADDRESS

NO_CUSTOM_TEXT = {"after_submit": None, "shipping_address": None, "submit": None, "terms_of_service_acceptance": None}
NO_INVOICE = {"enabled": False, "invoice_data": {"account_tax_ids": None, "custom_fields": None, "description": None,
                                                 "footer": None, "issuer": None, "metadata": {},
                                                 "rendering_options": None}}


def customer_details(email: str | None) -> dict[str, Any]:
    return {"address": dict(NULL_ADDRESS), "email": email, "name": None, "phone": None, "tax_exempt": "none",
            "tax_ids": [], "business_name": None, "individual_name": None}


def session(csid: str, created: int, p: dict[str, Any]) -> dict[str, Any]:
    """`p`: the fields a create call decided (mode, amounts, urls, customer, metadata, …)."""
    mode = p["mode"]
    return {
        "id": csid, "object": "checkout.session", "adaptive_pricing": None, "after_expiration": None,
        "allow_promotion_codes": None, "amount_subtotal": p["amount_subtotal"], "amount_total": p["amount_total"],
        "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
        "billing_address_collection": None, "cancel_url": p.get("cancel_url"),
        "client_reference_id": p.get("client_reference_id"), "client_secret": p.get("client_secret"),
        "collected_information": None, "consent": None, "consent_collection": None, "created": created,
        "currency": p["currency"], "currency_conversion": None, "custom_fields": [],
        "custom_text": dict(NO_CUSTOM_TEXT), "customer": p.get("customer"), "customer_account": None,
        "customer_creation": p.get("customer_creation"),
        "customer_details": customer_details(p["customer_email"]) if p.get("customer_email") else None,
        "customer_email": p.get("customer_email"), "discounts": [], "expires_at": p["expires_at"],
        "integration_identifier": None, "invoice": None,
        "invoice_creation": copy.deepcopy(NO_INVOICE) if mode == "payment" else None,
        "livemode": False, "locale": None, "managed_payments": None, "metadata": dict(p.get("metadata") or {}),
        "mode": mode, "origin_context": None, "payment_intent": None, "payment_link": p.get("payment_link"),
        "payment_method_collection": "if_required" if mode != "payment" else None,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "payment_status": "no_payment_required" if mode == "setup" else "unpaid",
        "permissions": None, "phone_number_collection": {"enabled": False}, "recovered_from": None,
        "saved_payment_method_options": None, "setup_intent": None, "shipping_address_collection": None,
        "shipping_cost": None, "shipping_options": [], "status": "open", "submit_type": None, "subscription": None,
        "success_url": p.get("success_url"),
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0} if mode != "setup" else None,
        "ui_mode": p.get("ui_mode", "hosted_page"), "url": p.get("url"), "wallet_options": None,
    }


def item(liid: str, price: dict[str, Any], product_name: str, quantity: int,
         metadata: dict[str, str] | None) -> dict[str, Any]:
    """One line of a session or a link: the Price whole, amounts in minor units (no tax, no discount)."""
    subtotal = price["unit_amount"] * quantity
    return {"id": liid, "object": "item", "adjustable_quantity": None, "amount_discount": 0,
            "amount_subtotal": subtotal, "amount_tax": 0, "amount_total": subtotal, "currency": price["currency"],
            "description": product_name, "metadata": dict(metadata) if metadata else {},
            "price": copy.deepcopy(price), "quantity": quantity}


def payment_link(plid: str, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": plid, "object": "payment_link", "active": p.get("active", True),
        "after_completion": copy.deepcopy(p["after_completion"]), "allow_promotion_codes": False,
        "application": None, "application_fee_amount": None, "application_fee_percent": None,
        "automatic_tax": {"enabled": False, "liability": None}, "billing_address_collection": "auto",
        "consent_collection": None, "currency": p["currency"], "custom_fields": [],
        "custom_text": dict(NO_CUSTOM_TEXT), "customer_creation": p.get("customer_creation", "if_required"),
        "inactive_message": p.get("inactive_message"),
        "invoice_creation": copy.deepcopy(NO_INVOICE), "livemode": False, "managed_payments": None,
        "metadata": dict(p.get("metadata") or {}), "on_behalf_of": None,
        "payment_intent_data": None, "payment_method_collection": "always", "payment_method_options": None,
        "payment_method_types": None, "phone_number_collection": {"enabled": False}, "restrictions": None,
        "shipping_address_collection": None, "shipping_options": [], "submit_type": "auto",
        "subscription_data": None, "tax_id_collection": {"enabled": False, "required": "never"},
        "transfer_data": None, "url": p["url"],
    }
