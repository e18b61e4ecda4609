"""PaymentIntents: Stripe's state machine from requires_payment_method to succeeded or canceled.

A confirm runs the card's outcome (cards.TEST_METHODS): a charge that succeeds, a charge that fails
(402 card_error carrying the PaymentIntent), or 3-D Secure (requires_action until `authenticate`).
"""

from __future__ import annotations

import copy
from typing import Any

from . import objects, resources
from .cards import AUTHENTICATION_FAILED, Decline, TestCard
from .errors import DOCS, StripeError, invalid, unexpected_state
from .params import Params
from .world import Call, StripeFake

CANCELABLE = ("requires_payment_method", "requires_capture", "requires_confirmation", "requires_action", "processing")
CONFIRMABLE = ("requires_confirmation", "requires_payment_method", "requires_action")
UPDATABLE = ("requires_payment_method", "requires_confirmation", "requires_action")
MINIMUM = {"usd": ("$0.50 usd", 50), "eur": ("€0.50 eur", 50), "gbp": ("£0.30 gbp", 30)}
MAXIMUM = 99_999_999
RETURN_URL_NEEDED = (
    "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these "
    "payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don't "
    "want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and "
    "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.")
MISSING_METHOD = ("You cannot confirm this PaymentIntent because it's missing a payment method. You can either "
                  "update the PaymentIntent with a payment method and then confirm it again, or confirm it again "
                  "directly with a payment method.")
AUTH_REQUIRED = Decline("authentication_required", "authentication_required",
                        "Your card was declined. This transaction requires authentication.")


def _amount(p: Params, currency: str, required: bool) -> int | None:
    amount = p.int("amount", required)
    if amount is None:
        return None
    low = MINIMUM.get(currency)
    if low and amount < low[1]:
        raise invalid(f"Amount must be at least {low[0]}", "amount_too_small", "amount")
    if amount < 1:
        raise invalid("This value must be greater than or equal to 1.", "parameter_invalid_integer", "amount")
    if amount > MAXIMUM:  # "up to eight digits" (docs.stripe.com/currencies); wording as Stripe's, unconfirmed
        shown = f"{low[0][0]}999,999.99" if low else f"{MAXIMUM} {currency}"
        raise invalid(f"Amount must be no more than {shown}", "amount_too_large", "amount")
    return amount


def _status_refusal(verb: str, pi: dict[str, Any], allowed: tuple[str, ...]) -> StripeError:
    return unexpected_state(f"You cannot {verb} this PaymentIntent because it has a status of {pi['status']}. "
                            f"Only a PaymentIntent with one of the following statuses may be {verb}ed: "
                            f"{', '.join(allowed)}.")


def create(fake: StripeFake, p: Params, call: Call) -> dict[str, Any]:
    currency = (p.str("currency", required=True) or "").lower()
    amount = _amount(p, currency, required=True)
    if "customer" in p:
        fake.get("customer", p.str("customer"), "customer")
    pi_id = fake.new_id("pi")
    pi = objects.payment_intent(pi_id, f"{pi_id}_secret_{fake.ids.token('', 25)}", fake.now(), {
        "amount": amount, "currency": currency, "customer": p.str("customer"), "description": p.str("description"),
        "metadata": p.metadata(), "receipt_email": p.str("receipt_email"),
        "capture_method": p.str("capture_method", choices=("automatic", "automatic_async", "manual")) or
        "automatic_async",
        "confirmation_method": p.str("confirmation_method", choices=("automatic", "manual")) or "automatic"})
    if p.strings("payment_method_types"):
        pi["payment_method_types"] = p.strings("payment_method_types")
    else:  # Stripe's default since 2023-08-16: the Dashboard's methods, some of which redirect
        pi["automatic_payment_methods"] = {"allow_redirects": allow_redirects(p), "enabled": True}
    pi["setup_future_usage"] = p.str("setup_future_usage", choices=("off_session", "on_session"))
    confirming = p.bool("confirm")
    if confirming:
        _check_confirmable(pi, p)
    if "payment_method" in p:
        pi["payment_method"] = fake.payment_method_for(p.str("payment_method"))["id"]
        pi["status"] = "requires_confirmation"
    fake.add(pi)
    fake.emit("payment_intent.created", pi, call)
    return _confirm(fake, pi, p, call) if confirming else pi


def allow_redirects(p: Params) -> str:
    auto = p.dict("automatic_payment_methods")
    value = auto.get("allow_redirects", "always")
    if value not in ("always", "never"):
        raise invalid("Invalid automatic_payment_methods[allow_redirects]: must be one of always, or never",
                      param="automatic_payment_methods[allow_redirects]")
    if auto.get("enabled", "true") not in ("true", "false"):
        raise invalid(f"Invalid boolean: {auto['enabled'] if isinstance(auto['enabled'], str) else ''}",
                      param="automatic_payment_methods[enabled]")
    return value


def update(fake: StripeFake, pi: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    for name in ("amount", "currency", "payment_method"):
        if name in p and pi["status"] not in UPDATABLE:
            raise unexpected_state(
                f"This PaymentIntent's {name} could not be updated because it has a status of {pi['status']}. You "
                f"may only update the {name} of a PaymentIntent with one of the following statuses: "
                f"{', '.join(UPDATABLE)}.")
    changes: dict[str, Any] = {name: p.str(name) or None for name in ("description", "receipt_email") if name in p}
    currency = (p.str("currency") or pi["currency"]).lower()
    if "currency" in p:
        changes["currency"] = currency
    if "amount" in p:
        changes["amount"] = _amount(p, currency, required=True)
    if "metadata" in p:  # merged; "" unsets a key
        changes["metadata"] = p.merged_metadata(pi["metadata"])
    if "payment_method" in p:
        changes["payment_method"] = fake.payment_method_for(p.str("payment_method"))["id"]
        changes["status"] = "requires_confirmation"
    pi.update(changes)
    return pi


def confirm(fake: StripeFake, pi: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    if pi["status"] == "succeeded":
        raise unexpected_state("You cannot confirm this PaymentIntent because it has already succeeded after being "
                               "previously confirmed.")
    if pi["status"] not in CONFIRMABLE:
        raise _status_refusal("confirm", pi, CONFIRMABLE)
    _check_confirmable(pi, p)
    receipt_email = p.str("receipt_email")
    if "payment_method" in p:
        pi["payment_method"] = fake.payment_method_for(p.str("payment_method"))["id"]
    if "receipt_email" in p:
        pi["receipt_email"] = receipt_email
    return _confirm(fake, pi, p, call)


def _check_confirmable(pi: dict[str, Any], p: Params) -> None:
    """Refusals that come before anything changes."""
    if not (pi["payment_method"] or p.str("payment_method")):
        raise unexpected_state(MISSING_METHOD)
    auto = pi["automatic_payment_methods"]
    if auto and auto["allow_redirects"] == "always" and not p.str("return_url"):
        raise invalid(RETURN_URL_NEEDED)
    p.bool("off_session")


def _confirm(fake: StripeFake, pi: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    pm = fake.get("payment_method", pi["payment_method"], "payment_method", "PaymentMethod")
    card = fake.cards.get(pm["id"])
    if card and card.three_d_secure and pi["id"] not in fake.authenticated:
        off_session = p.bool("off_session")
        if off_session and _authenticates_off_session(fake, card, pm, pi):
            return _decline(fake, pi, pm, AUTH_REQUIRED, call)
        if not off_session:
            return _require_action(fake, pi, p.str("return_url"), call)
    if card and card.decline:
        return _decline(fake, pi, pm, card.decline, call, card)
    return _charge(fake, pi, pm, call, card)


def _authenticates_off_session(fake: StripeFake, card: TestCard, pm: dict[str, Any], pi: dict[str, Any]) -> bool:
    """Whether the issuer asks for 3-D Secure even with the cardholder away (docs.stripe.com/testing,
    "Authentication and setup"): always for pm_card_authenticationRequired, until the card was set up
    for off-session use for pm_card_authenticationRequiredOnSetup, never for ..._SetupForOffSession."""
    if card.authentication == "unless_set_up":
        return not (pm["id"] in fake.set_up and fake.set_up[pm["id"]] in (None, pi["customer"]))
    return card.authentication == "always"


def three_d_secure_action(fake: StripeFake, object_id: str, return_url: str | None) -> dict[str, Any]:
    """The `next_action` of a PaymentIntent or SetupIntent waiting for 3-D Secure: the page the cardholder opens
    (the control API answers it), by redirect when the caller gave a return_url, else through Stripe.js."""
    page = f"{fake.base_url}/_lab/3ds/{object_id}"
    if return_url:
        return {"type": "redirect_to_url", "redirect_to_url": {"return_url": return_url, "url": page}}
    return {"type": "use_stripe_sdk", "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": page,
                                                          "source": fake.new_id("src")}}


def _require_action(fake: StripeFake, pi: dict[str, Any], return_url: str | None, call: Call) -> dict[str, Any]:
    pi.update(status="requires_action", next_action=three_d_secure_action(fake, pi["id"], return_url))
    fake.emit("payment_intent.requires_action", pi, call)
    return pi


def _charge(fake: StripeFake, pi: dict[str, Any], pm: dict[str, Any], call: Call, card: TestCard | None = None):
    manual = pi["capture_method"] == "manual"
    charge = fake.add(objects.charge(fake.new_id("ch"), fake.now(), pi, pm, paid=True, captured=not manual,
                                     risk_level=card.risk_level if card else "normal"))
    pi.update(latest_charge=charge["id"], last_payment_error=None, next_action=None)
    fake.emit("charge.succeeded", charge, call)
    if pi["setup_future_usage"]:
        _save_for_later(fake, pi, pm, call)
    if manual:
        pi.update(status="requires_capture", amount_capturable=pi["amount"])
        fake.emit("payment_intent.amount_capturable_updated", pi, call)
    else:
        pi.update(status="succeeded", amount_received=pi["amount"])
        fake.emit("payment_intent.succeeded", pi, call)
    return pi


def _save_for_later(fake: StripeFake, pi: dict[str, Any], pm: dict[str, Any], call: Call) -> None:
    """setup_future_usage: the card paid, so it is attached to the PaymentIntent's customer (and, with
    off_session, counts as set up for payments without the cardholder)."""
    if pi["customer"] and pm["customer"] is None:
        resources.attach(fake, pm, pi["customer"], call)
    if pi["setup_future_usage"] == "off_session":
        fake.set_up[pm["id"]] = pi["customer"]


def _decline(fake: StripeFake, pi: dict[str, Any], pm: dict[str, Any], decline: Decline, call: Call,
             card: TestCard | None = None):
    charge = fake.add(objects.charge(fake.new_id("ch"), fake.now(), pi, pm, paid=False, captured=False,
                                     failure=(decline.code, decline.message), decline_code=decline.decline_code,
                                     risk_level=card.risk_level if card else "normal",
                                     blocked=bool(card and card.blocked)))
    error = {"charge": charge["id"], "code": decline.code, "decline_code": decline.decline_code,
             "doc_url": DOCS + decline.code.replace("_", "-"), "message": decline.message,
             "payment_method": copy.deepcopy(pm), "type": "card_error"}
    if decline.param:
        error["param"] = decline.param
    pi.update(status="requires_payment_method", latest_charge=charge["id"], payment_method=None, next_action=None,
              last_payment_error=dict(sorted(error.items())))
    fake.emit("charge.failed", charge, call)
    fake.emit("payment_intent.payment_failed", pi, call)
    raise StripeError(402, "card_error", decline.message, decline.code, decline.param,
                      decline_code=decline.decline_code, charge=charge["id"], payment_intent=copy.deepcopy(pi),
                      payment_method=copy.deepcopy(pm))


def authenticate(fake: StripeFake, pi: dict[str, Any], succeed: bool, call: Call) -> dict[str, Any]:
    """The cardholder completes (or fails) the 3-D Secure challenge that `next_action` pointed to."""
    if pi["status"] != "requires_action":
        raise unexpected_state(f"This PaymentIntent has a status of {pi['status']}; there is no authentication "
                               "to complete.")
    pm = fake.get("payment_method", pi["payment_method"], "payment_method", "PaymentMethod")
    pi["next_action"] = None
    if not succeed:
        pi.update(status="requires_payment_method", payment_method=None, last_payment_error={
            "code": "payment_intent_authentication_failure",
            "doc_url": DOCS + "payment-intent-authentication-failure", "message": AUTHENTICATION_FAILED,
            "payment_method": copy.deepcopy(pm), "type": "invalid_request_error"})
        fake.emit("payment_intent.payment_failed", pi, call)
        return pi
    fake.authenticated.add(pi["id"])
    if pi["confirmation_method"] == "manual":  # the server must confirm again
        pi["status"] = "requires_confirmation"
        return pi
    card = fake.cards.get(pm["id"])
    if card and card.decline:  # authenticated, then the issuer declines: the PaymentIntent records it
        try:
            _decline(fake, pi, pm, card.decline, call, card)
        except StripeError:
            pass
        return pi
    return _charge(fake, pi, pm, call, card)


def capture(fake: StripeFake, pi: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    if pi["status"] != "requires_capture":
        raise unexpected_state(f"This PaymentIntent could not be captured because it has a status of {pi['status']}."
                               " Only a PaymentIntent with one of the following statuses may be captured: "
                               "requires_capture.")
    amount = p.int("amount_to_capture")
    if amount is None:
        amount = pi["amount_capturable"]
    if amount < 1 or amount > pi["amount_capturable"]:
        # wording not confirmed against Stripe; the code, param and status are
        raise invalid(f"The amount to capture ({amount}) must be between 1 and the PaymentIntent's "
                      f"amount_capturable ({pi['amount_capturable']}).", "amount_too_large", "amount_to_capture")
    charge = fake.get("charge", pi["latest_charge"], "charge")
    charge.update(captured=True, amount_captured=amount, amount_refunded=charge["amount"] - amount)
    pi.update(status="succeeded", amount_received=amount, amount_capturable=0)
    fake.emit("charge.captured", charge, call)
    fake.emit("payment_intent.succeeded", pi, call)
    return pi


def cancel(fake: StripeFake, pi: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    reason = p.str("cancellation_reason",
                   choices=("duplicate", "fraudulent", "requested_by_customer", "abandoned"))
    if pi["status"] not in CANCELABLE:
        raise _status_refusal("cancel", pi, CANCELABLE)
    if pi["status"] == "requires_capture":  # the authorization is released
        charge = fake.get("charge", pi["latest_charge"], "charge")
        charge.update(amount_refunded=charge["amount"], refunded=True)
    pi.update(status="canceled", canceled_at=fake.now(), cancellation_reason=reason, amount_capturable=0,
              next_action=None)
    fake.emit("payment_intent.canceled", pi, call)
    return pi


def charge_off_session(fake: StripeFake, customer_id: str, payment_method_id: str, amount: int, currency: str,
                       metadata: dict, call: Call, description: str | None = None) -> dict:
    """A saved card charged with the cardholder away, as `POST /v1/payment_intents` with confirm=true and
    off_session=true would: the PaymentIntent in its final status, a decline or authentication_required
    left in `last_payment_error` (status requires_payment_method) for the caller to read, not raised."""
    raw: dict[str, Any] = {"amount": str(amount), "currency": currency, "customer": customer_id,
                           "payment_method": payment_method_id, "payment_method_types": ["card"], "confirm": "true",
                           "off_session": "true", "metadata": dict(metadata)}
    if description is not None:
        raw["description"] = description
    try:
        return create(fake, Params(raw, frozenset(raw)), call)
    except StripeError as error:
        declined = error.extra.get("payment_intent")
        if error.type != "card_error" or declined is None:
            raise
        return fake.get("payment_intent", declined["id"], "intent")
