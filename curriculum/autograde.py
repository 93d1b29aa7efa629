"""nbgrader preprocessors that carry students' widget answers into grading.

nbgrader autograde works in two passes over a submission. In the *sanitize* pass it clears all
outputs; in the *autograde* pass it runs the notebook in a fresh kernel. Registered in the course's
``nbgrader_config.py``:

- :class:`HarvestAnswers` runs first in the sanitize pass, before ``ClearOutput``: it collects the
  copies of answers that exercise cells left in the submitted outputs and keeps them in the
  notebook's metadata, which survives the clearing.
- :class:`PrepareAnswers` runs first in the autograde pass, before ``Execute``: it merges those
  copies with the submitted answer file (see :func:`curriculum.answers.merge`) and writes the result
  as the answer file next to the notebook being graded, where the hidden tests read it. The
  student's own files in ``submitted/`` are never changed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from .answers import ANSWER_MIME, _atomic_write, answer_file_name, merge

__all__ = ["HarvestAnswers", "PrepareAnswers", "embedded_answers"]

METADATA_KEY = "curriculum"


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


class HarvestAnswers(Preprocessor):
    """Keep the answer copies from the submitted outputs in ``metadata.curriculum`` before they are cleared."""

    enabled = Bool(True, help="nbconvert runs a preprocessor only when enabled").tag(config=True)

    def preprocess(self, nb, resources):
        copies = embedded_answers(nb)
        nb.metadata.setdefault(METADATA_KEY, {})["embedded_answers"] = copies
        self.log.info("Harvested %d answer copies from the notebook's outputs", len(copies))
        return nb, resources


class PrepareAnswers(Preprocessor):
    """Write the merged answers next to the notebook before it is executed for grading."""

    enabled = Bool(True, help="nbconvert runs a preprocessor only when enabled").tag(config=True)

    def preprocess(self, nb, resources):
        notebook = (resources.get("nbgrader") or {}).get("notebook") or resources.get("unique_key")
        folder = (resources.get("metadata") or {}).get("path") or os.getcwd()
        if not notebook:
            self.log.warning("PrepareAnswers: notebook name unknown; answers not prepared")
            return nb, resources
        path = Path(folder) / answer_file_name(notebook)
        text, error = None, None
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            pass
        except (OSError, UnicodeDecodeError) as exc:
            error = f"{exc.__class__.__name__}: {exc}"
        copies = (nb.metadata.get(METADATA_KEY) or {}).get("embedded_answers") or []
        merged = merge(notebook, text, copies, file_error=error)
        if path.exists() and text is not None:
            # keep the student's file as submitted beside the merged one, for the record
            _atomic_write(path.with_name(path.name + ".submitted"), text)
        _atomic_write(path, json.dumps(merged.to_json(), indent=1, ensure_ascii=False) + "\n")
        for item, messages in merged.problems.items():
            for message in messages:
                self.log.warning("%s [%s]: %s", notebook, item, message)
        self.log.info("Prepared %d answers for %s", len(merged.answers), notebook)
        return nb, resources
