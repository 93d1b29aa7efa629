from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
# The tests mirror the package's wings (kernel/, preprocessors/, staff/); their shared helpers
# (toycourse.py, pgserver.py, browser/) and a few test modules are imported across them.
for folder in (TESTS, TESTS / "kernel", TESTS / "preprocessors", TESTS / "staff"):
    sys.path.insert(0, str(folder))

# nbgrader's database commands call alembic from the environment's bin/ folder
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL server for the whole test session (tests/pgserver.py); fails, never
    skips, when PostgreSQL is not installed. ``postgres_server.create_database()`` gives a new URL."""
    from pgserver import PostgresServer, PostgresUnavailable

    try:
        server = PostgresServer().start()
    except PostgresUnavailable as exc:
        server, problem = None, exc
    if server is None:
        pytest.fail(f"PostgreSQL tests need a PostgreSQL server: {problem}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh, empty database on the session's PostgreSQL server (a SQLAlchemy URL), dropped after."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url.rsplit("/", 1)[1])
