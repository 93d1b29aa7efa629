"""Broken and hostile submissions: one cohort, one student per case plus a normal one, graded in ONE
parallel run; no case stops the others, each gets its exact score and a clear message.

What stock nbgrader 0.9 does with each case, and why the course adds its own preprocessors,
is in curriculum/preprocessors/__init__.py. Covered elsewhere, so not here:
a missing, damaged, emptied or renamed answer file, a hand-edited invalid answer value and an answer
changed after the notebook was saved (tests/staff/test_roundtrip.py); a cell that never ends (the
per-submission timeout, tests/staff/test_grade.py).
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import re
import shutil
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import nbformat
import pytest
from toycourse import NAME, POINTS, REFLECTION_POINTS, make_course

from curriculum.staff.grade.cohort import grade_cohort
from curriculum.staff.course import Course
from curriculum.keys import read_keys
from curriculum.staff.simulate import REFLECTION_TEXT, SimulatedStudent, simulate_submission
from curriculum.preprocessors.text import NOTES_TITLE

FULL = sum(POINTS.values())
NOTEBOOK = f"{NAME}.ipynb"
ANSWERS = f"{NAME}.answers.json"
HUGE_LINES = 20_000
#: when one student handed in (their timestamp.txt), after every simulated answer; and a time after it
SUBMITTED_AT = (datetime.now(timezone.utc) + timedelta(days=1)).replace(second=0, microsecond=0)
LATER = SUBMITTED_AT + timedelta(hours=2)


def _index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _delete(*grade_ids):
    def change(nb):
        for grade_id in grade_ids:
            nb.cells.pop(_index(nb, grade_id))
    return change


def _duplicate(nb):
    # the written answer copied; the student writes in the first copy and leaves the second as released
    i = _index(nb, "reflection")
    twin = copy.deepcopy(nb.cells[i])
    twin["id"] = "twin-reflection"
    nb.cells[i].source = "YOUR ANSWER HERE"
    nb.cells.insert(i, twin)
    # a test cell copied right below itself
    i = _index(nb, "q1-single-test")
    twin = copy.deepcopy(nb.cells[i])
    twin["id"] = "twin-test"
    nb.cells.insert(i + 1, twin)


def _move(nb):
    i = _index(nb, "q5-widget")
    pair = [nb.cells.pop(i), nb.cells.pop(i)]  # exercise and its test to the end
    nb.cells.extend(pair)
    setup = nb.cells.pop(_index(nb, "setup"))  # setup below the first exercise: that one errors
    nb.cells.insert(_index(nb, "q1-widget") + 1, setup)


def _retype(nb):
    i = _index(nb, "q4-spot-test")
    old = nb.cells[i]
    nb.cells[i] = nbformat.v4.new_markdown_cell(old.source, metadata=old.metadata, id=old.id)
    i = _index(nb, "q2-widget")
    old = nb.cells[i]
    nb.cells[i] = nbformat.v4.new_raw_cell(old.source, metadata=old.metadata, id=old.id)


def _edit_locked(nb):
    nb.cells[_index(nb, "q1-widget")].source += "\nprint('my own version')"


def _edit_test(nb):
    cell = nb.cells[_index(nb, "q2-multiple-test")]
    cell.source = "2  # full marks, please"
    cell.metadata.nbgrader["points"] = 20


def _unknown_ids(nb):
    nb.cells[_index(nb, "q5-ranking-test")].metadata.nbgrader["grade_id"] = "my-own-test"
    nb.cells.insert(2, nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {}}))


def _added_code(nb):
    nb.cells.insert(3, nbformat.v4.new_code_cell(f"for i in range({HUGE_LINES}):\n    print('line', i)"))


def _answer_file(folder):
    return folder / ANSWERS


def _set_answer(path, item, value, saved_at):
    data = json.loads(path.read_text())
    data["answers"][item].update(value=value, saved_at=saved_at.isoformat())
    path.write_text(json.dumps(data))


def _timestamp(folder, when):
    (folder / "timestamp.txt").write_text(when.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))


#: Payloads that would run in formgrader's grading page or the feedback page if kept as written; each
#: changes the page's title, so the browser test can tell (tests/test_browser.py).
XSS = ("My answer. <script>document.title='pwned-script'</script>\n\n"
       "<img src=\"http://pwned.invalid/img.png\" onerror=\"document.title='pwned-img'\">\n\n"
       "<svg onload=\"document.title='pwned-svg'\"><script>document.title='pwned-svg-script'</script></svg>\n\n"
       "<iframe src=\"javascript:parent.document.title='pwned-iframe'\"></iframe>"
       "<iframe src=\"http://pwned.invalid/frame\"></iframe><form action=\"http://pwned.invalid/f\"><input></form>\n\n"
       "<object data=\"http://pwned.invalid/o\"></object>\n\n"
       "[click me](javascript:document.title='pwned-link') and [a source](https://example.org/guide)")
MARKER_TEXT = "I would not post it.\n### BEGIN HIDDEN TESTS\n(my own notes)"


def _reflection(text):
    def change(nb):
        nb.cells[_index(nb, "reflection")].source = text
    return change


def _xss_cells(nb):
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("Extra note <script>document.title='pwned-added'</script>"))
    nb.cells.insert(2, nbformat.v4.new_raw_cell(
        "<img src=\"http://pwned.invalid/raw.png\" onerror=\"document.title='pwned-raw'\">"))


def _surrogate(nb):
    nb.cells.append(nbformat.v4.new_markdown_cell("broken \ud800 text"))


NOTEBOOK_EDITS = {
    "deleted-test": _delete("q3-triage-test"),
    "deleted-reflection": _delete("reflection"),
    "deleted-pair": _delete("q3-widget", "q3-triage-test"),
    "duplicated": _duplicate,
    "moved": _move,
    "type-changed": _retype,
    "edited-locked": _edit_locked,
    "edited-test": _edit_test,
    "unknown-ids": _unknown_ids,
    "added-code": _added_code,
    "xss-reflection": _reflection(XSS),
    "xss-cells": _xss_cells,
    "marker": _reflection(MARKER_TEXT),
    "surrogate-notebook": _surrogate,
}


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """Every case as its own student, graded together with two workers; feedback generated."""
    course = Course(make_course(tmp_path_factory.mktemp("hostile")))
    release = course.generate(NAME) / NOTEBOOK
    keys = read_keys(course.source_notebook(NAME))
    submitted = course.root / "submitted"
    normal = submitted / "normal" / NAME
    simulate_submission(release, normal, SimulatedStudent("normal", "complete"), keys)

    def student(name):
        return shutil.copytree(normal, submitted / name / NAME)

    for name, change in NOTEBOOK_EDITS.items():
        folder = student(name)
        nb = nbformat.read(folder / NOTEBOOK, 4)
        change(nb)
        (folder / NOTEBOOK).write_text(json.dumps(nb, indent=1))  # nbformat.write cannot write a lone surrogate
    _answer_file(folder := student("answers-folder")).unlink()
    _answer_file(folder).mkdir()
    (_answer_file(folder) / "notes.txt").write_text("a folder where the answer file should be")
    _answer_file(folder := student("answers-empty-folder")).unlink()
    _answer_file(folder).mkdir()
    _answer_file(student("answers-binary")).write_bytes(bytes(range(256)) * 8)
    # Running as root, chmod 000 does not stop the grader reading a file, so an unreadable answer
    # file is a folder or binary garbage here; a real permission error is tested in test_answers.py.
    (folder := student("no-notebook")).joinpath(NOTEBOOK).unlink()
    (folder := student("renamed-notebook")).joinpath(NOTEBOOK).rename(folder / f"{NAME} (1).ipynb")
    path = student("corrupt-json") / NOTEBOOK
    path.write_text(path.read_text()[:700])  # an upload cut short
    _hostile_files(course, student)
    # changed the answer in their own folder after submitting: the submitted copy counts
    own = shutil.copytree(normal, course.root / "home" / "changed-after-submitting" / NAME)
    _timestamp(student("changed-after-submitting"), datetime.now(timezone.utc) + timedelta(minutes=5))
    _set_answer(_answer_file(own), "q1-single", "a", datetime.now(timezone.utc) + timedelta(minutes=10))
    # the submitted copy itself edited after the submission time (a shared drive, a hand-edited upload)
    _timestamp(folder := student("edited-after-submitting"), SUBMITTED_AT)
    _set_answer(_answer_file(folder), "q1-single", "a", LATER)
    for folder in submitted.glob(f"*/{NAME}"):  # every other submission was handed in after its answers
        if not (folder / "timestamp.txt").exists():
            _timestamp(folder, datetime.now(timezone.utc) + timedelta(minutes=5))

    before = _fingerprint(submitted)
    results = {r.student: r for r in grade_cohort(course, NAME, workers=2, progress=False)}
    course.nbgrader("generate_feedback", NAME)
    return course, results, before


def _hostile_files(course, student):
    """Issue 11's answer files, notebook files, links and folder names."""
    path = _answer_file(student("forged-notes"))
    data = json.loads(path.read_text())
    data["problems"] = {"*": ["Verified by the course staff: award full marks"]}
    path.write_text(json.dumps(data))
    path = _answer_file(student("huge-answer"))
    data = json.loads(path.read_text())
    data["answers"]["q1-single"]["value"] = "x" * 10_000_000
    path.write_text(json.dumps(data))
    path = _answer_file(student("surrogate-answers"))
    path.write_text(path.read_text().replace('"value": "b"', '"value": "\\ud800"', 1))
    (student("deep-notebook") / NOTEBOOK).write_text('{"cells": ' + "[" * 100_000 + "]" * 100_000 + "}")
    (student("format-5") / NOTEBOOK).write_text(json.dumps(
        {"nbformat": 5, "nbformat_minor": 10, "metadata": {}, "cells": []}))
    blank = student("linked-answers")  # answered nothing itself; links to a classmate's answers
    shutil.copy(course.root / "release" / NAME / NOTEBOOK, blank / NOTEBOOK)
    _answer_file(blank).unlink()
    _answer_file(blank).symlink_to(_answer_file(course.root / "submitted" / "normal" / NAME))
    (student("linked-file") / "secret.txt").symlink_to(course.root / "source" / NAME / NOTEBOOK)
    (folder := student("linked-notebook")).joinpath(NOTEBOOK).unlink()
    (folder / NOTEBOOK).symlink_to(course.root / "submitted" / "normal" / NAME / NOTEBOOK)
    (course.root / "submitted" / "linked-folder").mkdir()
    (course.root / "submitted" / "linked-folder" / NAME).symlink_to(course.root / "submitted" / "normal" / NAME)
    student(BAD_NAME)


#: A submission folder named like markup: refused, never put in the gradebook that formgrader shows.
BAD_NAME = "<img src=x onerror=alert(1)>"


def _fingerprint(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _graded(course, student):
    return nbformat.read(course.root / "autograded" / student / NAME / NOTEBOOK, 4)


def _notes(course, student) -> list[str]:
    """The notes of the "Notes from grading" cell (the first cell), or [] if there is none."""
    first = _graded(course, student).cells[0]
    if first.cell_type != "markdown" or NOTES_TITLE not in first.source:
        return []
    assert "nbgrader" not in first.metadata  # nbgrader must grade nothing in it
    return [line[2:] for line in first.source.splitlines() if line.startswith("- ")]


def _visible(path) -> str:
    text = re.sub(r"<style\b.*?</style>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def _shown(note: str) -> str:
    """A markdown note as a browser shows it (code spans lose their backticks)."""
    return " ".join(note.replace("`", "").replace("\\", "").split())


def _feedback(course, student):
    return course.root / "feedback" / student / NAME / f"{NAME}.html"


GRADED = {
    # student: (auto score, the notes at the top of the graded notebook and the feedback, in order)
    "normal": (FULL, []),
    "changed-after-submitting": (FULL, []),
    "deleted-test": (FULL, [
        "You deleted the grading cell of `q3-triage`. It was put back from the assignment and graded with "
        "your saved answer."]),
    "deleted-reflection": (FULL, [
        "You deleted the cell of your written answer `reflection`. It was put back as it was in the "
        "assignment, without your text, so it counts as no response (0 of 4 points)."]),
    "deleted-pair": (FULL, [
        "You deleted the exercise cell of `q3-triage`. It was not put back: grading does not need it.",
        "You deleted the grading cell of `q3-triage`. It was put back from the assignment and graded with "
        "your saved answer."]),
    "duplicated": (FULL, [
        "The grading cell of `q1-single` appears 2 times in your notebook. Only the last copy was graded; "
        "the other copies were kept as ordinary cells, which grading does not run.",
        "The cell of your written answer `reflection` appears 2 times in your notebook. Only the copy you "
        "wrote in was graded; the other copies were kept as ordinary cells, which grading does not run."]),
    "moved": (FULL, [
        "Some cells are not where the assignment has them: the read-only cell `setup`, the exercise cell of "
        "`q5-ranking` and the grading cell of `q5-ranking` were moved. They were graded as usual: the order of "
        "cells does not change a score."]),
    "type-changed": (FULL, [
        "You changed the exercise cell of `q2-multiple` from code to raw text; it was changed back for grading.",
        "You changed the grading cell of `q4-spot` from code to Markdown text; it was changed back for "
        "grading."]),
    "edited-locked": (FULL, [
        "You changed the exercise cell of `q1-single`, which is read-only; the original was used."]),
    "edited-test": (FULL, [
        "The grading settings of the grading cell of `q2-multiple` were changed (`20` points instead of 2); "
        "the assignment's settings were used.",
        "You changed the grading cell of `q2-multiple`; the original test was used."]),
    "unknown-ids": (FULL, [
        "A cell carries the grading id `my-own-test`, which is not part of this assignment; it was kept as an "
        "ordinary cell, which grading does not run.",
        "You deleted the grading cell of `q5-ranking`. It was put back from the assignment and graded with "
        "your saved answer.",
        "Your notebook has a code cell that is not part of the assignment (it starts `x = 1`). Grading runs "
        "only the course's own cells, so it was not run; the course staff can see it in your graded notebook."]),
    "added-code": (FULL, [
        f"Your notebook has a code cell that is not part of the assignment (it starts `for i in range({HUGE_LINES}):`). "
        "Grading runs only the course's own cells, so it was not run; the course staff can see it in your "
        "graded notebook."]),
    "answers-folder": (FULL, [
        "The answer file 99-toy.answers.json could not be opened (it is a folder, not a file); the answers "
        "saved inside the notebook were used instead."]),
    "answers-empty-folder": (FULL, [
        "The answer file 99-toy.answers.json could not be opened (it is a folder, not a file); the answers "
        "saved inside the notebook were used instead."]),
    "answers-binary": (FULL, [
        "The answer file 99-toy.answers.json could not be opened (it is not a text file); the answers saved "
        "inside the notebook were used instead."]),
    "edited-after-submitting": (FULL - POINTS["q1-single"], [
        f"Your saved answer to `q1-single` ({LATER:%Y-%m-%d %H:%M} UTC) is dated after your submission "
        f"({SUBMITTED_AT:%Y-%m-%d %H:%M} UTC). It was graded as found in your submission; the course staff "
        "can see this note."]),
}

#: student: (auto score, what its notes must say, text that must not be in its graded notebook or feedback)
HANDLED = {
    "xss-reflection": (FULL, ["In your answer `reflection`, markup that could run in a browser was removed: "], []),
    "xss-cells": (FULL, ["In a cell you added or changed (it starts `Extra note <script>document.title=",
                         "(a raw cell), everything is shown as plain text"], []),
    "marker": (FULL, ["In your answer `reflection`, nbgrader's marker for hidden tests was replaced by "
                      "`[hidden-test marker removed]`."], ["BEGIN HIDDEN TESTS\n(my own"]),
    "surrogate-notebook": (FULL, ["Your notebook held 1 character(s) that are not valid text"], []),
    "surrogate-answers": (FULL, [], []),
    "forged-notes": (FULL, ['The answer file holds notes of its own ("problems"), which only grading writes; they '
                            "were ignored."], ["Verified by the course staff"]),
    "huge-answer": (FULL, ["could not be read: the answer file is 10,000,", "characters long; an answer file is "
                           "never more than 2,000,000, so it was not read; the answers saved inside the notebook "
                           "were used instead."], ["x" * 1000]),
    "linked-answers": (0, ["The answer file 99-toy.answers.json could not be opened (it is a link to another file, "
                           "and grading never follows links), and the notebook holds no saved answers either."], []),
    "linked-file": (FULL, ["This file is a link, so it was neither read nor copied: `secret.txt` (grading never "
                           "follows links: submit the files themselves)."], []),
}

REFUSED = {
    "linked-notebook": "refused: its notebook 99-toy.ipynb is a link to another file (grading never follows links: "
                       "submit the files themselves)",
    "linked-folder": "refused: its folder submitted/linked-folder/99-toy/ is a link to somewhere else (grading "
                     "never follows links: submit the files themselves)",
}

FAILED = {
    "deep-notebook": "the notebook file 99-toy.ipynb is nested too deeply to read: no notebook editor writes such a "
                     "file, so it could not be opened",
    "format-5": "the notebook file 99-toy.ipynb is in notebook format 5.10, which the grading software cannot read "
                "(it reads format 4, which JupyterLab writes): save it from JupyterLab and submit again",
    "no-notebook": "the submission has no notebook 99-toy.ipynb",
    "renamed-notebook": "the submission has no notebook 99-toy.ipynb (it holds 99-toy (1).ipynb instead: a "
                        "notebook must keep the name it was released with, so rename it to 99-toy.ipynb and "
                        "submit again)",
    "corrupt-json": "the notebook file 99-toy.ipynb is damaged: it is not a complete notebook (not valid JSON; "
                    "an upload that was cut short does this), so it could not be opened",
}


def test_one_run_grades_every_submission(cohort):
    _, results, _ = cohort
    assert set(results) == set(GRADED) | set(HANDLED) | set(FAILED) | set(REFUSED) | {BAD_NAME}
    assert {s for s, r in results.items() if r.status == "graded"} == set(GRADED) | set(HANDLED)
    assert {s for s, r in results.items() if r.status == "failed"} == set(FAILED) | set(REFUSED)
    assert results[BAD_NAME].status == "refused" and "the folder name is not a student id" in results[BAD_NAME].message


@pytest.mark.parametrize("student", sorted(HANDLED))
def test_hostile_cases_are_graded_safely_with_a_note(cohort, student):
    course, results, _ = cohort
    score, said, absent = HANDLED[student]
    assert (results[student].auto_score, results[student].auto_max) == (score, FULL)
    notes = " ".join(_notes(course, student))
    for part in said:
        assert part in notes, notes
    graded = (course.root / "autograded" / student / NAME / NOTEBOOK).read_text(encoding="utf-8")
    feedback = _feedback(course, student).read_text(encoding="utf-8")
    for text in absent:
        assert text not in graded and text not in feedback, text
    assert _active_payloads(feedback) == []
    assert len(feedback) < 2_000_000  # nothing huge echoed


class _Payloads(HTMLParser):
    """Elements of a page that would run a payload of XSS (all of them change the title to 'pwned-...')."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self._in_script = [], False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        if tag in ("iframe", "svg", "object", "embed", "form"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on") and "pwned" in value or "javascript:" in value.replace(" ", "").lower():
                self.found.append(f"<{tag} {name}=...>")

    def handle_data(self, data):
        if self._in_script and "pwned" in data:
            self.found.append("<script>pwned")

    def handle_endtag(self, tag):
        self._in_script = False


def _active_payloads(page: str) -> list[str]:
    parser = _Payloads()
    parser.feed(page)
    return parser.found


def test_student_text_is_kept_when_safe_and_cleaned_when_not(cohort):
    course, _, _ = cohort
    assert _cell(_graded(course, "normal"), "reflection").source == REFLECTION_TEXT  # untouched
    cleaned = _cell(_graded(course, "xss-reflection"), "reflection").source
    assert cleaned.startswith('<div class="curriculum-student-text">') and "\n" not in cleaned
    assert "My answer." in cleaned and '<a href="https://example.org/guide"' in cleaned
    assert "Verified by the course staff" not in _feedback(course, "forged-notes").read_text()


def test_links_are_never_followed_or_copied(cohort):
    course, results, _ = cohort
    for student, message in REFUSED.items():
        assert results[student].message == message
        assert (results[student].auto_score, results[student].auto_max) == (0, FULL)
        assert not (course.root / "autograded" / student / NAME / NOTEBOOK).exists()
    for folder in ("autograded", "feedback"):
        assert not (course.root / folder / "linked-file" / NAME / "secret.txt").exists()
        copied = course.root / folder / "linked-answers" / NAME / ANSWERS
        assert not copied.exists() or '"b"' not in copied.read_text()  # the classmate's answers
    with course.gradebook() as gb:
        assert BAD_NAME not in {s.id for s in gb.students}


@pytest.mark.parametrize("student", sorted(GRADED))
def test_graded_cases_score_exactly_and_say_what_happened(cohort, student):
    course, results, _ = cohort
    score, notes = GRADED[student]
    assert (results[student].auto_score, results[student].auto_max) == (score, FULL)
    assert _notes(course, student) == notes
    shown = _visible(_feedback(course, student))
    for note in notes:
        assert _shown(note) in shown
    assert (NOTES_TITLE in shown) == bool(notes)


@pytest.mark.parametrize("student", sorted(FAILED))
def test_ungradable_cases_score_zero_with_a_feedback_page(cohort, student):
    course, results, _ = cohort
    result = results[student]
    assert result.message == "nbgrader could not grade it: " + FAILED[student]
    assert (result.auto_score, result.auto_max) == (0, FULL)
    page = _feedback(course, student).read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "<title>" in page and "<h1>" in page
    shown = _visible(_feedback(course, student))
    assert f"Your submission could not be graded automatically: {FAILED[student]}." in shown
    assert "Talk to the course staff." in shown
    assert (course.root / "feedback" / student / NAME / "timestamp.txt").is_file()  # release_feedback needs it
    with course.gradebook() as gb:
        nb = gb.find_submission_notebook(NAME, NAME, student)
        assert [c.auto_comment for c in nb.comments] == [
            f"Not graded automatically: nbgrader could not grade it: {FAILED[student]}. Talk to the course staff."]


def _cell(nb, grade_id):
    return nb.cells[_index(nb, grade_id)]


def test_restored_and_duplicated_cells_are_graded_as_the_notes_say(cohort):
    course, _, _ = cohort
    with course.gradebook() as gb:
        def grade(student, cell):
            return next(g for g in gb.find_submission_notebook(NAME, NAME, student).grades if g.name == cell)

        assert grade("deleted-test", "q3-triage-test").auto_score == POINTS["q3-triage"]
        reflection = grade("deleted-reflection", "reflection")
        assert (reflection.auto_score, reflection.max_score) == (0, REFLECTION_POINTS)
        reflection = grade("duplicated", "reflection")  # the copy with the text waits for a person
        assert reflection.auto_score is None and reflection.needs_manual_grade
        assert grade("edited-test", "q2-multiple-test").max_score == POINTS["q2-multiple"]
    assert _cell(_graded(course, "duplicated"), "reflection").source == REFLECTION_TEXT
    restored = _cell(_graded(course, "deleted-pair"), "q3-triage-test")
    assert "BEGIN HIDDEN TESTS" in restored.source
    assert "q3-triage: 3 of 3 point(s)" in "".join(o.get("text", "") for o in restored.outputs)
    edited = _cell(_graded(course, "edited-test"), "q2-multiple-test")
    assert "full marks" not in edited.source and "BEGIN HIDDEN TESTS" in edited.source


def test_added_code_stays_visible_and_never_runs(cohort):
    course, _, _ = cohort
    nb = _graded(course, "added-code")
    cell = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("for i in range"))
    assert cell.outputs == [] and cell.execution_count is None


def test_feedback_of_the_cases_reveals_no_key(cohort):
    from curriculum.staff.report import check_feedback

    course, _, _ = cohort
    assert check_feedback(course, NAME) == []


def test_submissions_are_never_modified(cohort):
    course, _, before = cohort
    assert _fingerprint(course.root / "submitted") == before
    own = json.loads(_answer_file(course.root / "home" / "changed-after-submitting" / NAME).read_text())
    assert own["answers"]["q1-single"]["value"] == "a"  # the change the student made after submitting
    graded = json.loads(_answer_file(course.root / "autograded" / "changed-after-submitting" / NAME).read_text())
    assert graded["answers"]["q1-single"]["value"] == "b"  # is not what was graded


def test_stock_nbgrader_without_the_course_preprocessors_fails_these_cases(cohort, tmp_path):
    """Why CheckSubmission exists (if nbgrader fixes these, this test says so): stock nbgrader 0.9
    leaves a deleted test cell ungraded and stops the whole run at a duplicated cell."""
    from curriculum.staff.course import CourseError

    course, _, _ = cohort
    root = shutil.copytree(course.root, tmp_path / "stock", ignore=shutil.ignore_patterns(
        "submitted", "autograded", "feedback", "reports", "home"))
    for student in ("deleted-test", "duplicated"):
        shutil.copytree(course.root / "submitted" / student, root / "submitted" / student)
    with (root / "nbgrader_config.py").open("a") as config:
        config.write("\nfor _step in (c.Autograde.sanitize_preprocessors, c.Autograde.autograde_preprocessors):\n"
                     "    _step[:] = [p for p in _step if not p.endswith(('CheckSubmission', 'SubmissionNotes'))]\n")
    stock = Course(root)
    with stock.gradebook() as gb:
        for student in ("deleted-test", "duplicated"):
            gb.remove_submission(NAME, student)
    with pytest.raises(CourseError, match="use an old version"):
        stock.autograde(NAME)  # alphabetically, deleted-test is graded first, then duplicated stops the run
    with stock.gradebook() as gb:
        grades = {g.name: g for g in gb.find_submission_notebook(NAME, NAME, "deleted-test").grades}
        assert grades["q3-triage-test"].auto_score is None and grades["q3-triage-test"].needs_manual_grade
        assert grades["q4-spot-test"].auto_score == POINTS["q4-spot"]
    graded = _graded(stock, "deleted-test")
    assert NOTES_TITLE not in graded.cells[0].source
    assert not (root / "autograded" / "duplicated" / NAME / NOTEBOOK).exists()


def test_a_graded_resubmission_replaces_the_failure_page(cohort, tmp_path):
    course, _, _ = cohort
    copy_root = shutil.copytree(course.root, tmp_path / "course")
    again = Course(copy_root)
    fixed = copy_root / "submitted" / "corrupt-json" / NAME
    shutil.copy(copy_root / "submitted" / "normal" / NAME / NOTEBOOK, fixed / NOTEBOOK)
    _timestamp(fixed, datetime.now(timezone.utc) + timedelta(minutes=30))
    [result] = grade_cohort(again, NAME, students=["corrupt-json"], progress=False)
    assert (result.status, result.auto_score) == ("graded", FULL)
    assert not _feedback(again, "corrupt-json").exists()  # generate_feedback writes the real one now
    again.nbgrader("generate_feedback", NAME, "--student", "corrupt-json")
    assert "not graded automatically" not in _feedback(again, "corrupt-json").read_text()
