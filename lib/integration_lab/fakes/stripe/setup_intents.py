"""SetupIntents: saving a card for later payments without charging it.

requires_payment_method -> requires_confirmation -> (requires_action while the cardholder answers 3-D
Secure: `/_lab/setup_intents/{id}/authenticate` or the `/_lab/3ds/{id}` page) -> succeeded; or a decline
(402 card_error carrying the SetupIntent, back at requires_payment_method with `last_setup_error`).
On success the card is attached to the SetupIntent's customer, and with usage=off_session the fake
remembers it was set up, so off-session payments need no authentication for cards that ask for it
only until then (pm_card_authenticationRequiredOnSetup; docs.stripe.com/testing, "Authentication and
setup"). Each confirmation leaves a SetupAttempt (`latest_attempt`, `GET /v1/setup_attempts`).
"""

from __future__ import annotations

import copy
from typing import Any

from . import resources, setup_objects
from .cards import Decline
from .errors import DOCS, StripeError, invalid
from .intents import allow_redirects, three_d_secure_action
from .params import Params
from .routes_base import PAGE, route
from .world import Call, StripeFake

USAGES = ("off_session", "on_session")
OPEN = ("requires_payment_method", "requires_confirmation", "requires_action")  # confirmable, updatable, cancelable
CANCELLATION_REASONS = ("abandoned", "duplicate", "requested_by_customer")
CREATE = {"customer", "payment_method", "payment_method_types", "usage", "confirm", "return_url", "metadata",
          "description", "automatic_payment_methods", "expand"}
UPDATE = {"customer", "payment_method", "payment_method_types", "metadata", "description", "expand"}
CONFIRM = {"payment_method", "return_url", "expand"}
# Stripe's words for a failed challenge (a setup_intent.setup_failed event quoted in stripe-node#1904)
AUTHENTICATION_FAILED = "The latest attempt to set up the payment method has failed because authentication failed."
MISSING_METHOD = ("You cannot confirm this SetupIntent because it's missing a payment method. You can either update "
                  "the SetupIntent with a payment method and then confirm it again, or confirm it again directly "
                  "with a payment method.")  # wording unconfirmed: the PaymentIntent's, for a SetupIntent
RETURN_URL_NEEDED = (  # wording unconfirmed: the PaymentIntent's refusal, naming a SetupIntent
    "This SetupIntent is configured to accept payment methods enabled in your Dashboard. Because some of these "
    "payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don't "
    "want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and "
    "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.")


def _unexpected(message: str) -> StripeError:
    return invalid(message, "setup_intent_unexpected_state")


def _status_refusal(verb: str, si: dict[str, Any]) -> StripeError:  # wording unconfirmed (the PaymentIntent's)
    return _unexpected(f"You cannot {verb} this SetupIntent because it has a status of {si['status']}. Only a "
                       f"SetupIntent with one of the following statuses may be {verb}ed: {', '.join(OPEN)}.")


def _customer(fake: StripeFake, p: Params) -> str | None:
    customer = p.str("customer") or None
    if customer:
        fake.get("customer", customer, "customer")
    return customer


def create(fake: StripeFake, p: Params, call: Call) -> dict[str, Any]:
    customer = _customer(fake, p)
    usage = p.str("usage", choices=USAGES) or "off_session"
    types = p.strings("payment_method_types")
    # Stripe's default since 2023-08-16: the Dashboard's methods, some of which redirect
    auto = None if types else {"allow_redirects": allow_redirects(p), "enabled": True}
    seti_id = fake.new_id("seti")
    si = setup_objects.setup_intent(seti_id, f"{seti_id}_secret_{fake.ids.token('', 32)}", fake.now(), {
        "customer": customer, "description": p.str("description"), "metadata": p.metadata(), "usage": usage,
        "payment_method_types": types, "automatic_payment_methods": auto})
    confirming = p.bool("confirm")
    if confirming:
        _check_confirmable(si, p)
    if "payment_method" in p:
        si.update(payment_method=fake.payment_method_for(p.str("payment_method"))["id"],
                  status="requires_confirmation")
    fake.add(si)
    fake.emit("setup_intent.created", si, call)
    return _confirm(fake, si, p.str("return_url"), call) if confirming else si


def retrieve(fake: StripeFake, seti_id: str) -> dict[str, Any]:
    return fake.get("setup_intent", seti_id, "intent", label="setupintent")  # "No such setupintent: 'seti_…'"


def update(fake: StripeFake, si: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    if si["status"] not in OPEN:
        raise _status_refusal("update", si)
    changes: dict[str, Any] = {"description": p.str("description") or None} if "description" in p else {}
    if "customer" in p:
        changes["customer"] = _customer(fake, p)
    if "metadata" in p:  # merged; "" unsets a key
        changes["metadata"] = p.merged_metadata(si["metadata"])
    if "payment_method_types" in p:
        changes.update(payment_method_types=p.strings("payment_method_types") or ["card"],
                       automatic_payment_methods=None)
    if "payment_method" in p:
        changes.update(payment_method=fake.payment_method_for(p.str("payment_method"))["id"],
                       status="requires_confirmation")
    si.update(changes)
    return si


def confirm(fake: StripeFake, si: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    if si["status"] == "succeeded":  # wording unconfirmed (the PaymentIntent's)
        raise _unexpected("You cannot confirm this SetupIntent because it has already succeeded after being "
                          "previously confirmed.")
    if si["status"] not in OPEN:
        raise _status_refusal("confirm", si)
    _check_confirmable(si, p)
    if "payment_method" in p:
        si["payment_method"] = fake.payment_method_for(p.str("payment_method"))["id"]
    return _confirm(fake, si, p.str("return_url"), call)


def cancel(fake: StripeFake, si: dict[str, Any], p: Params, call: Call) -> dict[str, Any]:
    reason = p.str("cancellation_reason", choices=CANCELLATION_REASONS)
    if si["status"] not in OPEN:
        raise _status_refusal("cancel", si)
    si.update(status="canceled", cancellation_reason=reason, next_action=None)
    fake.emit("setup_intent.canceled", si, call)
    return si


def _check_confirmable(si: dict[str, Any], p: Params) -> None:
    """Refusals that come before anything changes."""
    if not (si["payment_method"] or p.str("payment_method")):
        raise _unexpected(MISSING_METHOD)
    auto = si["automatic_payment_methods"]
    if auto and auto["allow_redirects"] == "always" and not p.str("return_url"):
        raise invalid(RETURN_URL_NEEDED)


def _confirm(fake: StripeFake, si: dict[str, Any], return_url: str | None, call: Call) -> dict[str, Any]:
    pm = fake.get("payment_method", si["payment_method"], "payment_method", "PaymentMethod")
    if si["customer"] and pm["customer"] not in (None, si["customer"]):
        raise invalid(resources.ALREADY_ATTACHED)
    attempt = fake.add(setup_objects.setup_attempt(fake.new_id("setatt"), fake.now(), si, pm))
    si["latest_attempt"] = attempt["id"]
    card = fake.cards.get(pm["id"])
    if card and card.three_d_secure and si["id"] not in fake.authenticated:  # every 3-D Secure test card asks at setup
        return _require_action(fake, si, attempt, return_url, call)
    return _finish(fake, si, pm, attempt, call)


def _finish(fake: StripeFake, si: dict[str, Any], pm: dict[str, Any], attempt: dict[str, Any], call: Call):
    card = fake.cards.get(pm["id"])
    # The issuer-decline cards are declined when set up, as when attached; pm_card_chargeCustomerFail and the
    # cards that decline after 3-D Secure set up fine and decline only when charged (docs.stripe.com/testing).
    if card and card.decline and not card.attachable:
        return _decline(fake, si, pm, attempt, card.decline, call)
    if si["customer"] and pm["customer"] is None:
        resources.attach(fake, pm, si["customer"], call)
    if si["usage"] == "off_session":
        fake.set_up[pm["id"]] = si["customer"]
    attempt["status"] = "succeeded"
    si.update(status="succeeded", last_setup_error=None, next_action=None)
    fake.emit("setup_intent.succeeded", si, call)  # after payment_method.attached; the order is unconfirmed
    return si


def _error(pm: dict[str, Any], code: str, message: str, kind: str, decline: Decline | None = None) -> dict:
    error = {"code": code, "doc_url": DOCS + code.replace("_", "-"), "message": message,
             "payment_method": copy.deepcopy(pm), "type": kind}
    if decline:
        error["decline_code"] = decline.decline_code
        if decline.param:
            error["param"] = decline.param
    return dict(sorted(error.items()))


def _fail(fake: StripeFake, si: dict[str, Any], attempt: dict[str, Any], error: dict, call: Call) -> None:
    attempt.update(status="failed", setup_error=error)
    si.update(status="requires_payment_method", payment_method=None, next_action=None, last_setup_error=error)
    fake.emit("setup_intent.setup_failed", si, call)


def _decline(fake: StripeFake, si: dict[str, Any], pm: dict[str, Any], attempt: dict[str, Any], decline: Decline,
             call: Call):
    _fail(fake, si, attempt, _error(pm, decline.code, decline.message, "card_error", decline), call)
    raise StripeError(402, "card_error", decline.message, decline.code, decline.param,
                      decline_code=decline.decline_code, payment_method=copy.deepcopy(pm),
                      setup_intent=copy.deepcopy(si))


def _require_action(fake: StripeFake, si: dict[str, Any], attempt: dict[str, Any], return_url: str | None,
                    call: Call) -> dict[str, Any]:
    attempt["status"] = "requires_action"
    si.update(status="requires_action", next_action=three_d_secure_action(fake, si["id"], return_url))
    fake.emit("setup_intent.requires_action", si, call)
    return si


def authenticate(fake: StripeFake, si: dict[str, Any], succeed: bool, call: Call) -> dict[str, Any]:
    """The cardholder completes (or fails) the 3-D Secure challenge that `next_action` pointed to; a decline
    after it is recorded on the SetupIntent, not raised: the answer goes to the cardholder's browser."""
    if si["status"] != "requires_action":  # wording ours: a control API refusal
        raise _unexpected(f"This SetupIntent has a status of {si['status']}; there is no authentication to complete.")
    pm = fake.get("payment_method", si["payment_method"], "payment_method", "PaymentMethod")
    attempt = fake.get("setup_attempt", si["latest_attempt"], "latest_attempt")
    if not succeed:
        _fail(fake, si, attempt, _error(pm, "setup_intent_authentication_failure", AUTHENTICATION_FAILED,
                                        "invalid_request_error"), call)
        return si
    fake.authenticated.add(si["id"])
    try:
        return _finish(fake, si, pm, attempt, call)
    except StripeError:
        return si


def setup_for_checkout(fake: StripeFake, customer_id: str | None, payment_method_id: str, call: Call,
                       metadata: dict) -> dict:
    """A card saved for later off-session payments, as `POST /v1/setup_intents` with confirm=true would:
    the SetupIntent (status `requires_action` for a card that asks for 3-D Secure on setup); a decline
    raises the 402 StripeError card_error carrying it."""
    raw: dict[str, Any] = {"payment_method": payment_method_id, "payment_method_types": ["card"],
                           "usage": "off_session", "confirm": "true", "metadata": dict(metadata)}
    if customer_id:
        raw["customer"] = customer_id
    return create(fake, Params(raw, frozenset(CREATE)), call)


def _si(fake: StripeFake, ids: dict[str, str]) -> dict[str, Any]:
    return retrieve(fake, ids["id"])


def _list(fake: StripeFake, p: Params) -> dict[str, Any]:
    return fake.listing("setup_intent", "/v1/setup_intents", p, customer=p.str("customer"),
                        payment_method=p.str("payment_method"))


def _attempts(fake: StripeFake, p: Params) -> dict[str, Any]:
    seti_id = p.str("setup_intent", required=True)
    return fake.listing("setup_attempt", "/v1/setup_attempts", p, setup_intent=seti_id)


SI = ("setup_intent", False)
ROUTES = [
    route("POST", "/v1/setup_intents", "setup_intents.create", CREATE, lambda f, i, p, c: create(f, p, c), SI),
    route("GET", "/v1/setup_intents", "setup_intents.list", PAGE | {"customer", "payment_method"},
          lambda f, i, p, c: _list(f, p), ("setup_intent", True)),
    route("GET", "/v1/setup_intents/{id}", "setup_intents.retrieve", {"client_secret", "expand"},
          lambda f, i, p, c: _si(f, i), SI),
    route("POST", "/v1/setup_intents/{id}", "setup_intents.update", UPDATE,
          lambda f, i, p, c: update(f, _si(f, i), p, c), SI),
    route("POST", "/v1/setup_intents/{id}/confirm", "setup_intents.confirm", CONFIRM,
          lambda f, i, p, c: confirm(f, _si(f, i), p, c), SI),
    route("POST", "/v1/setup_intents/{id}/cancel", "setup_intents.cancel", {"cancellation_reason", "expand"},
          lambda f, i, p, c: cancel(f, _si(f, i), p, c), SI),
    route("GET", "/v1/setup_attempts", "setup_attempts.list", PAGE | {"setup_intent"},
          lambda f, i, p, c: _attempts(f, p), ("setup_attempt", True)),
]
# the fields Stripe's API reference marks expandable; those this fake never fills expand to null
EXPANDABLE = {
    "setup_intent": {"customer": "customer", "latest_attempt": "setup_attempt", "payment_method": "payment_method",
                     "application": None, "mandate": None, "on_behalf_of": None, "single_use_mandate": None},
    "setup_attempt": {"customer": "customer", "payment_method": "payment_method", "setup_intent": "setup_intent",
                      "application": None, "on_behalf_of": None},
}
