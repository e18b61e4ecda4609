"""Stripe's form encoding: `metadata[order_id]=42`, `expand[0]=latest_charge` (or `expand[]=…`).

Decodes into nested dicts and lists; an index-keyed dict ({"0": a, "1": b}) becomes a list. Hostile
input never raises anything but Stripe's own 400: bytes that are not UTF-8 are replaced (the names
then fail as unknown parameters), and a key nested deeper than MAX_DEPTH keeps only its first levels.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Any
from urllib.parse import parse_qsl


# Stripe's deepest parameters are a few levels down; Rack (Ruby, Stripe's stack) stops at 32 by default.
# Deeper brackets are dropped: the top-level name is still checked, so `a[a][a]…` is an unknown `a`.
MAX_DEPTH = 32
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_PART = re.compile(r"\[([^\[\]]*)\]")
_INDEX = re.compile(r"^[0-9]{1,9}$")  # ASCII digits only: '²'.isdigit() is True but int('²') fails


def decode(raw: bytes | str) -> dict[str, Any]:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    root: dict[str, Any] = {}
    for name, value in parse_qsl(text, keep_blank_values=True):
        if not name:  # "=x", "&&": no parameter at all (Rack, Stripe's stack, skips them too)
            continue
        match = _KEY.match(name)
        # brackets that do not pair up ("a[", "[]", "x]]") leave the name whole: an unknown parameter
        parts = [match.group(1), *islice((m.group(1) for m in _PART.finditer(match.group(2))), MAX_DEPTH)] \
            if match else [name]
        node = root
        for depth, part in enumerate(parts):
            if part == "":  # `a[]=x` appends
                part = str(len(node))
            if depth == len(parts) - 1:
                node[part] = value
            else:
                if not isinstance(node.get(part), dict):
                    node[part] = {}
                node = node[part]
    return {name: _lists(value) for name, value in root.items()}  # the top level stays a hash: "0=x" is a name


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    node = {k: _lists(v) for k, v in node.items()}  # depth is at most MAX_DEPTH
    if node and all(_INDEX.match(k) for k in node):
        return [node[k] for k in sorted(node, key=int)]
    return node
