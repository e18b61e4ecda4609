"""Each scenario owns the keys under its prefix, so scenarios can share one real Redis (even in parallel).

Hash tags: on a Redis Cluster a key's slot is computed from its hash tag, the part between the first `{` and
the next `}`, when there is one; keys that a script or a transaction touches together must share it (else the
cluster refuses with CROSSSLOT). `tag(x)` makes one, for a key part: `keys.key("session", tag(user_id))` is
`lab:<scenario>:session:{42}`. The scenario prefix never holds a brace, so the tag is always one of ours.
"""

from __future__ import annotations

import re

_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")


def escape_glob(text: str) -> str:
    """Make text match itself literally in SCAN MATCH."""
    return _GLOB_SPECIAL.sub(r"\\\1", text)


def tag(value: object) -> str:
    """A hash tag for a key part: every key holding the same tag lives in the same cluster slot."""
    text = str(value)
    if not text or "{" in text or "}" in text:
        raise ValueError(f"a hash tag needs a non-empty value without braces, got {value!r}")
    return "{" + text + "}"


class Keyspace:
    def __init__(self, prefix: str):
        if "{" in prefix or "}" in prefix:
            raise ValueError(f"a keyspace prefix holds no brace (it would be every key's hash tag): {prefix!r}")
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
