"""HarvestAnswers: the answer copies left in a submission's outputs, kept before nbgrader clears them."""

from __future__ import annotations

from ..answers import embedded_answers
from .base import METADATA_KEY, CoursePreprocessor

__all__ = ["HarvestAnswers", "embedded_answers"]


class HarvestAnswers(CoursePreprocessor):
    """Keep the answer copies from the submitted outputs in ``metadata.curriculum`` before they are cleared."""

    def preprocess(self, nb, resources):
        copies = embedded_answers(nb)
        nb.metadata[METADATA_KEY] = {"embedded_answers": copies}  # nothing a submission put there survives
        self.log.info("Harvested %d answer copies from the notebook's outputs", len(copies))
        return nb, resources
