#!/usr/bin/env python3
"""Set up and run the course from nothing but Python 3.11+.

    python3 tasks.py demo    # build the course and grade a simulated cohort end to end (sqlite gradebook)
    python3 tasks.py test    # run the test suite (installs the Debian packages it needs when run as root)

Both create ./.venv and install the project with its pinned dependencies (pyproject.toml) the first
time, and again whenever pyproject.toml changes. Extra arguments go to the command, e.g.
`python3 tasks.py test -k answers` or `python3 tasks.py demo 01-patient-privacy`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed-from"

#: Debian packages the tests need (the demo needs none): a path each one installs -> package name.
#: PostgreSQL is the server the gradebook tests start; chromium is the browser the browser tests drive.
SYSTEM_PACKAGES = {
    "/usr/lib/postgresql": "postgresql",
    "/usr/bin/chromium": "chromium",
    "/usr/bin/npm": "npm",  # installs axe-core for the browser tests' accessibility checks
}


def ensure_system_packages() -> None:
    missing = [pkg for path, pkg in SYSTEM_PACKAGES.items() if not Path(path).exists()]
    if not missing:
        return
    command = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        sys.exit(f"The tests need the Debian packages {', '.join(missing)}. Install them "
                 f"(`sudo {' '.join(command)}`) and run again.")
    print(f"Installing Debian packages for the tests: {', '.join(missing)} ...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)


#: npm packages of the browser tests (axe-core), pinned by the package-lock.json in this folder.
NPM_DIR = ROOT / "tests" / "browser"


def ensure_npm_packages() -> None:
    """`npm ci` in tests/browser when its node_modules is missing or package-lock.json changed."""
    lock = NPM_DIR / "package-lock.json"
    stamp = NPM_DIR / "node_modules" / ".installed-from"
    wanted = hashlib.sha256(lock.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text().strip() == wanted:
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("The browser tests need npm (Debian package `npm`) to install axe-core; install it and run again.")
    print(f"Installing the browser tests' npm packages ({lock.relative_to(ROOT)}) ...", flush=True)
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NPM_DIR, check=True)
    stamp.write_text(wanted + "\n")


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not PYTHON.exists():
        print(f"Creating {VENV.name}/ ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing the course package and its dependencies (pyproject.toml) ...", flush=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[staff,test]"], check=True)
    STAMP.write_text(wanted + "\n")


def run(cmd: list[str]) -> int:
    env = dict(os.environ)
    env["PATH"] = str(BIN) + os.pathsep + env.get("PATH", "")  # nbgrader's db commands need alembic
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    ensure_venv()
    task, rest = argv[0], argv[1:]
    if task == "demo":
        return run([str(BIN / "curriculum"), "demo", *rest])
    ensure_system_packages()
    ensure_npm_packages()
    code = run([str(PYTHON), "-m", "pytest", *rest])
    if code == 5:
        print("pytest collected no tests: treating that as a failure.", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
