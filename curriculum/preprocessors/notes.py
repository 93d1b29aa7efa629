"""SubmissionNotes: everything grading found, in one markdown cell at the top of the graded notebook."""

from __future__ import annotations

import os
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .base import METADATA_KEY, CoursePreprocessor
from .text import CLOCK_SLACK, code, listing, notes_cell, plain
from ..nbhelpers import grade_id

__all__ = ["SubmissionNotes", "answers_after_submission", "output_notes"]


class SubmissionNotes(CoursePreprocessor):
    """Put everything grading found into one markdown cell, "Notes from grading", at the top.

    Runs in the autograde pass after Execute and before nbgrader's LimitOutput: it adds the notes of
    :class:`CheckSubmission`, the problems with the saved answers (see :class:`PrepareAnswers`),
    answers dated after the submission time, and the outputs LimitOutput is about to cut (with
    LimitOutput's configured limits). The cell has no nbgrader metadata, so nothing in it is graded.
    """

    def preprocess(self, nb, resources):
        try:
            self._add_notes(nb, resources)
        except Exception:  # never cost a student their grade over a note: log it, grade without the notes
            self.log.error("SubmissionNotes could not write the notes from grading:\n%s", traceback.format_exc())
        return nb, resources

    def _add_notes(self, nb, resources) -> None:
        from nbgrader.preprocessors import LimitOutput

        meta = nb.metadata.get(METADATA_KEY) or {}
        notes = list(meta.get("grading_notes") or [])
        problems = meta.get("answer_problems") or {}
        for item in sorted(problems, key=lambda k: (k != "*", k)):
            for message in problems[item]:
                text = plain(message)
                notes.append(text if item == "*" else f"{code(item)}: {text}")
        folder = Path((resources.get("metadata") or {}).get("path") or os.getcwd())
        notes += answers_after_submission(meta.get("answers_saved_at") or {}, folder / "timestamp.txt")
        limits = LimitOutput(config=self.config)
        notes += output_notes(nb, limits.max_lines, limits.max_traceback)
        if notes:
            with_ids = nb.get("nbformat", 4) > 4 or nb.get("nbformat_minor", 0) >= 5
            nb.cells.insert(0, notes_cell(notes, with_ids))
            self.log.info("Added %d note(s) from grading to %s", len(notes), resources.get("unique_key"))




def output_notes(nb: Any, max_lines: int, max_traceback: int) -> list[str]:
    """What nbgrader's LimitOutput (run next, with these limits) is about to cut, in plain words.

    LimitOutput counts the lines of all stream outputs of a cell together and keeps ``max_lines``
    of them; an error's traceback keeps ``max_traceback`` lines.
    """
    notes = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        gid = grade_id(cell)
        first = next((line for line in cell.source.splitlines() if line.strip()), "")
        what = f"of the cell {code(gid)}" if gid else f"of your cell starting {code(first)}"
        streams = [o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream"]
        counted = sum(len(text.split("\n")) for text in streams)  # LimitOutput's count (a chunk's end counts)
        if max_lines != -1 and counted > max_lines:
            lines = "".join(streams).count("\n") + (0 if "".join(streams).endswith("\n") else 1)
            notes.append(f"The output {what} was {lines:,} lines long; it was cut to {max_lines:,} lines.")
        for output in cell.get("outputs", []):
            if (max_traceback != -1 and output.get("output_type") == "error"
                    and len(output.get("traceback", [])) > max_traceback):
                notes.append(f"The error message {what} was {len(output['traceback']):,} lines long; its middle "
                             "was cut out.")
    return notes


def answers_after_submission(saved: dict[str, str], timestamp_file: Path) -> list[str]:
    """Notes on answers whose ``saved_at`` is later than the submission time in ``timestamp.txt``."""
    from nbgrader.utils import parse_utc

    try:
        submitted = parse_utc(timestamp_file.read_text(encoding="utf-8").strip())
    except (OSError, ValueError, OverflowError):
        return []
    if submitted is None:
        return []
    late = []
    for item, stamp in sorted(saved.items()):
        try:
            when = datetime.fromisoformat(stamp).astimezone(timezone.utc).replace(tzinfo=None)
        except (TypeError, ValueError):
            continue
        if when > submitted + CLOCK_SLACK:
            late.append(f"{code(item)} ({when:%Y-%m-%d %H:%M} UTC)")
    if not late:
        return []
    return [f"Your saved {'answer to' if len(late) == 1 else 'answers to'} {listing(late)} "
            f"{'is' if len(late) == 1 else 'are'} dated after your submission ({submitted:%Y-%m-%d %H:%M} UTC). "
            f"{'It was' if len(late) == 1 else 'They were'} graded as found in your submission; the course staff "
            "can see this note."]
