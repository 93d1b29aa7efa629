"""The ``curriculum`` command: build the course and run the end-to-end demo.

    curriculum build [ASSIGNMENT ...]     check source notebooks, regenerate release/, check for leaks
    curriculum check [ASSIGNMENT ...]     the same checks without writing: is release/ current and clean?
    curriculum demo                       build a throwaway course, grade a simulated cohort, print scores
    curriculum plan                       the course plan: modules, weeks, due dates, points, objectives
    curriculum cases check [PATH ...]     validate the case bank and instructors' case files
    curriculum cases list [filters]       list cases (by domain, platform, role, verdict, severity)

``main(argv)`` returns the exit code: 0 success, 1 a check or grading failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .course import Course, CourseError
from .plan import PlanError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="curriculum", description="Social Media and Medicine: course tools.")
    parser.add_argument("--course", default=".", metavar="PATH",
                        help="the course folder (with nbgrader_config.py and source/); default: here")
    parser.add_argument("--db", metavar="URL",
                        help="the gradebook's database URL, e.g. postgresql://grader@dbhost/course "
                             "(default: $CURRICULUM_DB_URL, else sqlite gradebook.db in the course folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("build", help="check source notebooks, regenerate release/ and check it reveals no answer")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment in source/")

    p = sub.add_parser("check", help="check source and release/ without writing anything")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment in source/")

    p = sub.add_parser("demo", help="grade a simulated cohort end to end in a throwaway course folder")
    p.add_argument("--workdir", default="demo", metavar="PATH",
                   help="where the throwaway course is built (replaced on every run); default: demo/")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment in source/")

    p = sub.add_parser("plan", help="show the course plan (assignments/) and check it against source/")
    p.add_argument("--objectives", action="store_true", help="list each module's learning objectives too")

    p = sub.add_parser("cases", help="check or list the case bank")
    cases_sub = p.add_subparsers(dest="cases_command", metavar="ACTION")
    cases_sub.required = True
    c = cases_sub.add_parser("check", help="validate the built-in bank and case files or folders "
                             "(default: those named in CURRICULUM_CASES)")
    c.add_argument("paths", nargs="*", metavar="PATH")
    c = cases_sub.add_parser("list", help="list cases matching all filters")
    c.add_argument("--domain")
    c.add_argument("--platform")
    c.add_argument("--role")
    c.add_argument("--verdict", choices=["fine", "revise", "never"])
    c.add_argument("--min-severity", type=int, choices=range(5), metavar="0-4")
    c.add_argument("--good-practice", action="store_true", help="only good-practice cases")
    c.add_argument("--sample", type=int, metavar="N", help="a reproducible sample of N cases")
    c.add_argument("--seed", type=int, default=0)
    return parser


def _cases(args: argparse.Namespace) -> int:
    from . import cases

    if args.cases_command == "check":
        bank = cases.CaseBank.load(args.paths, use_env=not args.paths)
        problems = cases.check_bank(bank)
        for problem in problems:
            print(problem, file=sys.stderr)
        total = len(bank.cases) + len(bank.assessment)
        print(f"{total} cases loaded ({len(bank.assessment)} assessment cases); "
              f"{'no problems' if not problems else f'{len(problems)} problem(s)'}")
        return 1 if problems else 0
    bank = cases.CaseBank.load()
    for problem in bank.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    filters = dict(domain=args.domain, platform=args.platform, role=args.role, verdict=args.verdict,
                   min_severity=args.min_severity, good_practice=True if args.good_practice else None)
    try:
        chosen = bank.sample(args.sample, args.seed, **filters) if args.sample else bank.select(**filters)
    except ValueError as exc:
        print(f"curriculum cases list: {exc}", file=sys.stderr)
        return 2
    table = bank.frame(chosen)[["title", "platform", "author_role", "severity", "verdict"]]
    print(table.to_string() if len(table) else "no case matches")
    return 0


def _plan(course: Course, show_objectives: bool) -> int:
    import pandas as pd

    from .plan import check_plan, load_plan

    plan = load_plan(course.root)
    rows = [{"module": a.module, "assignment": a.id, "title": a.title, "week": a.week,
             "due": plan.due(a).isoformat(), "minutes": a.minutes, "auto points": a.auto_points,
             "reflection points": a.manual_points} for a in plan.assignments]
    print(f"{plan.title}: {len(rows)} modules from {plan.start.isoformat()}, "
          f"{sum(a.minutes for a in plan.assignments)} minutes in all\n")
    print(pd.DataFrame(rows).to_string(index=False))
    if show_objectives:
        for a in plan.assignments:
            print(f"\n{a.id}: {a.title}")
            for objective in a.objectives:
                print(f"  - {objective}")
    problems = check_plan(course)
    for problem in problems:
        print(f"plan: {problem}", file=sys.stderr)
    return 1 if problems else 0


def _pick(course: Course, names: list[str]) -> list[str]:
    known = course.assignments()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise CourseError(f"unknown assignment(s) {', '.join(unknown)}; the course has: {', '.join(known) or 'none'}")
    return names or known


def _check(course: Course, assignments: list[str], regenerate: bool) -> int:
    failed = 0
    for name in assignments:
        problems = [f"source: {p}" for p in course.check_source(name)]
        if not problems and regenerate:
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
    from .plan import check_plan

    plan_problems = check_plan(course)
    for problem in plan_problems:
        print(f"plan: {problem}", file=sys.stderr)
    if not plan_problems:
        print("course plan (assignments/) agrees with source/")
    return 1 if failed or plan_problems else 0


def _demo(course: Course, workdir: Path, assignments: list[str]) -> int:
    import pandas as pd

    from .keys import read_keys
    from .simulate import PROFILES, SimulatedStudent, expected_points, simulate_submission, submitted_answers

    if workdir.resolve() == course.root:
        raise CourseError("--workdir must not be the course folder itself")
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    shutil.copy(course.root / "nbgrader_config.py", workdir / "nbgrader_config.py")
    shutil.copytree(course.root / "source", workdir / "source",
                    ignore=shutil.ignore_patterns("*.answers.json*", ".ipynb_checkpoints", "__pycache__"))
    demo = Course(workdir)
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
            expected[student.student] = sum(expected_points(submitted_answers(nb), keys).values())
        print(f"{name}: autograding {len(cohort)} submissions with nbgrader")
        demo.autograde(name)
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
    print(f"All {len(table)} submissions scored as expected. Gradebook: {workdir / 'gradebook.db'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    if not args.db:
        return _run(args)
    before = os.environ.get("CURRICULUM_DB_URL")
    os.environ["CURRICULUM_DB_URL"] = args.db  # nbgrader_config.py reads it in every nbgrader run
    try:
        return _run(args)
    finally:  # main() is called from tests: leave the environment as it was
        if before is None:
            os.environ.pop("CURRICULUM_DB_URL", None)
        else:
            os.environ["CURRICULUM_DB_URL"] = before


def _run(args: argparse.Namespace) -> int:
    if args.command == "cases":
        return _cases(args)
    try:
        course = Course(args.course)
        if args.command == "plan":
            return _plan(course, args.objectives)
        assignments = _pick(course, args.assignments)
        if args.command == "build":
            return _check(course, assignments, regenerate=True)
        if args.command == "check":
            return _check(course, assignments, regenerate=False)
        return _demo(course, Path(args.workdir), assignments)
    except (CourseError, PlanError) as exc:
        print(f"curriculum {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
