"""Broken and hostile submissions: what grading finds, what it does about it, and what the student reads.

Students delete, copy, move and retype cells, edit read-only cells, break their answer file or
upload something that is not a notebook. What stock nbgrader 0.9 does with each (measured with real
runs of ``nbgrader autograde`` on the toy course of the tests), and what this course does instead:

=============================  ========================================  ==================================
submission                     stock nbgrader 0.9                        this course
=============================  ========================================  ==================================
grading (test) cell deleted    item left "needs manual grading", with    cell put back from the gradebook,
                               no cell for staff to grade; its           graded with the saved answer
                               ``add_missing_cells`` option crashes
                               (KeyError) when the cell before is not a
                               grade/solution cell, as every test cell
                               here follows its exercise cell
written answer deleted         nothing to grade, no word                 put back empty: "no response"
read-only cell deleted         nothing                                   not put back (not needed)
cell duplicated                DeduplicateIds empties the earlier        extra copies kept as ordinary
                               copies' metadata, CheckCellMetadata then  cells, never run; a written answer
                               rejects it as an old format: the          keeps the copy the student wrote in
                               submission fails, and stock
                               ``nbgrader autograde`` stops the cohort
cells moved                    run in the student's order, no word       graded as usual, noted
cell type changed              changed back, a log warning only          changed back, noted
read-only / test cell edited   original restored (checksum), a log       the same, noted
                               warning only
grading settings edited        points and locked restored (a log         all settings restored
                               warning); grade/solution flags are not
cell metadata (tags) edited    kept: ``skip-execution`` skips a test,    the assignment's metadata, noted
                               which then scores full marks
outputs typed into a test      cleared by ClearOutput, no word           cleared, noted
unknown grading id             id dropped, cell half-kept                an ordinary cell, never run
code cell added                run with the tests, in their kernel       never run, noted
huge output (a kernel cell)    LimitOutput keeps 1000 lines and adds     the same, noted
                               "... Output truncated ..."
answer file is a folder        (this course's PrepareAnswers crashed)    answers saved in the notebook used
answer file is binary          (a UnicodeDecodeError message)            answers saved in the notebook used
answer file is a link          followed (a classmate's answers)          answers saved in the notebook used
notebook missing or renamed    run fails: "No notebooks were matched" /  zero, with a plain message
                               "did you forget to run generate..."
notebook not valid JSON        run fails: NotJSONError traceback         zero, with a plain message
answer dated after submitting  nothing                                   graded as submitted, noted
=============================  ========================================  ==================================

Every finding becomes a line in ONE markdown cell, "Notes from grading", at the top of the
autograded notebook (and so of the feedback): :class:`curriculum.autograde.CheckSubmission` compares
the submission with the assignment before nbgrader's own sanitizing, and
:class:`curriculum.autograde.SubmissionNotes` writes the cell after the notebook ran. A submission
that cannot be graded at all is scored zero by :func:`curriculum.cohort.record_problem`, which
writes a short feedback page (:func:`write_problem_feedback`) with the reason.

The notes never quote the instructor's version of a cell (hidden tests are the answer key); text
that comes from the student (grading ids, file names, a line of code) is quoted as inline code.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat

from .keys import GRADER_METHODS

__all__ = [
    "NOTES_TITLE",
    "CellRef",
    "answers_after_submission",
    "check_cells",
    "clear_problem_feedback",
    "code",
    "explain_failure",
    "load_reference",
    "notes_cell",
    "output_notes",
    "plain",
    "problem_feedback_html",
    "rebuild",
    "source_metadata",
    "write_problem_feedback",
]

#: Heading of the markdown cell that lists what grading found.
NOTES_TITLE = "Notes from grading"
#: Marks the feedback pages written for submissions that could not be graded (so they can be replaced).
PROBLEM_PAGE_MARK = '<meta name="generator" content="curriculum: not graded automatically">'
#: Answers saved this long after the submission time are noted (clocks of different machines differ a little).
CLOCK_SLACK = timedelta(minutes=1)
_ITEM_CALL = re.compile(r"\.(?:%s)\(\s*[\"']([^\"'\n]+)[\"']" % "|".join(GRADER_METHODS))
_KINDS = {"code": "code", "markdown": "Markdown text", "raw": "raw text"}
#: Cell metadata that only changes how a front end shows a cell, never how it is graded.
_UI_METADATA = frozenset({"collapsed", "scrolled", "jupyter", "execution", "editable", "deletable", "trusted",
                          "slideshow"})


def code(text: Any, limit: int = 60) -> str:
    """Student-supplied text as inline code: one line, no backticks, at most ``limit`` chars. A code span
    shows its text as it is (markdown renderers escape it, and read no entities or markup in it), so
    nothing in it can become HTML, and ``<script>`` reads as ``<script>``, not ``&lt;script&gt;``."""
    text = " ".join(str(text).replace("`", "'").split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"`{text}`" if text else "`(empty)`"


def plain(text: str) -> str:
    """A message for markdown: HTML escaped, markdown emphasis characters escaped."""
    return re.sub(r"([\\*_\[\]#])", r"\\\1", html.escape(text, quote=False))


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def _listing(labels: Sequence[str], most: int = 6) -> str:
    shown = list(labels[:most])
    if len(labels) > most:
        shown.append(f"and {len(labels) - most} more")
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


# -- the assignment as the gradebook records it -------------------------------------------------------

@dataclass(frozen=True)
class CellRef:
    """One nbgrader cell of the assignment, as recorded in the gradebook by ``generate_assignment``."""

    grade_id: str
    cell_type: str
    source: str  # the instructor's version (hidden tests included): never shown to students
    release_source: str  # what students received (hidden tests removed)
    locked: bool
    grade: bool
    solution: bool
    task: bool
    points: float | None
    checksum: str | None

    @property
    def item(self) -> str | None:
        """The exercise item a test or exercise cell is about, if its code names one."""
        match = _ITEM_CALL.search(self.source)
        return match.group(1) if match else None

    @property
    def label(self) -> str:
        item = self.item
        if self.grade and self.cell_type == "code" and item:
            return f"the grading cell of {code(item)}"
        if self.grade and self.solution:
            return f"the cell of your written answer {code(self.grade_id)}"
        if self.cell_type == "code" and item:
            return f"the exercise cell of {code(item)}"
        if self.locked:
            return f"the read-only cell {code(self.grade_id)}"
        return f"the cell {code(self.grade_id)}"

    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {"grade": self.grade, "grade_id": self.grade_id, "locked": self.locked,
                                "schema_version": 3, "solution": self.solution, "task": self.task}
        if self.points is not None:
            meta["points"] = self.points
        if self.checksum:
            meta["checksum"] = self.checksum
        return meta


@lru_cache(maxsize=4096)
def _without_hidden_tests(source: str, begin: str, end: str) -> str:
    """The cell as released: nbgrader's ClearHiddenTests rule (lines from BEGIN to END dropped)."""
    kept, inside = [], False
    for line in source.split("\n"):
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif not inside:
            kept.append(line)
    return "\n".join(kept)


def load_reference(gradebook: Any, notebook: str, assignment: str, order: Sequence[str] = (),
                   hidden_delimiters: tuple[str, str] = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")) -> list[CellRef]:
    """The assignment's nbgrader cells from an open nbgrader ``Gradebook``, in notebook order.

    The gradebook does not keep the order of cells, so ``order`` (the grading ids in the order of the
    source notebook) gives it; cells it does not name follow in the gradebook's order.
    """
    nb = gradebook.find_notebook(notebook, assignment)
    grade_points = {c.name: float(c.max_score) for c in nb.grade_cells}
    task_points = {c.name: float(c.max_score) for c in nb.task_cells}
    solutions = {c.name for c in nb.solution_cells}
    refs = {}
    for cell in nb.source_cells:
        points = grade_points.get(cell.name, task_points.get(cell.name))
        refs[cell.name] = CellRef(
            grade_id=cell.name, cell_type=cell.cell_type, source=cell.source or "",
            release_source=_without_hidden_tests(cell.source or "", *hidden_delimiters),
            locked=bool(cell.locked), grade=cell.name in grade_points, solution=cell.name in solutions,
            task=cell.name in task_points, points=points, checksum=cell.checksum)
    ordered = [refs[name] for name in dict.fromkeys(order) if name in refs]
    return ordered + [ref for name, ref in refs.items() if name not in set(order)]


def source_metadata(path: Path) -> dict[str, dict[str, Any]]:
    """Grading id -> the cell's metadata other than nbgrader's (tags, display settings), in notebook
    order, from the assignment's source notebook (``{}`` if it cannot be read)."""
    try:
        stat = Path(path).stat()
    except OSError:
        return {}
    return copy.deepcopy(_source_metadata(str(path), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=16)
def _source_metadata(path: str, mtime_ns: int, size: int) -> dict[str, dict[str, Any]]:
    """(Read once per version of the file: a grading worker grades many submissions of one notebook.)"""
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return {}
    found = {}
    for cell in nb.cells:
        meta = dict(cell.get("metadata") or {})
        gid = (meta.pop("nbgrader", None) or {}).get("grade_id")
        if gid:
            found[gid] = meta
    return found


# -- comparing a submission with the assignment -----------------------------------------------------------

def _nbgrader(cell: Any) -> dict[str, Any] | None:
    meta = cell.get("metadata")
    if not isinstance(meta, dict) or "nbgrader" not in meta:
        return None
    value = meta["nbgrader"]
    return value if isinstance(value, dict) else {}


def _drop_nbgrader(cell: Any) -> None:
    cell.metadata.pop("nbgrader", None)


def _longest_in_order(ids: Sequence[str], rank: dict[str, int]) -> set[str]:
    """The largest set of ``ids`` whose order agrees with ``rank`` (the cells that did not move)."""
    best: list[list[str]] = []
    for i, gid in enumerate(ids):
        chain = max((best[j] for j in range(i) if rank[ids[j]] < rank[gid]), key=len, default=[])
        best.append(chain + [gid])
    return set(max(best, key=len, default=[]))


def _settings_changes(meta: dict[str, Any], ref: CellRef) -> list[str]:
    changes = []
    for flag, said in (("grade", "graded"), ("solution", "an answer cell"), ("locked", "read-only"),
                       ("task", "a task")):
        if bool(meta.get(flag)) != getattr(ref, flag):
            changes.append(f"{'not ' if getattr(ref, flag) else ''}marked as {said}")
    if ref.points is not None:
        try:
            points = float(meta.get("points"))
        except (TypeError, ValueError):
            points = None
        if points != ref.points:
            changes.append(f"{code(meta.get('points'), 12)} points instead of {ref.points:g}")
    return changes


def rebuild(cell: Any, ref: CellRef, extra: dict[str, Any] | None = None) -> Any:
    """The assignment's version of a course cell: its type, metadata (nbgrader's from the gradebook,
    the rest from the source notebook) and, for a read-only cell, its source (hidden tests included,
    as nbgrader's OverwriteCells puts them back). Only a written answer keeps the student's text.
    Nothing of the submitted cell's type, metadata or outputs survives."""
    source = ref.source if ref.locked else cell.get("source", "")
    new = {"cell_type": ref.cell_type, "metadata": {**(extra or {}), "nbgrader": ref.metadata()},
           "source": source if isinstance(source, str) else "".join(source)}
    if ref.cell_type == "code":
        new.update(outputs=[], execution_count=None)
    if "id" in cell:
        new["id"] = cell["id"]
    new = nbformat.from_dict(new)  # not nbformat.v4.new_*_cell, which validate each cell (slow)
    if "attachments" in cell and ref.cell_type != "code" and not ref.locked:
        new["attachments"] = cell["attachments"]
    return new


def _new_cell(ref: CellRef, with_ids: bool) -> Any:
    make = nbformat.v4.new_code_cell if ref.cell_type == "code" else nbformat.v4.new_markdown_cell
    cell = make(ref.source, metadata={"nbgrader": ref.metadata()})
    if not with_ids:
        cell.pop("id", None)
    return cell


def check_cells(nb: Any, refs: Sequence[CellRef], extras: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """Compare a submitted notebook with the assignment's cells, repair it for nbgrader, and return
    notes for the student (plain markdown, one finding each).

    Changes made to ``nb`` (the copy being graded, never the student's file): duplicated and unknown
    grading ids lose their nbgrader metadata (they become ordinary cells, which grading never runs);
    every course cell is rebuilt from the assignment (:func:`rebuild`: type, metadata, and the source
    of read-only cells); deleted grade and task cells are put back where the assignment has them.
    ``extras`` is the source notebook's other metadata per grading id (:func:`source_metadata`).
    """
    by_id = {ref.grade_id: ref for ref in refs}
    rank = {ref.grade_id: i for i, ref in enumerate(refs)}
    notes: list[str] = []
    unknown: list[str] = []
    demoted: list[Any] = []  # cells that lost their grading id here (and have a note saying so)
    places: dict[str, list[int]] = {}
    for index, cell in enumerate(nb.cells):
        meta = _nbgrader(cell)
        if meta is None:
            continue
        gid = meta.get("grade_id")
        if not meta or not isinstance(gid, str) or gid not in by_id:
            _drop_nbgrader(cell)  # nbgrader would crash on these (empty metadata, no id) or half-keep them
            if meta and gid is not None:
                unknown.append(code(gid, 40))
                demoted.append(cell)
            continue
        places.setdefault(gid, []).append(index)
    if unknown:
        notes.append(f"A cell carries the grading id {_listing(unknown)}, which is not part of this assignment; "
                     "it was kept as an ordinary cell, which grading does not run." if len(unknown) == 1 else
                     f"Cells carry grading ids that are not part of this assignment ({_listing(unknown)}); "
                     "they were kept as ordinary cells, which grading does not run.")

    keep: dict[str, int] = {}
    for gid, indices in places.items():
        ref = by_id[gid]
        chosen, which = indices[-1], "the last copy"
        if len(indices) > 1 and ref.solution:
            written = [i for i in indices if nb.cells[i].source != ref.release_source]
            if written:
                chosen = written[-1]
                which = "the copy you wrote in" if len(written) == 1 else "the last copy you wrote in"
        keep[gid] = chosen
        if len(indices) > 1:
            for i in indices:
                if i != chosen:
                    _drop_nbgrader(nb.cells[i])
                    demoted.append(nb.cells[i])
            notes.append(f"{_upper(ref.label)} appears {len(indices)} times in your notebook. Only {which} "
                         "was graded; the other copies were kept as ordinary cells, which grading does not run.")

    present = sorted(keep, key=keep.get)
    stayed = _longest_in_order(present, rank)
    moved = [by_id[gid].label for gid in present if gid not in stayed]
    if moved:
        notes.append(f"Some cells are not where the assignment has them: {_listing(moved)} "
                     f"{'was' if len(moved) == 1 else 'were'} moved. They were graded as usual: the order of cells "
                     "does not change a score.")

    for gid in present:
        ref, cell = by_id[gid], nb.cells[keep[gid]]
        meta = _nbgrader(cell) or {}
        changes = _settings_changes(meta, ref)
        if changes:
            notes.append(f"The grading settings of {ref.label} were changed ({_listing(changes)}); the "
                         "assignment's settings were used.")
        extra = (extras or {}).get(gid) or {}
        keys = (set(cell.metadata) | set(extra)) - {"nbgrader"} - _UI_METADATA
        changed = sorted(k for k in keys if cell.metadata.get(k) != extra.get(k))
        if changed:
            notes.append(f"The cell settings of {ref.label} were changed ({_listing([code(k) for k in changed])}); "
                         "the assignment's settings were used.")
        if ref.grade and ref.cell_type == "code" and cell.get("outputs"):
            notes.append(f"{_upper(ref.label)} came with outputs that grading did not write (a score typed in?); "
                         "they were removed, and the cell was graded from your saved answers.")
        nb.cells[keep[gid]] = rebuild(cell, ref, extra)
        if cell.cell_type != ref.cell_type:
            notes.append(f"You changed {ref.label} from {_KINDS.get(ref.cell_type, ref.cell_type)} to "
                         f"{_KINDS.get(cell.cell_type, code(cell.cell_type))}; it was changed back for grading.")
        if ref.locked and cell.source not in (ref.release_source, ref.source):
            if ref.grade and ref.cell_type == "code":
                notes.append(f"You changed {ref.label}; the original test was used.")
            else:
                notes.append(f"You changed {ref.label}, which is read-only; the original was used.")

    with_ids = nb.get("nbformat", 4) > 4 or nb.get("nbformat_minor", 0) >= 5
    positions = dict(keep)
    for k, ref in enumerate(refs):
        if ref.grade_id in positions:
            continue
        if not (ref.grade or ref.task):
            if ref.locked:
                notes.append(f"You deleted {ref.label}. It was not put back: grading does not need it.")
            else:
                notes.append(f"You deleted {ref.label}. It was not put back.")
            continue
        before = [positions[r.grade_id] for r in refs[:k] if r.grade_id in positions]
        after = [positions[r.grade_id] for r in refs[k + 1:] if r.grade_id in positions]
        at = before[-1] + 1 if before else (after[0] if after else len(nb.cells))
        nb.cells.insert(at, rebuild(_new_cell(ref, with_ids), ref, (extras or {}).get(ref.grade_id)))
        positions = {g: (p + 1 if p >= at else p) for g, p in positions.items()}
        positions[ref.grade_id] = at
        if ref.grade and ref.solution:
            notes.append(f"You deleted {ref.label}. It was put back as it was in the assignment, without your "
                         f"text, so it counts as no response (0 of {ref.points or 0:g} points).")
        elif ref.grade and ref.cell_type == "code":
            notes.append(f"You deleted {ref.label}. It was put back from the assignment and graded with your "
                         "saved answer.")
        else:
            notes.append(f"You deleted {ref.label}. It was put back from the assignment.")
    added = [cell for cell in nb.cells if cell.get("cell_type") == "code" and _nbgrader(cell) is None
             and "".join(cell.get("source") or "").strip() and not any(cell is d for d in demoted)]
    if added:
        first = next(line for line in "".join(added[0].source).splitlines() if line.strip())
        one = len(added) == 1
        notes.append((f"Your notebook has a code cell that is not part of the assignment (it starts {code(first)})"
                      if one else f"Your notebook has {len(added)} code cells that are not part of the assignment "
                      f"(the first starts {code(first)})") + ". Grading runs only the course's own cells, so "
                     f"{'it was' if one else 'they were'} not run; the course staff can see "
                     f"{'it' if one else 'them'} in your graded notebook.")
    return notes


# -- after the notebook ran ------------------------------------------------------------------------------------

def output_notes(nb: Any, max_lines: int, max_traceback: int) -> list[str]:
    """What nbgrader's LimitOutput (run next, with these limits) is about to cut, in plain words.

    LimitOutput counts the lines of all stream outputs of a cell together and keeps ``max_lines``
    of them; an error's traceback keeps ``max_traceback`` lines.
    """
    notes = []
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        gid = ((cell.get("metadata") or {}).get("nbgrader") or {}).get("grade_id")
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
    return [f"Your saved {'answer to' if len(late) == 1 else 'answers to'} {_listing(late)} "
            f"{'is' if len(late) == 1 else 'are'} dated after your submission ({submitted:%Y-%m-%d %H:%M} UTC). "
            f"{'It was' if len(late) == 1 else 'They were'} graded as found in your submission; the course staff "
            "can see this note."]


def notes_cell(notes: Iterable[str], with_ids: bool = True) -> Any:
    """The markdown cell listing ``notes`` (no nbgrader metadata: nbgrader grades nothing in it)."""
    lines = [f"## {NOTES_TITLE}", "",
             "Grading found the following in your submission and handled it as described:", ""]
    lines += [f"- {note}" for note in notes]
    lines += ["", "If something here looks wrong, talk to the course staff."]
    cell = nbformat.v4.new_markdown_cell("\n".join(lines))
    if not with_ids:
        cell.pop("id", None)
    return cell


# -- submissions that cannot be graded at all ------------------------------------------------------------

PREFIX = "nbgrader could not grade it: "


def explain_failure(course_root: Path, assignment: str, student: str, notebooks: Sequence[str], message: str) -> str:
    """A failed submission's reason in plain words, when the submission itself shows it (a missing or
    renamed notebook, a notebook that is not valid JSON); otherwise ``message`` unchanged."""
    folder = Path(course_root) / "submitted" / student / assignment
    if not folder.is_dir():
        return message
    missing = [nb for nb in notebooks if not (folder / f"{nb}.ipynb").is_file()]
    if missing:
        others = sorted(p.name for p in folder.iterdir()
                        if p.is_file() and p.suffix == ".ipynb" and p.stem not in notebooks)
        said = PREFIX + f"the submission has no notebook {_names(missing)}"
        if others:
            said += (f" (it holds {_names(others)} instead: a notebook must keep the name it was released with, "
                     f"so rename it to {missing[0]}.ipynb and submit again)")
        return said
    for nb in notebooks:
        problem = notebook_problem(folder / f"{nb}.ipynb")
        if problem:
            return PREFIX + f"the notebook file {nb}.ipynb {problem}"
    return message


def notebook_problem(path: Path) -> str | None:
    """What makes a notebook file unreadable, in words for the student ("is ..."), or None."""
    import json

    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return "is not a text file, so it could not be opened"
    except OSError as exc:
        return f"could not be opened ({exc.strerror or exc})"
    try:
        data = json.loads(text)
    except RecursionError:
        return "is nested too deeply to read: no notebook editor writes such a file, so it could not be opened"
    except ValueError:  # JSONDecodeError, and a number too long to read
        return ("is damaged: it is not a complete notebook (not valid JSON; an upload that was cut short does "
                "this), so it could not be opened")
    if not isinstance(data, dict) or "cells" not in data:
        return "is not a notebook (it is JSON without cells), so it could not be opened"
    version = (data.get("nbformat"), data.get("nbformat_minor"))
    if version[0] != 4:
        return (f"is in notebook format {version[0]}.{version[1]}, which the grading software cannot read (it "
                "reads format 4, which JupyterLab writes): save it from JupyterLab and submit again")
    try:
        nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat's own errors: a notebook that does not follow the format
        return f"does not follow the notebook format ({str(exc).splitlines()[0][:200]}), so it could not be opened"
    return None


def _names(names: Sequence[str]) -> str:
    return ", ".join(n if n.endswith(".ipynb") else f"{n}.ipynb" for n in names)


def problem_feedback_html(assignment: str, notebook: str, student: str, message: str) -> str:
    """A short, accessible feedback page for a submission that could not be graded automatically."""
    reason = message[len(PREFIX):] if message.startswith(PREFIX) else message
    e = html.escape
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{PROBLEM_PAGE_MARK}
<title>{e(assignment)}: not graded automatically</title>
<style>
body {{ font-family: system-ui, sans-serif; line-height: 1.5; max-width: 42rem; margin: 2rem auto;
       padding: 0 1rem; color: #1a1a1a; background: #fff; }}
.problem {{ border-left: 0.3rem solid #a4000f; background: #fdf1f1; padding: 0.75rem 1rem; }}
</style>
</head>
<body>
<main>
<h1>Feedback on {e(assignment)}: not graded automatically</h1>
<p class="problem" role="alert"><strong>Your submission could not be graded automatically:</strong>
{e(reason)}.</p>
<p>Until this is sorted out, the automatically graded questions of {e(notebook)}.ipynb score 0.</p>
<p><strong>Talk to the course staff.</strong> They can see your submission, grade it by hand or let you
submit it again.</p>
<p>Student: {e(student)}. Notebook: {e(notebook)}.ipynb.</p>
</main>
</body>
</html>
"""


def write_problem_feedback(course_root: Path, assignment: str, student: str, notebooks: Sequence[str],
                           message: str) -> list[Path]:
    """Write ``feedback/<student>/<assignment>/<notebook>.html`` for a submission that was not graded,
    with the submission's ``timestamp.txt`` and ``submission_secret.txt`` (``nbgrader release_feedback``
    needs them). Feedback that nbgrader generated earlier is replaced: it no longer matches the grades."""
    import shutil

    folder = Path(course_root) / "feedback" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    submitted = Path(course_root) / "submitted" / student / assignment
    for name in ("timestamp.txt", "submission_secret.txt"):
        if (submitted / name).is_file():
            shutil.copy(submitted / name, folder / name)
    written = []
    for nb in notebooks:
        path = folder / f"{nb}.html"
        path.write_text(problem_feedback_html(assignment, nb, student, message), encoding="utf-8")
        written.append(path)
    return written


def clear_problem_feedback(course_root: Path, assignment: str, student: str) -> list[Path]:
    """Remove the pages :func:`write_problem_feedback` wrote for a submission that has now been graded,
    so that ``nbgrader generate_feedback`` writes real feedback in their place."""
    removed = []
    for path in (Path(course_root) / "feedback" / student / assignment).glob("*.html"):
        try:
            if PROBLEM_PAGE_MARK in path.read_text(encoding="utf-8", errors="replace"):
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed
