"""Typed reads of one nested hash (`line_items[0]`, `payment_intent_data`) under its full bracketed names,
so a refusal names the parameter as Stripe does: "Received unknown parameter: line_items[0][foo]",
"Invalid integer: x" with param `line_items[0][quantity]`."""

from __future__ import annotations

from typing import Any

from .params import Params, _refuse


class Nested:
    def __init__(self, raw: Any, allowed: set[str], prefix: str):
        if raw in (None, ""):
            raw = {}
        if not isinstance(raw, dict):
            raise _refuse("Invalid hash", "parameter_invalid_hash", prefix)
        self.prefix = prefix
        self.p = Params({self.name(k): v for k, v in raw.items()}, frozenset(self.name(a) for a in allowed))

    def name(self, key: str) -> str:
        return f"{self.prefix}[{key}]"

    def __contains__(self, key: str) -> bool:
        return self.name(key) in self.p

    def str(self, key: str, required: bool = False, choices: tuple[str, ...] | None = None) -> str | None:
        return self.p.str(self.name(key), required, choices)

    def int(self, key: str, required: bool = False) -> int | None:
        return self.p.int(self.name(key), required)

    def bool(self, key: str) -> bool:
        return self.p.bool(self.name(key))

    def dict(self, key: str) -> dict[str, Any]:
        return self.p.dict(self.name(key))

    def metadata(self, key: str = "metadata") -> dict[str, str]:
        return self.p.metadata(self.name(key))

    def nested(self, key: str, allowed: set[str]) -> "Nested":
        return Nested(self.p.raw.get(self.name(key)), allowed, self.name(key))
