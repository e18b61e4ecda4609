"""Pictures of a load run: handling times as histograms, and journeys finished over wall time. Both are
timings, different on every run, so their cells are not compared; the tables beside them say the same."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from ..load.engine import LoadRun
from ..load.report import STEPS


def latency_histograms(run: LoadRun):
    """One panel per step (update, provider callback, delivery): how many took how many milliseconds."""
    fig, axes = plt.subplots(1, len(STEPS), figsize=(12, 3))
    for ax, step in zip(axes, STEPS):
        kinds = sorted(k for s, k in run.timings.kinds if s == step)
        samples = [[t * 1000 for t in run.timings.kinds[(step, k)]] for k in kinds]
        if samples:
            ax.hist(samples, bins=30, stacked=True, label=kinds)
            ax.legend(fontsize=7)
        ax.set_title(step)
        ax.set_xlabel("our handling time (ms)")
    axes[0].set_ylabel("count")
    fig.tight_layout()
    plt.close(fig)  # shown once, by the cell that returns it
    return fig


def throughput_over_time(ticks: pd.DataFrame):
    """Journeys finished against wall seconds, and the lab second each tick stood for."""
    fig, ax = plt.subplots(figsize=(9, 3))
    ax.plot(ticks["wall s"], ticks["journeys done"], drawstyle="steps-post")
    ax.set_xlabel("wall seconds since the first buyer arrived")
    ax.set_ylabel("journeys finished")
    lab = ax.twinx()
    lab.plot(ticks["wall s"], ticks["lab s"], color="tab:grey", linestyle=":")
    lab.set_ylabel("lab second", color="tab:grey")
    fig.tight_layout()
    plt.close(fig)
    return fig
