"""Cache operations a shop bot does, and the thundering herd a cold key invites."""

from __future__ import annotations

import asyncio

import pandas as pd

from ..app.cache import Cache
from ..app.cache_aside import CacheAside


async def store_examples(cache: Cache, ttl: float) -> None:
    """One of each kind of value the bot caches."""
    await cache.set("greeting:en", "Welcome to the shop!", ttl=ttl)
    await cache.set_json("product:7", {"id": 7, "title": "Pro plan", "price": 49900, "currency": "UZS"}, ttl=ttl)
    await cache.set_hash("user:101:profile", {"first_name": "Aziza", "language": "uz", "orders": 2})
    for entry in ({"do": "/start"}, {"do": "/catalog"}, {"do": "buy", "product": 7}):
        await cache.log("user:101:activity", entry, keep=50)
    await cache.add_to_set("product:7:buyers", "101", "202")


async def herd(cache: Cache, ids, size: int, protect: bool, ttl: float = 300) -> pd.DataFrame:
    """`size` users ask for the same cold catalog page at once. The loader (the slow database query)
    is held until every request has looked at the cache, so each run races exactly the same way."""
    aside = CacheAside(cache, ids, ttl=ttl, protect=protect)
    every_request_looked = asyncio.Event()

    async def slow_query():
        await every_request_looked.wait()
        return {"page": 1, "products": [7, 8, 9]}

    async def open_gate():  # every request has looked, and each that missed is loading or waiting for the lock
        stats = aside.stats
        while stats.lookups < size or stats.loads + stats.waited < stats.misses:
            await asyncio.sleep(0.001)
        every_request_looked.set()

    results = await asyncio.gather(open_gate(), *(aside.get("catalog:page:1", slow_query) for _ in range(size)))
    stats = aside.stats.as_dict()
    stats["requests answered"] = sum(1 for page in results[1:] if page == {"page": 1, "products": [7, 8, 9]})
    return pd.DataFrame([stats], index=["locked" if protect else "unprotected"])


async def read_back(cache: Cache) -> pd.DataFrame:
    """Each value as the bot reads it back, decoded to its Python type (None once expired)."""
    rows = [
        ("greeting:en", "get", await cache.get("greeting:en")),
        ("product:7", "get_json", await cache.get_json("product:7")),
        ("user:101:profile", "get_hash", await cache.get_hash("user:101:profile")),
        ("user:101:activity", "recent", await cache.recent("user:101:activity")),
        ("product:7:buyers", "members", await cache.members("product:7:buyers")),
    ]
    return pd.DataFrame([{"name": n, "read with": how, "value": repr(v)} for n, how, v in rows]).set_index("name")
