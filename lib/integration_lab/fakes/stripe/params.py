"""Typed reads of decoded form parameters, refusing bad values with Stripe's own error answers."""

from __future__ import annotations

from typing import Any

from .errors import invalid

_TRUE, _FALSE = {"true"}, {"false"}


class Params:
    def __init__(self, raw: dict[str, Any], allowed: frozenset[str]):
        for name in raw:
            if name not in allowed:
                raise invalid(f"Received unknown parameter: {name}", "parameter_unknown", name)
        self.raw = raw

    def __contains__(self, name: str) -> bool:
        return name in self.raw

    def str(self, name: str, required: bool = False, choices: tuple[str, ...] | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None:
            if required:
                raise invalid(f"Missing required param: {name}.", "parameter_missing", name)
            return None
        if not isinstance(value, str):
            raise invalid(f"Invalid {name}: must be a string", "parameter_invalid_string", name)
        if choices and value not in choices:
            listed = ", ".join(choices[:-1]) + f", or {choices[-1]}"
            raise invalid(f"Invalid {name}: must be one of {listed}", param=name)
        return value

    def int(self, name: str, required: bool = False) -> int | None:
        value = self.str(name, required)
        if value is None:
            return None
        if not value.lstrip("-").isdigit():
            raise invalid(f"Invalid integer: {value}", "parameter_invalid_integer", name)
        return int(value)

    def bool(self, name: str) -> bool:
        value = self.str(name)
        if value is None or value in _FALSE:
            return False
        if value in _TRUE:
            return True
        raise invalid(f"Invalid boolean: {value}", "parameter_invalid_boolean", name)

    def dict(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name)
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise invalid("Invalid hash", "parameter_invalid_hash", name)
        return value

    def list(self, name: str) -> list[Any]:
        value = self.raw.get(name)
        if value in (None, ""):
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            raise invalid("Invalid array", "parameter_invalid_array", name)
        return value
