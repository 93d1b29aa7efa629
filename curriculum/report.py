"""``curriculum report ASSIGNMENT``: what the gradebook says about one assignment, for course staff.

- :func:`read_grades` reads every grade of the assignment from nbgrader's gradebook into pandas;
- :func:`grade_table`: one row per student (auto, manual, total, percent, items awaiting a person),
  students without a submission included;
- :func:`item_analysis`: per graded item, the classical difficulty (p), the corrected item-total
  correlation and the upper-lower 27% index, with flags for items worth a second look;
- :func:`plot_score_distribution` and :func:`plot_item_difficulty` draw PNGs (matplotlib, no
  display needed), :func:`html_report` puts tables and figures into one self-contained HTML file;
- :func:`canvas_frame` and :func:`moodle_frame` are grade files those LMSs import;
- :func:`check_feedback` checks the HTML feedback nbgrader writes for students for any trace of the
  answer key (the hidden tests, their arguments, the explanations kept in the source);
- :func:`write_report` does all of it and writes the files into ``reports/<assignment>/``.

The table functions take and return DataFrames and need no gradebook, so they are tested on
hand-made data.
"""

from __future__ import annotations

import ast
import base64
import html
import io
import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import numpy as np
import pandas as pd

from .course import LEAK_MARKERS, CourseError, ReleaseProblem
from .spreadsheet import safe_frame
from .feedback import is_safe
from .keys import GRADER_METHODS

if TYPE_CHECKING:
    from .course import Course

__all__ = [
    "EASY",
    "HARD",
    "LOW_DISCRIMINATION",
    "MIN_STUDENTS",
    "Grades",
    "Report",
    "ReportError",
    "assignment_title",
    "canvas_frame",
    "check_feedback",
    "feedback_mode",
    "feedback_secrets",
    "grade_table",
    "html_report",
    "item_analysis",
    "moodle_frame",
    "plot_item_difficulty",
    "plot_score_distribution",
    "print_report",
    "read_grades",
    "write_report",
]

#: Flags of the item analysis: difficulty above EASY or below HARD, discrimination below LOW_DISCRIMINATION.
EASY = 0.9
HARD = 0.3
LOW_DISCRIMINATION = 0.2
#: Fewest students with a score on an item for its discrimination indices and flags.
MIN_STUDENTS = 3
#: Fewer students than this: the indices are computed, but the note says they are unstable.
SMALL_COHORT = 10
#: Share of students in each of the upper and lower groups of the upper-lower index.
GROUP_SHARE = 0.27

NO_SUBMISSION = "no submission"
AWAITING = "awaiting manual grading"
GRADED = "graded"

GRADE_COLUMNS = ["student", "first_name", "last_name", "email", "lms_user_id", "status", "auto_score",
                 "manual_score", "extra_credit", "late_penalty", "total", "max", "percent", "pending_manual"]
ITEM_COLUMNS = ["item", "kind", "max", "n_scored", "n_pending", "mean", "difficulty", "discrimination",
                "upper_lower", "flags", "note"]


class ReportError(CourseError):
    """A report that cannot be made (nothing graded yet, feedback that reveals the key, ...)."""


# -- reading the gradebook ------------------------------------------------------------------------

@dataclass
class Grades:
    """Every grade of one assignment.

    ``students``: one row per student in the gradebook (``student``, ``first_name``, ``last_name``,
    ``email``, ``lms_user_id``, ``submitted``, ``late_penalty``).
    ``scores``: one row per submitted student and graded item (``student``, ``item``, ``kind``
    "auto" or "manual", ``score`` (NaN while awaiting manual grading), ``max``, ``auto_score``,
    ``manual_score``, ``extra_credit``, ``pending``).
    """

    assignment: str
    max_score: float
    students: pd.DataFrame
    scores: pd.DataFrame
    items: list[str] = field(default_factory=list)


def _grade_order(source_nb: Path) -> list[str]:
    """The grade cell ids of a source notebook, in notebook order."""
    nb = nbformat.read(source_nb, as_version=4)
    return [c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.get("metadata", {}).get("nbgrader", {}).get("grade") and "grade_id" in c.metadata["nbgrader"]]


def _item_names(course: Course, assignment: str) -> tuple[list[str], dict[str, str]]:
    """Grade cell order and the item a hidden test grades (``q1-single-test`` -> ``q1-single``)."""
    from .keys import KeyReadError, read_keys

    try:
        source = course.source_notebook(assignment)
    except CourseError:
        return [], {}
    try:
        names = {k.cell_id: k.item for k in read_keys(source)}
    except KeyReadError:
        names = {}
    return _grade_order(source), names


def read_grades(course: Course, assignment: str) -> Grades:
    """Read one assignment's grades from the course's gradebook.

    Raises :class:`ReportError` if the assignment has no graded submission yet.
    """
    from nbgrader.api import MissingEntry

    order, names = _item_names(course, assignment)
    nothing = (f"nothing graded yet for {assignment}: run `curriculum grade {assignment}` "
               f"(or `nbgrader autograde {assignment}`) first")
    url = course.db_url()
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///"):]).is_file():
        raise ReportError(nothing)  # no gradebook yet; do not make an empty one
    students, rows = [], []
    with course.gradebook() as gb:
        try:
            max_score = float(gb.find_assignment(assignment).max_score or 0)
        except MissingEntry:
            raise ReportError(nothing) from None
        submissions = {sub.student.id: sub for sub in gb.assignment_submissions(assignment)}
        several = len({nb.name for sub in submissions.values() for nb in sub.notebooks}) > 1
        for student in gb.students:
            sub = submissions.get(student.id)
            students.append({
                "student": student.id, "first_name": student.first_name or "",
                "last_name": student.last_name or "", "email": student.email or "",
                "lms_user_id": student.lms_user_id or "", "submitted": sub is not None,
                "late_penalty": float(sub.late_submission_penalty or 0) if sub is not None else 0.0,
            })
            if sub is None:
                continue
            for nb in sub.notebooks:
                for grade in nb.grades:
                    item = names.get(grade.name, grade.name)
                    if several:
                        item = f"{nb.name}/{item}"
                    unscored = grade.auto_score is None and grade.manual_score is None
                    rows.append({
                        "student": student.id, "item": item,
                        "kind": "auto" if grade.cell_type == "code" and grade.auto_score is not None else "manual",
                        "score": math.nan if unscored else float(grade.score),
                        "max": float(grade.max_score),
                        "auto_score": math.nan if grade.auto_score is None else float(grade.auto_score),
                        "manual_score": math.nan if grade.manual_score is None else float(grade.manual_score),
                        "extra_credit": float(grade.extra_credit or 0),
                        "pending": bool(grade.needs_manual_grade),
                        "_order": order.index(grade.name) if grade.name in order else len(order),
                    })
    if not rows:
        raise ReportError(nothing)
    scores = pd.DataFrame(rows).sort_values(["_order", "item", "student"], kind="stable")
    items = list(dict.fromkeys(scores["item"]))
    scores = scores.drop(columns="_order").reset_index(drop=True)
    table = pd.DataFrame(students, columns=["student", "first_name", "last_name", "email", "lms_user_id",
                                            "submitted", "late_penalty"])
    return Grades(assignment, max_score, table.sort_values("student").reset_index(drop=True), scores, items)


# -- tables ---------------------------------------------------------------------------------------

def grade_table(students: pd.DataFrame, scores: pd.DataFrame, max_score: float) -> pd.DataFrame:
    """One row per student: auto, manual and total score, percent, items awaiting manual grading.

    ``students`` and ``scores`` as in :class:`Grades`. The auto score sums what the autograder gave
    (where no person overrode it), the manual score what graders gave; the total adds extra credit
    and takes off a late penalty (never below zero), as nbgrader does. A student without a
    submission has the status "no submission" and no scores.
    """
    s = scores.copy()
    s["auto_part"] = s["auto_score"].where(s["manual_score"].isna(), 0.0).fillna(0.0)
    s["manual_part"] = s["manual_score"].fillna(0.0)
    per = s.groupby("student").agg(
        auto_score=("auto_part", "sum"), manual_score=("manual_part", "sum"),
        extra_credit=("extra_credit", "sum"), raw=("score", lambda x: x.fillna(0).sum()),
        max=("max", "sum"), pending_manual=("pending", "sum"))
    out = students.merge(per, how="left", left_on="student", right_index=True)
    submitted = out["student"].isin(per.index)
    out["total"] = (out["raw"] - out["late_penalty"]).clip(lower=0)
    out["max"] = out["max"].where(submitted, max_score)
    out["percent"] = (100 * out["total"] / out["max"]).where(out["max"] > 0)
    out["pending_manual"] = out["pending_manual"].fillna(0).astype(int)
    out["status"] = np.where(~submitted, NO_SUBMISSION, np.where(out["pending_manual"] > 0, AWAITING, GRADED))
    for column in ("auto_score", "manual_score", "extra_credit", "late_penalty", "total", "max", "percent"):
        out[column] = out[column].astype(float).round(2)
    for column in ("auto_score", "manual_score", "extra_credit", "late_penalty", "total", "percent"):
        out.loc[~submitted, column] = math.nan
    return out[GRADE_COLUMNS].sort_values("student").reset_index(drop=True)


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    x = x - x.mean()
    y = y - y.mean()
    return float((x * y).sum() / math.sqrt((x * x).sum() * (y * y).sum()))


def item_analysis(scores: pd.DataFrame) -> pd.DataFrame:
    """Classical item statistics, one row per item (in the order items first appear in ``scores``).

    ``scores``: long format with ``student``, ``item``, ``score`` (NaN: not scored yet), ``max``
    (and optionally ``kind``). For each item:

    - ``difficulty``: the p-value, mean score / max points over the students scored on it (1: everyone
      got full marks);
    - ``discrimination``: corrected item-total correlation, Pearson's r between the item's score and
      the total of the *other* items. Only items scored for every student enter that total, so a
      half-graded reflection does not distort it;
    - ``upper_lower``: mean score (as a share of max) of the top 27% of students by total score minus
      that of the bottom 27% (at least one student each; ties are broken by student id);
    - ``flags``: "too easy" (p > 0.9), "too hard" (p < 0.3), "low discrimination" (r < 0.2),
      "negative discrimination" (r < 0); none with fewer than 3 students scored;
    - ``note``: why an index is missing (every student scored the same, too few students, ...) or
      why it is uncertain.
    """
    for column in ("student", "item", "score", "max"):
        if column not in scores.columns:
            raise ValueError(f"item_analysis needs a column {column!r}; it has {', '.join(map(str, scores.columns))}")
    items = list(dict.fromkeys(scores["item"]))
    twice = scores.duplicated(["student", "item"])
    if twice.any():
        first = scores[twice].iloc[0]
        raise ValueError(f"item_analysis needs one score per student and item; {first['student']!r} has "
                         f"{int(((scores['student'] == first['student']) & (scores['item'] == first['item'])).sum())} "
                         f"for {first['item']!r}")
    wide = scores.set_index(["student", "item"])["score"].astype(float).unstack("item")
    wide = wide.reindex(columns=items).sort_index()
    maxima = scores.groupby("item")["max"].max()
    kinds = scores.groupby("item")["kind"].first() if "kind" in scores.columns else pd.Series(dtype=str)
    complete = [i for i in items if wide[i].notna().all()]
    n_students = len(wide)
    rows = []
    for item in items:
        col = wide[item]
        mask = col.notna().to_numpy()
        n = int(mask.sum())
        top = float(maxima[item])
        values = col.to_numpy(dtype=float)[mask]
        others = [i for i in complete if i != item]
        rest = wide[others].sum(axis=1).to_numpy(dtype=float)[mask] if others else np.zeros(n)
        notes, flags = [], []
        mean = float(values.mean()) if n else math.nan
        p = mean / top if n and top > 0 else math.nan
        r = d = math.nan
        if n == 0:
            notes.append("no scores yet (awaiting manual grading)")
        elif n < n_students:
            notes.append(f"{n_students - n} of {n_students} awaiting manual grading; indices use the {n} scored")
        if n and top <= 0:
            notes.append("the item is worth 0 points")
        if 0 < n < MIN_STUDENTS:
            notes.append(f"too few students scored ({n}; at least {MIN_STUDENTS} needed for discrimination and flags)")
        elif n >= MIN_STUDENTS:
            if np.ptp(values) == 0:
                notes.append(f"every student scored {values[0]:g} of {top:g}: no discrimination can be computed")
            elif not others:
                notes.append("no other item scored for every student: no item-total correlation")
            elif np.ptp(rest) == 0:
                notes.append("the other items' total is the same for every student: no item-total correlation")
            else:
                r = _pearson(values, rest)
            if np.ptp(values) > 0 and top > 0:
                total = rest + values
                order = np.lexsort((wide.index.to_numpy()[mask].astype(str), -total))  # by total, high first
                g = max(1, int(round(GROUP_SHARE * n)))
                d = float((values[order[:g]].mean() - values[order[-g:]].mean()) / top)
            if n < SMALL_COHORT:
                notes.append(f"small cohort (n={n}): indices are unstable")
            if p > EASY:
                flags.append("too easy")
            if p < HARD:
                flags.append("too hard")
            if r < 0:
                flags.append("negative discrimination")
            elif r < LOW_DISCRIMINATION:
                flags.append("low discrimination")
        rows.append({
            "item": item, "kind": kinds.get(item, ""), "max": top, "n_scored": n,
            "n_pending": n_students - n, "mean": round(mean, 3) if n else math.nan,
            "difficulty": round(p, 3) if not math.isnan(p) else math.nan,
            "discrimination": round(r, 3) if not math.isnan(r) else math.nan,
            "upper_lower": round(d, 3) if not math.isnan(d) else math.nan,
            "flags": "; ".join(flags), "note": "; ".join(notes),
        })
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)


# -- LMS exports ----------------------------------------------------------------------------------

def _lms_grade(row: pd.Series) -> float | str:
    return "" if row["status"] == NO_SUBMISSION or pd.isna(row["total"]) else round(float(row["total"]), 2)


def canvas_frame(table: pd.DataFrame, column: str, points: float,
                 points_possible_row: bool = True) -> tuple[pd.DataFrame, list[str]]:
    """A Canvas gradebook import: ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``, ``Section``
    and one grade column named ``column``; and the warnings for the person importing it.

    Canvas matches a row by its Canvas user id (``ID``, nbgrader's ``lms_user_id``), then by the
    SIS ids, then by the name ("Last, First"); ``SIS Login ID`` holds the nbgrader student id. The
    optional second row ``Points Possible`` gives the points a new assignment gets. A student with
    no submission gets an empty cell, which Canvas leaves unchanged.
    """
    rows = []
    for _, r in table.iterrows():
        name = ", ".join(x for x in (r["last_name"], r["first_name"]) if x) or r["student"]
        rows.append({"Student": name, "ID": r["lms_user_id"] or "", "SIS User ID": "",
                     "SIS Login ID": r["student"], "Section": "", column: _lms_grade(r)})
    frame = pd.DataFrame(rows, columns=["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column])
    if points_possible_row:
        head = pd.DataFrame([{"Student": "Points Possible", "ID": "", "SIS User ID": "", "SIS Login ID": "",
                              "Section": "", column: round(float(points), 2)}])
        frame = pd.concat([head, frame], ignore_index=True)
    warnings = []
    missing = sorted(table.loc[table["lms_user_id"].fillna("") == "", "student"])
    if missing:
        warnings.append(
            f"canvas.csv: {len(missing)} student(s) have no LMS user id in the gradebook: {', '.join(missing)}. "
            "Canvas will match them by SIS login id or name only; add the id with "
            "`nbgrader db student add STUDENT --lms-user-id=ID` (with their names) and run the report again.")
    return frame, warnings


def moodle_frame(table: pd.DataFrame, column: str) -> tuple[pd.DataFrame, list[str]]:
    """A Moodle grade import (Grades > Import > CSV file): names, ``Username`` (the nbgrader student
    id), ``Email address`` and one grade column; and the warnings for the person importing it.

    In Moodle's import map from "Email address" to "useremail" (or "Username" to "username") and
    the grade column to the grade item. A student with no submission gets an empty cell.
    """
    rows = [{"First name": r["first_name"], "Last name": r["last_name"], "Username": r["student"],
             "Email address": r["email"], column: _lms_grade(r)} for _, r in table.iterrows()]
    frame = pd.DataFrame(rows, columns=["First name", "Last name", "Username", "Email address", column])
    warnings = []
    missing = sorted(table.loc[table["email"].fillna("") == "", "student"])
    if missing:
        warnings.append(
            f"moodle.csv: {len(missing)} student(s) have no email address in the gradebook: {', '.join(missing)}. "
            "Moodle can match them only by username; add the address with "
            "`nbgrader db student add STUDENT --email=ADDRESS` and run the report again.")
    return frame, warnings


# -- plots ----------------------------------------------------------------------------------------

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


# -- HTML ------------------------------------------------------------------------------------------

LEGEND = [
    ("Difficulty (p)", "the mean score on the item divided by its points: 0 means nobody scored, 1 means "
     f"everyone got full marks. Flagged <em>too easy</em> above {EASY} and <em>too hard</em> below {HARD}."),
    ("Discrimination (r)", "the corrected item-total correlation: Pearson's correlation between the item "
     "score and the total of the other items (those scored for every student). Positive values mean students "
     f"who did well overall also did well on the item. Flagged <em>low</em> below {LOW_DISCRIMINATION} and "
     "<em>negative</em> below 0: check the key and the wording."),
    ("Upper-lower index (D)", "the mean item score (as a share of its points) of the top 27% of students by "
     "total score minus that of the bottom 27%; from -1 to 1, read like r."),
    ("n/a", "an index that cannot be computed: every student scored the same on the item (no spread), fewer "
     f"than {MIN_STUDENTS} students were scored, or the item still awaits manual grading. The note says which. "
     f"With fewer than {SMALL_COHORT} students every index is unstable."),
]

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #111; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #999; padding: 0.25rem 0.5rem; text-align: left; }
th { background: #eee; }
img { max-width: 100%; border: 1px solid #ccc; }
.warning { border-left: 4px solid #000; padding-left: 0.6rem; }
dt { font-weight: bold; margin-top: 0.4rem; }
.scroll { overflow-x: auto; }
"""


def _table_html(frame: pd.DataFrame) -> str:
    table = frame.to_html(index=False, na_rep="", float_format=lambda x: f"{x:g}", border=0)
    return f'<div class="scroll">{table}</div>'


def html_report(*, title: str, assignment: str, summary: dict[str, object], grades: pd.DataFrame,
                items: pd.DataFrame, figures: list[tuple[str, bytes, str]], warnings: list[str],
                files: list[str]) -> str:
    """One self-contained HTML page: summary, warnings, figures (PNG data URIs with alt text), legend,
    item table and grade table. ``figures``: (caption, PNG bytes, alt text)."""
    e = html.escape
    out = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Report: {e(title)} ({e(assignment)})</title>", f"<style>{_CSS}</style></head><body>",
        f"<h1>Report: {e(title)} <small>({e(assignment)})</small></h1>",
        f"<p>Made {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} from the gradebook.</p>",
        "<h2>Summary</h2><ul>",
        *[f"<li>{e(str(k))}: {e(str(v))}</li>" for k, v in summary.items()], "</ul>",
    ]
    if warnings:
        out += ["<h2>Warnings</h2><ul>", *[f'<li class="warning">{e(w)}</li>' for w in warnings], "</ul>"]
    out.append("<h2>Figures</h2>")
    for caption, png, alt in figures:
        data = base64.b64encode(png).decode("ascii")
        out.append(f'<figure><img src="data:image/png;base64,{data}" alt="{e(alt)}">'
                   f"<figcaption>{e(caption)}</figcaption></figure>")
    out += ["<h2>How to read the item analysis</h2><dl>",
            *[f"<dt>{e(term)}</dt><dd>{text}</dd>" for term, text in LEGEND], "</dl>",
            "<h2>Items</h2>", _table_html(items),
            "<h2>Students</h2>", _table_html(grades),
            "<h2>Files</h2><ul>", *[f"<li>{e(f)}</li>" for f in files], "</ul>",
            "</body></html>"]
    return "\n".join(out)


# -- feedback -------------------------------------------------------------------------------------

_KEY_KEYWORDS = {"correct", "key", "order", "identifiers", "spans", "explain"}


def _norm(text: str) -> str:
    return " ".join(text.split())


def feedback_secrets(source_nb: Path, release_nb: Path | None = None) -> list[str]:
    """What of the answer key must never reach a student: each line of a hidden test region, the
    key arguments of each Grader call as written (``correct="b"``, ``key={...}``, ...) and each
    explanation; less whatever the released notebook shows anyway (practice items)."""
    nb = nbformat.read(source_nb, as_version=4)
    found: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code" or "BEGIN HIDDEN TESTS" not in cell.source:
            continue
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and len(line.strip()) >= 12:
                found.append(line.strip())
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in GRADER_METHODS:
                for kw in node.keywords:
                    if kw.arg in _KEY_KEYWORDS:
                        segment = ast.get_source_segment(cell.source, kw)
                        if segment:
                            found.append(segment)
                        if kw.arg == "explain":
                            try:
                                value = ast.literal_eval(kw.value)
                            except ValueError:
                                continue
                            texts = value.values() if isinstance(value, dict) else [value]
                            found += [str(t) for t in texts if len(str(t)) >= 20]
    public = ""
    if release_nb is not None and release_nb.is_file():
        public = _norm("\n".join(c.source for c in nbformat.read(release_nb, as_version=4).cells))
    return [s for s in dict.fromkeys(_norm(s) for s in found) if s and s not in public]


def _json_escaped(text: str) -> str:
    return json.dumps(text)[1:-1]


_STYLE = re.compile(r"<style\b.*?</style>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def _visible_text(markup: str) -> str:
    return html.unescape(_TAG.sub("", _STYLE.sub(" ", markup)))


def _printed_lines(autograded_nb: Path) -> set[str]:
    """The lines hidden tests printed for this student (their feedback, which may quote explanations)."""
    try:
        nb = nbformat.read(autograded_nb, as_version=4)
    except Exception:  # missing or unreadable: nothing printed counts as allowed, so the check is stricter
        return set()
    lines = set()
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stdout":
                    lines |= {line.strip() for line in output.get("text", "").splitlines() if line.strip()}
    return lines


def check_feedback(course: Course, assignment: str, feedback_root: Path | None = None,
                   withheld: bool = False) -> list[ReleaseProblem]:
    """Every trace of the answer key in the feedback files of one assignment.

    Checked in each file under ``feedback/<student>/<assignment>/``: the markers of hidden tests and
    of the grading call (as :meth:`Course.check_release` does), and the secrets of
    :func:`feedback_secrets` in the text a browser shows. An explanation may appear only where the
    hidden test printed it as that student's feedback; if the answers are ``withheld``, nowhere, and
    of the lines the tests printed only those :func:`curriculum.feedback.is_safe` allows may show.
    """
    root = feedback_root or course.root / "feedback"
    source = course.source_notebook(assignment)
    release = course.root / "release" / assignment / source.name
    secrets = feedback_secrets(source, release)
    problems = []
    for path in sorted(root.glob(f"*/{assignment}/**/*")):
        if not path.is_file():
            continue
        rel = str(path.relative_to(course.root)) if path.is_relative_to(course.root) else str(path)
        raw = path.read_text(encoding="utf-8", errors="replace")
        is_html = path.suffix.lower() in (".html", ".htm")
        text = _visible_text(raw) if is_html else raw
        for marker in LEAK_MARKERS:
            if marker in raw or marker in text:
                problems.append(ReleaseProblem(rel, f"contains {marker!r}"))
        if is_html:
            student = path.relative_to(root).parts[0]
            printed = _printed_lines(course.root / "autograded" / student / assignment / f"{path.stem}.ipynb")
            if withheld:  # of what the tests printed, only the safe lines may show
                shown = {line.strip() for line in text.splitlines()}
                for line in sorted(p for p in printed if not is_safe(p)):
                    if line in shown:
                        problems.append(ReleaseProblem(rel, f"shows a withheld line: {line[:60]!r}"))
            else:
                text = "\n".join(line for line in text.splitlines() if line.strip() not in printed)
        flat = _norm(text)
        for secret in secrets:
            if secret in flat or (not is_html and _json_escaped(secret) in raw):
                problems.append(ReleaseProblem(rel, f"reveals the key: {secret[:60]!r}"))
    return problems


# -- everything -----------------------------------------------------------------------------------

def assignment_title(course: Course, assignment: str) -> str:
    """The assignment's title in the course plan, else the notebook's first heading, else its id."""
    from .plan import PlanError, load_plan

    try:
        return load_plan(course.root).get(assignment).title
    except PlanError:
        pass
    try:
        nb = nbformat.read(course.source_notebook(assignment), as_version=4)
    except CourseError:
        return assignment
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+?)\s*$", cell.source, re.M)
            if match:
                return match.group(1)
    return assignment


@dataclass
class Report:
    assignment: str
    title: str
    folder: Path
    grades: pd.DataFrame
    items: pd.DataFrame
    files: dict[str, Path]
    warnings: list[str]
    feedback: list[Path]
    leaks: list[ReleaseProblem]
    summary: dict[str, object]
    feedback_mode: str = "full"


FILES = ["grades.csv", "items.csv", "canvas.csv", "moodle.csv", "score-distribution.png",
         "item-difficulty.png", "report.html"]


def feedback_mode(course: Course, assignment: str) -> str:
    """What students' feedback shows, from the assignment's plan file: ``full`` unless it says ``scores``."""
    from .plan import PlanError, load_plan

    try:
        return load_plan(course.root).get(assignment).feedback
    except PlanError:
        return "full"


def write_report(course: Course, assignment: str, out: Path | None = None, feedback: bool = True,
                 mode: str | None = None) -> Report:
    """Read the gradebook, write every report file into ``out`` (default ``reports/<assignment>/``),
    and unless ``feedback`` is false run ``nbgrader generate_feedback`` and check its files.

    ``mode`` is what the feedback shows (:data:`curriculum.feedback.FEEDBACK_MODES`); by default the
    assignment's plan says. Feedback files that reveal the key are deleted and listed in
    :attr:`Report.leaks`.
    """
    from .feedback import FEEDBACK_MODES

    mode = mode or feedback_mode(course, assignment)
    if mode not in FEEDBACK_MODES:
        raise ValueError(f"feedback mode must be one of {', '.join(FEEDBACK_MODES)}, not {mode!r}")
    grades = read_grades(course, assignment)
    title = assignment_title(course, assignment)
    folder = Path(out) if out is not None else course.root / "reports" / assignment
    folder.mkdir(parents=True, exist_ok=True)
    table = grade_table(grades.students, grades.scores, grades.max_score)
    items = item_analysis(grades.scores)
    column = f"{title} ({assignment})"
    canvas, canvas_warnings = canvas_frame(table, column, grades.max_score)
    moodle, moodle_warnings = moodle_frame(table, column)
    warnings = canvas_warnings + moodle_warnings
    submitted = table[table["status"] != NO_SUBMISSION]
    pending = table[table["status"] == AWAITING]
    if len(pending):
        warnings.append(f"{len(pending)} submission(s) have items awaiting manual grading "
                        f"({', '.join(pending['student'])}); their totals and the LMS files hold the score so far. "
                        "Grade them in the formgrader and run the report again.")
    flagged = items[items["flags"] != ""]
    summary: dict[str, object] = {
        "students in the gradebook": len(table), "submissions": len(submitted),
        "fully graded": int((table["status"] == GRADED).sum()), "awaiting manual grading": len(pending),
        "no submission": int((table["status"] == NO_SUBMISSION).sum()),
        "maximum points": f"{grades.max_score:g}",
        "mean score": f"{submitted['percent'].mean():.1f}%" if len(submitted) else "n/a",
        "median score": f"{submitted['percent'].median():.1f}%" if len(submitted) else "n/a",
        "items flagged": ", ".join(f"{r.item} ({r.flags})" for r in flagged.itertuples()) or "none",
    }

    files = {name: folder / name for name in FILES}
    for name, frame in (("grades.csv", table), ("items.csv", items), ("canvas.csv", canvas), ("moodle.csv", moodle)):
        safe_frame(frame).to_csv(files[name], index=False)  # no cell a spreadsheet would run as a formula
    dist_png, dist_alt = plot_score_distribution(table, title)
    item_png, item_alt = plot_item_difficulty(items, title)
    files["score-distribution.png"].write_bytes(dist_png)
    files["item-difficulty.png"].write_bytes(item_png)

    leaks: list[ReleaseProblem] = []
    feedback_files: list[Path] = []
    if feedback:
        withheld = mode == "scores"
        try:
            course.nbgrader("generate_feedback", assignment, "--force", f"--WithholdAnswers.enabled={withheld}")
        except CourseError as exc:  # nbgrader writes the others' feedback; the check below still runs on all
            warnings.append(f"nbgrader generate_feedback failed for some submissions; their feedback is missing "
                            f"(see the log below). The feedback that was written is checked as usual.\n{exc}")
        feedback_files = sorted((course.root / "feedback").glob(f"*/{assignment}/*.html"))
        leaks = check_feedback(course, assignment, withheld=withheld)
        for path in sorted({course.root / leak.path for leak in leaks}):
            path.unlink(missing_ok=True)
        shows = "scores only, answers withheld" if withheld else "scores, answers and explanations"
        summary["feedback"] = (f"{len(feedback_files)} file(s) in feedback/ ({shows}), checked: no trace of the key"
                               if not leaks else f"REVEALED THE KEY in {len({p.path for p in leaks})} file(s), deleted")
    else:
        summary["feedback"] = "not generated (--no-feedback)"
    page = html_report(
        title=title, assignment=assignment, summary=summary, grades=table, items=items,
        figures=[("Score distribution of the submitted students", dist_png, dist_alt),
                 ("Item difficulty and discrimination", item_png, item_alt)],
        warnings=warnings + [str(leak) for leak in leaks], files=[p.name for p in files.values()])
    files["report.html"].write_text(page, encoding="utf-8")
    return Report(assignment, title, folder, table, items, files, warnings, feedback_files, leaks, summary, mode)


def print_report(course: Course, assignment: str, out: str | Path | None = None, feedback: bool = True,
                 mode: str | None = None) -> int:
    """``curriculum report``: write the report, print a summary and the paths; the exit code."""
    import sys

    report = write_report(course, assignment, Path(out) if out else None, feedback, mode)
    print(f"{assignment}: {report.title}")
    for key, value in report.summary.items():
        print(f"  {key}: {value}")
    shown = report.grades[["student", "status", "auto_score", "manual_score", "total", "max", "percent",
                           "pending_manual"]]
    print("\n" + shown.to_string(index=False, na_rep="-"))
    print("\n" + report.items[["item", "max", "n_scored", "difficulty", "discrimination", "upper_lower",
                              "flags"]].to_string(index=False, na_rep="n/a"))
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print("\nWrote:")
    for path in report.files.values():
        print(f"  {_shown_path(path, course.root)}")
    if report.feedback and not report.leaks:
        print(f"  feedback/*/{assignment}/*.html ({len(report.feedback)} file(s), checked: no trace of the key)")
    if report.leaks:
        for leak in report.leaks:
            print(f"LEAK: {leak}", file=sys.stderr)
        needed = "nbgrader.preprocessors.ClearHiddenTests"
        if report.feedback_mode == "scores":
            needed += " and then curriculum.feedback.WithholdAnswers"
        print(f"curriculum report: the feedback of {assignment} revealed the answer key, so those files were "
              f"deleted. Check that nbgrader_config.py lists {needed} in c.GenerateFeedback.preprocessors, "
              "then run the report again.", file=sys.stderr)
        return 1
    return 0


def _shown_path(path: Path, root: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
