"""Checks a JSON value against the Bot API catalogue (integration_lab/specs/telegram-bot-api.json, vendored)."""

from __future__ import annotations

from integration_lab.specs import bot_api as catalogue  # cached there


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
    spec = catalogue()["types"].get(type_expr)
    if spec is None:
        return [f"{path}: {type_expr} is not in the catalogue"]
    if spec.get("subtypes"):
        attempts = [problems(value, sub, path) for sub in spec["subtypes"]]
        return [] if any(not a for a in attempts) else [f"{path}: matches no subtype of {type_expr}: {attempts}"]
    if not isinstance(value, dict):
        return [f"{path}: expected a {type_expr} object, got {value!r}"]
    fields = {f["name"]: f for f in spec.get("fields", [])}
    found = [f"{path}.{key}: not a field of {type_expr}" for key in value if key not in fields]
    for name, field in fields.items():
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
    return found


def method_returns(method: str) -> str:
    methods = {name.lower(): spec for name, spec in catalogue()["methods"].items()}
    return methods[method.lower()]["returns"][0]
