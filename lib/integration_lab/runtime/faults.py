"""Fault plans: what a fake should get wrong, for which calls, how many times.

A plan is a list of rules checked in order; the first rule that matches a call is used up by it
(`times` counts down; None means until cleared). The fake decides what each kind means on its wire.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Fault:
    kind: str
    method: str = "*"  # a method name (case-insensitive) or "*"
    times: int | None = 1
    options: dict[str, Any] = field(default_factory=dict)

    def matches(self, method: str) -> bool:
        return self.method == "*" or self.method.lower() == method.lower()


class SimulatedTimeout(Exception):
    """A timeout fault: the server never answers. `applied` says whether the call took effect first."""

    def __init__(self, seconds: float, applied: bool):
        super().__init__(f"no answer within {seconds:g}s")
        self.seconds, self.applied = seconds, applied


class FaultPlan:
    def __init__(self, kinds: set[str]):
        self.kinds = kinds
        self.rules: list[Fault] = []

    def add(self, kind: str, method: str = "*", times: int | None = 1, **options: Any) -> Fault:
        if kind not in self.kinds:
            raise ValueError(f"unknown fault {kind!r}; choose one of {', '.join(sorted(self.kinds))}")
        if times is not None and (not isinstance(times, int) or times < 1):
            raise ValueError("times must be a positive integer or None (until cleared)")
        rule = Fault(kind, method, times, options)
        self.rules.append(rule)
        return rule

    def take(self, method: str) -> Fault | None:
        for rule in self.rules:
            if rule.matches(method):
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times == 0:
                        self.rules.remove(rule)
                return rule
        return None

    def clear(self) -> None:
        self.rules.clear()

    def describe(self) -> list[dict[str, Any]]:
        return [asdict(rule) for rule in self.rules]
