import asyncio

import pytest

from integration_lab.app.cache import Cache, CacheDecodeError
from integration_lab.app.cache_aside import CacheAside
from integration_lab.scenarios.caching import herd


async def test_json_round_trip_and_ttl_expiry_on_the_lab_clock(lab):
    cache = Cache(lab.redis, lab.keys)
    await cache.set_json("product:7", {"price": 49900, "title": "Pro"}, ttl=30)
    assert await cache.get_json("product:7") == {"price": 49900, "title": "Pro"}
    await lab.advance(29)
    assert await cache.ttl("product:7") == 1
    await lab.advance(2)  # a real server is only ms-accurate here, so scenarios keep a second clear of deadlines
    assert await cache.get_json("product:7") is None


async def test_hash_log_and_set(lab):
    cache = Cache(lab.redis, lab.keys)
    await cache.set_hash("user:1", {"name": "Aziza", "orders": 2})
    assert await cache.get_hash("user:1") == {"name": "Aziza", "orders": 2}
    for n in range(5):
        await cache.log("activity", {"n": n}, keep=3)
    assert await cache.recent("activity") == [{"n": 4}, {"n": 3}, {"n": 2}]
    await cache.add_to_set("buyers", "2", "1", "2")
    assert await cache.members("buyers") == ["1", "2"]


async def test_non_json_value_is_a_clear_error_and_stays(lab):
    cache = Cache(lab.redis, lab.keys)
    await cache.set("legacy", "49900 UZS")
    with pytest.raises(CacheDecodeError, match="'legacy' is not JSON"):
        await cache.get_json("legacy")
    assert await cache.get("legacy") == "49900 UZS"


@pytest.mark.parametrize("write", [
    lambda c: c.set("", "x"), lambda c: c.set_json("", 1), lambda c: c.set("k", "v", ttl=-1),
    lambda c: c.set("k", "v", ttl=0), lambda c: c.set("k", 5), lambda c: c.set_hash("h", {}),
    lambda c: c.log("log", 1, keep=0), lambda c: c.add_to_set("s"),
])
async def test_bad_writes_change_nothing(lab, write):
    with pytest.raises((ValueError, TypeError)):
        await write(Cache(lab.redis, lab.keys))
    assert await lab.backend.scan_keys() == []


@pytest.mark.parametrize("protect,loads", [(True, 1), (False, 30)])
async def test_thundering_herd(lab, protect, loads):
    table = await herd(Cache(lab.redis, lab.keys), lab.ids, 30, protect)
    assert table["loads"].item() == loads
    assert table["requests answered"].item() == 30
    assert await lab.backend.scan_keys("lock:*") == []  # the lock was released


async def test_lock_is_only_released_by_its_holder(lab):
    """A loader slower than the lock TTL must not free the lock a second loader took meanwhile."""
    cache = Cache(lab.redis, lab.keys)
    aside = CacheAside(cache, lab.ids, lock_ttl=5)
    lock = lab.keys.key("lock", "page")
    release = asyncio.Event()

    async def slow():
        await release.wait()
        return 1

    first = asyncio.create_task(aside.get("page", slow))
    while not await lab.redis.exists(lock):
        await asyncio.sleep(0.001)
    await lab.redis.set(lock, "someone-else", px=5000)  # our lock expired and another loader took it
    release.set()
    assert await first == 1
    assert await lab.redis.get(lock) == "someone-else"
