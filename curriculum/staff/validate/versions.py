"""The two versions validated: the instructor's must pass, the student's must fail its tests."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nbformat
from nbgrader import utils as nbutils

from ...answers import AnswerStore
from ...identity import GRADING_ENV
from ...keys import notebook_settings
from ...nbhelpers import environment
from ..course import Course
from ..simulate import correct_value
from .runner import (_IGNORE, INSTRUCTOR, STUDENT, VARIANTS, ValidationReport, _cells_by_source, _error, _feedback, _grade_id,
                     _is_autograded, _keys, _label, _run, _stdout)

__all__ = ["validate_instructor", "validate_release", "validate_variants"]

#: The student whose variants the instructor version is run as.
CHECK_STUDENT = "instructor-check"


def validate_instructor(course: Course, assignment: str) -> ValidationReport:
    """Run the source notebook with the key's answers saved: every auto-graded cell must get full
    points and no code cell may raise an error."""
    report = ValidationReport(assignment, INSTRUCTOR)
    keys = _keys(course, assignment, report)
    if keys is None:
        return report
    items = {k.cell_id: k.item for k in keys}
    with tempfile.TemporaryDirectory(prefix="curriculum-validate-") as scratch:
        folder = Path(scratch) / assignment
        shutil.copytree(course.source_notebook(assignment).parent, folder, ignore=_IGNORE)
        store = AnswerStore(assignment, folder)
        settings = notebook_settings(course.source_notebook(assignment))
        for key in keys:  # the answers of one student's variant, as that student's kernel saves them
            view = key.layout(settings, assignment, CHECK_STUDENT)
            try:
                store.save(key.item, key.kind, correct_value(key.shown(view)), view.fingerprint if view.varied else None)
            except (KeyError, ValueError, TypeError, IndexError) as exc:
                report.problem(key.item, f"no correct answer can be made from the key "
                                         f"({exc.__class__.__name__}: {exc})")
        if report.problems:
            return report
        with environment(**{GRADING_ENV: CHECK_STUDENT}):  # the kernel's Quiz and Grader: that student
            results, nb = _run(course, report, folder / f"{assignment}.ipynb", items, validate_all=True)
    if nb is None:
        return report
    by_source = _cells_by_source(nb)
    for entry in results.get("failed", []):
        for index in by_source.get(entry["source"], []):
            cell = nb.cells[index]
            label = _label(cell, index, items)
            if _is_autograded(cell):
                score, points = nbutils.determine_grade(cell)
                error = _error(cell, report.timeout)
                if error:
                    report.problem(label, f"with the key's answers saved, the test fails: {error}")
                else:
                    report.problem(label, f"with the key's answers saved, the test gives {score:g} of {points:g} "
                                          f"point(s); it printed: {_feedback(_stdout(cell))}")
            elif cell.cell_type == "code":
                report.problem(label, f"the instructor version fails in this cell: "
                                      f"{_error(cell, report.timeout) or 'no output'}")
    return report


def _restore_hidden_tests(source_nb, release_nb, report: ValidationReport) -> None:
    """Put the source's locked cells (hidden tests included) back into the student version by
    grade_id, with their type, points and checksum, as nbgrader's OverwriteCells does in autograde."""
    source = {_grade_id(c): c for c in source_nb.cells if _grade_id(c)}
    seen = set()
    for cell in release_nb.cells:
        grade_id = _grade_id(cell)
        if not grade_id:
            continue
        seen.add(grade_id)
        original = source.get(grade_id)
        if original is None:
            report.problem(grade_id, "the student version has a graded cell that the source notebook lacks "
                                     "(run `curriculum build` to regenerate it)")
            del cell.metadata.nbgrader["grade_id"]
            continue
        if nbutils.is_solution(original):
            continue  # the student's own cell: left as released
        meta = cell.metadata.nbgrader
        if cell.cell_type != original.cell_type:
            cell.cell_type = original.cell_type
            if original.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            else:
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
        cell.source = original.source
        meta["locked"] = nbutils.is_locked(original) or meta.get("locked", False)
        if nbutils.is_grade(original):
            meta["points"] = float(original.metadata.nbgrader.get("points", 0))
        meta["checksum"] = nbutils.compute_checksum(cell)
    for grade_id, cell in source.items():
        if grade_id not in seen and _is_autograded(cell):
            report.problem(grade_id, "this graded cell of the source notebook is missing from the student version")


def validate_release(course: Course, assignment: str, release_folder: Path) -> ValidationReport:
    """Run the student version in ``release_folder`` (as generated) with the source's hidden tests
    put back and no answer file: every auto-graded cell must score zero without raising an error."""
    report = ValidationReport(assignment, STUDENT)
    keys = _keys(course, assignment, report)
    if keys is None:
        return report
    items = {k.cell_id: k.item for k in keys}
    released = Path(release_folder) / f"{assignment}.ipynb"
    if not released.is_file():
        report.problem("*", f"{released} does not exist; generate the student version first")
        return report
    with tempfile.TemporaryDirectory(prefix="curriculum-validate-") as scratch:
        folder = Path(scratch) / assignment
        shutil.copytree(release_folder, folder, ignore=_IGNORE)  # never an answer file: nothing is answered
        nb = nbformat.read(folder / released.name, as_version=4)
        _restore_hidden_tests(nbformat.read(course.source_notebook(assignment), as_version=4), nb, report)
        nbformat.write(nb, folder / released.name)
        results, nb = _run(course, report, folder / released.name, items, invert=True)
    if nb is None:
        return report
    flagged = set()
    by_source = _cells_by_source(nb)
    for entry in results.get("passed", []):  # the Validator's --invert verdict: full marks with no answer
        flagged.update(by_source.get(entry["source"], []))
    for index, cell in enumerate(nb.cells):
        if _is_autograded(cell):
            score, points = nbutils.determine_grade(cell)
            label = _label(cell, index, items)
            error = _error(cell, report.timeout)
            if index in flagged or score > 0:
                report.problem(label, f"with no answer saved, the student version gets {score:g} of {points:g} "
                                      "point(s); a blank answer must score 0 (nbgrader gives full points to a "
                                      "test cell that raises no error and whose last line shows no number: is "
                                      "the Grader call the cell's last expression?)")
            elif error:
                report.problem(label, f"with no answer saved, the test raises an error instead of giving feedback: "
                                      f"{error}")
        elif cell.cell_type == "code" and not nbutils.is_solution(cell) and _error(cell):
            report.problem(_label(cell, index, items), "the student version fails in this cell before anything "
                                                       f"is answered: {_error(cell, report.timeout)}")
    return report




#: Student ids a variants validation tries: at least MIN, more until every pool member has been shown.
SAMPLE_MIN, SAMPLE_MAX = 24, 400


def validate_variants(course: Course, assignment: str) -> ValidationReport:
    """Every student's own variant, graded as data (as autograde grades this course): for a sample of
    student ids that shows every member of every pool, the key's answers for that student's variant get
    full marks and no answer gets 0, and the widget shows the variant the key grades. Nothing to do
    when the assignment does not vary."""
    import contextlib
    import io

    from ...answers import AnswerRecord, AnswerSet, now_iso
    from ...grading import Grader
    from ...keys import widget_arguments
    from ...variants import layout_for_call

    report = ValidationReport(assignment, VARIANTS)
    keys = _keys(course, assignment, report)
    source = course.source_notebook(assignment)
    settings = notebook_settings(source)
    if keys is None or not settings.on:
        return report
    widgets = widget_arguments(source)
    unseen = {(k.item, m) for k in keys for pool in k.pools for m in pool} if settings.mode == "cases" else set()
    students: list[str] = []
    while len(students) < SAMPLE_MAX and (len(students) < SAMPLE_MIN or unseen):
        students.append(f"variant-check-{len(students) + 1:03d}")
        for key in keys:
            unseen -= {(key.item, shown) for _listed, shown in key.layout(settings, assignment, students[-1]).cases}
    for item, member in sorted(unseen):
        report.problem(item, f"no student of {len(students)} sample ids is shown pool member {member}")
    failed: set[str] = set()
    for student in students:
        answers = AnswerSet(assignment)
        for key in keys:
            view = key.layout(settings, assignment, student)
            try:
                value = correct_value(key.shown(view))
            except (KeyError, ValueError, TypeError, IndexError) as exc:
                report.problem(key.item, f"{student}: no correct answer can be made from the key ({exc})")
                failed.add(key.item)
                continue
            answers.answers[key.item] = AnswerRecord(key.kind, value, now_iso(), view.fingerprint if view.varied else None)
        for key in keys:
            if key.item in failed:
                continue
            view = key.layout(settings, assignment, student)
            method, arguments = widgets.get(key.item, (None, None))
            if method is None or layout_for_call(method, arguments, settings, assignment, student).fingerprint \
                    != view.fingerprint:
                report.problem(key.item, f"{student}: the widget shows another variant than the key grades "
                                         "(run `curriculum check`: the key and the widget disagree on the options or posts)")
                failed.add(key.item)
                continue
            for given, want in ((answers, key.points), (AnswerSet(assignment), 0.0)):
                printed = io.StringIO()
                try:
                    with contextlib.redirect_stdout(printed):
                        grader = Grader(assignment, answers=given, student=student, settings=settings)
                        points = float(getattr(grader, key.method)(key.item, points=key.points, **key.args))
                except Exception as exc:  # the key is wrong for this variant
                    report.problem(key.item, f"{student} ({view.label() or 'order only'}): the test raises "
                                             f"{exc.__class__.__name__}: {exc}")
                    failed.add(key.item)
                    break
                if abs(points - want) > 1e-9:
                    what = "the key's answers" if want else "no answer"
                    report.problem(key.item, f"{student} ({view.label() or 'order only'}): {what} get {points:g} "
                                             f"of {key.points:g} point(s), not {want:g}; it printed: "
                                             f"{_feedback(printed.getvalue())}")
                    failed.add(key.item)
                    break
    report.students = len(students)
    report.pooled = any(key.pools for key in keys) and settings.mode == "cases"
    return report
