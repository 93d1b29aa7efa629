"""``curriculum demo``: a throwaway copy of the course, a simulated cohort answering every module,
graded by ``curriculum grade``, each score compared with the one computed apart from nbgrader."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from ..jurisdiction import LABELS
from .course import Course, CourseError

__all__ = ["run_demo"]


def run_demo(course: Course, workdir: Path, assignments: list[str], jurisdiction: str | None = None) -> int:
    import pandas as pd

    from .grade.cohort import grade_cohort
    from ..keys import read_keys
    from .simulate import (PROFILES, SimulatedStudent, expected_points, simulate_submission, student_keys,
                           submitted_answers)

    if workdir.resolve() == course.root:
        raise CourseError("--workdir must not be the course folder itself")
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    shutil.copy(course.root / "nbgrader_config.py", workdir / "nbgrader_config.py")
    shutil.copytree(course.root / "source", workdir / "source",
                    ignore=shutil.ignore_patterns("*.answers.json*", ".ipynb_checkpoints", "__pycache__"))
    jurisdiction = jurisdiction or course.jurisdiction
    _write_course_plan(course.root / "assignments", workdir / "assignments", jurisdiction)
    demo = Course(workdir)
    print(f"demo course: {LABELS[jurisdiction]} version (jurisdiction: {jurisdiction})")
    cohort = [SimulatedStudent(f"s{i:02d}-{p}", p) for i, p in enumerate(PROFILES, 1)]
    rows = []
    for name in assignments:
        keys = read_keys(demo.source_notebook(name))
        print(f"{name}: generating the student version ({len(keys)} graded widget items)")
        release = demo.generate(name)
        leaks = demo.check_release(name)
        if leaks:
            raise CourseError(f"{name}: the release reveals answers: " + "; ".join(map(str, leaks)))
        expected = {}
        for student in cohort:
            print(f"{name}: {student.student} works through the notebook ({PROFILES[student.profile]})")
            nb = simulate_submission(release / f"{name}.ipynb", workdir / "submitted" / student.student / name,
                                     student, keys)
            own = student_keys(keys, release / f"{name}.ipynb", student.student)  # the student's variants
            expected[student.student] = sum(expected_points(submitted_answers(nb), own).values())
        print(f"{name}: autograding {len(cohort)} submissions with nbgrader (curriculum grade)")
        problems = [r for r in grade_cohort(demo, name, force=True, progress=False) if r.problem]
        if problems:
            raise CourseError(f"{name}: grading failed for " + "; ".join(f"{r.student}: {r.message}" for r in problems))
        for score in demo.scores(name):
            want = round(expected[score.student], 2)
            rows.append({
                "assignment": name, "student": score.student,
                "auto score": score.auto_score, "auto max": score.auto_max, "expected": want,
                "match": "yes" if abs(score.auto_score - want) < 1e-6 else "NO",
                "awaiting manual grading": score.manual_pending,
            })
    table = pd.DataFrame(rows)
    print()
    print(table.to_string(index=False))
    mismatches = int((table["match"] != "yes").sum()) if len(table) else 0
    print()
    if mismatches:
        print(f"{mismatches} submission(s) scored differently from the expected score", file=sys.stderr)
        return 1
    from ..nbhelpers import shown_url

    gradebook = shown_url(demo.db_url())
    print(f"All {len(table)} submissions scored as expected. Gradebook: {gradebook}")
    return 0


def _write_course_plan(plan: Path, dest: Path, jurisdiction: str) -> None:
    """The course plan, copied, with ``jurisdiction:`` set for the demo course."""
    import yaml

    if plan.is_dir():
        shutil.copytree(plan, dest, ignore=shutil.ignore_patterns("*.csv"))
    dest.mkdir(parents=True, exist_ok=True)
    course_file = dest / "course.yaml"
    data = yaml.safe_load(course_file.read_text(encoding="utf-8")) if course_file.is_file() else None
    data = data or {"title": "Social Media and Medicine (demo)", "start": "2027-01-11"}
    data["jurisdiction"] = jurisdiction
    course_file.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
