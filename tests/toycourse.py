"""A small course built in a temporary folder for tests: one notebook with one graded item of each
kind, a practice item and a manually graded reflection, using the course's real nbgrader_config.py.

``make_course(root, own_test=True)`` writes one hidden test as an instructor's own code (the Grader
call split over two statements: same key, same score), so grading needs a kernel for it: the
fallback path that runs the course's cells alone (curriculum.preprocessors.GradeAnswers)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parents[1]
NAME = "99-toy"
POST = "Mrs. Dana Whitlock, 93, from Elm Creek was in Room 14 today after her fall."
IDENTIFIERS = ["Dana Whitlock", "93", "Elm Creek", "Room 14"]
#: points of the auto-graded items and the reflection
POINTS = {"q1-single": 1, "q2-multiple": 2, "q3-triage": 3, "q4-spot": 2, "q5-ranking": 2, "q6-disclosure": 2}
DISCLOSURE_PARTS = {
    "wording": {"ad": "#ad", "sp": "#sp", "thanks": "Thanks, ScrubLuxe!"},
    "placement": {"start": "At the start of the caption", "bio": "Only in my bio", "more": "After 'more'"},
}
REFLECTION_POINTS = 4


def _meta(grade_id, *, grade=False, solution=False, locked=True, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


#: An instructor's own test code in the kernel variant: it waits while its folder holds HANG_FILE (so
#: the tests can make one submission's grading hang), then grades q1 as the Grader call would. With
#: FORGE_FILE there too, it first writes the grading worker's result line to its stdout, as a kernel
#: trying to end its grading early would.
HANG_FILE = "hang-here.txt"
FORGE_FILE = "forge-result.txt"


def _test(item, call, own_code=False):
    body = f"from curriculum.grading import Grader\nGrader({NAME!r}).{call}"
    if own_code:
        body = (f"import os, time\nif os.path.exists({FORGE_FILE!r}):\n"
                "    os.write(1, b'@@curriculum-grade-result {\"success\": true, \"log\": \"\", \"error\": \"\"}\\n')\n"
                f"while os.path.exists({HANG_FILE!r}):\n    time.sleep(1)\n"
                f"from curriculum.grading import Grader\ngrader = Grader({NAME!r})\ngrader.{call}")
    source = f"# Hidden tests check {item} ({POINTS[item]} points).\n### BEGIN HIDDEN TESTS\n{body}\n### END HIDDEN TESTS"
    return new_code_cell(source, metadata=_meta(f"{item}-test", grade=True, points=POINTS[item]))


def _shown(source: str, metadata: dict) -> nbformat.NotebookNode:
    """A course code cell: a comment first, as in the course's notebooks (a collapsed cell shows it)."""
    return new_code_cell(f"# {metadata['nbgrader']['grade_id']}\n{source}", metadata=metadata)


def toy_notebook(own_test: bool = False) -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell("# Toy module\nA notebook for tests."),
        _shown(f"from curriculum import Quiz\nquiz = Quiz({NAME!r})", metadata=_meta("setup")),
        _shown('quiz.single_choice("q1-single", "Which is PHI?", {"a": "A weather report", '
                      '"b": "A named patient\'s diagnosis", "c": "A textbook fact"})', metadata=_meta("q1-widget")),
        _test("q1-single", 'single_choice("q1-single", correct="b", points=1, options=["a", "b", "c"], '
              'explain={"b": "A diagnosis tied to a name is protected health information."})', own_test),
        _shown('quiz.multiple_choice("q2-multiple", "Which are Safe Harbor identifiers?", '
                      '{"a": "Full-face photo", "b": "Year of birth", "c": "Email address", "d": "Blood type"})',
                      metadata=_meta("q2-widget")),
        _test("q2-multiple", 'multiple_choice("q2-multiple", correct=["a", "c"], points=2, options=["a", "b", "c", "d"])'),
        _shown('quiz.triage("q3-triage", "Sort each post.", posts={"p1": "Proud of our team after a long shift!", '
                      '"p2": "The man in bed 4 with the rare tattoo...", "p3": "Use my code SAVE10 for scrubs"}, '
                      'reasons={"ok": "Nothing identifies anyone", "identifies": "Could identify a patient", '
                      '"undisclosed": "Undisclosed sponsorship"})', metadata=_meta("q3-widget")),
        _test("q3-triage", 'triage("q3-triage", key={"p1": ("fine", "ok"), "p2": ("never", "identifies"), '
              '"p3": ("revise", "undisclosed")}, points=3)'),
        _shown(f'quiz.spot_identifiers("q4-spot", "Select every identifying word.", text={POST!r})',
                      metadata=_meta("q4-widget")),
        _test("q4-spot", f'spot_identifiers("q4-spot", text={POST!r}, identifiers={IDENTIFIERS!r}, points=2)'),
        _shown('quiz.ranking("q5-ranking", "Rank from most to least severe.", {"a": "A joke about a named '
                      'patient", "b": "A selfie in scrubs", "c": "A photo with a patient list behind"})',
                      metadata=_meta("q5-widget")),
        _test("q5-ranking", 'ranking("q5-ranking", order=["a", "c", "b"], points=2)'),
        _shown(f'quiz.disclosure("q6-disclosure", "Fix the disclosure.", {DISCLOSURE_PARTS!r})',
                      metadata=_meta("q6-widget")),
        _test("q6-disclosure", 'disclosure("q6-disclosure", key={"wording": ["ad"], "placement": ["start"]}, points=2)'),
        _shown('quiz.single_choice("p1-practice", "Practice: is a room number an identifier?", '
                      '{"y": "Yes", "n": "No"}, correct="y", explain={"y": "Room numbers can identify."})',
                      metadata=_meta("p1-widget")),
        new_markdown_cell("Rubric: 4 points.", metadata=_meta("rubric")),
        new_markdown_cell("YOUR ANSWER HERE", metadata=_meta("reflection", grade=True, solution=True,
                                                              locked=False, points=REFLECTION_POINTS)),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def make_course(root: Path, own_test: bool = False) -> Path:
    """A course folder at ``root`` with the real config and the toy notebook as its only source."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    (root / "source" / NAME).mkdir(parents=True)
    nbformat.write(toy_notebook(own_test), root / "source" / NAME / f"{NAME}.ipynb")
    return root
