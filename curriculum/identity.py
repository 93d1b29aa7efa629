"""Who the student in this kernel is, for their variants (:mod:`curriculum.variants`).

In order: the student grading is for (:data:`GRADING_ENV`, set only by the course's grading for the
kernel it starts); JupyterHub's user (``JUPYTERHUB_USER``); on a server with nbgrader's exchange, the
id nbgrader's exchange submits under (the login name, or the hub user when the login is the shared
``jovyan``); a ``CURRICULUM_STUDENT`` setting; the id the student typed once, kept in the answer file;
else nobody yet, and the setup cell asks.

What this finds only decides what the student *sees*. Grading never asks it: it recomputes every
variant from the id of the student whose submission it grades.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from .variants import check_student_id

__all__ = ["ENV", "EXCHANGE_ROOT", "GRADING_ENV", "from_environment"]

#: Set by grading for the kernel that runs an instructor's own test code: the submitting student.
GRADING_ENV = "CURRICULUM_GRADING_STUDENT"
#: A course (or a student) can name the student in the environment.
ENV = "CURRICULUM_STUDENT"
#: nbgrader's default exchange folder (``c.Exchange.root``): when it exists, students fetch and submit
#: through it, under the id of :func:`_exchange_user`.
EXCHANGE_ROOT = Path("/srv/nbgrader/exchange")


def _exchange_user() -> str | None:
    """The id nbgrader's exchange submits under (nbgrader.utils.get_username)."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        return None
    return os.environ.get("JUPYTERHUB_USER", name) if name == "jovyan" else name


def from_environment() -> tuple[str, str] | None:
    """(student id, where it came from) from this process's surroundings, or None: then the answer
    file's stored id, or the student, must say. A value that cannot be a student id is skipped."""
    candidates = [
        (os.environ.get(GRADING_ENV), "grading"),
        (os.environ.get("JUPYTERHUB_USER"), "JupyterHub"),
        (_exchange_user() if EXCHANGE_ROOT.is_dir() else None, "nbgrader's exchange"),
        (os.environ.get(ENV), ENV),
    ]
    for value, where in candidates:
        if value:
            try:
                return check_student_id(value), where
            except ValueError:
                continue
    return None
