"""Stock in Redis: units on the shelf per sku, and holds per order that lapse with the buyer's session.

`reserve` holds every item of an order or none and never takes a count below zero (one script), and
first gives back holds whose time ran out, so an abandoned checkout's units return lazily to the next
buyer; `release_lapsed()` is the same sweep on its own. `commit` turns a hold into a sale when the order
is paid; `release` gives a hold back (a cancelled order). Each is one script and repeatable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ...runtime.keyspace import tag
from ..scripts import register
from .catalog import Product

PURGE_LIMIT = 100  # lapsed holds given back per reserve call: bounded work inside one script


@dataclass(frozen=True)
class Reservation:
    outcome: str  # reserved, held (already; expiry renewed), committed (already sold), short
    short_of: str = ""  # the sku that lacked stock


class Stock:
    def __init__(self, redis, keys, clock):
        self.redis, self.keys, self.clock = redis, keys, clock
        # one hash tag: a reservation takes every item of an order, and the holds, atomically (one slot)
        self._keys = [keys.key(tag("stock"), part) for part in ("available", "held", "lapse")]
        self._reserve = register(redis, "stock_reserve")
        self._commit = register(redis, "stock_commit")
        self._release = register(redis, "stock_release")

    async def stock_up(self, products: dict[str, Product]) -> None:
        """Put each product's opening stock on the shelf, once: a restart never resets what was sold."""
        for product in products.values():
            await self.redis.hsetnx(self._keys[0], product.sku, product.stock)

    async def add(self, sku: str, units: int) -> int:
        return await self.redis.hincrby(self._keys[0], sku, units)

    async def reserve(self, order_id: str, items: dict[str, int], ttl: float) -> Reservation:
        return _reservation(await self._reserve(keys=self._keys, args=self._reserve_args(order_id, items, ttl)))

    def stage_reserve(self, batch, order_id: str, items: dict[str, int], ttl: float):
        """`reserve` staged in a batch (app/batch.py): its answer is the Reservation."""
        return batch.script(self._reserve, self._keys, self._reserve_args(order_id, items, ttl), parse=_reservation)

    def _reserve_args(self, order_id: str, items: dict[str, int], ttl: float) -> list:
        return [order_id, self.clock.ms(), round(ttl * 1000), json.dumps(items, sort_keys=True), PURGE_LIMIT]

    async def commit(self, order_id: str, items: dict[str, int]) -> str:
        """committed, duplicate, or short (the hold had lapsed and the shelf is now empty)."""
        return await self._commit(keys=self._keys, args=[order_id, self.clock.ms(), json.dumps(items, sort_keys=True)])

    async def release(self, order_id: str) -> bool:
        return bool(await self._release(keys=self._keys, args=["all", order_id]))

    async def release_if_lapsed(self, order_id: str) -> bool:
        """Give back this order's hold if its time ran out (as release_lapsed would): a hold renewed by another
        way to pay since stays with its checkout."""
        return bool(await self._release(keys=self._keys, args=[self.clock.ms(), order_id]))

    async def release_lapsed(self) -> list[str]:
        """Give back every hold whose time ran out; returns their orders."""
        now = self.clock.ms()
        lapsed = await self.redis.zrangebyscore(self._keys[2], "-inf", now)
        if lapsed:  # the script checks each expiry again: a hold renewed since the read stays
            await self._release(keys=self._keys, args=[now, *lapsed])
        return sorted(lapsed)

    async def hold(self, order_id: str) -> dict | None:
        """{items, state: held|committed, at} or None."""
        raw = await self.redis.hget(self._keys[1], order_id)
        return json.loads(raw) if raw else None

    async def levels(self) -> dict[str, dict[str, int]]:
        """Per sku: units available, held by open checkouts, sold."""
        available = {sku: int(n) for sku, n in (await self.redis.hgetall(self._keys[0])).items()}
        table = {sku: {"available": n, "held": 0, "sold": 0} for sku, n in sorted(available.items())}
        for raw in (await self.redis.hgetall(self._keys[1])).values():
            hold = json.loads(raw)
            column = "held" if hold["state"] == "held" else "sold"
            for sku, qty in hold["items"].items():
                table.setdefault(sku, {"available": 0, "held": 0, "sold": 0})[column] += qty
        return table


def _reservation(answer: list) -> Reservation:
    outcome, sku = answer
    return Reservation(outcome, sku)
