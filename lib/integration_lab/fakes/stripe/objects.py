"""Stripe's objects as it sends them: each builder gives exactly the top-level keys of Stripe's example
object for that resource (tests/test_stripe_shapes.py holds them against specs/stripe-fixtures3.json).
"""

from __future__ import annotations

from typing import Any

from .cards import DISPLAY, TestCard

NULL_ADDRESS = {"city": None, "country": None, "line1": None, "line2": None, "postal_code": None, "state": None}


def customer(cid: str, created: int, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": cid, "object": "customer", "address": None, "balance": 0, "created": created, "currency": None,
        "default_source": None, "delinquent": False, "description": p.get("description"), "discount": None,
        "email": p.get("email"), "invoice_prefix": cid[4:12].upper(),
        "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None,
                             "rendering_options": None},
        "livemode": False, "metadata": dict(p.get("metadata") or {}), "name": p.get("name"),
        "next_invoice_sequence": 1, "phone": p.get("phone"), "preferred_locales": [], "shipping": None,
        "tax_exempt": "none", "test_clock": None,
    }


def payment_method(pmid: str, created: int, card: TestCard) -> dict[str, Any]:
    networks = list(card.networks) or [card.brand]
    return {
        "id": pmid, "object": "payment_method", "allow_redisplay": "unspecified",
        "billing_details": {"address": dict(NULL_ADDRESS), "email": None, "name": None, "phone": None, "tax_id": None},
        "card": {
            "brand": card.brand, "checks": {"address_line1_check": None, "address_postal_code_check": None,
                                            "cvc_check": "unchecked"},
            "country": card.country, "display_brand": card.display_brand or DISPLAY.get(card.brand, card.brand),
            "exp_month": 12, "exp_year": 2034, "fingerprint": pmid[-16:], "funding": card.funding,
            "generated_from": None, "last4": card.last4, "networks": {"available": networks, "preferred": None},
            "regulated_status": "unregulated", "three_d_secure_usage": {"supported": card.three_d_secure_supported},
            "wallet": None,
        },
        "created": created, "customer": None, "customer_account": None, "livemode": False, "metadata": {},
        "type": "card",
    }


def payment_intent(piid: str, secret: str, created: int, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": piid, "object": "payment_intent", "amount": p["amount"], "amount_capturable": 0,
        "amount_details": {"tip": {}}, "amount_received": 0, "application": None, "application_fee_amount": None,
        "automatic_payment_methods": None, "canceled_at": None, "cancellation_reason": None,
        "capture_method": p.get("capture_method", "automatic"), "client_secret": secret,
        "confirmation_method": p.get("confirmation_method", "automatic"), "created": created,
        "currency": p["currency"], "customer": p.get("customer"), "customer_account": None,
        "description": p.get("description"), "excluded_payment_method_types": None, "last_payment_error": None,
        "latest_charge": None, "livemode": False, "managed_payments": None, "metadata": dict(p.get("metadata") or {}),
        "next_action": None, "on_behalf_of": None, "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"installments": None, "mandate_options": None, "network": None,
                                            "request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"], "processing": None, "receipt_email": p.get("receipt_email"),
        "review": None, "setup_future_usage": None, "shipping": None, "source": None,
        "statement_descriptor": None, "statement_descriptor_suffix": None, "status": "requires_payment_method",
        "transfer_data": None, "transfer_group": None,
    }


def charge(chid: str, created: int, pi: dict[str, Any], pm: dict[str, Any], *, paid: bool, captured: bool,
           failure: tuple[str, str] | None = None, decline_code: str | None = None,
           risk_level: str = "normal", blocked: bool = False) -> dict[str, Any]:
    card = pm["card"]
    outcome = {"advice_code": None, "network_advice_code": None, "network_decline_code": None,
               "network_status": "approved_by_network" if paid else "declined_by_network",
               "reason": decline_code, "risk_level": risk_level, "seller_message":
                   "Payment complete." if paid else "The bank did not return any further details with this decline.",
               "type": "authorized" if paid else "issuer_declined"}
    if blocked:  # Radar stopped it before the card network saw it
        outcome.update(network_status="not_sent_to_network", reason="highest_risk_level", type="blocked",
                       seller_message="Stripe blocked this payment as too risky.")
    return {
        "id": chid, "object": "charge", "amount": pi["amount"], "amount_captured": pi["amount"] if captured else 0,
        "amount_refunded": 0, "application": None, "application_fee": None, "application_fee_amount": None,
        "balance_transaction": None, "billing_details": pm["billing_details"],
        "calculated_statement_descriptor": "INTEGRATION LAB", "captured": captured, "created": created,
        "currency": pi["currency"], "customer": pi["customer"], "description": pi["description"],
        "disputed": False, "failure_balance_transaction": None,
        "failure_code": failure[0] if failure else None, "failure_message": failure[1] if failure else None,
        "fraud_details": {}, "livemode": False, "metadata": dict(pi["metadata"]), "on_behalf_of": None,
        "outcome": outcome, "paid": paid, "payment_intent": pi["id"], "payment_method": pm["id"],
        "payment_method_details": {"card": {
            "amount_authorized": pi["amount"] if paid else None, "brand": card["brand"], "checks": card["checks"],
            "country": card["country"], "exp_month": card["exp_month"], "exp_year": card["exp_year"],
            "fingerprint": card["fingerprint"], "funding": card["funding"], "last4": card["last4"],
            "network": card["brand"], "three_d_secure": None, "wallet": None}, "type": "card"},
        "receipt_email": pi["receipt_email"], "receipt_number": None, "receipt_url": None, "refunded": False,
        "refunds": {"object": "list", "data": [], "has_more": False, "url": f"/v1/charges/{chid}/refunds"},
        "review": None, "shipping": None, "source": None, "source_transfer": None, "statement_descriptor": None,
        "statement_descriptor_suffix": None, "status": "succeeded" if paid else "failed", "transfer_data": None,
        "transfer_group": None,
    }


def refund(reid: str, created: int, ch: dict[str, Any], amount: int, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": reid, "object": "refund", "amount": amount, "balance_transaction": None, "charge": ch["id"],
        "created": created, "currency": ch["currency"], "customer": ch["customer"], "customer_account": None,
        "destination_details": {"card": {"reference_status": "pending", "reference_type": "acquirer_reference_number",
                                         "type": "refund"}, "type": "card"},
        "metadata": dict(p.get("metadata") or {}), "payment_intent": ch["payment_intent"],
        "payment_method": ch["payment_method"], "reason": p.get("reason"), "receipt_number": None,
        "source_transfer_reversal": None, "status": "succeeded", "transfer_reversal": None,
    }


def product(prodid: str, created: int, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": prodid, "object": "product", "active": p.get("active", True), "created": created,
        "default_price": None, "description": p.get("description"), "images": list(p.get("images") or []),
        "livemode": False, "marketing_features": list(p.get("marketing_features") or []),
        "metadata": dict(p.get("metadata") or {}), "name": p["name"], "package_dimensions": None,
        "shippable": p.get("shippable"), "statement_descriptor": p.get("statement_descriptor"),
        "tax_code": p.get("tax_code"), "type": "service", "unit_label": p.get("unit_label"), "updated": created,
        "url": p.get("url"),
    }


def price(priceid: str, created: int, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": priceid, "object": "price", "active": p.get("active", True), "billing_scheme": "per_unit",
        "created": created, "currency": p["currency"], "custom_unit_amount": None, "livemode": False,
        "lookup_key": p.get("lookup_key"), "metadata": dict(p.get("metadata") or {}), "nickname": p.get("nickname"),
        "product": p["product"], "recurring": p.get("recurring"), "tax_behavior": p.get("tax_behavior", "unspecified"),
        "tiers_mode": None, "transform_quantity": None, "type": "recurring" if p.get("recurring") else "one_time",
        "unit_amount": p["unit_amount"], "unit_amount_decimal": p["unit_amount_decimal"],
    }


def event(evid: str, created: int, kind: str, obj: dict[str, Any], api_version: str, pending: int,
          request: tuple[str | None, str | None], previous: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"object": obj}
    if previous:
        data["previous_attributes"] = previous
    return {"id": evid, "object": "event", "api_version": api_version, "created": created, "data": data,
            "livemode": False, "pending_webhooks": pending,
            "request": {"id": request[0], "idempotency_key": request[1]}, "type": kind}


def webhook_endpoint(weid: str, created: int, p: dict[str, Any], api_version: str | None) -> dict[str, Any]:
    return {"id": weid, "object": "webhook_endpoint", "api_version": api_version, "application": None,
            "created": created, "description": p.get("description"), "enabled_events": list(p["enabled_events"]),
            "livemode": False, "metadata": dict(p.get("metadata") or {}), "status": "enabled", "url": p["url"]}


def listing(url: str, data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {"object": "list", "data": data, "has_more": has_more, "url": url}
