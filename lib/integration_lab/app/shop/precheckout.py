"""Telegram's pre-checkout query, answered within its 10 seconds whatever happens.

Telegram asks before it charges: the order must exist, be unpaid, cost what the invoice says in its
currency, and still have its stock held (held again if the hold lapsed and the shelf allows). The check
runs under a deadline of DEADLINE seconds, on real time (asyncio.wait_for) and on the lab clock since the
update arrived, and past it we refuse: a refusal the buyer reads beats Telegram's silent timeout.
"""

from __future__ import annotations

import asyncio

from redis.exceptions import RedisError

from ..batch import Batch
from ..money import money
from ..payments.ledger import Ledger
from ..telegram.client import BotApi, TelegramError
from .catalog import Product
from .club_sales import PAYLOAD as CLUB_PAYLOAD
from .orders import ShopOrders
from .stock import Stock

DEADLINE = 8.0  # seconds: Telegram waits 10, and the answer itself needs a moment on the wire
LATE = "We could not confirm your order in time; nothing was charged."
SHIPPING_OPTIONS = [  # for flexible (shipping) invoices; prices in the invoice's currency (USD cents)
    {"id": "pickup", "title": "Pick up at the lab", "prices": [{"label": "Pickup", "amount": 0}]},
    {"id": "courier", "title": "Courier", "prices": [{"label": "Courier", "amount": 500}]},
]


class PreCheckout:
    def __init__(self, api: BotApi, ledger: Ledger, stock: Stock, orders: ShopOrders, catalog: dict[str, Product],
                 clock, hold: float, deadline: float = DEADLINE, club=None):
        self.api, self.ledger, self.stock, self.orders, self.catalog = api, ledger, stock, orders, catalog
        self.clock, self.hold, self.deadline = clock, hold, deadline
        self.club = club  # ClubSales: a club link's first payment is checked by the club, not as an order

    async def answer(self, query: dict, arrived_ms: int | None = None) -> str:
        """Check and answer one pre_checkout_query; returns 'ok' or the buyer-facing refusal."""
        arrived = self.clock.ms() if arrived_ms is None else arrived_ms
        try:
            problem = await asyncio.wait_for(self.problem(query), self.deadline)
        except asyncio.TimeoutError:
            problem = LATE
        except RedisError:  # our store is down: refuse now rather than let the buyer wait for a timeout
            problem = "We could not check your order just now; nothing was charged. Please try again."
        if problem is None and self.clock.ms() - arrived > self.deadline * 1000:
            problem = LATE
        try:
            await self.api.answer_pre_checkout_query(query["id"], ok=problem is None, error_message=problem)
        except TelegramError as failed:  # too late or gone: Telegram has cancelled it, nothing was charged
            return f"not answered: {failed.description}"
        return problem or "ok"

    async def problem(self, query: dict) -> str | None:
        order_id, currency, total = query.get("invoice_payload", ""), query.get("currency"), query.get("total_amount")
        if self.club is not None and order_id.startswith(CLUB_PAYLOAD):
            return self.club.problem(query)
        order = record = None
        if order_id:  # the order and its record: one round trip
            batch = Batch(self.ledger.redis)
            read = self.ledger.stage_order(batch, order_id), self.orders.stage_get(batch, order_id)
            await batch.send()
            order, record = (answer.value for answer in read)
        if order is None or record is None:
            return "We couldn't find this order. Please start again with /buy."
        if order.paid_by:
            return f"Order {order_id} is already paid; nothing more was charged."
        if order.status != "awaiting_payment":
            return f"Order {order_id} was canceled. Please start again with /buy."
        price = order.prices.get(currency)
        if price != total:
            expected = money(price, currency) if price is not None else "another currency"
            return f"This invoice no longer matches order {order_id} ({expected}). Please check out again."
        held = await self.stock.reserve(order_id, record.items, self.hold)
        if held.outcome == "short":
            return f"Sorry, {self.catalog[held.short_of].title} sold out meanwhile; nothing was charged."
        return None

    async def shipping(self, query: dict) -> str:
        """A flexible invoice asks where to ship: the same two options wherever it goes."""
        try:
            await self.api.answer_shipping_query(query["id"], ok=True, shipping_options=SHIPPING_OPTIONS)
        except TelegramError as failed:
            return f"not answered: {failed.description}"
        return "options sent"
