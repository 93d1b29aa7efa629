"""StaffNotesOnly: lines of grading output meant for course staff, left out of students' feedback."""

from __future__ import annotations

from ..grading import STAFF_NOTE
from .base import CoursePreprocessor

__all__ = ["StaffNotesOnly"]


class StaffNotesOnly(CoursePreprocessor):
    """In ``generate_feedback``: drop every printed line that starts with :data:`curriculum.grading.STAFF_NOTE`
    (e.g. "the saved answer was made for another student's variant"). Staff read them in formgrader and
    the report; a student is told nothing that reads as an accusation before a person has looked."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and STAFF_NOTE in output.get("text", ""):
                    output["text"] = "".join(line for line in output["text"].splitlines(keepends=True)
                                             if not line.startswith(STAFF_NOTE))
        return cell, resources
