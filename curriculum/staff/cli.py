"""The ``curriculum`` command: build the course and run the end-to-end demo.

    curriculum build [ASSIGNMENT ...]     check and validate source notebooks, regenerate release/, check for leaks
    curriculum check [ASSIGNMENT ...]     the same checks without writing: is release/ current and clean?
    curriculum demo                       build a throwaway course, grade a simulated cohort, print scores
    curriculum grade ASSIGNMENT           autograde every submission, several at a time, with progress
    curriculum plan                       the course plan: modules, weeks, due dates, points, objectives
    curriculum sync [--roster CSV]        write the plan's due dates and a student roster into the gradebook
    curriculum report ASSIGNMENT          grade table, item analysis, plots, HTML, LMS CSVs, checked feedback
    curriculum cases check [PATH ...]     validate the case bank and instructors' case files
    curriculum cases list [filters]       list cases (by domain, platform, role, verdict, severity)

``main(argv)`` returns the exit code: 0 success, 1 a check or grading failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..jurisdiction import JURISDICTIONS, LABELS
from ..nbhelpers import environment, lighter_imports

lighter_imports()  # before .course imports nbformat (and so jsonschema): 0.84 s less per command

try:  # the staff tools need the [staff] extra; `curriculum cases` works without it
    from .course import Course, CourseError  # noqa: E402
    from .plan import PlanError  # noqa: E402
    _STAFF_MISSING = None
except ImportError as exc:  # a student install
    _STAFF_MISSING = exc.name or str(exc)
    CourseError = PlanError = RuntimeError

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
    p.add_argument("--no-validate", dest="validate", action="store_false",
                   help="skip running each notebook with nbgrader's Validator (the instructor version with the "
                        "key's answers must get full marks, the student version with no answers zero)")
    p.add_argument("--jurisdiction", choices=JURISDICTIONS,
                   help="whose law and guidance the release teaches (default: assignments/course.yaml's); "
                        "another than the course's needs --release-dir")
    p.add_argument("--release-dir", metavar="DIR",
                   help="write the student versions here instead of release/ (release/ and the course's "
                        "gradebook are left as they are)")

    p = sub.add_parser("check", help="check source and release/ without writing anything")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment in source/")

    p = sub.add_parser("demo", help="grade a simulated cohort end to end in a throwaway course folder")
    p.add_argument("--workdir", default="demo", metavar="PATH",
                   help="where the throwaway course is built (replaced on every run); default: demo/")
    p.add_argument("--jurisdiction", choices=JURISDICTIONS,
                   help="build and grade the demo course for this jurisdiction (default: the course's)")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every assignment in source/")

    p = sub.add_parser(
        "grade", help="autograde every submission of an assignment, several at a time",
        description="Autograde submitted/<student>/ASSIGNMENT/ for every student with nbgrader's autograder "
                    "and the course config (answers graded as data: no student code runs), WORKERS "
                    "submissions at a time, with a progress bar. A submission that "
                    "fails or runs past --timeout is scored zero with a comment and listed; the others "
                    "are graded. Already graded submissions are skipped unless --force, so an interrupted "
                    "run resumes. Exit codes: 0 all graded, 1 the run could not start, 2 bad usage, "
                    "3 graded, but some submissions had problems (listed).")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--workers", type=_positive_int, metavar="N",
                   help="submissions graded at once (default: one per core)")
    p.add_argument("--timeout", type=_positive_float, default=300.0, metavar="SECONDS",
                   help="time allowed for one submission before it is stopped and scored zero (default: 300)")
    p.add_argument("--force", action="store_true", help="grade again submissions already graded")
    p.add_argument("--student", action="append", metavar="ID", dest="students",
                   help="grade only this student (repeat for several)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser(
        "report", help="grade table, item analysis, plots, HTML report, LMS CSVs and checked student feedback",
        description="Read the graded submissions of ASSIGNMENT from the gradebook and write grades.csv, "
                    "items.csv (difficulty and discrimination per item), canvas.csv and moodle.csv (grade "
                    "imports), score-distribution.png, item-difficulty.png and report.html into "
                    "reports/ASSIGNMENT/. Then run nbgrader generate_feedback and check every feedback file "
                    "for any trace of the answer key; files that reveal it are deleted. Exit codes: 0 done, "
                    "1 nothing graded yet or feedback revealed the key, 2 bad usage.")
    p.add_argument("assignment", metavar="ASSIGNMENT")
    p.add_argument("--out", metavar="DIR", help="write the files here instead of reports/ASSIGNMENT/")
    p.add_argument("--no-feedback", action="store_true",
                   help="do not generate (and check) the students' HTML feedback")
    p.add_argument("--feedback", choices=("full", "scores"), dest="feedback_mode",
                   help="what the feedback shows under each item: full (score, right answer, explanations) or "
                        "scores (score and how close, the answers withheld, for an assessment used again); "
                        "default: the assignment's plan file says (feedback: full unless set)")

    p = sub.add_parser("plan", help="show the course plan (assignments/) and check it against source/")
    p.add_argument("--objectives", action="store_true", help="list each module's learning objectives too")

    p = sub.add_parser(
        "sync", help="write the course plan's assignments (with due dates) and a student roster into the gradebook",
        description="Write every assignment of the course plan (assignments/) into the gradebook, due at 23:59 "
                    "on its due day in --timezone (UTC unless told; stored as nbgrader stores times, in UTC), "
                    "and add or update the students of a roster CSV (columns id,first_name,last_name,email,"
                    "lms_user_id; only id is required; UTF-8, Excel's BOM and ; or tab separators are fine). "
                    "The roster is checked whole first: a bad roster changes nothing. Nothing is deleted: "
                    "students in the gradebook but not in the roster are listed as a warning. Exit codes: "
                    "0 written, 1 a bad roster or plan, 2 bad usage.")
    p.add_argument("--roster", metavar="CSV", help="the student roster, e.g. assignments/roster.example.csv")
    p.add_argument("--timezone", default="UTC", metavar="ZONE",
                   help="the time zone of the due dates, an IANA name such as Europe/Berlin; default: UTC")

    p = sub.add_parser(
        "links", help="print an nbgitpuller link per module that opens its notebook on a JupyterHub",
        description="Print one link per module (release/). Opening it makes the student's JupyterHub server "
                    "clone or update the course repository with nbgitpuller and open the module's notebook in "
                    "JupyterLab. The hub needs nbgitpuller installed in the single-user image (README, For IT).")
    p.add_argument("--hub", required=True, metavar="URL", help="the JupyterHub's address, e.g. https://hub.example.edu")
    p.add_argument("--repo", required=True, metavar="URL", help="the course repository's git URL")
    p.add_argument("--branch", default="main", help="the branch students get (default: main)")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every module in release/")

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
    c.add_argument("--jurisdiction", choices=JURISDICTIONS,
                   help="only cases that fit this jurisdiction's build (its own and those for any)")
    c.add_argument("--sample", type=int, metavar="N", help="a reproducible sample of N cases")
    c.add_argument("--seed", type=int, default=0)
    return parser


def _positive(kind: type, what: str):
    """An argparse type: a number of ``kind`` above zero."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be {'at least 1' if kind is int else 'more than 0'}, not {text}")
        return value

    return parse


_positive_int = _positive(int, "a whole number")
_positive_float = _positive(float, "a number of seconds")


def _grade(course: Course, args: argparse.Namespace) -> int:
    import pandas as pd

    from .grade.cohort import grade_cohort

    _pick(course, [args.assignment])
    results = grade_cohort(course, args.assignment, workers=args.workers, timeout=args.timeout,
                           force=args.force, students=args.students, progress=not args.quiet)
    table = pd.DataFrame([{"student": r.student, "status": r.status, "auto score": r.auto_score,
                           "auto max": r.auto_max, "seconds": round(r.seconds, 1), "note": r.message}
                          for r in results])
    print(table.to_string(index=False))
    counts = table["status"].value_counts().to_dict()
    print("\n" + ", ".join(f"{n} {status}" for status, n in counts.items())
          + f". Log: {Path('reports') / args.assignment / 'grading.csv'}")
    problems = [r for r in results if r.problem]
    if problems:
        print(f"{len(problems)} submission(s) could not be graded normally (scored zero, or refused): "
              + ", ".join(r.student for r in problems) + " (see the note and log of each)", file=sys.stderr)
        return 3
    return 0


def _cases(args: argparse.Namespace) -> int:
    from .. import cases

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
                   min_severity=args.min_severity, good_practice=True if args.good_practice else None,
                   jurisdiction=args.jurisdiction)
    try:
        chosen = bank.sample(args.sample, args.seed, **filters) if args.sample else bank.select(**filters)
    except ValueError as exc:
        print(f"curriculum cases list: {exc}", file=sys.stderr)
        return 2
    table = bank.frame(chosen)[["title", "platform", "author_role", "severity", "verdict", "jurisdiction"]]
    print(table.to_string() if len(table) else "no case matches")
    return 0


def _plan(course: Course, show_objectives: bool) -> int:
    import pandas as pd

    from .plan import check_plan, load_plan

    plan = load_plan(course.root)
    rows = [{"module": a.module, "assignment": a.id, "title": a.title, "week": a.week,
             "due": plan.due(a).isoformat(), "minutes": a.minutes, "auto points": a.auto_points,
             "reflection points": a.manual_points, "variants": a.variants} for a in plan.assignments]
    print(f"{plan.title}: {len(rows)} modules from {plan.start.isoformat()}, "
          f"{sum(a.minutes for a in plan.assignments)} minutes in all")
    print(f"jurisdiction built: {LABELS[course.jurisdiction]} ({course.jurisdiction}; assignments/course.yaml"
          f"{', overridden by $CURRICULUM_JURISDICTION' if os.environ.get('CURRICULUM_JURISDICTION') else ''})\n")
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


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    if not args.db:
        return _run(args)
    # nbgrader_config.py reads it in every nbgrader run; main() is called from tests, so it is restored
    with environment(CURRICULUM_DB_URL=args.db):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    if args.command == "cases":
        return _cases(args)
    if _STAFF_MISSING:
        print(f"curriculum {args.command}: the staff tools are not installed here ({_STAFF_MISSING} is missing). "
              "This looks like a student install; install the staff extra with "
              "pip install 'social-media-medicine[staff]' (or, from a clone, pip install -e '.[staff]').",
              file=sys.stderr)
        return 2
    try:
        course = Course(args.course)
        if args.command == "plan":
            return _plan(course, args.objectives)
        if args.command == "report":
            from .report import print_report

            _pick(course, [args.assignment])
            return print_report(course, args.assignment, args.out, not args.no_feedback, args.feedback_mode)
        if args.command == "grade":
            return _grade(course, args)
        if args.command == "links":
            from .links import module_links

            released = sorted(p.name for p in (course.root / "release").iterdir() if p.is_dir()) \
                if (course.root / "release").is_dir() else []
            unknown = [a for a in args.assignments if a not in released]
            if unknown:
                raise ValueError(f"no module {', '.join(unknown)} in release/ (there: {', '.join(released) or 'none'})")
            for assignment, link in module_links(args.hub, args.repo, args.assignments or released, args.branch):
                print(f"{assignment}\t{link}")
            return 0
        if args.command == "sync":
            from .sync import cli_sync

            return cli_sync(course, args.roster, args.timezone)
        assignments = _pick(course, args.assignments)
        if args.command == "build" and (args.jurisdiction or args.release_dir):
            from .build import build_elsewhere

            return build_elsewhere(course, assignments, args.jurisdiction or course.jurisdiction,
                                   args.release_dir, validate=args.validate)
        if args.command in ("build", "check"):
            from .build import check

            if args.command == "build":
                return check(course, assignments, regenerate=True, validate=args.validate)
            return check(course, assignments, regenerate=False)
        from .demo import run_demo

        return run_demo(course, Path(args.workdir), assignments, jurisdiction=args.jurisdiction)
    except (CourseError, PlanError, ValueError) as exc:
        print(f"curriculum {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
