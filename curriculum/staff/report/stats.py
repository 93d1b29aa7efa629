"""The grade table and the item analysis: DataFrames in, DataFrames out (tested on hand-made data)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .gradebook import AWAITING, GRADE_COLUMNS, GRADED, NO_SUBMISSION

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

#: The columns of items.csv. ``variants`` and ``options`` are one-cell summaries of the variant and
#: option analyses (:func:`curriculum.staff.report.options.item_summaries`); :func:`item_analysis` alone
#: leaves them "".
ITEM_COLUMNS = ["item", "kind", "max", "n_scored", "n_pending", "mean", "difficulty", "discrimination",
                "upper_lower", "flags", "note", "variants", "options"]


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


@dataclass(frozen=True)
class ScoreMatrix:
    """The scores of one assignment as a student x item matrix, for the analyses that rank students.

    ``wide``: one row per student (sorted by id), one column per item (in the order items first appear),
    NaN where an item is not scored yet; ``maxima``: points per item; ``kinds``: "auto"/"manual" per
    item (may be empty); ``complete``: the items scored for every student, the only ones that enter a
    rest total (so a half-graded reflection distorts no ranking).
    """

    wide: pd.DataFrame
    maxima: pd.Series
    kinds: pd.Series
    items: list[str]
    complete: list[str]


def score_matrix(scores: pd.DataFrame, caller: str = "item_analysis") -> ScoreMatrix:
    """Check the long ``scores`` frame (see :func:`item_analysis`) and pivot it to a :class:`ScoreMatrix`."""
    for column in ("student", "item", "score", "max"):
        if column not in scores.columns:
            raise ValueError(f"{caller} needs a column {column!r}; it has {', '.join(map(str, scores.columns))}")
    items = list(dict.fromkeys(scores["item"]))
    twice = scores.duplicated(["student", "item"])
    if twice.any():
        first = scores[twice].iloc[0]
        raise ValueError(f"{caller} needs one score per student and item; {first['student']!r} has "
                         f"{int(((scores['student'] == first['student']) & (scores['item'] == first['item'])).sum())} "
                         f"for {first['item']!r}")
    wide = scores.set_index(["student", "item"])["score"].astype(float).unstack("item")
    wide = wide.reindex(columns=items).sort_index()
    maxima = scores.groupby("item")["max"].max()
    kinds = scores.groupby("item")["kind"].first() if "kind" in scores.columns else pd.Series(dtype=str)
    complete = [i for i in items if wide[i].notna().all()]
    return ScoreMatrix(wide, maxima, kinds, items, complete)


def rest_total(matrix: ScoreMatrix, item: str) -> pd.Series:
    """Per student scored on ``item``: the total of the *other* items scored for every student (0 when
    there are none). The item's score plus this is the total that ranks students for that item."""
    scored = matrix.wide.index[matrix.wide[item].notna().to_numpy()]
    others = [i for i in matrix.complete if i != item]
    if not others:
        return pd.Series(0.0, index=scored)
    return matrix.wide.loc[scored, others].sum(axis=1).astype(float)


def upper_lower_groups(students, totals) -> tuple[np.ndarray, np.ndarray]:
    """Positions (into ``students``/``totals``) of the upper and lower group: the top and bottom
    :data:`GROUP_SHARE` of the students by total, at least one each, ties broken by student id.

    One rule for the upper-lower index of :func:`item_analysis` and the distractor analysis, so a
    student is "upper" in both or in neither.
    """
    ids = np.asarray(students).astype(str)
    totals = np.asarray(totals, dtype=float)
    if len(ids) != len(totals):
        raise ValueError(f"upper_lower_groups needs one total per student; got {len(ids)} students and "
                         f"{len(totals)} totals")
    if not len(ids):
        return np.array([], dtype=int), np.array([], dtype=int)
    order = np.lexsort((ids, -totals))  # by total, high first
    g = max(1, int(round(GROUP_SHARE * len(ids))))
    return order[:g], order[-g:]


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
      why it is uncertain;
    - ``variants``, ``options``: "" here; :func:`~curriculum.staff.report.options.item_summaries` fills
      them from the students' answers.
    """
    matrix = score_matrix(scores)
    wide, maxima, kinds, items, complete = matrix.wide, matrix.maxima, matrix.kinds, matrix.items, matrix.complete
    n_students = len(wide)
    rows = []
    for item in items:
        col = wide[item]
        mask = col.notna().to_numpy()
        n = int(mask.sum())
        top = float(maxima[item])
        values = col.to_numpy(dtype=float)[mask]
        others = [i for i in complete if i != item]
        rest = rest_total(matrix, item).to_numpy(dtype=float)
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
                upper, lower = upper_lower_groups(wide.index.to_numpy()[mask], rest + values)
                d = float((values[upper].mean() - values[lower].mean()) / top)
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
            "flags": "; ".join(flags), "note": "; ".join(notes), "variants": "", "options": "",
        })
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)
