"""`integration_lab.setup()`, the one call a notebook starts with: a lab (runtime.lab.setup: clock, ids, a clean
Redis keyspace) whose tables print whole (display.py). Presentation is chosen here, above the runtime."""

from __future__ import annotations

from functools import wraps

from ..runtime import lab as runtime_lab
from .display import use_lab_display_options


@wraps(runtime_lab.setup)
async def setup(*args, **kwargs) -> runtime_lab.Lab:
    use_lab_display_options()  # tables print whole: every buyer-facing sentence, row and column
    return await runtime_lab.setup(*args, **kwargs)
