"""Submissions that cannot be graded at all: why, in plain words, their zero and their feedback page.

A submission nbgrader cannot grade (no notebook, a notebook that is not one) gets zero on every
auto-graded cell with the reason as a comment that staff see in formgrader
(:func:`record_problem`), and a short feedback page for the student (there is no graded notebook
for ``nbgrader generate_feedback`` to render), replaced by the real one once it is graded.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

if TYPE_CHECKING:
    from ..course import Course

__all__ = ["PREFIX", "PROBLEM_PAGE_MARK", "clear_problem_feedback", "explain_failure", "notebook_problem",
           "problem_feedback_html", "record_problem", "write_problem_feedback"]

#: Marks the feedback pages written for submissions that could not be graded (so they can be replaced).
PROBLEM_PAGE_MARK = '<meta name="generator" content="curriculum: not graded automatically">'
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


def record_problem(course: Course, assignment: str, student: str, message: str) -> None:
    """Score a submission that could not be graded: zero on every auto-graded cell, with the reason
    as a comment that staff see in formgrader, and a feedback page for the student (there is no
    graded notebook for ``nbgrader generate_feedback`` to render): feedback/<student>/<assignment>/."""
    with course.gradebook() as gb:
        gb.update_or_create_student(student)  # nbgrader stops before adding one when no notebook was submitted
        sub = gb.update_or_create_submission(assignment, student)
        notebooks = [nb.name for nb in sub.notebooks]
        for nb in sub.notebooks:
            for grade in nb.grades:
                if grade.cell_type == "code" and grade.manual_score is None:
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = False
            for comment in nb.comments:
                comment.auto_comment = f"Not graded automatically: {message}. Talk to the course staff."
        gb.db.commit()
    write_problem_feedback(course.root, assignment, student, notebooks, message)
