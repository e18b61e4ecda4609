"""Hostile input for the served fakes and `serve app`: seeded generators per endpoint family, the classifiers
that say whether an answer is in the provider's own words, and the runner shared by
`benchmarks/bench_hostile.py` and `tests/test_hostile.py`."""

from .run import ENDPOINTS, Endpoint, Lab, Tally
from .soak import Soak, soak

__all__ = ["ENDPOINTS", "Endpoint", "Lab", "Soak", "Tally", "soak"]
