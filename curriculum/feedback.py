"""Student feedback that keeps the answer key for an assessment used again.

By default a student's feedback shows, under each graded item, what the hidden test printed: the
score, the right answer and the explanations. That teaches, but it gives the key away, which a
course cannot afford for an assignment it reuses (a capstone, an exam). For such an assignment,
``feedback: scores`` in its plan file (``assignments/<id>.yaml``) or ``curriculum report
--feedback scores`` turns on :class:`WithholdAnswers`, an nbgrader feedback preprocessor listed in
``nbgrader_config.py`` that keeps of each test's printout only the lines in :data:`SAFE_LINES`: the
score, notes about the student's saved answers, and counts that say how close the answer was
without saying what was right.

:func:`withhold` is the pure rule (text in, text out); the preprocessor applies it to test cells.
"""

from __future__ import annotations

import re

from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from traitlets import Bool

__all__ = ["FEEDBACK_MODES", "SAFE_LINES", "WITHHELD", "WithholdAnswers", "is_safe", "withhold"]

#: ``full``: the test's whole printout; ``scores``: only :data:`SAFE_LINES`.
FEEDBACK_MODES = ("full", "scores")

#: Lines of a test's printout that do not reveal the key (see curriculum/grading.py and scoring.py).
SAFE_LINES = tuple(re.compile(p) for p in (
    r"^\S+: [\d.]+ of [\d.]+ point\(s\)$",
    r"^Note: ",
    r"^No answer was chosen\.$",
    r"^No option was selected\.$",
    r"^No ranks were given\.$",
    r"^Total distance from the right order: \d+ \(a reversed order: \d+\)\.$",
    r"^You selected \d+ of \d+ right options and \d+ wrong one\(s\)\.$",
    r"^Posts sorted: \d+; credit \d+%\.$",
    r"^Parts of the disclosure done right: \d+ of \d+\.$",
    r"^You marked \d+ of \d+ identifying words and \d+ of \d+ other word\(s\)\.$",
    r"^\d+ saved selection\(s\) did not match a word of this post and were ignored\.$",
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


class WithholdAnswers(Preprocessor):
    """Feedback preprocessor: when enabled, each graded test cell shows only its safe lines.

    Runs after nbgrader's ``ClearHiddenTests``. Outputs other than printed text (an error's
    traceback, a displayed value) are dropped too, since a traceback can quote the test's code.
    """

    enabled = Bool(False, help="Withhold right answers and explanations from student feedback.").tag(config=True)

    def preprocess(self, nb, resources):
        if not self.enabled:
            return nb, resources
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            printed = "".join(o.get("text", "") for o in cell.get("outputs", [])
                              if o.get("output_type") == "stream" and o.get("name") == "stdout")
            cell.outputs = [new_output("stream", name="stdout", text=withhold(printed))]
        return nb, resources
