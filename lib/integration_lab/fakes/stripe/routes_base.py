"""What a route is: the core table (routes.py) and each family module (products, …) build them alike."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

PAGE = {"limit", "starting_after", "ending_before", "expand"}
Operation = Callable[[Any, dict[str, str], Any, Any], dict[str, Any]]  # (fake, path ids, Params, Call) -> answer


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    name: str  # what a fault rule names, e.g. "payment_intents.confirm"
    allowed: frozenset[str]
    run: Operation
    returns: tuple[str, bool]  # the resource it answers with, and whether as a list: where `expand[]` starts


def route(method: str, path: str, name: str, allowed: set[str], run: Operation, returns: tuple[str, bool]) -> Route:
    """`{name}` segments of the path arrive in the operation's `ids`."""
    pattern = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "/?$")
    return Route(method, pattern, name, frozenset(allowed), run, returns)
