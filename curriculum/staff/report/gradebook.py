"""The gradebook of one assignment read into pandas: every student, every item's score."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import pandas as pd

if TYPE_CHECKING:
    from ..course import Course

from ..course import CourseError
from ...errors import ReportError
from ...nbhelpers import cell_meta

NO_SUBMISSION = "no submission"
AWAITING = "awaiting manual grading"
GRADED = "graded"

GRADE_COLUMNS = ["student", "first_name", "last_name", "email", "lms_user_id", "status", "auto_score",
                 "manual_score", "extra_credit", "late_penalty", "total", "max", "percent", "pending_manual"]

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
    return [cell_meta(c)["grade_id"] for c in nb.cells
            if cell_meta(c).get("grade") and "grade_id" in cell_meta(c)]


def _item_names(course: Course, assignment: str) -> tuple[list[str], dict[str, str]]:
    """Grade cell order and the item a hidden test grades (``q1-single-test`` -> ``q1-single``)."""
    from ...keys import KeyReadError, read_keys

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
