"""What each student chose, read for the variant and option analyses (:mod:`.options`).

The answers are the merged answer files grading wrote (``autograded/<student>/<assignment>/``), read as
data. Each student's answer is turned back into the authored option keys through that student's own
variant, recomputed from their id (:mod:`curriculum.variants`), so "b" means the same option in every
row whatever order each student saw.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ...answers import AnswerFileError, parse_answer_file
from ...keys import ItemKey, KeyReadError, notebook_settings, read_keys, widget_arguments
from ...scoring import VERDICTS
from ...variants import mismatch
from .gradebook import ReportError

if TYPE_CHECKING:
    from ..course import Course

__all__ = ["RESPONSE_COLUMNS", "other_variants", "read_responses", "responses_of"]

RESPONSE_COLUMNS = ["student", "item", "variant", "question", "option", "key"]


def responses_of(student: str, key: ItemKey, value: Any, variant: str, authored: dict[str, str],
                 reasons: dict[str, str]) -> list[dict[str, Any]]:
    """The rows of one student's answer ``value`` to one item whose key is ``key`` as that student's
    variant shows it; ``authored`` maps the letters the student saw back to the authored option keys."""
    rows = []

    def row(question: str, option: str, right: bool) -> None:
        rows.append({"student": student, "item": key.item, "variant": variant, "question": question,
                     "option": option, "key": right})

    a = key.args
    if key.kind == "single" and isinstance(value, str):
        row("", authored.get(value, value), value == a["correct"])
    elif key.kind == "multiple":
        for chosen in value or ():
            row("", authored.get(chosen, chosen), chosen in a["correct"])
    elif key.kind == "triage":
        for post, choice in (value or {}).items():
            if post not in a["key"]:
                continue  # a post this student was not shown
            verdict, reason = a["key"][post]
            if choice.get("verdict"):
                row(f"{post}:verdict", choice["verdict"], choice["verdict"] == verdict)
            if choice.get("reason") in reasons:
                row(f"{post}:reason", choice["reason"], choice["reason"] == reason)
    elif key.kind == "disclosure":
        for part, chosen in (value or {}).items():
            if part in a["key"]:
                row(part, chosen, chosen in a["key"][part])
    return rows


def variant_label(key: ItemKey, view) -> str:
    """The variant a student saw, as the item analysis groups students: the pooled posts shown, or for a
    single choice the letter its right answer was shown under (a position effect shows up there)."""
    if view.cases:
        return view.label()
    if key.kind == "single" and view.letters:
        return f"right answer shown as {view.shown_letter()[key.args['correct']]}"
    return ""


def _offered(key: ItemKey, widget: dict[str, Any]) -> dict[tuple[str, str], dict[str, bool]]:
    """Every option offered for each question of an item, each marked key or not, as authored."""
    a, out = key.args, {}
    if key.kind in ("single", "multiple"):
        right = {a["correct"]} if key.kind == "single" else set(a["correct"])
        out[(key.item, "")] = {o: o in right for o in widget.get("options") or ()}
    elif key.kind == "triage":
        reasons = list(widget.get("reasons") or ())
        for post, (verdict, reason) in a["key"].items():
            out[(key.item, f"{post}:verdict")] = {v: v == verdict for v in VERDICTS}
            out[(key.item, f"{post}:reason")] = {r: r == reason for r in reasons}
    elif key.kind == "disclosure":
        for part, acceptable in a["key"].items():
            out[(key.item, part)] = {o: o in acceptable for o in (widget.get("parts") or {}).get(part, {})}
    return out


def _graded(course: Course, assignment: str):
    """The key, widgets, settings and each graded student's merged answers of ``assignment``."""
    source = course.source_notebook(assignment)
    try:
        keys = read_keys(source)
        settings = notebook_settings(source)
    except KeyReadError as exc:
        raise ReportError(f"the key of {assignment} cannot be read: {exc}") from None
    files = sorted((course.root / "autograded").glob(f"*/{assignment}/{assignment}.answers.json"))
    if not files:
        raise ReportError(f"no graded answers of {assignment} in autograded/ (grade the submissions first)")
    students = []
    for path in files:
        try:
            answers = parse_answer_file(path.read_text(encoding="utf-8"), assignment, with_notes=True)
        except (OSError, UnicodeDecodeError, AnswerFileError):
            continue  # grading noted it for that student; the analyses do without their answers
        students.append((path.parent.parent.name, answers))
    return keys, widget_arguments(source), settings, students


def read_responses(course: Course, assignment: str) -> tuple[pd.DataFrame, dict[tuple[str, str], dict[str, bool]]]:
    """Every graded student's choices on ``assignment`` (one row per option chosen, in authored keys,
    with the variant each student saw) and every option offered per (item, question)."""
    keys, widgets, settings, students = _graded(course, assignment)
    offered: dict[tuple[str, str], dict[str, bool]] = {}
    for key in keys:
        offered.update(_offered(key, widgets.get(key.item, ("", {}))[1]))
    rows: list[dict[str, Any]] = []
    for student, answers in students:
        for key in keys:
            record = answers.answers.get(key.item)
            if record is None or record.kind != key.kind:
                continue
            view = key.layout(settings, assignment, student)
            reasons = dict(widgets.get(key.item, ("", {}))[1].get("reasons") or {})
            rows += responses_of(student, key.shown(view), record.value, variant_label(key, view),
                                 view.authored_letter(), reasons)
    return pd.DataFrame(rows, columns=RESPONSE_COLUMNS), offered


def other_variants(course: Course, assignment: str) -> list[str]:
    """Each graded answer that was saved in another student's variant of its item (copied answers, or
    a student who typed someone else's id), for staff: "student item: made for variant X, not Y"."""
    keys, _widgets, settings, students = _graded(course, assignment)
    found = []
    for student, answers in students:
        for key in keys:
            record = answers.answers.get(key.item)
            if record is None:
                continue
            view = key.layout(settings, assignment, student)
            if mismatch(record.variant, view, student):  # the rule grading notes for staff
                expected = view.fingerprint if view.varied else "the authored item"
                found.append(f"{student} {key.item}: answer saved in variant {record.variant or '(none)'}, not the "
                             f"student's own ({expected})")
    return found
