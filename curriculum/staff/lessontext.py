"""What a student reads in a source notebook: text that JupyterLab would show wrongly, or that names
someone a lesson must not name. Checked by ``curriculum build`` and ``curriculum check`` before any
kernel runs, so the mistake is caught at the line that makes it, not in a screenshot.

- **Dollar signs.** JupyterLab typesets text between two ``$`` as maths, in Markdown cells and in
  widget labels; in JupyterLab 4 the course's amounts written ``\\$`` were typeset too (seen in module 01).
  The course has no formulas, so any ``$`` is money: write "USD 50,000".
- **Option labels.** Every option is shown as ``b) text`` (:func:`curriculum.markup.option_label`), so
  an option text that starts with its own letter reads "b) (b) text".
- **Collapsed code.** The student version collapses every code cell (HideCourseCode), and JupyterLab 4
  shows a collapsed cell's first line: so each code cell starts with a comment that says what it shows
  ("# Q1: graded question", "# Case card"), never with code.
- **Names.** Some parties may be named only in a lesson's Sources cell, some never
  (:data:`curriculum.cases.policy.SOURCES_ONLY`, :data:`~curriculum.cases.policy.NEVER_IN_LESSONS`).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

from ..cases.policy import NEVER_IN_LESSONS, SOURCES_ONLY
from ..keys import GRADER_METHODS

__all__ = ["lesson_text_problems"]

_SOURCES = re.compile(r"^#+\s*Sources\b", re.MULTILINE)


def _label(cell: nbformat.NotebookNode, index: int) -> str:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return f"cell {index}" + (f" ({grade_id})" if grade_id else "")


def _option_dicts(source: str):
    """(item id, {letter: text}) for every option dict of an exercise call in a code cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in GRADER_METHODS and node.args and isinstance(node.args[0], ast.Constant)):
            continue
        for arg in [*node.args[1:], *(k.value for k in node.keywords if k.arg in ("options", "reasons"))]:
            if isinstance(arg, ast.Dict):
                try:
                    options = ast.literal_eval(arg)
                except ValueError:
                    continue
                if all(isinstance(k, str) and isinstance(v, str) for k, v in options.items()):
                    yield node.args[0].value, options


def lesson_text_problems(path: str | Path) -> list[str]:
    """Every problem in what a student would read in the notebook at ``path`` (empty: none)."""
    nb = nbformat.read(Path(path), as_version=4)
    problems = []
    for index, cell in enumerate(nb.cells):
        where = _label(cell, index)
        if "$" in cell.source:
            line = next(ln for ln in cell.source.splitlines() if "$" in ln).strip()
            problems.append(f"{where}: a '$' is typeset as maths in JupyterLab (even written '\\$'); "
                            f"write amounts as 'USD 50,000': {line[:70]!r}")
        for name in NEVER_IN_LESSONS:
            if name.lower() in cell.source.lower():
                problems.append(f"{where}: names {name!r}, whom no lesson names; describe the case instead "
                                "(see curriculum/cases/policy.py)")
        if not _SOURCES.search(cell.source):
            for name in SOURCES_ONLY:
                if re.search(rf"\b{re.escape(name)}\b", cell.source, re.IGNORECASE):
                    problems.append(f"{where}: names {name!r} outside the Sources cell; name the party only "
                                    "in its citation and describe it in the lesson text")
        if cell.cell_type == "code":
            first = next((ln.strip() for ln in cell.source.splitlines() if ln.strip()), "")
            if first and not first.startswith("#"):
                problems.append(f"{where}: starts with code ({first[:40]!r}), which a collapsed cell shows to "
                                "students; start it with a comment that says what it shows, e.g. '# Case card'")
            for item, options in _option_dicts(cell.source):
                for letter, text in options.items():
                    if re.match(rf"\(?{re.escape(letter)}[).:]\s", text.strip(), re.IGNORECASE):
                        problems.append(f"{where}: option {letter!r} of {item} starts with its own letter and "
                                        f"would read '{letter}) {text.strip()[:20]}...'; drop the letter")
    return problems
