"""Warm a catalog cache, invalidate it one way, and show what stayed cached."""

from __future__ import annotations

import pandas as pd

from ..app.catalog import Catalog
from ..app.tagged_cache import TaggedCache

KINDS = ("tag", "pattern", "product", "older_than", "ttl")


def sample_products(count: int) -> dict[int, dict]:
    """Products priced in tiyin (1 UZS = 100 tiyin), as the shop stores them."""
    return {pid: {"title": f"Plan {pid}", "price": 1_000_000 * pid} for pid in range(1, count + 1)}


async def warm(lab, products: int, page_size: int, ttl: float) -> Catalog:
    catalog = Catalog(TaggedCache(lab.redis, lab.keys, lab.clock), sample_products(products), page_size, ttl)
    pages = -(-products // page_size)
    for page in range(1, pages + 1):
        await catalog.page(page)
    return catalog


async def invalidate(lab, catalog: Catalog, kind: str, target) -> list[str]:
    """tag: a tag name; pattern: a glob; product: an id whose price changes; older_than: seconds;
    ttl: seconds to let pass (entries expire by themselves)."""
    cache = catalog.cache
    if kind == "tag":
        return await cache.invalidate_tag(str(target))
    if kind == "pattern":
        return await cache.invalidate_pattern(str(target))
    if kind == "product":
        return await catalog.update_product(int(target), price=catalog.products[int(target)]["price"] + 500_000)
    if kind == "older_than":
        return await cache.drop_older_than(float(target))
    if kind == "ttl":
        before = set(await cache.names())
        await lab.advance(float(target))
        return sorted(before - set(await cache.names()))
    raise ValueError(f"unknown invalidation {kind!r}; use one of {', '.join(KINDS)}")


async def cache_table(catalog: Catalog, names: list[str]) -> pd.DataFrame:
    """For each entry that was warmed: still cached? and its TTL."""
    rows = []
    for name in names:
        key = catalog.cache._entry(name)
        ttl = await catalog.cache.redis.ttl(key)
        rows.append({"entry": name, "cached": ttl != -2, "ttl (s)": ttl if ttl >= 0 else None})
    return pd.DataFrame(rows).set_index("entry")
