"""One validation run: nbgrader's Validator, configured by the course, over a copy of a notebook, and
what each auto-graded cell scored (see :mod:`curriculum.staff.validate`)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbconvert.filters import strip_ansi
from nbgrader import utils as nbutils
from nbgrader.validator import Validator

from ..course import Course, CourseError, Problem
from ...keys import ItemKey, KeyReadError, read_keys
from ...nbhelpers import grade_id


__all__ = ["CellResult", "CourseValidator", "ValidationProblem", "ValidationReport", "course_config",
           "course_validator"]


INSTRUCTOR = "instructor"
STUDENT = "student"
VARIANTS = "variants"
_IGNORE = shutil.ignore_patterns("*.answers.json", "*.answers.json.*", ".ipynb_checkpoints", "__pycache__")


#: One thing that failed in a validation run: the graded item (or cell) and what happened.
ValidationProblem = Problem


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
    students: int = 0  # student ids whose variants were graded (the variants check)
    pooled: bool = False  # ... and they were shown every member of every pool

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, item: str, text: str) -> None:
        self.problems.append(ValidationProblem(item, text))


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
    from traitlets.config.loader import ConfigFileNotFound

    from ...nbhelpers import load_course_config

    path = course.root / "nbgrader_config.py"
    try:
        return load_course_config(course.root)
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
    return grade_id(cell)


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


