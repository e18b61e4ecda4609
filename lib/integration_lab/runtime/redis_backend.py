"""Which Redis a scenario talks to: fakeredis in-process by default, a real server when REDIS_URL is set.

Time: fakeredis reads time.time(), which time-machine moves with the lab clock. A real server keeps its
own clock, so on advance() we fast-forward the scenario's keys instead: each TTL shrinks by the same
amount in one Lua call, and a TTL that reaches zero deletes the key, as expiry would. The server's TTLs
also run down in real time, so each fast-forward takes off only what real time has not already: drift
never adds up over a scenario, though between two advances a TTL may run a few ms ahead (scenarios keep
clear of TTL boundaries by a second; rate-limit keys carry a grace). Scripts take the
lab clock's milliseconds as an argument (never the server's TIME), so decisions match in both modes.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import redis.asyncio as aioredis

from .keyspace import Keyspace

FAST_FORWARD = """
local n = 0
for _, key in ipairs(KEYS) do
  local ttl = redis.call('PTTL', key)
  if ttl > 0 then
    redis.call('PEXPIRE', key, ttl - tonumber(ARGV[1]))  -- a non-positive TTL deletes the key
    n = n + 1
  end
end
return n
"""


def _by_slot(keys: list[str]) -> list[list[str]]:
    from .slots import slot

    groups: dict[int, list[str]] = {}
    for key in keys:
        groups.setdefault(slot(key), []).append(key)
    return list(groups.values())


def redacted_url(url: str) -> str:
    """redis://user:secret@host/0 -> redis://user:***@host/0 (URLs reach outputs and logs)."""
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    user = creds.split(":", 1)[0] if ":" in creds else ""
    return f"{scheme}://{user}:***@{host}"


@dataclass
class RedisBackend:
    client: aioredis.Redis
    keys: Keyspace
    mode: str  # "fakeredis", "redis" (one server) or "cluster" (REDIS_CLUSTER=1)
    url: str | None = field(default=None, repr=False)  # may carry a password: describe() shows it redacted
    _fast_forward: object = field(default=None, repr=False)
    _synced_at: float = field(default_factory=time.monotonic, repr=False)  # when real TTLs last matched the lab

    async def scan_keys(self, glob: str = "*") -> list[str]:
        return [k async for k in self.client.scan_iter(match=self.keys.pattern(glob), count=500)]

    async def clean(self) -> int:
        """Delete every key of this scenario: the clean keyspace each scenario starts with."""
        found = await self.scan_keys()
        if found:
            await self.client.unlink(*found)
        return len(found)

    async def fast_forward(self, seconds: float) -> None:
        if self.mode == "fakeredis":
            return  # fakeredis follows time-machine
        now = time.monotonic()
        shift_ms = round((seconds - (now - self._synced_at)) * 1000)  # may be negative: real time ran ahead
        self._synced_at = now
        found = await self.scan_keys()
        if found and shift_ms:
            if self.mode == "cluster":  # a script runs on one slot's keys: one EVAL per slot, in one pipeline
                async with self.client.pipeline(transaction=False) as pipe:
                    for group in _by_slot(found):
                        pipe.execute_command("EVAL", FAST_FORWARD, len(group), *group, shift_ms)
                    await pipe.execute()
                return
            if self._fast_forward is None:
                self._fast_forward = self.client.register_script(FAST_FORWARD)
            await self._fast_forward(keys=found, args=[shift_ms])

    async def close(self) -> None:
        await self.client.aclose()

    def describe(self) -> str:
        if self.mode == "fakeredis":
            return "fakeredis (in-process)"
        return f"{'Redis Cluster' if self.mode == 'cluster' else 'redis-server'} at {redacted_url(self.url)}"


def cluster_mode() -> bool:
    """REDIS_CLUSTER=1: REDIS_URL names one node of a Redis Cluster, and redis-py's cluster client is used."""
    return os.environ.get("REDIS_CLUSTER", "") not in ("", "0")


def _client(url: str):
    if cluster_mode():
        from redis.asyncio.cluster import RedisCluster

        from .cluster_pipeline import keep_order

        return keep_order(RedisCluster.from_url(url, decode_responses=True))
    return aioredis.from_url(url, decode_responses=True)


async def connect(scenario_id: str, url: str | None = None, clean: bool = True) -> RedisBackend:
    """A client for this scenario, its keyspace emptied (unless `clean` is False: another process that
    shares it, a second `serve app`, joins what is there). url defaults to $REDIS_URL, else fakeredis."""
    url = url if url is not None else os.environ.get("REDIS_URL") or None
    keys = Keyspace(f"lab:{scenario_id}")
    if url:
        client = _client(url)
        try:
            await client.ping()
        except Exception as exc:
            await client.aclose()
            raise ConnectionError(f"cannot reach Redis at {redacted_url(url)}: {exc}") from None
        backend = RedisBackend(client, keys, "cluster" if cluster_mode() else "redis", url)
    else:
        import fakeredis

        client = fakeredis.FakeAsyncRedis(server=fakeredis.FakeServer(), decode_responses=True)
        if os.environ.get("LAB_CHECK_SLOTS", "1") != "0":
            from .slots import check_slots

            # refuses CROSSSLOT as a cluster would (runtime/slots.py): every run on fakeredis proves our keys
            # cluster-ready; LAB_CHECK_SLOTS=0 turns it off (to see whether it is what changes a result)
            client = check_slots(client)
        backend = RedisBackend(client, keys, "fakeredis")
    if clean:
        await backend.clean()
    return backend
