"""What a scenario's keyspace holds, as a table: key, type, TTL, value (runtime/snapshot.py reads it whole)."""

from __future__ import annotations

import pandas as pd

from ..runtime.snapshot import READERS


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
        value = await READERS[kind](lab.redis, key) if kind in READERS else f"<{kind}>"
        rows.append({"key": lab.keys.strip(key), "type": kind, "ttl (s)": await lab.redis.ttl(key), "value": _show(value)})
    return pd.DataFrame(rows, columns=["key", "type", "ttl (s)", "value"])
