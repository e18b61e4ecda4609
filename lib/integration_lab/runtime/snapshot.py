"""What a scenario's keyspace holds, read whole: compare two snapshots to prove a request changed nothing."""

from __future__ import annotations

READERS = {
    "string": lambda r, k: r.get(k),
    "hash": lambda r, k: r.hgetall(k),
    "list": lambda r, k: r.lrange(k, 0, -1),
    "set": lambda r, k: r.smembers(k),
    "zset": lambda r, k: r.zrange(k, 0, -1, withscores=True),
}

# A key this close to expiring may be gone at the next look: the lab clock stands still between two looks, but a
# real redis-server counts a key's last seconds in real time, and a slow machine can take that long.
EXPIRING_MS = 5_000


class KeyspaceState(dict):
    """Every key and its whole value (no TTLs, which real time moves). Two states are equal when every key
    in both holds the same value and a key in only one was in its last seconds (`expiring`) where it was seen:
    real time, not the request, removed it."""

    def __init__(self, values: dict, expiring: set[str]):
        super().__init__(values)
        self.expiring = expiring

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KeyspaceState):
            return dict.__eq__(self, other)
        only = (self.keys() - other.keys()) - self.expiring, (other.keys() - self.keys()) - other.expiring
        return not any(only) and all(self[k] == other[k] for k in self.keys() & other.keys())

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]


async def keyspace_state(lab) -> KeyspaceState:
    """The scenario's keyspace now, every value read whole."""
    values, expiring = {}, set()
    for key in sorted(await lab.backend.scan_keys()):
        name = lab.keys.strip(key)
        if 0 <= await lab.redis.pttl(key) < EXPIRING_MS:
            expiring.add(name)
        kind = await lab.redis.type(key)
        if kind == "none":  # expired between the scan and this look
            expiring.add(name)
            continue
        values[name] = await READERS[kind](lab.redis, key) if kind in READERS else kind
    return KeyspaceState(values, expiring)
