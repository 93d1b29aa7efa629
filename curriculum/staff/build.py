"""``curriculum build`` and ``curriculum check``: each module's source checked, its student version
regenerated (``build``, validated by :mod:`.validate`) or compared with ``release/`` (``check``), the
release checked for leaks, and the course plan checked against ``source/``."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from .course import Course

__all__ = ["check", "grading_mode"]


def grading_mode(course: Course, name: str) -> str:
    """How autograde will grade a module: as data, or (an instructor's own test code) in a kernel."""
    from ..keys import kernel_tests

    own = kernel_tests(course.source_notebook(name))
    if not own:
        return "graded as data (no kernel; no student code runs)"
    return (f"graded in a kernel, course cells only: hidden test(s) {', '.join(own)} are not one literal "
            "Grader call")


def check(course: Course, assignments: list[str], regenerate: bool, validate: bool = False) -> int:
    from ..keys import KeyReadError

    failed = 0
    for name in assignments:
        try:
            problems = [f"source: {p}" for p in course.check_source(name)]
        except KeyReadError as exc:
            problems = [f"source: {exc}"]
        if not problems and regenerate and validate:
            from .validate import release_validated, summary

            reports = release_validated(course, name)  # replaces release/<name> only if both versions pass
            problems += [f"validate: {r.version} version: {p}" for r in reports for p in r.problems]
            print(f"{name}: {summary(reports)}")
        elif not problems and regenerate:
            course.generate(name)
            print(f"{name}: release/{name} regenerated")
        elif not problems:
            with tempfile.TemporaryDirectory(dir=course.root, prefix=".release-check-") as scratch:
                problems += [f"release: {d} (run `curriculum build`)"
                             for d in course.release_is_current(name, Path(scratch))]
        problems += [f"release: {p}" for p in course.check_release(name)]
        for problem in problems:
            print(f"{name}: {problem}", file=sys.stderr)
        if problems:
            failed += 1
        else:
            print(f"{name}: source and release OK")
            print(f"{name}: {grading_mode(course, name)}")
    from .plan import check_plan

    plan_problems = check_plan(course)
    for problem in plan_problems:
        print(f"plan: {problem}", file=sys.stderr)
    if not plan_problems:
        print("course plan (assignments/) agrees with source/")
    return 1 if failed or plan_problems else 0
