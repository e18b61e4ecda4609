"""A JSON cache whose entries can be invalidated four ways: by tag, by pattern, by dependency, by time.

- tag: each tag is a SET of the keys carrying it; invalidating pops its members and UNLINKs them.
- pattern: SCAN MATCH over this keyspace (never KEYS, which blocks the server), UNLINK in batches.
- dependency: an entry built from others carries their tags (a catalog page carries `product:7`),
  so invalidating a product drops the pages built from it (see catalog.py).
- time: TTLs expire entries by themselves; drop_older_than() drops everything written before an instant.
"""

from __future__ import annotations

from typing import Any, Iterable

from ..runtime.keyspace import Keyspace, escape_glob, tag
from .cache import check_ttl, decode_json, encode_json
from .scripts import register

_BATCH = 500
# one hash tag for the whole cache: an entry, its tags' sets and the write-time index are written in one
# transaction, and invalidation moves across them (a cluster keeps them in one slot)
SLOT = tag("cache")
_ENTRIES = escape_glob(SLOT) + ":c:"  # the entries' SCAN pattern, before a name's glob


class TaggedCache:
    def __init__(self, redis, keys: Keyspace, clock):
        self.redis, self.keys, self.clock = redis, keys, clock
        self._index = keys.key(SLOT, "index", "written")
        self._drop_older = register(redis, "drop_older_than")

    def _entry(self, name: str) -> str:
        return self.keys.key(SLOT, "c", name)

    def name_of(self, key: str) -> str:
        return self.keys.strip(key).removeprefix(f"{SLOT}:c:")

    async def put(self, name: str, value: Any, tags: Iterable[str] = (), ttl: float | None = None) -> None:
        key, px, tags = self._entry(name), check_ttl(ttl), list(tags)
        tag_keys = [self.keys.key(SLOT, "tag", name) for name in tags]  # validates every tag before writing
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(key, encode_json(value), px=px)
            for tag_key in tag_keys:
                pipe.sadd(tag_key, key)
            pipe.zadd(self._index, {key: self.clock.ms()})
            await pipe.execute()

    async def get(self, name: str) -> Any:
        return decode_json(name, await self.redis.get(self._entry(name)))

    async def names(self) -> list[str]:
        """Every cached entry, sorted."""
        found = [k async for k in self.redis.scan_iter(match=self.keys.pattern(_ENTRIES + "*"), count=_BATCH)]
        return sorted(self.name_of(k) for k in found)

    async def _unlink(self, keys: list[str]) -> list[str]:
        """UNLINK keys and forget them in the index; returns the names of those that existed."""
        if not keys:
            return []
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.exists(key)
            pipe.unlink(*keys)
            pipe.zrem(self._index, *keys)
            existed = (await pipe.execute())[: len(keys)]
        return sorted(self.name_of(k) for k, alive in zip(keys, existed) if alive)

    async def invalidate_tag(self, tag: str) -> list[str]:
        tag_key, dropped = self.keys.key(SLOT, "tag", tag), []
        while batch := await self.redis.spop(tag_key, _BATCH):
            dropped += await self._unlink(batch)
        return sorted(dropped)

    async def invalidate_pattern(self, glob: str) -> list[str]:
        """Names matching a glob such as 'catalog:page:*'."""
        if not glob:
            raise ValueError("an empty pattern would match nothing; use '*' for everything")
        dropped, batch = [], []
        async for key in self.redis.scan_iter(match=self.keys.pattern(_ENTRIES + glob), count=_BATCH):
            batch.append(key)
            if len(batch) == _BATCH:
                dropped += await self._unlink(batch)
                batch = []
        return sorted(dropped + await self._unlink(batch))

    async def drop_older_than(self, seconds: float) -> list[str]:
        """Drop entries written `seconds` or longer ago on the lab clock (e.g. after a price import)."""
        if seconds < 0:
            raise ValueError(f"an age must not be negative, got {seconds!r}")
        cutoff = self.clock.ms() - round(seconds * 1000)
        return sorted(self.name_of(k) for k in await self._drop_older(keys=[self._index], args=[cutoff]))
