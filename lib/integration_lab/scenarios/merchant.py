"""The Payme and Click scenarios' world: our shop app (the one `serve app` serves) in-process on the lab's
Redis and clock, with Payme's and Click's simulators calling it over httpx as those providers do.

`await merchant_world(lab)` gives both simulators, the shop (ledger, merchants) and the tables notebooks
print; `stripe=True` adds the Stripe world on the same ledger, for one order offered to every provider.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pandas as pd

from ..app.service import DEFAULTS, Options, Shop, build_shop
from ..fakes.click import ClickSimulator
from ..fakes.payme import PaymeSimulator
from ..fakes.stripe import StripeFake
from ..runtime.snapshot import keyspace_state
from ..shop_server import shop_app
from .payments import (PaymentsWorld, journal_table, orders_table, payments_table, reconciliation_table,
                       stripe_world)

PAYME_MERCHANT_ID = "6761ab0c1de7b1ed1ab00001"  # a lab cashbox id for checkout links (24 hex, like Payme's)
CLICK_MERCHANT_ID = 20001
BASE = "https://shop.lab"  # the in-process app answers any host; this one reads well in tables
HOURS_12 = 12 * 3600


@dataclass
class MerchantWorld:
    lab: Any
    shop: Shop
    http: httpx.AsyncClient
    payme: PaymeSimulator
    click: ClickSimulator
    stripe: PaymentsWorld | None = None

    @property
    def ledger(self):
        return self.shop.ledger

    async def order(self, amount: int, currency: str = "UZS") -> str:
        return (await self.ledger.open_order(amount, currency)).order_id

    async def orders(self, *order_ids: str) -> pd.DataFrame:
        return await orders_table(self.ledger, order_ids, delivered=True)

    async def journal(self, order_id: str) -> pd.DataFrame:
        return await journal_table(self.ledger, order_id)

    async def payments(self, order_id: str) -> pd.DataFrame:
        return await payments_table(self.ledger, order_id)

    def payme_calls(self, since: int = 0) -> pd.DataFrame:
        return pd.DataFrame(self.payme.calls[since:], columns=["method", "id", "code", "state", "answer"])

    def click_calls(self, since: int = 0) -> pd.DataFrame:
        return pd.DataFrame(self.click.calls[since:],
                            columns=["step", "click_trans_id", "order_id", "amount", "error", "error_note"])

    async def state(self) -> dict:
        """The whole keyspace: equal before and after means a request changed nothing."""
        return await keyspace_state(self.lab)

    async def reconciliation(self, *order_ids: str) -> pd.DataFrame:
        statements = self.payme.statement_rows() + self.click.statement_rows()
        if self.stripe is not None:
            statements += stripe_statement(self.stripe.fake, order_ids)
        return await reconciliation_table(self.ledger, order_ids, statements)


async def merchant_world(lab, stripe: bool = False) -> MerchantWorld:
    shop = await build_shop(Options(), backend=lab.backend, clock=lab.clock)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=shop_app(shop)), base_url=BASE)
    payme = PaymeSimulator(http, f"{BASE}/payme", DEFAULTS["payme_key"], lab.clock, lab.ids)
    click = ClickSimulator(http, f"{BASE}/click", DEFAULTS["click_service_id"], DEFAULTS["click_secret_key"],
                           lab.clock, lab.ids)
    return MerchantWorld(lab, shop, http, payme, click, await stripe_world(lab) if stripe else None)


def stripe_statement(fake: StripeFake, order_ids) -> list[dict]:
    """Stripe's side, from its PaymentIntents and their charges, in the reconciliation's words."""
    rows = []
    for pi in fake.objects.values():
        if pi["object"] != "payment_intent" or pi["metadata"].get("order_id") not in order_ids:
            continue
        charge = fake.objects.get(pi["latest_charge"] or "", {})
        status = {"succeeded": "paid", "canceled": "canceled"}.get(pi["status"], "open")
        if status == "paid" and charge.get("amount_refunded", 0) >= pi["amount"]:
            status = "refunded"
        rows.append({"provider": "stripe", "ref": pi["id"], "order_id": pi["metadata"]["order_id"],
                     "amount": pi["amount"], "status": status})
    return rows
