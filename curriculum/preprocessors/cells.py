"""The assignment as the gradebook records it, and a submission compared with it: the rules of
:class:`~curriculum.preprocessors.check.CheckSubmission` (what is put back, kept or noted), as pure
functions of cells and references. What stock nbgrader 0.9 does with each case is in
:mod:`curriculum.preprocessors`."""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat

from ..keys import GRADER_METHODS
from ..nbhelpers import cell_meta, has_cell_meta
from .text import code, listing, upper

__all__ = ["CellRef", "check_cells", "load_reference", "new_cell", "rebuild", "source_metadata"]

_ITEM_CALL = re.compile(r"\.(?:%s)\(\s*[\"']([^\"'\n]+)[\"']" % "|".join(GRADER_METHODS))
_KINDS = {"code": "code", "markdown": "Markdown text", "raw": "raw text"}
#: Cell metadata that only changes how a front end shows a cell, never how it is graded.
_UI_METADATA = frozenset({"collapsed", "scrolled", "jupyter", "execution", "editable", "deletable", "trusted",
                          "slideshow"})


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
                   hidden_delimiters: tuple[str, str] | None = None) -> list[CellRef]:
    """The assignment's nbgrader cells from an open nbgrader ``Gradebook``, in notebook order.

    The gradebook does not keep the order of cells, so ``order`` (the grading ids in the order of the
    source notebook) gives it; cells it does not name follow in the gradebook's order.
    ``hidden_delimiters``: nbgrader's markers of hidden tests (by default as nbgrader sets them).
    """
    from ..nbhelpers import hidden_test_markers

    hidden_delimiters = hidden_delimiters or hidden_test_markers()
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


def new_cell(ref: CellRef, with_ids: bool) -> Any:
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
        if not has_cell_meta(cell):
            continue
        meta = cell_meta(cell)
        gid = meta.get("grade_id")
        if not meta or not isinstance(gid, str) or gid not in by_id:
            _drop_nbgrader(cell)  # nbgrader would crash on these (empty metadata, no id) or half-keep them
            if meta and gid is not None:
                unknown.append(code(gid, 40))
                demoted.append(cell)
            continue
        places.setdefault(gid, []).append(index)
    if unknown:
        notes.append(f"A cell carries the grading id {listing(unknown)}, which is not part of this assignment; "
                     "it was kept as an ordinary cell, which grading does not run." if len(unknown) == 1 else
                     f"Cells carry grading ids that are not part of this assignment ({listing(unknown)}); "
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
            notes.append(f"{upper(ref.label)} appears {len(indices)} times in your notebook. Only {which} "
                         "was graded; the other copies were kept as ordinary cells, which grading does not run.")

    present = sorted(keep, key=keep.get)
    stayed = _longest_in_order(present, rank)
    moved = [by_id[gid].label for gid in present if gid not in stayed]
    if moved:
        notes.append(f"Some cells are not where the assignment has them: {listing(moved)} "
                     f"{'was' if len(moved) == 1 else 'were'} moved. They were graded as usual: the order of cells "
                     "does not change a score.")

    for gid in present:
        ref, cell = by_id[gid], nb.cells[keep[gid]]
        meta = cell_meta(cell)
        changes = _settings_changes(meta, ref)
        if changes:
            notes.append(f"The grading settings of {ref.label} were changed ({listing(changes)}); the "
                         "assignment's settings were used.")
        extra = (extras or {}).get(gid) or {}
        keys = (set(cell.metadata) | set(extra)) - {"nbgrader"} - _UI_METADATA
        changed = sorted(k for k in keys if cell.metadata.get(k) != extra.get(k))
        if changed:
            notes.append(f"The cell settings of {ref.label} were changed ({listing([code(k) for k in changed])}); "
                         "the assignment's settings were used.")
        if ref.grade and ref.cell_type == "code" and cell.get("outputs"):
            notes.append(f"{upper(ref.label)} came with outputs that grading did not write (a score typed in?); "
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
        nb.cells.insert(at, rebuild(new_cell(ref, with_ids), ref, (extras or {}).get(ref.grade_id)))
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
    added = [cell for cell in nb.cells if cell.get("cell_type") == "code" and not has_cell_meta(cell)
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
