"""The shop's stock in Redis and the ledger's multi-currency orders."""

from __future__ import annotations

import asyncio

import pytest

from integration_lab.app.payments.ledger import Ledger, LedgerError
from integration_lab.app.shop import CATALOG
from integration_lab.app.money import money
from integration_lab.app.shop.catalog import Product, cart_prices, count
from integration_lab.app.shop.stock import Stock


@pytest.fixture
async def stock(lab):
    stock = Stock(lab.redis, lab.keys, lab.clock)
    await stock.stock_up({"mug": Product("mug", "Lab mug", {"USD": 900}, stock=5)})
    return stock


def test_the_sample_catalog_keeps_the_bots_titles_and_usd_prices():
    assert {sku: (p.title, p.price, p.currency) for sku, p in CATALOG.items()} == {
        "tea": ("Green tea", 1250, "USD"), "mug": ("Lab mug", 900, "USD"), "beans": ("Coffee beans", 2400, "USD")}
    assert cart_prices(CATALOG, count(["tea", "mug", "tea"])) == {"USD": 3400, "UZS": 41_000_000, "XTR": 165}


def test_one_formatter_for_every_price_a_buyer_reads():
    """Stripe says 'usd', the catalog 'USD': both read alike; UZS in whole sum; Stars have no minor unit."""
    assert [money(2150, "USD"), money(2150, "usd"), money(7, "USD"), money(26_500_000, "UZS"), money(105, "XTR")] == \
        ["21.50 USD", "21.50 USD", "0.07 USD", "265 000 UZS", "105 Stars"]


async def test_concurrent_reservations_never_take_stock_below_zero(stock):
    results = await asyncio.gather(*(stock.reserve(f"o{n}", {"mug": 2}, ttl=900) for n in range(6)))
    assert sorted(r.outcome for r in results) == ["reserved"] * 2 + ["short"] * 4
    assert (await stock.levels())["mug"] == {"available": 1, "held": 4, "sold": 0}


async def test_all_items_or_none(stock):
    await stock.add("tea", 1)
    held = await stock.reserve("o1", {"tea": 1, "mug": 9}, ttl=900)
    assert (held.outcome, held.short_of) == ("short", "mug")
    levels = await stock.levels()
    assert (levels["tea"]["available"], levels["mug"]["available"]) == (1, 5)


async def test_a_repeated_reserve_renews_the_hold_and_takes_nothing_more(stock):
    assert (await stock.reserve("o1", {"mug": 2}, ttl=900)).outcome == "reserved"
    assert (await stock.reserve("o1", {"mug": 2}, ttl=900)).outcome == "held"
    assert (await stock.levels())["mug"]["available"] == 3


async def test_a_lapsed_hold_goes_back_lazily_inside_the_next_reserve(lab, stock):
    await stock.reserve("abandoned", {"mug": 5}, ttl=900)
    assert (await stock.reserve("next", {"mug": 1}, ttl=900)).outcome == "short"
    lab.clock.advance(901)
    assert (await stock.reserve("next", {"mug": 1}, ttl=900)).outcome == "reserved"
    assert (await stock.levels())["mug"] == {"available": 4, "held": 1, "sold": 0}


async def test_release_lapsed_sweeps_and_leaves_renewed_and_sold_holds(lab, stock):
    await stock.reserve("gone", {"mug": 1}, ttl=900)
    await stock.reserve("renewed", {"mug": 1}, ttl=900)
    await stock.reserve("sold", {"mug": 1}, ttl=900)
    assert await stock.commit("sold", {"mug": 1}) == "committed"
    lab.clock.advance(600)
    await stock.reserve("renewed", {"mug": 1}, ttl=900)
    lab.clock.advance(301)
    assert await stock.release_lapsed() == ["gone"]
    assert (await stock.levels())["mug"] == {"available": 3, "held": 1, "sold": 1}


async def test_commit_is_repeatable_and_after_a_lapse_takes_the_units_again_if_any(lab, stock):
    await stock.reserve("o1", {"mug": 2}, ttl=60)
    assert [await stock.commit("o1", {"mug": 2}), await stock.commit("o1", {"mug": 2})] == ["committed", "duplicate"]
    await stock.reserve("late", {"mug": 3}, ttl=60)
    lab.clock.advance(61)
    assert await stock.release_lapsed() == ["late"]
    await stock.reserve("other", {"mug": 2}, ttl=900)
    assert await stock.commit("late", {"mug": 3}) == "short"  # only 1 left: nothing goes below zero
    assert (await stock.levels())["mug"] == {"available": 1, "held": 2, "sold": 2}


async def test_release_gives_a_hold_back_once(stock):
    await stock.reserve("o1", {"mug": 2}, ttl=900)
    assert [await stock.release("o1"), await stock.release("o1")] == [True, False]
    assert (await stock.levels())["mug"]["available"] == 5


# the ledger: one order, several currencies ------------------------------------------------------------
async def test_an_order_is_paid_in_any_currency_it_has_a_price_for_and_once(lab):
    ledger = Ledger(lab.redis, lab.keys, lab.clock)
    order = await ledger.open_order(2150, "USD", "o1", prices={"UZS": 26_500_000, "XTR": 105})
    assert order.prices == {"USD": 2150, "UZS": 26_500_000, "XTR": 105}
    assert (await ledger.settle("o1", "stars", "c1", 100, "XTR")).outcome == "wrong_amount"
    assert (await ledger.settle("o1", "stars", "c2", 2150, "XTR")).outcome == "wrong_amount"
    assert (await ledger.claim("o1", "payme", "t1", 2150, "UZS")).outcome == "wrong_amount"
    assert (await ledger.settle("o1", "stars", "c3", 105, "XTR")).outcome == "paid"
    assert (await ledger.settle("o1", "stripe", "pi_1", 2150, "USD")).outcome == "already_paid"
    assert (await ledger.claim("o1", "payme", "t2", 26_500_000, "UZS")).outcome == "already_paid"


async def test_refund_status_compares_with_the_paying_payments_own_amount(lab):
    ledger = Ledger(lab.redis, lab.keys, lab.clock)
    await ledger.open_order(2150, "USD", "o1", prices={"XTR": 105})
    await ledger.settle("o1", "stars", "c1", 105, "XTR")
    assert (await ledger.refund("o1", "stars", "c1", 50)).order_status == "partially_refunded"
    assert (await ledger.refund("o1", "stars", "c1", 105)).order_status == "refunded"


async def test_an_order_without_prices_is_stored_as_before(lab):
    ledger = Ledger(lab.redis, lab.keys, lab.clock)
    order = await ledger.open_order(500, "usd", "o1")
    assert order.prices == {"USD": 500}
    assert not any(k.startswith("price:") for k in await lab.redis.hgetall(ledger._keys("o1")[0]))
    with pytest.raises(LedgerError):
        await ledger.open_order(500, "USD", "o2", prices={"EUR": 400})
    with pytest.raises(LedgerError):
        await ledger.open_order(500, "USD", "o3", prices={"USD": 400})
