"""What the shop remembers of an order beyond the ledger: who bought it, in which chat, which items, and
whether its fulfilment (stock sold, messages queued) is done."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

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

    def _key(self, order_id: str) -> str:
        return self.keys.key("shop", "order", order_id)

    def _buyer(self, user_id: int) -> str:
        return self.keys.key("shop", "buyer", user_id)

    async def record(self, order_id: str, user_id: int, chat_id: int, items: dict[str, int]) -> None:
        """One MULTI/EXEC (whole or not at all), and repeatable: the same fields again change nothing."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._key(order_id), mapping={"order_id": order_id, "user_id": user_id, "chat_id": chat_id,
                                                    "items": json.dumps(items)})
            pipe.expire(self._key(order_id), KEEP)
            pipe.zadd(self._buyer(user_id), {order_id: self.clock.ms()}, nx=True)
            pipe.expire(self._buyer(user_id), KEEP)
            await pipe.execute()

    async def get(self, order_id: str) -> ShopOrder | None:
        raw = await self.redis.hgetall(self._key(order_id))
        if "user_id" not in raw:
            return None
        return ShopOrder(raw["order_id"], int(raw["user_id"]), int(raw["chat_id"]), json.loads(raw["items"]),
                         raw.get("fulfilled") == "1", raw.get("stock", ""))

    async def mark_fulfilled(self, order_id: str, stock: str) -> None:
        await self.redis.hset(self._key(order_id), mapping={"fulfilled": 1, "stock": stock})

    async def of_buyer(self, user_id: int) -> list[str]:
        """The buyer's orders, newest first."""
        return await self.redis.zrevrange(self._buyer(user_id), 0, -1)
