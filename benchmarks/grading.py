#!/usr/bin/env python3
"""Benchmark: grading in a kernel (the course's design before grading as data) against `curriculum grade`.

    .venv/bin/python benchmarks/grading.py                      # 100 students x every module
    .venv/bin/python benchmarks/grading.py --students 20 --modules 01-patient-privacy 07-capstone

Builds three identical copies of the course in a scratch folder, generates every module, and writes
the same submissions into each: every student gets the released notebook and an answer file in which
every graded item is, at random but reproducibly (--seed), right, partly right or unanswered. Then:

- "kernel": stock `nbgrader autograde ASSIGNMENT` with the course config as it was before grading as
  data (nbgrader's Execute runs every notebook in a kernel: curriculum.nbhelpers.KERNEL_DESIGN_CONFIG),
  one process, one notebook at a time;
- "stock": stock `nbgrader autograde ASSIGNMENT` with today's course config (grading as data, one
  process);
- "ours": `curriculum grade ASSIGNMENT` (--workers, default one per core).

These three grade the course with `variants: off` (a kernel of the old design cannot know which
student it grades, so it could not grade their variants). A fourth copy, "varied", keeps each module's
variants as the plan sets them (modules 01 and 06 `cases`, the rest `order`): every student answers their
own variant, saved as their kernel saves it, and `curriculum grade` grades it; its time shows what
recomputing every student's variant costs.

The script checks that every item's score is identical in the three gradebooks and prints seconds
per submission for each and the ratios. It also times `import curriculum` and the first case-bank
load in a fresh kernel (what a student's first cell costs).

It is a benchmark, not a test: it prints figures and exits non-zero only if the scores differ.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from curriculum.answers import AnswerStore  # noqa: E402
from curriculum.staff.grade.cohort import default_workers  # noqa: E402
from curriculum.staff.course import Course  # noqa: E402
from curriculum.keys import notebook_settings, read_keys  # noqa: E402
from curriculum.nbhelpers import KERNEL_DESIGN_CONFIG  # noqa: E402
from curriculum.staff.simulate import correct_value  # noqa: E402


def partly(kind: str, right):
    """A partly right answer of each kind (for single choice: the right one)."""
    if kind == "multiple" and len(right) > 1:
        return right[:-1]
    if kind == "identifiers":
        return right[: max(1, len(right) // 2)]
    if kind == "triage":
        posts = sorted(right)
        return {p: ({"verdict": right[p]["verdict"], "reason": None} if i % 2 else right[p])
                for i, p in enumerate(posts)}
    if kind == "ranking":
        n = len(right)
        return {k: n + 1 - place for k, place in right.items()}
    if kind == "disclosure":
        first = sorted(right)[0]
        return {first: right[first]}
    return right


def write_submission(release_nb: Path, folder: Path, keys, rng: random.Random) -> None:
    """A submission of the student ``folder`` is named after: each item right, partly right or not
    answered, in the student's own variant (the release's setup cell says how it varies)."""
    folder.mkdir(parents=True)
    shutil.copy(release_nb, folder / release_nb.name)
    store = AnswerStore(release_nb.stem, folder)
    settings, student = notebook_settings(release_nb), folder.parent.name
    for key in keys:
        view = key.layout(settings, release_nb.stem, student)
        right, variant = correct_value(key.shown(view)), view.fingerprint if view.varied else None
        draw = rng.random()
        if draw < 0.55:
            store.save(key.item, key.kind, right, variant)
        elif draw < 0.8:
            store.save(key.item, key.kind, partly(key.kind, right), variant)
    (folder / "timestamp.txt").write_text("2027-01-17 20:00:00.000000 UTC")


def copy_course(dest: Path, kernel_design: bool = False, variants: bool = False) -> Course:
    """A copy of the course; with ``variants`` false, every module's plan says `variants: off`."""
    dest.mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", dest)
    if kernel_design:
        with open(dest / "nbgrader_config.py", "a", encoding="utf-8") as config:
            config.write(KERNEL_DESIGN_CONFIG)
    for folder in ("source", "assignments"):
        shutil.copytree(REPO / folder, dest / folder, ignore=shutil.ignore_patterns("*.answers.json*"))
    if not variants:
        for plan in (dest / "assignments").glob("[0-9]*.yaml"):
            lines = [line for line in plan.read_text().splitlines() if not line.startswith("variants:")]
            plan.write_text("\n".join(lines + ["variants: off"]) + "\n")
    return Course(dest)


def item_scores(course: Course, assignment: str) -> dict[str, dict[str, float]]:
    return {s.student: s.items for s in course.scores(assignment)}


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 3):
        sys.exit(f"{' '.join(cmd[:4])} failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    return seconds


def kernel_import_time() -> tuple[float, float]:
    """Seconds for `import curriculum.quiz` and for the first case-bank load, in a fresh kernel."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    outputs: list[dict] = []
    try:
        code = ("import time as _t\n_a = _t.perf_counter()\nimport curriculum.quiz\n_b = _t.perf_counter()\n"
                "from curriculum import cases\ncases.CaseBank.load()\n_c = _t.perf_counter()\n"
                "print(_b - _a, _c - _b)")
        reply = kc.execute_interactive(code, timeout=120, output_hook=lambda msg: outputs.append(msg))
        if reply["content"]["status"] != "ok":
            raise RuntimeError(reply["content"])
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    text = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
    first, second = (float(x) for x in text.split())
    return first, second


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--modules", nargs="*", help="default: every module in source/")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--keep", metavar="PATH", help="build in PATH and keep it (default: a temporary folder)")
    args = parser.parse_args(argv)

    scratch = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="curriculum-bench-"))
    if scratch.exists() and any(scratch.iterdir()):
        sys.exit(f"{scratch} is not empty")
    kernel, stock, ours = (copy_course(scratch / "kernel", kernel_design=True), copy_course(scratch / "stock"),
                           copy_course(scratch / "ours"))
    varied = copy_course(scratch / "varied", variants=True)
    modules = args.modules or ours.assignments()
    print(f"{args.students} students x {len(modules)} modules; curriculum grade with {args.workers} workers; "
          f"in {scratch}", flush=True)
    rows, mismatches = [], 0
    for module in modules:
        keys = read_keys(ours.source_notebook(module))
        release_nb = ours.generate(module) / f"{module}.ipynb"
        kernel.generate(module)
        stock.generate(module)
        varied_nb = varied.generate(module) / f"{module}.ipynb"
        rng, varied_rng = random.Random(f"{args.seed}-{module}"), random.Random(f"{args.seed}-{module}")
        for i in range(1, args.students + 1):
            student = f"student{i:03d}"
            write_submission(release_nb, ours.root / "submitted" / student / module, keys, rng)
            write_submission(varied_nb, varied.root / "submitted" / student / module, keys, varied_rng)
            for other in (kernel, stock):
                shutil.copytree(ours.root / "submitted" / student / module, other.root / "submitted" / student / module)
        t_kernel = timed([sys.executable, "-m", "nbgrader", "autograde", module], kernel.root)
        t_stock = timed([sys.executable, "-m", "nbgrader", "autograde", module], stock.root)
        t_ours = timed([sys.executable, "-m", "curriculum.staff.cli", "grade", module, "--quiet",
                        "--workers", str(args.workers)], ours.root)
        t_varied = timed([sys.executable, "-m", "curriculum.staff.cli", "grade", module, "--quiet",
                          "--workers", str(args.workers)], varied.root)
        a, b, c = item_scores(kernel, module), item_scores(stock, module), item_scores(ours, module)
        same = a == b == c and len(a) == args.students
        # the varied cohort answered the same draws in their own variants: the same scores, item by item
        same_varied = item_scores(varied, module) == c
        mismatches += not (same and same_varied)
        mean = sum(sum(v.values()) for v in a.values()) / max(1, len(a))
        rows.append((module, len(a), t_kernel, t_stock, t_ours, same and same_varied, t_varied))
        print(f"{module}: kernel {t_kernel:.1f} s, stock nbgrader as data {t_stock:.1f} s, curriculum grade "
              f"{t_ours:.1f} s, with variants {t_varied:.1f} s, scores {'identical' if same else 'DIFFER'}"
              f"{'' if same_varied else ' (the varied cohort DIFFERS)'} (mean {mean:.2f})", flush=True)

    n = sum(r[1] for r in rows)
    totals = [sum(r[i] for r in rows) for i in (2, 3, 4, 6)]
    print("\nseconds per submission (whole runs: start-up included)")
    print("module                      submissions  kernel  stock as data  curriculum grade  with variants"
          "  kernel/ours  scores")
    for module, count, t_kernel, t_stock, t_ours, same, t_varied in rows:
        print(f"{module:<28}{count:>11}{t_kernel / count:>8.3f}{t_stock / count:>15.3f}{t_ours / count:>18.3f}"
              f"{t_varied / count:>15.3f}{t_kernel / t_ours:>13.1f}  {'identical' if same else 'DIFFER'}")
    print(f"{'all':<28}{n:>11}{totals[0] / n:>8.3f}{totals[1] / n:>15.3f}{totals[2] / n:>18.3f}"
          f"{totals[3] / n:>15.3f}{totals[0] / totals[2]:>13.1f}")
    first, bank = kernel_import_time()
    print(f"\nfresh kernel: import curriculum.quiz {first * 1000:.0f} ms; first case-bank load {bank * 1000:.0f} ms")
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
