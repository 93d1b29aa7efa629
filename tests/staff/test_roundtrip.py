"""Real nbgrader round trip on a temporary course (modelled on nbgrader's own tests): generate the
student version, check hidden tests are gone, have simulated students answer in real kernels,
submit, autograde, and read each score from the gradebook. Covers DESIGN.md requirements 1-6."""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest
from toycourse import NAME, POINTS, make_course

from curriculum.answers import ANSWER_MIME
from curriculum.staff.course import Course
from curriculum.keys import read_keys
from curriculum.staff.simulate import SimulatedStudent, simulate_submission

FULL = sum(POINTS.values())


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    course = Course(make_course(tmp_path_factory.mktemp("toy-course")))
    release = course.generate(NAME)
    return course, release / f"{NAME}.ipynb", read_keys(course.source_notebook(NAME))


def submitted(course, student):
    return course.root / "submitted" / student / NAME


def answer_file(folder):
    return folder / f"{NAME}.answers.json"


def strip_copies(notebook_path):
    nb = nbformat.read(notebook_path, 4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if ANSWER_MIME not in o.get("data", {})]
    nbformat.write(nb, notebook_path)


def test_release_hides_tests_and_keys(toy):
    course, release_nb, keys = toy
    text = release_nb.read_text()
    assert "BEGIN HIDDEN TESTS" not in text and "Grader(" not in text and 'correct=["a", "c"]' not in text
    assert "A diagnosis tied to a name" not in text  # graded explanations stay in the source
    assert course.check_release(NAME) == []
    nb = nbformat.read(release_nb, 4)
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
    assert len(tests) == len(POINTS) and all("Hidden tests check" in c.source for c in tests)
    assert not list(release_nb.parent.glob("*.answers.json"))
    assert [k.item for k in keys] == list(POINTS)


def test_release_regenerates_identically(toy, tmp_path):
    course, _, _ = toy
    assert course.release_is_current(NAME, course.root / "scratch-release") == []


def test_answers_survive_a_kernel_restart_and_reruns_do_not_overwrite(toy, tmp_path):
    from nbclient import NotebookClient

    course, release_nb, keys = toy
    folder = tmp_path / "student"
    simulate_submission(release_nb, folder, SimulatedStudent("s", "complete"), keys)
    before = answer_file(folder).read_bytes()
    nb = nbformat.read(folder / release_nb.name, 4)  # reopen the saved notebook: a new kernel
    nb.cells.append(nbformat.v4.new_code_cell(
        "print({k: quiz.items[k].value for k in ['q1-single', 'q2-multiple', 'q4-spot']})"))
    NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    shown = nb.cells[-1].outputs[0]["text"]
    assert "'q1-single': 'b'" in shown and "'q2-multiple': ['a', 'c']" in shown and "[5, 9]" in shown
    assert answer_file(folder).read_bytes() == before  # running every cell again changed nothing


@pytest.fixture(scope="module")
def graded(toy):
    """A cohort with every situation the answer store must handle, autograded once."""
    course, release_nb, keys = toy
    for student, profile in [("complete", "complete"), ("partial", "partial"), ("blank", "blank"),
                             ("no-answer-file", "no-answer-file")]:
        simulate_submission(release_nb, submitted(course, student), SimulatedStudent(student, profile), keys)

    def variant(name):
        shutil.copytree(submitted(course, "complete"), submitted(course, name))
        return submitted(course, name)

    # answer file damaged, but the notebook carries its copies
    answer_file(variant("damaged-file")).write_text('{"format": "curriculum-answers", "answ')
    # answer file damaged and the notebook's outputs cleared: nothing to grade
    folder = variant("damaged-no-copy")
    answer_file(folder).write_text("")
    strip_copies(folder / f"{NAME}.ipynb")
    # one item hand-edited to a value of the wrong shape, no copies: only that item is lost
    folder = variant("hand-edited")
    data = json.loads(answer_file(folder).read_text())
    data["answers"]["q2-multiple"]["value"] = "a and c"
    answer_file(folder).write_text(json.dumps(data))
    strip_copies(folder / f"{NAME}.ipynb")
    # changed an answer after the last notebook save: the newer answer file wins
    folder = variant("changed-after-save")
    data = json.loads(answer_file(folder).read_text())
    data["answers"]["q1-single"].update(value="a", saved_at="2099-01-01T00:00:00+00:00")
    answer_file(folder).write_text(json.dumps(data))
    # an answer file with the wrong name and an unrelated copy: as if missing
    folder = variant("renamed-file")
    answer_file(folder).rename(folder / "answers (1).json")

    course.autograde(NAME)
    return course, {s.student: s for s in course.scores(NAME)}


EXPECTED = {
    "complete": FULL,
    # q1 right (1) + q2 one right one wrong (0) + q3 verdicts only (2) + q4 6 of 7 words (1.71)
    # + q5 top two swapped (1) + q6 wording right, placement wrong (1)
    "partial": 6.71,
    "blank": 0,
    "no-answer-file": FULL,
    "damaged-file": FULL,
    "damaged-no-copy": 0,
    "hand-edited": FULL - POINTS["q2-multiple"],
    "changed-after-save": FULL - POINTS["q1-single"],
    "renamed-file": FULL,
}


def test_autograde_scores_every_student_exactly(graded):
    course, scores = graded
    assert {s: scores[s].auto_score for s in EXPECTED} == EXPECTED
    assert all(score.auto_max == FULL for score in scores.values())
    assert scores["complete"].manual_pending == 1  # the reflection waits for a person


def feedback(course, student, item):
    nb = nbformat.read(course.root / "autograded" / student / NAME / f"{NAME}.ipynb", 4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == f"{item}-test":
            assert "BEGIN HIDDEN TESTS" in cell.source  # the hidden tests were restored and run
            assert not any(o.get("name") == "stderr" or o.output_type == "error" for o in cell.outputs)
            return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    raise AssertionError(item)


@pytest.mark.parametrize("student, item, message", [
    ("no-answer-file", "q1-single", "No answer file (99-toy.answers.json) was submitted; the answers saved inside the notebook were used instead."),
    ("damaged-file", "q3-triage", "could not be read: the answer file is not valid JSON"),
    ("damaged-no-copy", "q1-single", "the answer file is empty, and the notebook holds no saved answers either"),
    ("hand-edited", "q2-multiple", "a multiple-choice answer must be a list of option keys, not 'a and c'"),
    ("hand-edited", "q1-single", "Correct: you chose b."),
    ("changed-after-save", "q1-single", "Not correct: you chose a."),
    ("blank", "q4-spot", "You marked 0 of 7 identifying words"),
])
def test_feedback_says_what_happened(graded, student, item, message):
    course, _ = graded
    assert message in feedback(course, student, item)


def test_submissions_are_never_modified(graded):
    course, _ = graded
    assert answer_file(submitted(course, "damaged-file")).read_text().startswith('{"format": "curriculum-answers", "answ')
    assert not answer_file(submitted(course, "no-answer-file")).exists()
