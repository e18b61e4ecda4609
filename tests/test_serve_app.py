"""`serve app` also serves the Stripe and Telegram webhooks built in earlier issues, and its test controls."""

from __future__ import annotations

import json
import time

import pytest
import stripe
from shop_process import STRIPE_SECRET, TELEGRAM_SECRET, open_order, shop_process, state


@pytest.fixture(scope="module")
def http():
    with shop_process() as client:
        yield client


def stripe_event(order: str, event_id: str) -> bytes:
    intent = {"id": "pi_wire1", "object": "payment_intent", "amount": 1500, "currency": "usd", "status": "succeeded",
              "metadata": {"order_id": order}}
    return json.dumps({"id": event_id, "object": "event", "type": "payment_intent.succeeded",
                       "data": {"object": intent}}).encode()


def signed(body: bytes, secret: str) -> str:
    t = int(time.time())
    return f"t={t},v1=" + stripe.WebhookSignature._compute_signature(f"{t}.{body.decode()}", secret)


def test_stripe_webhook_is_verified_with_the_configured_secret(http):
    order = open_order(http, 1500, "USD")
    body = stripe_event(order, "evt_wire_1")
    refused = http.post("/stripe/webhook", content=body, headers={"stripe-signature": signed(body, "whsec_other")})
    assert refused.status_code == 400
    assert state(http, order)["order"]["status"] == "awaiting_payment"
    accepted = http.post("/stripe/webhook", content=body, headers={"stripe-signature": signed(body, STRIPE_SECRET)})
    assert accepted.status_code == 200
    assert state(http, order)["order"]["paid_by"] == "stripe:pi_wire1"


def test_telegram_webhook_checks_the_secret_token_and_takes_each_update_once(http):
    update = {"update_id": 99001, "edited_message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}}}
    assert http.post("/telegram/webhook", json=update).status_code == 403
    assert http.post("/telegram/webhook", json=update,
                     headers={"x-telegram-bot-api-secret-token": "wrong"}).status_code == 403
    right = {"x-telegram-bot-api-secret-token": TELEGRAM_SECRET}
    assert http.post("/telegram/webhook", json=update, headers=right).json() == {}
    assert http.post("/telegram/webhook", json=update, headers=right).json() == {"duplicate": True}


@pytest.mark.parametrize("body,status", [
    ({"amount": 0, "currency": "UZS"}, 400), ({"amount": "5", "currency": "UZS"}, 400),
    ({"amount": 5, "currency": "EUR"}, 400), ({"amount": 5, "currency": "UZS", "order_id": "a:b"}, 400),
    ({"amount": 5, "currency": "uzs", "order_id": "wire-order-1"}, 201)])
def test_lab_orders_validate_their_input(http, body, status):
    answer = http.post("/_lab/orders", json=body)
    assert answer.status_code == status, answer.text
    if status == 201:
        assert answer.json()["order_id"] == "wire-order-1" and answer.json()["currency"] == "UZS"
        assert http.post("/_lab/orders", json=body).status_code == 400  # the id is taken


def test_unknown_paths_and_bad_control_requests(http):
    assert http.get("/nowhere").status_code == 404
    assert http.get("/_lab/orders/none").status_code == 404
    assert http.post("/_lab/clock", json={"advance": -1}).status_code == 400
    assert http.post("/_lab/orders", content=b"[1]").status_code == 400
