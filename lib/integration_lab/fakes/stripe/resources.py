"""Customers, PaymentMethods, Refunds and WebhookEndpoints: the resources around a PaymentIntent."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from . import objects
from .cards import TEST_METHODS, TestCard
from .errors import StripeError, invalid
from .params import Params
from .world import Call, Endpoint, StripeFake

SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}
ALREADY_ATTACHED = "The payment method you provided has already been attached to a customer."
NOT_ATTACHED = "The payment method you provided is not attached to a customer so detachment is impossible."
# Stripe's words, as quoted in public code handling them (e.g. Laravel Cashier users' catch blocks)
NOT_THE_CUSTOMERS = ("The customer does not have a payment method with the ID {pm}. The payment method must be "
                     "attached to the customer.")
INVOICE_SETTINGS = ("custom_fields", "default_payment_method", "footer", "rendering_options")


def create_customer(fake: StripeFake, p: Params, call: Call, test_clock: str | None = None) -> dict[str, Any]:
    fields = {name: (p.metadata() if name == "metadata" else p.str(name))
              for name in ("description", "email", "name", "phone", "metadata")}
    pm = _attachable_method(fake, p.str("payment_method")) if "payment_method" in p else None
    if pm is not None and pm["customer"] is not None:
        raise invalid(ALREADY_ATTACHED)
    customer = fake.add(objects.customer(fake.new_id("cus")[:18], fake.now(), fields))
    customer["test_clock"] = test_clock  # checked by clocks.create_customer
    if pm is not None:
        attach(fake, pm, customer["id"])
    fake.emit("customer.created", customer, call)
    return customer


def update_customer(fake: StripeFake, customer: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    changes: dict[str, Any] = {name: p.str(name) or None for name in ("description", "email", "name", "phone")
                               if name in p}
    if "metadata" in p:
        changes["metadata"] = p.merged_metadata(customer["metadata"])
    previous = {name: customer[name] for name in changes}
    if "invoice_settings" in p:
        default = _default_payment_method(fake, customer, p)
        if default is not False:
            previous["invoice_settings"] = {"default_payment_method":
                                            customer["invoice_settings"]["default_payment_method"]}
            changes["invoice_settings"] = {**customer["invoice_settings"], "default_payment_method": default}
    customer.update(changes)
    fake.emit("customer.updated", customer, call, previous)
    return customer


def _default_payment_method(fake: StripeFake, customer: dict[str, Any], p: Params):
    """invoice_settings[default_payment_method]: a card attached to this customer, or "" to unset it
    (False: not given)."""
    settings = p.dict("invoice_settings")
    for name in settings:
        if name not in INVOICE_SETTINGS:
            raise invalid(f"Received unknown parameter: invoice_settings[{name}]", "parameter_unknown",
                          f"invoice_settings[{name}]")
    if "default_payment_method" not in settings:
        return False
    param = "invoice_settings[default_payment_method]"
    pm_id = settings["default_payment_method"]
    if not isinstance(pm_id, str):
        raise invalid(f"Invalid {param}: must be a string", "parameter_invalid_string", param)
    if pm_id == "":
        return None
    pm = fake.payment_method_for(pm_id, param)  # a pm_card_… id mints a card attached to nobody, as on Stripe
    if pm["customer"] != customer["id"]:
        raise invalid(NOT_THE_CUSTOMERS.format(pm=pm["id"]), param=param)  # code unconfirmed: none given
    return pm["id"]


def _refuse_decline(card: TestCard | None) -> None:
    """Stripe's issuer-decline test cards cannot be attached at all: attaching answers their decline
    (docs.stripe.com/testing, "Declined payments"; pm_card_chargeCustomerFail attaches, then declines)."""
    if card and card.decline and not card.attachable:
        decline = card.decline
        raise StripeError(402, "card_error", decline.message, decline.code, decline.param,
                          decline_code=decline.decline_code)


def _attachable_method(fake: StripeFake, pm_id: str) -> dict[str, Any]:
    _refuse_decline(TEST_METHODS.get(pm_id))  # before a PaymentMethod is minted from it
    pm = fake.payment_method_for(pm_id)
    _refuse_decline(fake.cards.get(pm["id"]))
    return pm


def attach_id(fake: StripeFake, pm_id: str, customer_id: str, call: Call) -> dict[str, Any]:
    fake.get("customer", customer_id, "customer")
    return attach(fake, _attachable_method(fake, pm_id), customer_id, call)


def attach(fake: StripeFake, pm: dict[str, Any], customer_id: str, call: Call | None = None) -> dict[str, Any]:
    if pm["customer"] not in (None, customer_id):
        raise invalid(ALREADY_ATTACHED)
    pm["customer"] = customer_id
    if call:
        fake.emit("payment_method.attached", pm, call)
    return pm


def detach_id(fake: StripeFake, pm_id: str, call: Call) -> dict[str, Any]:
    if pm_id in TEST_METHODS:  # a method minted from a test id is never attached: mint nothing to say so
        raise invalid(NOT_ATTACHED)
    return detach(fake, fake.payment_method_for(pm_id), call)


def detach(fake: StripeFake, pm: dict[str, Any], call: Call) -> dict[str, Any]:
    if pm["customer"] is None:
        raise invalid(NOT_ATTACHED)
    pm["customer"] = None
    fake.set_up.pop(pm["id"], None)  # a detached card is no longer saved for anyone
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
                                     {"reason": reason, "metadata": p.metadata()}))
    previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
    charge["refunds"]["data"].insert(0, refund)
    fake.emit("refund.created", refund, call)
    fake.emit("charge.refunded", charge, call, previous)
    return refund


def _check_url(url: str) -> str:
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and httpx.URL(url).host != ""
        parts.port  # noqa: B018 - raises on a port that is not a number
    except (ValueError, httpx.InvalidURL):  # "http://[::1", "http://h:x/", control characters
        valid = False
    if not valid:
        raise invalid("Invalid URL: URL must be a valid http or https URL", "url_invalid", "url")  # wording unconfirmed
    return url


def create_endpoint(fake: StripeFake, p: Params, call: Call) -> dict[str, Any]:
    url = p.str("url", required=True)
    events = p.strings("enabled_events")
    if not events:
        raise invalid("Missing required param: enabled_events.", "parameter_missing", "enabled_events")
    _check_url(url)
    endpoint = objects.webhook_endpoint(fake.new_id("we"), fake.now(), {
        "url": url, "enabled_events": events, "description": p.str("description"), "metadata": p.metadata()},
        p.str("api_version"))
    secret = fake.ids.token("whsec_", 32)
    fake.endpoints[endpoint["id"]] = Endpoint(endpoint["id"], secret, url, events)
    fake.add(endpoint)
    return {**endpoint, "secret": secret}  # the only time Stripe shows the signing secret


def update_endpoint(fake: StripeFake, endpoint: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    state = fake.endpoints[endpoint["id"]]
    changes: dict[str, Any] = {name: p.str(name) or None for name in ("description",) if name in p}
    if "url" in p:
        changes["url"] = _check_url(p.str("url"))
    if "enabled_events" in p:
        changes["enabled_events"] = p.strings("enabled_events")
    if "metadata" in p:
        changes["metadata"] = p.merged_metadata(endpoint["metadata"])
    enabled = not p.bool("disabled") if "disabled" in p else state.enabled
    endpoint.update(changes, status="enabled" if enabled else "disabled")
    state.url, state.enabled_events, state.enabled = endpoint["url"], endpoint["enabled_events"], enabled
    return endpoint


def delete_endpoint(fake: StripeFake, endpoint: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    fake.endpoints.pop(endpoint["id"], None)
    fake.remove(endpoint["id"])
    return {"id": endpoint["id"], "object": "webhook_endpoint", "deleted": True}
