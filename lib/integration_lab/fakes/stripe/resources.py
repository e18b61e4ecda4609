"""Customers, PaymentMethods, Refunds and WebhookEndpoints: the resources around a PaymentIntent."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from . import objects
from .errors import invalid
from .params import Params
from .world import Call, Endpoint, StripeFake

SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}


def create_customer(fake: StripeFake, p: Params, call: Call) -> dict[str, Any]:
    customer = fake.add(objects.customer(fake.new_id("cus")[:18], fake.now(), {
        name: (p.dict(name) if name == "metadata" else p.str(name))
        for name in ("description", "email", "name", "phone", "metadata")}))
    if "payment_method" in p:
        attach(fake, fake.payment_method_for(p.str("payment_method")), customer["id"])
    fake.emit("customer.created", customer, call)
    return customer


def update_customer(fake: StripeFake, customer: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    previous = {}
    for name in ("description", "email", "name", "phone"):
        if name in p:
            previous[name], customer[name] = customer[name], p.str(name) or None
    if "metadata" in p:
        previous["metadata"] = dict(customer["metadata"])
        customer["metadata"] = {k: v for k, v in {**customer["metadata"], **p.dict("metadata")}.items() if v != ""}
    fake.emit("customer.updated", customer, call, previous)
    return customer


def attach(fake: StripeFake, pm: dict[str, Any], customer_id: str, call: Call | None = None) -> dict[str, Any]:
    fake.get("customer", customer_id, "customer")
    if pm["customer"] not in (None, customer_id):
        raise invalid("The payment method you provided has already been attached to a customer.")
    pm["customer"] = customer_id
    if call:
        fake.emit("payment_method.attached", pm, call)
    return pm


def detach(fake: StripeFake, pm: dict[str, Any], call: Call) -> dict[str, Any]:
    if pm["customer"] is None:
        raise invalid("The payment method you provided is not attached to a customer so detachment is impossible.")
    pm["customer"] = None
    fake.emit("payment_method.detached", pm, call)
    return pm


def _money(amount: int, currency: str) -> str:
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{amount / 100:.2f}" if symbol else f"{amount} {currency.upper()}"


def create_refund(fake: StripeFake, p: Params, call: Call) -> dict[str, Any]:
    if "payment_intent" in p:
        pi = fake.get("payment_intent", p.str("payment_intent"), "payment_intent")
        charge = fake.objects.get(pi["latest_charge"] or "")
        if pi["status"] != "succeeded" or charge is None:
            raise invalid(f"This PaymentIntent ({pi['id']}) does not have a successful charge to refund.",
                          param="payment_intent")
    elif "charge" in p:
        charge = fake.get("charge", p.str("charge"), "charge")
        if charge["status"] != "succeeded" or not charge["captured"]:
            raise invalid(f"This PaymentIntent ({charge['payment_intent']}) does not have a successful charge to "
                          "refund.", param="charge")
    else:
        raise invalid("One of the following params should be provided for this request: payment_intent or charge.")
    reason = p.str("reason", choices=("duplicate", "fraudulent", "requested_by_customer"))
    remaining = charge["amount"] - charge["amount_refunded"]
    if remaining <= 0:
        raise invalid(f"Charge {charge['id']} has already been refunded.", "charge_already_refunded")
    amount = p.int("amount")
    amount = remaining if amount is None else amount
    if amount < 1:
        raise invalid("This value must be greater than or equal to 1.", "parameter_invalid_integer", "amount")
    if amount > remaining:
        raise invalid(f"Refund amount ({_money(amount, charge['currency'])}) is greater than unrefunded amount on "
                      f"charge ({_money(remaining, charge['currency'])})", param="amount")
    refund = fake.add(objects.refund(fake.new_id("re"), fake.now(), charge, amount,
                                     {"reason": reason, "metadata": p.dict("metadata")}))
    previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
    charge["refunds"]["data"].insert(0, refund)
    fake.emit("refund.created", refund, call)
    fake.emit("charge.refunded", charge, call, previous)
    return refund


def create_endpoint(fake: StripeFake, p: Params, call: Call) -> dict[str, Any]:
    url = p.str("url", required=True)
    events = [str(e) for e in p.list("enabled_events")]
    if not events:
        raise invalid("Missing required param: enabled_events.", "parameter_missing", "enabled_events")
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise invalid("Invalid URL: URL must be a valid http or https URL", "url_invalid", "url")  # wording unconfirmed
    endpoint = objects.webhook_endpoint(fake.new_id("we"), fake.now(), {
        "url": url, "enabled_events": events, "description": p.str("description"), "metadata": p.dict("metadata")},
        p.str("api_version"))
    secret = fake.ids.token("whsec_", 32)
    fake.endpoints[endpoint["id"]] = Endpoint(endpoint["id"], secret, url, events)
    fake.add(endpoint)
    return {**endpoint, "secret": secret}  # the only time Stripe shows the signing secret


def update_endpoint(fake: StripeFake, endpoint: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    state = fake.endpoints[endpoint["id"]]
    if "url" in p:
        endpoint["url"] = state.url = p.str("url")
    if "enabled_events" in p:
        endpoint["enabled_events"] = state.enabled_events = [str(e) for e in p.list("enabled_events")]
    if "disabled" in p:
        state.enabled = not p.bool("disabled")
        endpoint["status"] = "enabled" if state.enabled else "disabled"
    for name in ("description",):
        if name in p:
            endpoint[name] = p.str(name) or None
    if "metadata" in p:
        endpoint["metadata"] = {k: v for k, v in {**endpoint["metadata"], **p.dict("metadata")}.items() if v != ""}
    return endpoint


def delete_endpoint(fake: StripeFake, endpoint: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    fake.endpoints.pop(endpoint["id"], None)
    del fake.objects[endpoint["id"]]
    fake.created_order.remove(endpoint["id"])
    return {"id": endpoint["id"], "object": "webhook_endpoint", "deleted": True}
