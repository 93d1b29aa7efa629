"""HarvestAnswers: the answer copies left in a submission's outputs, kept before nbgrader clears them."""

from __future__ import annotations

import json
from typing import Any

from ..answers import ANSWER_MIME
from .base import METADATA_KEY, CoursePreprocessor

__all__ = ["HarvestAnswers", "embedded_answers"]


def embedded_answers(nb: Any) -> list[dict[str, Any]]:
    """Every answer copy found in the outputs of a notebook (in cell order)."""
    found = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            payload = data.get(ANSWER_MIME)
            if isinstance(payload, str):  # some front ends store JSON bundles as text
                try:
                    payload = json.loads(payload)
                except json.JSONDecodeError:
                    continue
            if isinstance(payload, dict) and payload:
                found.append(json.loads(json.dumps(payload)))  # plain dicts, not NotebookNodes
    return found


class HarvestAnswers(CoursePreprocessor):
    """Keep the answer copies from the submitted outputs in ``metadata.curriculum`` before they are cleared."""

    def preprocess(self, nb, resources):
        copies = embedded_answers(nb)
        nb.metadata[METADATA_KEY] = {"embedded_answers": copies}  # nothing a submission put there survives
        self.log.info("Harvested %d answer copies from the notebook's outputs", len(copies))
        return nb, resources
