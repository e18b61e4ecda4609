"""`serve app` wires app.shop: stock and outbox under /_lab/, and secrets stay out of reprs."""

from __future__ import annotations

import httpx

from integration_lab.app.service import Options, build_shop
from integration_lab.runtime.keyspace import Keyspace
from integration_lab.runtime.redis_backend import RedisBackend
from integration_lab.shop_server import shop_app


async def test_lab_routes_show_stock_and_outbox_and_drain_now(lab):
    shop = await build_shop(Options(), backend=lab.backend, clock=lab.clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=shop_app(shop)), base_url="https://shop.lab") as http:
        stock = (await http.get("/_lab/stock")).json()["stock"]
        assert stock["mug"] == {"available": 5, "held": 0, "sold": 0}
        assert (await http.get("/_lab/outbox")).json() == {"jobs": []}
        assert (await http.post("/_lab/outbox/drain")).json() == {"drained": []}
    assert "TEST:" not in repr(Options()) and "sk_" not in repr(Options(stripe_api_key="sk_test_x"))
    assert shop.parts.stripe is None  # no Stripe key, no Stripe route


async def test_lab_orders_lists_every_order_of_this_shop_with_its_status(lab):
    """GET /_lab/orders: numbered orders in number order (999 before 1001), then named ones; each as
    GET /_lab/orders/<id> shows it. Another shop's keyspace on the same Redis is not listed."""
    shop = await build_shop(Options(), backend=lab.backend, clock=lab.clock)
    ids = [(await shop.ledger.open_order(500, "USD")).order_id for _ in range(10)]
    await shop.ledger.open_order(700, "UZS", "gift-7", "a gift")
    await shop.ledger.open_order(300, "USD", "999")
    await shop.ledger.settle(ids[1], "payme", "tx1", 500, "USD")
    beside = RedisBackend(lab.redis, Keyspace(lab.keys.prefix.rstrip(":") + "-beside"), lab.backend.mode)
    other = await build_shop(Options(), backend=beside, clock=lab.clock)
    await other.ledger.open_order(900, "USD", "not-ours")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=shop_app(shop)), base_url="https://shop.lab") as http:
        listed = (await http.get("/_lab/orders")).json()["orders"]
        one = (await http.get(f"/_lab/orders/{ids[1]}")).json()["order"]
    assert [o["order_id"] for o in listed] == ["999"] + ids + ["gift-7"]
    assert ids == sorted(ids, key=int) and ids[-1] == "1010"
    assert listed[2] == one and one["status"] == "paid" and one["paid_by"] == "payme:tx1"
    assert listed[-1]["description"] == "a gift" and listed[-1]["amount"] == 700 and listed[-1]["currency"] == "UZS"
