"""Control routes a method family adds under /_lab/ (people sending photos, joining groups, voting, …).

A family module registers its routes with `@route("POST", r"^/_lab/chats/(-?\\d+)/photos$")`; control.py tries
them after its own. A handler takes (fake, people, match, data) and returns the JSON body without "ok" (added
here), raises ValueError (400) or LookupError (404) as People's actions do.
"""

from __future__ import annotations

import re
from typing import Any, Awaitable, Callable

Handler = Callable[..., "dict | Awaitable[dict]"]
ROUTES: list[tuple[str, re.Pattern, Handler]] = []


def route(verb: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES.append((verb, re.compile(pattern), handler))
        return handler
    return register


def find(verb: str, path: str) -> tuple[Handler, re.Match] | None:
    for route_verb, pattern, handler in ROUTES:
        match = pattern.match(path)
        if match and route_verb == verb:
            return handler, match
    return None


def family_state(holder: Any, family: str, factory: Callable[[], Any]) -> Any:
    """A family's state on the fake, a bot or a chat (`extra`), made on first use; reset() forgets it."""
    state = holder.extra.get(family)
    if state is None:
        state = holder.extra[family] = factory()
    return state
