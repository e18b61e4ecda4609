"""What a scenario's keyspace holds, read whole: compare two snapshots to prove a request changed nothing."""

from __future__ import annotations

READERS = {
    "string": lambda r, k: r.get(k),
    "hash": lambda r, k: r.hgetall(k),
    "list": lambda r, k: r.lrange(k, 0, -1),
    "set": lambda r, k: r.smembers(k),
    "zset": lambda r, k: r.zrange(k, 0, -1, withscores=True),
}

# A key this close to expiring is left out of a state: the lab clock stands still between two looks, but a
# real redis-server counts a key's last second in real time, and a slow machine can take that long.
EXPIRING_MS = 5_000


async def keyspace_state(lab) -> dict[str, object]:
    """Every key and its whole value (no TTLs, which real time moves; no key in its last seconds, which real
    time removes): compare two to prove nothing changed."""
    state = {}
    for key in sorted(await lab.backend.scan_keys()):
        if 0 <= await lab.redis.pttl(key) < EXPIRING_MS:
            continue
        kind = await lab.redis.type(key)
        state[lab.keys.strip(key)] = await READERS[kind](lab.redis, key) if kind in READERS else kind
    return state
