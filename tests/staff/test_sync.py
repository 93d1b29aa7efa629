"""`curriculum sync`: the course plan's due dates and a roster written into a real (sqlite) nbgrader
gradebook and read back with nbgrader's Gradebook API; bad rosters change nothing."""

from __future__ import annotations

import contextlib
import io
import shutil
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from nbgrader.api import Gradebook

from curriculum.staff.cli import main
from curriculum.staff.course import COURSE_ID, Course
from curriculum.staff.plan import load_plan
from curriculum.staff.sync import RosterError, due_datetime, read_roster, sync

REPO = Path(__file__).resolve().parents[2]
ROSTER = """id,first_name,last_name,email,lms_user_id
ms-0101,Amélie,Durand,amelie.durand@students.example.edu,40101
ms-0102,Tomás,Ibáñez,tomas.ibanez@students.example.edu,40102
res-0201,Zoë,Brandt-Müller,,40201
"""


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory) -> Path:
    """An empty gradebook as nbgrader creates it (which runs alembic, slowly), copied into each test."""
    path = tmp_path_factory.mktemp("template") / "gradebook.db"
    with Gradebook(f"sqlite:///{path}", course_id=COURSE_ID):
        pass
    return path


def new_course(root: Path) -> Course:
    """A course folder with the real config and plan and an empty source/, using sqlite gradebook.db."""
    (root / "source").mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "assignments", root / "assignments")
    return Course(root)


@pytest.fixture
def course(tmp_path, monkeypatch, empty_gradebook):
    monkeypatch.delenv("CURRICULUM_DB_URL", raising=False)
    course = new_course(tmp_path / "course")
    shutil.copy(empty_gradebook, course.root / "gradebook.db")
    return course


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def gradebook(course: Course) -> Gradebook:
    return Gradebook(f"sqlite:///{course.root / 'gradebook.db'}", course_id=COURSE_ID)


def snapshot(course: Course) -> tuple[dict, dict]:
    with gradebook(course) as gb:
        return ({a.name: a.duedate for a in gb.assignments},
                {s.id: (s.first_name, s.last_name, s.email, s.lms_user_id) for s in gb.students})


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_plan_and_roster_are_written_and_read_back(course, tmp_path):
    roster = write(tmp_path / "roster.csv", ROSTER)
    result = sync(course, roster, "Europe/Berlin")
    plan = load_plan(course.root)
    assert result.assignments_added == [a.id for a in plan.assignments] and len(plan.assignments) == 7
    assert result.students_added == ["ms-0101", "ms-0102", "res-0201"]
    with gradebook(course) as gb:
        # 23:59 on Sunday 17 January 2027 in Berlin (CET, UTC+1), stored as naive UTC
        assert gb.find_assignment("01-patient-privacy").duedate == datetime(2027, 1, 17, 22, 59)
        assert {a.name: a.duedate for a in gb.assignments} == {
            a.id: datetime.combine(plan.due(a), datetime.min.time()).replace(hour=22, minute=59)
            for a in plan.assignments}
        amelie = gb.find_student("ms-0101")
        assert (amelie.first_name, amelie.last_name, amelie.email, amelie.lms_user_id) == (
            "Amélie", "Durand", "amelie.durand@students.example.edu", "40101")
        zoe = gb.find_student("res-0201")
        assert (zoe.last_name, zoe.email) == ("Brandt-Müller", None)


def test_due_dates_follow_the_time_zone_and_daylight_saving():
    assert due_datetime(date(2027, 1, 17), ZoneInfo("UTC")) == datetime(2027, 1, 17, 23, 59)
    assert due_datetime(date(2027, 7, 4), ZoneInfo("Europe/Berlin")) == datetime(2027, 7, 4, 21, 59)  # CEST
    assert due_datetime(date(2027, 1, 17), ZoneInfo("America/New_York")) == datetime(2027, 1, 18, 4, 59)


def test_a_second_run_changes_nothing_and_a_changed_email_is_updated(course, tmp_path):
    roster = write(tmp_path / "roster.csv", ROSTER)
    sync(course, roster)
    before = snapshot(course)
    again = sync(course, roster)
    assert again.assignments_unchanged == list(before[0]) and not again.assignments_added + again.assignments_updated
    assert again.students_unchanged == ["ms-0101", "ms-0102", "res-0201"]
    assert not again.students_added + again.students_updated
    assert snapshot(course) == before
    write(roster, ROSTER.replace("tomas.ibanez@", "t.ibanez@"))
    changed = sync(course, roster)
    assert changed.students_updated == ["ms-0102"] and changed.students_unchanged == ["ms-0101", "res-0201"]
    with gradebook(course) as gb:
        assert gb.find_student("ms-0102").email == "t.ibanez@students.example.edu"
        assert gb.find_student("ms-0102").first_name == "Tomás"


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # from nbgrader's add_submission
def test_students_missing_from_the_roster_are_kept_and_listed(course, tmp_path):
    sync(course, write(tmp_path / "roster.csv", ROSTER))
    with gradebook(course) as gb:  # a student with a submission, added by hand
        gb.add_student("guest-01")
        gb.add_submission("01-patient-privacy", "guest-01")
    shorter = write(tmp_path / "short.csv", "\n".join(ROSTER.splitlines()[:2]) + "\n")
    code, out, err = run_cli("--course", str(course.root), "sync", "--roster", str(shorter))
    assert code == 0, err
    assert "students: 1 in short.csv: 0 added, 0 updated, 1 unchanged" in out
    assert ("warning: 3 student(s) in the gradebook are not in short.csv; they were kept, as they may have "
            "submissions and grades: guest-01, ms-0102, res-0201") in err
    assert set(snapshot(course)[1]) == {"ms-0101", "ms-0102", "res-0201", "guest-01"}


def test_excel_export_with_bom_semicolons_and_crlf(course, tmp_path):
    text = "\r\n".join(["ID;First_Name;Last_Name;Email", "ms-0301;Ana;Gonçalves;ana.g@example.org",
                        'ms-0302;Łukasz;"Nowak; Jr.";lukasz@example.org', ";;;", ""])
    roster = write(tmp_path / "export.csv", "\ufeff" + text)
    students = read_roster(roster)
    assert [(s.id, s.line, s.fields["last_name"]) for s in students] == [
        ("ms-0301", 2, "Gonçalves"), ("ms-0302", 3, "Nowak; Jr.")]
    assert "lms_user_id" not in students[0].fields  # a column the file lacks is left alone
    sync(course, roster)
    with gradebook(course) as gb:
        assert gb.find_student("ms-0302").first_name == "Łukasz"


def test_the_example_roster_syncs_into_a_new_gradebook(tmp_path, monkeypatch):
    course = new_course(tmp_path / "course")  # no gradebook yet: nbgrader creates it, running alembic
    monkeypatch.delenv("CURRICULUM_DB_URL", raising=False)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # as when .venv/bin/curriculum runs outside the venv
    code, out, err = run_cli("--course", str(course.root), "sync", "--roster",
                             str(course.root / "assignments" / "roster.example.csv"))
    assert code == 0, err
    assert "students: 7 in roster.example.csv: 7 added, 0 updated, 0 unchanged" in out
    assert "01-patient-privacy               due Sun 2027-01-17 23:59 UTC" in out
    with gradebook(course) as gb:
        assert gb.find_student("ms-0104").last_name == "Kjærgaard"


BAD = [
    ("no id column", "first_name,last_name\nAna,Silva\n",
     "line 1: there is no id column (the header is 'first_name,last_name')"),
    ("unknown column", "id,e-mail\nms-1,a@example.org\n",
     "line 1: unknown column(s) 'e-mail'; the columns are id, first_name, last_name, email, lms_user_id"),
    ("empty id", "id,first_name\nms-1,Ana\n ,Ben\n", "line 3: the id is empty"),
    ("duplicate id", "id,first_name\nms-1,Ana\nms-2,Ben\nms-1,Cy\n", "line 4: id 'ms-1' is already on line 2"),
    ("ids clash on case", "id\nMS-1\nms-1\n",
     "line 3: id 'ms-1' differs from 'MS-1' on line 2 only in upper/lower case"),
    ("id with a space", "id\nana silva\n",
     "line 2: id 'ana silva' can only hold letters A-Z and a-z, digits, '-', '_'"),
    ("id with a slash", "id\n../ms-1\n", "line 2: id '../ms-1' can only hold letters"),
    ("id with an accent", "id\nzoë\n", "line 2: id 'zoë' can only hold letters A-Z"),
    ("id starting with a dash", "id\n-cmd\n", "line 2: id '-cmd' can only hold letters"),
    ("name with markup", 'id,first_name\nms-1,"<img src=x onerror=alert(1)>"\n',
     "line 2: first_name '<img src=x onerror=alert(1)>' holds '<', '>' or a control character, which formgrader "
     "would show as markup: write the name as plain text"),
    ("bad email", "id,email\nms-1,ana.example.org\n", "line 2: email 'ana.example.org' is not an e-mail address"),
    ("too many values", "id,first_name\nms-1,Ana,Silva\n", "line 2: 3 values but the header names 2 columns"),
    ("empty file", "\n", "is empty; its first line must name the columns"),
    ("header only", "id,email\n", "has a header but no students"),
]


@pytest.mark.parametrize("case, text, message", BAD, ids=[b[0] for b in BAD])
def test_a_bad_roster_is_refused_whole_and_writes_nothing(course, tmp_path, case, text, message):
    sync(course, write(tmp_path / "good.csv", ROSTER))
    before = snapshot(course)
    # new students on good lines and another time zone: none of it may reach the gradebook
    bad = write(tmp_path / "bad.csv", text)
    with pytest.raises(RosterError) as caught:
        sync(course, bad, "Asia/Tokyo")
    assert str(caught.value).startswith(str(bad)) and message in str(caught.value)
    assert snapshot(course) == before
    code, out, err = run_cli("--course", str(course.root), "sync", "--roster", str(bad), "--timezone", "Asia/Tokyo")
    assert code == 1 and out == "" and message in err and "Traceback" not in err
    assert snapshot(course) == before


def test_every_problem_of_a_roster_is_listed_at_once(tmp_path):
    bad = write(tmp_path / "bad.csv", "id,email\nms-1,x\n,a@example.org\nms-1,b@example.org\n")
    with pytest.raises(RosterError) as caught:
        read_roster(bad)
    assert str(caught.value).splitlines() == [
        f"{bad}: 3 problem(s); nothing was written to the gradebook. Fix the file and run again:",
        "  line 2: email 'x' is not an e-mail address",
        "  line 3: the id is empty",
        "  line 4: id 'ms-1' is already on line 2",
    ]


def test_a_roster_that_is_not_utf8_names_the_line(tmp_path):
    bad = write(tmp_path / "latin1.csv", "id,first_name\nms-1,Ana\nms-2,Amélie\n", "latin-1")
    with pytest.raises(RosterError, match=r"latin1.csv: line 3: not UTF-8 text; save the roster as \"CSV UTF-8\""):
        read_roster(bad)


def test_cli_exit_codes(course, tmp_path):
    root = str(course.root)
    roster = str(write(tmp_path / "roster.csv", ROSTER))
    code, out, err = run_cli("--course", root, "sync", "--roster", roster)
    assert code == 0, err
    assert "assignments: 7 in the course plan: 7 added, 0 updated, 0 unchanged" in out
    assert "students: 3 in roster.csv: 3 added, 0 updated, 0 unchanged" in out
    code, out, err = run_cli("--course", root, "sync")
    assert code == 0 and "7 unchanged" in out and "students: no --roster given, none changed" in out
    assert run_cli("--course", root, "sync", "--roster", str(tmp_path / "missing.csv"))[0] == 2
    code, _, err = run_cli("--course", root, "sync", "--timezone", "Europe/Berlim")
    assert code == 2 and "unknown time zone 'Europe/Berlim'" in err
    assert run_cli("--course", root, "sync", "--rooster", roster)[0] == 2
    (course.root / "assignments" / "course.yaml").unlink()
    code, _, err = run_cli("--course", root, "sync", "--roster", roster)
    assert code == 1 and "course.yaml is missing" in err


def test_sync_on_postgres(course, postgres_url, tmp_path):
    """The same on the PostgreSQL server (tests/pgserver.py): due dates come back as stored, a second
    run finds everything unchanged, and the course's sqlite gradebook is not touched."""
    roster = str(write(tmp_path / "roster.csv", ROSTER))
    args = ["--course", str(course.root), "--db", postgres_url, "sync", "--roster", roster,
            "--timezone", "Europe/Berlin"]
    code, out, err = run_cli(*args)
    assert code == 0, err
    assert "students: 3 in roster.csv: 3 added" in out and "(2027-01-17 22:59 UTC)" in out
    with Gradebook(postgres_url, course_id=COURSE_ID) as gb:
        assert gb.find_assignment("07-capstone").duedate == datetime(2027, 2, 28, 22, 59)
        assert gb.find_student("ms-0102").last_name == "Ibáñez"
    code, out, err = run_cli(*args)
    assert code == 0 and "0 added, 0 updated, 7 unchanged" in out and "0 added, 0 updated, 3 unchanged" in out
    assert snapshot(course) == ({}, {})
