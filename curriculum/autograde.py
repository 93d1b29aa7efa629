"""nbgrader preprocessors that grade students' widget answers as data: no kernel, no student code.

nbgrader autograde works in two passes over a submission. In the *sanitize* pass it clears all
outputs; in the *autograde* pass it would run the notebook in a kernel, where a student's own cells
run beside the hidden tests. This course needs no student code, so registered in its
``nbgrader_config.py``:

- :class:`HarvestAnswers` runs first in the sanitize pass, before ``ClearOutput``: it collects the
  copies of answers that exercise cells left in the submitted outputs and keeps them in the
  notebook's metadata, which survives the clearing.
- :class:`PrepareAnswers` runs first in the autograde pass: it merges those copies with the
  submitted answer file (see :func:`curriculum.answers.merge`) and writes the result as the answer
  file next to the notebook being graded. The student's own files in ``submitted/`` are never changed.
- :class:`GradeAnswers` takes the place of nbgrader's ``Execute``: it scores the merged answers
  against the keys of the assignment's hidden tests and writes the outputs a kernel run would
  (:mod:`curriculum.asdata`); only an instructor's own test code makes it run the course's cells,
  and only those, in a kernel.

Broken and hostile submissions (cells deleted, copied, moved, retyped or edited, added code, an
answer file that is a folder, binary or a link; see :mod:`curriculum.submissions`):

- :class:`CheckSubmission` runs in the sanitize pass, before nbgrader's DeduplicateIds and
  OverwriteCells: it compares the submission with the assignment recorded in the gradebook, rebuilds
  every course cell from it, and keeps notes for the student in the notebook's metadata.
- :class:`SubmissionNotes` runs in the autograde pass, after GradeAnswers and before LimitOutput: it
  adds what the answers and the outputs showed and puts all notes in one markdown cell, "Notes from
  grading", at the top of the graded notebook (and so of the feedback).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import traceback
from pathlib import Path
from typing import Any

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from .answers import ANSWER_MIME, _atomic_write, answer_file_name, merge
from .keys import graded_as_data, grader_call

__all__ = ["CheckSubmission", "GradeAnswers", "HarvestAnswers", "PrepareAnswers", "SubmissionNotes", "embedded_answers"]

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
        nb.metadata[METADATA_KEY] = {"embedded_answers": copies}  # nothing a submission put there survives
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
        text, error = None, meta.get("answer_file_error")  # what CheckSubmission saw in submitted/
        try:
            if error is None:
                text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            pass
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
        if path.is_symlink():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)  # nbgrader's working copy in autograded/, not the student's submission
        merged_text = json.dumps(merged.to_json(), indent=1, ensure_ascii=False) + "\n"
        _atomic_write(path, merged_text)
        resources[METADATA_KEY] = {"merged_answers": merged_text}  # for GradeAnswers, in this pass
        meta["answer_problems"] = {k: list(v) for k, v in merged.problems.items()}
        meta["answers_saved_at"] = {k: r.saved_at for k, r in merged.answers.items()}
        student = (resources.get("nbgrader") or {}).get("student", "student")
        for item, messages in merged.problems.items():
            for message in messages:
                where = notebook if item == "*" else f"{notebook} [{item}]"
                self.log.warning("%s, %s: %s", student, where, message)
        self.log.info("Prepared %d answers for %s", len(merged.answers), notebook)
        return nb, resources


@contextlib.contextmanager
def _environment(**values: str):
    """Set environment variables for the duration (nbgrader.utils.setenv restores the wrong values)."""
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


#: The assignment's cells as CheckSubmission read them from the gradebook in the sanitize pass, handed
#: to GradeAnswers in the autograde pass of the same submission (nbgrader runs the two passes one after
#: the other in one process); popped at once, so nothing outlives one submission's grading.
_REFERENCES: dict[tuple[str, ...], list[Any]] = {}


def _reference_key(info: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(info.get(k)) for k in ("db_url", "assignment", "notebook", "student"))


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
        _REFERENCES.pop(_reference_key(info), None)
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
        """Links in the submission (:mod:`curriculum.links`): a linked notebook is graded as the blank
        assignment (then the second value is true), a linked answer file is not read, and what nbgrader
        copied through a link is removed from the autograded folder. Returns the notes."""
        from nbgrader.coursedir import CourseDirectory

        from .links import LINK_REASON, links_in, remove_copies
        from .submissions import _new_cell, code

        whole = folder.is_symlink() or folder.parent.is_symlink()
        links = ["."] if whole else links_in(folder)
        if not links:
            return [], False
        notebook_file, answer_file = f"{info['notebook']}.ipynb", answer_file_name(info["notebook"])
        notes = []
        meta = nb.metadata[METADATA_KEY]
        if whole or notebook_file in links:
            refs = _REFERENCES.get(_reference_key(info)) or []
            with_ids = nb.get("nbformat", 4) > 4 or nb.get("nbformat_minor", 0) >= 5
            nb.cells = [_new_cell(ref, with_ids) for ref in refs]  # the assignment as released, unanswered
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
            coursedir = CourseDirectory(config=self.config)
            dest = Path(coursedir.format_path(coursedir.autograded_directory, info["student"], info["assignment"]))
            copied = others + ([answer_file] if answer_file in links else [])
            if whole:  # everything nbgrader copied came through the link
                copied = [p.name for p in folder.iterdir() if p.name != notebook_file] if folder.is_dir() else []
            remove_copies(dest, copied)
        return notes, whole or notebook_file in links

    def _check(self, nb, info) -> list[str]:
        from nbgrader.api import Gradebook
        from nbgrader.coursedir import CourseDirectory

        from . import submissions

        coursedir = CourseDirectory(config=self.config)
        source = Path(coursedir.format_path(coursedir.source_directory, ".", info["assignment"]))
        extras = submissions.source_metadata(source / f"{info['notebook']}.ipynb")
        with Gradebook(info["db_url"]) as gb:
            refs = submissions.load_reference(gb, info["notebook"], info["assignment"], list(extras),
                                              _hidden_delimiters(self.config))
        _REFERENCES[_reference_key(info)] = refs
        return submissions.check_cells(nb, refs, extras)


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


class GradeAnswers(Preprocessor):
    """Grade the answers, not the notebook: in place of nbgrader's Execute in the autograde pass.

    Every course cell (a cell whose grading id is part of the assignment) is taken from the
    assignment as the gradebook records it, whatever the submission says; every other cell (added
    by the student, or a copy) gets no outputs and never runs. When every hidden test is a literal
    ``Grader`` call (:func:`curriculum.keys.grader_call`), no kernel starts: the tests' outputs and
    the exercises' static views are computed from the merged answers (:mod:`curriculum.asdata`).
    Otherwise (an instructor's own test code) the course cells alone run in a kernel with a fresh
    home and IPython folder of its own, through nbgrader's Execute and its configured timeouts.
    """

    enabled = Bool(True, help="nbconvert runs a preprocessor only when enabled").tag(config=True)

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook

        from . import submissions

        info = resources["nbgrader"]
        refs = _REFERENCES.pop(_reference_key(info), None)
        if refs is None:  # CheckSubmission did not run, or could not read the assignment
            with Gradebook(info["db_url"]) as gb:
                refs = submissions.load_reference(gb, info["notebook"], info["assignment"], (),
                                                  _hidden_delimiters(self.config))
        refs = {ref.grade_id: ref for ref in refs}
        course: dict[int, Any] = {}
        for index, cell in enumerate(nb.cells):
            gid = ((cell.get("metadata") or {}).get("nbgrader") or {}).get("grade_id")
            ref = refs.get(gid)
            if ref is not None and ref.cell_type == "code" and ref.locked:
                nb.cells[index] = cell = submissions.rebuild(cell, ref, {k: v for k, v in cell.metadata.items()
                                                                          if k != "nbgrader"})
                course[index] = ref
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        calls = {i: graded_as_data(ref.source, info["notebook"]) for i, ref in course.items() if ref.grade}
        if all(call is not None for call in calls.values()):
            self._as_data(nb, resources, course, calls)
        else:
            self._in_kernel(nb, resources, course)
        return nb, resources

    def _answers(self, resources):
        from .answers import AnswerStore, parse_answer_file

        notebook = resources["nbgrader"]["notebook"]
        text = (resources.get(METADATA_KEY) or {}).get("merged_answers")
        if text is None:  # PrepareAnswers is not configured: read the answer file as a kernel would
            return AnswerStore(notebook, (resources.get("metadata") or {}).get("path")).load()
        return parse_answer_file(text, notebook, with_notes=True)  # merged by PrepareAnswers

    def _as_data(self, nb, resources, course, calls) -> None:
        from . import asdata

        answers = self._answers(resources)
        for count, (index, ref) in enumerate(sorted(course.items()), 1):
            cell = nb.cells[index]
            cell.execution_count = count
            if index in calls:
                cell.outputs = asdata.hidden_test_outputs(calls[index], answers, count)
            else:
                cell.outputs = asdata.course_cell_outputs(ref.source, answers)
        self.log.info("Graded %s as data: %d test(s), no kernel", resources.get("unique_key"), len(calls))

    def _in_kernel(self, nb, resources, course) -> None:
        import copy
        import tempfile

        from jupyter_core.paths import jupyter_config_dir, jupyter_data_dir, jupyter_runtime_dir
        from nbformat import from_dict
        from nbformat.v4 import new_raw_cell
        from nbgrader.preprocessors import Execute

        runnable = copy.deepcopy(nb)
        for index, cell in enumerate(runnable.cells):
            if index in course:  # no tags or other settings from anywhere but nbgrader's own
                cell.metadata = {"nbgrader": cell.metadata["nbgrader"]}
            else:  # only the course's own cells run; the rest keep their place, empty
                runnable.cells[index] = new_raw_cell("")
                runnable.cells[index].pop("id", None)
        self.log.info("Running the course cells of %s in a kernel (an instructor's own test code)",
                      resources.get("unique_key"))
        with tempfile.TemporaryDirectory(prefix="curriculum-kernel-home-") as home:
            # a home and IPython folder of its own; Jupyter's own folders stay, so kernels are found
            with _environment(HOME=home, IPYTHONDIR=os.path.join(home, ".ipython"),
                              JUPYTER_CONFIG_DIR=jupyter_config_dir(), JUPYTER_DATA_DIR=jupyter_data_dir(),
                              JUPYTER_RUNTIME_DIR=jupyter_runtime_dir()):
                runnable, resources = Execute(parent=self, config=self.config).preprocess(runnable, resources)

        for index, ref in course.items():
            cell = nb.cells[index]
            cell.outputs, cell.execution_count = runnable.cells[index].outputs, runnable.cells[index].execution_count
            if ref.grade and grader_call(ref.source) is not None and not any(
                    o.get("output_type") in ("execute_result", "error") for o in cell.outputs):
                # a Grader test always shows its score; without one nbgrader would give full marks
                cell.outputs.append(from_dict({"output_type": "error", "ename": "NoScore", "evalue": "",
                                               "traceback": ["The grading cell showed no score, so it scores 0."]}))
