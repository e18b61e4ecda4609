"""The shop's catalog read through the tagged cache: product entries and catalog pages built from them.

A page carries the tag of every product on it, so changing a product drops exactly the pages that show
it (invalidation by dependency), and the `catalog` tag drops every page at once.

When Redis is down (`degrade=True`, the default), a read never raises: it serves the last value this
process read or built for that name (stale, from a small in-process copy), or else builds it from the
source (`products`, the database); a cache write that fails is skipped. `outage` counts what happened, for
tables. With `degrade=False` a Redis error reaches the caller, as a cache with no plan B would.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from redis.exceptions import RedisError

from .tagged_cache import TaggedCache

STALE_KEPT = 256  # entries kept in memory for an outage; the oldest read is dropped first


class Catalog:
    def __init__(self, cache: TaggedCache, products: dict[int, dict[str, Any]], page_size: int = 3, ttl: float = 600,
                 degrade: bool = True, stale_kept: int = STALE_KEPT):
        if page_size <= 0:
            raise ValueError(f"page_size must be positive, got {page_size!r}")
        self.cache, self.products, self.page_size, self.ttl = cache, products, page_size, ttl
        self.degrade = degrade
        self.database_reads = 0  # what the cache is there to save
        self.outage = {"stale_served": 0, "source_reads": 0, "writes_skipped": 0}  # while Redis was down
        self._stale: OrderedDict[str, Any] = OrderedDict()  # name -> last value read or built here
        self._stale_kept = stale_kept

    def _remember(self, name: str, value: Any) -> Any:
        self._stale[name] = value
        self._stale.move_to_end(name)
        while len(self._stale) > self._stale_kept:
            self._stale.popitem(last=False)
        return value

    async def _cached(self, name: str) -> tuple[Any, bool]:
        """(the cached value or None, whether Redis answered)."""
        try:
            cached = await self.cache.get(name)
        except RedisError:
            if not self.degrade:
                raise
            if name in self._stale:
                self.outage["stale_served"] += 1
                return self._stale[name], False
            return None, False
        if cached is not None:
            self._remember(name, cached)
        return cached, True

    async def _put(self, name: str, value: Any, tags: list[str], answered: bool) -> None:
        self._remember(name, value)
        if not answered:  # Redis is down: do not even try
            self.outage["writes_skipped"] += 1
            return
        try:
            await self.cache.put(name, value, tags=tags, ttl=self.ttl)
        except RedisError:
            if not self.degrade:
                raise
            self.outage["writes_skipped"] += 1

    def _ids_on_page(self, page: int) -> list[int]:
        ids = sorted(self.products)
        return ids[(page - 1) * self.page_size: page * self.page_size]

    async def product(self, product_id: int) -> dict[str, Any]:
        name = f"product:{product_id}"
        cached, answered = await self._cached(name)
        if cached is not None:
            return cached
        self.database_reads += 1
        if not answered:
            self.outage["source_reads"] += 1
        value = {"id": product_id, **self.products[product_id]}
        await self._put(name, value, [name], answered)
        return value

    async def page(self, page: int) -> list[dict[str, Any]]:
        name = f"catalog:page:{page}"
        cached, answered = await self._cached(name)
        if cached is not None:
            return cached
        ids = self._ids_on_page(page)
        items = [await self.product(pid) for pid in ids]
        tags = ["catalog", *(f"product:{pid}" for pid in ids)]
        await self._put(name, items, tags, answered)
        return items

    async def update_product(self, product_id: int, **changes: Any) -> list[str]:
        """Change a product in the database, then drop it and every page built from it."""
        if product_id not in self.products:
            raise KeyError(f"no product {product_id}")
        self.products[product_id] = {**self.products[product_id], **changes}
        for name in [n for n in self._stale if n == f"product:{product_id}" or n.startswith("catalog:page:")]:
            del self._stale[name]  # an outage must not bring the old price back
        return await self.cache.invalidate_tag(f"product:{product_id}")
