"""Cache-aside with stampede protection: on a miss one caller loads, the others wait for its result.

The loader runs under a lock (SET NX PX, released by compare-and-delete). Callers that lose the race
poll the cache until the value appears or the lock is gone (the loader died), then try again; after
`wait_timeout` seconds they load themselves rather than fail the user. Stats count what happened.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from .cache import Cache, check_ttl, decode_json, encode_json
from .scripts import register

Loader = Callable[[], Awaitable[Any]]


@dataclass
class CacheStats:
    lookups: int = 0  # get() calls that have looked at the cache once
    hits: int = 0
    misses: int = 0
    loads: int = 0  # loader calls
    waited: int = 0  # callers that waited for another caller's load

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class CacheAside:
    def __init__(self, cache: Cache, ids, ttl: float = 300, protect: bool = True,
                 lock_ttl: float = 5, poll_interval: float = 0.005, wait_timeout: float = 5):
        self.cache, self.ids = cache, ids
        self.ttl_ms, self.lock_ttl_ms = check_ttl(ttl), check_ttl(lock_ttl)
        self.protect, self.poll_interval, self.wait_timeout = protect, poll_interval, wait_timeout
        self.stats = CacheStats()
        self._release = register(cache.redis, "release_lock")

    async def get(self, name: str, loader: Loader) -> Any:
        key = self.cache.keys.key(name)
        redis = self.cache.redis
        raw = await redis.get(key)
        self.stats.lookups += 1
        if raw is not None:
            self.stats.hits += 1
            return decode_json(name, raw)
        self.stats.misses += 1
        if not self.protect:
            return await self._load(key, loader)

        lock, token = self.cache.keys.key("lock", name), self.ids.token("lock_", 16)
        deadline = asyncio.get_running_loop().time() + self.wait_timeout
        waited = False
        while True:
            if await redis.set(lock, token, nx=True, px=self.lock_ttl_ms):
                try:
                    raw = await redis.get(key)  # filled while we were acquiring?
                    return decode_json(name, raw) if raw is not None else await self._load(key, loader)
                finally:
                    await self._release(keys=[lock], args=[token])
            if not waited:
                waited = True
                self.stats.waited += 1
            while await redis.exists(lock):
                raw = await redis.get(key)
                if raw is not None:
                    return decode_json(name, raw)
                if asyncio.get_running_loop().time() > deadline:
                    return await self._load(key, loader)  # the loader is stuck: serve the user anyway
                await asyncio.sleep(self.poll_interval)
            raw = await redis.get(key)
            if raw is not None:
                return decode_json(name, raw)

    async def _load(self, key: str, loader: Loader) -> Any:
        self.stats.loads += 1
        value = await loader()
        await self.cache.redis.set(key, encode_json(value), px=self.ttl_ms)
        return value
