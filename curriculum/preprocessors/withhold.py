"""WithholdAnswers: the feedback of a reused assessment shows scores, not the key
(the rule is :func:`curriculum.feedback.withhold`)."""

from __future__ import annotations

from nbformat.v4 import new_output
from traitlets import Bool

from ..feedback import withhold
from ..nbhelpers import cell_meta
from .base import CoursePreprocessor

__all__ = ["WithholdAnswers"]


class WithholdAnswers(CoursePreprocessor):
    """Feedback preprocessor: when enabled, each graded test cell shows only its safe lines.

    Runs after nbgrader's ``ClearHiddenTests``. Outputs other than printed text (an error's
    traceback, a displayed value) are dropped too, since a traceback can quote the test's code.
    """

    enabled = Bool(False, help="Withhold right answers and explanations from student feedback.").tag(config=True)

    def preprocess(self, nb, resources):
        if not self.enabled:
            return nb, resources
        for cell in nb.cells:
            meta = cell_meta(cell)
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            printed = "".join(o.get("text", "") for o in cell.get("outputs", [])
                              if o.get("output_type") == "stream" and o.get("name") == "stdout")
            cell.outputs = [new_output("stream", name="stdout", text=withhold(printed))]
        return nb, resources
