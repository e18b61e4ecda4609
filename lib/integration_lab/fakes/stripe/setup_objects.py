"""SetupIntent and SetupAttempt as Stripe sends them: the top-level keys of Stripe's example objects
(`setup_intent`, `setup_attempt` in specs/stripe-fixtures3.json; tests/test_stripe_setup_intents.py)."""

from __future__ import annotations

from typing import Any


def setup_intent(seti_id: str, secret: str, created: int, p: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": seti_id, "object": "setup_intent", "application": None,
        "automatic_payment_methods": p.get("automatic_payment_methods"), "cancellation_reason": None,
        "client_secret": secret, "created": created, "customer": p.get("customer"),
        "description": p.get("description"), "excluded_payment_method_types": None, "flow_directions": None,
        "last_setup_error": None, "latest_attempt": None, "livemode": False, "mandate": None,
        "metadata": dict(p.get("metadata") or {}), "next_action": None, "on_behalf_of": None,
        "payment_method": None, "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"mandate_options": None, "network": None,
                                            "request_three_d_secure": "automatic"}},
        "payment_method_types": list(p.get("payment_method_types") or ["card"]), "single_use_mandate": None,
        "status": "requires_payment_method", "usage": p.get("usage", "off_session"),
    }


def setup_attempt(setatt_id: str, created: int, si: dict[str, Any], pm: dict[str, Any]) -> dict[str, Any]:
    card = pm["card"]
    return {
        "id": setatt_id, "object": "setup_attempt", "application": None, "created": created,
        "customer": si["customer"], "customer_account": None, "flow_directions": None, "livemode": False,
        "on_behalf_of": None, "payment_method": pm["id"],
        "payment_method_details": {"card": {
            "brand": card["brand"], "checks": card["checks"], "country": card["country"],
            "exp_month": card["exp_month"], "exp_year": card["exp_year"], "fingerprint": card["fingerprint"],
            "funding": card["funding"], "last4": card["last4"], "network": card["brand"], "three_d_secure": None,
            "wallet": None}, "type": "card"},
        "setup_error": None, "setup_intent": si["id"], "status": "processing", "usage": si["usage"],
    }
