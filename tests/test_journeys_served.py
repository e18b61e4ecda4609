"""A buyer's whole journey, every way to pay, with `serve telegram`, `serve stripe` and `serve app` running as
processes on loopback, and the buyer driven ONLY over HTTP: the Telegram fake's control API plays the
person in the chat, the Stripe fake's API and control API play the cardholder, and Payme's and Click's
requests are sent to /payme and /click/… as those providers send them (signatures and the Basic header
built from their documented formulas by load/http_providers.py, which the Locust buyers share).

Each journey: /start, /buy tea, Checkout, the route's button, pay; then the order is paid exactly once
(`GET /_lab/orders/{id}` on the app) and the goods message reaches the buyer's transcript exactly once
(the app's background outbox drain sends it; a drain we ask for afterwards sends nothing more).
One set of servers for the module; every wait is bounded.
"""

from __future__ import annotations

import contextlib
import re
import time
from typing import Iterator

import httpx
import pytest

from integration_lab.load.http_providers import click_request, payme_request, payme_transaction_id
from integration_lab.load.over_http import (CLICK_SECRET, CLICK_SERVICE_ID, PAYME_KEY, STRIPE_KEY, start_servers,
                                            stop_servers)

pytestmark = pytest.mark.redis_free  # never reaches a Redis server: the real-Redis pass of CI leaves it out

WAIT = 5.0  # seconds: the longest any step may take to show
TEA_USD, TEA_UZS, TEA_XTR = 1250, 15_000_000, 60  # the catalog's tea (app/shop/catalog.py)


class Lab:
    """The three servers' URLs and one HTTP client; the buyer acts through these alone."""

    def __init__(self, telegram: str, stripe: str, app: str, http: httpx.Client):
        self.telegram, self.stripe, self.app, self.http = telegram, stripe, app, http


@contextlib.contextmanager
def served(out) -> Iterator[Lab]:
    """The three servers as `make load-http` starts and wires them (their stderr in `out`), the app on its
    embedded fakeredis with the sample shelf; stopped on leaving."""
    servers = start_servers(out, restock=0, redis_url="")
    try:
        with httpx.Client(timeout=10) as http:
            yield Lab(servers.telegram, servers.stripe, servers.app, http)
    finally:
        stop_servers(servers)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with served(tmp_path_factory.mktemp("served")) as lab:
        yield lab


# ---- waiting, bounded --------------------------------------------------------------------------------------
def eventually(probe, what: str, wait: float = WAIT):
    """probe() until it returns something truthy, for at most `wait` seconds."""
    deadline = time.monotonic() + wait
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"within {wait:g} s: {what}")
        time.sleep(0.05)


# ---- the buyer in Telegram (the Telegram fake's control API) ------------------------------------------------
class Buyer:
    def __init__(self, lab: Lab, user_id: int):
        self.lab, self.id = lab, user_id
        self.user = {"id": user_id, "first_name": f"Buyer{user_id}"}

    def transcript(self) -> list[dict]:
        answer = self.lab.http.get(f"{self.lab.telegram}/_lab/chats/{self.id}/messages")
        assert answer.status_code == 200, answer.text
        return answer.json()["messages"]

    def bot_says(self, pattern: str, after: int = 0) -> dict:
        """The first bot message after message `after` whose text matches `pattern` (waits for it)."""
        def probe():
            return next((m for m in self.transcript() if m["direction"] == "bot → user"
                         and (m["message_id"] or 0) > after and re.search(pattern, m["text"])), None)
        try:
            return eventually(probe, f"the bot says /{pattern}/ to {self.id}")
        except AssertionError as late:
            raise AssertionError(f"{late}; the chat: {[m['text'] for m in self.transcript()]}") from None

    def write(self, text: str) -> int:
        answer = self.lab.http.post(f"{self.lab.telegram}/_lab/chats/{self.id}/messages",
                                    json={"from": self.user, "text": text})
        assert answer.status_code == 200, answer.text
        return answer.json()["message"]["message_id"]

    def press(self, message_id: int, data: str) -> None:
        answer = self.lab.http.post(f"{self.lab.telegram}/_lab/chats/{self.id}/callbacks",
                                    json={"from": self.user, "message_id": message_id, "data": data})
        assert answer.status_code == 200, answer.text

    def pay_invoice(self, message_id: int, **fields) -> dict:
        answer = self.lab.http.post(f"{self.lab.telegram}/_lab/chats/{self.id}/invoices/{message_id}/pay",
                                    json={"from": self.user, **fields})
        assert answer.status_code == 200, answer.text
        return answer.json()["checkout"]

    def checkout(self, route: str) -> tuple[str, dict]:
        """/start, /buy tea, Checkout, the route's button: (the order id, the bot's answer to the button)."""
        start = self.write("/start")
        self.bot_says(r"^Welcome to the Lab Shop", start)
        buy = self.write("/buy tea")
        cart = self.bot_says(r"^Cart: tea\. Total", buy)
        self.press(cart["message_id"], "checkout")
        placed = self.bot_says(r"^Order \S+: Green tea\. Total", cart["message_id"])
        order_id = re.match(r"^Order (\S+):", placed["text"])[1]
        self.press(placed["message_id"], f"pay:{route}")
        answer = self.bot_says(_ROUTE_ANSWERS[route], placed["message_id"])
        return order_id, answer


_ROUTE_ANSWERS = {"stars": r"^Lab Shop order \S+: invoice 60 XTR$", "card": r"^Lab Shop order \S+: invoice 12\.50 USD$",
                  "payme": r"^Pay 150 000 UZS with Payme:", "click": r"^Pay 150 000 UZS with Click:",
                  "stripe": r"^Pay 12\.50 USD by card with Stripe \(payment pi_\w+\)",
                  "stripe_checkout": r"^Pay 12\.50 USD by card on Stripe's checkout page:$"}


# ---- the providers' side -------------------------------------------------------------------------------------
def payme(lab: Lab, method: str, params: dict) -> dict:
    body, headers = payme_request(PAYME_KEY, method, params)
    answer = lab.http.post(f"{lab.app}/payme", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def click(lab: Lab, step: str, trans: int, order_id: str, amount: str, prepare_id: int | None = None) -> dict:
    body, headers = click_request(step, trans, CLICK_SERVICE_ID, CLICK_SECRET, order_id, amount, prepare_id)
    answer = lab.http.post(f"{lab.app}/click/{step}", content=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def stripe_api(lab: Lab, path: str, **form) -> dict:
    answer = lab.http.post(f"{lab.stripe}{path}", data=form, auth=(STRIPE_KEY, ""))
    assert answer.status_code == 200, answer.text
    return answer.json()


# ---- the end of every journey ------------------------------------------------------------------------------
def assert_paid_once_and_delivered_once(lab: Lab, buyer: Buyer, order_id: str, paid_by: str, amount: int,
                                        currency: str) -> None:
    def settled():
        seen = lab.http.get(f"{lab.app}/_lab/orders/{order_id}").json()
        return seen if seen["order"]["status"] == "paid" else None

    seen = eventually(settled, f"order {order_id} paid")
    assert seen["order"]["paid_by"].startswith(f"{paid_by}:"), seen["order"]
    succeeded = [p for p in seen["payments"] if p["status"] == "succeeded"]
    assert len(succeeded) == 1, seen["payments"]
    assert (succeeded[0]["amount"], succeeded[0]["currency"]) == (amount, currency)
    goods = f"Your order {order_id} is ready: Green tea x1. Enjoy!"
    receipt = f"Receipt for order {order_id}:"

    def both_arrived():  # the background round sends the goods, then the receipt (a drain skips a claimed job)
        texts = [m["text"] for m in buyer.transcript()]
        return goods in texts and any(t.startswith(receipt) for t in texts)

    eventually(both_arrived, f"the goods and the receipt of {order_id} arrive")
    assert lab.http.post(f"{lab.app}/_lab/outbox/drain").status_code == 200  # a drain now owes nothing more
    texts = [m["text"] for m in buyer.transcript()]
    assert texts.count(goods) == 1, texts
    assert sum(t.startswith(receipt) for t in texts) == 1, texts
    jobs = [j for j in lab.http.get(f"{lab.app}/_lab/outbox").json()["jobs"] if j["id"].startswith(f"{order_id}:")]
    assert sorted(j["id"] for j in jobs) == [f"{order_id}:goods", f"{order_id}:receipt"], jobs
    assert all(j["state"] == "sent" for j in jobs), jobs


# ---- the journeys ----------------------------------------------------------------------------------------------
def test_stars(lab):
    buyer = Buyer(lab, 7001)
    order_id, invoice = buyer.checkout("stars")
    checkout = buyer.pay_invoice(invoice["message_id"])
    assert checkout["status"] == "paid", checkout
    assert_paid_once_and_delivered_once(lab, buyer, order_id, "stars", TEA_XTR, "XTR")


def test_card_through_telegram(lab):
    buyer = Buyer(lab, 7002)
    order_id, invoice = buyer.checkout("card")
    checkout = buyer.pay_invoice(invoice["message_id"], order_info={"email": "buyer7002@example.com"})
    assert checkout["status"] == "paid", checkout
    assert_paid_once_and_delivered_once(lab, buyer, order_id, "telegram", TEA_USD, "USD")


def test_payme(lab):
    buyer = Buyer(lab, 7003)
    order_id, _link = buyer.checkout("payme")
    account = {"order_id": order_id}
    assert payme(lab, "CheckPerformTransaction", {"amount": TEA_UZS, "account": account})["result"] == {"allow": True}
    now_ms = lab.http.post(f"{lab.app}/_lab/clock", json={"advance": 0}).json()["now_ms"]
    txid = payme_transaction_id(order_id)  # Payme's ids: 24 hex digits
    created = payme(lab, "CreateTransaction", {"id": txid, "time": now_ms, "amount": TEA_UZS, "account": account})
    assert created["result"]["state"] == 1, created
    assert payme(lab, "PerformTransaction", {"id": txid})["result"]["state"] == 2
    assert_paid_once_and_delivered_once(lab, buyer, order_id, "payme", TEA_UZS, "UZS")


def test_click(lab):
    buyer = Buyer(lab, 7004)
    order_id, _link = buyer.checkout("click")
    prepared = click(lab, "prepare", 9004, order_id, "150000.00")
    assert prepared["error"] == 0, prepared
    done = click(lab, "complete", 9004, order_id, "150000.00", prepared["merchant_prepare_id"])
    assert done["error"] == 0, done
    assert_paid_once_and_delivered_once(lab, buyer, order_id, "click", TEA_UZS, "UZS")


@pytest.mark.parametrize("card, buyer_id", [("pm_card_visa", 7005), ("pm_card_threeDSecure2Required", 7006)])
def test_stripe(lab, card, buyer_id):
    buyer = Buyer(lab, buyer_id)
    order_id, told = buyer.checkout("stripe")
    intent_id = re.search(r"\(payment (pi_\w+)\)", told["text"])[1]
    intent = stripe_api(lab, f"/v1/payment_intents/{intent_id}/confirm", payment_method=card)
    if card == "pm_card_threeDSecure2Required":
        assert intent["status"] == "requires_action", intent["status"]
        answer = lab.http.post(f"{lab.stripe}/_lab/payment_intents/{intent_id}/authenticate",
                               json={"outcome": "succeed"})
        assert answer.status_code == 200, answer.text
        intent = answer.json()
    assert intent["status"] == "succeeded", intent["status"]
    assert intent["metadata"] == {"order_id": order_id}
    # the Stripe fake delivers payment_intent.succeeded to /stripe/webhook by itself, signed
    assert_paid_once_and_delivered_once(lab, buyer, order_id, "stripe", TEA_USD, "USD")
    log = lab.http.get(f"{lab.stripe}/_lab/webhooks/log").json()
    assert any(row["type"] == "payment_intent.succeeded" for row in log), log
    assert all(row["status"] == 200 for row in log), log  # every event so far, each answered 2xx at once


def test_stripe_checkout(lab):
    """The link's session (found by its client_reference_id: the chat shows a button's text, not its URL), paid
    through the Stripe fake's control route after a decline; the webhook alone pays the order."""
    buyer = Buyer(lab, 7007)
    order_id, _told = buyer.checkout("stripe_checkout")
    sessions = lab.http.get(f"{lab.stripe}/v1/checkout/sessions", auth=(STRIPE_KEY, ""), params={"limit": 100})
    session = next(s for s in sessions.json()["data"] if s["client_reference_id"] == order_id)
    assert session["url"].startswith(lab.stripe) and session["metadata"] == {"order_id": order_id}
    complete = f"{lab.stripe}/_lab/checkout/sessions/{session['id']}/complete"
    declined = lab.http.post(complete, json={"payment_method": "pm_card_chargeDeclined"})
    assert declined.status_code == 402 and declined.json()["error"]["type"] == "card_error", declined.text
    paid = lab.http.post(complete, json={"payment_method": "pm_card_visa"})
    assert paid.status_code == 200 and paid.json()["payment_status"] == "paid", paid.text
    thanks = lab.http.get(session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"]))
    assert thanks.status_code == 200 and "Thank you!" in thanks.text
    assert_paid_once_and_delivered_once(lab, buyer, order_id, "stripe", TEA_USD, "USD")
    log = lab.http.get(f"{lab.stripe}/_lab/webhooks/log").json()
    assert any(row["type"] == "checkout.session.completed" for row in log), log


@pytest.mark.parametrize("base, shown", [(None, "api.stripe.com"), ("http://127.0.0.1:12111", "http://127.0.0.1:12111"),
                                         ("https://user:sk_test_x@stripe.example/v1?k=sk", "https://stripe.example"),
                                         ("http://[::1", "the given --stripe-api-base")])
def test_serve_app_names_where_stripe_is_but_never_a_credential_in_its_url(base, shown):
    from integration_lab.serve import _where

    assert _where(base) == shown


def test_an_abandoned_checkout_gives_its_stock_back_by_itself(lab):
    """Nobody pays: once the hold lapses (the app's clock moved past it), the background round releases it."""
    def held_tea():
        return lab.http.get(f"{lab.app}/_lab/stock").json()["stock"]["tea"]["held"]

    before = held_tea()
    Buyer(lab, 7009).checkout("click")
    assert held_tea() == before + 1
    assert lab.http.post(f"{lab.app}/_lab/clock", json={"advance": 901}).status_code == 200
    eventually(lambda: held_tea() == before, "the lapsed hold is released")
