"""What the students chose: per-variant difficulty and the distractor (option) analysis.

Both take the ``scores`` frame of :func:`~curriculum.staff.report.stats.item_analysis` and a
``responses`` frame, one row per option a student chose:

- ``student``, ``item`` (the item ids of ``scores``);
- ``variant``: a label of what that student was shown for that item (the same label for students who
  saw the same thing; "" when the item has no variants that matter for analysis);
- ``question``: "" for single and multiple choice; for triage the post and ``:verdict`` or ``:reason``
  (``ASMT-203:verdict``); for disclosure the part (``wording``);
- ``option``: the chosen option in canonical keys (whatever order the student saw);
- ``key``: whether that option is (one of) the right answer(s) of that question.

A student who answered nothing for an item has no rows for it, so belongs to no variant and is left out
of that item's option shares. DataFrames in, DataFrames out, tested on hand-made data.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .stats import MIN_STUDENTS, SMALL_COHORT, ScoreMatrix, _pearson, rest_total, score_matrix, upper_lower_groups

#: A variant is flagged when its p differs from its siblings' by at least this much (0.2: one student in
#: five). Smaller gaps are within what chance gives groups of 10 to 20 students.
VARIANT_GAP = 0.2
#: A distractor chosen by at least this share of the students who answered is a common misconception.
MISCONCEPTION = 0.3

RESPONSE_COLUMNS = ["student", "item", "variant", "question", "option", "key"]
VARIANT_COLUMNS = ["item", "variant", "n", "difficulty", "discrimination", "flags", "note"]
OPTION_COLUMNS = ["item", "question", "option", "key", "chosen", "upper", "lower", "n", "n_upper", "n_lower",
                  "flags"]

HARDER = "harder than its siblings"
EASIER = "easier than its siblings"
NOBODY = "nobody chose it"
UPPER_FAVOURED = "chosen more by the upper group"
COMMON = "common misconception"

_EPS = 1e-9  # 0.7 - 0.5 is 0.19999999999999996 in floating point; a gap of exactly VARIANT_GAP counts


def _check_responses(responses: pd.DataFrame, matrix: ScoreMatrix, caller: str) -> pd.DataFrame:
    """The responses with text columns as str ("" for missing) and ``key`` as bool, after checking that
    every column is there and every item is one of the scored items."""
    missing = [c for c in RESPONSE_COLUMNS if c not in responses.columns]
    if missing:
        raise ValueError(f"{caller} needs the response columns {', '.join(missing)}; it has "
                         f"{', '.join(map(str, responses.columns)) or 'none'}")
    out = responses[RESPONSE_COLUMNS].copy()
    for column in ("student", "item", "variant", "question", "option"):
        out[column] = out[column].astype(object).where(out[column].notna(), "").astype(str)
    bad = out["key"].map(lambda v: not isinstance(v, (bool, np.bool_)))
    if bad.any():
        row = out[bad].iloc[0]
        raise ValueError(f"{caller} needs key True or False; {row['student']!r} {row['item']!r} option "
                         f"{row['option']!r} has {row['key']!r}")
    out["key"] = out["key"].astype(bool)
    unknown = sorted(set(out["item"]) - set(matrix.items))
    if unknown:
        raise ValueError(f"{caller}: responses for item(s) without scores: {', '.join(unknown)}; "
                         f"the scored items are {', '.join(matrix.items) or 'none'}")
    return out


# -- variants ---------------------------------------------------------------------------------------

def variant_labels(responses: pd.DataFrame) -> pd.DataFrame:
    """One row per (student, item) with a variant label (``student``, ``item``, ``variant``); a student
    with two different labels for one item is an error in the responses."""
    labels = responses.loc[responses["variant"] != "", ["student", "item", "variant"]].drop_duplicates()
    twice = labels.duplicated(["student", "item"], keep=False)
    if twice.any():
        first = labels[twice].iloc[0]
        seen = labels[twice & (labels["student"] == first["student"]) & (labels["item"] == first["item"])]
        raise ValueError(f"a student sees one variant of an item; {first['student']!r} has "
                         f"{', '.join(map(repr, seen['variant']))} for {first['item']!r}")
    return labels.reset_index(drop=True)


def variant_analysis(scores: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """Per item with more than one variant label: one row per variant (labels sorted), so an instructor
    can retire a pool member that is harder or easier than the others.

    - ``n``: the students who saw that variant and have a score on the item;
    - ``difficulty``: p of those students, mean score / points;
    - ``discrimination``: the corrected item-total correlation computed *within* the variant: Pearson's
      r between the item score of that variant's students and the total of their other items (those
      scored for every student, as in :func:`item_analysis`). Within the variant, not over all students,
      because the all-students r is one number for the item and says nothing about which pool member
      works; a post whose key is doubtful shows up as a low or negative r here. The upper-lower index is
      not given: with 27% of 10 students it compares three against three. r is never flagged (groups
      are small), only reported, n/a with fewer than :data:`MIN_STUDENTS` students or no spread;
    - ``flags``: "harder than its siblings" / "easier than its siblings" when p differs from the
      siblings' p by at least :data:`VARIANT_GAP`. The siblings' p is that of all the item's other
      variants' students taken together (their mean p weighted by their n), so one tiny sibling does not
      swing it. Both the variant and its siblings need :data:`MIN_STUDENTS` students;
    - ``note``: the siblings' p and n, and why a flag was not possible or p is uncertain.

    Students without a variant label (no answer for the item) are in no variant.
    """
    matrix = score_matrix(scores, "variant_analysis")
    labels = variant_labels(_check_responses(responses, matrix, "variant_analysis"))
    rows = []
    for item in matrix.items:
        mine = labels[labels["item"] == item]
        variants = sorted(set(mine["variant"]))
        if len(variants) < 2:
            continue
        top = float(matrix.maxima[item])
        column = matrix.wide[item]
        rest = rest_total(matrix, item)
        scored = column.dropna()
        has_rest = any(i != item for i in matrix.complete)
        groups = {v: [s for s in mine.loc[mine["variant"] == v, "student"] if s in scored.index] for v in variants}
        for variant in variants:
            students = groups[variant]
            values = scored[students].to_numpy(dtype=float)
            n = len(values)
            siblings = [s for v in variants if v != variant for s in groups[v]]
            sib_values = scored[siblings].to_numpy(dtype=float)
            p = float(values.mean()) / top if n and top > 0 else math.nan
            p_sib = float(sib_values.mean()) / top if len(sib_values) and top > 0 else math.nan
            flags, notes = [], []
            waiting = len(mine[(mine["variant"] == variant)]) - n
            if waiting:
                notes.append(f"{waiting} not scored yet")
            if not math.isnan(p_sib):
                notes.append(f"siblings p={p_sib:.2f} n={len(sib_values)}")
            r = math.nan
            if n < MIN_STUDENTS:
                notes.append(f"too few students (n={n}; at least {MIN_STUDENTS} needed to compare)")
            else:
                if len(sib_values) < MIN_STUDENTS:
                    notes.append(f"its siblings have too few students (n={len(sib_values)}) to compare")
                elif not math.isnan(p) and not math.isnan(p_sib) and abs(p - p_sib) >= VARIANT_GAP - _EPS:
                    flags.append(HARDER if p < p_sib else EASIER)
                variant_rest = rest[students].to_numpy(dtype=float)
                if np.ptp(values) == 0:
                    notes.append(f"every student scored {values[0]:g} of {top:g}: no discrimination")
                elif not has_rest or np.ptp(variant_rest) == 0:
                    notes.append("no spread in the other items' total: no discrimination")
                else:
                    r = _pearson(values, variant_rest)
                if n < SMALL_COHORT:
                    notes.append(f"small group (n={n}): p and r are uncertain")
            rows.append({
                "item": item, "variant": variant, "n": n,
                "difficulty": round(p, 3) if not math.isnan(p) else math.nan,
                "discrimination": round(r, 3) if not math.isnan(r) else math.nan,
                "flags": "; ".join(flags), "note": "; ".join(notes),
            })
    return pd.DataFrame(rows, columns=VARIANT_COLUMNS).astype({"n": int, "difficulty": float, "discrimination": float})


# -- options (distractors) ------------------------------------------------------------------------------

OptionList = Sequence[str] | Mapping[str, bool]


def option_analysis(scores: pd.DataFrame, responses: pd.DataFrame,
                    options: Mapping[tuple[str, str], OptionList]) -> pd.DataFrame:
    """The distractor analysis: one row per (item, question, option), items in the order of ``scores``,
    questions and options in the order of ``options`` (then any others the responses name).

    ``options`` maps (item, question) to every option offered, so one nobody picked is still listed. A
    mapping of option to key (True/False) may stand for the list: it marks a key nobody chose; with a
    plain list an option nobody chose is taken as a distractor (``key`` False).

    - ``n``: the students who answered the question (chose at least one option);
    - ``chosen``: the share of them who chose the option (in a multiple choice the shares add up to more
      than 1);
    - ``upper`` / ``lower``: the same share in the upper and lower group: the top and bottom 27% of
      those ``n`` students, by the total that ranks students in :func:`item_analysis` (the item plus the
      other items scored for every student; ties by student id, at least one student each);
      ``n_upper`` / ``n_lower`` are the group sizes. Students without a score on the item are in
      neither group;
    - ``flags``, for a distractor (not a key) and only with at least :data:`MIN_STUDENTS` answers:
      "nobody chose it" (it distracts nobody: rewrite or drop it), "chosen more by the upper group"
      (upper > lower: the key or the wording may be wrong), "common misconception" (chosen by at least
      :data:`MISCONCEPTION` of the students: worth teaching to).
    """
    matrix = score_matrix(scores, "option_analysis")
    answers = _check_responses(responses, matrix, "option_analysis")
    offered: dict[tuple[str, str], dict[str, bool | None]] = {}
    for (item, question), listed in options.items():
        if item not in matrix.items:
            raise ValueError(f"option_analysis: options given for {item!r}, which has no scores")
        if isinstance(listed, str):
            raise ValueError(f"option_analysis needs a list of options for ({item!r}, {question!r}), not a string")
        if isinstance(listed, Mapping):
            offered[(item, question)] = {str(o): bool(k) for o, k in listed.items()}
        else:
            offered[(item, question)] = {str(o): None for o in listed}
    for row in answers[["item", "question", "option"]].drop_duplicates().itertuples(index=False):
        offered.setdefault((row.item, row.question), {}).setdefault(row.option, None)
    keys = answers.groupby(["item", "question", "option"])["key"].agg(["min", "max"])
    mixed = keys[keys["min"] != keys["max"]]
    if len(mixed):
        item, question, option = mixed.index[0]
        raise ValueError(f"option {option!r} of {item!r} {question!r} is the key in some responses and not in "
                         "others; the key of an option is the same for every student")
    for (item, question, option), key in keys["max"].items():
        given = offered[(item, question)][option]
        if given is not None and given != bool(key):
            raise ValueError(f"option {option!r} of {item!r} {question!r}: the options say key={given}, "
                             f"the responses key={bool(key)}")
        offered[(item, question)][option] = bool(key)

    rows = []
    order = {item: i for i, item in enumerate(matrix.items)}
    for (item, question) in sorted(offered, key=lambda iq: order[iq[0]]):  # stable: questions keep their order
        mine = answers[(answers["item"] == item) & (answers["question"] == question)]
        students = list(dict.fromkeys(mine["student"]))
        picked = {o: set(mine.loc[mine["option"] == o, "student"]) for o in offered[(item, question)]}
        column = matrix.wide[item]
        ranked = [s for s in students if s in column.index and not pd.isna(column[s])]
        totals = (rest_total(matrix, item) + column.dropna())[ranked].to_numpy(dtype=float)
        upper_at, lower_at = upper_lower_groups(ranked, totals)
        upper = [ranked[i] for i in upper_at]
        lower = [ranked[i] for i in lower_at]
        n = len(students)
        for option, key in offered[(item, question)].items():
            chosen = picked[option]
            share = len(chosen) / n if n else math.nan
            up = sum(s in chosen for s in upper) / len(upper) if upper else math.nan
            low = sum(s in chosen for s in lower) / len(lower) if lower else math.nan
            flags = []
            if not key and n >= MIN_STUDENTS:
                if not chosen:
                    flags.append(NOBODY)
                if upper and up > low:
                    flags.append(UPPER_FAVOURED)
                if share >= MISCONCEPTION - _EPS:
                    flags.append(COMMON)
            rows.append({
                "item": item, "question": question, "option": option, "key": bool(key),
                "chosen": _round(share), "upper": _round(up), "lower": _round(low),
                "n": n, "n_upper": len(upper), "n_lower": len(lower), "flags": "; ".join(flags),
            })
    out = pd.DataFrame(rows, columns=OPTION_COLUMNS)
    return out.astype({"key": bool, "chosen": float, "upper": float, "lower": float, "n": int, "n_upper": int,
                       "n_lower": int})


def _round(x: float) -> float:
    return round(x, 3) if not math.isnan(x) else math.nan


# -- one cell per item for items.csv ------------------------------------------------------------------

def _percent(x: float) -> str:
    return f"{100 * x:.0f}%"


def variant_summary(variants: pd.DataFrame) -> str:
    """One item's variants in one cell: ``ASMT-204 p=0.80 n=10; ASMT-240 p=0.45 n=9 (harder than its
    siblings)``; "" for none."""
    parts = []
    for row in variants.itertuples():
        p = "p n/a" if pd.isna(row.difficulty) else f"p={row.difficulty:.2f}"
        parts.append(f"{row.variant} {p} n={row.n}" + (f" ({row.flags})" if row.flags else ""))
    return "; ".join(parts)


def option_summary(options: pd.DataFrame) -> str:
    """One item's options in one cell: ``a 10% (U 0%, L 25%); b* 70% (U 100%, L 40%); c 0% (nobody)``,
    ``*`` marking the key and any other flag after the groups; questions of a triage or disclosure item
    are each named and separated by `` | ``. "" for none."""
    questions = []
    for question, rows in options.groupby("question", sort=False):
        if rows["n"].iloc[0] == 0:
            text = "nobody answered"
        else:
            parts = []
            for row in rows.itertuples():
                name = f"{row.option}{'*' if row.key else ''} {_percent(row.chosen)}"
                flags = [f for f in row.flags.split("; ") if f and f != NOBODY]
                if NOBODY in row.flags.split("; "):
                    parts.append(f"{name} (nobody)")
                    continue
                detail = [] if pd.isna(row.upper) else [f"U {_percent(row.upper)}, L {_percent(row.lower)}"]
                detail += flags
                parts.append(name + (f" ({'; '.join(detail)})" if detail else ""))
            text = "; ".join(parts)
        questions.append(f"{question}: {text}" if question else text)
    return " | ".join(questions)


def item_summaries(items: pd.DataFrame, variants: pd.DataFrame, options: pd.DataFrame) -> pd.DataFrame:
    """The :func:`item_analysis` table with its ``variants`` and ``options`` columns filled from the
    outputs of :func:`variant_analysis` and :func:`option_analysis` ("" for an item with none)."""
    out = items.copy()
    out["variants"] = [variant_summary(variants[variants["item"] == item]) for item in out["item"]]
    out["options"] = [option_summary(options[options["item"] == item]) for item in out["item"]]
    return out
