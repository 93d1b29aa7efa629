"""The report's figures: PNGs drawn with matplotlib (no display needed), each with its alt text."""

from __future__ import annotations

import io
import math

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


#: At most this many questions get a panel in the option figure; options.csv has them all.
MAX_OPTION_PANELS = 12
#: The three bars of each option: (label, face colour, hatch). Told apart by shade and hatching, not colour.
_GROUPS = (("all who answered", "#bdbdbd", ""), ("upper 27%", "white", "//"), ("lower 27%", "#636363", ".."))


def _question_name(item: str, question: str) -> str:
    return f"{item} {question}" if question else item


def plot_options(option_table: pd.DataFrame, title: str) -> tuple[bytes, str]:
    """The distractor analysis as small panels, one per choice, triage-verdict or disclosure question
    (triage reasons are left to options.csv): per option, grouped horizontal bars of the share of all
    students who answered, of the upper and of the lower group; key options are labelled "(key)".

    At most :data:`MAX_OPTION_PANELS` panels, questions with a flagged option first; the alt text says
    which were left out. PNG bytes and alt text.
    """
    from matplotlib.patches import Patch

    table = option_table[~option_table["question"].str.endswith(":reason") & (option_table["n"] > 0)]
    questions = list(dict.fromkeys(zip(table["item"], table["question"])))
    reasons = option_table.loc[option_table["question"].str.endswith(":reason"), "question"].nunique()
    unanswered = list(dict.fromkeys(_question_name(i, q) for i, q, n in
                                    zip(option_table["item"], option_table["question"], option_table["n"])
                                    if n == 0 and not q.endswith(":reason")))
    if not questions:
        fig = _figure(6, 1.6)
        ax = fig.add_subplot()
        ax.axis("off")
        ax.text(0.5, 0.5, f"{title}: no answers to choice, triage or disclosure questions to show",
                ha="center", va="center", fontsize=11, wrap=True)
        alt = f"{title}: no option analysis to show (no answers to choice, triage or disclosure questions)."
        return _png(fig), alt
    flagged = {(r.item, r.question) for r in table.itertuples() if r.flags}
    chosen = sorted(questions, key=lambda q: q not in flagged)[:MAX_OPTION_PANELS]
    shown = [q for q in questions if q in chosen]  # back in table order
    left_out = [q for q in questions if q not in chosen]
    columns = min(3, len(shown))
    rows = math.ceil(len(shown) / columns)
    most = max(int(((table["item"] == i) & (table["question"] == q)).sum()) for i, q in shown)
    fig = _figure(4.2 * columns, 0.9 + rows * (0.9 + 0.42 * most))
    axes = fig.subplots(rows, columns, squeeze=False)
    parts = []
    for ax, (item, question) in zip(axes.flat, shown):
        rows_q = table[(table["item"] == item) & (table["question"] == question)]
        y = np.arange(len(rows_q))
        for k, (name, face, hatch) in enumerate(_GROUPS):
            values = rows_q[["chosen", "upper", "lower"][k]].fillna(0).to_numpy(dtype=float)
            ax.barh(y + (k - 1) * 0.27, values, height=0.26, facecolor=face, edgecolor="black", hatch=hatch,
                    linewidth=0.8)
        for i, share in enumerate(rows_q["chosen"]):
            ax.annotate(f"{100 * share:.0f}%", (share, i - 0.27), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize=8)
        labels = [f"{o} (key)" if key else o for o, key in zip(rows_q["option"], rows_q["key"])]
        labels = [f"{label} !" if flags else label for label, flags in zip(labels, rows_q["flags"])]
        ax.set_yticks(y, labels, fontsize=8)
        ax.set_ylim(most - 0.5, -0.5)  # the same bar thickness in every panel, first option on top
        ax.set_xlim(0, 1.15)
        ax.set_xticks([0, 0.5, 1], ["0", "50%", "100%"], fontsize=8)
        ax.grid(axis="x", linestyle=":", linewidth=0.6)
        name = _question_name(item, question)
        short = name if len(name) <= 34 else name[:33] + "\u2026"
        ax.set_title(f"{short} (n={rows_q['n'].iloc[0]})", fontsize=9)
        options = []
        for r in rows_q.itertuples():
            text = f"{r.option}{' (key)' if r.key else ''} {100 * r.chosen:.0f}%"
            if not pd.isna(r.upper):
                text += f" (upper {100 * r.upper:.0f}%, lower {100 * r.lower:.0f}%)"
            options.append(text + (f", {r.flags}" if r.flags else ""))
        parts.append(f"{name} (n={rows_q['n'].iloc[0]}): " + "; ".join(options))
    for ax in list(axes.flat)[len(shown):]:
        ax.axis("off")
    handles = [Patch(facecolor=face, edgecolor="black", hatch=hatch, label=name) for name, face, hatch in _GROUPS]
    fig.legend(handles=handles, loc="upper center", ncol=3, frameon=False, fontsize=9,
               bbox_to_anchor=(0.5, 1.0 - 0.05 / fig.get_figheight()))
    fig.suptitle(f"{title}: options chosen (! flagged, see options.csv)", y=1.0 + 0.3 / fig.get_figheight())
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.3 / fig.get_figheight()))
    alt = ("Bar charts of the share of students choosing each option, for all who answered, the upper 27% and "
           "the lower 27% by total score, one panel per question. " + ". ".join(parts) + ".")
    if left_out:
        alt += (f" Left out for space ({len(left_out)}, see options.csv): "
                + ", ".join(_question_name(i, q) for i, q in left_out) + ".")
    if unanswered:
        alt += f" Nobody answered: {', '.join(unanswered)}."
    if reasons:
        alt += f" Triage reasons ({reasons} question(s)) are only in options.csv."
    return _png(fig), alt
