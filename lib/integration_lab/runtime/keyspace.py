"""Each scenario owns the keys under its prefix, so scenarios can share one real Redis (even in parallel)."""

from __future__ import annotations

import re

_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")


def escape_glob(text: str) -> str:
    """Make text match itself literally in SCAN MATCH."""
    return _GLOB_SPECIAL.sub(r"\\\1", text)


class Keyspace:
    def __init__(self, prefix: str):
        if not prefix.endswith(":"):
            prefix += ":"
        self.prefix = prefix

    def key(self, *parts: object) -> str:
        if not parts or any(str(p) == "" for p in parts):
            raise ValueError(f"a Redis key needs non-empty parts, got {parts!r}")
        return self.prefix + ":".join(str(p) for p in parts)

    def pattern(self, glob: str = "*") -> str:
        """A SCAN MATCH pattern for `glob` inside this keyspace only."""
        return escape_glob(self.prefix) + glob

    def strip(self, key: str) -> str:
        """The key as a scenario shows it: without the scenario prefix."""
        return key[len(self.prefix):] if key.startswith(self.prefix) else key

    def __repr__(self) -> str:
        return f"Keyspace({self.prefix!r})"
