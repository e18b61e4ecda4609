"""`expand[]`: checked against each resource's expandable fields before the request runs (so a refused
expansion changes nothing), then applied to the answer.

The fields are those Stripe's API reference marks expandable for these resources; the ones this fake
never fills (application, review, …) expand to null, as an empty reference does on Stripe.
"""

from __future__ import annotations

import copy
from typing import Any

from .errors import invalid

# resource -> expandable field -> the resource it expands into (None: never set by this fake)
EXPANDABLE: dict[str, dict[str, str | None]] = {
    "payment_intent": {"customer": "customer", "latest_charge": "charge", "payment_method": "payment_method",
                       "application": None, "on_behalf_of": None, "review": None},
    "charge": {"customer": "customer", "payment_intent": "payment_intent", "application": None,
               "application_fee": None, "balance_transaction": None, "failure_balance_transaction": None,
               "on_behalf_of": None, "review": None, "source_transfer": None, "transfer": None},
    "refund": {"charge": "charge", "payment_intent": "payment_intent", "balance_transaction": None,
               "failure_balance_transaction": None, "source_transfer_reversal": None, "transfer_reversal": None},
    "customer": {"default_source": None, "invoice_settings.default_payment_method": "payment_method",
                 "test_clock": None},
    "payment_method": {"customer": "customer"},
    "event": {},
    "webhook_endpoint": {},
}
MAX_DEPTH = 4  # "Expansions have a maximum depth of four levels" (Stripe's API reference, Expanding Responses)


def _refused(segment: str):
    return invalid(f"This property cannot be expanded ({segment}).", param="expand")


def check(paths: list[str], kind: str, is_list: bool) -> None:
    """Refuse, before anything runs, a path that does not name expandable fields of `kind`."""
    for path in paths:
        parts = path.split(".")
        if is_list:
            if parts[0] != "data":
                raise _refused(parts[0])
            parts = parts[1:]
        current: str | None = kind
        depth = 0
        while parts:
            fields = EXPANDABLE.get(current or "", {})
            for size in range(len(parts), 0, -1):  # the longest dotted field first
                name = ".".join(parts[:size])
                if name in fields:
                    break
            else:
                raise _refused(parts[0])
            depth += 1
            if depth > MAX_DEPTH:
                raise _refused(name)  # wording for over-deep paths unconfirmed
            current, parts = fields[name], parts[size:]
            if parts and current is None:
                raise _refused(parts[0])


def apply(objects: dict[str, dict[str, Any]], obj: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """`obj` with each checked path's ids replaced by the objects (an id no longer kept stays); a copy when
    anything is expanded, so the stored objects are never changed."""
    if not paths:
        return obj
    obj = copy.deepcopy(obj)
    for path in paths:
        _expand(objects, obj, path.split("."))
    return obj


def _expand(objects: dict[str, dict[str, Any]], node: Any, parts: list[str]) -> None:
    if not parts or not isinstance(node, dict):
        return
    if node.get("object") == "list" and parts[0] == "data":
        for item in node["data"]:
            _expand(objects, item, parts[1:])
        return
    for size in range(len(parts), 0, -1):
        head, rest = parts[:size], parts[size:]
        parent = node
        for name in head[:-1]:
            parent = parent.get(name) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and head[-1] in parent:
            value = parent[head[-1]]
            if isinstance(value, str) and value in objects:
                parent[head[-1]] = value = copy.deepcopy(objects[value])
            _expand(objects, value, rest)
            return
