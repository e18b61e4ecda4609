"""Cache paths the notebooks do not walk: hits, a waiter whose loader died or finished while it slept,
deletes and hash TTLs, invalidation past one SCAN batch, refused catalog sizes."""

from __future__ import annotations

import asyncio

import pytest

from integration_lab.app.cache import Cache
from integration_lab.app.cache_aside import CacheAside
from integration_lab.app.catalog import Catalog
from integration_lab.app.tagged_cache import TaggedCache


def loader(value, calls: list):
    async def load():
        calls.append(value)
        return value
    return load


async def test_a_cached_value_is_served_without_loading_again(lab):
    aside, calls = CacheAside(Cache(lab.redis, lab.keys), lab.ids), []
    assert await aside.get("page", loader({"n": 1}, calls)) == {"n": 1}
    assert await aside.get("page", loader({"n": 2}, calls)) == {"n": 1}
    assert calls == [{"n": 1}]
    assert aside.stats.as_dict() == {"lookups": 2, "hits": 1, "misses": 1, "loads": 1, "waited": 0}


async def test_a_waiter_loads_itself_when_the_lock_holder_never_finishes(lab):
    aside, calls = CacheAside(Cache(lab.redis, lab.keys), lab.ids, wait_timeout=0.05), []
    await lab.redis.set(lab.keys.key("lock", "page"), "a-loader-that-died", px=60_000)
    assert await aside.get("page", loader("fresh", calls)) == "fresh"  # the user is served anyway
    assert calls == ["fresh"] and (aside.stats.waited, aside.stats.loads) == (1, 1)


async def test_a_waiter_takes_the_value_written_just_before_the_lock_was_released(lab):
    aside, calls = CacheAside(Cache(lab.redis, lab.keys), lab.ids, poll_interval=0.2), []
    lock, key = lab.keys.key("lock", "page"), lab.keys.key("page")
    await lab.redis.set(lock, "another-loader", px=60_000)
    waiter = asyncio.create_task(aside.get("page", loader("mine", calls)))
    while aside.stats.waited == 0:
        await asyncio.sleep(0.001)
    await asyncio.sleep(0.05)  # the waiter is between two polls
    await lab.redis.set(key, '"theirs"')  # the other loader's value, then its lock released (the waiter sleeps)
    await lab.redis.delete(lock)
    assert await waiter == "theirs" and calls == []


async def test_a_waiter_loads_when_the_lock_is_released_without_a_value(lab):
    aside, calls = CacheAside(Cache(lab.redis, lab.keys), lab.ids, poll_interval=0.01), []
    lock = lab.keys.key("lock", "page")
    await lab.redis.set(lock, "a-loader-that-failed", px=60_000)
    waiter = asyncio.create_task(aside.get("page", loader("mine", calls)))
    while aside.stats.waited == 0:
        await asyncio.sleep(0.001)
    await lab.redis.delete(lock)
    assert await waiter == "mine" and calls == ["mine"]
    assert await lab.redis.exists(lock) == 0  # and it released its own lock


async def test_delete_says_whether_there_was_something_and_a_hash_keeps_its_ttl(lab):
    cache = Cache(lab.redis, lab.keys)
    await cache.set_hash("cart:7", {"tea": 2, "cup": {"size": "L"}}, ttl=60)
    assert await cache.get_hash("cart:7") == {"cup": {"size": "L"}, "tea": 2}
    assert await cache.ttl("cart:7") == 60
    assert await cache.delete("cart:7") is True
    assert await cache.delete("cart:7") is False and await cache.get_hash("cart:7") == {}


async def test_pattern_invalidation_drops_more_than_one_scan_batch(lab):
    cache = TaggedCache(lab.redis, lab.keys, lab.clock)
    for n in range(520):
        await cache.put(f"catalog:page:{n}", n)
    await cache.put("product:1", 1)
    dropped = await cache.invalidate_pattern("catalog:page:*")
    assert len(dropped) == 520 and await cache.names() == ["product:1"]
    assert await cache.invalidate_tag("never-used") == []


def test_a_catalog_page_needs_a_positive_size(lab):
    with pytest.raises(ValueError, match="page_size must be positive"):
        Catalog(TaggedCache(lab.redis, lab.keys, lab.clock), {1: {"price": 1}}, page_size=0)
