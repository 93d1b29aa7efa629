"""CheckSubmission: a submission compared with the assignment before nbgrader sanitizes it, its
course cells rebuilt, links refused, and notes kept for the student (:mod:`.cells` holds the rules)."""

from __future__ import annotations

import os
import traceback
from pathlib import Path

from ..answers import answer_file_name
from ..nbhelpers import hidden_test_markers
from .base import METADATA_KEY, REFERENCES, CoursePreprocessor, course_path, reference_key

__all__ = ["CheckSubmission"]


class CheckSubmission(CoursePreprocessor):
    """Compare a submission with the assignment before nbgrader sanitizes it; repair it and keep notes.

    Runs in the sanitize pass right after :class:`HarvestAnswers`. The reference is the gradebook (the
    cells ``generate_assignment`` recorded) in the order of the source notebook. Never stops grading:
    if the comparison itself fails, the error goes to the log and nbgrader grades as it would anyway.
    """

    def preprocess(self, nb, resources):
        meta = nb.metadata.setdefault(METADATA_KEY, {})
        info = resources.get("nbgrader") or {}
        REFERENCES.pop(reference_key(info), None)
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
            link_notes, replaced = self._refuse_links(nb, info, folder)
            notes = link_notes if replaced else notes + link_notes  # notes on a linked notebook are not its own
            answers = folder / answer_file_name(info["notebook"])
            if answers.is_symlink() or "answer_file_error" in meta:
                meta.setdefault("answer_file_error", "it is a link to another file, and grading never follows links")
            elif answers.is_dir():
                meta["answer_file_error"] = "it is a folder, not a file"
        meta["grading_notes"] = notes
        for note in notes:
            self.log.warning("%s, %s: %s", info.get("student", "student"), info.get("notebook", "notebook"), note)
        return nb, resources

    def _refuse_links(self, nb, info, folder: Path) -> tuple[list[str], bool]:
        """Links in the submission (:mod:`curriculum.preprocessors.links`): a linked notebook is graded as the blank
        assignment (then the second value is true), a linked answer file is not read, and what nbgrader
        copied through a link is removed from the autograded folder. Returns the notes."""
        from .cells import new_cell
        from .links import LINK_REASON, links_in, remove_copies
        from .text import code

        whole = folder.is_symlink() or folder.parent.is_symlink()
        links = ["."] if whole else links_in(folder)
        if not links:
            return [], False
        notebook_file, answer_file = f"{info['notebook']}.ipynb", answer_file_name(info["notebook"])
        notes = []
        meta = nb.metadata[METADATA_KEY]
        if whole or notebook_file in links:
            refs = REFERENCES.get(reference_key(info)) or []
            with_ids = nb.get("nbformat", 4) > 4 or nb.get("nbformat_minor", 0) >= 5
            nb.cells = [new_cell(ref, with_ids) for ref in refs]  # the assignment as released, unanswered
            meta["embedded_answers"] = []
            what = "The submission folder" if whole else f"The notebook {code(notebook_file)}"
            notes.append(f"{what} is a link to somewhere else, so it was graded as if nothing was answered "
                         f"({LINK_REASON}).")
        if whole or answer_file in links:
            meta["answer_file_error"] = "it is a link to another file, and grading never follows links"
        others = [link for link in links if link not in (".", notebook_file, answer_file)]
        if others:
            notes.append(f"{'These files are links' if len(others) > 1 else 'This file is a link'}, so "
                         f"{'they were' if len(others) > 1 else 'it was'} neither read nor copied: "
                         f"{', '.join(code(o, 40) for o in others[:6])}{' and more' if len(others) > 6 else ''} "
                         f"({LINK_REASON}).")
        if info.get("student") and info.get("assignment"):
            dest = course_path(self.config, "autograded", info["assignment"], info["student"])
            copied = others + ([answer_file] if answer_file in links else [])
            if whole:  # everything nbgrader copied came through the link
                copied = [p.name for p in folder.iterdir() if p.name != notebook_file] if folder.is_dir() else []
            remove_copies(dest, copied)
        return notes, whole or notebook_file in links

    def _check(self, nb, info) -> list[str]:
        from nbgrader.api import Gradebook

        from . import cells

        source = course_path(self.config, "source", info["assignment"])
        extras = cells.source_metadata(source / f"{info['notebook']}.ipynb")
        with Gradebook(info["db_url"]) as gb:
            refs = cells.load_reference(gb, info["notebook"], info["assignment"], list(extras),
                                        hidden_test_markers(self.config))
        REFERENCES[reference_key(info)] = refs
        return cells.check_cells(nb, refs, extras)
