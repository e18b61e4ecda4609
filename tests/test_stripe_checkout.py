"""Checkout Sessions and Payment Links through the official stripe-python SDK, in-process: sessions paid
through the control route and the hosted page, declines, expiry by the clock and by `expire`, webhook
delivery, hostile parameters, and every object's keys against Stripe's example objects."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import stripe

from integration_lab.fakes.stripe import StripeFake, sdk_http_client
from integration_lab.fakes.stripe.transport import StripeTransport
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory
from integration_lab.specs import stripe_fixtures

pytestmark = pytest.mark.redis_free

FIXTURES = stripe_fixtures()["resources"]
BASE_URL = "http://127.0.0.1:12111"
SUCCESS = "https://shop.example/thanks?session={CHECKOUT_SESSION_ID}"


@pytest.fixture
def world():
    fake = StripeFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(7), base_url=BASE_URL)
    client = stripe.StripeClient("sk_test_checkout", http_client=sdk_http_client(fake))
    browser = httpx.Client(transport=StripeTransport(fake), base_url=BASE_URL)
    yield fake, client, browser
    browser.close()


def _prices(client, *amounts, **extra):
    return [client.v1.prices.create(params={"currency": "usd", "unit_amount": amount,
                                            "product_data": {"name": f"Item {amount}"}, **extra}) for amount in amounts]


def _session(client, prices, **params):
    return client.v1.checkout.sessions.create(params={
        "mode": "payment", "success_url": SUCCESS, "cancel_url": "https://shop.example/cart",
        "line_items": [{"price": p.id, "quantity": q} for p, q in prices], **params})


def _complete(browser, session_id, method="pm_card_visa", **extra):
    reply = browser.post(f"/_lab/checkout/sessions/{session_id}/complete",
                         content=json.dumps({"payment_method": method, **extra}))
    return reply.status_code, reply.json()


def _events(fake, kind):
    return [o for o in fake.objects.values() if o["object"] == "event" and o["type"] == kind]


def _deliver(fake):
    received = []

    def endpoint(request):
        received.append(json.loads(request.content))
        return httpx.Response(200)

    async def run():
        async with httpx.AsyncClient(transport=httpx.MockTransport(endpoint)) as http:
            await fake.deliveries.deliver_due(http)

    asyncio.run(run())
    return received


def test_a_session_for_two_prices_paid_through_the_control_route_is_delivered_once(world):
    fake, client, browser = world
    client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/hook",
                                               "enabled_events": ["checkout.session.completed"]})
    tea, cup = _prices(client, 1500, 700)
    session = _session(client, [(tea, 2), (cup, 1)], client_reference_id="order-42", metadata={"order": "42"},
                       payment_intent_data={"metadata": {"order": "42"}})
    assert (session.status, session.payment_status, session.amount_subtotal, session.amount_total) == \
        ("open", "unpaid", 3700, 3700)
    assert session.url == f"{BASE_URL}/c/pay/{session.id}" and session.payment_intent is None
    assert session.expires_at == session.created + 24 * 3600
    items = client.v1.checkout.sessions.line_items.list(session.id)
    assert [(i.description, i.quantity, i.amount_total, i.price.id) for i in items.data] == \
        [("Item 1500", 2, 3000, tea.id), ("Item 700", 1, 700, cup.id)]
    status, done = _complete(browser, session.id, email="ada@example.com")
    assert status == 200
    assert (done["status"], done["payment_status"], done["url"]) == ("complete", "paid", None)
    assert done["customer_details"]["email"] == "ada@example.com"
    pi = client.v1.payment_intents.retrieve(done["payment_intent"])
    assert (pi.status, pi.amount, pi.metadata["order"]) == ("succeeded", 3700, "42")
    assert client.v1.checkout.sessions.retrieve(session.id).status == "complete"
    delivered = _deliver(fake)
    assert [d["type"] for d in delivered] == ["checkout.session.completed"]
    assert delivered[0]["data"]["object"]["id"] == session.id
    assert delivered[0]["data"]["object"]["client_reference_id"] == "order-42"
    assert _deliver(fake) == []  # once
    assert not _events(fake, "checkout.session.async_payment_succeeded")  # cards are never asynchronous


def test_declined_then_paid_and_completing_twice_is_refused(world):
    fake, client, browser = world
    (tea,) = _prices(client, 1500)
    session = _session(client, [(tea, 1)])
    status, body = _complete(browser, session.id, "pm_card_chargeDeclinedInsufficientFunds")
    assert status == 402
    assert (body["error"]["type"], body["error"]["code"], body["error"]["decline_code"]) == \
        ("card_error", "card_declined", "insufficient_funds")
    assert body["error"]["message"] == "Your card has insufficient funds."
    again = client.v1.checkout.sessions.retrieve(session.id)
    assert again.status == "open" and again.payment_intent is not None
    status, done = _complete(browser, session.id)
    assert status == 200 and done["payment_intent"] == again.payment_intent  # the same PaymentIntent, retried
    status, body = _complete(browser, session.id)
    assert status == 400 and body["error"]["type"] == "invalid_request_error"
    assert len(_events(fake, "checkout.session.completed")) == 1


def test_three_d_secure_through_the_control_route(world):
    fake, client, browser = world
    (tea,) = _prices(client, 1500)
    session = _session(client, [(tea, 1)])
    status, body = _complete(browser, session.id, "pm_card_authenticationRequired", three_d_secure="fail")
    assert status == 402 and client.v1.checkout.sessions.retrieve(session.id).status == "open"
    status, done = _complete(browser, session.id, "pm_card_authenticationRequired")
    assert status == 200 and done["status"] == "complete"


def test_expired_by_the_clock_and_by_expire(world):
    fake, client, browser = world
    (tea,) = _prices(client, 1500)
    client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/hook",
                                               "enabled_events": ["checkout.session.expired"]})
    short = _session(client, [(tea, 1)], expires_at=fake.now() + 1800)
    long = _session(client, [(tea, 1)])
    fake.clock.advance(1799)
    assert _deliver(fake) == []
    fake.clock.advance(1)
    delivered = _deliver(fake)  # the pump catches up with the clock, then delivers
    assert [(d["type"], d["data"]["object"]["id"]) for d in delivered] == [("checkout.session.expired", short.id)]
    assert delivered[0]["request"] == {"id": None, "idempotency_key": None}  # Stripe's own doing
    assert client.v1.checkout.sessions.retrieve(short.id).status == "expired"
    assert client.v1.checkout.sessions.retrieve(long.id).status == "open"
    status, body = _complete(browser, short.id)
    assert status == 400 and client.v1.checkout.sessions.retrieve(short.id).status == "expired"
    expired = client.v1.checkout.sessions.expire(long.id)
    assert expired.status == "expired" and expired.url is None
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.expire(long.id)
    assert refused.value.user_message == ('Only Checkout Sessions with a status in ["open"] can be expired. This '
                                          'Checkout Session has a status of `expired`.')
    listed = client.v1.checkout.sessions.list(params={"status": "expired"})
    assert {s.id for s in listed.data} == {short.id, long.id}


def test_an_expired_attempt_cancels_its_payment_intent(world):
    fake, client, browser = world
    (tea,) = _prices(client, 1500)
    session = _session(client, [(tea, 1)])
    _complete(browser, session.id, "pm_card_chargeDeclined")
    pi = client.v1.checkout.sessions.retrieve(session.id).payment_intent
    client.v1.checkout.sessions.expire(session.id)
    assert client.v1.payment_intents.retrieve(pi).status == "canceled"


def test_the_hosted_page_pays_after_a_decline(world):
    fake, client, browser = world
    tea, cup = _prices(client, 1500, 700)
    session = _session(client, [(tea, 1), (cup, 2)], metadata={"note": "<script>alert(1)</script>"})
    page = browser.get(f"/c/pay/{session.id}")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "$29.00" in page.text and "Item 1500" in page.text and "<script>" not in page.text
    form = {"email": "ada@example.com", "exp": "12 / 34", "cvc": "123"}
    declined = browser.post(f"/c/pay/{session.id}", data={**form, "cardnumber": "4000 0000 0000 0002"})
    assert "Your card was declined." in declined.text
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    paid = browser.post(f"/c/pay/{session.id}", data={**form, "cardnumber": "4242 4242 4242 4242"})
    assert paid.status_code == 303
    assert paid.headers["location"] == f"https://shop.example/thanks?session={session.id}"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "complete"
    assert "complete" in browser.get(f"/c/pay/{session.id}").text


@pytest.mark.parametrize("number, message", [
    ("4000 0000 0000 9995", "Your card has insufficient funds."),
    ("4000 0000 0000 0069", "Your card has expired."),
    ("4242 4242 4242 4241", "Your card number is invalid."),
    ("4111 1111 1111 1111", "Your card was declined. Your request was in test mode, but used a non test (live) card."),
])
def test_the_hosted_page_says_what_stripe_says(world, number, message):
    fake, client, browser = world
    (tea,) = _prices(client, 1500)
    session = _session(client, [(tea, 1)])
    page = browser.post(f"/c/pay/{session.id}", data={"email": "a@example.com", "exp": "12/34", "cvc": "123",
                                                      "cardnumber": number})
    assert message.replace("'", "&#x27;") in page.text


def test_the_hosted_page_goes_through_three_d_secure(world):
    fake, client, browser = world
    (tea,) = _prices(client, 1500)
    session = _session(client, [(tea, 1)])
    form = {"email": "a@example.com", "exp": "12/34", "cvc": "123", "cardnumber": "4000 0027 6000 3184"}
    challenge = browser.post(f"/c/pay/{session.id}", data=form)
    assert challenge.status_code == 303 and "/_lab/3ds/pi_" in challenge.headers["location"]
    back = browser.get(challenge.headers["location"])
    assert back.status_code == 302 and f"/c/pay/{session.id}/return" in back.headers["location"]
    landed = browser.get(back.headers["location"].removeprefix(BASE_URL))
    assert landed.status_code == 303 and landed.headers["location"].startswith("https://shop.example/thanks")
    assert client.v1.checkout.sessions.retrieve(session.id).status == "complete"


def test_payment_links_open_sessions(world):
    fake, client, browser = world
    tea, cup = _prices(client, 1500, 700)
    link = client.v1.payment_links.create(params={
        "line_items": [{"price": tea.id, "quantity": 1}, {"price": cup.id, "quantity": 3}],
        "metadata": {"campaign": "spring"},
        "after_completion": {"type": "redirect", "redirect": {"url": SUCCESS}}})
    assert link.url == f"{BASE_URL}/b/{link.id}" and link.active
    assert [i.quantity for i in client.v1.payment_links.line_items.list(link.id).data] == [1, 3]
    opened = browser.get(f"/b/{link.id}")
    assert opened.status_code == 303
    session_id = opened.headers["location"].rsplit("/", 1)[1]
    session = client.v1.checkout.sessions.retrieve(session_id)
    assert (session.payment_link, session.amount_total, session.mode) == (link.id, 3600, "payment")
    status, done = _complete(browser, session_id)
    assert status == 200
    listed = client.v1.checkout.sessions.list(params={"payment_link": link.id})
    assert [s.id for s in listed.data] == [session_id]
    client.v1.payment_links.update(link.id, params={"active": False})
    assert browser.get(f"/b/{link.id}").status_code == 404
    assert client.v1.payment_links.list(params={"active": False}).data[0].id == link.id


@pytest.mark.parametrize("params, message", [
    ({"mode": "payment", "line_items": [{"price": "{recurring}", "quantity": 1}]},
     "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only "
     "one-time prices."),
    ({"mode": "subscription", "line_items": [{"price": "{one_time}", "quantity": 1}]},
     "You must provide at least one recurring price in `subscription` mode when using prices."),
    ({"mode": "payment", "line_items": [{"price": "{one_time}"}]},
     "Quantity is required. Add `quantity` to `line_items[0]`"),
    ({"mode": "payment", "line_items": [{"price": "{one_time}", "quantity": 1, "bogus": 1}]},
     "Received unknown parameter: line_items[0][bogus]"),
    ({"mode": "payment", "line_items": [{"price": "{one_time}", "quantity": "-5"}]},
     "This value must be greater than or equal to 1."),
    ({"mode": "payment", "line_items": [{"price": "{one_time}", "quantity": "1x"}]}, "Invalid integer: 1x"),
    ({"mode": "barter", "line_items": [{"price": "{one_time}", "quantity": 1}]},
     "Invalid mode: must be one of payment, setup, or subscription"),
    ({"mode": "payment", "line_items": [{"price": "{one_time}", "quantity": 1},
                                        {"price": "{euro}", "quantity": 1}]}, "same currency"),
    ({"mode": "payment", "customer": "cus_x", "customer_email": "a@example.com",
      "line_items": [{"price": "{one_time}", "quantity": 1}]},
     "You may only specify one of these parameters: customer, customer_email."),
    ({"mode": "payment", "expires_at": "{too_late}", "line_items": [{"price": "{one_time}", "quantity": 1}]},
     "24 hours"),
    ({"mode": "payment", "line_items": "x"}, "Invalid hash"),
    ({"mode": "payment", "line_items": [{"price": "{one_time}", "quantity": 1}] * 101}, "100"),
])
def test_hostile_params_get_stripes_400s(world, params, message):
    fake, client, browser = world
    (one_time,) = _prices(client, 1500)
    (recurring,) = _prices(client, 900, recurring={"interval": "month"})
    euro = client.v1.prices.create(params={"currency": "eur", "unit_amount": 900, "product": one_time.product})
    names = {"{one_time}": one_time.id, "{recurring}": recurring.id, "{euro}": euro.id,
             "{too_late}": str(fake.now() + 24 * 3600 + 60)}

    def fill(value):
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return names.get(value, value) if isinstance(value, str) else value

    before = len(fake.objects)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.checkout.sessions.create(params={"success_url": SUCCESS, **fill(params)})
    assert refused.value.http_status == 400 and message in refused.value.user_message
    assert len(fake.objects) == before  # nothing kept


def test_hostile_control_and_page_input_never_500(world):
    fake, client, browser = world
    (tea,) = _prices(client, 1500)
    session = _session(client, [(tea, 1)])
    for body in (b"[]", b"{", b'{"payment_method": 5}', b'{"payment_method": "pm_card_visa", "three_d_secure": 1}'):
        assert browser.post(f"/_lab/checkout/sessions/{session.id}/complete", content=body).status_code == 400
    assert browser.post("/_lab/checkout/sessions/cs_nope/complete",
                        content=b'{"payment_method": "pm_card_visa"}').status_code == 404
    assert browser.get("/c/pay/cs_nope").status_code == 404
    assert browser.get("/c/pay/%3Cscript%3E").status_code == 404
    page = browser.post(f"/c/pay/{session.id}", content=b"\xff\xfe=\x00&cardnumber=" + b"9" * 5000)
    assert page.status_code == 200 and "Your card number is invalid." in page.text
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_idempotency_keys_replay_a_session(world):
    fake, client, browser = world
    (tea,) = _prices(client, 1500)
    params = {"mode": "payment", "success_url": SUCCESS, "line_items": [{"price": tea.id, "quantity": 1}]}
    first = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "cart-1"})
    again = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "cart-1"})
    assert again.id == first.id and again.last_response.headers["idempotent-replayed"] == "true"
    assert len(fake.store.indexes["checkout.session"]) == 1


def test_sessions_are_evicted_like_other_objects():
    fake = StripeFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(7), base_url=BASE_URL, history=3)
    client = stripe.StripeClient("sk_test_checkout", http_client=sdk_http_client(fake))
    (tea,) = _prices(client, 1500)
    ids = [_session(client, [(tea, 1)]).id for _ in range(5)]
    assert len(fake.store.indexes["checkout.session"]) == 3
    assert ids[0] not in fake.attached
    with pytest.raises(stripe.InvalidRequestError) as gone:
        client.v1.checkout.sessions.retrieve(ids[0])
    assert gone.value.http_status == 404


def test_modes_setup_and_subscription(world):
    pytest.importorskip("integration_lab.fakes.stripe.setup_intents")
    pytest.importorskip("integration_lab.fakes.stripe.subscriptions")
    fake, client, browser = world
    (monthly,) = _prices(client, 900, recurring={"interval": "month"})
    sub = client.v1.checkout.sessions.create(params={
        "mode": "subscription", "success_url": SUCCESS, "line_items": [{"price": monthly.id, "quantity": 1}],
        "subscription_data": {"metadata": {"plan": "basic"}}})
    status, done = _complete(browser, sub.id)
    assert status == 200 and done["subscription"] and done["customer"] and done["payment_status"] == "paid"
    setup = client.v1.checkout.sessions.create(params={"mode": "setup", "currency": "usd", "success_url": SUCCESS})
    status, done = _complete(browser, setup.id)
    assert status == 200 and done["setup_intent"] and done["payment_status"] == "no_payment_required"


def test_shapes_against_the_fixtures(world):
    fake, client, browser = world
    tea, = _prices(client, 1500)
    session = _session(client, [(tea, 1)])
    link = client.v1.payment_links.create(params={"line_items": [{"price": tea.id, "quantity": 1}]})
    item = json.loads(client.v1.checkout.sessions.line_items.list(session.id).last_response.body)["data"][0]
    _complete(browser, session.id)
    done = client.v1.checkout.sessions.retrieve(session.id)
    items = client.v1.payment_links.line_items.list(link.id)
    bodies = [json.loads(r.last_response.body) for r in (session, done, link)] + \
        [json.loads(items.last_response.body)["data"][0], item]
    for body in bodies:
        assert set(body) == set(FIXTURES[body["object"]]), body["object"]
