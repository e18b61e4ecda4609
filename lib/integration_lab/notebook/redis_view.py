"""What a scenario's keyspace holds, as a table: key, type, TTL, value."""

from __future__ import annotations

import pandas as pd

_READERS = {
    "string": lambda r, k: r.get(k),
    "hash": lambda r, k: r.hgetall(k),
    "list": lambda r, k: r.lrange(k, 0, -1),
    "set": lambda r, k: r.smembers(k),
    "zset": lambda r, k: r.zrange(k, 0, -1, withscores=True),
}


def _show(value, width: int = 60) -> str:
    if isinstance(value, dict):
        value = {k: value[k] for k in sorted(value)}
    elif isinstance(value, set):
        value = sorted(value)
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


async def keyspace_table(lab, glob: str = "*") -> pd.DataFrame:
    """Every key of this scenario (prefix stripped), sorted, with its type, TTL in seconds and value."""
    rows = []
    for key in sorted(await lab.backend.scan_keys(glob)):
        kind = await lab.redis.type(key)
        value = await _READERS[kind](lab.redis, key) if kind in _READERS else f"<{kind}>"
        rows.append({"key": lab.keys.strip(key), "type": kind, "ttl (s)": await lab.redis.ttl(key), "value": _show(value)})
    return pd.DataFrame(rows, columns=["key", "type", "ttl (s)", "value"])


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
        state[lab.keys.strip(key)] = await _READERS[kind](lab.redis, key) if kind in _READERS else kind
    return state
