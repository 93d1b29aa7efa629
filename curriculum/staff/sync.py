"""Write the course plan and a student roster into the gradebook (``curriculum sync``).

- Every assignment of the course plan (``assignments/``) is written with its due date: 23:59 on the
  plan's due day (:meth:`curriculum.plan.CoursePlan.due`) in the time zone given (UTC unless told),
  stored as nbgrader stores every time: naive UTC.
- A roster CSV (columns ``id,first_name,last_name,email,lms_user_id``; only ``id`` is required) adds
  or updates students. The whole file is checked before anything is written: a bad roster changes
  nothing and every problem is listed with its line. An empty cell clears that field (as
  ``nbgrader db student import`` does); a column the file does not have leaves that field alone.
- Nothing is ever deleted: students (and assignments) in the gradebook that the roster (or the
  plan) lacks are listed as a warning, because they may have submissions and grades.

UTF-8 files with or without a byte-order mark (Excel's "CSV UTF-8") are read, and so are files
separated by semicolons or tabs (Excel in many European locales) instead of commas.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .course import COURSE_ID, STUDENT_ID, STUDENT_ID_RULE, Course, CourseError
from ..nbhelpers import shown_url
from .plan import load_plan
from ..errors import RosterError

__all__ = [
    "DUE_TIME",
    "ROSTER_COLUMNS",
    "RosterError",
    "RosterStudent",
    "SyncResult",
    "cli_sync",
    "due_datetime",
    "read_roster",
    "sync",
    "time_zone",
]

#: Columns of a roster file; ``id`` is required, the others are optional.
ROSTER_COLUMNS = ("id", "first_name", "last_name", "email", "lms_user_id")
#: The time of day an assignment is due, on its due day, in the course's time zone.
DUE_TIME = time(23, 59)
#: nbgrader's Student columns hold at most 128 characters.
MAX_LENGTH = 128
#: Characters a name may not hold: formgrader puts names into its pages as they are.
_MARKUP = re.compile(r"[<>\x00-\x1f\x7f]")
_EMAIL = re.compile(r"[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\".]{2,}")


@dataclass(frozen=True)
class RosterStudent:
    """One student of a roster: ``fields`` holds the roster's other columns (``None`` for an empty cell)."""

    id: str
    line: int
    fields: dict[str, str | None]


@dataclass
class SyncResult:
    """What a sync did; every list holds assignment or student ids."""

    assignments_added: list[str] = field(default_factory=list)
    assignments_updated: list[str] = field(default_factory=list)
    assignments_unchanged: list[str] = field(default_factory=list)
    assignments_not_in_plan: list[str] = field(default_factory=list)
    due: dict[str, datetime] = field(default_factory=dict)  # assignment -> due date as stored (naive UTC)
    students_added: list[str] = field(default_factory=list)
    students_updated: list[str] = field(default_factory=list)
    students_unchanged: list[str] = field(default_factory=list)
    students_not_in_roster: list[str] = field(default_factory=list)


def time_zone(name: str) -> ZoneInfo:
    """The time zone of an IANA name such as ``Europe/Berlin`` or ``UTC``; ValueError if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}: give an IANA name such as UTC, Europe/Berlin or "
                         "America/New_York") from None


def due_datetime(day: date, zone: ZoneInfo) -> datetime:
    """23:59 of ``day`` in ``zone``, as nbgrader stores a due date: a naive datetime in UTC."""
    return datetime.combine(day, DUE_TIME, tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)


# -- the roster --------------------------------------------------------------------------------
def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_roster(path: str | Path) -> list[RosterStudent]:
    """Read and check a roster CSV; raise :class:`RosterError` listing every problem."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise RosterError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise RosterError(f"{path}: is a folder, not a CSV file") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise RosterError(f"{path}: line {line}: not UTF-8 text; save the roster as \"CSV UTF-8\" (in Excel: "
                          "File > Save As > CSV UTF-8)") from None
    except OSError as exc:
        raise RosterError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise RosterError(f"{path}: is empty; its first line must name the columns, e.g. {','.join(ROSTER_COLUMNS)}")
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(lines[0]))
    try:
        return _read_rows(path, rows, lines[0])
    except csv.Error as exc:
        raise RosterError(f"{path}: line {rows.line_num}: not readable as CSV ({exc})") from None


def _read_rows(path: Path, rows, first_line: str) -> list[RosterStudent]:
    header = [h.strip().lower() for h in next(rows)]
    problems = []
    unknown = [h for h in header if h not in ROSTER_COLUMNS]
    if unknown:
        problems.append(f"line 1: unknown column(s) {', '.join(repr(h) for h in unknown)}; the columns are "
                        f"{', '.join(ROSTER_COLUMNS)} (only id is required)")
    repeated = sorted({h for h in header if header.count(h) > 1 and h})
    if repeated:
        problems.append(f"line 1: column(s) {', '.join(map(repr, repeated))} appear more than once")
    if "id" not in header:
        problems.append(f"line 1: there is no id column (the header is {first_line!r}); the first line must name "
                        f"the columns, e.g. {','.join(ROSTER_COLUMNS)}")
    if problems:
        raise RosterError(_roster_message(path, problems))
    students: list[RosterStudent] = []
    seen: dict[str, int] = {}
    folded: dict[str, tuple[str, int]] = {}
    end = rows.line_num
    for row in rows:
        line, end = end + 1, rows.line_num  # the line the record starts on (a quoted value may span lines)
        where = f"line {line}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            problems.append(f"{where}: {len(row)} values but the header names {len(header)} columns "
                            "(a value with a comma in it must be in double quotes)")
            continue
        values = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
        student_id = values.pop("id")
        bad = []
        if not student_id:
            bad.append("the id is empty")
        elif len(student_id) > MAX_LENGTH:
            bad.append(f"id {student_id[:20]!r}... is longer than {MAX_LENGTH} characters")
        elif not STUDENT_ID.fullmatch(student_id):
            bad.append(f"id {student_id!r} {STUDENT_ID_RULE}")
        elif student_id in seen:
            bad.append(f"id {student_id!r} is already on line {seen[student_id]}")
        elif student_id.lower() in folded:
            other, other_line = folded[student_id.lower()]
            bad.append(f"id {student_id!r} differs from {other!r} on line {other_line} only in upper/lower case; "
                       "their folders would clash on Windows and macOS")
        else:
            seen[student_id] = line
            folded[student_id.lower()] = (student_id, line)
        email = values.get("email")
        if email and not _EMAIL.fullmatch(email):
            bad.append(f"email {email!r} is not an e-mail address")
        for name, value in values.items():
            if len(value) > MAX_LENGTH:
                bad.append(f"{name} is longer than {MAX_LENGTH} characters")
            elif _MARKUP.search(value):
                bad.append(f"{name} {value[:40]!r} holds '<', '>' or a control character, which formgrader would "
                           "show as markup: write the name as plain text")
        if bad:
            problems += [f"{where}: {b}" for b in bad]
            continue
        students.append(RosterStudent(student_id, line, {k: v or None for k, v in values.items()}))
    if problems:
        raise RosterError(_roster_message(path, problems))
    if not students:
        raise RosterError(f"{path}: has a header but no students")
    return students


def _roster_message(path: Path, problems: list[str]) -> str:
    return (f"{path}: {len(problems)} problem(s); nothing was written to the gradebook. Fix the file and run "
            "again:\n" + "\n".join(f"  {p}" for p in problems))


# -- the gradebook -------------------------------------------------------------------------------
def sync(course: Course, roster: str | Path | None = None, zone: str | ZoneInfo = "UTC") -> SyncResult:
    """Write the plan's assignments (with due dates) and the roster's students into the gradebook."""
    from nbgrader.api import MissingEntry
    from sqlalchemy.exc import SQLAlchemyError

    zone = time_zone(zone) if isinstance(zone, str) else zone
    plan = load_plan(course.root)
    students = read_roster(roster) if roster is not None else None  # check everything before writing
    result = SyncResult()
    try:
        with course.gradebook() as gb:  # (which puts alembic on the PATH)
            for a in plan.assignments:
                due = due_datetime(plan.due(a), zone)
                result.due[a.id] = due
                try:
                    existing = gb.find_assignment(a.id)
                except MissingEntry:
                    result.assignments_added.append(a.id)
                else:
                    if existing.duedate == due:
                        result.assignments_unchanged.append(a.id)
                        continue
                    result.assignments_updated.append(a.id)
                gb.update_or_create_assignment(a.id, duedate=due)
            planned = {a.id for a in plan.assignments}
            result.assignments_not_in_plan = sorted(x.name for x in gb.assignments if x.name not in planned)
            if students is None:
                return result
            for student in students:
                try:
                    existing = gb.find_student(student.id)
                except MissingEntry:
                    result.students_added.append(student.id)
                else:
                    if all(getattr(existing, k) == v for k, v in student.fields.items()):
                        result.students_unchanged.append(student.id)
                        continue
                    result.students_updated.append(student.id)
                gb.update_or_create_student(student.id, **student.fields)
            listed = {s.id for s in students}
            result.students_not_in_roster = sorted(s.id for s in gb.students if s.id not in listed)
    except SQLAlchemyError as exc:
        raise CourseError(f"the gradebook {shown_url(course.db_url())} could not be written "
                          f"({exc.__class__.__name__}: {str(exc).splitlines()[0]})") from None
    return result


def _ids(ids: list[str], limit: int = 12) -> str:
    return ", ".join(ids[:limit]) + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def cli_sync(course: Course, roster: str | None, zone_name: str) -> int:
    """``curriculum sync``: print what was written; exit code 0, 1 (bad roster or plan) or 2 (bad usage)."""
    try:
        zone = time_zone(zone_name)
    except ValueError as exc:
        print(f"curriculum sync: --timezone: {exc}", file=sys.stderr)
        return 2
    if roster is not None and not Path(roster).is_file():
        print(f"curriculum sync: --roster: no such file {roster!r}", file=sys.stderr)
        return 2
    try:
        result = sync(course, roster, zone)
    except RosterError as exc:
        print(f"curriculum sync: roster {exc}", file=sys.stderr)
        return 1
    print(f"gradebook: {shown_url(course.db_url())} (course {COURSE_ID})")
    total = len(result.due)
    print(f"assignments: {total} in the course plan: {len(result.assignments_added)} added, "
          f"{len(result.assignments_updated)} updated, {len(result.assignments_unchanged)} unchanged")
    for assignment, due in result.due.items():
        local = due.replace(tzinfo=timezone.utc).astimezone(zone)
        print(f"  {assignment:<32} due {local:%a %Y-%m-%d %H:%M} {zone.key}"
              + ("" if zone.key == "UTC" else f" ({due:%Y-%m-%d %H:%M} UTC)"))
    if result.assignments_not_in_plan:
        print(f"warning: {len(result.assignments_not_in_plan)} assignment(s) in the gradebook are not in the course "
              f"plan (left as they are): {_ids(result.assignments_not_in_plan)}", file=sys.stderr)
    if roster is None:
        print("students: no --roster given, none changed")
        return 0
    count = len(result.students_added) + len(result.students_updated) + len(result.students_unchanged)
    print(f"students: {count} in {Path(roster).name}: {len(result.students_added)} added, "
          f"{len(result.students_updated)} updated, {len(result.students_unchanged)} unchanged")
    if result.students_not_in_roster:
        print(f"warning: {len(result.students_not_in_roster)} student(s) in the gradebook are not in "
              f"{Path(roster).name}; they were kept, as they may have submissions and grades: "
              f"{_ids(result.students_not_in_roster)}", file=sys.stderr)
    return 0
