"""nbgrader's ``OverwriteCells`` and ``SaveAutoGrades`` with their own rules, but one gradebook read per
notebook instead of one (or two) per cell, and one commit instead of one per cell.

Stock nbgrader asks the gradebook for every graded cell separately: about fifty queries and twenty-five
commits for one of this course's notebooks. Grading as data made everything else cheap, so these
round trips became a third of what grading a submission costs, and on SQLite every commit also waits for
the other workers' locks. The classes here change only how the cells are looked up: nbgrader's own
``preprocess_cell``, ``_add_score`` and ``_add_comment`` still decide what is checked, repaired and saved,
so the gradebook ends up exactly as stock nbgrader leaves it (``tests/staff/test_grade.py`` compares both).
One commit also means a submission's grades are saved all together or not at all.
"""

from __future__ import annotations

from typing import Any

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.preprocessors import OverwriteCells as _StockOverwriteCells
from nbgrader.preprocessors import SaveAutoGrades as _StockSaveAutoGrades

__all__ = ["OverwriteCells", "SaveAutoGrades"]


def _by_name(cells) -> dict[str, Any]:
    return {cell.name: cell for cell in cells}


class _NotebookCells:
    """What ``OverwriteCells.preprocess_cell`` asks the gradebook, answered from one read of the
    notebook; anything else goes to the real gradebook."""

    def __init__(self, gradebook: Gradebook, notebook: str, assignment: str):
        self._gradebook = gradebook
        found = gradebook.find_notebook(notebook, assignment)
        self._source = _by_name(found.source_cells)
        # find_graded_cell looks for a grade cell first, then a task cell of that name
        self._graded = {**_by_name(found.task_cells), **_by_name(found.grade_cells)}

    def find_source_cell(self, name: str, notebook: str, assignment: str):
        try:
            return self._source[name]
        except KeyError:
            raise MissingEntry(f"No such source cell: {assignment}/{notebook}/{name}") from None

    def find_graded_cell(self, name: str, notebook: str, assignment: str):
        try:
            return self._graded[name]
        except KeyError:
            raise MissingEntry(f"No such grade cell: {assignment}/{notebook}/{name}") from None

    def __getattr__(self, name: str):
        return getattr(self._gradebook, name)


class OverwriteCells(_StockOverwriteCells):
    """nbgrader's ``OverwriteCells``, reading the assignment's cells once per notebook."""

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.db_url = resources["nbgrader"]["db_url"]
        with Gradebook(self.db_url) as gradebook:
            self.gradebook = _NotebookCells(gradebook, self.notebook_id, self.assignment_id)
            nb, resources = NbGraderPreprocessor.preprocess(self, nb, resources)
            if self.add_missing_cells:
                nb, resources = self.add_missing_grade_cells(nb, resources)
                nb, resources = self.add_missing_task_cells(nb, resources)
        return nb, resources


class _Deferred:
    """A session whose ``commit`` waits for the end of the notebook."""

    def __init__(self, session):
        self._session = session

    def commit(self) -> None:
        pass

    def __getattr__(self, name: str):
        return getattr(self._session, name)


def _for_cells(rows: dict[str, Any], *kinds) -> dict[str, Any]:
    """Rows (grades or comments, by cell id) by cell name; a later kind of cell wins a shared name."""
    return {cell.name: rows[cell.id] for cells in kinds for cell in cells if cell.id in rows}


class _SubmissionCells:
    """What ``SaveAutoGrades`` asks the gradebook, answered from one read of the submitted notebook."""

    def __init__(self, gradebook: Gradebook, notebook: str, assignment: str, student: str):
        submitted = gradebook.find_submission_notebook(notebook, assignment, student)
        cells = submitted.notebook
        grades = {grade.cell_id: grade for grade in submitted.grades}
        comments = {comment.cell_id: comment for comment in submitted.comments}
        # find_grade looks for a grade cell first, then a task cell; find_comment a solution cell first
        self._grades = _for_cells(grades, cells.task_cells, cells.grade_cells)
        self._comments = _for_cells(comments, cells.task_cells, cells.solution_cells)
        self.db = _Deferred(gradebook.db)

    def find_grade(self, grade_cell: str, notebook: str, assignment: str, student: str):
        try:
            return self._grades[grade_cell]
        except KeyError:
            raise MissingEntry(f"No such grade: {assignment}/{notebook}/{grade_cell} of {student}") from None

    def find_comment(self, solution_cell: str, notebook: str, assignment: str, student: str):
        try:
            return self._comments[solution_cell]
        except KeyError:
            raise MissingEntry(f"No such comment: {assignment}/{notebook}/{solution_cell} of {student}") from None


class SaveAutoGrades(_StockSaveAutoGrades):
    """nbgrader's ``SaveAutoGrades``, reading the submission's grades once and committing once."""

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.student_id = resources["nbgrader"]["student"]
        self.db_url = resources["nbgrader"]["db_url"]
        with Gradebook(self.db_url) as gradebook:
            self.gradebook = _SubmissionCells(gradebook, self.notebook_id, self.assignment_id, self.student_id)
            nb, resources = NbGraderPreprocessor.preprocess(self, nb, resources)
            gradebook.db.commit()
        return nb, resources
