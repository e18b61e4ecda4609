"""Every Bot API method the fake answers, by name: the one table the wire (wire.py) and webhook delivery look up.

Each family of methods is a module of handlers that imports what it shares from methods.py and never this
registry, so the families import one way only. A catalogue method no family handles gets generic.py's answer:
its common parameters checked, a well-typed result, never "method not found".
"""

from __future__ import annotations

from typing import Callable

from . import catalogue
from .chats_methods import METHODS as CHAT_METHODS
from .generic import answer_from_catalogue
from .inline_methods import METHODS as INLINE_METHODS
from .interactive_methods import METHODS as INTERACTIVE_METHODS
from .media_methods import METHODS as MEDIA_METHODS
from .methods import MESSAGE_METHODS
from .other_methods import METHODS as OTHER_METHODS
from .payment_methods import PAYMENT_METHODS
from .profile_methods import METHODS as PROFILE_METHODS

FAMILIES: tuple[dict[str, Callable], ...] = (MESSAGE_METHODS, PAYMENT_METHODS, MEDIA_METHODS, PROFILE_METHODS,
                                             CHAT_METHODS, INTERACTIVE_METHODS, INLINE_METHODS, OTHER_METHODS)

# lower-cased names: Telegram matches method names case-insensitively
HANDLED: dict[str, Callable] = {name.lower(): fn for family in FAMILIES for name, fn in family.items()}
METHODS: dict[str, Callable] = {name: HANDLED.get(name) or answer_from_catalogue(catalogue.NAMES[name])
                                for name in catalogue.METHODS}
METHODS.update(HANDLED)
