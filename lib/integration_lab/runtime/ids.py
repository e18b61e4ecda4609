"""Seeded id factories: the same seed gives the same ids in every run, so outputs stay golden."""

from __future__ import annotations

import random
import string
from collections import defaultdict

_ALNUM = string.ascii_letters + string.digits


class IdFactory:
    def __init__(self, seed: int):
        self._random = random.Random(seed)  # nosec B311  # seeded on purpose: ids must repeat run to run
        self._counters: defaultdict[str, int] = defaultdict(int)

    def sequence(self, name: str) -> int:
        """1, 2, 3, ... per name."""
        self._counters[name] += 1
        return self._counters[name]

    def token(self, prefix: str = "", length: int = 24) -> str:
        """Stripe-style ids: 'pi_' + 24 alphanumerics."""
        return prefix + "".join(self._random.choice(_ALNUM) for _ in range(length))

    def hex(self, length: int = 24) -> str:
        """Payme-style 24-hex transaction ids."""
        return "".join(self._random.choice("0123456789abcdef") for _ in range(length))

    def integer(self, low: int, high: int) -> int:
        """Telegram and Click integer ids."""
        return self._random.randint(low, high)
