"""What the shop remembers of an order beyond the ledger: who bought it, in which chat, which items, and
whether its fulfilment (stock sold, messages queued) is done."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ...runtime.keyspace import tag
from ..batch import Batch
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
        return self.keys.key("shop", "order", tag(order_id))  # the order's slot, as its ledger entry

    def _buyer(self, user_id: int) -> str:
        return self.keys.key("shop", "buyer", tag(user_id))  # the buyer's slot

    async def record(self, order_id: str, user_id: int, chat_id: int, items: dict[str, int]) -> None:
        """The record (one script: whole or not at all) and the buyer's list, in one round trip; repeatable:
        the same fields again change nothing."""
        batch = Batch(self.redis)
        self.stage_record(batch, order_id, user_id, chat_id, items)
        await batch.send()

    def stage_record(self, batch, order_id: str, user_id: int, chat_id: int, items: dict[str, int]) -> None:
        """`record` staged in a batch (app/batch.py): the record's script, then the buyer's list (another
        slot); a cut between them leaves a record the resend lists again."""
        batch.script(self._record, [self._key(order_id)], [order_id, user_id, chat_id, json.dumps(items), KEEP])
        batch.command("ZADD", self._buyer(user_id), "NX", self.clock.ms(), order_id)
        batch.command("EXPIRE", self._buyer(user_id), KEEP)

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
