"""The check that no feedback file reveals the answer key."""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

if TYPE_CHECKING:
    from ..course import Course

from ..course import ReleaseProblem
from ...feedback import is_safe
from ...keys import GRADER_METHODS
from ...nbhelpers import cell_meta


_KEY_KEYWORDS = {"correct", "key", "order", "identifiers", "spans", "explain"}


def _norm(text: str) -> str:
    return " ".join(text.split())


def feedback_secrets(source_nb: Path, release_nb: Path | None = None,
                     hidden_tests: tuple[str, str] | None = None) -> list[str]:
    """What of the answer key must never reach a student: each line of a hidden test region, the
    key arguments of each Grader call as written (``correct="b"``, ``key={...}``, ...) and each
    explanation; less whatever the released notebook shows anyway (practice items)."""
    from ...nbhelpers import hidden_test_markers

    begin, end = hidden_tests or hidden_test_markers()
    nb = nbformat.read(source_nb, as_version=4)
    found: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code" or begin not in cell.source:
            continue
        inside = False
        for line in cell.source.splitlines():
            if begin in line:
                inside = True
            elif end in line:
                inside = False
            elif inside and len(line.strip()) >= 12:
                found.append(line.strip())
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in GRADER_METHODS:
                for kw in node.keywords:
                    if kw.arg in _KEY_KEYWORDS:
                        segment = ast.get_source_segment(cell.source, kw)
                        if segment:
                            found.append(segment)
                        if kw.arg == "explain":
                            try:
                                value = ast.literal_eval(kw.value)
                            except ValueError:
                                continue
                            texts = value.values() if isinstance(value, dict) else [value]
                            found += [str(t) for t in texts if len(str(t)) >= 20]
    public = ""
    if release_nb is not None and release_nb.is_file():
        public = _norm("\n".join(c.source for c in nbformat.read(release_nb, as_version=4).cells))
    return [s for s in dict.fromkeys(_norm(s) for s in found) if s and s not in public]


def _json_escaped(text: str) -> str:
    return json.dumps(text)[1:-1]


_STYLE = re.compile(r"<style\b.*?</style>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def _visible_text(markup: str) -> str:
    return html.unescape(_TAG.sub("", _STYLE.sub(" ", markup)))


def _printed_lines(autograded_nb: Path) -> set[str]:
    """The lines hidden tests printed for this student (their feedback, which may quote explanations)."""
    try:
        nb = nbformat.read(autograded_nb, as_version=4)
    except Exception:  # missing or unreadable: nothing printed counts as allowed, so the check is stricter
        return set()
    lines = set()
    for cell in nb.cells:
        if cell.cell_type == "code" and cell_meta(cell).get("grade"):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stdout":
                    lines |= {line.strip() for line in output.get("text", "").splitlines() if line.strip()}
    return lines


def check_feedback(course: Course, assignment: str, feedback_root: Path | None = None,
                   withheld: bool = False) -> list[ReleaseProblem]:
    """Every trace of the answer key in the feedback files of one assignment.

    Checked in each file under ``feedback/<student>/<assignment>/``: the markers of hidden tests and
    of the grading call (as :meth:`Course.check_release` does), and the secrets of
    :func:`feedback_secrets` in the text a browser shows. An explanation may appear only where the
    hidden test printed it as that student's feedback; if the answers are ``withheld``, nowhere, and
    of the lines the tests printed only those :func:`curriculum.feedback.is_safe` allows may show.
    """
    root = feedback_root or course.root / "feedback"
    source = course.source_notebook(assignment)
    release = course.root / "release" / assignment / source.name
    secrets = feedback_secrets(source, release, course.markers()[1])
    problems = []
    for path in sorted(root.glob(f"*/{assignment}/**/*")):
        if not path.is_file():
            continue
        rel = str(path.relative_to(course.root)) if path.is_relative_to(course.root) else str(path)
        raw = path.read_text(encoding="utf-8", errors="replace")
        is_html = path.suffix.lower() in (".html", ".htm")
        text = _visible_text(raw) if is_html else raw
        for marker in course.leak_markers():
            if marker in raw or marker in text:
                problems.append(ReleaseProblem(rel, f"contains {marker!r}"))
        if is_html:
            student = path.relative_to(root).parts[0]
            printed = _printed_lines(course.root / "autograded" / student / assignment / f"{path.stem}.ipynb")
            if withheld:  # of what the tests printed, only the safe lines may show
                shown = {line.strip() for line in text.splitlines()}
                for line in sorted(p for p in printed if not is_safe(p)):
                    if line in shown:
                        problems.append(ReleaseProblem(rel, f"shows a withheld line: {line[:60]!r}"))
            else:
                text = "\n".join(line for line in text.splitlines() if line.strip() not in printed)
        flat = _norm(text)
        for secret in secrets:
            if secret in flat or (not is_html and _json_escaped(secret) in raw):
                problems.append(ReleaseProblem(rel, f"reveals the key: {secret[:60]!r}"))
    return problems
