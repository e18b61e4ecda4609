"""Every Bot API method the fake answers, by name: the one table the wire (wire.py) and webhook delivery look up.

Each family of methods is a module of handlers that imports what it shares from methods.py and never this
registry, so the families import one way only.
"""

from __future__ import annotations

from typing import Callable

from .methods import MESSAGE_METHODS
from .payment_methods import PAYMENT_METHODS

FAMILIES: tuple[dict[str, Callable], ...] = (MESSAGE_METHODS, PAYMENT_METHODS)

# lower-cased names: Telegram matches method names case-insensitively
METHODS: dict[str, Callable] = {name.lower(): fn for family in FAMILIES for name, fn in family.items()}
