"""The shop a bot team writes: catalog and stock, checkout (six ways to pay), pre-checkout, settlement
and fulfilment, the delivery outbox, refunds. `build_parts(...)` wires them to one Redis, ledger and clock;
the bot (`ShopBot(..., shop=parts)`, app/bot) and the service (app/service.py) use what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..payments.ledger import Ledger
from ..payments.stripe_gateway import StripeGateway
from ..telegram.client import BotApi
from .catalog import CATALOG, Product
from .checkout import HOLD, Checkout, PaymentOptions
from .fulfilment import Fulfilment
from .orders import ShopOrders
from .outbox import Outbox
from .precheckout import PreCheckout
from .refunds import Refunds
from .stock import Stock

__all__ = ["CATALOG", "Product", "PaymentOptions", "ShopParts", "build_parts"]


@dataclass
class ShopParts:
    catalog: dict[str, Product]
    stock: Stock
    orders: ShopOrders
    checkout: Checkout
    precheckout: PreCheckout
    fulfilment: Fulfilment
    outbox: Outbox
    refunds: Refunds
    stripe: StripeGateway | None = field(default=None, repr=False)


async def build_parts(api: BotApi, outbox_api: BotApi, ledger: Ledger, clock, catalog: dict[str, Product] = CATALOG,
                      options: PaymentOptions | None = None, stripe: StripeGateway | None = None,
                      hold: float = HOLD) -> ShopParts:
    """The shop on the ledger's Redis. `api` answers buyers (its usual retries); `outbox_api` is the same bot
    with retries off (max_retries=0): the outbox waits on its own clock. Stock is put on the shelf once."""
    redis, keys = ledger.redis, ledger.keys
    stock, orders = Stock(redis, keys, clock), ShopOrders(redis, keys, clock)
    await stock.stock_up(catalog)
    outbox = Outbox(redis, keys, clock, outbox_api, ledger)
    return ShopParts(
        catalog, stock, orders,
        Checkout(api, ledger, stock, orders, catalog, options, stripe, hold),
        PreCheckout(api, ledger, stock, orders, catalog, clock, hold),
        Fulfilment(ledger, stock, orders, outbox, catalog, api),
        outbox,
        Refunds(api, ledger, orders, clock, stripe),
        stripe)
