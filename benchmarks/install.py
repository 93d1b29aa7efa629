"""How big and how slow each install is: the student install (``pip install .``: what a kernel needs)
against the staff install (``pip install '.[staff]'``), each in a fresh venv.

    .venv/bin/python benchmarks/install.py            # both, with pip's cache as it is
    .venv/bin/python benchmarks/install.py --no-cache # both, downloading everything

Prints, for each: the wall time of ``pip install``, the venv's size on disk, the number of installed
distributions, and checks what each can do: the student venv builds a widget and a case card and
refuses ``curriculum plan`` with a message naming the staff extra; the staff venv imports nbgrader.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STUDENT_CHECK = """
import os, tempfile
os.chdir(tempfile.mkdtemp())
from curriculum import Quiz, cases
Quiz("01-patient-privacy").single_choice("q01-x", "Pick one.", {"a": "A", "b": "B"})
cases.show("PRIV-005")
print("widgets and cards: ok")
"""


def size_mb(folder: Path) -> float:
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(dirpath) / name
            if not path.is_symlink():
                total += path.stat().st_size
    return total / 1e6


def install(target: str, cache: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix="install-bench-") as tmp:
        env_dir = Path(tmp) / "venv"
        venv.EnvBuilder(with_pip=True).create(env_dir)
        python = env_dir / "bin" / "python"
        empty = size_mb(env_dir)
        command = [str(python), "-m", "pip", "install", "--quiet", target]
        if not cache:
            command.insert(4, "--no-cache-dir")
        start = time.perf_counter()
        subprocess.run(command, check=True, cwd=ROOT)
        seconds = time.perf_counter() - start
        dists = subprocess.run([str(python), "-m", "pip", "list", "--format=freeze"], check=True,
                               capture_output=True, text=True).stdout.split()
        result = {"target": target, "seconds": seconds, "mb": size_mb(env_dir) - empty, "dists": len(dists),
                  "names": {d.split("==")[0].lower() for d in dists}}
        if target == ".":
            out = subprocess.run([str(python), "-c", STUDENT_CHECK], capture_output=True, text=True)
            result["check"] = out.stdout.strip().splitlines()[-1] if out.returncode == 0 else out.stderr.strip()[-200:]
            staff = subprocess.run([str(env_dir / "bin" / "curriculum"), "plan"], capture_output=True, text=True)
            result["curriculum plan"] = f"exit {staff.returncode}: {staff.stderr.strip()[:120]}"
        else:
            out = subprocess.run([str(python), "-c", "import nbgrader, jupyterlab; print('nbgrader', nbgrader.__version__)"],
                                 capture_output=True, text=True)
            result["check"] = out.stdout.strip() or out.stderr.strip()[-200:]
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-cache", action="store_true", help="pip --no-cache-dir (download everything)")
    args = parser.parse_args(argv)
    results = [install(".", not args.no_cache), install(".[staff]", not args.no_cache)]
    for r in results:
        print(f"pip install {r['target']!r}: {r['seconds']:.1f} s, {r['mb']:.0f} MB, {r['dists']} distributions")
        for key in ("check", "curriculum plan"):
            if key in r:
                print(f"  {key}: {r[key]}")
    heavy = {"nbgrader", "jupyterlab", "notebook", "sqlalchemy", "psycopg2-binary", "matplotlib"}
    leaked = sorted(heavy & results[0]["names"])
    print("student install has none of the staff packages" if not leaked else f"student install has {leaked}")
    return 1 if leaked else 0


if __name__ == "__main__":
    sys.exit(main())
