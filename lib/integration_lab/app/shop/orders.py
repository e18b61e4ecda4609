"""What the shop remembers of an order beyond the ledger: who bought it, in which chat, which items, and
whether its fulfilment (stock sold, messages queued) is done."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..scripts import register

KEEP = 400 * 24 * 3600  # seconds an order's record lives: past any refund window and chargeback


@dataclass(frozen=True)
class ShopOrder:
    order_id: str
    user_id: int
    chat_id: int
    items: dict[str, int] = field(default_factory=dict)
    fulfilled: bool = False
    stock: str = ""  # committed, short (paid after its hold lapsed and the shelf emptied)


class ShopOrders:
    def __init__(self, redis, keys, clock):
        self.redis, self.keys, self.clock = redis, keys, clock
        self._record = register(redis, "order_record")

    def _key(self, order_id: str) -> str:
        return self.keys.key("shop", "order", order_id)

    def _buyer(self, user_id: int) -> str:
        return self.keys.key("shop", "buyer", user_id)

    async def record(self, order_id: str, user_id: int, chat_id: int, items: dict[str, int]) -> None:
        """One script (whole or not at all), and repeatable: the same fields again change nothing."""
        await self._record(keys=self._record_keys(order_id, user_id),
                           args=self._record_args(order_id, user_id, chat_id, items))

    def stage_record(self, batch, order_id: str, user_id: int, chat_id: int, items: dict[str, int]) -> None:
        """`record` staged in a batch (app/batch.py)."""
        batch.script(self._record, self._record_keys(order_id, user_id),
                     self._record_args(order_id, user_id, chat_id, items))

    def _record_keys(self, order_id: str, user_id: int) -> list[str]:
        return [self._key(order_id), self._buyer(user_id)]

    def _record_args(self, order_id: str, user_id: int, chat_id: int, items: dict[str, int]) -> list:
        return [order_id, user_id, chat_id, json.dumps(items), KEEP, self.clock.ms()]

    async def get(self, order_id: str) -> ShopOrder | None:
        return _order(await self.redis.hgetall(self._key(order_id)))

    def stage_get(self, batch, order_id: str):
        """`get` staged in a batch: its answer is the ShopOrder, or None."""
        return batch.command("HGETALL", self._key(order_id), parse=_order)

    async def mark_fulfilled(self, order_id: str, stock: str) -> None:
        await self.redis.hset(self._key(order_id), mapping={"fulfilled": 1, "stock": stock})

    def stage_mark_fulfilled(self, batch, order_id: str, stock: str) -> None:
        """`mark_fulfilled` staged in a batch."""
        batch.command("HSET", self._key(order_id), "fulfilled", 1, "stock", stock)

    async def of_buyer(self, user_id: int) -> list[str]:
        """The buyer's orders, newest first."""
        return await self.redis.zrevrange(self._buyer(user_id), 0, -1)


def _order(raw: dict[str, str]) -> ShopOrder | None:
    if "user_id" not in raw:
        return None
    return ShopOrder(raw["order_id"], int(raw["user_id"]), int(raw["chat_id"]), json.loads(raw["items"]),
                     raw.get("fulfilled") == "1", raw.get("stock", ""))
