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

:func:`release_validated` is what ``curriculum build`` runs: it generates the student version into a
scratch folder, validates both versions, and only then puts the student version into ``release/``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbconvert.filters import strip_ansi
from nbgrader import utils as nbutils
from nbgrader.validator import Validator

from .answers import AnswerStore
from .course import Course, CourseError
from .keys import ItemKey, KeyReadError, read_keys
from .simulate import correct_value

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
]

INSTRUCTOR = "instructor"
STUDENT = "student"
_IGNORE = shutil.ignore_patterns("*.answers.json", "*.answers.json.*", ".ipynb_checkpoints", "__pycache__")


@dataclass(frozen=True)
class ValidationProblem:
    """One thing that failed: the graded item (or cell) and what happened."""

    assignment: str
    version: str  # "instructor" or "student"
    item: str
    problem: str

    def __str__(self) -> str:
        return f"{self.item}: {self.problem}"


@dataclass(frozen=True)
class CellResult:
    """How one auto-graded cell scored in a validation run."""

    cell: str  # the cell's grade_id
    item: str  # the graded widget item it tests, or its grade_id if it tests none
    score: float
    points: float
    error: str  # "ename: evalue" or what it wrote to stderr; empty if nothing
    feedback: str  # what the test printed


@dataclass
class ValidationReport:
    assignment: str
    version: str
    cells: list[CellResult] = field(default_factory=list)
    problems: list[ValidationProblem] = field(default_factory=list)
    timeout: int | None = None  # seconds a cell may run (Execute.timeout in the course's nbgrader_config.py)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, item: str, text: str) -> None:
        self.problems.append(ValidationProblem(self.assignment, self.version, item, text))


class CourseValidator(Validator):
    """nbgrader's Validator that keeps the notebook it executed, so each cell can be named by item."""

    executed: nbformat.NotebookNode | None = None

    def _preprocess(self, nb):
        nb = super()._preprocess(nb)
        self.executed = nb
        return nb


def course_config(course: Course):
    """The traitlets config of the course's ``nbgrader_config.py``, read as nbgrader reads it (from
    the course folder, so its relative paths hold)."""
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

    path = course.root / "nbgrader_config.py"
    loader = PyFileConfigLoader(path.name, path=str(course.root))
    with nbutils.chdir(str(course.root)):
        try:
            return loader.load_config()
        except ConfigFileNotFound:
            raise CourseError(f"{path} is missing; the course folder needs its nbgrader_config.py") from None
        except Exception as exc:  # the config is Python: anything can go wrong in it
            raise CourseError(f"{path} cannot be loaded ({exc.__class__.__name__}: {exc}); fix it and "
                              "run again") from None


def course_validator(course: Course, **traits) -> CourseValidator:
    """A Validator configured by the course's ``nbgrader_config.py`` (``Execute.timeout`` and all);
    ``traits`` (e.g. ``invert=True``) take precedence over the file."""
    config = course_config(course)
    if "extra_arguments" not in config.Execute:  # no kernel start-up chatter in the build's output
        config.Execute.extra_arguments = ["--IPKernelApp.log_level=ERROR"]
    return CourseValidator(config=config, **traits)


# -- reading an executed notebook -------------------------------------------------------------
def _grade_id(cell) -> str | None:
    return (cell.get("metadata", {}).get("nbgrader") or {}).get("grade_id")


def _is_autograded(cell) -> bool:
    return cell.cell_type == "code" and nbutils.is_grade(cell) and not nbutils.is_solution(cell)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _error(cell, timeout: int | None = None) -> str:
    for output in cell.get("outputs", []):
        if output.output_type == "error":
            if output.ename in ("KeyboardInterrupt", "CellTimeoutError") and timeout:
                # nbgrader interrupts a cell that runs past Execute.timeout
                return (f"{output.ename}: the cell ran longer than the course's cell timeout ({timeout} s, "
                        "Execute.timeout in nbgrader_config.py) and was stopped")
            return _short(f"{output.ename}: {strip_ansi(str(output.evalue))}")
    for output in cell.get("outputs", []):
        if output.output_type == "stream" and output.name == "stderr":
            return _short(f"wrote to stderr (nbgrader scores that as a failure): {output.text}")
    return ""


def _stdout(cell) -> str:
    return "".join(o.text for o in cell.get("outputs", []) if o.output_type == "stream" and o.name == "stdout")


def _label(cell, index: int, items: dict[str, str]) -> str:
    grade_id = _grade_id(cell)
    if grade_id:
        return items.get(grade_id, grade_id)
    first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    return f"cell {index} ({_short(first, 50)!r})"


def _cell_results(nb, items: dict[str, str], log, timeout: int | None) -> list[CellResult]:
    results = []
    for cell in nb.cells:
        if not _is_autograded(cell):
            continue
        score, points = nbutils.determine_grade(cell, log)
        grade_id = _grade_id(cell)
        results.append(CellResult(grade_id, items.get(grade_id, grade_id), float(score), float(points),
                                  _error(cell, timeout), _stdout(cell)))
    return results


def _cells_by_source(nb) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for index, cell in enumerate(nb.cells):
        found.setdefault(cell.source.strip(), []).append(index)
    return found


def _run(course: Course, report: ValidationReport, notebook: Path, items: dict[str, str], **traits):
    """Run the Validator on ``notebook``; return its results and the executed notebook (or ``None``
    after noting on ``report`` why it could not run)."""
    from nbgrader.preprocessors import Execute

    validator = course_validator(course, **traits)
    try:
        results = validator.validate(str(notebook))
    except Exception as exc:  # a kernel that does not start or dies, a notebook nbgrader cannot read
        report.problem("*", f"nbgrader could not validate the {report.version} version "
                            f"({exc.__class__.__name__}: {_short(str(exc), 300)})")
        return None, None
    for entry in results.get("type_changed", []):
        report.problem("*", f"a {entry['old_type']} cell is recorded as a {entry['new_type']} cell in its nbgrader "
                            f"metadata: {_short(entry['source'], 60)!r}")
    if validator.executed is None:
        if not report.problems:
            report.problem("*", "nbgrader did not run the notebook")
        return None, None
    nb = validator.executed
    report.timeout = Execute(parent=validator).timeout
    report.cells = _cell_results(nb, items, validator.log, report.timeout)
    for entry in results.get("changed", []):
        report.problem("*", f"a locked cell differs from its checksum: {_short(entry['source'], 60)!r} "
                            "(run `curriculum build` to regenerate the student version)")
    return results, nb


def _feedback(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return _short(" / ".join(lines[:3]), 240) if lines else "nothing"


# -- the two checks -------------------------------------------------------------------------
def _keys(course: Course, assignment: str, report: ValidationReport) -> list[ItemKey] | None:
    try:
        return read_keys(course.source_notebook(assignment))
    except KeyReadError as exc:
        report.problem("*", f"the key cannot be read: {exc}")
        return None


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
        for key in keys:
            try:
                store.save(key.item, key.kind, correct_value(key))
            except (KeyError, ValueError, TypeError, IndexError) as exc:
                report.problem(key.item, f"no correct answer can be made from the key "
                                         f"({exc.__class__.__name__}: {exc})")
        if report.problems:
            return report
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


def release_validated(course: Course, assignment: str) -> list[ValidationReport]:
    """Validate both versions of ``assignment``; when both pass, put the freshly generated student
    version into ``release/<assignment>`` (as ``nbgrader generate_assignment`` would), else leave
    ``release/`` as it was. Returns the two reports."""
    with tempfile.TemporaryDirectory(dir=course.root, prefix=".release-validate-") as scratch, \
            ThreadPoolExecutor(max_workers=1) as pool:
        # nbgrader generates the student version (a subprocess) while the instructor version runs
        generating = pool.submit(course.generate, assignment, os.path.relpath(scratch, course.root))
        instructor = validate_instructor(course, assignment)
        fresh = generating.result()
        student = validate_release(course, assignment, fresh)
        if instructor.ok and student.ok:
            target = course.root / "release" / assignment
            target.parent.mkdir(exist_ok=True)
            old = Path(scratch) / ".previous"
            if target.exists():
                os.replace(target, old)
            os.replace(fresh, target)
    return [instructor, student]


def summary(reports: list[ValidationReport]) -> str:
    """One line on the validation of an assignment, for ``curriculum build``."""
    assignment = reports[0].assignment
    if all(r.ok for r in reports):
        cells = max(len(r.cells) for r in reports)
        return (f"validated: {cells} auto-graded cell(s) give full marks to the key's answers and 0 to none; "
                f"release/{assignment} regenerated")
    count = sum(len(r.problems) for r in reports)
    return f"validation failed ({count} problem(s)); release/{assignment} left as it was"
