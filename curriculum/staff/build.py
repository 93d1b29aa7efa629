"""``curriculum build`` and ``curriculum check``: each module's source checked, its student version
regenerated (``build``, validated by :mod:`.validate`) or compared with ``release/`` (``check``), the
release checked for leaks, and the course plan checked against ``source/``."""

from __future__ import annotations

import os
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


def build_elsewhere(course: Course, assignments: list[str], jurisdiction: str, release_dir: str | None,
                    validate: bool = True) -> int:
    """``curriculum build --jurisdiction J --release-dir DIR``: the release for ``jurisdiction`` in
    ``DIR`` (release/ when it is the course's own jurisdiction and no DIR is given), validated and checked
    like release/. Another jurisdiction's nbgrader runs use a scratch gradebook, so the course's
    gradebook keeps the cells of the release it grades."""
    from ..jurisdiction import ENV, LABELS
    from ..nbhelpers import environment

    if release_dir is None and jurisdiction != course.jurisdiction:
        print(f"curriculum build: release/ teaches the course's jurisdiction ({course.jurisdiction}); give "
              f"--release-dir DIR for a {LABELS[jurisdiction]} release, or set `jurisdiction: {jurisdiction}` in "
              "assignments/course.yaml", file=sys.stderr)
        return 2
    target = Path(release_dir).resolve() if release_dir else course.root / "release"
    if target.is_relative_to(course.root / "source") or target == course.root:
        print(f"curriculum build: --release-dir {release_dir} would overwrite the course itself", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="curriculum-build-") as scratch, environment(**{
            ENV: jurisdiction,
            "CURRICULUM_DB_URL": f"sqlite:///{Path(scratch) / 'gradebook.db'}" if release_dir is not None
            else os.environ.get("CURRICULUM_DB_URL")}):
        print(f"building the {LABELS[jurisdiction]} release into {target}")
        return check(course, assignments, regenerate=True, validate=validate, release_root=target)


def check(course: Course, assignments: list[str], regenerate: bool, validate: bool = False,
          release_root: Path | None = None) -> int:
    from ..keys import KeyReadError

    failed = 0
    for name in assignments:
        try:
            problems = [f"source: {p}" for p in course.check_source(name)]
        except KeyReadError as exc:
            problems = [f"source: {exc}"]
        where = release_root / name if release_root else None
        if not problems and regenerate and validate:
            from .validate import release_validated, summary

            reports = release_validated(course, name, where)  # replaces the release only if both versions pass
            problems += [f"validate: {r.version} version: {p}" for r in reports for p in r.problems]
            print(f"{name}: {summary(reports, where)}")
        elif not problems and regenerate:
            course.generate(name, _relative(course, where))
            print(f"{name}: {where or 'release/' + name} regenerated")
        elif not problems:
            with tempfile.TemporaryDirectory(dir=course.root, prefix=".release-check-") as scratch:
                problems += [f"release: {d} (run `curriculum build`)"
                             for d in course.release_is_current(name, Path(scratch))]
        problems += [f"release: {p}" for p in course.check_release(name, where)]
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


def _relative(course: Course, where: Path | None) -> str | None:
    """A release folder for nbgrader's --CourseDirectory.release_directory (the parent of ``where``)."""
    if where is None:
        return None
    return os.path.relpath(where.parent, course.root)
