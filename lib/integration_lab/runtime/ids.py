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
        """Stripe-style ids: 'pi_' + 24 alphanumerics.

        The characters `random.choice(_ALNUM)` would draw, drawn as it does (6 random bits, again while they
        are 62 or more) without its per-call overhead: a rate-limit decision draws one of these."""
        bits, drawn = self._random.getrandbits, []
        for _ in range(length):
            i = bits(6)
            while i >= 62:
                i = bits(6)
            drawn.append(_ALNUM[i])
        return prefix + "".join(drawn)

    def hex(self, length: int = 24) -> str:
        """Payme-style 24-hex transaction ids."""
        return "".join(self._random.choice("0123456789abcdef") for _ in range(length))

    def integer(self, low: int, high: int) -> int:
        """Telegram and Click integer ids."""
        return self._random.randint(low, high)
