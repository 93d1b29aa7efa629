"""The gradebook on a real PostgreSQL server (started for the session by tests/pgserver.py).

The toy course's round trip with CURRICULUM_DB_URL pointing at PostgreSQL: generate, simulated students,
autograde, scores read back with Course.scores(), and nothing written to a sqlite gradebook. Then several
`nbgrader autograde --student S` processes writing to one database at once, and bad database URLs, which
must give a message naming the server and database, not a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import sqlalchemy as sa
from pgserver import free_port
from toycourse import NAME, POINTS, make_course

from curriculum.staff.cli import main
from curriculum.staff.course import Course, CourseError
from curriculum.keys import read_keys
from curriculum.staff.simulate import (PROFILES, SimulatedStudent, expected_points, simulate_submission,
                                 submitted_answers)

FULL = sum(POINTS.values())
#: each simulated profile's score on the toy notebook (worked out in tests/staff/test_roundtrip.py)
EXPECTED = {"complete": FULL, "partial": 6.71, "blank": 0, "no-answer-file": FULL}


def rows(url: str, query: str) -> list[tuple]:
    """Read the database directly, apart from nbgrader and Course."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(query))]
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def cohort(postgres_server, tmp_path_factory):
    """The toy course generated on a PostgreSQL gradebook and one submission per simulated profile;
    also the name of a copy of the database as it was right after generate (not yet graded)."""
    # the plain form staff type (README); SQLAlchemy picks psycopg2 for it
    url = postgres_server.create_database("roundtrip").replace("postgresql+psycopg2://", "postgresql://")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CURRICULUM_DB_URL", url)
        course = Course(make_course(tmp_path_factory.mktemp("pg-course")))
        release = course.generate(NAME)
    generated = postgres_server.create_database("generated", copy_of=url)
    keys = read_keys(course.source_notebook(NAME))
    expected = {}
    for profile in PROFILES:
        nb = simulate_submission(release / f"{NAME}.ipynb", course.root / "submitted" / profile / NAME,
                                 SimulatedStudent(profile, profile), keys)
        expected[profile] = round(sum(expected_points(submitted_answers(nb), keys).values()), 2)
    assert expected == EXPECTED  # the simulation itself behaves as the sqlite round trip found
    return course, url, generated


def test_round_trip_on_postgres(cohort, monkeypatch):
    course, url, _ = cohort
    monkeypatch.setenv("CURRICULUM_DB_URL", url)
    assert course.db_url() == url
    course.autograde(NAME)
    scores = {s.student: s for s in course.scores(NAME)}
    assert {student: s.auto_score for student, s in scores.items()} == EXPECTED
    assert all(s.auto_max == FULL for s in scores.values())
    # a written reflection waits for a person; nbgrader scores an untouched one 0 by itself
    assert {student: s.manual_pending for student, s in scores.items()} == \
        {"complete": 1, "partial": 1, "no-answer-file": 1, "blank": 0}
    assert scores["partial"].items["q1-single-test"] == POINTS["q1-single"]
    # the grades are in PostgreSQL, and no sqlite gradebook was made beside the course
    assert not (course.root / "gradebook.db").exists()
    assert rows(url, "SELECT s.student_id FROM submitted_assignment s ORDER BY s.student_id") == \
        [(student,) for student in sorted(EXPECTED)]
    assert ("social-media-medicine",) in rows(url, "SELECT id FROM course")


def test_parallel_autograde_processes_share_one_database(cohort, postgres_server, monkeypatch, tmp_path):
    """One `nbgrader autograde --student S` process per student, all started at once, one database."""
    source, _, generated = cohort
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(source.root / "nbgrader_config.py", root)
    for folder in ("source", "submitted"):
        shutil.copytree(source.root / folder, root / folder)
    # a fresh database holding the generated assignment and its graded cells, as after `generate`
    url = postgres_server.create_database("parallel", copy_of=generated)
    monkeypatch.setenv("CURRICULUM_DB_URL", url)
    course = Course(root)

    procs = {student: subprocess.Popen([sys.executable, "-m", "nbgrader", "autograde", NAME, "--force",
                                        "--student", student], cwd=root, env=dict(os.environ),
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for student in EXPECTED}  # the four profiles: four writers with known scores
    logs = {student: proc.communicate(timeout=600)[0] for student, proc in procs.items()}
    failed = {student: log[-3000:] for student, log in logs.items() if procs[student].returncode != 0}
    assert not failed, failed

    scores = {s.student: s for s in course.scores(NAME)}
    assert {student: s.auto_score for student, s in scores.items()} == EXPECTED
    assert all(s.auto_max == FULL for s in scores.values())
    graded_cells = rows(url, "SELECT count(*) FROM grade_cells")[0][0]
    assert graded_cells == len(POINTS) + 1  # the auto-graded items and the reflection, once each
    assert rows(url, "SELECT count(*) FROM grade")[0][0] == len(EXPECTED) * graded_cells
    assert rows(url, "SELECT count(*) FROM student")[0][0] == len(EXPECTED)
    assert not (root / "gradebook.db").exists()


@pytest.fixture
def toy_course(tmp_path):
    return Course(make_course(tmp_path / "toy"))


def bad_urls(postgres_server) -> dict[str, tuple[str, str, str]]:
    """URL, host/port text and database name for: no server on the port, and no such database."""
    port = free_port()
    return {
        "server not running": (f"postgresql+psycopg2://postgres@127.0.0.1:{port}/grades",
                               f"127.0.0.1 port {port}", "'grades'"),
        "no such database": (postgres_server.url("no_such_course"),
                             f"127.0.0.1 port {postgres_server.port}", "'no_such_course'"),
    }


@pytest.mark.parametrize("case", ["server not running", "no such database"])
def test_bad_database_url_is_a_clear_course_error(case, postgres_server, toy_course, monkeypatch):
    url, where, database = bad_urls(postgres_server)[case]
    monkeypatch.setenv("CURRICULUM_DB_URL", url)
    with pytest.raises(CourseError) as err:
        toy_course.scores(NAME)
    message = str(err.value)
    assert f"database {database} on host {where}" in message
    if case == "server not running":
        assert "Connection refused" in message
    else:
        assert 'database "no_such_course" does not exist' in message
    assert "createdb -h 127.0.0.1" in message and "CURRICULUM_DB_URL" in message
    assert "Traceback" not in message
    assert not (toy_course.root / "gradebook.db").exists()


def test_cli_with_bad_db_url_exits_1_with_the_reason(postgres_server, toy_course, capsys):
    """The failure comes from inside an nbgrader run here (build generates the release)."""
    url, where, database = bad_urls(postgres_server)["no such database"]
    code = main(["--course", str(toy_course.root), "--db", url, "build", NAME])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("curriculum build: the gradebook database postgresql+psycopg2://postgres@127.0.0.1:")
    assert f"database {database} on host {where}" in err and "To fix it:" in err
    assert 'database "no_such_course" does not exist' in err
    assert "Traceback" not in err and "nbgrader db upgrade" not in err
    assert os.environ.get("CURRICULUM_DB_URL") != url  # main() put the environment back


def test_password_in_a_url_is_never_shown(toy_course, monkeypatch):
    monkeypatch.setenv("CURRICULUM_DB_URL", f"postgresql://grader:s3cret-pw@127.0.0.1:{free_port()}/grades")
    with pytest.raises(CourseError) as err:
        toy_course.scores(NAME)
    assert "s3cret-pw" not in str(err.value) and "grader:***@127.0.0.1" in str(err.value)


def test_server_fixture_gives_fresh_databases(postgres_server, postgres_url):
    name = postgres_url.rsplit("/", 1)[1]
    assert postgres_url == f"postgresql+psycopg2://postgres@127.0.0.1:{postgres_server.port}/{name}"
    assert name in postgres_server.databases()
    assert rows(postgres_url, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") == [(0,)]
    other = postgres_server.create_database()
    assert other != postgres_url
    postgres_server.drop_database(other.rsplit("/", 1)[1])
    assert other.rsplit("/", 1)[1] not in postgres_server.databases()
    with pytest.raises(ValueError, match="lowercase letters"):
        postgres_server.create_database("Bad Name; DROP")
