"""The official stripe SDK, unmodified, against the served fake over loopback HTTP: every resource and
every error path answers the way Stripe does, through both ways of pointing the SDK at a server."""

from __future__ import annotations

import httpx
import pytest
import stripe

from stripe_served import sdk_client, served_stripe

pytestmark = pytest.mark.redis_free  # never reaches a Redis server: the real-Redis pass of CI leaves it out

KEY = "sk_test_contract_0000000000000000000000"


@pytest.fixture(scope="module")
def served():
    with served_stripe() as both:
        yield both


@pytest.fixture
def client(served):
    return sdk_client(served[0], KEY)


def _intent(client, **params):
    base = {"amount": 2000, "currency": "usd", "payment_method_types": ["card"]}
    return client.v1.payment_intents.create(params={**base, **params})


def test_module_level_api_base_works_unmodified(served):
    url, _ = served
    stripe.api_key, stripe.api_base = KEY, url
    try:
        pi = stripe.PaymentIntent.create(amount=1500, currency="usd", payment_method="pm_card_visa", confirm=True,
                                         return_url="https://shop.example/back")
        assert (pi.status, pi.amount_received) == ("succeeded", 1500)
        assert stripe.PaymentIntent.retrieve(pi.id).latest_charge == pi.latest_charge
    finally:
        stripe.api_base = "https://api.stripe.com"


def test_lifecycle_automatic_capture_with_expand(client):
    pi = _intent(client, metadata={"order_id": "42"})
    assert (pi.status, pi.metadata["order_id"], pi.client_secret.startswith(pi.id + "_secret_")) == (
        "requires_payment_method", "42", True)
    pi = client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa",
                                                         "expand": ["latest_charge"]})
    assert pi.status == "succeeded" and pi.amount_received == 2000
    assert pi.latest_charge.object == "charge" and pi.latest_charge.paid and pi.latest_charge.captured
    assert pi.payment_method.startswith("pm_") and pi.payment_method != "pm_card_visa"  # a fresh method is minted


def test_manual_capture_partial_and_cancel(client):
    pi = _intent(client, capture_method="manual", payment_method="pm_card_visa", confirm=True)
    assert (pi.status, pi.amount_capturable) == ("requires_capture", 2000)
    with pytest.raises(stripe.InvalidRequestError) as over:
        client.v1.payment_intents.capture(pi.id, params={"amount_to_capture": 2500})
    assert over.value.param == "amount_to_capture"
    pi = client.v1.payment_intents.capture(pi.id, params={"amount_to_capture": 1500})
    assert (pi.status, pi.amount_received, pi.amount_capturable) == ("succeeded", 1500, 0)
    charge = client.v1.charges.retrieve(pi.latest_charge)
    assert (charge.amount_captured, charge.amount_refunded, charge.refunded) == (1500, 500, False)
    with pytest.raises(stripe.InvalidRequestError) as late:
        client.v1.payment_intents.cancel(pi.id)
    assert late.value.code == "payment_intent_unexpected_state"
    assert "because it has a status of succeeded" in late.value.user_message
    other = _intent(client, capture_method="manual", payment_method="pm_card_visa", confirm=True)
    other = client.v1.payment_intents.cancel(other.id, params={"cancellation_reason": "abandoned"})
    assert (other.status, other.cancellation_reason) == ("canceled", "abandoned")
    assert client.v1.charges.retrieve(other.latest_charge).refunded


# Stripe's published outcomes for its declining test methods (https://docs.stripe.com/testing#declined-payments),
# written out independently here.
DECLINES = {
    "pm_card_visa_chargeDeclined": ("card_declined", "generic_decline", "Your card was declined."),
    "pm_card_visa_chargeDeclinedInsufficientFunds": ("card_declined", "insufficient_funds",
                                                     "Your card has insufficient funds."),
    "pm_card_visa_chargeDeclinedLostCard": ("card_declined", "lost_card", "Your card was declined."),
    "pm_card_visa_chargeDeclinedStolenCard": ("card_declined", "stolen_card", "Your card was declined."),
    "pm_card_chargeDeclinedExpiredCard": ("expired_card", "expired_card", "Your card has expired."),
    "pm_card_chargeDeclinedIncorrectCvc": ("incorrect_cvc", "incorrect_cvc", "Your card's security code is incorrect."),
    "pm_card_chargeDeclinedProcessingError": ("processing_error", "processing_error",
                                              "An error occurred while processing your card. Try again in a little bit."),
}


@pytest.mark.parametrize("method", sorted(DECLINES))
def test_each_declining_test_method_raises_card_error_with_its_decline_code(client, method):
    code, decline_code, message = DECLINES[method]
    with pytest.raises(stripe.CardError) as declined:
        _intent(client, payment_method=method, confirm=True)
    error = declined.value
    assert (error.http_status, error.code, error.error.decline_code) == (402, code, decline_code)
    assert error.user_message == message
    pi = error.error.payment_intent
    assert pi.status == "requires_payment_method" and pi.last_payment_error.decline_code == decline_code
    charge = client.v1.charges.retrieve(error.error.charge)
    assert (charge.status, charge.failure_code, charge.outcome.reason) == ("failed", code, decline_code)


def test_three_d_secure_completes_or_fails_through_the_control_api(served, client):
    url, _ = served
    pi = _intent(client, payment_method="pm_card_authenticationRequired", confirm=True)
    assert pi.status == "requires_action" and pi.next_action.type == "use_stripe_sdk"
    httpx.post(f"{url}/_lab/payment_intents/{pi.id}/authenticate", json={"outcome": "succeed"}).raise_for_status()
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"
    pi = _intent(client, payment_method="pm_card_authenticationRequired", confirm=True, return_url="https://s.example/r")
    assert pi.next_action.redirect_to_url.return_url == "https://s.example/r"
    page = httpx.get(pi.next_action.redirect_to_url.url, params={"outcome": "fail"})
    assert page.status_code == 302 and "redirect_status=failed" in page.headers["location"]
    pi = client.v1.payment_intents.retrieve(pi.id)
    assert (pi.status, pi.last_payment_error.code) == ("requires_payment_method", "payment_intent_authentication_failure")
    with pytest.raises(stripe.CardError) as off_session:
        _intent(client, payment_method="pm_card_authenticationRequired", confirm=True, off_session=True)
    assert off_session.value.error.decline_code == "authentication_required"


def test_refunds_full_partial_and_over_refund(client):
    pi = _intent(client, payment_method="pm_card_visa", confirm=True)
    first = client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 500})
    assert (first.object, first.status, first.amount, first.charge) == ("refund", "succeeded", 500, pi.latest_charge)
    with pytest.raises(stripe.InvalidRequestError) as over:
        client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 2000})
    assert over.value.user_message == "Refund amount ($20.00) is greater than unrefunded amount on charge ($15.00)"
    assert over.value.param == "amount" and over.value.code is None
    rest = client.v1.refunds.create(params={"charge": pi.latest_charge})
    assert rest.amount == 1500 and client.v1.charges.retrieve(pi.latest_charge).refunded
    with pytest.raises(stripe.InvalidRequestError) as again:
        client.v1.refunds.create(params={"payment_intent": pi.id})
    assert again.value.code == "charge_already_refunded"
    assert [r.id for r in client.v1.refunds.list(params={"payment_intent": pi.id}).data] == [rest.id, first.id]
    unpaid = _intent(client)
    with pytest.raises(stripe.InvalidRequestError, match="does not have a successful charge to refund"):
        client.v1.refunds.create(params={"payment_intent": unpaid.id})


def test_idempotency_replays_and_refuses_other_parameters(served, client):
    _, fake = served
    first = client.v1.payment_intents.create(params={"amount": 700, "currency": "usd", "payment_method_types": ["card"]},
                                             options={"idempotency_key": "order-7"})
    again = client.v1.payment_intents.create(params={"amount": 700, "currency": "usd", "payment_method_types": ["card"]},
                                             options={"idempotency_key": "order-7"})
    assert again.id == first.id and again.last_response.headers["idempotent-replayed"] == "true"
    with pytest.raises(stripe.IdempotencyError) as reused:
        client.v1.payment_intents.create(params={"amount": 800, "currency": "usd", "payment_method_types": ["card"]},
                                         options={"idempotency_key": "order-7"})
    assert reused.value.http_status == 400 and "order-7" in reused.value.user_message
    declined = {"amount": 700, "currency": "usd", "payment_method_types": ["card"], "confirm": True,
                "payment_method": "pm_card_visa_chargeDeclined"}
    errors = []
    for _ in range(2):  # a 402 is a result: replayed, not re-run
        with pytest.raises(stripe.CardError) as e:
            client.v1.payment_intents.create(params=declined, options={"idempotency_key": "declined-1"})
        errors.append(e.value.error.payment_intent.id)
    assert errors[0] == errors[1]


def test_customers_and_payment_methods(client):
    customer = client.v1.customers.create(params={"email": "ada@example.com", "metadata": {"tg": "42"}})
    assert customer.id.startswith("cus_") and customer.email == "ada@example.com"
    pm = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    assert (pm.customer, pm.card.last4, pm.card.brand) == (customer.id, "4242", "visa")
    listed = client.v1.payment_methods.list(params={"customer": customer.id, "type": "card"})
    assert [m.id for m in listed.data] == [pm.id]
    updated = client.v1.customers.update(customer.id, params={"name": "Ada"})
    assert updated.name == "Ada" and client.v1.customers.retrieve(customer.id).name == "Ada"
    pi = _intent(client, customer=customer.id, payment_method=pm.id, confirm=True, expand=["customer"])
    assert pi.customer.email == "ada@example.com"
    assert client.v1.payment_methods.detach(pm.id).customer is None


def test_events_and_webhook_endpoints(client):
    endpoint = client.v1.webhook_endpoints.create(params={"url": "https://shop.example/hook",
                                                          "enabled_events": ["payment_intent.succeeded"]})
    assert endpoint.secret.startswith("whsec_") and endpoint.status == "enabled"
    assert "secret" not in client.v1.webhook_endpoints.retrieve(endpoint.id)  # shown once, at creation
    pi = _intent(client, payment_method="pm_card_visa", confirm=True)
    events = client.v1.events.list(params={"type": "payment_intent.succeeded", "limit": 1})
    event = client.v1.events.retrieve(events.data[0].id)
    assert event.data.object.id == pi.id and event.type == "payment_intent.succeeded"
    deleted = client.v1.webhook_endpoints.delete(endpoint.id)
    assert deleted.deleted is True


def test_lists_paginate_newest_first(client):
    made = [_intent(client, metadata={"n": str(i)}).id for i in range(3)]
    page = client.v1.payment_intents.list(params={"limit": 2})
    assert [p.id for p in page.data] == made[::-1][:2] and page.has_more
    rest = client.v1.payment_intents.list(params={"limit": 2, "starting_after": page.data[-1].id})
    assert rest.data[0].id == made[0]


@pytest.mark.parametrize("key, fragment", [("sk_live_abcdefgh1234", "sk_live_********1234"),
                                           ("pk_test_abcdefgh9876", "pk_test_********9876")])
def test_wrong_keys_get_401_with_the_key_redacted(served, key, fragment):
    url, _ = served
    client = stripe.StripeClient(key, base_addresses={"api": url}, http_client=stripe.HTTPXClient(allow_sync_methods=True))
    with pytest.raises(stripe.AuthenticationError) as refused:
        client.v1.payment_intents.list()
    assert refused.value.http_status == 401 and refused.value.user_message == f"Invalid API Key provided: {fragment}"
    assert key not in str(refused.value)


def test_bad_requests_get_stripe_errors_and_a_request_id(served, client):
    url, _ = served
    cases = [({"amount": 2000}, "parameter_missing", "currency"),
             ({"amount": "abc", "currency": "usd"}, "parameter_invalid_integer", "amount"),
             ({"amount": 10, "currency": "usd"}, "amount_too_small", "amount"),
             ({"amount": 2000, "currency": "usd", "colour": "red"}, "parameter_unknown", "colour")]
    for params, code, param in cases:
        with pytest.raises(stripe.InvalidRequestError) as bad:
            client.v1.payment_intents.create(params=params)
        assert (bad.value.http_status, bad.value.code, bad.value.param) == (400, code, param)
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.payment_intents.retrieve("pi_missing")
    assert (missing.value.http_status, missing.value.code, missing.value.param) == (404, "resource_missing", "intent")
    assert missing.value.user_message == "No such payment_intent: 'pi_missing'"
    assert missing.value.request_id.startswith("req_")
    with pytest.raises(stripe.InvalidRequestError, match="return_url"):
        client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd", "payment_method": "pm_card_visa",
                                                 "confirm": True})
    raw = httpx.get(f"{url}/v1/nothing", headers={"Authorization": f"Bearer {KEY}"})
    assert raw.status_code == 404 and raw.headers["request-id"].startswith("req_")
    assert raw.json()["error"]["message"].startswith("Unrecognized request URL (GET: /v1/nothing)")
    no_key = httpx.get(f"{url}/v1/payment_intents")
    assert no_key.status_code == 401 and no_key.json()["error"]["message"].startswith("You did not provide an API key")


def test_a_lost_answer_is_retried_by_the_sdk_and_replayed_not_charged_twice(served):
    url, fake = served
    httpx.post(f"{url}/_lab/faults", json={"kind": "lost_answer", "method": "payment_intents.confirm",
                                          "seconds": 2}).raise_for_status()
    client = stripe.StripeClient(KEY, base_addresses={"api": url}, max_network_retries=2,
                                 http_client=stripe.HTTPXClient(timeout=0.5, allow_sync_methods=True))
    pi = _intent(client)
    charges_before = sum(o["object"] == "charge" for o in list(fake.objects.values()))
    pi = client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa"})
    assert pi.status == "succeeded" and pi.last_response.headers["idempotent-replayed"] == "true"
    assert sum(o["object"] == "charge" for o in list(fake.objects.values())) == charges_before + 1


def test_a_client_that_waits_out_a_lost_answer_gets_the_gateway_s_502(served, client):
    url, _ = served
    httpx.post(f"{url}/_lab/faults", json={"kind": "lost_answer", "method": "payment_intents.create",
                                          "seconds": 0.2}).raise_for_status()
    with pytest.raises(stripe.APIError) as raised:  # the SDK reads a 502 with Stripe's api_error body
        _intent(client)
    assert raised.value.http_status == 502 and raised.value.user_message == "Bad Gateway"
