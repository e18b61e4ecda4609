"""`serve app` wires app.shop: stock and outbox under /_lab/, and secrets stay out of reprs."""

from __future__ import annotations

import httpx

from integration_lab.shop_server import Options, build_shop


async def test_lab_routes_show_stock_and_outbox_and_drain_now(lab):
    shop = await build_shop(Options(), backend=lab.backend, clock=lab.clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=shop.app), base_url="https://shop.lab") as http:
        stock = (await http.get("/_lab/stock")).json()["stock"]
        assert stock["mug"] == {"available": 5, "held": 0, "sold": 0}
        assert (await http.get("/_lab/outbox")).json() == {"jobs": []}
        assert (await http.post("/_lab/outbox/drain")).json() == {"drained": []}
    assert "TEST:" not in repr(Options()) and "sk_" not in repr(Options(stripe_api_key="sk_test_x"))
    assert shop.parts.stripe is None  # no Stripe key, no Stripe route
