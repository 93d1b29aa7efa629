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

Broken and hostile submissions (cells deleted, copied, moved, retyped or edited, an answer file that
is a folder or binary, huge outputs; see :mod:`curriculum.submissions`):

- :class:`CheckSubmission` runs in the sanitize pass, before nbgrader's DeduplicateIds and
  OverwriteCells: it compares the submission with the assignment recorded in the gradebook, repairs
  what stock nbgrader would crash on or grade wrongly, and keeps notes for the student in the
  notebook's metadata.
- :class:`SubmissionNotes` runs in the autograde pass, after Execute and before LimitOutput: it adds
  what the answers and the outputs showed and puts all notes in one markdown cell, "Notes from
  grading", at the top of the graded notebook (and so of the feedback).
"""

from __future__ import annotations

import json
import os
import shutil
import traceback
from pathlib import Path
from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from .answers import ANSWER_MIME, _atomic_write, answer_file_name, merge

__all__ = ["CheckSubmission", "HarvestAnswers", "PrepareAnswers", "SubmissionNotes", "embedded_answers"]

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
        meta = nb.metadata.setdefault(METADATA_KEY, {})
        text, error = None, None
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            error = meta.get("answer_file_error")  # e.g. an empty folder, which nbgrader does not copy here
        except IsADirectoryError:
            error = "it is a folder, not a file"
        except UnicodeDecodeError:
            error = "it is not a text file"
        except OSError as exc:  # e.g. no permission to read it (graders running as root read it anyway)
            error = f"{exc.__class__.__name__}: {exc.strerror or exc}"
        copies = meta.get("embedded_answers") or []
        merged = merge(notebook, text, copies, file_error=error)
        if path.exists() and text is not None:
            # keep the student's file as submitted beside the merged one, for the record
            _atomic_write(path.with_name(path.name + ".submitted"), text)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)  # nbgrader's working copy in autograded/, not the student's submission
        _atomic_write(path, json.dumps(merged.to_json(), indent=1, ensure_ascii=False) + "\n")
        meta["answer_problems"] = {k: list(v) for k, v in merged.problems.items()}
        meta["answers_saved_at"] = {k: r.saved_at for k, r in merged.answers.items()}
        for item, messages in merged.problems.items():
            for message in messages:
                self.log.warning("%s [%s]: %s", notebook, item, message)
        self.log.info("Prepared %d answers for %s", len(merged.answers), notebook)
        return nb, resources


def _hidden_delimiters(config: Any) -> tuple[str, str]:
    from nbgrader.preprocessors import ClearHiddenTests

    clear = ClearHiddenTests(config=config)
    return clear.begin_test_delimeter, clear.end_test_delimeter


class CheckSubmission(Preprocessor):
    """Compare a submission with the assignment before nbgrader sanitizes it; repair it and keep notes.

    Runs in the sanitize pass right after :class:`HarvestAnswers`. The reference is the gradebook (the
    cells ``generate_assignment`` recorded) in the order of the source notebook. Never stops grading:
    if the comparison itself fails, the error goes to the log and nbgrader grades as it would anyway.
    """

    enabled = Bool(True, help="nbconvert runs a preprocessor only when enabled").tag(config=True)

    def preprocess(self, nb, resources):
        meta = nb.metadata.setdefault(METADATA_KEY, {})
        info = resources.get("nbgrader") or {}
        notes: list[str] = []
        try:
            if {"notebook", "assignment", "db_url"} <= set(info):
                notes = self._check(nb, info)
            else:
                self.log.warning("CheckSubmission: not run by nbgrader autograde; submission not checked")
        except Exception:  # a bug here must not cost a student their grade: log it, grade as stock nbgrader
            self.log.error("CheckSubmission could not compare the submission with the assignment:\n%s",
                           traceback.format_exc())
        folder = Path((resources.get("metadata") or {}).get("path") or os.getcwd())
        if info.get("notebook"):
            answers = folder / answer_file_name(info["notebook"])
            if answers.is_dir():
                meta["answer_file_error"] = "it is a folder, not a file"
        meta["grading_notes"] = notes
        for note in notes:
            self.log.warning("%s: %s", info.get("notebook", "notebook"), note)
        return nb, resources

    def _check(self, nb, info) -> list[str]:
        from nbgrader.api import Gradebook
        from nbgrader.coursedir import CourseDirectory

        from . import submissions

        coursedir = CourseDirectory(config=self.config)
        source = Path(coursedir.format_path(coursedir.source_directory, ".", info["assignment"]))
        order = submissions.source_order(source / f"{info['notebook']}.ipynb")
        with Gradebook(info["db_url"]) as gb:
            refs = submissions.load_reference(gb, info["notebook"], info["assignment"], order,
                                              _hidden_delimiters(self.config))
        return submissions.check_cells(nb, refs)


class SubmissionNotes(Preprocessor):
    """Put everything grading found into one markdown cell, "Notes from grading", at the top.

    Runs in the autograde pass after Execute and before nbgrader's LimitOutput: it adds the notes of
    :class:`CheckSubmission`, the problems with the saved answers (see :class:`PrepareAnswers`),
    answers dated after the submission time, and the outputs LimitOutput is about to cut (with
    LimitOutput's configured limits). The cell has no nbgrader metadata, so nothing in it is graded.
    """

    enabled = Bool(True, help="nbconvert runs a preprocessor only when enabled").tag(config=True)

    def preprocess(self, nb, resources):
        try:
            self._add_notes(nb, resources)
        except Exception:  # never cost a student their grade over a note: log it, grade without the notes
            self.log.error("SubmissionNotes could not write the notes from grading:\n%s", traceback.format_exc())
        return nb, resources

    def _add_notes(self, nb, resources) -> None:
        from nbgrader.preprocessors import LimitOutput

        from . import submissions

        meta = nb.metadata.get(METADATA_KEY) or {}
        notes = list(meta.get("grading_notes") or [])
        problems = meta.get("answer_problems") or {}
        for item in sorted(problems, key=lambda k: (k != "*", k)):
            for message in problems[item]:
                text = submissions.plain(message)
                notes.append(text if item == "*" else f"{submissions.code(item)}: {text}")
        folder = Path((resources.get("metadata") or {}).get("path") or os.getcwd())
        notes += submissions.answers_after_submission(meta.get("answers_saved_at") or {}, folder / "timestamp.txt")
        limits = LimitOutput(config=self.config)
        notes += submissions.output_notes(nb, limits.max_lines, limits.max_traceback)
        if notes:
            with_ids = nb.get("nbformat", 4) > 4 or nb.get("nbformat_minor", 0) >= 5
            nb.cells.insert(0, submissions.notes_cell(notes, with_ids))
            self.log.info("Added %d note(s) from grading to %s", len(notes), resources.get("unique_key"))
