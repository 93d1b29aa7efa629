"""The report's figures: PNGs drawn with matplotlib (no display needed), each with its alt text."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from .gradebook import NO_SUBMISSION
from .stats import EASY, HARD, LOW_DISCRIMINATION


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110)
    FigureCanvasAgg(fig)  # draws without a display; no global pyplot state
    return fig


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def plot_score_distribution(table: pd.DataFrame, title: str) -> tuple[bytes, str]:
    """A histogram of the submitted students' total scores (percent of max); PNG bytes and alt text."""
    percents = table.loc[table["status"] != NO_SUBMISSION, "percent"].dropna().to_numpy(dtype=float)
    fig = _figure(7.5, 4.2)
    ax = fig.add_subplot()
    bins = np.arange(0, 101, 10)
    counts, _, bars = ax.hist(np.clip(percents, 0, 100), bins=bins, facecolor="#d9d9d9", edgecolor="black",
                              hatch="//", linewidth=1)
    for count, bar in zip(counts, bars):
        if count:
            ax.annotate(f"{int(count)}", (bar.get_x() + bar.get_width() / 2, count), ha="center", va="bottom",
                        xytext=(0, 2), textcoords="offset points", fontsize=10)
    n = len(percents)
    summary = "no submissions"
    if n:
        mean, median = float(percents.mean()), float(np.median(percents))
        ax.axvline(mean, color="black", linestyle="--", linewidth=1.6, label=f"mean {mean:.0f}%")
        ax.axvline(median, color="black", linestyle=":", linewidth=2.2, label=f"median {median:.0f}%")
        ax.legend(loc="upper left", frameon=True)
        summary = f"mean {mean:.0f}%, median {median:.0f}%"
    ax.set_xlim(0, 100)
    ax.set_xticks(bins)
    ax.set_ylim(0, max(1, counts.max() if len(counts) else 1) * 1.2)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel("Total score (% of maximum points)")
    ax.set_ylabel("Students")
    ax.set_title(f"{title}: score distribution ({n} submission{'s' if n != 1 else ''})")
    ax.grid(axis="y", linestyle=":", linewidth=0.6)
    alt = (f"Histogram of total scores in percent of the maximum for {n} submissions, in bins of 10 points; "
           f"{summary}. Students per bin: "
           + ", ".join(f"{int(lo)}-{int(lo) + 10}%: {int(c)}" for lo, c in zip(bins[:-1], counts) if c) + ".")
    return _png(fig), alt


_HATCH = {"too easy": "..", "too hard": "xx", "": ""}


def plot_item_difficulty(items: pd.DataFrame, title: str) -> tuple[bytes, str]:
    """Per item: difficulty bars (left) and discrimination bars with the upper-lower index (right);
    flags are shown by hatching and written next to the bars. PNG bytes and alt text."""
    labels = list(items["item"])
    y = np.arange(len(labels))
    fig = _figure(10.5, 1.9 + 0.55 * max(1, len(labels)))
    left, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1.2, 1]})
    for i, row in enumerate(items.itertuples()):
        p = row.difficulty
        level = "too easy" if "too easy" in row.flags else "too hard" if "too hard" in row.flags else ""
        if not pd.isna(p):
            left.barh(i, p, height=0.6, facecolor="white" if level else "#bdbdbd", edgecolor="black",
                      hatch=_HATCH[level])
        text = "p n/a" if pd.isna(p) else f"p = {p:.2f}" + (f" ({level})" if level else "")
        if row.n_pending and row.n_scored:
            text += f", {row.n_scored} of {row.n_scored + row.n_pending} scored"
        elif row.n_pending:
            text += ", awaiting manual grading"
        left.annotate(text, (0 if pd.isna(p) else p, i), xytext=(4, 0), textcoords="offset points",
                      va="center", fontsize=9)
        r, d = row.discrimination, row.upper_lower
        low = "discrimination" in row.flags
        if not pd.isna(r):
            right.barh(i, r, height=0.6, facecolor="white" if low else "#bdbdbd", edgecolor="black",
                       hatch="\\\\" if low else "")
        if not pd.isna(d):
            right.plot([d], [i], marker="D", color="black", markersize=6, linestyle="none")
        text = ("r n/a" if pd.isna(r) else f"r = {r:.2f}") + ("" if pd.isna(d) else f", D = {d:.2f}")
        text += " (negative)" if "negative" in row.flags else " (low)" if low else ""
        right.annotate(text, (1, i), xycoords=("axes fraction", "data"), xytext=(8, 0),
                       textcoords="offset points", va="center", fontsize=9, annotation_clip=False)
    for x, name in ((HARD, "too hard"), (EASY, "too easy")):
        left.axvline(x, color="black", linestyle="--", linewidth=1)
        left.annotate(f"{name}\n{'<' if x == HARD else '>'} {x}", (x, 1), xycoords=("data", "axes fraction"),
                      xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", fontsize=8)
    left.set_xlim(0, 1.55)
    left.set_xticks([0, 0.25, 0.5, 0.75, 1])
    left.set_xlabel("difficulty p = mean score / points")
    left.set_yticks(y, labels)
    left.invert_yaxis()
    left.set_title("Difficulty (hatched: flagged)", pad=26)
    right.axvline(0, color="black", linewidth=1)
    right.axvline(LOW_DISCRIMINATION, color="black", linestyle="--", linewidth=1)
    right.annotate(f"low\n< {LOW_DISCRIMINATION}", (LOW_DISCRIMINATION, 1), xycoords=("data", "axes fraction"),
                   xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", fontsize=8)
    right.set_xlim(-1, 1.08)
    right.set_xticks([-1, -0.5, 0, 0.5, 1])
    right.set_xlabel("bars: item-rest correlation r;  \u25c6: upper-lower index D")
    right.set_title("Discrimination (hatched: low)", pad=26)
    for ax in (left, right):
        ax.grid(axis="x", linestyle=":", linewidth=0.6)
    fig.suptitle(f"{title}: item difficulty and discrimination", y=1.0 + 0.25 / fig.get_figheight())
    fig.subplots_adjust(wspace=0.06)
    parts = []
    for row in items.itertuples():
        p = "difficulty n/a" if pd.isna(row.difficulty) else f"difficulty {row.difficulty:.2f}"
        r = "discrimination n/a" if pd.isna(row.discrimination) else f"discrimination {row.discrimination:.2f}"
        parts.append(f"{row.item}: {p}, {r}" + (f" ({row.flags})" if row.flags else ""))
    alt = "Bar charts of item difficulty and discrimination. " + "; ".join(parts) + "."
    return _png(fig), alt
