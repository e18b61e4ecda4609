"""Webhook signatures interoperate both ways with the official SDK, and our endpoint refuses what it should."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
import pytest
import stripe

from integration_lab.app.payments.stripe_signature import SignatureError, verify
from integration_lab.app.payments.stripe_webhook import StripeWebhooks, stripe_webhook_app
from integration_lab.fakes.stripe import signature
from integration_lab.scenarios.payments import stripe_world

SECRET = "whsec_interop_test_secret"
BODY = json.dumps({"id": "evt_1", "object": "event", "type": "payment_intent.succeeded",
                   "data": {"object": {"id": "pi_1", "object": "payment_intent"}}}, indent=2).encode()


def _independent(payload: bytes, secret: str, t: int) -> str:
    return hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()


def test_the_sdk_accepts_what_the_fake_signs():
    now = int(__import__("time").time())
    header = signature(BODY, SECRET, now)
    assert header == f"t={now},v1={_independent(BODY, SECRET, now)}"
    event = stripe.Webhook.construct_event(BODY.decode(), header, SECRET)
    assert event.id == "evt_1" and event.type == "payment_intent.succeeded"


def test_we_accept_what_the_sdk_signs():
    t = 1_767_603_600
    header = stripe.WebhookSignature._compute_signature(f"{t}.{BODY.decode()}", SECRET)
    assert verify(BODY, f"t={t},v1={header}", [SECRET], now=t + 10)["id"] == "evt_1"


def test_any_matching_v1_among_several_and_any_of_our_secrets():
    t = 1_767_603_600
    good = _independent(BODY, "whsec_new", t)
    assert verify(BODY, f"t={t},v1={'0' * 64},v1={good}", ["whsec_old", "whsec_new"], now=t)["id"] == "evt_1"


@pytest.mark.parametrize("header, now, reason", [
    (None, 0, "No Stripe-Signature header"),
    ("v1=abc", 0, "Unable to extract timestamp"),
    ("t=100", 100, "No signatures found with expected scheme v1"),
    ("t=100,v1=" + "0" * 64, 100, "No signatures found matching"),
    ("t=100,v1={good}", 100 + 301, "Timestamp outside the tolerance zone"),
])
def test_refusals(header, now, reason):
    if header:
        header = header.format(good=_independent(BODY, SECRET, 100))
    with pytest.raises(SignatureError, match=reason):
        verify(BODY, header, [SECRET], now=now)


def test_a_tampered_body_is_refused():
    header = f"t=100,v1={_independent(BODY, SECRET, 100)}"
    with pytest.raises(SignatureError, match="matching"):
        verify(BODY.replace(b"pi_1", b"pi_2"), header, [SECRET], now=100)


async def test_endpoint_refuses_forged_and_replayed_deliveries_without_touching_the_ledger(lab):
    world = await stripe_world(lab)
    order = await world.order(2000)
    await world.gateway.pay(order, "pm_card_visa")
    await world.deliver()
    event = next(e for e in world.fake.objects.values() if e["object"] == "event" and e["type"] == "payment_intent.succeeded")
    body = json.dumps(event).encode()
    keys_before = sorted(await lab.backend.scan_keys())
    journal_before = await world.ledger.journal(order)
    forged = await world.http.post("https://shop.example/stripe/webhook", content=body,
                                   headers={"Stripe-Signature": signature(body, "whsec_someone_else", int(lab.clock.time()))})
    assert forged.status_code == 400
    await lab.advance(301)
    stale = await world.http.post("https://shop.example/stripe/webhook", content=body,
                                  headers={"Stripe-Signature": signature(body, world.secret, int(lab.clock.time()) - 301)})
    assert stale.status_code == 400 and "tolerance" in stale.json()["error"]
    fresh = await world.http.post("https://shop.example/stripe/webhook", content=body,
                                  headers={"Stripe-Signature": signature(body, world.secret, int(lab.clock.time()))})
    assert fresh.status_code == 200 and fresh.json() == {"received": True, "duplicate": True}
    assert sorted(await lab.backend.scan_keys()) == keys_before
    assert await world.ledger.journal(order) == journal_before


async def test_delivery_failures_are_retried_on_the_schedule(lab):
    world = await stripe_world(lab, events=("payment_intent.succeeded",))
    world.fake.deliveries.faults.add("fail", "payment_intent.succeeded", failures=2)
    order = await world.order(2000)
    await world.gateway.pay(order, "pm_card_visa")
    table = await world.deliver_over(3 * 3600, step=300)
    assert list(table["attempt"]) == [1, 2, 3] and list(table["t (s)"]) == [0, 300, 2100]
    assert list(table["status"].fillna(0)) == [0, 0, 200]


async def test_the_webhook_app_refuses_a_body_over_1_mib_before_reading_it_whole():
    class Never:  # a ledger the refusal must not reach
        def __getattr__(self, name):
            raise AssertionError(f"ledger.{name} touched")

    app = stripe_webhook_app(StripeWebhooks(Never(), ["whsec_x"]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://shop") as client:
        answer = await client.post("/stripe/webhook", content=b"{" + b" " * (1 << 20) + b"}")
    assert answer.status_code == 413 and answer.json() == {"error": "request body over 1 MiB"}


@pytest.mark.parametrize("spoilt", [{"amount": 0.5}, {"amount": "500"}, {"amount": True}, {"currency": 5},
                                    {"metadata": ["order"]}, {"metadata": {"order_id": 7}}, {"id": None},
                                    {"id": "pi_\ud800"}, {"metadata": {"order_id": "\ud800"}},
                                    {"event_id": ""}, {"event_id": "evt_\ud800"}, {"type": "payment_intent.\ud800"}])
async def test_a_well_signed_event_our_ledger_cannot_read_is_refused_and_changes_nothing(lab, spoilt):
    from integration_lab.app.payments.ledger import Ledger
    from integration_lab.runtime.snapshot import keyspace_state

    ledger = Ledger(lab.redis, lab.keys, lab.clock)
    order = (await ledger.open_order(500, "USD")).order_id
    intent = {"id": "pi_1", "object": "payment_intent", "amount": 500, "currency": "usd", "metadata": {"order_id": order}}
    spoilt = dict(spoilt)
    event = {"id": spoilt.pop("event_id", "evt_spoilt"), "object": "event",
             "type": spoilt.pop("type", "payment_intent.succeeded")}
    payload = json.dumps({**event, "data": {"object": {**intent, **spoilt}}}).encode()
    before = await keyspace_state(lab)
    status, answer = await StripeWebhooks(ledger, [SECRET]).receive(payload, signature(payload, SECRET, int(lab.clock.time())))
    assert status == 400 and answer["error"].startswith("malformed event: ")
    assert await keyspace_state(lab) == before
