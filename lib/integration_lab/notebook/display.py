"""How the lab's tables print: whole, so a reader sees every sentence, row and column a scenario shows.

pandas cuts a cell at 50 characters, and a table at 60 rows or 20 columns, with "..."; the lab's tables
hold the sentences a buyer reads ("Your card is authorized for 20.00 USD; you will be charged when ...")
and journeys of a few hundred arrows, so the lab shows them whole. `setup()` applies these, so every
notebook (and its golden output) reads the same way.
"""

from __future__ import annotations

import pandas as pd

OPTIONS = {
    "display.max_colwidth": None,  # never cut a cell
    "display.max_rows": 1000,  # the longest journey's trace is a few hundred rows
    "display.max_columns": None,
    "display.max_seq_items": None,  # a list inside a cell is shown whole too
    "display.width": 120,  # the plain-text form wraps at the project's line length
}


def use_lab_display_options() -> None:
    for name, value in OPTIONS.items():
        pd.set_option(name, value)
