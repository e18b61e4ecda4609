"""The shop a bot team writes: catalog and stock, checkout (six ways to pay), pre-checkout, settlement
and fulfilment, the delivery outbox, refunds, and the club (a monthly membership by Stripe or Stars).
`build_parts(...)` wires them to one Redis, ledger and clock;
the bot (`ShopBot(..., shop=parts)`, app/bot) and the service (app/service.py) use what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..payments.ledger import Ledger
from ..payments.stripe_gateway import StripeGateway
from ..payments.stripe_subscriptions import StripeSubscriptions
from ..telegram.client import BotApi
from .catalog import CATALOG, Product
from .checkout import HOLD, Checkout, PaymentOptions
from .club import ClubStore
from .club_sales import ClubSales
from .club_stripe import StripeClubEvents
from .fulfilment import Fulfilment
from .orders import ShopOrders
from .outbox import Outbox
from .precheckout import PreCheckout
from .refunds import Refunds
from .stock import Stock

CLUB_RETURN_URL = "https://t.me/"  # where Stripe's Checkout sends the buyer back: Telegram (our bot's link in a real shop)
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
    club: ClubSales
    club_stripe: StripeClubEvents  # what the Stripe webhook hands the club's events to
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
    options = options or PaymentOptions()
    members = ClubStore(redis, keys, clock)
    subscriptions = StripeSubscriptions(stripe, options.return_url or CLUB_RETURN_URL) if stripe else None
    club = ClubSales(api, members, outbox, clock, stripe=subscriptions)
    return ShopParts(
        catalog, stock, orders,
        Checkout(api, ledger, stock, orders, catalog, options, stripe, hold),
        PreCheckout(api, ledger, stock, orders, catalog, clock, hold, club=club),
        Fulfilment(ledger, stock, orders, outbox, catalog, api),
        outbox,
        Refunds(api, ledger, orders, clock, stripe),
        club, StripeClubEvents(members, club),
        stripe)
