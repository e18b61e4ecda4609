"""Products and Prices through stripe-python, unmodified: what a shop sells, for how much, and finding it again."""

from __future__ import annotations

import pytest
import stripe

from integration_lab.fakes.stripe import StripeFake, sdk_http_client
from integration_lab.runtime.clock import FrozenClock
from integration_lab.runtime.ids import IdFactory

pytestmark = pytest.mark.redis_free


@pytest.fixture
def client():
    fake = StripeFake(FrozenClock("2026-01-05T09:00:00Z"), IdFactory(3))
    return stripe.StripeClient("sk_test_products", http_client=sdk_http_client(fake), max_network_retries=0)


def refused(call, **params) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        call(params=params)
    return caught.value


def test_a_product_with_a_default_price_and_a_second_recurring_price(client):
    tea = client.v1.products.create(params={"name": "Green tea", "metadata": {"sku": "tea"},
                                            "default_price_data": {"currency": "usd", "unit_amount": 1250}})
    assert tea.id.startswith("prod_") and len(tea.id) == 19 and tea.active
    one_time = client.v1.prices.retrieve(tea.default_price)
    assert (one_time.type, one_time.unit_amount, str(one_time.unit_amount_decimal), one_time.recurring) == \
        ("one_time", 1250, "1250", None)
    monthly = client.v1.prices.create(params={"product": tea.id, "currency": "USD", "unit_amount": 900,
                                              "recurring": {"interval": "month"}, "nickname": "Tea club"})
    assert monthly.currency == "usd" and monthly.type == "recurring"
    assert monthly.recurring.to_dict() == {"interval": "month", "interval_count": 1, "meter": None,
                                           "usage_type": "licensed", "trial_period_days": None}
    listed = client.v1.prices.list(params={"product": tea.id})
    assert [p.id for p in listed.data] == [monthly.id, one_time.id]  # newest first
    assert [p.id for p in client.v1.prices.list(params={"type": "one_time"}).data] == [one_time.id]
    assert [p.id for p in client.v1.prices.list(params={"recurring": {"interval": "month"}}).data] == [monthly.id]
    expanded = client.v1.products.retrieve(tea.id, params={"expand": ["default_price"]})
    assert expanded.default_price.unit_amount == 1250


def test_product_data_creates_the_product_in_the_same_call(client):
    price = client.v1.prices.create(params={"currency": "eur", "unit_amount": 500,
                                            "product_data": {"name": "Mug", "metadata": {"sku": "mug"}},
                                            "expand": ["product"]})
    assert price.product.name == "Mug" and price.product.metadata["sku"] == "mug"


def test_a_price_never_changes_its_amount_and_a_product_with_prices_is_archived_not_deleted(client):
    mug = client.v1.products.create(params={"name": "Mug", "default_price_data": {"currency": "usd",
                                                                                  "unit_amount": 700}})
    error = refused(lambda params: client.v1.prices.update(mug.default_price, params=params), unit_amount=800)
    assert error.code == "parameter_unknown" and error.param == "unit_amount"
    error = refused(lambda params: client.v1.products.delete(mug.id, params=params))
    assert "one or more user-created prices" in error.user_message
    archived = client.v1.prices.update(mug.default_price, params={"active": False})
    assert archived.active is False
    assert client.v1.prices.list(params={"active": True, "product": mug.id}).data == []
    empty = client.v1.products.create(params={"name": "Nothing yet"})
    gone = client.v1.products.delete(empty.id)
    assert gone.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.products.retrieve(empty.id)
    assert caught.value.http_status == 404 and caught.value.code == "resource_missing"


def test_lookup_keys_are_unique_unless_transferred(client):
    first = client.v1.prices.create(params={"currency": "usd", "unit_amount": 100, "lookup_key": "club_monthly",
                                            "product_data": {"name": "Club"}})
    error = refused(client.v1.prices.create, currency="usd", unit_amount=200, lookup_key="club_monthly",
                    product=first.product)
    assert first.id in error.user_message and error.param == "lookup_key"
    second = client.v1.prices.create(params={"currency": "usd", "unit_amount": 200, "lookup_key": "club_monthly",
                                             "transfer_lookup_key": True, "product": first.product})
    assert client.v1.prices.retrieve(first.id).lookup_key is None
    assert [p.id for p in client.v1.prices.list(params={"lookup_keys": ["club_monthly"]}).data] == [second.id]


def test_search_finds_by_name_metadata_and_creation_with_pages(client):
    for n in range(5):
        client.v1.products.create(params={"name": f"Tea {n}", "metadata": {"shelf": "top" if n % 2 else "low"}})
    client.v1.products.create(params={"name": "Coffee", "active": False})
    found = client.v1.products.search(params={"query": "name~'tea' AND metadata['shelf']:'top'"})
    assert [p.name for p in found.data] == ["Tea 3", "Tea 1"] and found.has_more is False
    assert [p.name for p in client.v1.products.search(params={"query": "active:'false'"}).data] == ["Coffee"]
    assert len(client.v1.products.search(params={"query": "-name:'coffee' OR created>0"}).data) == 6
    first = client.v1.products.search(params={"query": "name~'tea'", "limit": 2})
    assert first.has_more and first.next_page
    second = client.v1.products.search(params={"query": "name~'tea'", "limit": 2, "page": first.next_page})
    assert [p.name for p in first.data + second.data] == ["Tea 4", "Tea 3", "Tea 2", "Tea 1"]
    prices = client.v1.prices.search(params={"query": "currency:'usd'"})
    assert prices.data == []


@pytest.mark.parametrize("query, why", [
    ("name~'te'", "at least 3 characters"),
    ("name:'a' AND active:'true' OR url:'x'", "AND and OR cannot be combined"),
    ("colour:'red'", "cannot be searched"),
    ("name>3", "compares numbers only"),
    ("name = 'tea'", "cannot read"),
])
def test_a_malformed_query_is_a_400_on_the_query_param(client, query, why):
    error = refused(client.v1.products.search, query=query)
    assert error.http_status == 400 and error.param == "query" and why in error.user_message


@pytest.mark.parametrize("params, param", [
    ({"currency": "usd", "unit_amount": 100}, None),  # neither product nor product_data
    ({"currency": "usd", "unit_amount": -1, "product_data": {"name": "x"}}, "unit_amount"),
    ({"currency": "usd", "unit_amount": 100, "product_data": {"name": "x"}, "recurring": {"interval": "fortnight"}},
     "interval"),
    ({"currency": "usd", "unit_amount": 100, "product_data": {"name": "x"},
      "recurring": {"interval": "month", "interval_count": 37}}, "recurring[interval_count]"),
    ({"currency": "usd", "product_data": {"name": "x"}}, "unit_amount"),
    ({"currency": "usd", "unit_amount": 100, "product_data": {"name": " "}}, "product_data[name]"),
    ({"currency": "usd", "unit_amount": "ten", "product_data": {"name": "x"}}, "unit_amount"),
])
def test_prices_refused_in_stripes_words_and_nothing_kept(client, params, param):
    error = refused(client.v1.prices.create, **params)
    assert error.http_status == 400 and error.param == param
    assert client.v1.prices.list().data == [] and client.v1.products.list().data == []


def test_an_empty_name_cannot_be_unset(client):
    error = refused(client.v1.products.create, name="")
    assert error.user_message.startswith("You passed an empty string for 'name'.")
    tea = client.v1.products.create(params={"name": "Tea", "id": "prod_tea"})
    assert tea.id == "prod_tea"
    assert refused(client.v1.products.create, name="Tea", id="prod_tea").code == "resource_already_exists"
