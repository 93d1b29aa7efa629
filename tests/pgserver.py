"""A throwaway PostgreSQL server for tests, run from Debian's ``postgresql`` package binaries.

    with PostgresServer() as server:             # initdb + pg_ctl start, in a temporary folder
        url = server.create_database("grading")  # postgresql+psycopg2://postgres@127.0.0.1:PORT/grading
        ...                                       # point CURRICULUM_DB_URL (or --db) at url
    # pg_ctl -m fast stop, and the folder (data, socket, log) is deleted

The server listens on 127.0.0.1 on a free port, trusts every local connection (``initdb --auth=trust``,
superuser ``postgres``, no password) and keeps its data, unix socket and log in one temporary folder.
It is tuned for tests, not for keeping data: fsync and synchronous commits are off.

PostgreSQL refuses to run as root. When the tests run as root (as in CI), ``initdb``, ``pg_ctl`` and the
server run as the ``postgres`` system user that the Debian package creates (``runuser -u postgres``), and
the temporary folder is handed to that user; otherwise the binaries run as the current user.

The binaries are looked up in ``/usr/lib/postgresql/<version>/bin`` (the newest version installed), else
on PATH. When there are none, :class:`PostgresUnavailable` says how to install them; the test fixtures
turn that into a test failure, not a skip, so that a machine without PostgreSQL cannot pass silently.
"""

from __future__ import annotations

import atexit
import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

__all__ = ["PostgresServer", "PostgresUnavailable", "find_bindir", "free_port"]

HOST = "127.0.0.1"
SUPERUSER = "postgres"
#: the system user that runs the server when the tests run as root (created by Debian's package)
SYSTEM_USER = "postgres"
INSTALL_HINT = ("run `python3 tasks.py test` as root (it installs Debian's postgresql package) "
                "or install it yourself: `apt-get install postgresql`")
#: server settings for throwaway test data: no durability, quick start, quiet log
SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "max_connections": "100"}


class PostgresUnavailable(RuntimeError):
    """PostgreSQL is not installed, or the server could not be set up or started."""


def _version_key(path: str) -> tuple[int, ...]:
    version = Path(path).parent.parent.name  # /usr/lib/postgresql/<version>/bin/pg_ctl
    return tuple(int(part) for part in re.findall(r"\d+", version))


def find_bindir() -> Path:
    """The folder with ``initdb`` and ``pg_ctl``: Debian's newest /usr/lib/postgresql/*/bin, else PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version_key)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    raise PostgresUnavailable(f"PostgreSQL server binaries (initdb, pg_ctl) were not found in "
                              f"/usr/lib/postgresql/*/bin or on PATH: {INSTALL_HINT}.")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class PostgresServer:
    """One PostgreSQL server in a temporary folder; :meth:`start` it, :meth:`stop` it (or use ``with``).

    :meth:`create_database` gives SQLAlchemy URLs for fresh databases on it; :meth:`drop_database`
    removes one (closing any connection still open to it).
    """

    def __init__(self, bindir: Path | None = None):
        self.bindir = Path(bindir) if bindir else find_bindir()
        self.as_system_user = hasattr(os, "geteuid") and os.geteuid() == 0
        self.folder: Path | None = None
        self.port: int | None = None
        self._databases = 0

    # -- paths --------------------------------------------------------------------------------
    @property
    def datadir(self) -> Path:
        return self._folder() / "data"

    @property
    def socketdir(self) -> Path:
        return self._folder() / "socket"

    @property
    def logfile(self) -> Path:
        return self._folder() / "server.log"

    @property
    def running(self) -> bool:
        return self.port is not None

    def _folder(self) -> Path:
        if self.folder is None:
            raise PostgresUnavailable("the server has not been started: call start() first")
        return self.folder

    # -- running the binaries -------------------------------------------------------------------
    def _run(self, tool: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / tool), *args]
        if self.as_system_user:
            cmd = ["runuser", "-u", SYSTEM_USER, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=self._folder(),
                              stdin=subprocess.DEVNULL)

    def _check(self, proc: subprocess.CompletedProcess[str], what: str) -> None:
        if proc.returncode != 0:
            output = (proc.stdout + proc.stderr).strip()
            raise PostgresUnavailable(f"{what} failed (exit {proc.returncode}):\n{output}\n{self._log_tail()}")

    def _log_tail(self, lines: int = 15) -> str:
        try:
            tail = self.logfile.read_text(errors="replace").strip().splitlines()[-lines:]
        except OSError:
            return ""
        return "server log:\n" + "\n".join(tail) if tail else ""

    def _make_folder(self) -> Path:
        # Directly in the system temp folder, not under pytest's (root-only) tmp folders: the postgres
        # user must reach it, and the unix socket path must stay short (about 100 characters at most).
        folder = Path(tempfile.mkdtemp(prefix="curriculum-pg-"))
        self.folder = folder
        (folder / "socket").mkdir()
        if self.as_system_user:
            try:
                for path in (folder, folder / "socket"):
                    shutil.chown(path, user=SYSTEM_USER, group=SYSTEM_USER)
            except LookupError:
                raise PostgresUnavailable(f"there is no {SYSTEM_USER!r} system user to run PostgreSQL as "
                                          f"(root may not run it): {INSTALL_HINT}.") from None
            probe = subprocess.run(["runuser", "-u", SYSTEM_USER, "--", "test", "-w", str(folder)],
                                   capture_output=True)
            if probe.returncode != 0:
                raise PostgresUnavailable(f"the {SYSTEM_USER} user cannot write to {folder}; set TMPDIR "
                                          "to a folder every user can enter (such as /tmp)")
        return folder

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self, attempts: int = 3) -> PostgresServer:
        """initdb a new cluster and start the server on a free port (retried if the port is taken)."""
        if self.running:
            return self
        self._make_folder()
        atexit.register(self.stop)  # in case the caller never gets to stop() (e.g. interrupted)
        try:
            self._check(self._run("initdb", "-D", str(self.datadir), "--auth=trust", f"--username={SUPERUSER}",
                                  "--encoding=UTF8", "--no-locale", "--no-sync"), "initdb")
            for attempt in range(attempts):
                port = free_port()
                options = " ".join([f"-h {HOST}", f"-p {port}", f"-k {self.socketdir}",
                                    *(f"-c {k}={v}" for k, v in SETTINGS.items())])
                proc = self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.logfile), "-o", options,
                                 "-w", "-t", "60", "start")
                if proc.returncode == 0:
                    self.port = port
                    return self
                port_taken = "could not bind" in self._log_tail(40) or "already in use" in self._log_tail(40)
                if not port_taken or attempt == attempts - 1:
                    self._check(proc, f"pg_ctl start (port {port})")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (fast shutdown: open connections are closed) and delete its folder."""
        if self.folder is None:
            return
        try:
            if (self.datadir / "postmaster.pid").exists():
                proc = self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "-t", "60", "stop")
                if proc.returncode != 0:  # never leave a server running on a deleted folder
                    self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder, self.port = None, None
            atexit.unregister(self.stop)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- databases --------------------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of a database on this server."""
        if not self.running:
            raise PostgresUnavailable("the server is not running: call start() first")
        return f"postgresql+psycopg2://{SUPERUSER}@{HOST}:{self.port}/{database}"

    def _admin(self):
        import psycopg2

        conn = psycopg2.connect(host=HOST, port=self.port, user=SUPERUSER, dbname="postgres")
        conn.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
        return conn

    def create_database(self, name: str | None = None, copy_of: str | None = None) -> str:
        """Create a database (``test_<n>`` unless named) and return its URL: empty, or a copy of the
        database ``copy_of`` (a URL or a name; nothing may be connected to it while it is copied)."""
        from psycopg2 import sql

        self._databases += 1
        name = name or f"test_{self._databases}"
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            raise ValueError(f"database name {name!r}: use up to 63 lowercase letters, digits and underscores")
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if copy_of:
            template = copy_of.rsplit("/", 1)[-1]
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn = self._admin()
        try:
            with conn.cursor() as cur:
                cur.execute(statement)
        finally:
            conn.close()
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, ending any session still connected to it (PostgreSQL 13 or newer)."""
        from psycopg2 import sql

        conn = self._admin()
        try:
            with conn.cursor() as cur:
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        finally:
            conn.close()

    def databases(self) -> list[str]:
        """Names of the databases on the server, apart from the templates."""
        conn = self._admin()
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname")
                return [row[0] for row in cur.fetchall()]
        finally:
            conn.close()
