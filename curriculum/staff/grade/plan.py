"""Who a grading run grades: the submissions found, those refused (a folder that is not a student id)
and those skipped (already graded), and the assignment as the gradebook must know it."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from ..course import STUDENT_ID, STUDENT_ID_RULE, Course, CourseError
from .results import GradeResult

__all__ = ["already_graded", "choose", "prepare_gradebook", "submitted_students"]


def submitted_students(course: Course, assignment: str) -> list[str]:
    """Students with a folder ``submitted/<student>/<assignment>/``."""
    root = course.root / "submitted"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and (p / assignment).is_dir())


def _timestamp(folder: Path) -> datetime | None:
    from nbgrader.utils import parse_utc

    stamp = folder / "timestamp.txt"
    try:
        return parse_utc(stamp.read_text().strip())
    except (OSError, ValueError):
        return None


def already_graded(course: Course, assignment: str, student: str, notebooks: list[str]) -> bool:
    """nbgrader's own rule: every autograded notebook exists and the submission is not newer."""
    dest = course.root / "autograded" / student / assignment
    if not all((dest / f"{nb}.ipynb").is_file() for nb in notebooks):
        return False
    new, old = _timestamp(course.root / "submitted" / student / assignment), _timestamp(dest)
    return not (new is not None and old is not None and new > old)


def prepare_gradebook(course: Course, assignment: str) -> list[str]:
    """Make sure the gradebook knows the assignment (its notebooks and cells); return notebook names."""
    from nbgrader.api import MissingEntry

    def notebooks() -> list[str]:
        with course.gradebook() as gb:
            try:
                return [nb.name for nb in gb.find_assignment(assignment).notebooks]
            except MissingEntry:
                return []

    names = notebooks()
    if not names:  # the release was generated elsewhere: record the source in this gradebook
        scratch = course.root / f".grade-release-{os.getpid()}"
        try:
            course.generate(assignment, release_dir=scratch.name)
        finally:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)
        names = notebooks()
    if not names:
        raise CourseError(f"{assignment} has no notebooks in the gradebook after generate_assignment")
    return names


def choose(course: Course, assignment: str, students: list[str] | None) -> tuple[list[str], list[GradeResult]]:
    """The students whose submission of ``assignment`` is to be graded (all, or ``students``), and the
    submission folders refused because their name is not a student id."""
    found = submitted_students(course, assignment)
    if students:
        missing = [s for s in students if s not in found]
        if missing:
            raise CourseError(f"no submission of {assignment} from {', '.join(missing)} "
                              f"(expected submitted/<student>/{assignment}/)")
        found = [s for s in found if s in students]
    if not found:
        raise CourseError(f"no submissions of {assignment}: put them in submitted/<student>/{assignment}/ "
                          "(nbgrader collect or zip_collect does this)")
    refused = [GradeResult(s, "refused", message=f"not graded: the folder name is not a student id (it "
                           f"{STUDENT_ID_RULE}); rename submitted/<folder> to the student's id and grade again")
               for s in found if not STUDENT_ID.fullmatch(s)]
    return [s for s in found if STUDENT_ID.fullmatch(s)], refused
