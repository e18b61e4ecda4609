"""Typed reads of decoded form parameters, refusing bad values with Stripe's own error answers."""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import StripeError, invalid

_TRUE, _FALSE = {"true"}, {"false"}
_INTEGER = re.compile(r"^-?[0-9]+$")  # ASCII only: int() would also take '٣' or '²'-like digits
INT64 = 2 ** 63  # Stripe's integers are 64-bit; anything longer is not an integer to it (assumed)
MAX_STRING = 5000  # "Invalid string: Lorem Ipsu...rem Ipsum.; must be at most 5000 characters" (stripy#7)
# Metadata limits and wording: Stripe's docs (50 keys, 40-character keys, 500-character values) and
# stripe-php#246 ("Invalid key: %{key} must be a string under %{limit} characters", "Invalid val: …").
METADATA_KEY, METADATA_VALUE = 40, 500


def _refuse(message: str, code: str | None = None, param: str | None = None) -> StripeError:
    """A parameter that failed validation: nothing ran, so Stripe keeps no idempotent result for it."""
    error = invalid(message, code, param)
    error.validation = True
    return error


def quoted(value: Any) -> str:
    """A non-string value as Stripe (Ruby) quotes it back: ["a", "b"], {"k"=>"v"}."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}=>{quoted(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(quoted(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


class Params:
    def __init__(self, raw: dict[str, Any], allowed: frozenset[str]):
        for name in raw:
            if name not in allowed:
                raise _refuse(f"Received unknown parameter: {name}", "parameter_unknown", name)
        self.raw = raw

    def __contains__(self, name: str) -> bool:
        return name in self.raw

    def str(self, name: str, required: bool = False, choices: tuple[str, ...] | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None:
            if required:
                raise _refuse(f"Missing required param: {name}.", "parameter_missing", name)
            return None
        if not isinstance(value, str):
            raise _refuse(f"Invalid {name}: must be a string", "parameter_invalid_string", name)
        if len(value) > MAX_STRING:
            raise _refuse(f"Invalid string: {value[:10]}...{value[-10:]}; must be at most {MAX_STRING} characters",
                          param=name)
        if choices and value not in choices:
            listed = ", ".join(choices[:-1]) + f", or {choices[-1]}"
            raise _refuse(f"Invalid {name}: must be one of {listed}", param=name)
        return value

    def int(self, name: str, required: bool = False) -> int | None:
        value = self.str(name, required)
        if value is None:
            return None
        if not _INTEGER.match(value) or len(value) > 20 or not -INT64 <= int(value) < INT64:
            raise _refuse(f"Invalid integer: {value}", "parameter_invalid_integer", name)
        return int(value)

    def bool(self, name: str) -> bool:
        value = self.str(name)
        if value is None or value in _FALSE:
            return False
        if value in _TRUE:
            return True
        raise _refuse(f"Invalid boolean: {value}", "parameter_invalid_boolean", name)

    def dict(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name)
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise _refuse("Invalid hash", "parameter_invalid_hash", name)
        return value

    def metadata(self, name: str = "metadata") -> dict[str, str]:
        """A metadata hash: string keys and values within Stripe's limits ("" unsets a key on update)."""
        value = self.dict(name)
        for key, item in value.items():
            if len(key) > METADATA_KEY:
                raise _refuse(f"Invalid key: {key} must be a string under {METADATA_KEY} characters", param=name)
            if not isinstance(item, str) or len(item) > METADATA_VALUE:
                shown = item if isinstance(item, str) else quoted(item)
                raise _refuse(f"Invalid val: {shown} must be a string under {METADATA_VALUE} characters", param=name)
        return value

    def merged_metadata(self, current: dict[str, str]) -> dict[str, str]:
        """An update's metadata: merged into `current`, and "" unsets a key (Stripe's rule)."""
        return {k: v for k, v in {**current, **self.metadata()}.items() if v != ""}

    def strings(self, name: str) -> list[str]:
        """An array of strings (`expand[]`, `payment_method_types[]`, `enabled_events[]`)."""
        items = self.list(name)
        for index, item in enumerate(items):
            if not isinstance(item, str):
                raise _refuse(f"Invalid string: {quoted(item)}", param=f"{name}[{index}]")  # wording unconfirmed
        return items

    def list(self, name: str) -> list[Any]:
        value = self.raw.get(name)
        if value in (None, ""):
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list):
            raise _refuse("Invalid array", param=name)  # no code: stripe-cli#47, stripe-js#202
        return value
