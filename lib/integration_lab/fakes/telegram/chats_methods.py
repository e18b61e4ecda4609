"""(Family stub: filled by the issue-22 work on this family.)"""

from __future__ import annotations

from typing import Callable

METHODS: dict[str, Callable] = {}
