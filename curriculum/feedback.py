"""Student feedback that keeps the answer key for an assessment used again.

By default a student's feedback shows, under each graded item, what the hidden test printed: the
score, the right answer and the explanations. That teaches, but it gives the key away, which a
course cannot afford for an assignment it reuses (a capstone, an exam). For such an assignment,
``feedback: scores`` in its plan file (``assignments/<id>.yaml``) or ``curriculum report
--feedback scores`` turns on :class:`WithholdAnswers`, an nbgrader feedback preprocessor listed in
``nbgrader_config.py`` that keeps of each test's printout only the lines in :data:`SAFE_LINES`: the
score, notes about the student's saved answers, and counts that say how close the answer was
without saying what was right.

:func:`withhold` is the pure rule (text in, text out); the preprocessor
(:mod:`curriculum.preprocessors.withhold`) applies it to test cells.
"""

from __future__ import annotations

import re

from .kinds import KINDS

__all__ = ["FEEDBACK_MODES", "SAFE_LINES", "WITHHELD", "is_safe", "withhold"]  # and WithholdAnswers, below

#: ``full``: the test's whole printout; ``scores``: only :data:`SAFE_LINES`.
FEEDBACK_MODES = ("full", "scores")

#: Lines of a test's printout that do not reveal the key: the score, notes about the saved answers,
#: and each kind's own (:attr:`curriculum.kinds.Kind.safe_lines`, what curriculum/scoring.py prints).
SAFE_LINES = tuple(re.compile(p) for p in (
    r"^\S+: [\d.]+ of [\d.]+ point\(s\)$",
    r"^Note: ",
    *(line for kind in KINDS.values() for line in kind.safe_lines),
))

WITHHELD = ("(The right answers and explanations of this assignment are withheld because it is used "
            "again. Ask your tutor to go through it with you.)")


def is_safe(line: str) -> bool:
    """Whether a line a test printed can show in withheld feedback."""
    return any(p.match(line.strip()) for p in SAFE_LINES)


def withhold(text: str) -> str:
    """The lines of a test's printout that are safe to show, then a line saying the rest is withheld."""
    kept = [line for line in text.splitlines() if is_safe(line)]
    return "\n".join([*kept, WITHHELD]) + "\n"


def __getattr__(name: str):
    # curriculum.feedback.WithholdAnswers, the name course configs use: the preprocessor lives with the others
    if name == "WithholdAnswers":
        from .preprocessors.withhold import WithholdAnswers

        return WithholdAnswers
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
