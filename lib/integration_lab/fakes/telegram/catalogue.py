"""The Bot API the fake answers: the newest vendored catalogue (specs.BOT_API_CURRENT), read once.

`problems` checks a JSON value against a catalogue type (tests and the fake's own result check use it);
`example` builds the smallest well-typed value of a type, for the methods whose state the fake does not keep.
"""

from __future__ import annotations

import json
import re
from functools import cache

from ...specs import current_bot_api

API = current_bot_api()
VERSION = API["version"]
METHODS = {name.lower(): spec for name, spec in API["methods"].items()}  # Telegram matches names in any case
NAMES = {name.lower(): name for name in API["methods"]}
TYPES = API["types"]
_ALWAYS = re.compile(r'always [“"]([^”"]+)[”"]')
# what an example may take for a String the page names the values of: "must be web_app", "can be either "private", …"
_NAMED = re.compile(r'(?:must be ([a-z_]+)\b|can be (?:either )?[“"]([^”"]+)[”"]|currently one of [“"]([^”"]+)[”"])')


def returns(method: str) -> str:
    """The documented return type, e.g. 'Message', 'Array of Update', 'Boolean'."""
    return METHODS[method.lower()]["returns"][0]


def fields(method: str) -> list[dict]:
    return METHODS[method.lower()].get("fields", [])


def problems(value, type_expr: str, path: str = "$") -> list[str]:
    """Everything wrong with `value` as a `type_expr` ('Message', 'Array of Update', 'Integer', …)."""
    if type_expr.startswith("Array of "):
        if not isinstance(value, list):
            return [f"{path}: expected {type_expr}, got {type(value).__name__}"]
        return [p for i, item in enumerate(value) for p in problems(item, type_expr[9:], f"{path}[{i}]")]
    scalar = {"Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "Float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
              "String": lambda v: isinstance(v, str), "Boolean": lambda v: isinstance(v, bool),
              "True": lambda v: v is True}
    if type_expr in scalar:
        return [] if scalar[type_expr](value) else [f"{path}: expected {type_expr}, got {value!r}"]
    spec = TYPES.get(type_expr)
    if spec is None:
        return [f"{path}: {type_expr} is not in the catalogue"]
    if spec.get("subtypes"):
        attempts = [problems(value, sub, path) for sub in spec["subtypes"]]
        return [] if any(not a for a in attempts) else [f"{path}: matches no subtype of {type_expr}: {attempts}"]
    if not isinstance(value, dict):
        return [f"{path}: expected a {type_expr} object, got {value!r}"]
    known = {f["name"]: f for f in spec.get("fields", [])}
    found = [f"{path}.{key}: not a field of {type_expr}" for key in value if key not in known]
    for name, field in known.items():
        if name not in value:
            if field["required"]:
                found.append(f"{path}: {type_expr} lacks required {name}")
            continue
        if value[name] is None:
            found.append(f"{path}.{name}: null (Telegram leaves optional fields out)")
            continue
        options = [problems(value[name], t, f"{path}.{name}") for t in field["types"]]
        if all(options):
            found += min(options, key=len)
        else:
            constant = _ALWAYS.search(field.get("description", ""))
            if constant and value[name] != constant.group(1) and field["types"] == ["String"]:
                found.append(f"{path}.{name}: {value[name]!r} where {type_expr} is always {constant.group(1)!r}")
    return found


def _build(type_expr: str) -> object:
    if type_expr.startswith("Array of "):
        return []
    scalar = {"Integer": 0, "Float": 0.0, "String": "", "Boolean": False, "True": True}
    if type_expr in scalar:
        return scalar[type_expr]
    spec = TYPES[type_expr]
    if spec.get("subtypes"):
        return _build(spec["subtypes"][0])
    value = {}
    for field in spec.get("fields", []):
        if field["required"]:
            constant = _ALWAYS.search(field.get("description", ""))
            named = _NAMED.search(field.get("description", "")) if field["types"] == ["String"] else None
            value[field["name"]] = (constant.group(1) if constant else next(g for g in named.groups() if g) if named
                                    else _build(field["types"][0]))
    return value


@cache
def _example(type_expr: str) -> str:
    return json.dumps(_build(type_expr))


def example(type_expr: str, **values) -> object:
    """The smallest value of `type_expr` the catalogue accepts (required fields only, a subtype's constant
    `type`/`status`), with `values` laid over it: a fresh copy each call."""
    value = json.loads(_example(type_expr))
    if isinstance(value, dict):
        value.update(values)
    return value
