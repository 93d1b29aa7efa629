"""A student's check before submitting: what is answered, what is not, and whether the saved notebook
and the answer file agree.

Grading reads the answer file and, where it is missing or damaged, the copies of the answers that the
saved notebook carries; a notebook saved before the last answer was given carries an older copy. So
"saved together" means: every answer in the answer file has an identical copy in the notebook file on
disk. The check reads only what the student's own kernel can see (the quiz's items, the answer file,
the notebook file) and says nothing about right or wrong: the student's notebook holds no key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .answers import embedded_answers

__all__ = ["Readiness", "check_readiness", "item_label", "read_saved_notebook"]

#: nbgrader's placeholder in a written answer the student has not started.
EMPTY_ANSWER = "YOUR ANSWER HERE"
_LABEL = re.compile(r"^\s*\*\*([QP]\d+)\b")


def item_label(item: str, prompt: str) -> str:
    """How the lesson names an item: "Q3" from a prompt starting "**Q3 · 2 points.**", else its id."""
    found = _LABEL.match(prompt)
    return found.group(1) if found else item


@dataclass(frozen=True)
class Readiness:
    """What the check found; :meth:`lines` says it in plain words."""

    graded: tuple[str, ...]              # labels of the graded items
    unanswered: tuple[str, ...]          # graded items with no answer yet
    practice_unanswered: tuple[str, ...]
    unsaved: tuple[str, ...]             # answered items whose answer the saved notebook lacks or has older
    notebook: str                        # the notebook file's name
    notebook_found: bool
    written_empty: int                   # written answers (reflections) still holding nbgrader's placeholder
    written_total: int

    @property
    def ready(self) -> bool:
        return (bool(self.graded) and self.notebook_found and not self.unanswered and not self.unsaved
                and not self.written_empty)

    def lines(self) -> list[str]:
        if not self.graded and not self.practice_unanswered:
            return ["No questions have run in this session yet: run all cells (Run > Run All Cells), "
                    "then check again.", "Not ready to submit yet."]
        done = len(self.graded) - len(self.unanswered)
        out = [f"Graded questions answered: {done} of {len(self.graded)}."]
        if self.unanswered:
            out.append(f"Not answered yet: {', '.join(self.unanswered)}. Scroll up and answer them.")
        if self.written_total:
            if self.written_empty:
                out.append(f"Written answers still empty in the saved notebook: {self.written_empty} of "
                           f"{self.written_total}. Write them, then save.")
            else:
                out.append("Your written answer is in the saved notebook." if self.written_total == 1 else
                           "Your written answers are in the saved notebook.")
        if self.practice_unanswered:
            out.append(f"Practice questions (not graded) left: {', '.join(self.practice_unanswered)}.")
        if not self.notebook_found:
            out.append(f"The notebook file {self.notebook} is not next to your answer file. Keep the "
                       "notebook's name and folder as given, and submit both files together.")
        elif self.unsaved:
            out.append(f"The saved notebook does not carry your latest answer to {', '.join(self.unsaved)}. "
                       "Save it (Ctrl+S, or File > Save Notebook), then check again.")
        else:
            out.append("The saved notebook and your answer file agree: they are saved together.")
        out.append("Ready to submit." if self.ready else "Not ready to submit yet.")
        return out


def read_saved_notebook(path: Path) -> dict[str, Any] | None:
    """The notebook file as JSON, or None if it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def _written_answers(nb: Mapping[str, Any]) -> list[str]:
    cells = []
    for cell in nb.get("cells", []):
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if meta.get("solution") and cell.get("cell_type") == "markdown":
            source = cell.get("source", "")
            cells.append("".join(source) if isinstance(source, list) else str(source))
    return cells


def check_readiness(items: Mapping[str, tuple[str, bool]], answers: Mapping[str, dict[str, Any]],
                    saved: Mapping[str, Any] | None, notebook: str) -> Readiness:
    """``items``: item id -> (label, graded?) in lesson order; ``answers``: item id -> the record in the
    answer file (``AnswerRecord.to_json()``); ``saved``: the notebook file as JSON (None: not found)."""
    copies: dict[str, Any] = {}
    for bundle in embedded_answers(saved or {}):
        copies.update(bundle)
    written = _written_answers(saved or {})
    return Readiness(
        graded=tuple(label for label, graded in items.values() if graded),
        unanswered=tuple(label for item, (label, graded) in items.items() if graded and item not in answers),
        practice_unanswered=tuple(label for item, (label, graded) in items.items()
                                  if not graded and item not in answers),
        unsaved=tuple(items[item][0] for item in items if item in answers and copies.get(item) != answers[item]),
        notebook=notebook,
        notebook_found=saved is not None,
        written_empty=sum(1 for text in written if not text.strip() or EMPTY_ANSWER in text),
        written_total=len(written),
    )
