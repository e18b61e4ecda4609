"""Plots for the scenarios. nbval does not compare images, so every plot sits beside a table it does compare."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.patches import Patch

plt.rcParams.update({"figure.dpi": 80})


def decision_timeline(decisions: pd.DataFrame, title: str, window: float | None = None):
    """One row of dots per algorithm: green allowed, red refused; dotted lines where a window turns."""
    algorithms = list(dict.fromkeys(decisions["algorithm"]))
    fig, ax = plt.subplots(figsize=(9, 1 + 0.7 * len(algorithms)))
    for row, algorithm in enumerate(algorithms):
        mine = decisions[decisions["algorithm"] == algorithm]
        for allowed, colour, label in ((True, "tab:green", "allowed"), (False, "tab:red", "refused")):
            part = mine[mine["allowed"] == allowed]
            ax.scatter(part["t (s)"], [row] * len(part), c=colour, marker="o" if allowed else "x",
                       label=label if row == 0 else None, zorder=3)
    t_min, t_max = decisions["t (s)"].min(), decisions["t (s)"].max()
    pad = max(0.3, 0.05 * (t_max - t_min))  # zoom to the traffic: a one-second burst must stay readable
    ax.set_xlim(t_min - pad, t_max + pad)
    if window:
        first, last = int((t_min - pad) // window) + 1, int((t_max + pad) // window)
        for boundary in range(first, last + 1):
            ax.axvline(boundary * window, color="grey", linestyle=":", linewidth=1)
    ax.set_yticks(range(len(algorithms)), algorithms)
    ax.set_ylim(len(algorithms) - 0.4, -0.6)  # first algorithm on top, as in the tables
    ax.set_xlabel("seconds since start")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    plt.close(fig)  # shown once, by the cell that returns it
    return fig


OUTCOME_COLOURS = {"repaired": "tab:green", "answered without Redis": "yellowgreen", "not reached": "lightgrey", "stranded": "tab:red",
                   "doubled": "darkred", "orphan keys": "tab:orange"}


def crash_strip(sweep: pd.DataFrame, title: str):
    """A crash-point sweep as one strip: a square per cut point, coloured by outcome, labelled by the Redis
    command cut, with the request that met the cut written above its span of commands."""
    fig, ax = plt.subplots(figsize=(max(6.0, 0.32 * len(sweep) + 1.5), 2.9))
    ax.bar(sweep["k"], 1, width=0.9, color=[OUTCOME_COLOURS.get(o, "black") for o in sweep["outcome"]])
    ax.set_xticks(sweep["k"], sweep["cut before"], rotation=90, fontsize=7)
    ax.set_yticks([])
    ax.set_xlim(-0.6, len(sweep) - 0.4)
    start = 0
    for k in range(1, len(sweep) + 1):  # name each run of cut points that the same request met
        if k == len(sweep) or sweep["request"].iloc[k] != sweep["request"].iloc[start]:
            ax.text((start + k - 1) / 2, 1.05, sweep["request"].iloc[start], ha="center", va="bottom", fontsize=7,
                    rotation=20)
            if k < len(sweep):
                ax.axvline(k - 0.5, color="black", linewidth=0.8)
            start = k
    ax.set_ylim(0, 1.6)
    ax.legend(handles=[Patch(color=OUTCOME_COLOURS.get(o, "black"), label=o) for o in dict.fromkeys(sweep["outcome"])],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


LANE_COLOURS = {"buyer": "tab:blue", "Telegram": "tab:cyan", "our bot": "tab:green", "provider": "tab:purple",
                "Redis": "tab:red"}


def sequence_lanes(arrows: pd.DataFrame, title: str, actors=("buyer", "Telegram", "our bot", "provider", "Redis")):
    """A sequence picture: one lane per actor, one arrow per message in time order (top to bottom), the
    lab-clock second of each at the left. `arrows` has the columns t (s), from, to, message."""
    lanes = {actor: i for i, actor in enumerate(actors)}
    height = max(2.5, 0.32 * len(arrows) + 1.2)
    fig, ax = plt.subplots(figsize=(10, height))
    for actor, x in lanes.items():
        ax.axvline(x, color=LANE_COLOURS.get(actor, "grey"), linewidth=1.2, alpha=0.6, zorder=1)
        ax.text(x, -0.9, actor, ha="center", va="bottom", fontsize=9, fontweight="bold",
                color=LANE_COLOURS.get(actor, "black"))
    for y, (t, sender, receiver, message) in enumerate(arrows[["t (s)", "from", "to", "message"]].itertuples(index=False)):
        x0, x1 = lanes[sender], lanes[receiver]
        colour = LANE_COLOURS.get(sender, "black")
        failed = any(word in message for word in ("failed", "error", "refused", "cancelled", "429", "403", "cut"))
        ax.annotate("", xy=(x1, y), xytext=(x0, y), zorder=2,
                    arrowprops={"arrowstyle": "->", "color": "tab:red" if failed else colour, "linewidth": 1.1})
        ax.text((x0 + x1) / 2, y - 0.12, message if len(message) <= 48 else message[:47] + "…", ha="center",
                va="bottom", fontsize=6.5, color="tab:red" if failed else "black")
        ax.text(-0.55, y, f"{t:g} s", ha="right", va="center", fontsize=6.5, color="grey")
    ax.set_xlim(-1.0, len(actors) - 0.5)
    ax.set_ylim(len(arrows) - 0.3, -1.2)  # first message on top
    ax.axis("off")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    plt.close(fig)
    return fig


BREAKER_COLOURS = {"closed": "tab:green", "half_open": "gold", "open": "tab:red"}


def breaker_timeline(seconds: pd.DataFrame, changes: pd.DataFrame, title: str):
    """Two lanes over lab seconds: the breaker's state on top (half-open moments marked, since a probe
    starts and ends inside one second), calls on the wire and messages sent per second below. A run without a
    breaker has an empty top lane. The tables beside it are `seconds` and `changes` themselves."""
    fig, (lane, ax) = plt.subplots(2, 1, figsize=(9, 3.2), sharex=True, gridspec_kw={"height_ratios": [1, 4]})
    end = int(seconds["second"].max()) + 1 if len(seconds) else 1
    marks = list(changes.itertuples(index=False))
    for i, change in enumerate(marks):
        until = marks[i + 1].second if i + 1 < len(marks) else end
        if change.state == "half_open":
            lane.scatter([change.second], [0.5], marker="v", s=80, color=BREAKER_COLOURS["half_open"],
                         edgecolors="black", zorder=3)
        elif until > change.second:
            lane.axvspan(change.second, until, color=BREAKER_COLOURS.get(change.state, "grey"))
    lane.set_yticks([])
    lane.set_ylim(0, 1)
    lane.set_ylabel("breaker", rotation=0, ha="right", va="center")
    ax.bar(seconds["second"], seconds["calls"], width=0.9, color="tab:blue", label="calls to Telegram")
    ax.bar(seconds["second"], seconds["sent"], width=0.5, color="black", label="messages sent")
    handles, _ = ax.get_legend_handles_labels()
    if marks:
        handles += [Patch(color=colour, label=f"breaker {state}") for state, colour in BREAKER_COLOURS.items()]
    ax.set_xlim(-1, end + 1)
    ax.set_xlabel("lab seconds since the weather began")
    ax.set_ylabel("per second")
    lane.set_title(title)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.25))
    fig.tight_layout()
    plt.close(fig)
    return fig


def worker_timeline(run, title: str):
    """A bulkhead run (scenarios.bulkheads): which worker was busy with what, over lab time, and the updates
    left waiting for a worker. Its tables are the run's timeline and per-worker counts."""
    colours = {"pay": "tab:red", "browse": "tab:green"}
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.5 * run.workers))
    for j in run.jobs:
        if j.worker is None:
            continue
        end = run.until if j.answered is None else j.answered
        colour = "tab:orange" if j.outcome == "try_again" else colours[j.wants]
        ax.broken_barh([(j.started, max(end - j.started, 0.35))], (j.worker - 0.35, 0.7), color=colour,
                       edgecolor="black", linewidth=0.5)
    waiting = [j for j in run.jobs if j.started is None or j.started > j.arrived]
    ax.scatter([j.arrived for j in waiting], [-0.8] * len(waiting), marker="v", color="grey",
               label="an update waiting for a worker")
    ax.axvline(run.stripe_back_at, color="grey", linestyle=":", linewidth=1)
    ax.set_yticks([-0.8] + list(range(1, run.workers + 1)),
                  ["queue"] + [f"worker {w}" for w in range(1, run.workers + 1)])
    ax.set_ylim(run.workers + 0.6, -1.4)
    ax.set_xlim(-0.5, run.until + 0.5)
    ax.set_xlabel("lab seconds (dotted: Stripe answers again)")
    ax.set_title(title)
    ax.legend(handles=[Patch(color="tab:red", label="paying (Stripe)"), Patch(color="tab:green", label="browsing"),
                       Patch(color="tab:orange", label="told: try again")] + ax.get_legend_handles_labels()[0],
              loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    plt.close(fig)
    return fig


STATUS_COLOURS = {"creator": "tab:purple", "administrator": "tab:blue", "member": "tab:green",
                  "restricted": "tab:orange", "left": "lightgrey", "kicked": "tab:red"}


def membership_lanes(changes: pd.DataFrame, title: str):
    """One lane per person: the status each had from each change, coloured by status (scenarios.telegram_groups:
    GroupWorld.status_changes; its last row, with no one, marks the end)."""
    end = changes["t"].iloc[-1]
    changes = changes.iloc[:-1]
    people = list(dict.fromkeys(changes["who"]))
    fig, ax = plt.subplots(figsize=(9, 0.6 + 0.5 * max(len(people), 1)))
    for lane, who in enumerate(people):
        mine = changes[changes["who"] == who].reset_index(drop=True)
        for i, row in mine.iterrows():
            until = mine["t"][i + 1] if i + 1 < len(mine) else end
            ax.barh(lane, until - row["t"], left=row["t"], color=STATUS_COLOURS[row["status"]], height=0.5)
    ax.set_yticks(range(len(people)), people)
    ax.set_ylim(len(people) - 0.5, -0.5)
    ax.set_xlabel("lab seconds")
    ax.set_title(title)
    shown = [s for s in STATUS_COLOURS if s in set(changes["status"])]
    ax.legend(handles=[Patch(color=STATUS_COLOURS[s]) for s in shown], labels=shown,
              loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    plt.close(fig)  # shown once, by the cell that returns it
    return fig
