"""HideCourseCode: the student version shows lesson text, case cards and widgets, not the Python that
builds them.

The last step of ``nbgrader generate_assignment``: every code cell of the student version gets
``metadata.jupyter.source_hidden`` (JupyterLab 4 and Notebook 7 then show its input collapsed, its
output as usual). Without it a student sees, above each practice widget, the whole call that builds
it, the key and explanations included, and every question twice. The source notebooks in ``source/``
are untouched, so instructors still see the code; a student can still expand a cell, which changes
nothing that is graded (the course's cells are locked and restored before grading).
"""

from __future__ import annotations

from .base import CoursePreprocessor

__all__ = ["HideCourseCode"]


class HideCourseCode(CoursePreprocessor):
    """Collapse the input of every code cell of the student version."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
        return cell, resources
