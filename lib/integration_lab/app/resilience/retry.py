"""The wait between retries, for tenacity: exponential backoff with jitter from a seeded generator.

tenacity's own jittered waits draw from the `random` module's shared generator, so two runs would wait
differently; this one draws from its own `random.Random(seed)`, and a `retry_after` the service sent
(Telegram's 429) wins over any backoff.
"""

from __future__ import annotations

import random

from tenacity import RetryCallState
from tenacity.wait import wait_base


class SeededJitter(wait_base):
    """Attempt n waits between half and all of min(cap, base · 2^(n-1)) seconds ("equal jitter"): never
    zero, never in lock-step with every other client that failed at the same moment."""

    def __init__(self, base: float = 1.0, cap: float = 30.0, seed: int = 0,
                 told=lambda error: None):
        self.base, self.cap, self.told = base, cap, told
        self._random = random.Random(seed)  # nosec B311  # jitter, not a secret

    def __call__(self, retry_state: RetryCallState) -> float:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        asked = self.told(error) if error is not None else None
        if asked is not None:
            return float(asked)
        ceiling = min(self.cap, self.base * 2 ** (retry_state.attempt_number - 1))
        return round(ceiling / 2 + self._random.uniform(0, ceiling / 2), 3)
