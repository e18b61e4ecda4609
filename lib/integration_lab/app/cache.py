"""Plain caching on Redis: strings with TTL, JSON values, hashes, a capped activity log, sets.

Every method takes a short name; the scenario's Keyspace turns it into the real key. Bad input raises
before any command is sent, so it never changes what is stored.
"""

from __future__ import annotations

import json
from typing import Any

from ..runtime.keyspace import Keyspace


class CacheDecodeError(ValueError):
    """A cached value that should be JSON is not. The value is left as it is for someone to look at."""


def encode_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def decode_json(key: str, raw: str | None) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CacheDecodeError(f"cached value at {key!r} is not JSON ({exc.msg} at char {exc.pos}): {raw[:40]!r}") from None


def check_ttl(ttl: float | None) -> int | None:
    """Seconds -> milliseconds; None means no expiry."""
    if ttl is None:
        return None
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or ttl <= 0:
        raise ValueError(f"ttl must be a positive number of seconds or None, got {ttl!r}")
    return round(ttl * 1000)


class Cache:
    def __init__(self, redis, keys: Keyspace):
        self.redis, self.keys = redis, keys

    async def set(self, name: str, value: str, ttl: float | None = None) -> None:
        if not isinstance(value, str):
            raise TypeError(f"set() stores strings; use set_json() for {type(value).__name__}")
        key, px = self.keys.key(name), check_ttl(ttl)
        await self.redis.set(key, value, px=px)

    async def get(self, name: str) -> str | None:
        return await self.redis.get(self.keys.key(name))

    async def set_json(self, name: str, value: Any, ttl: float | None = None) -> None:
        key, px = self.keys.key(name), check_ttl(ttl)
        await self.redis.set(key, encode_json(value), px=px)

    async def get_json(self, name: str) -> Any:
        key = self.keys.key(name)
        return decode_json(name, await self.redis.get(key))

    async def ttl(self, name: str) -> int:
        """Seconds left (rounded as Redis rounds); -1 without expiry, -2 when missing."""
        return await self.redis.ttl(self.keys.key(name))

    async def delete(self, name: str) -> bool:
        return bool(await self.redis.unlink(self.keys.key(name)))

    async def set_hash(self, name: str, fields: dict[str, Any], ttl: float | None = None) -> None:
        if not fields:
            raise ValueError("set_hash() needs at least one field")
        key, px = self.keys.key(name), check_ttl(ttl)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={k: encode_json(v) for k, v in fields.items()})
            if px:
                pipe.pexpire(key, px)
            await pipe.execute()

    async def get_hash(self, name: str) -> dict[str, Any]:
        raw = await self.redis.hgetall(self.keys.key(name))
        return {field: decode_json(f"{name}.{field}", value) for field, value in sorted(raw.items())}

    async def log(self, name: str, entry: Any, keep: int = 100) -> None:
        """Append to an activity log that keeps only the newest `keep` entries."""
        if keep <= 0:
            raise ValueError(f"keep must be positive, got {keep!r}")
        key = self.keys.key(name)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(key, encode_json(entry))
            pipe.ltrim(key, 0, keep - 1)
            await pipe.execute()

    async def recent(self, name: str, count: int = 10) -> list[Any]:
        """Newest first."""
        raw = await self.redis.lrange(self.keys.key(name), 0, count - 1)
        return [decode_json(name, item) for item in raw]

    async def add_to_set(self, name: str, *members: str) -> int:
        if not members:
            raise ValueError("add_to_set() needs at least one member")
        return await self.redis.sadd(self.keys.key(name), *members)

    async def members(self, name: str) -> list[str]:
        return sorted(await self.redis.smembers(self.keys.key(name)))
