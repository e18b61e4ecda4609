"""Every object the fake emits (responses, list items, expanded fields, event payloads, error bodies)
has exactly the top-level keys of Stripe's example object for its resource (stripe/openapi's fixtures3.json,
vendored in integration_lab/specs)."""

from __future__ import annotations

import json

import pytest
import stripe

from integration_lab.fakes.stripe import StripeFake, sdk_http_client
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory
from integration_lab.specs import stripe_fixtures

pytestmark = pytest.mark.redis_free  # never reaches a Redis server: the real-Redis pass of CI leaves it out

FIXTURES = stripe_fixtures()["resources"]


def _walk(node, found):
    if isinstance(node, dict):
        if isinstance(node.get("object"), str) and node["object"] not in ("list", "search_result"):
            found.append(node)
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)


def _expected(obj) -> set[str]:
    kind = ("deleted_" if obj.get("deleted") else "") + obj["object"]
    return set(FIXTURES[kind])


@pytest.fixture
def everything():
    """Drive every resource through the SDK and keep every JSON body the fake sent back."""
    fake = StripeFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(1))
    client = stripe.StripeClient("sk_test_shapes", http_client=sdk_http_client(fake))
    bodies = []

    def keep(result):
        bodies.append(json.loads(result.last_response.body))
        return result

    endpoint = keep(client.v1.webhook_endpoints.create(params={"url": "https://s.example/h", "enabled_events": ["*"]}))
    customer = keep(client.v1.customers.create(params={"email": "a@example.com"}))
    keep(client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id}))
    base = {"amount": 2000, "currency": "usd", "payment_method_types": ["card"]}
    paid = keep(client.v1.payment_intents.create(params={**base, "payment_method": "pm_card_visa", "confirm": True,
                                                         "customer": customer.id,
                                                         "expand": ["latest_charge", "payment_method", "customer"]}))
    keep(client.v1.refunds.create(params={"payment_intent": paid.id, "amount": 500}))
    held = keep(client.v1.payment_intents.create(params={**base, "capture_method": "manual",
                                                         "payment_method": "pm_card_visa", "confirm": True}))
    keep(client.v1.payment_intents.capture(held.id, params={"amount_to_capture": 1000}))
    keep(client.v1.payment_intents.cancel(keep(client.v1.payment_intents.create(params=base)).id))
    keep(client.v1.payment_intents.create(params={**base, "payment_method": "pm_card_authenticationRequired",
                                                  "confirm": True}))
    try:
        client.v1.payment_intents.create(params={**base, "payment_method": "pm_card_visa_chargeDeclined",
                                                 "confirm": True})
    except stripe.CardError as declined:
        bodies.append(declined.json_body)
    club = keep(client.v1.products.create(params={"name": "Club", "default_price_data": {
        "currency": "usd", "unit_amount": 900, "recurring": {"interval": "month"}}, "expand": ["default_price"]}))
    keep(client.v1.prices.create(params={"currency": "usd", "unit_amount": 500, "product": club.id,
                                         "expand": ["product"]}))
    keep(client.v1.products.search(params={"query": "name:'Club'"}))
    keep(client.v1.products.delete(keep(client.v1.products.create(params={"name": "Gone"})).id))
    for listing in (client.v1.events.list(params={"limit": 100}), client.v1.charges.list(params={"limit": 100}),
                    client.v1.refunds.list(), client.v1.customers.list(), client.v1.webhook_endpoints.list()):
        keep(listing)
    keep(client.v1.webhook_endpoints.delete(endpoint.id))
    return bodies


def test_every_emitted_object_has_stripes_key_set(everything):
    found = []
    _walk(everything, found)
    kinds = {o["object"] for o in found}
    assert {"payment_intent", "charge", "refund", "customer", "payment_method", "event", "webhook_endpoint",
            "product", "price"} <= kinds
    for obj in found:
        extra = {"secret"} if obj["object"] == "webhook_endpoint" and "secret" in obj else set()  # shown at creation
        assert set(obj) == _expected(obj) | extra, (obj["object"], set(obj) ^ _expected(obj))


def test_a_search_result_has_the_keys_stripe_documents(everything):
    """Not in the fixtures: docs.stripe.com/api/pagination/search lists these."""
    result = next(b for b in everything if b.get("object") == "search_result")
    assert set(result) == {"object", "data", "has_more", "next_page", "url"} and result["url"] == "/v1/products/search"


def test_a_card_error_body_carries_the_intent_with_its_full_shape(everything):
    error = next(b["error"] for b in everything if "error" in b)
    assert {"charge", "code", "decline_code", "doc_url", "message", "payment_intent", "payment_method", "type"} <= set(error)
    assert set(error["payment_intent"]) == set(FIXTURES["payment_intent"])


def test_the_check_fails_when_a_key_goes_missing(everything):
    """The comparison is not vacuous: a payment intent without `review` no longer matches."""
    found = []
    _walk(everything, found)
    pi = dict(next(o for o in found if o["object"] == "payment_intent"))
    pi.pop("review")
    assert set(pi) != _expected(pi)
