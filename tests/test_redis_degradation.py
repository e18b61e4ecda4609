"""A full Redis outage (issue 16's acceptance): /catalog still answers a buyer (from a stale copy or the source),
and no payment is taken that cannot be recorded: every payment callback during the outage gets its
provider's retry answer, and is settled once when Redis returns."""

from __future__ import annotations

import json

import httpx
import pytest
from redis.exceptions import RedisError

from integration_lab.app.catalog import Catalog
from integration_lab.app.ratelimit import Policy, RateLimiter
from integration_lab.app.tagged_cache import TaggedCache
from integration_lab.runtime.redis_cut import RedisCut
from integration_lab.scenarios import redis_outage
from integration_lab.app.service import DEFAULTS
from integration_lab.shop_server import shop_app

BROWSE = Policy("browse", ("5/10s",), on_outage="open")
BUY = Policy("buy", ("5/10s",))  # on_outage "closed" by default


# the rate limiter ---------------------------------------------------------------------------------------------
async def test_the_policy_decides_when_redis_is_down(lab):
    limiter = RateLimiter(lab.redis, lab.keys, lab.clock, lab.ids)
    assert (await limiter.hit(BROWSE, 7)).degraded is False
    RedisCut.of(lab.redis).disconnect()
    try:
        browse, buy = await limiter.hit(BROWSE, 7), await limiter.hit(BUY, 7)
    finally:
        RedisCut.of(lab.redis).reconnect()
    assert (browse.allowed, browse.degraded) == (True, True)
    assert (buy.allowed, buy.degraded, buy.retry_after_ms > 0) == (False, True, True)
    assert limiter.outage_decisions == {"open": 1, "closed": 1}
    after = await limiter.hit(BROWSE, 7)  # nothing was counted during the outage: 1 before + this one
    assert (after.allowed, after.remaining, after.degraded) == (True, 3, False)


def test_an_outage_policy_is_open_or_closed():
    with pytest.raises(ValueError, match="on_outage"):
        Policy("x", ("1/second",), on_outage="maybe")


# the catalog cache --------------------------------------------------------------------------------------------
async def test_the_catalog_serves_stale_or_source_when_redis_is_down(lab):
    products = {1: {"price": 100}, 2: {"price": 200}, 3: {"price": 300}}
    catalog = Catalog(TaggedCache(lab.redis, lab.keys, lab.clock), products, page_size=2)
    first = await catalog.page(1)
    cut = RedisCut.of(lab.redis)
    cut.disconnect()
    try:
        assert await catalog.page(1) == first  # the copy this process read last
        assert await catalog.page(2) == [{"id": 3, "price": 300}]  # never cached here: the source
    finally:
        cut.reconnect()
    assert catalog.outage == {"stale_served": 1, "source_reads": 1, "writes_skipped": 2}


async def test_without_degradation_the_catalog_raises(lab):
    catalog = Catalog(TaggedCache(lab.redis, lab.keys, lab.clock), {1: {"price": 100}}, degrade=False)
    await catalog.page(1)
    RedisCut.of(lab.redis).disconnect()
    try:
        with pytest.raises(RedisError):
            await catalog.page(1)
    finally:
        RedisCut.of(lab.redis).reconnect()


async def test_a_changed_product_is_not_served_stale_at_its_old_price(lab):
    catalog = Catalog(TaggedCache(lab.redis, lab.keys, lab.clock), {1: {"price": 100}})
    await catalog.page(1)
    await catalog.update_product(1, price=150)
    RedisCut.of(lab.redis).disconnect()
    try:
        assert await catalog.page(1) == [{"id": 1, "price": 150}]
    finally:
        RedisCut.of(lab.redis).reconnect()


# the bot, by polling (the journey world) ----------------------------------------------------------------------
@pytest.fixture
async def world(lab):
    world = await redis_outage.outage_world(lab)
    yield world
    await world.close()


async def test_browsing_answers_during_the_outage_and_writes_wait_for_redis(world):
    await redis_outage.browsing(world)
    rows = world.actions_table().set_index(["who", "sent", "Redis"])["outcome"].to_dict()
    assert rows[("Ada", "/catalog", "down")] == "answered without Redis"
    assert rows[("Ada", "/help", "down")] == "answered without Redis"
    assert rows[("Bo", "/catalog", "down")] == "answered without Redis"  # a buyer with no session yet
    assert rows[("Ada", "/buy tea", "down")] == "failed: Telegram resends it"
    chat = world.journey.chat("Bo")
    assert chat["text"].str.startswith("Catalog:").sum() == 1  # Bo saw the catalog once, during the outage
    assert world.actions[-1]["bot replied"] == "Cart: tea. Total 12.50 USD."  # /buy, redelivered after it
    pages = world.pages_table()
    assert pages[pages["Redis"] == "down"]["served from"].tolist() == ["stale copy", "source (Redis down)"]


async def test_strict_bot_answers_nothing_during_the_outage(world):
    world.shop.bot.degrade = world.catalog.degrade = False
    await redis_outage.browsing(world)
    down = world.actions_table().query("Redis == 'down'")
    assert set(down["outcome"]) == {"failed: Telegram resends it"}
    assert world.journey.chat("Bo")["text"].str.startswith("Catalog:").sum() == 1  # late, after the outage


async def test_every_payment_callback_gets_a_retry_answer_and_settles_once(world):
    orders = await redis_outage.checkout(world)
    calls = world.callbacks_table()
    during = dict(zip(calls.query("Redis == 'down'")["provider"], calls.query("Redis == 'down'")["answer"]))
    assert during["Payme"].startswith("HTTP 200, error -32400")
    assert during["Click"].startswith("HTTP 200, Prepare error -7")
    assert during["Stripe"] == "HTTP 503 (Stripe retries)"
    assert during["Telegram"].endswith("Telegram: cancelled")  # no answer to the pre-checkout: no charge
    eve = world.actions_table().query("who == 'Eve'")
    assert eve["outcome"].tolist() == ["answered without Redis"]
    for route, order_id in orders.items():
        payments = [p for p in await world.shop.ledger.payments(order_id) if p["status"] == "succeeded"]
        assert len(payments) == 1, (route, payments)
    invariants = await world.journey.invariants()
    assert invariants["paid ⇒ delivered once"].all() and invariants["statement agrees"].all()
    assert invariants["goods sent"].tolist() == [1, 1, 1, 1]


async def test_a_successful_payment_during_the_outage_is_redelivered_and_settled_once(world):
    j = world.journey
    order_id = await j.checks_out("Ada", "tea")
    await j.presses("Ada", "Telegram Stars")
    user = j.user("Ada")
    invoice = [m for m in j.telegram.default_bot.chats[user["id"]].messages.values() if "invoice" in m.service][-1]
    checkout = j.people.pay(user["id"], user, invoice.message_id)
    await j.sync()  # the pre-checkout is answered: Telegram takes the Stars
    assert j.telegram.payments.refresh(checkout).status == "paid"
    await world.redis_down()
    with pytest.raises(RedisError):
        await j.sync()  # successful_payment: not confirmed, Telegram keeps it
    world.shop.cut.reconnect()
    assert (await world.shop.ledger.order(order_id)).status != "paid"
    await j.sync()
    await j.sync()
    assert (await world.shop.ledger.order(order_id)).status == "paid"
    assert len([h for h in world.shop.bot.log if h.input == "(successful_payment)"]) == 1


# the bot, by webhook (serve app's ASGI app) -------------------------------------------------------------------
def update(update_id: int, text: str, user: int = 4242) -> dict:
    return {"update_id": update_id, "message": {"message_id": update_id, "date": 1767603600, "text": text,
                                                "chat": {"id": user, "type": "private"},
                                                "from": {"id": user, "is_bot": False, "first_name": "Ada"}}}


async def test_the_webhook_answers_browsing_and_refuses_writes_during_the_outage(world):
    shop = world.shop
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=shop_app(shop)), base_url="https://shop.lab") as http:
        async def post(body: dict) -> int:
            response = await http.post("/telegram/webhook", content=json.dumps(body),
                                       headers={"x-telegram-bot-api-secret-token": DEFAULTS["telegram_secret_token"]})
            return response.status_code

        shop.cut.disconnect()
        try:
            assert await post(update(1, "/catalog")) == 200
            assert await post(update(2, "/buy tea")) == 500  # Telegram delivers it again later
            assert await post(update(3, "/start")) == 500
        finally:
            shop.cut.reconnect()
        assert await post(update(2, "/buy tea")) == 200
        assert await post(update(2, "/buy tea")) == 200  # a repeat: remembered now, handled once
    replies = [h.reply for h in shop.bot.log]
    assert replies[0].startswith("Catalog:") and shop.bot.log[0].degraded
    assert replies[1:] == ["Cart: tea. Total 12.50 USD."]
