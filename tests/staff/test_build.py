"""`curriculum build` validation on the toy course, with real nbgrader runs and real kernels: the
instructor version with the key's answers gets full marks, the student version (hidden tests put
back) gets zero with no answers, and each way a hidden test can break is reported by item."""

from __future__ import annotations

import contextlib
import io
from datetime import datetime
from pathlib import Path

import nbformat
import pytest
import yaml
from toycourse import IDENTIFIERS, NAME, POINTS, POST, REFLECTION_POINTS, make_course

from curriculum.staff.cli import main
from curriculum.staff.course import Course, CourseError
from curriculum.staff.validate import course_validator

REPO = Path(__file__).resolve().parents[2]
OBJECTIVE = "Tell protected health information from other facts."


@pytest.fixture(scope="module", autouse=True)
def own_gradebook():
    """Each toy course uses the sqlite gradebook in its folder, whatever the environment says."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CURRICULUM_DB_URL", raising=False)
        yield


def toy_course(root: Path, hidden_tests: dict[str, str] | None = None, timeout: int | None = None,
               variants: str = "off") -> Course:
    """The toy course with a module title, objectives and a course plan (so the plan check agrees; its
    ``variants``), its hidden tests replaced as given (item -> code between the hidden-test markers)."""
    make_course(root)
    path = root / "source" / NAME / f"{NAME}.ipynb"
    nb = nbformat.read(path, 4)
    nb.cells[0].source = "# Module 1: Toy module\nA notebook for tests."
    nb.cells.insert(1, nbformat.v4.new_markdown_cell(f"## Learning objectives\n\n1. {OBJECTIVE}"))
    for item, code in (hidden_tests or {}).items():
        cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{item}-test")
        cell.source = f"### BEGIN HIDDEN TESTS\n{code}\n### END HIDDEN TESTS"
    nbformat.write(nb, path)
    plan = root / "assignments"
    plan.mkdir()
    (plan / "course.yaml").write_text("title: Toy course\nstart: 2027-01-11\n")
    (plan / f"{NAME}.yaml").write_text(yaml.safe_dump({
        "id": NAME, "title": "Toy module", "module": 1, "week": 1, "minutes": 30,
        "auto_points": float(sum(POINTS.values())), "manual_points": float(REFLECTION_POINTS),
        "objectives": [OBJECTIVE], "variants": variants}, sort_keys=False))
    if timeout is not None:
        config = root / "nbgrader_config.py"
        text = config.read_text()
        assert "c.Execute.timeout = 60" in text
        config.write_text(text.replace("c.Execute.timeout = 60", f"c.Execute.timeout = {timeout}"))
    return Course(root)


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def grader(call: str, line: str = "{}", notebook: str = NAME) -> str:
    """A hidden test's code: the Grader call, written into ``line``."""
    return "from curriculum.grading import Grader\n" + line.format(f"Grader({notebook!r}).{call}")


def test_build_validates_and_releases_the_toy_course(tmp_path):
    course = toy_course(tmp_path / "toy", variants="order")
    stale = course.root / "release" / NAME / "stale.txt"  # a release left from an older build
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    assert run_cli("--course", str(course.root), "sync")[0] == 0  # due dates first: building keeps them
    code, out, err = run_cli("--course", str(course.root), "build", NAME)
    assert code == 0, err
    assert (f"{NAME}: validated: {len(POINTS)} auto-graded cell(s) give full marks to the key's answers and 0 "
            f"to none, in the variants of 24 sample students too; release/{NAME} regenerated") in out
    assert 'variants=\\"order\\"' in (course.root / "release" / NAME / f"{NAME}.ipynb").read_text()
    assert f"{NAME}: source and release OK" in out
    assert f"{NAME}: graded as data (no kernel; no student code runs)" in out
    released = course.root / "release" / NAME / f"{NAME}.ipynb"
    assert "BEGIN HIDDEN TESTS" not in released.read_text() and not stale.exists()
    assert course.check_release(NAME) == []
    assert not list(course.root.glob(".release-validate-*"))  # the scratch copy is gone
    with course.gradebook() as gb:  # the student version is registered as nbgrader generates it
        assert {c.name for c in gb.find_notebook(NAME, NAME).grade_cells} >= {f"{i}-test" for i in POINTS}
        assert gb.find_assignment(NAME).duedate == datetime(2027, 1, 17, 23, 59)


BROKEN = {
    # copy-pasted from another module: reads that notebook's answers, so never gives the points
    "q1-single": grader('single_choice("q1-single", correct="b", points=1)', notebook="01-patient-privacy"),
    # a typo in a keyword argument: a TypeError in the instructor and the student version
    "q2-multiple": grader('multiple_choice("q2-multiple", correct=["a", "c"], points=2, option=["a", "c"])'),
    # runs longer than the course's Execute.timeout (10 s here; nbgrader's own default is 30 s)
    "q4-spot": "import time\ntime.sleep(20)\n" + grader(
        f'spot_identifiers("q4-spot", text={POST!r}, identifiers={IDENTIFIERS!r}, points=2)'),
    # the result is assigned, so the cell shows no number: nbgrader gives full points to anyone
    "q5-ranking": grader('ranking("q5-ranking", order=["a", "c", "b"], points=2)', "result = {}"),
    # a floor of one point: half the points for a blank answer (the stock --invert misses this one)
    "q6-disclosure": grader('disclosure("q6-disclosure", key={"wording": ["ad"], "placement": ["start"]}, '
                            'points=2)', "max({}, 1)"),
}


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    course = toy_course(tmp_path_factory.mktemp("broken") / "toy", BROKEN, timeout=10)
    code, out, err = run_cli("--course", str(course.root), "build", NAME)
    flagged: dict[str, dict[str, str]] = {"instructor": {}, "student": {}}
    for line in err.splitlines():
        prefix = f"{NAME}: validate: "
        if line.startswith(prefix):
            version, _, rest = line[len(prefix):].partition(" version: ")
            item, _, message = rest.partition(": ")
            flagged[version][item] = message
    return course, code, out, err, flagged


def test_broken_hidden_tests_fail_the_build_and_keep_the_old_release(broken):
    course, code, out, err, _ = broken
    assert code == 1
    assert f"{NAME}: validation failed (7 problem(s)); release/{NAME} left as it was" in out
    assert not (course.root / "release" / NAME).exists()
    assert not list(course.root.glob(".release-validate-*"))


@pytest.mark.parametrize("item, message", [
    ("q1-single", "with the key's answers saved, the test gives 0 of 1 point(s); it printed: q1-single: 0 of 1 "
                  "point(s) / No answer was chosen."),
    ("q2-multiple", "with the key's answers saved, the test fails: TypeError: Grader.multiple_choice() got an "
                    "unexpected keyword argument 'option'"),
    ("q4-spot", "with the key's answers saved, the test fails: KeyboardInterrupt: the cell ran longer than the "
                "course's cell timeout (10 s, Execute.timeout in nbgrader_config.py) and was stopped"),
])
def test_instructor_version_failures_name_the_item(broken, item, message):
    *_, flagged = broken
    assert set(flagged["instructor"]) == {"q1-single", "q2-multiple", "q4-spot"}
    assert flagged["instructor"][item].startswith(message), flagged["instructor"][item]


@pytest.mark.parametrize("item, message", [
    ("q5-ranking", "with no answer saved, the student version gets 2 of 2 point(s); a blank answer must score 0"),
    ("q6-disclosure", "with no answer saved, the student version gets 1 of 2 point(s); a blank answer must score 0"),
    ("q2-multiple", "with no answer saved, the test raises an error instead of giving feedback: TypeError"),
    ("q4-spot", "with no answer saved, the test raises an error instead of giving feedback: KeyboardInterrupt: "
                "the cell ran longer than the course's cell timeout (10 s"),
])
def test_invert_check_reports_points_for_blank_answers(broken, item, message):
    *_, flagged = broken
    assert set(flagged["student"]) == {"q2-multiple", "q4-spot", "q5-ranking", "q6-disclosure"}
    assert flagged["student"][item].startswith(message), flagged["student"][item]


def test_no_validate_skips_the_kernel_runs(broken):
    course, *_ = broken
    code, out, err = run_cli("--course", str(course.root), "build", "--no-validate", NAME)
    assert code == 0, err
    assert f"{NAME}: release/{NAME} regenerated" in out and "validat" not in out + err
    assert (course.root / "release" / NAME / f"{NAME}.ipynb").is_file()


def test_unreadable_hidden_test_is_reported_without_a_traceback(tmp_path):
    course = toy_course(tmp_path / "toy", {"q3-triage": 'Grader("99-toy").triage("q3-triage", key={"p1": '})
    code, out, err = run_cli("--course", str(course.root), "build", NAME)
    assert code == 1
    assert f"{NAME}: source: {NAME}.ipynb, cell" in err and "(q3-triage-test): hidden test is not valid Python" in err
    assert "Traceback" not in err and not (course.root / "release" / NAME).exists()


def test_validator_takes_its_settings_from_the_course_config(tmp_path):
    from nbgrader.preprocessors import Execute

    real = course_validator(Course(REPO))
    assert Execute(parent=real).timeout == 60  # as nbgrader_config.py says (nbgrader's default is 30)
    toy = toy_course(tmp_path / "toy", timeout=7)
    validator = course_validator(toy, invert=True)
    assert Execute(parent=validator).timeout == 7 and validator.invert
    (toy.root / "nbgrader_config.py").write_text("c = get_config()\nc.Execute.timeout = int('soon')\n")
    with pytest.raises(CourseError, match=r"nbgrader_config.py cannot be loaded \(ValueError: invalid literal"):
        course_validator(toy)


def test_build_says_when_a_module_needs_a_kernel(tmp_path):
    own = grader('single_choice("q1-single", correct="b", points=1)', "score = {}\nscore")
    course = toy_course(tmp_path / "kernel", {"q1-single": own})
    code, out, err = run_cli("--course", str(course.root), "build", "--no-validate", NAME)
    assert code == 0, err
    assert (f"{NAME}: graded in a kernel, course cells only: hidden test(s) q1-single-test are not one literal "
            "Grader call") in out
