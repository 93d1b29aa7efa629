"""Small helpers for living with nbgrader 0.9, used by the course config and the staff commands."""

from __future__ import annotations

import warnings

__all__ = ["KERNEL_DESIGN_CONFIG", "quiet_known_warnings"]


def quiet_known_warnings() -> None:
    """Silence nbgrader 0.9's "Object of type <SubmittedAssignment> not in session" SQLAlchemy 2
    warnings: nbgrader gives them the first time it records each submission, then adds it correctly,
    so they are noise in every grading log (and an honest submission should log no warning)."""
    warnings.filterwarnings("ignore", message=r"Object of type <Submitted\w+> not in session")


#: Appended to a course's ``nbgrader_config.py``, this grades as the course did before grading as data:
#: nbgrader's Execute runs every cell of the submission, the student's own cells too, in a kernel.
#: Only for comparisons: ``benchmarks/grading.py`` times it, ``tests/test_integrity.py`` shows what
#: student code could do under it. Never use it to grade students.
KERNEL_DESIGN_CONFIG = """
# kernel design (for comparison only): every cell runs in a kernel, student code included
c.Autograde.autograde_preprocessors = ["nbgrader.preprocessors.Execute" if p.endswith(".GradeAnswers") else p
                                       for p in c.Autograde.autograde_preprocessors]
"""
