"""`curriculum grade`: parallel autograding with stock nbgrader per submission, on a real toy course.

The same submissions are graded by stock `nbgrader autograde` in a twin course; every item's score
must be identical. The toy course's tests are all Grader calls, so both grade as data (no kernel);
its kernel variant (an instructor's own test code, toycourse.make_course(own_test=True)) runs its
course cells in a kernel and must give the same scores. Then: skipping and resuming, a submission
that cannot be read, a grading that hangs, a kernel slow to start, and the command line's errors
and exit codes.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import psutil
import pytest
from toycourse import FORGE_FILE, HANG_FILE, NAME, POINTS, make_course

from curriculum.staff import cli
from curriculum.staff.grade.cohort import grade_cohort, submitted_students
from curriculum.staff.course import Course, CourseError
from curriculum.keys import read_keys
from curriculum.staff.simulate import SimulatedStudent, simulate_submission

FULL = sum(POINTS.values())
PROFILES = {"complete": FULL, "partial": 6.71, "blank": 0, "no-answer-file": FULL}


def submission(course: Course, student: str):
    return course.root / "submitted" / student / NAME


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """Two identical toy courses with the same four submissions: one for us, one for stock nbgrader."""
    ours = Course(make_course(tmp_path_factory.mktemp("ours")))
    release = ours.generate(NAME) / f"{NAME}.ipynb"
    keys = read_keys(ours.source_notebook(NAME))
    for student in PROFILES:
        simulate_submission(release, submission(ours, student), SimulatedStudent(student, student), keys)
    stock = Course(make_course(tmp_path_factory.mktemp("stock")))
    stock.generate(NAME)
    shutil.copytree(ours.root / "submitted", stock.root / "submitted")
    stock.autograde(NAME)
    return ours, stock


@pytest.fixture(scope="module")
def kernel_course(cohort, tmp_path_factory):
    """The kernel variant of the toy course with the same four submissions, not graded yet."""
    ours, _ = cohort
    course = Course(make_course(tmp_path_factory.mktemp("kernel"), own_test=True))
    course.generate(NAME)
    shutil.copytree(ours.root / "submitted", course.root / "submitted")
    return course


def processes_in(folder) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            if str(folder) in proc.cwd():
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass
    return found


def item_scores(course: Course) -> dict[str, dict[str, float]]:
    return {s.student: s.items for s in course.scores(NAME)}


def gradebook_rows(course: Course) -> dict[str, list[tuple]]:
    """Every grade and comment nbgrader saved for NAME: what formgrader and the exports read."""
    rows = {}
    with course.gradebook() as gb:
        for sub in gb.find_assignment(NAME).submissions:
            for nb in sub.notebooks:
                grades = sorted((g.name, g.auto_score, g.manual_score, g.needs_manual_grade) for g in nb.grades)
                comments = sorted((c.name, c.auto_comment, c.manual_comment) for c in nb.comments)
                rows[f"{sub.student_id}/{nb.name}"] = grades + comments
    return rows


@pytest.fixture(scope="module")
def graded(cohort):
    ours, stock = cohort
    results = grade_cohort(ours, NAME, workers=2, progress=False)
    return ours, stock, results


def test_parallel_grading_equals_stock_nbgrader(graded):
    ours, stock, results = graded
    assert [r.status for r in results] == ["graded"] * 4
    assert item_scores(ours) == item_scores(stock)
    assert {r.student: r.auto_score for r in results} == PROFILES
    assert all(r.auto_max == FULL for r in results)
    log = (ours.root / "reports" / NAME / "grading.csv").read_text()
    assert log.startswith("student,status,auto score") and log.count("graded") == 4
    logs = ours.root / "reports" / NAME / "grading-logs"
    assert "[INFO] Creating/updating student" in (logs / "partial.log").read_text()
    assert "Graded 99-toy as data: 6 test(s), no kernel" in (logs / "partial.log").read_text()


def test_logs_show_only_real_problems(graded):
    """Honest submissions log no warning (nbgrader's checksum and SQLAlchemy warnings used to fill
    every log); a real problem is one line naming the student and what was done."""
    ours, _, _ = graded
    logs = ours.root / "reports" / NAME / "grading-logs"
    for student in ("complete", "partial"):
        text = (logs / f"{student}.log").read_text()
        assert "WARNING" not in text and "Warning" not in text, text
    for student in ("blank", "no-answer-file"):  # neither submitted an answer file
        warnings = [line for line in (logs / f"{student}.log").read_text().splitlines() if "WARNING" in line]
        assert len(warnings) == 1 and f"{student}, 99-toy: No answer file" in warnings[0]


def test_graded_outputs_are_those_of_a_kernel_run(graded, tmp_path):
    """Grading as data writes, in every test cell, exactly what running the cell in a kernel wrote
    (the course before grading as data: curriculum.nbhelpers.KERNEL_DESIGN_CONFIG, with nbgrader's
    own OverwriteCells and SaveAutoGrades), and the gradebook gets the same grades and comments."""
    from curriculum.nbhelpers import KERNEL_DESIGN_CONFIG

    ours, _, _ = graded
    kernel = Course(shutil.copytree(ours.root, tmp_path / "kernel",
                                    ignore=shutil.ignore_patterns("autograded", "reports", "gradebook.db")))
    with open(kernel.root / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write(KERNEL_DESIGN_CONFIG)
    kernel.generate(NAME)
    kernel.autograde(NAME)
    assert item_scores(kernel) == item_scores(ours)
    # and the gradebook holds the same rows as nbgrader's own per-cell OverwriteCells/SaveAutoGrades leave
    assert gradebook_rows(kernel) == gradebook_rows(ours)
    assert any(row[1] == "No response." for rows in gradebook_rows(ours).values() for row in rows)
    for student in PROFILES:
        cells = {}
        for course in (ours, kernel):
            nb = nbformat.read(course.root / "autograded" / student / NAME / f"{NAME}.ipynb", 4)
            cells[course] = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
                             if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}
        assert cells[ours].keys() == cells[kernel].keys()
        for grade_id, cell in cells[ours].items():
            assert cell.source == cells[kernel][grade_id].source
            assert cell.outputs == cells[kernel][grade_id].outputs, (student, grade_id)
            assert cell.execution_count == cells[kernel][grade_id].execution_count


def test_the_kernel_variant_runs_course_cells_and_scores_the_same(cohort, kernel_course):
    ours, _ = cohort
    results = grade_cohort(kernel_course, NAME, workers=2, progress=False)
    assert {r.student: (r.status, r.auto_score) for r in results} == {s: ("graded", p) for s, p in PROFILES.items()}
    assert item_scores(kernel_course) == item_scores(ours)
    log = (kernel_course.root / "reports" / NAME / "grading-logs" / "partial.log").read_text()
    assert "Running the course cells of 99-toy in a kernel" in log


def test_a_second_run_skips_and_force_regrades_the_same(graded):
    ours, _, _ = graded
    before = item_scores(ours)
    again = grade_cohort(ours, NAME, workers=2, progress=False)
    assert [r.status for r in again] == ["skipped"] * 4
    forced = grade_cohort(ours, NAME, workers=2, force=True, students=["partial"], progress=False)
    assert [(r.student, r.status) for r in forced] == [("partial", "graded")]
    assert item_scores(ours) == before


def test_an_interrupted_run_resumes_without_losing_grades(kernel_course, tmp_path):
    """(A kernel per submission makes a run slow enough to interrupt in the middle.)"""
    course = Course(shutil.copytree(kernel_course.root, tmp_path / "course",
                                    ignore=shutil.ignore_patterns("autograded", "gradebook.db", "reports")))
    cmd = [sys.executable, "-m", "curriculum.staff.cli", "--course", str(course.root), "grade", NAME,
           "--workers", "1", "--quiet"]
    # a run started in the background of a shell inherits SIGINT ignored; a person's terminal does not
    run = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    graded = lambda: sorted(p.parts[-3] for p in (course.root / "autograded").glob(f"*/{NAME}/{NAME}.ipynb"))
    while not graded() and run.poll() is None:
        time.sleep(0.2)
    run.send_signal(signal.SIGINT)  # Ctrl+C after the first submission is graded
    run.communicate(timeout=120)
    assert run.returncode != 0
    first = graded()
    assert 1 <= len(first) < len(PROFILES)
    assert not processes_in(course.root)
    results = {r.student: r.status for r in grade_cohort(course, NAME, workers=2, progress=False)}
    assert {s for s, status in results.items() if status == "skipped"} == set(first)
    assert {s for s, status in results.items() if status == "graded"} == set(PROFILES) - set(first)
    assert {s.student: s.auto_score for s in course.scores(NAME)} == PROFILES


def test_broken_and_hanging_submissions_are_scored_and_never_stop_the_cohort(kernel_course, tmp_path):
    course = Course(shutil.copytree(kernel_course.root, tmp_path / "course",
                                    ignore=shutil.ignore_patterns("autograded")))
    # corrupted JSON: the notebook was cut off mid-upload
    broken = submission(course, "broken")
    shutil.copytree(submission(course, "complete"), broken)
    path = broken / f"{NAME}.ipynb"
    path.write_text(path.read_text()[:500])
    # an instructor's test that never ends on this submission (student code never runs: tests/preprocessors/test_integrity.py)
    hang = submission(course, "hang")
    shutil.copytree(submission(course, "complete"), hang)
    (hang / HANG_FILE).write_text("the kernel variant's own test waits while this file is here")
    # and one whose kernel writes the worker's result line to its stdout first, then hangs: the result
    # pipe is the worker's own, so it is not counted as graded and its classmates are not harmed
    forger = submission(course, "forger")
    shutil.copytree(hang, forger)
    (forger / FORGE_FILE).write_text("the kernel variant's own test forges a result line")

    results = {r.student: r for r in grade_cohort(course, NAME, workers=2, timeout=60, force=True,
                                                  progress=False)}
    assert results["broken"].status == "failed" and "could not grade it" in results["broken"].message
    assert results["hang"].status == "timed out" and "stopped after 60 s" in results["hang"].message
    assert results["forger"].status == "timed out"
    assert results["broken"].auto_score == results["hang"].auto_score == results["forger"].auto_score == 0
    assert {s: results[s].auto_score for s in PROFILES} == PROFILES  # the others are graded as usual
    assert not processes_in(course.root)  # the hanging kernel was killed, not orphaned
    with course.gradebook() as gb:
        nb = gb.find_submission_notebook(NAME, NAME, "hang")
        assert all(g.auto_score == 0 for g in nb.grades if g.cell_type == "code")
        assert any("stopped after 60 s" in (c.auto_comment or "") for c in nb.comments)


def test_cli_grade_reports_problems_with_exit_code_3(cohort, tmp_path, capsys):
    ours, _ = cohort
    course = Course(shutil.copytree(ours.root, tmp_path / "course", ignore=shutil.ignore_patterns("autograded")))
    broken = submission(course, "broken")
    broken.mkdir(parents=True)
    (broken / f"{NAME}.ipynb").write_text("{ not json")
    code = cli.main(["--course", str(course.root), "grade", NAME, "--student", "broken", "--quiet"])
    captured = capsys.readouterr()
    assert code == 3
    assert "broken" in captured.out and "failed" in captured.out
    assert "could not be graded normally" in captured.err


@pytest.mark.parametrize("argv, code, message", [
    (["grade", "no-such-assignment"], 1, "unknown assignment(s) no-such-assignment"),
    (["grade", NAME, "--workers", "0"], 2, "must be at least 1"),
    (["grade", NAME, "--timeout", "soon"], 2, "is not a number of seconds"),
    (["grade", NAME, "--student", "nobody"], 1, "no submission of 99-toy from nobody"),
])
def test_cli_grade_errors(cohort, argv, code, message, capsys):
    ours, _ = cohort
    assert cli.main(["--course", str(ours.root), *argv]) == code
    assert message in capsys.readouterr().err


def test_no_submissions_is_a_clear_error(tmp_path):
    course = Course(make_course(tmp_path / "empty"))
    assert submitted_students(course, NAME) == []
    with pytest.raises(CourseError, match="no submissions of 99-toy"):
        grade_cohort(course, NAME, progress=False)


def test_parallel_grading_into_postgresql_equals_stock(cohort, postgres_url, tmp_path, monkeypatch, capsys):
    ours, stock = cohort
    course = Course(shutil.copytree(ours.root, tmp_path / "course",
                                    ignore=shutil.ignore_patterns("autograded", "gradebook.db", "reports")))
    code = cli.main(["--course", str(course.root), "--db", postgres_url, "grade", NAME, "--workers", "2", "--quiet"])
    assert code == 0, capsys.readouterr().err
    assert not (course.root / "gradebook.db").exists()
    monkeypatch.setenv("CURRICULUM_DB_URL", postgres_url)
    assert item_scores(course) == item_scores(stock)



SLOW_START = """
import os, sys, time
marker = os.environ["SLOW_KERNEL_MARKER"]
if os.environ.get("SLOW_KERNEL_ALWAYS") or not os.path.exists(marker):  # as on an overloaded machine
    open(marker, "w").close()
    time.sleep(30)
from ipykernel import kernelapp
kernelapp.launch_new_instance()
"""


def test_a_kernel_that_starts_too_slowly_is_graded_again(kernel_course, tmp_path, monkeypatch):
    """A kernel that does not start in time (a busy machine) is not the student's fault: one more try."""
    course = Course(shutil.copytree(kernel_course.root, tmp_path / "course",
                                    ignore=shutil.ignore_patterns("autograded", "gradebook.db", "reports")))
    config = course.root / "nbgrader_config.py"
    config.write_text(config.read_text() + "\nc.Execute.startup_timeout = 8\n")
    spec = tmp_path / "jupyter" / "kernels" / "python3"  # found before the installed python3 kernel
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", SLOW_START, "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)", "language": "python"}))
    marker = tmp_path / "started-once"
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("SLOW_KERNEL_MARKER", str(marker))

    [result] = grade_cohort(course, NAME, workers=1, students=["complete"], progress=False)
    assert marker.exists()  # the slow first start happened
    assert (result.status, result.auto_score) == ("graded", FULL)
    assert result.message == "graded at the second try (its kernel did not start in time at the first)"
    first_log = Path(result.log).with_suffix(".first-try.log")
    assert "Kernel didn't respond in 8 seconds" in first_log.read_text()

    # too slow twice: reported with its reason and how to grade it again, scored zero, nothing left running
    monkeypatch.setenv("SLOW_KERNEL_ALWAYS", "1")
    [result] = grade_cohort(course, NAME, workers=1, students=["partial"], progress=False)
    assert result.status == "failed" and result.auto_score == 0
    assert result.message == f"its kernel did not start in time, twice; grade it again: curriculum grade {NAME} --student partial"
    assert "Kernel didn't respond in 8 seconds" in Path(result.log).read_text()
    assert not processes_in(course.root)


def test_the_kernel_gets_a_home_and_ipython_folder_of_its_own(kernel_course, tmp_path, monkeypatch):
    """A start-up file in the grader's IPython folder (left by anyone) never runs in a grading kernel."""
    course = Course(shutil.copytree(kernel_course.root, tmp_path / "course",
                                    ignore=shutil.ignore_patterns("autograded", "gradebook.db", "reports")))
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    marker = tmp_path / "startup-file-ran"
    (startup / "00-full-marks.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    [result] = grade_cohort(course, NAME, workers=1, students=["partial"], progress=False)
    assert (result.status, result.auto_score) == ("graded", PROFILES["partial"])
    assert not marker.exists()
