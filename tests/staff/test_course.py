"""The real course: every source notebook follows the lesson shape, its release is current and
reveals nothing, the installed package holds no key, and the demo grades a cohort exactly."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

import curriculum
from curriculum.staff import cli
from curriculum.staff.course import COURSE_ID, Course
from curriculum.jurisdiction import JURISDICTIONS
from curriculum.keys import kernel_tests, read_keys, widget_items

REPO = Path(__file__).resolve().parents[2]
COURSE = Course(REPO)
ASSIGNMENTS = COURSE.assignments()


def copy_course(dest: Path) -> Course:
    """The course files in a scratch folder, so tests never touch the repository's gradebook."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "nbgrader_config.py", dest)
    for folder in ("source", "release", "assignments"):
        shutil.copytree(REPO / folder, dest / folder, ignore=shutil.ignore_patterns("*.answers.json*"))
    return Course(dest)


def test_the_course_has_its_first_module():
    assert "01-patient-privacy" in ASSIGNMENTS
    assert f'c.CourseDirectory.course_id = "{COURSE_ID}"' in (REPO / "nbgrader_config.py").read_text()


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_lesson_shape_and_items(assignment):
    path = COURSE.source_notebook(assignment)
    nb = nbformat.read(path, 4)
    nbformat.validate(nb)
    assert COURSE.check_source(assignment) == []
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert markdown[0].startswith("# ") and "Time" in markdown[0]
    headings = [next((i for i, m in enumerate(markdown) if m.lstrip().startswith(h)), None)
                for h in ("## Learning objectives", "## Key points", "## Sources")]
    assert None not in headings and headings == sorted(headings), headings
    assert nb.cells[-1].source.startswith("## Sources")
    keys = read_keys(path)
    assert len(keys) >= 8
    kinds = {k.kind for k in keys}
    assert len(kinds) >= 3, kinds  # a mix of exercise kinds
    if assignment == "01-patient-privacy":
        assert kinds == {"single", "multiple", "triage", "identifiers"}
    practice = set(widget_items(path)) - {k.item for k in keys}
    assert len(practice) >= 3
    reflections = [c for c in nb.cells if c.cell_type == "markdown"
                   and c.metadata.get("nbgrader", {}).get("solution") and c.metadata["nbgrader"].get("grade")]
    assert reflections and all(c.metadata["nbgrader"]["points"] > 0 for c in reflections)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code")  # no outputs in source/


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """A copy of the course with every module's student version generated afresh, by one nbgrader run."""
    course = copy_course(tmp_path_factory.mktemp("regenerated") / "course")
    course.nbgrader("generate_assignment", "*", "--force", "--CourseDirectory.release_directory=fresh-release")
    return course


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_committed_release_is_current_and_reveals_nothing(assignment, regenerated):
    assert regenerated.check_release(assignment) == []
    assert regenerated.release_differences(assignment, regenerated.root / "fresh-release" / assignment) == []


def test_release_is_current_regenerates_one_module_and_finds_a_stale_file(tmp_path):
    course = copy_course(tmp_path / "course")
    stale = course.root / "release" / "02-institutional-risk" / "02-institutional-risk.ipynb"
    stale.write_text(stale.read_text().replace("Module 2", "Module Two", 1))
    assert course.release_is_current("02-institutional-risk", course.root / "scratch") == [
        "differs: 02-institutional-risk/02-institutional-risk.ipynb"]
    assert not (course.root / "scratch").exists()


def test_installed_package_holds_no_key():
    package = Path(curriculum.__file__).parent  # the whole package, every subpackage too
    text = "\n".join(p.read_text(encoding="utf-8") for p in package.rglob("*") if p.is_file() and p.suffix != ".pyc")
    for assignment in ASSIGNMENTS:
        for jurisdiction in JURISDICTIONS:
            for key in read_keys(COURSE.source_notebook(assignment, jurisdiction)):
                for explanation in key.explanations:
                    assert explanation not in text, (jurisdiction, key.item, explanation[:40])
    assert not list(package.rglob("*.ipynb"))


def test_demo_grades_the_simulated_cohort_exactly(tmp_path, capsys):
    course = copy_course(tmp_path / "course")
    workdir = tmp_path / "demo"
    assert cli.main(["--course", str(course.root), "demo", "--workdir", str(workdir)]) == 0
    out = capsys.readouterr().out
    assert "scored as expected" in out
    demo = Course(workdir)
    for assignment in ASSIGNMENTS:
        total = sum(k.points for k in read_keys(COURSE.source_notebook(assignment)))
        scores = {s.student: s for s in demo.scores(assignment)}
        assert scores["s01-complete"].auto_score == total == scores["s01-complete"].auto_max
        assert scores["s04-no-answer-file"].auto_score == total
        assert scores["s03-blank"].auto_score == 0
        assert 0 < scores["s02-partial"].auto_score < total
        # what a student's kernel showed reveals no graded explanation
        blank = (workdir / "submitted" / "s03-blank" / assignment / f"{assignment}.ipynb").read_text()
        for key in read_keys(COURSE.source_notebook(assignment)):
            for explanation in key.explanations:
                assert explanation not in blank


@pytest.mark.parametrize("jurisdiction", ["canada", "uk"])
def test_demo_grades_another_jurisdictions_version_exactly(jurisdiction, tmp_path, capsys):
    """Module 04, whose keys differ most by jurisdiction with module 01's, graded in that jurisdiction's
    demo course with every simulated profile."""
    course = copy_course(tmp_path / "course")
    workdir = tmp_path / "demo"
    # module 01 is graded in Canada and the UK by the browser tests (tests/test_browser.py)
    modules = ["04-sponsorship-ethics"]
    assert cli.main(["--course", str(course.root), "demo", "--jurisdiction", jurisdiction, "--workdir",
                     str(workdir), *modules]) == 0
    out = capsys.readouterr().out
    assert "scored as expected" in out and f"jurisdiction: {jurisdiction}" in out
    demo = Course(workdir)
    assert demo.jurisdiction == jurisdiction
    for assignment in modules:
        keys = read_keys(demo.source_notebook(assignment))
        assert keys != read_keys(COURSE.source_notebook(assignment, "us"))  # its own keys, not the US ones
        scores = {s.student: s for s in demo.scores(assignment)}
        assert scores["s01-complete"].auto_score == sum(k.points for k in keys)


def test_cli_usage_errors(tmp_path, capsys):
    assert cli.main(["--help"]) == 0
    assert cli.main(["frobnicate"]) == 2
    assert cli.main([]) == 2
    assert cli.main(["--course", str(tmp_path), "check"]) == 1
    assert "has no nbgrader_config.py" in capsys.readouterr().err
    assert cli.main(["--course", str(REPO), "check", "99-missing"]) == 1
    err = capsys.readouterr().err
    assert "unknown assignment(s) 99-missing" in err and "01-patient-privacy" in err


def test_cli_check_reports_a_leaky_release(tmp_path, capsys):
    course = copy_course(tmp_path / "course")
    assignment = ASSIGNMENTS[0]
    (course.root / "release" / assignment / f"{assignment}.answers.json").write_text("{}")
    assert cli.main(["--course", str(course.root), "check", assignment]) == 1
    assert "an answer file must not be released" in capsys.readouterr().err
    (course.root / "release" / assignment / f"{assignment}.answers.json").unlink()
    assert cli.main(["--course", str(course.root), "check", assignment]) == 0


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_module_grades_as_data(assignment):
    """Every code cell is a locked course cell and every hidden test one literal Grader call on this
    notebook, so grading needs no kernel and runs no student code (curriculum.preprocessors.GradeAnswers)."""
    nb = nbformat.read(COURSE.source_notebook(assignment), 4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.metadata.get("nbgrader", {}).get("locked") for c in code)
    assert any(c.metadata["nbgrader"].get("grade") for c in code)
    assert kernel_tests(COURSE.source_notebook(assignment)) == []
