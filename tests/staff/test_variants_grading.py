"""Per-student variants, end to end with real nbgrader: a varied module (01, `variants: cases`, with pools)
answered in real kernels by two students whose variants differ, submitted as they are and swapped, and
autograded by `curriculum grade`; then hand-edited submissions that try to choose their own variant; the
same on the toy course whose test is an instructor's own code (graded in a kernel); the report's variant
and option analysis and its list of answers made for another student's variant; and `variants: off`
reproducing the committed release but for the setup cell's settings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader import utils as nbutils
from test_course import copy_course
from toycourse import NAME as TOY, make_course

from curriculum.grading import STAFF_NOTE
from curriculum.keys import notebook_settings, read_keys
from curriculum.staff.course import Course
from curriculum.staff.grade.cohort import grade_cohort
from curriculum.staff.simulate import (SimulatedStudent, expected_points, simulate_submission, student_keys,
                                       submitted_answers)

REPO = Path(__file__).resolve().parents[2]
MODULE = "01-patient-privacy"


def differing_students(course: Course, assignment: str, prefix: str = "student",
                       first: str | None = None) -> tuple[str, str]:
    """Two student ids (the first ``first``, if given) whose variants differ in every graded item that
    varies, and in a pool's case."""
    source = course.source_notebook(assignment)
    settings = notebook_settings(source)
    keys = read_keys(source)
    first = first or f"{prefix}-a"
    mine = {k.item: k.layout(settings, assignment, first) for k in keys}
    for n in range(1000):
        other = f"{prefix}-{n}"
        theirs = {k.item: k.layout(settings, assignment, other) for k in keys}
        if all(mine[i].fingerprint != theirs[i].fingerprint for i in mine if mine[i].varied) and any(
                dict(mine[k.item].cases) != dict(theirs[k.item].cases) for k in keys if k.pools):
            return first, other
    raise AssertionError("no two students with different variants")


def _copy(course: Course, student: str, into: str) -> Path:
    src, dest = course.root / "submitted" / student / MODULE, course.root / "submitted" / into / MODULE
    shutil.copytree(src, dest)
    return dest


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Module 01 graded for: a student as submitted, two who swapped their files, one whose
    setup cell was edited to switch variants off (answers made in the authored layout), and one whose
    answer file names the other student."""
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CURRICULUM_DB_URL", raising=False)
        course = copy_course(tmp_path_factory.mktemp("variants") / "course")
        release = course.generate(MODULE) / f"{MODULE}.ipynb"
        keys = read_keys(course.source_notebook(MODULE))
        a, _ = differing_students(course, MODULE)
        c, d = differing_students(course, MODULE, "swapper")
        for student in (a, c, d):
            simulate_submission(release, course.root / "submitted" / student / MODULE,
                                SimulatedStudent(student, "complete"), keys)
        # c and d swap: each submits the other's notebook and answer file
        submitted = course.root / "submitted"
        (submitted / c).rename(submitted / "swapping")
        (submitted / d).rename(submitted / c)
        (submitted / "swapping").rename(submitted / d)
        # hostile: the setup cell edited to turn variants off, answered in the authored layout
        off = course.root / "submitted" / "edits-setup" / MODULE
        authored = release.parent / "authored" / release.name
        authored.parent.mkdir()
        nb = nbformat.read(release, as_version=4)
        setup = next(c for c in nb.cells if "Quiz(" in c.source)
        setup.source = setup.source.split(", variants=")[0] + ")"
        nbformat.write(nb, authored)
        simulate_submission(authored, off, SimulatedStudent("edits-setup", "complete"), keys)
        # hostile: an answer file that says it is another student's
        named = _copy(course, a, "names-another")
        file = named / f"{MODULE}.answers.json"
        data = json.loads(file.read_text())
        data["student"] = a
        file.write_text(json.dumps(data))
        results = grade_cohort(course, MODULE, force=True, progress=False)
        assert not [r for r in results if r.problem], [r.message for r in results if r.problem]
        yield course, (a, c, d), keys
        shutil.rmtree(release.parent / "authored", ignore_errors=True)


def _scores(course: Course) -> dict[str, float]:
    return {s.student: s.auto_score for s in course.scores(MODULE)}


def _expected(course: Course, student: str) -> float:
    """What ``student`` should get for the answers in their submission folder, in their own variant
    (computed apart from grading, from the answers and the student's keys)."""
    release = course.root / "release" / MODULE / f"{MODULE}.ipynb"
    keys = student_keys(read_keys(course.source_notebook(MODULE)), release, student)
    answers = submitted_answers(course.root / "submitted" / student / MODULE / f"{MODULE}.ipynb")
    return round(sum(expected_points(answers, keys).values()), 2)


def _varied(course: Course, keys) -> int:
    """Graded items of the module that vary (all but a spot-the-identifiers item without a pool)."""
    settings = notebook_settings(course.source_notebook(MODULE))
    return sum(k.layout(settings, MODULE, "anyone").varied for k in keys)


def _graded_text(course: Course, student: str) -> str:
    return (course.root / "autograded" / student / MODULE / f"{MODULE}.ipynb").read_text()


def test_each_student_is_graded_on_their_own_variant(graded):
    course, (a, _c, _d), keys = graded
    full = sum(k.points for k in keys)
    assert _scores(course)[a] == full  # (the demo's complete students get full marks in every module too)
    assert STAFF_NOTE not in _graded_text(course, a)


def test_swapped_answer_files_score_as_the_submitters_variants_and_are_flagged(graded):
    course, (_a, c, d), keys = graded
    full = sum(k.points for k in keys)
    scores = _scores(course)
    for submitter in (c, d):  # each holds the other's answers, made in the other's variant
        want = _expected(course, submitter)
        assert scores[submitter] == want < full, (submitter, scores[submitter], want)
        text = _graded_text(course, submitter)
        assert text.count(STAFF_NOTE) == _varied(course, keys), "every varied item's answer is another variant's"
        assert "another student's variant" in text


def test_a_submission_cannot_choose_its_variant(graded):
    """The setup cell is the course's (restored from the gradebook), and the answer file's student id is
    never used: both are graded in the submitter's own variant."""
    course, _students, keys = graded
    full = sum(k.points for k in keys)
    scores = _scores(course)
    assert scores["edits-setup"] == _expected(course, "edits-setup") < full
    graded_off = _graded_text(course, "edits-setup")
    assert 'variants=\\"cases\\"' in graded_off  # the course's own setup cell
    assert graded_off.count(STAFF_NOTE) == _varied(course, keys) and "carries no variant" in graded_off
    assert scores["names-another"] == _expected(course, "names-another") < full


def test_feedback_leaves_the_staff_notes_out_and_the_report_lists_them(graded):
    from curriculum.staff.report import write_report

    course, (a, c, _d), _keys = graded
    report = write_report(course, MODULE)
    assert not report.leaks
    feedback = (course.root / "feedback" / c / MODULE / f"{MODULE}.html").read_text()
    assert STAFF_NOTE not in feedback and "another student's variant" not in feedback
    assert "points" in feedback or "point(s)" in feedback
    # swapped twice, the edited setup cell, the file that names another student
    assert report.summary["answers saved in another student's variant"] == 4 * _varied(course, _keys)
    flagged = [w for w in report.warnings if "another student's variant" in w]
    assert flagged and f"{c} q01-safe-harbor" in flagged[0] and f"{a} q01" not in flagged[0]
    options = (report.folder / "options.csv").read_text()
    variants = (report.folder / "variants.csv").read_text()
    assert "q01-safe-harbor" in options and "q10-triage-mixed" in variants
    assert "ASMT-015" in variants or "ASMT-016" in variants or "ASMT-010" in variants
    assert report.files["options.png"].read_bytes().startswith(b"\x89PNG")


def test_instructor_code_graded_in_a_kernel_recomputes_the_variant_too(tmp_path, monkeypatch):
    """The toy course's q1 test is an instructor's own code, so its course cells run in a kernel: that
    kernel is told the submitting student, whatever the submission says."""
    monkeypatch.delenv("CURRICULUM_DB_URL", raising=False)
    root = make_course(tmp_path / "toy", own_test=True)
    (root / "assignments").mkdir(exist_ok=True)
    (root / "assignments" / "course.yaml").write_text("title: Toy\nstart: 2027-01-11\n")
    (root / "assignments" / f"{TOY}.yaml").write_text("variants: order\n")
    course = Course(root)
    release = course.generate(TOY) / f"{TOY}.ipynb"
    assert 'variants=\\"order\\"' in release.read_text()
    keys = read_keys(course.source_notebook(TOY))
    # two students for whom q1's three options are lettered differently
    settings = notebook_settings(release)
    q1 = next(k for k in keys if k.item == "q1-single")
    a = "toy-a"
    b = next(s for s in (f"toy-{n}" for n in range(40))
             if q1.for_student(settings, TOY, s).args["correct"] != q1.for_student(settings, TOY, a).args["correct"])
    simulate_submission(release, course.root / "submitted" / a / TOY, SimulatedStudent(a, "complete"), keys)
    shutil.copytree(course.root / "submitted" / a / TOY, course.root / "submitted" / b / TOY)  # b hands in a's
    results = grade_cohort(course, TOY, force=True, progress=False)
    assert not [r for r in results if r.problem]
    items = {s.student: s.items for s in course.scores(TOY)}
    assert items[a]["q1-single-test"] == 1
    assert items[b]["q1-single-test"] == 0  # a's letter means another option in b's variant
    graded = (course.root / "autograded" / b / TOY / f"{TOY}.ipynb").read_text()
    assert STAFF_NOTE in graded


def test_variants_off_reproduces_the_release_but_for_the_setup_cells_settings(tmp_path, monkeypatch):
    """With every module's plan saying `variants: off`, nbgrader generates exactly the committed release
    once the committed setup cell is given back its authored source (and nbgrader's checksum of it)."""
    monkeypatch.delenv("CURRICULUM_DB_URL", raising=False)
    course = copy_course(tmp_path / "course")
    for plan in (course.root / "assignments").glob("0*.yaml"):
        text = plan.read_text()
        plan.write_text(text.replace("variants: cases", "variants: off") if "variants:" in text
                        else text + "variants: off\n")
    course.nbgrader("generate_assignment", "*", "--force", "--CourseDirectory.release_directory=off-release")
    checked = 0
    for assignment in course.assignments():
        committed = (REPO / "release" / assignment / f"{assignment}.ipynb").read_text()
        fresh = (course.root / "off-release" / assignment / f"{assignment}.ipynb").read_text()
        nb = nbformat.reads(committed, as_version=4)
        setup = next(c for c in nb.cells if "Quiz(" in c.source)
        assert ", variants=" in setup.source, f"{assignment}: the committed release does not vary"
        setup.source = setup.source.split(", variants=")[0] + ")"
        setup.metadata.nbgrader["checksum"] = nbutils.compute_checksum(setup)
        assert nbformat.writes(nbformat.reads(committed, as_version=4)) + "\n" == committed  # a lossless round trip
        assert fresh == nbformat.writes(nb) + "\n", f"{assignment}: variants: off does not reproduce the release"
        assert ", variants=" not in fresh
        checked += 1
    assert checked == len(course.assignments()) == 7


def _options_in_a_fresh_kernel(release: Path, folder: Path, env: dict[str, str]) -> list[str]:
    """Run the release's cells in a new kernel (its environment given) and return q01's options as shown."""
    import os

    from nbclient import NotebookClient

    from curriculum.nbhelpers import environment

    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(release, as_version=4)
    nb.cells = [c for c in nb.cells if c.cell_type == "code" and ("Quiz(" in c.source or '"q01-safe-harbor"' in c.source)]
    nb.cells.append(nbformat.v4.new_code_cell(
        'import json\nprint(json.dumps(list(quiz.items["q01-safe-harbor"].options.values())))'))
    client = NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    with environment(**{"JUPYTERHUB_USER": None, "CURRICULUM_STUDENT": None, "CURRICULUM_GRADING_STUDENT": None,
                        **env}):
        assert all(os.environ.get(k) == v for k, v in env.items())
        client.execute()
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    return json.loads(printed)


def test_the_same_id_sees_the_same_variant_in_a_fresh_kernel_and_another_id_another(tmp_path):
    release = REPO / "release" / MODULE / f"{MODULE}.ipynb"
    hub = _options_in_a_fresh_kernel(release, tmp_path / "one", {"JUPYTERHUB_USER": "jdoe"})
    again = _options_in_a_fresh_kernel(release, tmp_path / "two", {"CURRICULUM_STUDENT": "jdoe"})  # another machine
    other = _options_in_a_fresh_kernel(release, tmp_path / "three", {"CURRICULUM_STUDENT": "asmith"})
    assert hub == again and sorted(hub) == sorted(other) and hub != other


def test_every_pool_member_is_validated_and_a_broken_member_fails(tmp_path):
    """`curriculum build`'s variants check grades sample students until every pool member has been
    shown; a member whose key gives no identifier (so no answer can be right) fails it by name."""
    from curriculum.staff.validate import validate_variants

    course = copy_course(tmp_path / "course")
    report = validate_variants(course, MODULE)
    assert report.ok and report.students >= 24 and report.pooled, report.problems
    source = course.authored_notebook(MODULE)
    text = source.read_text()
    cut = '\\"ASMT-014\\": [\\"this morning\\", \\"93-year-old\\", \\"retired postmaster\\", \\"Larkspur Bend\\"]'
    assert cut in text
    source.write_text(text.replace(cut, '\\"ASMT-014\\": []'))
    broken = validate_variants(course, MODULE)
    assert not broken.ok
    assert {p.where for p in broken.problems} == {"q02-spot-nameless"}
    assert "ASMT-014" in str(broken.problems[0])
    assert any("ASMT-014" in p for p in course.check_source(MODULE))  # and the source check says so first
