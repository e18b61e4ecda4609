"""SetupIntents and saved cards through the official SDK: a card saved, then charged with the cardholder
away, with each of Stripe's test cards behaving as docs.stripe.com/testing says ("Authentication and
setup"); 3-D Secure at setup answered through the control API; a customer's default payment method;
shapes against Stripe's example objects; hostile parameters refused with 400s."""

from __future__ import annotations

import json

import httpx
import pytest
import stripe
from integration_lab.fakes.stripe import StripeFake, sdk_http_client
from integration_lab.fakes.stripe.errors import StripeError
from integration_lab.fakes.stripe.intents import charge_off_session
from integration_lab.fakes.stripe.setup_intents import setup_for_checkout
from integration_lab.fakes.stripe.transport import BASE, StripeTransport
from integration_lab.fakes.stripe.world import Call
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory
from test_stripe_shapes import _expected, _walk

pytestmark = pytest.mark.redis_free


@pytest.fixture
def fake():
    return StripeFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(1))


@pytest.fixture
def client(fake):
    return stripe.StripeClient("sk_test_setup", http_client=sdk_http_client(fake), max_network_retries=0)


@pytest.fixture
def lab(fake):
    """The control API, in-process."""
    return httpx.Client(transport=StripeTransport(fake), base_url=BASE)


def _save(client, customer, card, **extra):
    return client.v1.setup_intents.create(params={"customer": customer, "payment_method": card, "confirm": True,
                                                  "payment_method_types": ["card"], **extra})


def _off_session(client, customer, pm, amount=1500):
    return client.v1.payment_intents.create(params={
        "amount": amount, "currency": "usd", "customer": customer, "payment_method": pm, "confirm": True,
        "off_session": True, "payment_method_types": ["card"]})


def _types(fake):
    """Every event's type, oldest first."""
    return [e["type"] for e in reversed(fake.store.page("event", 100, lambda e: True)[0])]


def test_a_card_saved_with_a_setup_intent_is_charged_off_session(client, fake):
    customer = client.v1.customers.create().id
    si = _save(client, customer, "pm_card_visa", metadata={"order": "7"}, expand=["latest_attempt"])
    assert (si.status, si.usage, si.customer, si.metadata["order"]) == ("succeeded", "off_session", customer, "7")
    assert si.latest_attempt.status == "succeeded" and si.latest_attempt.setup_intent == si.id
    saved = client.v1.customers.payment_methods.list(customer)
    assert [pm.id for pm in saved.data] == [si.payment_method]
    pi = _off_session(client, customer, si.payment_method)
    assert (pi.status, pi.amount_received, pi.customer) == ("succeeded", 1500, customer)
    assert _types(fake) == ["customer.created", "setup_intent.created", "payment_method.attached",
                            "setup_intent.succeeded", "payment_intent.created", "charge.succeeded",
                            "payment_intent.succeeded"]


def test_3d_secure_on_setup_then_off_session_payments_need_none(client, fake, lab):
    """pm_card_authenticationRequiredOnSetup: off-session payments need authentication until the card is set up."""
    customer = client.v1.customers.create().id
    unsaved = client.v1.payment_methods.attach("pm_card_authenticationRequiredOnSetup", params={"customer": customer})
    with pytest.raises(stripe.CardError) as refused:
        _off_session(client, customer, unsaved.id)
    assert refused.value.code == "authentication_required"

    si = _save(client, customer, "pm_card_authenticationRequiredOnSetup")
    assert si.status == "requires_action" and si.next_action.type == "use_stripe_sdk"
    assert si.next_action.use_stripe_sdk.stripe_js.endswith(f"/_lab/3ds/{si.id}")
    answer = lab.post(f"/_lab/setup_intents/{si.id}/authenticate", json={"outcome": "succeed"})
    assert answer.status_code == 200 and answer.json()["status"] == "succeeded"
    assert client.v1.payment_methods.retrieve(si.payment_method).customer == customer
    assert _off_session(client, customer, si.payment_method).status == "succeeded"
    assert "setup_intent.requires_action" in _types(fake)


def test_a_failed_challenge_at_setup_leaves_last_setup_error(client, fake, lab):
    customer = client.v1.customers.create().id
    si = _save(client, customer, "pm_card_authenticationRequired", return_url="https://shop.example/back")
    assert si.next_action.redirect_to_url.return_url == "https://shop.example/back"
    page = lab.get(f"/_lab/3ds/{si.id}", params={"outcome": "fail"})
    assert page.status_code == 302 and "redirect_status=failed" in page.headers["location"]
    assert f"setup_intent={si.id}" in page.headers["location"]
    si = client.v1.setup_intents.retrieve(si.id)
    assert (si.status, si.payment_method) == ("requires_payment_method", None)
    assert si.last_setup_error.code == "setup_intent_authentication_failure"
    assert _types(fake)[-1] == "setup_intent.setup_failed"
    assert client.v1.customers.payment_methods.list(customer).data == []


def test_authentication_required_off_session_even_after_setup(client, fake, lab):
    """pm_card_authenticationRequired: every payment asks, whatever was set up."""
    customer = client.v1.customers.create().id
    si = _save(client, customer, "pm_card_authenticationRequired")
    lab.post(f"/_lab/setup_intents/{si.id}/authenticate", json={"outcome": "succeed"}).raise_for_status()
    with pytest.raises(stripe.CardError) as declined:
        _off_session(client, customer, si.payment_method)
    error = declined.value.json_body["error"]
    assert (error["code"], error["decline_code"]) == ("authentication_required", "authentication_required")
    assert error["payment_intent"]["status"] == "requires_payment_method"
    assert error["payment_intent"]["last_payment_error"]["code"] == "authentication_required"
    assert error["payment_method"]["id"] == si.payment_method

    pi = charge_off_session(fake, customer, si.payment_method, 900, "usd", {"renewal": "2"}, Call())
    assert (pi["status"], pi["last_payment_error"]["code"]) == ("requires_payment_method", "authentication_required")


def test_setup_for_off_session_card_charges_off_session(client, lab):
    """pm_card_authenticationRequiredSetupForOffSession (…0446): authentication at setup, none off-session."""
    customer = client.v1.customers.create().id
    si = _save(client, customer, "pm_card_authenticationRequiredSetupForOffSession")
    assert si.status == "requires_action"
    lab.post(f"/_lab/setup_intents/{si.id}/authenticate").raise_for_status()
    assert client.v1.payment_methods.retrieve(si.payment_method).card.last4 == "0446"
    assert _off_session(client, customer, si.payment_method).status == "succeeded"


def test_charge_customer_fail_sets_up_then_every_charge_declines(client, fake):
    customer = client.v1.customers.create().id
    si = _save(client, customer, "pm_card_chargeCustomerFail")
    assert si.status == "succeeded"
    with pytest.raises(stripe.CardError) as declined:
        _off_session(client, customer, si.payment_method)
    assert (declined.value.code, declined.value.json_body["error"]["decline_code"]) == ("card_declined",
                                                                                     "generic_decline")
    pi = charge_off_session(fake, customer, si.payment_method, 500, "usd", {}, Call(), description="renewal")
    assert (pi["status"], pi["description"]) == ("requires_payment_method", "renewal")
    assert pi["last_payment_error"]["decline_code"] == "generic_decline"


@pytest.mark.parametrize("card,decline_code", [("pm_card_chargeDeclined", "generic_decline"),
                                               ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds")])
def test_an_issuer_decline_at_setup_is_a_402_carrying_the_setup_intent(client, fake, card, decline_code):
    customer = client.v1.customers.create().id
    with pytest.raises(stripe.CardError) as declined:
        _save(client, customer, card)
    error = declined.value.json_body["error"]
    assert declined.value.http_status == 402 and error["decline_code"] == decline_code
    si = error["setup_intent"]
    assert (si["status"], si["payment_method"]) == ("requires_payment_method", None)
    assert si["last_setup_error"]["decline_code"] == decline_code
    assert client.v1.setup_intents.retrieve(si["id"]).status == "requires_payment_method"
    assert client.v1.customers.payment_methods.list(customer).data == []
    assert _types(fake)[-1] == "setup_intent.setup_failed"


def test_setup_future_usage_saves_the_card_a_payment_used(client, lab):
    customer = client.v1.customers.create().id
    pi = client.v1.payment_intents.create(params={
        "amount": 2000, "currency": "usd", "customer": customer, "payment_method_types": ["card"],
        "payment_method": "pm_card_authenticationRequiredOnSetup", "setup_future_usage": "off_session",
        "confirm": True})
    assert (pi.status, pi.setup_future_usage) == ("requires_action", "off_session")
    pm = pi.payment_method
    lab.post(f"/_lab/payment_intents/{pi.id}/authenticate", json={"outcome": "succeed"}).raise_for_status()
    assert client.v1.payment_methods.retrieve(pm).customer == customer
    assert _off_session(client, customer, pm).status == "succeeded"  # set up by the first payment


def test_the_helpers_for_checkout_and_billing(fake):
    customer = fake.add({"id": "cus_helper", "object": "customer"})["id"]
    si = setup_for_checkout(fake, customer, "pm_card_visa", Call(), {"order": "1"})
    assert (si["status"], fake.objects[si["payment_method"]]["customer"]) == ("succeeded", customer)
    assert setup_for_checkout(fake, customer, "pm_card_threeDSecure2Required", Call(), {})["status"] == \
        "requires_action"
    assert setup_for_checkout(fake, None, "pm_card_visa", Call(), {})["customer"] is None
    with pytest.raises(StripeError) as declined:
        setup_for_checkout(fake, customer, "pm_card_visa_chargeDeclinedLostCard", Call(), {})
    assert (declined.value.status, declined.value.type, declined.value.extra["decline_code"]) == \
        (402, "card_error", "lost_card")
    pi = charge_off_session(fake, customer, si["payment_method"], 1234, "usd", {"plan": "club"}, Call())
    assert (pi["status"], pi["amount_received"], pi["metadata"]) == ("succeeded", 1234, {"plan": "club"})
    with pytest.raises(StripeError):  # not a decline: raised
        charge_off_session(fake, customer, si["payment_method"], 10, "usd", {}, Call())


def test_a_default_payment_method_must_be_the_customers(client, fake):
    customer = client.v1.customers.create().id
    other = client.v1.customers.create().id
    mine = _save(client, customer, "pm_card_visa").payment_method
    theirs = _save(client, other, "pm_card_mastercard").payment_method
    updated = client.v1.customers.update(customer, params={"invoice_settings": {"default_payment_method": mine},
                                                           "expand": ["invoice_settings.default_payment_method"]})
    assert updated.invoice_settings.default_payment_method.id == mine
    event = fake.store.page("event", 1, lambda e: True)[0][0]
    assert event["type"] == "customer.updated"
    assert event["data"]["previous_attributes"] == {"invoice_settings": {"default_payment_method": None}}
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.customers.update(customer, params={"invoice_settings": {"default_payment_method": theirs}})
    assert refused.value.http_status == 400
    assert str(refused.value.user_message).startswith(f"The customer does not have a payment method with the ID "
                                                      f"{theirs}.")
    assert refused.value.param == "invoice_settings[default_payment_method]"
    assert client.v1.customers.retrieve(customer).invoice_settings.default_payment_method == mine
    cleared = client.v1.customers.update(customer, params={"invoice_settings": {"default_payment_method": ""}})
    assert cleared.invoice_settings.default_payment_method is None


def test_cancel_update_and_list(client):
    customer = client.v1.customers.create().id
    draft = client.v1.setup_intents.create(params={"customer": customer, "usage": "on_session",
                                                   "payment_method_types": ["card"]})
    assert (draft.status, draft.usage, draft.payment_method) == ("requires_payment_method", "on_session", None)
    draft = client.v1.setup_intents.update(draft.id, params={"payment_method": "pm_card_visa",
                                                             "metadata": {"a": "1"}})
    assert draft.status == "requires_confirmation"
    done = client.v1.setup_intents.confirm(draft.id)
    assert done.status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.setup_intents.cancel(done.id)
    assert refused.value.code == "setup_intent_unexpected_state"
    other = client.v1.setup_intents.create(params={"payment_method_types": ["card"]})
    canceled = client.v1.setup_intents.cancel(other.id, params={"cancellation_reason": "abandoned"})
    assert (canceled.status, canceled.cancellation_reason) == ("canceled", "abandoned")
    assert [s.id for s in client.v1.setup_intents.list(params={"customer": customer}).data] == [done.id]
    assert [s.id for s in client.v1.setup_intents.list(params={"payment_method": done.payment_method}).data] == \
        [done.id]
    attempts = client.v1.setup_attempts.list(params={"setup_intent": done.id})
    assert [a.id for a in attempts.data] == [done.latest_attempt]


def test_shapes_match_stripes_example_objects(client, fake, lab):
    customer = client.v1.customers.create().id
    bodies = [json.loads(_save(client, customer, "pm_card_visa",
                               expand=["latest_attempt", "payment_method", "customer"]).last_response.body)]
    pending = _save(client, customer, "pm_card_authenticationRequired")
    bodies.append(lab.post(f"/_lab/setup_intents/{pending.id}/authenticate", json={"outcome": "fail"}).json())
    try:
        _save(client, customer, "pm_card_chargeDeclined")
    except stripe.CardError as declined:
        bodies.append(declined.json_body)
    bodies.append(json.loads(client.v1.setup_attempts.list(params={"setup_intent": pending.id}).last_response.body))
    bodies.append(json.loads(client.v1.events.list(params={"limit": 100}).last_response.body))
    found = []
    _walk(bodies, found)
    kinds = {o["object"] for o in found}
    assert {"setup_intent", "setup_attempt", "payment_method", "customer", "event"} <= kinds
    for obj in found:
        assert set(obj) == _expected(obj), obj["object"]


@pytest.mark.parametrize("params,param", [
    ({"usage": "sometimes"}, "usage"),
    ({"amount": "100"}, "amount"),
    ({"cancellation_reason": "abandoned"}, "cancellation_reason"),
    ({"confirm": "maybe"}, "confirm"),
    ({"metadata": "x"}, "metadata"),
    ({"customer": "cus_nope"}, "customer"),
])
def test_hostile_setup_intent_parameters_get_400s(fake, params, param):
    http = httpx.Client(transport=StripeTransport(fake), base_url=BASE, auth=("sk_test_x", ""))
    before = json.dumps(fake.objects, sort_keys=True)
    answer = http.post("/v1/setup_intents", data=params)
    assert answer.status_code in (400, 404)  # a missing customer is Stripe's 404 resource_missing
    assert answer.json()["error"]["type"] == "invalid_request_error"
    assert answer.json()["error"]["param"] == param
    assert json.dumps(fake.objects, sort_keys=True) == before


def test_other_refusals(client, fake):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.setup_intents.retrieve("seti_nope")
    assert missing.value.http_status == 404 and "No such setupintent: 'seti_nope'" in str(missing.value)
    with pytest.raises(stripe.InvalidRequestError) as no_method:
        client.v1.setup_intents.create(params={"confirm": True, "payment_method_types": ["card"]})
    assert no_method.value.code == "setup_intent_unexpected_state"
    with pytest.raises(stripe.InvalidRequestError) as no_return_url:
        client.v1.setup_intents.create(params={"confirm": True, "payment_method": "pm_card_visa"})
    assert "return_url" in str(no_return_url.value)
    with pytest.raises(stripe.InvalidRequestError) as no_intent:
        client.v1.setup_attempts.list(params={})  # type: ignore[typeddict-item]
    assert no_intent.value.param == "setup_intent"
    with pytest.raises(stripe.InvalidRequestError) as bad_future:
        client.v1.payment_intents.create(params={"amount": 500, "currency": "usd", "setup_future_usage": "later"})
    assert bad_future.value.param == "setup_future_usage"
    http = httpx.Client(transport=StripeTransport(fake), base_url=BASE)
    assert http.post("/_lab/setup_intents/seti_nope/authenticate").status_code == 404
    assert http.post("/_lab/setup_intents/seti_nope/authenticate", content=b'{"outcome": 5}').status_code == 400


def test_what_was_set_up_is_forgotten_with_the_card(client, fake):
    small = StripeFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(2), history=2)
    si = setup_for_checkout(small, None, "pm_card_visa", Call(), {})
    assert si["payment_method"] in small.set_up
    for _ in range(2):
        small.payment_method_for("pm_card_visa")
    assert si["payment_method"] not in small.set_up  # evicted with the PaymentMethod
    customer = client.v1.customers.create().id
    pm = _save(client, customer, "pm_card_visa").payment_method
    client.v1.payment_methods.detach(pm)
    assert pm not in fake.set_up
