"""What the course's nbgrader preprocessors share: their base class, the notebook metadata they keep
their findings in, and the hand-off of the assignment's cells from the sanitize pass to the autograde
pass of the same submission."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

__all__ = ["METADATA_KEY", "REFERENCES", "CoursePreprocessor", "course_path", "reference_key"]

#: The notebook metadata key the preprocessors keep their findings under (reset for every submission).
METADATA_KEY = "curriculum"

#: The assignment's cells as CheckSubmission read them from the gradebook in the sanitize pass, handed
#: to GradeAnswers in the autograde pass of the same submission (nbgrader runs the two passes one after
#: the other in one process); popped at once, so nothing outlives one submission's grading.
REFERENCES: dict[tuple[str, ...], list[Any]] = {}


def reference_key(info: dict[str, Any]) -> tuple[str, ...]:
    """The key of one submission's notebook in :data:`REFERENCES` (from ``resources["nbgrader"]``)."""
    return tuple(str(info.get(k)) for k in ("db_url", "assignment", "notebook", "student"))



def course_path(config: Any, folder: str, assignment: str, student: str = ".") -> Path:
    """A folder of the course as nbgrader names it: ``folder`` is ``"source"`` or ``"autograded"``."""
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    return Path(coursedir.format_path(getattr(coursedir, f"{folder}_directory"), student, assignment))


class CoursePreprocessor(Preprocessor):
    """nbconvert runs a preprocessor only when it is enabled; the course's are, unless configured off."""

    enabled = Bool(True, help="nbconvert runs a preprocessor only when enabled").tag(config=True)
