"""What our side does when an outside service misbehaves: retries (tenacity), circuit breakers, bulkheads.

Each pattern runs on the lab clock it is given, so a notebook's storm, its half-open probes and its
recovery print the same thing on every run and on both Redis modes.
"""

from .breaker import CircuitBreaker, CircuitOpen
from .bulkhead import Bulkhead, BulkheadFull
from .retry import SeededJitter

__all__ = ["Bulkhead", "BulkheadFull", "CircuitBreaker", "CircuitOpen", "SeededJitter"]
