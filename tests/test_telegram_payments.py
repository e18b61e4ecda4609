"""Telegram Payments in the fake: Telegram's checks and words, the checkout walk, the 10-second rule, Stars."""

from __future__ import annotations

import httpx
import pytest

from integration_lab.fakes.telegram import AsyncTelegramTransport, People, TelegramFake
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory

pytestmark = pytest.mark.redis_free  # never reaches a Redis server: the real-Redis pass of CI leaves it out

STRIPE = "284685063:TEST:ODdmNGVkMzViZjYw"
ADA = {"id": 501, "first_name": "Ada"}
BO = {"id": 502, "first_name": "Bo"}
ADDRESS = {"country_code": "UZ", "state": "", "city": "Tashkent", "street_line1": "Amir Temur 1", "street_line2": "",
           "post_code": "100000"}
STARS = {"title": "Lab mug", "description": "A mug", "payload": "order-7", "currency": "XTR",
         "prices": [{"label": "Mug", "amount": 25}]}
USD = {"title": "Green tea", "description": "100 g", "payload": "order-8", "currency": "USD", "provider_token": STRIPE,
       "prices": [{"label": "Tea", "amount": 1250}]}
TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class Lab:
    """One fake on a frozen clock, a bot calling it over the in-process transport, and its people."""

    def __init__(self, history: int = 1_000):
        self.clock = FrozenClock("2026-01-05T09:00:00Z")
        self.fake = TelegramFake(self.clock, IdFactory(3), payment_providers={"Stripe TEST MODE": STRIPE},
                                 history=history)
        self.people = People(self.fake)
        self.http = httpx.AsyncClient(transport=AsyncTelegramTransport(self.fake), base_url="https://api.telegram.org")
        self.offset = 0

    async def raw(self, method: str, **params) -> dict:
        response = await self.http.post(f"/bot{self.fake.default_bot.token}/{method}", json=params)
        body = response.json()
        assert response.status_code == (200 if body["ok"] else body["error_code"])
        return body

    async def call(self, method: str, **params):
        body = await self.raw(method, **params)
        assert body["ok"], body
        return body["result"]

    async def updates(self) -> list[dict]:
        found = await self.call("getUpdates", offset=self.offset)
        if found:
            self.offset = found[-1]["update_id"] + 1
        return found

    async def query(self, kind: str) -> dict:
        [update] = [u for u in await self.updates() if kind in u]
        return update[kind]


@pytest.fixture
async def lab():
    lab = Lab()
    lab.people.send(501, ADA, "/start")
    await lab.updates()
    yield lab
    await lab.http.aclose()


def _with(base: dict, **changes) -> dict:
    params = {**base, **changes}
    return {k: v for k, v in params.items() if v is not None}


@pytest.mark.parametrize("params, description", [
    (_with(USD, title=None), 'Bad Request: parameter "title" is required'),
    (_with(USD, description=""), 'Bad Request: parameter "description" is required'),
    (_with(USD, payload=None), 'Bad Request: parameter "payload" is required'),
    (_with(USD, currency=None), 'Bad Request: parameter "currency" is required'),
    (_with(USD, prices=None), 'Bad Request: parameter "prices" is required'),
    (_with(USD, prices="[{"), "Bad Request: can't parse prices JSON object"),
    (_with(USD, prices=[]), "Bad Request: there must be at least one price"),
    (_with(USD, prices={"label": "x"}), "Bad Request: expected an Array of labeled prices"),
    (_with(USD, prices=[5]), "Bad Request: can't parse labeled price: LabeledPrice must be an Object"),
    (_with(USD, prices=[{"label": "", "amount": 1}]),
     "Bad Request: can't parse labeled price: LabeledPrice label must be non-empty"),
    (_with(USD, prices=[{"label": "x"}]), 'Bad Request: can\'t parse labeled price: Can\'t find field "amount"'),
    (_with(USD, max_tip_amount="lots"), 'Bad Request: can\'t parse "max_tip_amount" as Number'),
    (_with(USD, max_tip_amount=500, suggested_tip_amounts="[1"),
     "Bad Request: can't parse suggested_tip_amounts JSON object"),
    (_with(USD, prices=[{"label": "x", "amount": 10**12}]), "Bad Request: too big amount of the currency specified"),
    (_with(USD, prices=[{"label": "x", "amount": 999999999999}, {"label": "y", "amount": 1}]),
     "Bad Request: total price is too big"),
    (_with(USD, prices=[{"label": "x", "amount": 100}, {"label": "discount", "amount": -100}]),
     "Bad Request: total price must be positive"),
    (_with(USD, max_tip_amount=-1), "Bad Request: invalid max_tip_amount of the currency specified"),
    (_with(USD, max_tip_amount=500, suggested_tip_amounts=[0]), "Bad Request: suggested tip amount must be positive"),
    (_with(USD, max_tip_amount=500, suggested_tip_amounts=[600]),
     "Bad Request: suggested tip amount can't be bigger than max_tip_amount"),
    (_with(USD, max_tip_amount=500, suggested_tip_amounts=[1, 2, 3, 4, 5]),
     "Bad Request: there can be at most 4 suggested tip amounts"),
    (_with(USD, title="T" * 33), "Bad Request: TITLE_INVALID"),
    (_with(USD, description="D" * 256), "Bad Request: DESCRIPTION_INVALID"),
    (_with(USD, payload="p" * 129), "Bad Request: INVOICE_PAYLOAD_INVALID"),
    (_with(USD, provider_token=None), "Bad Request: PAYMENT_PROVIDER_INVALID"),
    (_with(USD, provider_token="", currency="TXR"), "Bad Request: PAYMENT_PROVIDER_INVALID"),
    (_with(USD, provider_token="4242424242:LAB_fake_token"), "Bad Request: PAYMENT_PROVIDER_INVALID"),
    (_with(USD, provider_token="284685063:TEST:other"), "Bad Request: PAYMENT_PROVIDER_INVALID"),
    (_with(USD, currency="ZZZ"), "Bad Request: CURRENCY_INVALID"),
    (_with(USD, prices=[{"label": "x", "amount": 99}]), "Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID"),
    (_with(USD, prices=[{"label": "x", "amount": 1_000_001}]), "Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID"),
    (_with(USD, currency="UZS", prices=[{"label": "x", "amount": 100_000}]),
     "Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID"),
    (_with(STARS, provider_token=STRIPE), "Bad Request: STARS_INVOICE_INVALID"),
    (_with(STARS, prices=[{"label": "a", "amount": 1}, {"label": "b", "amount": 2}]),
     "Bad Request: STARS_INVOICE_INVALID"),
    (_with(STARS, max_tip_amount=5), "Bad Request: STARS_INVOICE_INVALID"),
    (_with(USD, reply_markup={"inline_keyboard": [[{"text": "Site", "url": "https://x.example"}]]}),
     "Bad Request: REPLY_MARKUP_BUY_EMPTY"),
    (_with(USD, reply_markup={"inline_keyboard": [[{"text": "Site", "url": "https://x.example"},
                                                   {"text": "Pay", "pay": True}]]}), "Bad Request: BUTTON_POS_INVALID"),
    (_with(USD, chat_id=999), "Bad Request: chat not found"),
])
async def test_send_invoice_refuses_in_telegrams_words_and_sends_nothing(lab, params, description):
    before = len(lab.people.transcript(501))
    body = await lab.raw("sendInvoice", **{"chat_id": 501, **params})
    assert (body["ok"], body["error_code"], body["description"]) == (False, 400, description)
    assert len(lab.people.transcript(501)) == before
    if "chat_id" not in params and "reply_markup" not in params:  # the same invoice checks, the same words
        assert (await lab.raw("createInvoiceLink", **params))["description"] == description


@pytest.mark.parametrize("method, params, description", [
    ("answerShippingQuery", {"shipping_query_id": "1", "ok": True}, 'Bad Request: parameter "shipping_options" is required'),
    ("answerShippingQuery", {"shipping_query_id": "1", "ok": False}, 'Bad Request: parameter "error_message" is required'),
    ("answerShippingQuery", {"shipping_query_id": "1", "ok": True, "shipping_options": "{"},
     "Bad Request: can't parse shipping options JSON object"),
    ("answerShippingQuery", {"shipping_query_id": "1", "ok": True, "shipping_options": []},
     "Bad Request: there must be at least one shipping option"),
    ("answerShippingQuery", {"shipping_query_id": "1", "ok": True, "shipping_options": [{"id": "", "title": "t"}]},
     "Bad Request: can't parse shipping option: ShippingOption identifier must be non-empty"),
    ("answerShippingQuery", {"shipping_query_id": "1", "ok": True,
                             "shipping_options": [{"id": "a", "title": "t", "prices": []}]},
     "Bad Request: can't parse shipping option: Can't parse shipping option prices: There must be at least one price"),
    ("answerShippingQuery", {"shipping_query_id": "1", "ok": True,
                             "shipping_options": [{"id": "a", "title": "t", "prices": [{"label": "x", "amount": 1}]}]},
     TOO_OLD),
    ("answerPreCheckoutQuery", {"pre_checkout_query_id": "1"}, 'Bad Request: parameter "error_message" is required'),
    ("answerPreCheckoutQuery", {"pre_checkout_query_id": "1", "ok": True}, TOO_OLD),
    ("refundStarPayment", {"user_id": "abc", "telegram_payment_charge_id": "stx1"},
     "Bad Request: invalid user_id specified"),
    ("refundStarPayment", {"user_id": 501}, 'Bad Request: parameter "telegram_payment_charge_id" is required'),
    ("refundStarPayment", {"user_id": 777, "telegram_payment_charge_id": "stx1"}, "Bad Request: USER_ID_INVALID"),
    ("refundStarPayment", {"user_id": 501, "telegram_payment_charge_id": "stx1"}, "Bad Request: CHARGE_ID_INVALID"),
])
async def test_answers_and_refunds_refuse_in_telegrams_words(lab, method, params, description):
    body = await lab.raw(method, **params)
    assert (body["ok"], body["error_code"], body["description"]) == (False, 400, description)


async def test_a_stars_purchase_end_to_end_then_a_refund(lab):
    invoice = await lab.call("sendInvoice", chat_id=501, **STARS)
    assert invoice["invoice"] == {"title": "Lab mug", "description": "A mug", "start_parameter": "",
                                  "currency": "XTR", "total_amount": 25}
    assert "reply_markup" not in invoice
    checkout = lab.people.pay(501, ADA, invoice["message_id"])
    assert checkout.status == "awaiting_pre_checkout"
    query = await lab.query("pre_checkout_query")
    assert query == {"id": query["id"], "from": {"id": 501, "is_bot": False, "first_name": "Ada"}, "currency": "XTR",
                     "total_amount": 25, "invoice_payload": "order-7"}
    assert await lab.call("answerPreCheckoutQuery", pre_checkout_query_id=query["id"], ok=True) is True
    [update] = await lab.updates()
    payment = update["message"]["successful_payment"]
    assert update["message"]["from"]["id"] == 501 and update["message"]["chat"]["id"] == 501
    assert list(payment) == ["currency", "total_amount", "invoice_payload", "telegram_payment_charge_id",
                             "provider_payment_charge_id"]
    assert payment["telegram_payment_charge_id"].startswith("stx") and payment["provider_payment_charge_id"] == ""
    assert lab.fake.payments.checkout(checkout.id).status == "paid"
    assert await lab.call("getMyStarBalance") == {"amount": 25}
    charge = payment["telegram_payment_charge_id"]
    assert await lab.call("refundStarPayment", user_id=501, telegram_payment_charge_id=charge) is True
    [refund] = await lab.updates()
    assert refund["message"]["refunded_payment"] == {"currency": "XTR", "total_amount": 25,
                                                     "invoice_payload": "order-7", "telegram_payment_charge_id": charge}
    assert refund["message"]["from"]["is_bot"] is True
    again = await lab.raw("refundStarPayment", user_id=501, telegram_payment_charge_id=charge)
    assert again["description"] == "Bad Request: CHARGE_ALREADY_REFUNDED"
    assert await lab.call("getMyStarBalance") == {"amount": 0}
    transactions = (await lab.call("getStarTransactions"))["transactions"]
    assert [(t["id"], t["amount"], "source" in t, "receiver" in t) for t in transactions] == [
        (charge, 25, True, False), (charge, 25, False, True)]
    assert transactions[1]["receiver"] == {"type": "user", "transaction_type": "invoice_payment",
                                           "user": {"id": 501, "is_bot": False, "first_name": "Ada"},
                                           "invoice_payload": "order-7"}
    texts = [row["text"] for row in lab.people.transcript(501)]
    assert texts[1:] == ["Lab mug: invoice 25 XTR", "(paid 25 XTR for order-7)", "(refunded 25 XTR for order-7)"]


async def test_a_provider_purchase_with_a_tip_and_the_details_asked_for(lab):
    invoice = await lab.call("sendInvoice", chat_id=501, **USD, max_tip_amount=500, suggested_tip_amounts=[100, 200],
                             need_email=True, send_phone_number_to_provider=True)
    with pytest.raises(ValueError, match="order_info"):
        lab.people.pay(501, ADA, invoice["message_id"])
    with pytest.raises(ValueError, match="tip"):
        lab.people.pay(501, ADA, invoice["message_id"], {"email": "a@x.uz", "phone_number": "+998"}, tip_amount=501)
    checkout = lab.people.pay(501, ADA, invoice["message_id"],
                              {"email": "a@x.uz", "phone_number": "+998901234567", "name": "not asked"}, tip_amount=200)
    query = await lab.query("pre_checkout_query")
    assert query["total_amount"] == 1450
    assert query["order_info"] == {"phone_number": "+998901234567", "email": "a@x.uz"}
    await lab.call("answerPreCheckoutQuery", pre_checkout_query_id=query["id"], ok=True)
    assert checkout.status == "paid"
    payment = checkout.successful_payment["successful_payment"]
    assert payment["provider_payment_charge_id"].startswith("ch_") and payment["total_amount"] == 1450
    assert await lab.call("getMyStarBalance") == {"amount": 0}  # provider money never becomes Stars


async def test_the_flexible_path_asks_for_shipping_first(lab):
    invoice = await lab.call("sendInvoice", chat_id=501, **USD, is_flexible=True)
    with pytest.raises(ValueError, match="shipping_address"):
        lab.people.pay(501, ADA, invoice["message_id"], {"shipping_address": {"city": "Tashkent"}})
    checkout = lab.people.pay(501, ADA, invoice["message_id"], {"shipping_address": ADDRESS}, shipping_option_id="fast")
    assert checkout.status == "awaiting_shipping"
    shipping = await lab.query("shipping_query")
    assert list(shipping) == ["id", "from", "invoice_payload", "shipping_address"]
    options = [{"id": "std", "title": "Standard", "prices": [{"label": "Post", "amount": 300}]},
               {"id": "fast", "title": "Courier", "prices": [{"label": "Courier", "amount": 900}]}]
    assert await lab.call("answerShippingQuery", shipping_query_id=shipping["id"], ok=True, shipping_options=options)
    query = await lab.query("pre_checkout_query")
    assert (query["shipping_option_id"], query["total_amount"]) == ("fast", 2150)
    assert query["order_info"] == {"shipping_address": ADDRESS}
    await lab.call("answerPreCheckoutQuery", pre_checkout_query_id=query["id"], ok=True)
    assert checkout.successful_payment["successful_payment"]["shipping_option_id"] == "fast"
    refused = lab.people.pay(501, ADA, (await lab.call("sendInvoice", chat_id=501, **USD, is_flexible=True))["message_id"],
                             {"shipping_address": ADDRESS})
    shipping = await lab.query("shipping_query")
    await lab.call("answerShippingQuery", shipping_query_id=shipping["id"], ok=False, error_message="We ship to UZ only")
    assert (refused.status, refused.error_message) == ("shipping_refused", "We ship to UZ only")
    assert lab.people.transcript(501)[-1]["text"] == "Payment failed: We ship to UZ only"


@pytest.mark.parametrize("after, status", [(9.9, "paid"), (10.0, "paid"), (10.1, "cancelled")])
async def test_the_bot_has_ten_seconds_on_the_lab_clock(lab, after, status):
    invoice = await lab.call("sendInvoice", chat_id=501, **STARS)
    checkout = lab.people.pay(501, ADA, invoice["message_id"])
    query = await lab.query("pre_checkout_query")
    lab.clock.advance(after)
    body = await lab.raw("answerPreCheckoutQuery", pre_checkout_query_id=query["id"], ok=True)
    assert checkout.status == status
    if status == "paid":
        assert body == {"ok": True, "result": True}
        return
    assert (body["error_code"], body["description"]) == (400, TOO_OLD)
    assert checkout.successful_payment is None and await lab.updates() == []
    row = lab.people.transcript(501)[-1]
    assert (row["direction"], row["text"], row["message_id"], row["kind"]) == (
        "Telegram → user", "Payment failed: the bot did not confirm in time", None, "payment failed")
    assert row["date"] == 1767603610


async def test_an_unanswered_checkout_is_cancelled_when_anyone_looks(lab):
    invoice = await lab.call("sendInvoice", chat_id=501, **STARS)
    checkout = lab.people.pay(501, ADA, invoice["message_id"])
    lab.clock.advance(10.5)  # a clock advance alone settles it
    assert checkout.status == "cancelled"
    assert lab.fake.payments.checkout(checkout.id).to_api()["status"] == "cancelled"


async def test_a_refusal_and_a_second_answer(lab):
    invoice = await lab.call("sendInvoice", chat_id=501, **STARS)
    checkout = lab.people.pay(501, ADA, invoice["message_id"])
    query = await lab.query("pre_checkout_query")
    await lab.call("answerPreCheckoutQuery", pre_checkout_query_id=query["id"], ok=False, error_message="Sold out")
    assert (checkout.status, checkout.error_message) == ("refused", "Sold out")
    again = await lab.raw("answerPreCheckoutQuery", pre_checkout_query_id=query["id"], ok=True)
    assert again["description"] == TOO_OLD and checkout.status == "refused"
    assert lab.people.transcript(501)[-1]["text"] == "Payment failed: Sold out"


async def test_a_single_chat_invoice_is_paid_once_a_link_many_times(lab):
    invoice = await lab.call("sendInvoice", chat_id=501, **STARS)
    first = lab.people.pay(501, ADA, invoice["message_id"])
    await lab.call("answerPreCheckoutQuery", pre_checkout_query_id=(await lab.query("pre_checkout_query"))["id"], ok=True)
    assert first.status == "paid"
    with pytest.raises(ValueError, match="this invoice was already paid"):
        lab.people.pay(501, ADA, invoice["message_id"])
    url = await lab.call("createInvoiceLink", **STARS)
    assert url.startswith("https://t.me/$")
    for user in (ADA, BO):
        checkout = lab.people.pay_link(url, user)
        await lab.call("answerPreCheckoutQuery", pre_checkout_query_id=(await lab.query("pre_checkout_query"))["id"],
                       ok=True)
        assert checkout.status == "paid" and checkout.link == url and checkout.chat_id == user["id"]
    assert await lab.call("getMyStarBalance") == {"amount": 75}
    assert (await lab.call("getStarTransactions", offset=1, limit=500))["transactions"][0]["source"]["user"]["id"] == 501
    assert len((await lab.call("getStarTransactions", offset=-5, limit=0))["transactions"]) == 1  # clamped


async def test_memory_stays_bounded():
    lab = Lab(history=3)
    lab.people.send(501, ADA, "/start")
    url = await lab.call("createInvoiceLink", **STARS)
    ids = []
    for _ in range(5):
        checkout = lab.people.pay_link(url, ADA)
        ids.append(checkout.id)
        await lab.call("answerPreCheckoutQuery", pre_checkout_query_id=(await lab.query("pre_checkout_query"))["id"],
                       ok=True)
    ledger = lab.fake.payments.ledger(lab.fake.default_bot.account.id)
    assert len(ledger.checkouts) == 3 and len(ledger.transactions) == 3 and len(ledger.star_payments) == 3
    assert len(ledger.queries) <= 3
    with pytest.raises(KeyError):
        lab.fake.payments.checkout(ids[0])
    assert await lab.call("getMyStarBalance") == {"amount": 125}  # the balance remembers what the list forgets
    await lab.http.aclose()


def test_provider_tokens_stay_secret():
    fake = TelegramFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(1), payment_providers={"Stripe": STRIPE})
    assert "ODdm" not in repr(fake) and "284685063:***" in repr(fake)
    with pytest.raises(ValueError):
        TelegramFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(1), payment_providers={"Stripe": "sk_test_1"})


def test_serve_takes_payment_providers():
    import argparse

    from integration_lab.serve import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser.add_subparsers(dest="command").add_parser("serve"))
    args = parser.parse_args(["serve", "telegram", "--payment-provider", f"Stripe={STRIPE}",
                              "--payment-provider", "Payme=371317599:TEST:123"])
    assert dict(args.payment_providers) == {"Stripe": STRIPE, "Payme": "371317599:TEST:123"}
    with pytest.raises(SystemExit):
        parser.parse_args(["serve", "telegram", "--payment-provider", "Stripe"])


# ---- the control API, over the served fake -----------------------------------------------------------------

@pytest.fixture(scope="module")
def served():
    from integration_lab.serve import telegram_app
    from integration_lab.runtime.processes import Served

    fake, app = telegram_app(None, limits=False, payment_providers={"Stripe TEST MODE": STRIPE})
    with Served(app) as url:
        yield fake, url


def _bot(base: str, fake, method: str, **params) -> dict:
    return httpx.post(f"{base}/bot{fake.default_bot.token}/{method}", json=params, timeout=5).json()


def test_control_routes_pay_and_report(served):
    fake, url = served
    httpx.post(f"{url}/_lab/reset")
    httpx.post(f"{url}/_lab/chats/42/messages", json={"from": {"id": 42, "first_name": "Ada"}, "text": "/buy"})
    invoice = _bot(url, fake, "sendInvoice", chat_id=42, **STARS)["result"]
    pay = f"{url}/_lab/chats/42/invoices/{invoice['message_id']}/pay"
    started = httpx.post(pay, json={"from": {"id": 42}, "wait": False}, timeout=5).json()
    assert started["ok"] and started["checkout"]["status"] == "awaiting_pre_checkout"
    updates = _bot(url, fake, "getUpdates")["result"]
    query = updates[-1]["pre_checkout_query"]
    assert _bot(url, fake, "answerPreCheckoutQuery", pre_checkout_query_id=query["id"], ok=True)["result"] is True
    now = httpx.get(f"{url}/_lab/checkouts/{started['checkout']['id']}").json()["checkout"]
    assert now["status"] == "paid" and now["successful_payment"]["successful_payment"]["total_amount"] == 25
    stars = httpx.get(f"{url}/_lab/stars").json()
    assert stars["balance"] == 25 and len(stars["transactions"]) == 1
    again = httpx.post(pay, json={"from": {"id": 42}, "wait": False})
    assert (again.status_code, again.json()) == (400, {"ok": False, "error": "this invoice was already paid"})
    assert httpx.post(f"{url}/_lab/chats/42/invoices/999/pay", json={"from": {"id": 42}}).status_code == 400
    assert httpx.get(f"{url}/_lab/checkouts/checkout_0").status_code == 404
    link = _bot(url, fake, "createInvoiceLink", **STARS)["result"]
    assert httpx.post(f"{url}/_lab/invoice_links/pay", json={"url": link + "x", "from": {"id": 42}}).status_code == 404
    waited = httpx.post(f"{url}/_lab/invoice_links/pay", json={"url": link, "from": {"id": 43, "first_name": "Bo"}},
                        timeout=15).json()  # nobody answers: the 10 s window runs out in real time
    assert waited["checkout"]["status"] == "cancelled"
    assert httpx.get(f"{url}/_lab/chats/43/messages").json()["messages"][-1]["text"] == (
        "Payment failed: the bot did not confirm in time")
    assert STRIPE not in httpx.get(f"{url}/_lab/bots").text


async def test_a_group_invoice_is_paid_by_many_each_receipt_in_their_private_chat(lab):
    group = lab.people.create_group("Buyers", ADA, [BO])
    invoice = await lab.call("sendInvoice", chat_id=group["id"], **STARS)
    for user in (ADA, BO, ADA):
        checkout = lab.people.pay(group["id"], user, invoice["message_id"])
        await lab.call("answerPreCheckoutQuery", pre_checkout_query_id=(await lab.query("pre_checkout_query"))["id"],
                       ok=True)
        assert checkout.status == "paid" and checkout.chat_id == group["id"]
        assert checkout.successful_payment["chat"]["id"] == user["id"]
    assert [row["text"] for row in lab.people.transcript(502)] == ["(paid 25 XTR for order-7)"]


async def test_the_pay_route_waits_while_the_fake_pushes_to_the_bots_webhook(served):
    """A webhook bot answers the pre-checkout query in its webhook reply; the route returns it paid."""
    import json

    from integration_lab.runtime.processes import serving

    fake, url = served
    httpx.post(f"{url}/_lab/reset")
    httpx.post(f"{url}/_lab/chats/42/messages", json={"from": {"id": 42, "first_name": "Ada"}, "text": "/buy"})
    invoice = _bot(url, fake, "sendInvoice", chat_id=42, **STARS)["result"]
    _bot(url, fake, "getUpdates", offset=-1)

    async def webhook_bot(scope, receive, send):
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        update = json.loads(body)
        reply = {}
        if "pre_checkout_query" in update:
            reply = {"method": "answerPreCheckoutQuery", "pre_checkout_query_id": update["pre_checkout_query"]["id"],
                     "ok": True}
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": json.dumps(reply).encode()})

    async with serving(webhook_bot) as bot_url:
        assert _bot(url, fake, "setWebhook", url=f"{bot_url}/hook")["ok"]
        async with httpx.AsyncClient(timeout=15) as client:
            answer = await client.post(f"{url}/_lab/chats/42/invoices/{invoice['message_id']}/pay",
                                       json={"from": {"id": 42}})
    assert answer.json()["checkout"]["status"] == "paid"
    _bot(url, fake, "deleteWebhook")


async def test_a_single_chat_invoice_opened_twice_is_charged_once(lab):
    invoice = await lab.call("sendInvoice", chat_id=501, **STARS)
    first, second = (lab.people.pay(501, ADA, invoice["message_id"]) for _ in range(2))
    queries = [u["pre_checkout_query"]["id"] for u in await lab.updates()]
    for query_id in queries:
        assert await lab.call("answerPreCheckoutQuery", pre_checkout_query_id=query_id, ok=True) is True
    assert (first.status, second.status, second.error_message) == ("paid", "cancelled", "this invoice was already paid")
    assert await lab.call("getMyStarBalance") == {"amount": 25}
