"""Plots for the scenarios. nbval does not compare images, so every plot sits beside a table it does compare."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

plt.rcParams.update({"figure.dpi": 80, "svg.hashsalt": "integration-lab"})


def decision_timeline(decisions: pd.DataFrame, title: str, window: float | None = None):
    """One row of dots per algorithm: green allowed, red refused; dotted lines at window boundaries."""
    algorithms = list(dict.fromkeys(decisions["algorithm"]))
    fig, ax = plt.subplots(figsize=(9, 1 + 0.7 * len(algorithms)))
    for row, algorithm in enumerate(algorithms):
        mine = decisions[decisions["algorithm"] == algorithm]
        for allowed, colour, label in ((True, "tab:green", "allowed"), (False, "tab:red", "refused")):
            part = mine[mine["allowed"] == allowed]
            ax.scatter(part["t (s)"], [row] * len(part), c=colour, marker="o" if allowed else "x",
                       label=label if row == 0 else None, zorder=3)
    if window:
        t_max = decisions["t (s)"].max()
        for boundary in range(0, int(t_max // window) + 2):
            ax.axvline(boundary * window, color="grey", linestyle=":", linewidth=1)
    ax.set_yticks(range(len(algorithms)), algorithms)
    ax.set_ylim(-0.6, len(algorithms) - 0.4)
    ax.set_xlabel("seconds since start")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    plt.close(fig)  # shown once, by the cell that returns it
    return fig
