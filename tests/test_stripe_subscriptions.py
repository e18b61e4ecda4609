"""Subscriptions and Invoices on recurring Prices, moved through time by test clocks, driven with the
official stripe SDK: renewals, a failed renewal's retries, trials, cancellations, clock limits, shapes."""

from __future__ import annotations

import json

import pytest
import stripe
from integration_lab.fakes.stripe import StripeFake, sdk_http_client, subscriptions
from integration_lab.fakes.stripe.errors import StripeError
from integration_lab.fakes.stripe.world import Call
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory
from test_stripe_shapes import _expected, _walk

pytestmark = pytest.mark.redis_free

T0 = 1767225600  # 2026-01-01 00:00 UTC
HOUR, DAY = 3600, 86400


@pytest.fixture
def lab():
    fake = StripeFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(7))
    client = stripe.StripeClient("sk_test_billing", http_client=sdk_http_client(fake))
    price = client.v1.prices.create(params={"currency": "usd", "unit_amount": 900, "recurring": {"interval": "month"},
                                            "product_data": {"name": "Club"}})
    return fake, client, price


def _customer(client, clock_id: str | None = None, card: str = "pm_card_visa"):
    params = {"email": "ada@example.com", **({"test_clock": clock_id} if clock_id else {})}
    customer = client.v1.customers.create(params=params)
    pm = client.v1.payment_methods.attach(card, params={"customer": customer.id})
    client.v1.customers.update(customer.id, params={"invoice_settings": {"default_payment_method": pm.id}})
    return customer


def _clock(client, t=T0):
    return client.v1.test_helpers.test_clocks.create(params={"frozen_time": t, "name": "billing"})


def _advance(client, clock_id: str, t: int):
    return client.v1.test_helpers.test_clocks.advance(clock_id, params={"frozen_time": t})


def _events(client, kind: str, sub_id: str | None = None) -> list:
    found = client.v1.events.list(params={"type": kind, "limit": 100}).data
    return [e for e in found if sub_id is None or sub_id in json.dumps(e.data.object.to_dict(), default=str)]


def _period(sub) -> tuple[int, int]:
    item = sub["items"].data[0]
    return item.current_period_start, item.current_period_end


def test_a_subscription_on_a_test_clock_renews_as_the_clock_advances(lab):
    _, client, price = lab
    clock = _clock(client)
    customer = _customer(client, clock.id)
    sub = client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id}]})
    assert sub.status == "active" and sub.created == T0 and _period(sub) == (T0, 1769904000)  # Feb 1
    assert len(_events(client, "invoice.paid", sub.id)) == 1
    periods = [_period(sub)]
    for _ in range(3):
        answer = _advance(client, clock.id, _period(sub)[1] + 2 * HOUR)  # past the hour a renewal stays a draft
        assert answer.status == "advancing" and answer.frozen_time < _period(sub)[1]
        assert client.v1.test_helpers.test_clocks.retrieve(clock.id).status == "ready"
        sub = client.v1.subscriptions.retrieve(sub.id)
        periods.append(_period(sub))
    assert [p[0] for p in periods[1:]] == [p[1] for p in periods[:-1]]  # each period starts where the last ended
    assert periods[-1] == (1775001600, 1777593600)  # Apr 1 .. May 1
    invoices = client.v1.invoices.list(params={"subscription": sub.id}).data
    assert [i.billing_reason for i in invoices] == ["subscription_cycle"] * 3 + ["subscription_create"]
    assert all(i.status == "paid" and i.amount_paid == 900 and i.amount_remaining == 0 for i in invoices)
    assert len(_events(client, "invoice.paid", sub.id)) == 4  # three beyond the first
    assert len(_events(client, "invoice.payment_succeeded", sub.id)) == 4
    payments = client.v1.invoice_payments.list(params={"invoice": invoices[0].id}).data
    pi = client.v1.payment_intents.retrieve(payments[0].payment.payment_intent)
    assert pi.status == "succeeded" and pi.amount == 900 and pi.created == invoices[0].status_transitions.paid_at
    lines = client.v1.invoices.line_items.list(invoices[0].id).data
    assert (lines[0].period.start, lines[0].period.end) == periods[-1]


def test_a_renewal_stays_a_draft_for_an_hour(lab):
    _, client, price = lab
    clock = _clock(client)
    customer = _customer(client, clock.id)
    sub = client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id}]})
    _advance(client, clock.id, _period(sub)[1])
    sub = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice"]})
    assert sub.latest_invoice.status == "draft" and sub.latest_invoice.billing_reason == "subscription_cycle"
    _advance(client, clock.id, _period(sub)[0] + HOUR)
    assert client.v1.invoices.retrieve(sub.latest_invoice.id).status == "paid"


def test_a_failed_renewal_makes_the_subscription_past_due_then_retries_then_cancels(lab):
    _, client, price = lab
    clock = _clock(client)
    customer = _customer(client, clock.id)
    sub = client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id}]})
    failing = client.v1.payment_methods.attach("pm_card_chargeCustomerFail", params={"customer": customer.id})
    client.v1.customers.update(customer.id, params={"invoice_settings": {"default_payment_method": failing.id}})
    renewal = _period(sub)[1]
    _advance(client, clock.id, renewal + 2 * HOUR)
    sub = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice"]})
    invoice = sub.latest_invoice
    assert sub.status == "past_due"
    assert invoice.status == "open" and invoice.attempt_count == 1 and invoice.amount_remaining == 900
    assert invoice.next_payment_attempt == renewal + HOUR + DAY  # the first retry, a day after the first try
    assert len(_events(client, "invoice.payment_failed", sub.id)) == 1
    updated = _events(client, "customer.subscription.updated", sub.id)[0]
    assert updated.data.previous_attributes["status"] == "active" and updated.data.object.status == "past_due"
    _advance(client, clock.id, renewal + 20 * DAY)  # beyond the last of 8 tries within two weeks
    sub = client.v1.subscriptions.retrieve(sub.id)
    invoice = client.v1.invoices.retrieve(invoice.id)
    assert invoice.attempt_count == 8 and invoice.next_payment_attempt is None and invoice.status == "open"
    assert sub.status == "canceled" and sub.cancellation_details.reason == "payment_failed"
    assert len(_events(client, "invoice.payment_failed", sub.id)) == 8
    assert len(_events(client, "customer.subscription.deleted", sub.id)) == 1


def test_a_retry_that_succeeds_makes_it_active_again(lab):
    _, client, price = lab
    clock = _clock(client)
    customer = _customer(client, clock.id)
    sub = client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id}]})
    good = client.v1.customers.retrieve(customer.id).invoice_settings.default_payment_method
    failing = client.v1.payment_methods.attach("pm_card_chargeCustomerFail", params={"customer": customer.id})
    client.v1.customers.update(customer.id, params={"invoice_settings": {"default_payment_method": failing.id}})
    renewal = _period(sub)[1]
    _advance(client, clock.id, renewal + 2 * HOUR)
    client.v1.customers.update(customer.id, params={"invoice_settings": {"default_payment_method": good}})
    _advance(client, clock.id, renewal + 2 * DAY)
    sub = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice"]})
    assert sub.status == "active" and sub.latest_invoice.status == "paid" and sub.latest_invoice.attempt_count == 2


def test_a_trial_bills_nothing_then_the_first_period(lab):
    _, client, price = lab
    clock = _clock(client)
    customer = _customer(client, clock.id)
    sub = client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id}],
                                                 "trial_period_days": 14, "expand": ["latest_invoice"]})
    assert sub.status == "trialing" and (sub.trial_start, sub.trial_end) == (T0, T0 + 14 * DAY)
    assert sub.latest_invoice.amount_due == 0 and sub.latest_invoice.status == "paid"
    assert _period(sub) == (T0, T0 + 14 * DAY)
    _advance(client, clock.id, T0 + 14 * DAY + 2 * HOUR)
    sub = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice"]})
    assert sub.status == "active" and sub.billing_cycle_anchor == T0 + 14 * DAY
    assert sub.latest_invoice.amount_paid == 900 and sub.latest_invoice.billing_reason == "subscription_cycle"
    assert _period(sub) == (T0 + 14 * DAY, 1771113600)  # Jan 15 .. Feb 15


def test_cancel_now(lab):
    _, client, price = lab
    customer = _customer(client)
    sub = client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id}]})
    canceled = client.v1.subscriptions.cancel(sub.id)
    assert canceled.status == "canceled" and canceled.canceled_at == canceled.ended_at
    assert len(_events(client, "customer.subscription.deleted", sub.id)) == 1
    assert client.v1.subscriptions.list(params={"customer": customer.id}).data == []  # canceled ones are left out
    assert [s.id for s in client.v1.subscriptions.list(params={"status": "canceled"}).data] == [sub.id]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.subscriptions.cancel(sub.id)


def test_cancel_at_period_end(lab):
    _, client, price = lab
    clock = _clock(client)
    customer = _customer(client, clock.id)
    sub = client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id}]})
    sub = client.v1.subscriptions.update(sub.id, params={"cancel_at_period_end": True})
    assert sub.status == "active" and sub.cancel_at == _period(sub)[1]
    _advance(client, clock.id, _period(sub)[1] - DAY)
    assert client.v1.subscriptions.retrieve(sub.id).status == "active"
    _advance(client, clock.id, _period(sub)[1] + DAY)
    ended = client.v1.subscriptions.retrieve(sub.id)
    assert ended.status == "canceled" and ended.ended_at == _period(sub)[1]
    assert len(client.v1.invoices.list(params={"subscription": sub.id}).data) == 1  # no renewal invoice
    assert len(_events(client, "customer.subscription.deleted", sub.id)) == 1


def test_advancing_one_clock_leaves_another_clocks_subscription_alone(lab):
    _, client, price = lab
    first, second = _clock(client), _clock(client)
    mine = client.v1.subscriptions.create(params={"customer": _customer(client, first.id).id,
                                                  "items": [{"price": price.id}]})
    theirs = client.v1.subscriptions.create(params={"customer": _customer(client, second.id).id,
                                                    "items": [{"price": price.id}]})
    _advance(client, first.id, _period(mine)[1] + 2 * HOUR)
    assert _period(client.v1.subscriptions.retrieve(mine.id))[0] == _period(mine)[1]
    assert _period(client.v1.subscriptions.retrieve(theirs.id)) == _period(theirs)
    assert client.v1.test_helpers.test_clocks.retrieve(second.id).frozen_time == T0


def test_the_lab_clock_renews_subscriptions_on_no_test_clock():
    clock = FrozenClock("2026-01-01T00:00:00Z")
    fake = StripeFake(clock, IdFactory(3))
    client = stripe.StripeClient("sk_test_billing", http_client=sdk_http_client(fake))
    price = client.v1.prices.create(params={"currency": "usd", "unit_amount": 500, "recurring": {"interval": "week"},
                                            "product_data": {"name": "Weekly"}})
    sub = client.v1.subscriptions.create(params={"customer": _customer(client).id, "items": [{"price": price.id}]})
    clock.advance(7 * DAY + 2 * HOUR)
    renewed = client.v1.subscriptions.retrieve(sub.id, params={"expand": ["latest_invoice"]})
    assert _period(renewed)[0] == T0 + 7 * DAY and renewed.latest_invoice.status == "paid"
    assert renewed.latest_invoice.status_transitions.paid_at == T0 + 7 * DAY + HOUR  # when it fell due


def test_clock_limits_are_refused_in_stripes_words(lab):
    _, client, price = lab
    clock = _clock(client)
    with pytest.raises(stripe.InvalidRequestError) as backwards:
        _advance(client, clock.id, T0 - 1)
    assert backwards.value.http_status == 400
    with pytest.raises(stripe.InvalidRequestError) as too_far:  # no subscriptions: two years
        _advance(client, clock.id, T0 + 3 * 365 * DAY)
    assert too_far.value.user_message.startswith(
        "The frozen time of this clock is 1767225600 (2026-01-01 00:00:00 UTC). You can only advance it up to "
        "1830297600 (2028-01-01 00:00:00 UTC). You can only advance a test clock up to two intervals")
    customer = _customer(client, clock.id)
    client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id}]})
    with pytest.raises(stripe.InvalidRequestError) as monthly:  # a monthly subscription: two months
        _advance(client, clock.id, T0 + 70 * DAY)
    assert "You can only advance it up to 1772323200 (2026-03-01 00:00:00 UTC)" in monthly.value.user_message
    assert _advance(client, clock.id, 1772323200).status == "advancing"
    for _ in range(2):
        _customer(client, clock.id)
    with pytest.raises(stripe.InvalidRequestError):  # three customers per clock
        client.v1.customers.create(params={"test_clock": clock.id})


def test_deleting_a_clock_deletes_its_customers_and_their_objects(lab):
    _, client, price = lab
    clock = _clock(client)
    customer = _customer(client, clock.id)
    sub = client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id}]})
    assert client.v1.test_helpers.test_clocks.delete(clock.id).deleted is True
    for retrieve, object_id in ((client.v1.customers.retrieve, customer.id),
                                (client.v1.subscriptions.retrieve, sub.id),
                                (client.v1.test_helpers.test_clocks.retrieve, clock.id)):
        with pytest.raises(stripe.InvalidRequestError) as gone:
            retrieve(object_id)
        assert gone.value.http_status == 404
    assert [e.type for e in client.v1.events.list(params={"limit": 1}).data] == ["test_helpers.test_clock.deleted"]
    assert client.v1.invoices.list().data == [] and client.v1.invoice_payments.list().data == []


def test_a_declined_first_payment(lab):
    fake, client, price = lab
    customer = _customer(client, card="pm_card_chargeCustomerFail")
    incomplete = client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id}],
                                                        "expand": ["latest_invoice"]})
    assert incomplete.status == "incomplete" and incomplete.latest_invoice.status == "open"
    with pytest.raises(stripe.CardError) as refused:
        client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id}],
                                               "payment_behavior": "error_if_incomplete"})
    assert refused.value.http_status == 402 and refused.value.code == "card_declined"
    assert len(client.v1.subscriptions.list(params={"status": "all"}).data) == 1
    fake.clock.advance(23 * HOUR + 1)
    expired = client.v1.subscriptions.retrieve(incomplete.id, params={"expand": ["latest_invoice"]})
    assert expired.status == "incomplete_expired" and expired.latest_invoice.status == "void"


def test_create_from_checkout(lab):
    fake, client, price = lab
    customer = client.v1.customers.create()
    pm = client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
    sub = subscriptions.create_from_checkout(fake, customer.id, [(price.id, 2)], pm.id, Call("req_x"), {"k": "v"}, None)
    assert sub["status"] == "active" and sub["default_payment_method"] == pm.id and sub["metadata"] == {"k": "v"}
    assert fake.get("invoice", sub["latest_invoice"])["amount_paid"] == 1800
    bad = client.v1.payment_methods.attach("pm_card_chargeCustomerFail", params={"customer": customer.id})
    with pytest.raises(StripeError) as declined:
        subscriptions.create_from_checkout(fake, customer.id, [(price.id, 1)], bad.id, Call("req_y"), {}, None)
    assert declined.value.status == 402 and declined.value.type == "card_error"
    trial = subscriptions.create_from_checkout(fake, customer.id, [(price.id, 1)], pm.id, Call("req_z"), {}, 7)
    assert trial["status"] == "trialing"


def test_hostile_input_gets_400s(lab):
    _, client, price = lab
    customer = _customer(client)
    for params in ({"customer": customer.id}, {"customer": customer.id, "items": "x"},
                   {"customer": customer.id, "items": [{"price": price.id, "quantity": "-1"}]},
                   {"customer": customer.id, "items": [{"price": price.id}], "trial_period_days": "9999"},
                   {"customer": customer.id, "items": [{"price": price.id}], "payment_behavior": "whenever"}):
        with pytest.raises(stripe.InvalidRequestError) as refused:
            client.v1.subscriptions.create(params=params)
        assert refused.value.http_status == 400, params
    one_time = client.v1.prices.create(params={"currency": "usd", "unit_amount": 100, "product": price.product})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": one_time.id}]})
    assert "only accepts prices with `type=recurring`" in refused.value.user_message
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.test_helpers.test_clocks.create(params={"frozen_time": "soon"})


def test_every_billing_object_has_stripes_key_set(lab):
    _, client, price = lab
    bodies = []

    def keep(result):
        bodies.append(json.loads(result.last_response.body))
        return result

    clock = keep(_clock(client))
    customer = _customer(client, clock.id)
    sub = keep(client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id}],
                                                      "expand": ["latest_invoice"]}))
    keep(_advance(client, clock.id, _period(sub)[1] + 2 * HOUR))
    for listing in (client.v1.invoices.list(), client.v1.invoice_payments.list(), client.v1.subscriptions.list(),
                    client.v1.test_helpers.test_clocks.list(), client.v1.invoices.line_items.list(sub.latest_invoice.id),
                    client.v1.events.list(params={"limit": 100})):
        keep(listing)
    keep(client.v1.test_helpers.test_clocks.delete(clock.id))
    found = []
    _walk(bodies, found)
    kinds = {o["object"] for o in found}
    assert {"subscription", "subscription_item", "invoice", "line_item", "invoice_payment", "plan",
            "test_helpers.test_clock"} <= kinds
    for obj in found:
        if obj["object"] == "plan":
            continue  # the fixtures have no plan of their own; subscription_item's holds the keys checked there
        assert set(obj) == _expected(obj), (obj["object"], set(obj) ^ _expected(obj))
