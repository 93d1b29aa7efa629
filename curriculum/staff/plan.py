"""The course plan in ``assignments/``: one YAML file per assignment plus ``course.yaml``.

``course.yaml`` holds the course title and the first day of teaching; each assignment file holds
its title, module number, week, time estimate, points, learning objectives and, optionally, a due
date and what students' feedback shows (``feedback: scores`` withholds the answers, see
curriculum/feedback.py). The suggested due date of an assignment is the last day (Sunday) of its
week. :func:`check_plan` compares the plan with the source notebooks, so the two never drift apart.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import nbformat
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ..jurisdiction import JURISDICTIONS
from ..jurisdiction import check as check_jurisdiction
from ..keys import read_keys
from ..variants import DEFAULT_MODE
from ..errors import PlanError
from ..nbhelpers import cell_meta

__all__ = ["AssignmentPlan", "CoursePlan", "PlanError", "check_plan", "load_plan", "notebook_outline"]


class AssignmentPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^\d{2}-[a-z0-9-]+$")
    title: str = Field(min_length=3)
    module: int = Field(ge=1)
    week: int = Field(ge=1)
    minutes: int = Field(ge=10, le=240)
    auto_points: float = Field(ge=0)
    manual_points: float = Field(ge=0)
    objectives: list[str] = Field(min_length=1)
    #: a module whose objectives name a country's law gives the other jurisdictions' own here
    #: (``canada: [...]``, ``uk: [...]``); the rest use ``objectives``
    jurisdiction_objectives: dict[str, list[str]] = Field(default_factory=dict)

    @field_validator("jurisdiction_objectives")
    @classmethod
    def _known_jurisdictions(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name in value:
            check_jurisdiction(name)
        return value
    due: date | None = None  # overrides the suggested due date
    #: what a student's feedback shows under each graded item: ``full`` (score, right answer,
    #: explanations) or ``scores`` (score and how close, no key; for an assessment used again).
    feedback: Literal["full", "scores"] = "full"
    #: what each student's own variant changes (curriculum/variants.py): ``off`` (everyone sees the
    #: authored notebook), ``order`` (options and posts in an order of their own) or ``cases`` (also a
    #: post from each of the item's pools)
    variants: Literal["off", "order", "cases"] = DEFAULT_MODE

    @field_validator("variants", mode="before")
    @classmethod
    def _bare_off(cls, value):
        return "off" if value is False else value  # YAML reads a bare `off` as false

    @property
    def points(self) -> float:
        return self.auto_points + self.manual_points

    def objectives_for(self, jurisdiction: str) -> list[str]:
        return self.jurisdiction_objectives.get(jurisdiction, self.objectives)


class CoursePlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    start: date = Field(description="first day (a Monday) of week 1")
    #: whose law and guidance the lessons teach (curriculum/jurisdiction.py)
    jurisdiction: str = JURISDICTIONS[0]

    @field_validator("jurisdiction")
    @classmethod
    def _known_jurisdiction(cls, value: str) -> str:
        return check_jurisdiction(value)
    assignments: list[AssignmentPlan] = Field(default_factory=list)

    def due(self, assignment: AssignmentPlan) -> date:
        """The due date: the assignment's own, or the Sunday that ends its week."""
        return assignment.due or self.start + timedelta(days=7 * assignment.week - 1)

    def get(self, assignment_id: str) -> AssignmentPlan:
        for a in self.assignments:
            if a.id == assignment_id:
                return a
        raise PlanError(f"assignment {assignment_id!r} is not in the course plan (assignments/)")


def _read(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PlanError(f"{path}: cannot be read ({exc})") from None
    if not isinstance(data, dict):
        raise PlanError(f"{path}: must be a YAML mapping")
    return data


def _errors(path: Path, exc: ValidationError) -> PlanError:
    lines = [f"{path}: " + ", ".join(f"field {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())]
    return PlanError("\n".join(lines))


def load_plan(root: str | Path = ".") -> CoursePlan:
    """Read ``assignments/course.yaml`` and every ``assignments/<id>.yaml``."""
    folder = Path(root) / "assignments"
    course_file = folder / "course.yaml"
    if not course_file.is_file():
        raise PlanError(f"{course_file} is missing: it gives the course title and its start date")
    course = _read(course_file)
    items = []
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "course.yaml":
            continue
        try:
            item = AssignmentPlan.model_validate(_read(path))
        except ValidationError as exc:
            raise _errors(path, exc) from None
        if item.id != path.stem:
            raise PlanError(f"{path}: field id is {item.id!r}, but the file is named after {path.stem!r}")
        items.append(item)
    try:
        return CoursePlan.model_validate({**course, "assignments": sorted(items, key=lambda a: a.module)})
    except ValidationError as exc:
        raise _errors(course_file, exc) from None


_TITLE = re.compile(r"^#\s+Module\s+(\d+):\s*(.+?)\s*$", re.MULTILINE)


def notebook_outline(path: str | Path) -> dict:
    """Title, module number, learning objectives and reflection points as a notebook states them."""
    nb = nbformat.read(Path(path), as_version=4)
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    title = _TITLE.search(markdown[0].source) if markdown else None
    objectives: list[str] = []
    for cell in markdown:
        if cell.source.lstrip().startswith("## Learning objectives"):
            for line in cell.source.splitlines():
                m = re.match(r"^\s*(?:\d+\.|[-*])\s+(.*\S)", line)
                if m:
                    objectives.append(re.sub(r"\*\*(.+?)\*\*", r"\1", m.group(1)))
            break
    manual = sum(float(cell_meta(c).get("points", 0)) for c in nb.cells
                 if cell_meta(c).get("grade") and cell_meta(c).get("solution"))
    return {
        "module": int(title.group(1)) if title else None,
        "title": title.group(2) if title else None,
        "objectives": objectives,
        "manual_points": manual,
    }


def check_plan(course) -> list[str]:
    """Differences between the plan in ``assignments/`` and the source notebooks of ``course``."""
    try:
        plan = load_plan(course.root)
    except PlanError as exc:
        return [str(exc)]
    problems = []
    planned = {a.id for a in plan.assignments}
    sources = set(course.assignments())
    problems += [f"{a}: in source/ but not in the course plan" for a in sorted(sources - planned)]
    problems += [f"{a}: in the course plan but not in source/" for a in sorted(planned - sources)]
    modules = [a.module for a in plan.assignments]
    if modules != list(range(1, len(modules) + 1)):
        problems.append(f"module numbers should run 1, 2, 3...: found {modules}")
    for a in plan.assignments:
        if a.id not in sources:
            continue
        for jurisdiction in JURISDICTIONS:  # every version of the module must agree with the plan
            path = course.source_notebook(a.id, jurisdiction)
            outline = notebook_outline(path)
            auto = sum(k.points for k in read_keys(path))
            field = "objectives" if jurisdiction not in a.jurisdiction_objectives else \
                f"jurisdiction_objectives.{jurisdiction}"
            checks = [
                ("title", a.title, outline["title"]),
                ("module", a.module, outline["module"]),
                ("auto_points", a.auto_points, auto),
                ("manual_points", a.manual_points, outline["manual_points"]),
                (field, a.objectives_for(jurisdiction), outline["objectives"]),
            ]
            version = "" if jurisdiction == JURISDICTIONS[0] else f" ({jurisdiction} version)"
            for name, planned_value, actual in checks:
                if planned_value != actual:
                    problem = (f"{a.id}: {name} in assignments/{a.id}.yaml is {planned_value!r}, "
                               f"but the notebook{version} has {actual!r}")
                    if problem not in problems:
                        problems.append(problem)
    return problems
