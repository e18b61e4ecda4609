"""The shop's catalog read through the tagged cache: product entries and catalog pages built from them.

A page carries the tag of every product on it, so changing a product drops exactly the pages that show
it (invalidation by dependency), and the `catalog` tag drops every page at once.
"""

from __future__ import annotations

from typing import Any

from .tagged_cache import TaggedCache


class Catalog:
    def __init__(self, cache: TaggedCache, products: dict[int, dict[str, Any]], page_size: int = 3, ttl: float = 600):
        if page_size <= 0:
            raise ValueError(f"page_size must be positive, got {page_size!r}")
        self.cache, self.products, self.page_size, self.ttl = cache, products, page_size, ttl
        self.database_reads = 0  # what the cache is there to save

    def _ids_on_page(self, page: int) -> list[int]:
        ids = sorted(self.products)
        return ids[(page - 1) * self.page_size: page * self.page_size]

    async def product(self, product_id: int) -> dict[str, Any]:
        cached = await self.cache.get(f"product:{product_id}")
        if cached is not None:
            return cached
        self.database_reads += 1
        value = {"id": product_id, **self.products[product_id]}
        await self.cache.put(f"product:{product_id}", value, tags=[f"product:{product_id}"], ttl=self.ttl)
        return value

    async def page(self, page: int) -> list[dict[str, Any]]:
        name = f"catalog:page:{page}"
        cached = await self.cache.get(name)
        if cached is not None:
            return cached
        ids = self._ids_on_page(page)
        items = [await self.product(pid) for pid in ids]
        tags = ["catalog", *(f"product:{pid}" for pid in ids)]
        await self.cache.put(name, items, tags=tags, ttl=self.ttl)
        return items

    async def update_product(self, product_id: int, **changes: Any) -> list[str]:
        """Change a product in the database, then drop it and every page built from it."""
        if product_id not in self.products:
            raise KeyError(f"no product {product_id}")
        self.products[product_id] = {**self.products[product_id], **changes}
        return await self.cache.invalidate_tag(f"product:{product_id}")
