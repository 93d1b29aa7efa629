"""The course plan in assignments/ and its agreement with source/."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from curriculum.staff.cli import main
from curriculum.staff.course import Course
from curriculum.staff.plan import PlanError, check_plan, load_plan

REPO = Path(__file__).resolve().parents[2]


def test_plan_agrees_with_source():
    assert check_plan(Course(REPO)) == []
    plan = load_plan(REPO)
    assert [a.module for a in plan.assignments] == list(range(1, len(plan.assignments) + 1))
    assert plan.start.weekday() == 0  # weeks start on a Monday
    first = plan.assignments[0]
    assert plan.due(first) == date.fromordinal(plan.start.toordinal() + 7 * first.week - 1)
    assert plan.due(first).weekday() == 6


def test_readme_module_map_matches_the_plan():
    readme = (REPO / "README.md").read_text()
    plan = load_plan(REPO)
    for a in plan.assignments:
        assert f"`{a.id}`" in readme and f"| {a.minutes} min |" in readme, a.id
        assert f"{a.auto_points:g} points" in readme and f"due {plan.due(a).isoformat()}" in readme, a.id
        for objective in a.objectives:
            assert objective in readme, f"README lacks an objective of {a.id}: {objective}"


@pytest.fixture
def course_copy(tmp_path):
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    shutil.copytree(REPO / "source", tmp_path / "source")
    shutil.copytree(REPO / "assignments", tmp_path / "assignments")
    return tmp_path


def edit(path, **changes):
    data = yaml.safe_load(path.read_text())
    data.update(changes)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_drift_is_reported_field_by_field(course_copy):
    plan_file = course_copy / "assignments" / "01-patient-privacy.yaml"
    edit(plan_file, auto_points=99, title="Something else")
    problems = check_plan(Course(course_copy))
    assert any("auto_points" in p and "99" in p for p in problems)
    assert any("title" in p and "Something else" in p for p in problems)
    shutil.rmtree(course_copy / "source" / "01-patient-privacy")
    assert any("in the course plan but not in source/" in p for p in check_plan(Course(course_copy)))


def test_bad_plan_files_name_the_file_and_field(course_copy, capsys):
    plan_file = course_copy / "assignments" / "01-patient-privacy.yaml"
    edit(plan_file, minutes="an hour")
    with pytest.raises(PlanError, match=r"01-patient-privacy.yaml: field minutes"):
        load_plan(course_copy)
    assert main(["--course", str(course_copy), "plan"]) == 1
    assert "field minutes" in capsys.readouterr().err
    (course_copy / "assignments" / "course.yaml").unlink()
    with pytest.raises(PlanError, match="course.yaml is missing"):
        load_plan(course_copy)


def test_cli_plan_prints_the_module_map(capsys):
    assert main(["--course", str(REPO), "plan", "--objectives"]) == 0
    out = capsys.readouterr().out
    assert "01-patient-privacy" in out and "2027-01-17" in out and "Explain what makes health information" in out
