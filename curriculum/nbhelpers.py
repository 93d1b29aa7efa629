"""Small helpers for living with nbgrader 0.9, used by the course config and the staff commands."""

from __future__ import annotations

import warnings

__all__ = ["quiet_known_warnings"]


def quiet_known_warnings() -> None:
    """Silence nbgrader 0.9's "Object of type <SubmittedAssignment> not in session" SQLAlchemy 2
    warnings: nbgrader gives them the first time it records each submission, then adds it correctly,
    so they are noise in every grading log (and an honest submission should log no warning)."""
    warnings.filterwarnings("ignore", message=r"Object of type <Submitted\w+> not in session")
