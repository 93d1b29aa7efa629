"""The course on disk: its assignments, nbgrader runs, release checks and gradebook scores."""

from __future__ import annotations

import filecmp
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..keys import read_keys, widget_items
from ..variants import COURSE_ID, STUDENT_ID, STUDENT_ID_RULE
from ..errors import CourseError

__all__ = [
    "COURSE_ID",
    "STUDENT_ID",
    "STUDENT_ID_RULE",
    "Course",
    "CourseError",
    "NotebookScore",
    "Problem",
    "ReleaseProblem",
]

#: A database connection error in nbgrader's log; group 1 is the driver's message.
DB_PROBLEM = re.compile(r"sqlalchemy\.exc\.(?:OperationalError|ArgumentError|NoSuchModuleError): "
                        r"(?:\([\w.]+\) )?(.*?)(?:\(Background on this error|\n\s*\n|\Z)", re.S)
#: What no released notebook or feedback file may contain, besides nbgrader's solution and hidden-test
#: markers (:meth:`Course.leak_markers` adds those as the course's config sets them).
GRADING_MARKERS = ("curriculum.grading", "Grader(")



@dataclass(frozen=True)
class Problem:
    """Something wrong, and where: a file of a release or of the feedback, or a graded item. ``str()``
    is ``"where: what"``, the line the commands print."""

    where: str
    problem: str

    @property
    def path(self) -> str:
        """Where, when it is a file (a release or feedback problem)."""
        return self.where

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


#: A problem with a file of a release or of the feedback (``path``).
ReleaseProblem = Problem


@dataclass(frozen=True)
class NotebookScore:
    student: str
    assignment: str
    notebook: str
    auto_score: float
    auto_max: float
    manual_pending: int
    items: dict[str, float]


class Course:
    """A course folder: ``nbgrader_config.py``, ``source/<assignment>/<assignment>.ipynb``, ``release/``."""

    def __init__(self, root: str | os.PathLike[str] = "."):
        self.root = Path(root).resolve()
        if not (self.root / "nbgrader_config.py").is_file():
            raise CourseError(
                f"{self.root} is not a course folder: it has no nbgrader_config.py. "
                "Run the command from the course's top folder or pass --course PATH."
            )
        if not (self.root / "source").is_dir():
            raise CourseError(f"{self.root} has no source/ folder with assignments.")

    # -- layout ---------------------------------------------------------------------------
    def assignments(self) -> list[str]:
        return sorted(p.name for p in (self.root / "source").iterdir()
                      if p.is_dir() and not p.name.startswith("."))

    def authored_notebook(self, assignment: str) -> Path:
        """The notebook instructors edit, ``source/<a>/<a>.ipynb``, with every jurisdiction's cells."""
        path = self.root / "source" / assignment / f"{assignment}.ipynb"
        if not path.is_file():
            known = ", ".join(self.assignments()) or "none"
            raise CourseError(f"no source notebook {path.relative_to(self.root)} (assignments: {known})")
        return path

    @property
    def jurisdiction(self) -> str:
        """What this course builds and grades (:func:`curriculum.jurisdiction.course_jurisdiction`)."""
        from ..jurisdiction import course_jurisdiction

        try:
            return course_jurisdiction(self.root)
        except ValueError as exc:
            raise CourseError(f"assignments/course.yaml: {exc}") from None

    def source_notebook(self, assignment: str, jurisdiction: str | None = None) -> Path:
        """The instructor version nbgrader and every course tool read: the course's jurisdiction's view
        of the authored notebook (``.curriculum/source-<j>/``, rewritten when the source changes)."""
        from ..jurisdiction import prepared_source

        self.authored_notebook(assignment)
        try:
            folder = prepared_source(self.root, jurisdiction or self.jurisdiction)
        except ValueError as exc:
            raise CourseError(f"source/{assignment}: {exc}") from None
        return self.root / folder / assignment / f"{assignment}.ipynb"

    def db_url(self) -> str:
        """The gradebook's database URL: ``CURRICULUM_DB_URL`` (as in nbgrader_config.py) or sqlite here."""
        return os.environ.get("CURRICULUM_DB_URL") or f"sqlite:///{self.root / 'gradebook.db'}"

    def gradebook(self):
        """nbgrader's Gradebook on this course's database; use it as a context manager."""
        from nbgrader.api import Gradebook
        from sqlalchemy.exc import ArgumentError, OperationalError

        from ..nbhelpers import put_tools_on_path, quiet_known_warnings

        quiet_known_warnings()
        put_tools_on_path()  # nbgrader runs `alembic` to make a new gradebook
        try:
            return Gradebook(self.db_url(), course_id=COURSE_ID)
        except (OperationalError, ArgumentError) as exc:  # server down, no such database, bad URL
            detail = str(getattr(exc, "orig", None) or exc)
            raise self._db_error(detail) from None

    def _db_error(self, detail: str) -> CourseError:
        """The gradebook database could not be used: say which one (never its password) and what to check."""
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        from ..nbhelpers import shown_url

        url, detail = self.db_url(), " ".join(detail.split())
        try:
            parsed = make_url(url)
        except ArgumentError:
            return CourseError(f"the gradebook URL {url!r} is not a database URL ({detail}); give one like "
                               "postgresql://user@host/database with --db or CURRICULUM_DB_URL")
        if parsed.get_backend_name() == "sqlite":
            where = f"the sqlite file {parsed.database}"
            fix = "check that its folder exists and is writable"
        else:
            host = parsed.host or "localhost"
            where = f"database {parsed.database!r} on host {host}" + (f" port {parsed.port}" if parsed.port else "")
            fix = ("check that the database server is running and reachable from here, that the database exists "
                   f"(create it with `createdb -h {host} {parsed.database}`) and that the user may connect")
        return CourseError(f"the gradebook database {shown_url(url)} ({where}) could "
                           f"not be used: {detail}\nTo fix it: {fix}; or correct the URL given with --db or "
                           "CURRICULUM_DB_URL (PostgreSQL URLs start with postgresql://).")

    # -- nbgrader -------------------------------------------------------------------------
    def nbgrader(self, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
        """Run an nbgrader command in the course folder; raise CourseError with its log if it fails."""
        from ..nbhelpers import tools_env

        cmd = [sys.executable, "-m", "nbgrader", *args]
        proc = subprocess.run(cmd, cwd=self.root, env=tools_env(), capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            db_problem = DB_PROBLEM.search(proc.stdout + proc.stderr)
            if db_problem:  # nbgrader's own advice (`nbgrader db upgrade`) would mislead: name the database
                raise self._db_error(db_problem.group(1))
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-25:])
            raise CourseError(f"`nbgrader {' '.join(args)}` failed (exit {proc.returncode}):\n{tail}")
        return proc

    def generate(self, assignment: str, release_dir: str | None = None) -> Path:
        """Regenerate the student version of one assignment (into release/ unless told otherwise)."""
        self.source_notebook(assignment)
        args = ["generate_assignment", assignment, "--force"]
        if release_dir:
            args.append(f"--CourseDirectory.release_directory={release_dir}")
        self.nbgrader(*args)
        return self.root / (release_dir or "release") / assignment

    def autograde(self, assignment: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return self.nbgrader("autograde", assignment, "--force", *extra)

    def scores(self, assignment: str) -> list[NotebookScore]:
        """Scores of every graded submission of an assignment, read from the gradebook."""
        from nbgrader.api import MissingEntry

        out = []
        with self.gradebook() as gb:
            try:
                gb.find_assignment(assignment)
            except MissingEntry:
                raise CourseError(f"assignment {assignment!r} is not in the gradebook; generate it first") from None
            for sub in gb.assignment_submissions(assignment):
                for nb in sub.notebooks:
                    items, auto, auto_max, pending = {}, 0.0, 0.0, 0
                    for grade in nb.grades:
                        if grade.cell_type == "code" and grade.auto_score is not None:
                            items[grade.name] = float(grade.auto_score)
                            auto += float(grade.auto_score)
                            auto_max += float(grade.max_score)
                        elif grade.needs_manual_grade or grade.auto_score is None:
                            pending += 1
                    out.append(NotebookScore(sub.student.id, assignment, nb.name, round(auto, 2),
                                             round(auto_max, 2), pending, items))
        return sorted(out, key=lambda s: s.student)

    # -- checks -----------------------------------------------------------------------------
    def check_source(self, assignment: str) -> list[str]:
        """Problems in a source notebook: its text (as authored), and in each jurisdiction's view its graded
        items (keys, points, widget/test pairing) and the cases it shows or grades on."""
        import nbformat

        from ..cases import CaseBank, real_brand
        from ..jurisdiction import JURISDICTIONS, marked
        from .lessontext import lesson_text_problems

        authored = self.authored_notebook(assignment)
        problems = [f"{authored.name}: {p}" for p in lesson_text_problems(authored)]
        brand = real_brand(authored.read_text(encoding="utf-8"))
        if brand:
            problems.append(f"{authored.name}: names the real brand {brand!r}; use an invented one")
        try:
            nb = nbformat.read(authored, as_version=4)
            split = any(marked(c) is not None for c in nb.cells)
        except ValueError as exc:
            return problems + [f"{authored.name}: {exc}"]
        views = JURISDICTIONS if split else JURISDICTIONS[:1]
        bank = CaseBank.load(use_env=False)
        keys_by_view = {}
        for jurisdiction in views:
            prefix = f"{jurisdiction} version: " if split else ""
            path = self.source_notebook(assignment, jurisdiction)
            keys = keys_by_view[jurisdiction] = read_keys(path)
            widgets = widget_items(path)
            seen = set()
            for key in keys:
                if key.item in seen:
                    problems.append(f"{prefix}{key.item}: graded by more than one hidden test")
                seen.add(key.item)
                if abs(key.points - key.cell_points) > 1e-9:
                    problems.append(f"{prefix}{key.item}: points={key.points:g} in the Grader call but the cell is "
                                    f"worth {key.cell_points:g}")
                if key.item not in widgets:
                    problems.append(f"{prefix}{key.item}: hidden test grades an item that no widget cell shows")
            problems += [prefix + p for p in self._check_variants(path, keys)]
            if split:
                problems += [prefix + p for p in self._check_cases_fit(bank, path, jurisdiction)]
        first = {k.item: k.points for k in keys_by_view[views[0]]}
        for jurisdiction in views[1:]:
            other = {k.item: k.points for k in keys_by_view[jurisdiction]}
            if other != first:
                problems.append(f"{jurisdiction} version: graded items {sorted(other.items())} differ from the "
                                f"{views[0]} version's {sorted(first.items())}; every version needs the same "
                                "items with the same points")
        problems += self._check_case_keys(bank, assignment, [k for keys in keys_by_view.values() for k in keys])
        for stray in sorted(self.root.glob(f"source/{assignment}/*.answers.json")):
            problems.append(f"{stray.relative_to(self.root)}: an answer file in source/ would ship to students; delete it")
        return problems

    @staticmethod
    def _check_variants(path: Path, keys) -> list[str]:
        """Every student's variant of an item must be the same in the widget and in its key: when the
        module varies, a choice item's key names every option the widget shows; a pool (declared, so
        checked whatever the plan says) starts with a case the item lists and has a key for each member."""
        from ..keys import notebook_settings, widget_arguments
        from ..variants import key_options, listed

        problems = []
        widgets = widget_arguments(path)
        varies = notebook_settings(path).on
        for key in keys:
            method, arguments = widgets.get(key.item, (None, {}))
            if varies and method in ("single_choice", "multiple_choice"):
                shown, known = sorted(arguments["options"]), key_options(key.args)
                if shown != known:
                    problems.append(f"{key.item}: the key knows the options {known} but the widget shows {shown}; "
                                    f"give the Grader call options={shown} (variants letter the options)")
            if key.pools:
                if key.kind not in ("triage", "ranking", "identifiers"):
                    problems.append(f"{key.item}: pools= works for triage, ranking and spot-the-identifiers items")
                    continue
                try:
                    from ..variants import Settings

                    Settings("cases", "check", {key.item: key.args["pools"]})
                except ValueError as exc:
                    problems.append(str(exc))
                    continue
                if key.kind == "triage":
                    shown_posts = list(arguments.get("posts") or ())
                    keyed = listed(key.pools, list(key.args.get("key") or {}))
                elif key.kind == "ranking":
                    shown_posts, keyed = list(arguments.get("items") or ()), list(key.args.get("order") or ())
                else:
                    shown_posts, keyed = [arguments.get("case")], [key.args.get("case")]
                for pool in key.pools:
                    if pool[0] not in shown_posts or pool[0] not in keyed:
                        problems.append(f"{key.item}: pool {pool} must start with a case the item lists "
                                        f"({', '.join(map(str, shown_posts))})")
                if key.kind == "identifiers":
                    given = key.args.get("identifiers")
                    if key.args.get("spans") or key.args.get("text") is not None or not isinstance(given, dict) \
                            or sorted(given) != sorted(m for pool in key.pools for m in pool):
                        problems.append(f"{key.item}: a pooled spot-the-identifiers key gives case= and "
                                        "identifiers={case: [phrases]} for every pool member (no text= or spans=)")
                if key.kind == "triage":
                    missing = [m for pool in key.pools for m in pool if m not in (key.args.get("key") or {})]
                    if missing:
                        problems.append(f"{key.item}: key= has no entry for pool member(s) {', '.join(missing)}")
        return problems

    @staticmethod
    def _check_cases_fit(bank, path: Path, jurisdiction: str) -> list[str]:
        """A view shows and grades only cases that fit its jurisdiction (its own, or ``any``)."""
        problems = []
        text = path.read_text(encoding="utf-8")
        for case_id in sorted(set(re.findall(r"\b[A-Z]{2,6}-\d{3}\b", text))):
            case = bank.cases.get(case_id) or bank.assessment.get(case_id)
            if case is not None and case.jurisdiction.value not in ("any", jurisdiction):
                problems.append(f"shows case {case_id}, which is for {case.jurisdiction.value}; mark its cell "
                                f"for that jurisdiction or use a case for {jurisdiction}")
        return problems

    @staticmethod
    def _check_case_keys(bank, assignment: str, keys) -> list[str]:
        """Graded items must draw on assessment cases (text only), never on annotated teaching cases
        whose identifiers and verdicts ship in the package; each assessment case names its item."""
        problems, used = [], {}
        reported = set()
        for key in keys:
            refs = [key.args["case"]] if key.args.get("case") else []
            refs += [member for pool in key.pools for member in pool if member not in refs]
            if key.kind == "triage":
                refs += [p for p in key.args.get("key", {}) if p in bank.origin]
            if key.kind == "ranking":
                refs += [p for p in key.args.get("order", ()) if p in bank.origin]
            found = []
            for ref in refs:
                used[ref] = key.item
                if ref in bank.cases:
                    found.append(f"{key.item}: graded on teaching case {ref}, whose annotations ship to "
                                 "students; use an assessment case (ASMT-...) instead")
                elif ref not in bank.assessment:
                    found.append(f"{key.item}: no case {ref!r} in the case bank")
                elif bank.assessment[ref].used_by != f"{assignment}/{key.item}":
                    found.append(f"{key.item}: case {ref} says it is used by {bank.assessment[ref].used_by}")
            if key.kind == "identifiers":
                for member in key.members():  # each pool member's post, with its own identifiers
                    try:
                        if not member.spans():
                            found.append(f"{key.item}: the key marks no identifier in {member.args.get('case')}")
                    except (ValueError, KeyError, TypeError) as exc:
                        found.append(f"{key.item}: {exc}")
            for problem in found:  # a shared item is read once per jurisdiction: report it once
                if problem not in reported:
                    reported.add(problem)
                    problems.append(problem)
        for case in bank.assessment.values():
            if case.used_by.startswith(f"{assignment}/") and case.id not in used:
                problems.append(f"assessment case {case.id} names {case.used_by}, but no hidden test there uses it")
        return problems

    def markers(self) -> tuple[tuple[str, str], tuple[str, str]]:
        """nbgrader's (solution, hidden-test) markers as this course's nbgrader_config.py sets them."""
        if not hasattr(self, "_markers"):
            from ..nbhelpers import hidden_test_markers, load_course_config, solution_markers

            try:
                config = load_course_config(self.root)
            except Exception:  # no or a broken config: nbgrader's defaults (build reports the config itself)
                config = None
            self._markers = (solution_markers(config), hidden_test_markers(config))
        return self._markers

    def leak_markers(self) -> tuple[str, ...]:
        """Text that reveals the key wherever a student can read it."""
        solution, tests = self.markers()
        return (*solution, *tests, *GRADING_MARKERS)

    def check_release(self, assignment: str, release_dir: Path | None = None) -> list[ReleaseProblem]:
        """Everything in a release folder that would reveal an answer or break grading."""
        release = release_dir or self.root / "release" / assignment
        problems: list[ReleaseProblem] = []
        if not release.is_dir():
            return [ReleaseProblem(str(release), "missing: run `curriculum release`")]
        begin_tests = self.markers()[1][0]
        secrets = [e for key in read_keys(self.source_notebook(assignment), begin_tests)
                   for e in key.explanations if len(e) >= 20]
        for path in sorted(p for p in release.rglob("*") if p.is_file()):
            rel = str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)
            if path.name.endswith(".answers.json") or ".answers.json." in path.name:
                problems.append(ReleaseProblem(rel, "an answer file must not be released"))
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for marker in self.leak_markers():
                if marker in text:
                    problems.append(ReleaseProblem(rel, f"contains {marker!r}"))
            for secret in secrets:
                if secret in text:
                    problems.append(ReleaseProblem(rel, f"contains the graded explanation {secret[:40]!r}..."))
            if path.suffix == ".ipynb":
                nb = json.loads(text)
                if any(c.get("outputs") for c in nb.get("cells", [])):
                    problems.append(ReleaseProblem(rel, "has cell outputs"))
        return problems

    def release_is_current(self, assignment: str, scratch: Path) -> list[str]:
        """Regenerate into ``scratch`` and list files that differ from the committed release/."""
        rel = os.path.relpath(scratch, self.root)
        fresh = self.generate(assignment, release_dir=rel)
        diffs = self.release_differences(assignment, fresh)
        shutil.rmtree(scratch, ignore_errors=True)
        return diffs

    def release_differences(self, assignment: str, fresh: Path) -> list[str]:
        """Files of a freshly generated student version (``fresh``) that differ from the committed release/."""
        committed = self.root / "release" / assignment
        if not committed.is_dir():
            return [f"release/{assignment} does not exist"]
        diffs = []
        cmp = filecmp.dircmp(committed, fresh)
        stack = [(cmp, Path(assignment))]
        while stack:
            c, prefix = stack.pop()
            diffs += [f"only in committed release: {prefix / n}" for n in c.left_only]
            diffs += [f"missing from committed release: {prefix / n}" for n in c.right_only]
            for name in c.common_files:
                if (Path(c.left) / name).read_bytes() != (Path(c.right) / name).read_bytes():
                    diffs.append(f"differs: {prefix / name}")
            stack += [(sub, prefix / n) for n, sub in c.subdirs.items()]
        return diffs
