"""Validate an assignment before its student version is released (``curriculum build``).

Two runs of nbgrader's :class:`~nbgrader.validator.Validator`, configured by the course's own
``nbgrader_config.py`` (its cell timeout and everything else):

1. **The instructor version passes.** The source notebook is copied to a scratch folder next to a
   full-marks answer file written from the key (the literal arguments of the hidden tests' Grader
   calls, :func:`curriculum.keys.read_keys`). Every auto-graded cell must get all its points and no
   code cell may raise an error.
2. **The student version fails its tests.** Release notebooks have their hidden tests stripped, so
   stock ``nbgrader validate --invert`` would pass trivially. Like autograde, the source's hidden test
   cells are put back into the student version by grade_id (what nbgrader's ``OverwriteCells`` does)
   and the notebook runs with *no* answer file. Every auto-graded cell must score zero: the
   Validator's ``--invert`` flags cells that get full marks, and a cell that gets part of its points
   is flagged here too. A cell that scores with nothing answered means the key leaks into the student
   version or the test is broken -- typically the Grader's result is assigned or printed instead of
   being the cell's last expression, which nbgrader reads as full marks.

3. **Every student's variant works** (:func:`validate_variants`, when the plan varies the assignment):
   for a sample of student ids that shows every pool member, graded as data as autograde grades it,
   the key's answers for each student's own variant get full marks, no answer gets 0, and the widget
   shows the variant the key grades.

:func:`release_validated` is what ``curriculum build`` runs: it generates the student version into a
scratch folder, validates both versions, and only then puts the student version into ``release/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..course import Course
from .runner import (VARIANTS, CellResult, CourseValidator, ValidationProblem, ValidationReport, course_config,
                     course_validator)
from .versions import validate_instructor, validate_release, validate_variants

__all__ = [
    "CellResult",
    "CourseValidator",
    "ValidationProblem",
    "ValidationReport",
    "course_config",
    "course_validator",
    "release_validated",
    "summary",
    "validate_instructor",
    "validate_release",
    "validate_variants",
]

def release_validated(course: Course, assignment: str, target: Path | None = None) -> list[ValidationReport]:
    """Validate both versions of ``assignment``; when both pass, put the freshly generated student
    version into ``target`` (default ``release/<assignment>``, as ``nbgrader generate_assignment``
    would), else leave it as it was. Returns the two reports."""
    with tempfile.TemporaryDirectory(dir=course.root, prefix=".release-validate-") as scratch, \
            ThreadPoolExecutor(max_workers=1) as pool:
        # nbgrader generates the student version (a subprocess) while the instructor version runs
        generating = pool.submit(course.generate, assignment, os.path.relpath(scratch, course.root))
        instructor = validate_instructor(course, assignment)
        fresh = generating.result()
        student = validate_release(course, assignment, fresh)
        variants = validate_variants(course, assignment)
        if instructor.ok and student.ok and variants.ok:
            target = target or course.root / "release" / assignment
            target.parent.mkdir(parents=True, exist_ok=True)
            old = Path(scratch) / ".previous"
            if target.exists():
                shutil.move(target, old)
            shutil.move(fresh, target)  # os.replace where it can; a copy across file systems
    return [instructor, student, variants]


def summary(reports: list[ValidationReport], target: Path | None = None) -> str:
    """One line on the validation of an assignment, for ``curriculum build``."""
    assignment = reports[0].assignment
    where = str(target) if target else f"release/{assignment}"
    if all(r.ok for r in reports):
        cells = max(len(r.cells) for r in reports)
        varied = next((r for r in reports if r.version == VARIANTS and r.students), None)
        each = (f", in the variants of {varied.students} sample students too"
                f"{' (every pool member)' if varied.pooled else ''}") if varied else ""
        return (f"validated: {cells} auto-graded cell(s) give full marks to the key's answers and 0 to none"
                f"{each}; {where} regenerated")
    count = sum(len(r.problems) for r in reports)
    return f"validation failed ({count} problem(s)); {where} left as it was"
