"""A matplotlib Figure a notebook shows as a PNG, drawn without pyplot.

The kernel fork server preloads the scenario modules and refuses pyplot (its backend would be chosen before
the fork), so scenarios draw on a bare `Figure`; a bare Figure has no display formatter until something
imports pyplot, and a notebook would save only "<Figure size …>". Returned from a cell, `Picture(fig)` is
saved as an image (the same bytes every run: no timestamps in matplotlib's PNG), beside the table nbval
compares.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure


class Picture:
    def __init__(self, figure: Figure):
        self.figure = figure

    def _repr_png_(self) -> bytes:
        out = io.BytesIO()
        self.figure.savefig(out, format="png", dpi=80)
        return out.getvalue()

    def __repr__(self) -> str:
        titles = [ax.get_title() for ax in self.figure.axes if ax.get_title()]
        return f"<picture: {titles[0] if titles else 'untitled'}>"
