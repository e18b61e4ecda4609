"""Buyers of the Lab Shop as Locust users, driving `serve telegram`, `serve stripe` and `serve app` (or a team's
staging bot behind the two fakes) ONLY over HTTP, as tests/test_journeys_served.py does: the Telegram fake's
control API plays the person in the chat, the Stripe fake's API the cardholder (a Stripe Checkout link: its
page opened, then paid through the fake's control route), and Payme's and Click's requests go to the app's
/payme and /click/… as those providers send them.

One journey per task, each as a fresh Telegram user: /start, /catalog, /buy <sku>, Checkout, a way to pay
taken in turn from LAB_ROUTES (each as often as its weight), pay, then wait for the goods message. Between
steps the buyer reads for a while (LAB_THINK seconds; a buyer's first journey also starts after up to that
long, so arrivals spread out); the chat is first read LAB_POLL seconds after an action, then at doubling
intervals up to a second, for a bot reply at most LAB_WAIT seconds. A reply that never comes or says
something unexpected is a failure in Locust's table ("bot: …"); an "out of stock"
checkout ends the journey as sold out (a fact of the shelf, not a failure).

Every buyer appends what it did to LAB_JOURNAL (JSON lines; safe with several Locust processes on one
machine): the order it placed, and for Payme and Click, acting as those providers, each transaction they
took money for: the providers' statements the driver sets beside the ledger.

    python -m integration_lab.load.over_http --users 1000 --seconds 60    # starts everything, checks, prints
    locust -f locustfile.py --headless -u 50 -r 10 -t 30s                 # against servers already running

Environment (defaults: the lab's own servers on their default ports and credentials):
    LAB_TELEGRAM_URL LAB_STRIPE_URL LAB_APP_URL     where the Telegram fake, the Stripe fake and the bot are
    LAB_STRIPE_KEY LAB_PAYME_KEY LAB_CLICK_SERVICE_ID LAB_CLICK_SECRET   the providers' credentials
    LAB_BOT_ID       the bot the buyers talk to on the Telegram fake (default: its first bot)
    LAB_ROUTES       the mix, e.g. "stars=1,card=1,payme=1,click=1,stripe=1,stripe_checkout=1" (weights)
    LAB_SKUS         what buyers pick from (default "tea,mug,beans")
    LAB_THINK        seconds a buyer reads before the next step, "low-high" (default "20-60")
    LAB_POLL         seconds from an action to the first look at the chat (default 0.3; then 0.6, 1, 1, …)
    LAB_WAIT         the longest wait for one bot reply, seconds (default 10)
    LAB_JOURNAL      the file to append the journal to (default: none)
"""

from __future__ import annotations

import base64
import json
import os
import random
import re
import time

import gevent
from locust import FastHttpUser, between, events, task

from integration_lab.load.http_providers import click_amount, click_request, payme_request, payme_transaction_id
from integration_lab.app.service import DEFAULTS

ENV = os.environ
TELEGRAM = ENV.get("LAB_TELEGRAM_URL", "http://127.0.0.1:8081").rstrip("/")
STRIPE = ENV.get("LAB_STRIPE_URL", "http://127.0.0.1:12111").rstrip("/")
APP = ENV.get("LAB_APP_URL", "http://127.0.0.1:8000").rstrip("/")
STRIPE_KEY = ENV.get("LAB_STRIPE_KEY", "sk_test_lab")
PAYME_KEY = ENV.get("LAB_PAYME_KEY", DEFAULTS["payme_key"])
CLICK_SERVICE_ID = int(ENV.get("LAB_CLICK_SERVICE_ID", DEFAULTS["click_service_id"]))
CLICK_SECRET = ENV.get("LAB_CLICK_SECRET", DEFAULTS["click_secret_key"])
BOT = {"bot_id": int(ENV["LAB_BOT_ID"])} if ENV.get("LAB_BOT_ID") else {}
DEFAULT_ROUTES = "stars=1,card=1,payme=1,click=1,stripe=1,stripe_checkout=1"
ROUTES = {name: float(weight) for name, _, weight in
          (part.partition("=") for part in ENV.get("LAB_ROUTES", DEFAULT_ROUTES).split(","))}
SKUS = ENV.get("LAB_SKUS", "tea,mug,beans").split(",")
THINK = tuple(float(x) for x in ENV.get("LAB_THINK", "20-60").split("-", 1))
POLL = float(ENV.get("LAB_POLL", "0.3"))
WAIT = float(ENV.get("LAB_WAIT", "10"))
JOURNAL = ENV.get("LAB_JOURNAL")
STRIPE_AUTH = {"authorization": "Basic " + base64.b64encode(f"{STRIPE_KEY}:".encode()).decode()}
ANSWERS = {"stars": r"^Lab Shop order \S+: invoice \d+ XTR$", "card": r"^Lab Shop order \S+: invoice [\d.]+ USD$",
           "payme": r"^Pay [\d ]+ UZS with Payme:", "click": r"^Pay [\d ]+ UZS with Click:",
           "stripe": r"^Pay [\d.]+ USD by card with Stripe \(payment pi_\w+\)",
           "stripe_checkout": r"^Pay [\d.]+ USD by card on Stripe's checkout page:"}
CHECKOUT_LINK = re.compile(r"/c/pay/(cs_\w+)")  # the session's id in its url (Stripe's checkout.stripe.com/c/pay/…)
# a fresh Telegram user per journey, unique across processes and machines: a random prefix per process
_PREFIX = random.SystemRandom().randrange(1, 1 << 30)
_journeys = iter(range(1, 1 << 20))
_credit = dict.fromkeys(ROUTES, 0.0)


def next_route() -> str:
    """The mix's routes in turn, each as often as its weight says (smooth weighted round-robin): a short run
    takes every way to pay, where a random draw could leave one out."""
    for name, weight in ROUTES.items():
        _credit[name] += weight
    chosen = max(_credit, key=_credit.get)
    _credit[chosen] -= sum(ROUTES.values())
    return chosen


def journal(**entry) -> None:
    """One JSON line per entry, in one write with O_APPEND: lines from several processes never interleave."""
    if JOURNAL:
        fd = os.open(JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (json.dumps(entry) + "\n").encode())
        finally:
            os.close(fd)


def uzs_tiyin(text: str) -> int:
    """'Pay 150 000 UZS with Payme: …' -> 15_000_000 tiyin. The transcript shows a URL button's text only, not
    its URL (the Payme or Click link), so the buyer reads the amount the bot wrote, in whole sums."""
    return int(re.match(r"^Pay ([\d ]+) UZS", text)[1].replace(" ", "")) * 100


class Unexpected(Exception):
    """The bot said something else, or nothing in time: the journey stops, counted as a failure."""


class Buyer(FastHttpUser):
    host = TELEGRAM
    wait_time = between(*THINK)  # between journeys
    network_timeout = connection_timeout = 30.0

    # ---- plumbing -------------------------------------------------------------------------------------------
    def call(self, method: str, url: str, name: str, expect=None, **request) -> dict:
        """One request, counted under `name`; a failure when it is not a 200 with JSON `expect` accepts."""
        with self.client.request(method, url, name=name, catch_response=True, **request) as answer:
            try:
                body = answer.json() if answer.status_code == 200 else None
            except ValueError:
                body = None
            if body is None or (expect is not None and not expect(body)):
                answer.failure(f"{answer.status_code}: {(answer.text or '')[:200]}")
                raise Unexpected(f"{name}: {answer.status_code}")
            return body

    def fail(self, name: str, started: float, why: str) -> None:
        events.request.fire(request_type="BOT", name=name, response_time=(time.monotonic() - started) * 1000,
                            response_length=0, exception=Unexpected(why), context={})
        raise Unexpected(why)

    def think(self) -> None:
        gevent.sleep(random.uniform(*THINK))

    # ---- the person in Telegram -----------------------------------------------------------------------------
    def write(self, text: str) -> int:
        body = self.call("POST", f"{TELEGRAM}/_lab/chats/{self.user_id}/messages", "telegram: write",
                         json={**BOT, "from": self.user, "text": text}, expect=lambda b: b.get("ok"))
        return body["message"]["message_id"]

    def press(self, message_id: int, data: str) -> None:
        self.call("POST", f"{TELEGRAM}/_lab/chats/{self.user_id}/callbacks", "telegram: press",
                  json={**BOT, "from": self.user, "message_id": message_id, "data": data},
                  expect=lambda b: b.get("ok"))

    def transcript(self) -> list[dict]:
        query = f"?bot_id={BOT['bot_id']}" if BOT else ""
        return self.call("GET", f"{TELEGRAM}/_lab/chats/{self.user_id}/messages{query}", "telegram: transcript",
                         expect=lambda b: b.get("ok"))["messages"]

    def bot_says(self, patterns: dict[str, str], after: int, first: float = POLL) -> tuple[str, dict]:
        """The first bot message after `after` matching one of `patterns` (name -> regex): (its name, it). The
        chat is read `first` seconds after the action, then at doubling intervals up to a second, for at most
        LAB_WAIT seconds: a reply that comes at once costs one read."""
        started, pause = time.monotonic(), first
        while True:
            gevent.sleep(pause)
            for message in self.transcript():
                if message["direction"] == "bot → user" and (message["message_id"] or 0) > after:
                    for name, pattern in patterns.items():
                        if re.search(pattern, message.get("text") or ""):
                            return name, message
            if time.monotonic() - started > WAIT:
                self.fail(f"bot: no {'/'.join(patterns)} in {WAIT:g} s", started,
                          f"no {'/'.join(patterns)} after message {after}")
            pause = min(2 * pause, 1.0)

    # ---- one journey ----------------------------------------------------------------------------------------
    @task
    def journey(self) -> None:
        self.user_id = _PREFIX * 100_000 + next(_journeys) % 100_000
        self.user = {"id": self.user_id, "first_name": f"Buyer{self.user_id}"}
        route = next_route()
        sku = random.choice(SKUS)
        if not getattr(self, "arrived", False):  # buyers arrive spread out, not all in the second they spawn
            self.arrived = True
            gevent.sleep(random.uniform(0, THINK[1]))
        started, self.order = time.monotonic(), None
        try:
            outcome = self.buy(route, sku)
        except Unexpected as why:
            outcome = f"failed: {why}"
        except Exception as error:  # a bug here or an answer of another shape: a failure in the table too
            events.request.fire(request_type="BUYER", name=f"buyer: {type(error).__name__}", response_time=0,
                                response_length=0, exception=error, context={})
            outcome = f"failed: {type(error).__name__}: {error}"
        journal(kind="journey", user=self.user_id, order=self.order, route=route, sku=sku, outcome=outcome,
                seconds=round(time.monotonic() - started, 3))

    def buy(self, route: str, sku: str) -> str:
        self.bot_says({"welcome": r"^Welcome to the Lab Shop"}, self.write("/start"))
        self.think()
        self.bot_says({"catalog": r"^Catalog: "}, self.write("/catalog"))
        self.think()
        _, cart = self.bot_says({"cart": r"^Cart: "}, self.write(f"/buy {sku}"))
        self.think()
        self.press(cart["message_id"], "checkout")
        said, placed = self.bot_says({"order": r"^Order \S+: .* Choose how to pay", "sold out": r"out of stock"},
                                     cart["message_id"])
        if said == "sold out":
            return "sold out"
        self.order = re.match(r"^Order (\S+):", placed["text"])[1]
        journal(kind="order", order=self.order, user=self.user_id, sku=sku, route=route)
        self.think()
        self.press(placed["message_id"], f"pay:{route}")
        said, told = self.bot_says({route: ANSWERS[route], "sold out": r"sold out meanwhile"}, placed["message_id"])
        if said == "sold out":
            return "sold out"
        self.think()
        getattr(self, f"pay_{route}")(told)
        # the goods go out with the app's next outbox round (every second): the first look a second later
        self.bot_says({"goods": rf"^Your order {re.escape(self.order)} is ready"}, told["message_id"], first=1.0)
        return "delivered"

    # ---- paying, each way -------------------------------------------------------------------------------------
    def pay_invoice(self, invoice: dict, **fields) -> None:
        query = f"?bot_id={BOT['bot_id']}" if BOT else ""
        body = self.call("POST", f"{TELEGRAM}/_lab/chats/{self.user_id}/invoices/{invoice['message_id']}/pay{query}",
                         "telegram: pay invoice", json={"from": self.user, **fields},
                         expect=lambda b: b.get("ok") and b["checkout"]["status"] == "paid")
        journal(kind="checkout", order=self.order, checkout=body["checkout"]["id"])

    def pay_stars(self, invoice: dict) -> None:
        self.pay_invoice(invoice)

    def pay_card(self, invoice: dict) -> None:
        self.pay_invoice(invoice, order_info={"email": f"buyer{self.user_id}@example.com"})

    def payme(self, method: str, params: dict, expect) -> dict:
        body, headers = payme_request(PAYME_KEY, method, params, request_id=self.user_id)
        return self.call("POST", f"{APP}/payme", f"payme: {method}", data=body, headers=headers,
                         expect=lambda b: "result" in b and b.get("error") is None and expect(b["result"]))

    def pay_payme(self, told: dict) -> None:
        order_id, amount = self.order, uzs_tiyin(told["text"])
        account = {"order_id": order_id}
        self.payme("CheckPerformTransaction", {"amount": amount, "account": account}, lambda r: r.get("allow"))
        txid = payme_transaction_id(f"{order_id}:{self.user_id}")
        self.payme("CreateTransaction", {"id": txid, "time": int(time.time() * 1000), "amount": amount,
                                         "account": account}, lambda r: r.get("state") == 1)
        self.payme("PerformTransaction", {"id": txid}, lambda r: r.get("state") == 2)
        journal(kind="statement", provider="payme", ref=txid, order=order_id, amount=amount, currency="UZS")

    def click(self, step: str, trans: int, order_id: str, amount: str, prepare_id=None) -> dict:
        body, headers = click_request(step, trans, CLICK_SERVICE_ID, CLICK_SECRET, order_id, amount, prepare_id)
        return self.call("POST", f"{APP}/click/{step}", f"click: {step}", data=body, headers=headers,
                         expect=lambda b: b.get("error") == 0)

    def pay_click(self, told: dict) -> None:
        order_id, tiyin = self.order, uzs_tiyin(told["text"])
        trans = self.user_id  # Click's own transaction number: one per journey
        prepared = self.click("prepare", trans, order_id, click_amount(tiyin))
        self.click("complete", trans, order_id, click_amount(tiyin), prepared["merchant_prepare_id"])
        journal(kind="statement", provider="click", ref=str(trans), order=order_id, amount=tiyin, currency="UZS")

    def pay_stripe(self, told: dict) -> None:
        intent = re.search(r"\(payment (pi_\w+)\)", told["text"])[1]
        self.call("POST", f"{STRIPE}/v1/payment_intents/{intent}/confirm", "stripe: confirm",
                  data="payment_method=pm_card_visa",
                  headers={**STRIPE_AUTH, "content-type": "application/x-www-form-urlencoded"},
                  expect=lambda b: b.get("status") == "succeeded")

    def pay_stripe_checkout(self, told: dict) -> None:
        """The link under "Pay with Stripe" (the transcript's keyboard holds the url): its page opened, then paid
        through the fake's control route, as the page's form would; the webhook alone pays the order."""
        link = next((b["url"] for b in told.get("keyboard", []) if b.get("url")), "")
        found = CHECKOUT_LINK.search(link)
        if not found:
            raise Unexpected(f"no Checkout link under the bot's message: {link!r}")
        session = found[1]
        with self.client.get(f"{STRIPE}/c/pay/{session}", name="stripe: checkout page", catch_response=True) as page:
            if page.status_code != 200 or session not in (page.text or ""):
                page.failure(f"{page.status_code}: {(page.text or '')[:200]}")
                raise Unexpected(f"stripe: checkout page {page.status_code}")
        self.call("POST", f"{STRIPE}/_lab/checkout/sessions/{session}/complete", "stripe: complete checkout",
                  json={"payment_method": "pm_card_visa", "email": f"buyer{self.user_id}@example.com"},
                  expect=lambda b: b.get("status") == "complete" and b.get("payment_status") == "paid")
