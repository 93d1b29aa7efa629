"""Grade a cohort with nbgrader's own autograder, several submissions at a time.

``workers`` long-lived worker processes (:mod:`curriculum.gradeworker`) each import nbgrader once and
grade one submission per request with nbgrader's ``NbGraderAPI.autograde`` (the ``Autograde``
converter and the course's nbgrader_config.py), so the scores are those of ``nbgrader autograde``.
Stock nbgrader grades a cohort one notebook at a time in one process.

A submission that crashes or hangs cannot take the others with it: after ``timeout`` seconds its
worker and everything the worker started (the kernel too) is killed and a fresh worker takes the next
submission; the submission is scored zero with a comment that says why.

Submissions already graded (their autograded notebooks exist and are not older than the
submission) are skipped unless ``force`` is given, as stock nbgrader does, so an interrupted run
resumes where it stopped. Every submission's nbgrader log is kept in
``reports/<assignment>/grading-logs/<student>.log`` and the outcome of the run in
``reports/<assignment>/grading.csv``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import json
import queue
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .course import STUDENT_ID, STUDENT_ID_RULE, Course, CourseError
from .gradeworker import RESULT_MARK
from .submissions import clear_problem_feedback, explain_failure

__all__ = ["GradeResult", "default_workers", "grade_cohort", "record_problem", "submitted_students"]

#: Seconds one submission may take, all cells together, before it is stopped and scored zero.
DEFAULT_TIMEOUT = 300.0
#: Signs in nbgrader's log that a submission failed only because the machine or the database was
#: busy, not because of the submission (no student code runs before a kernel has started; a start
#: that never answers happened once in 600 in benchmarks/grading.py): it is graded once more, and if
#: it fails again for the same reason it is reported with this reason.
RETRY_SIGNS = {
    "database is locked": "the gradebook database was busy",
    "could not serialize access": "the gradebook database was busy",
    "deadlock detected": "the gradebook database was busy",
    "Kernel didn't respond in": "its kernel did not start in time",
    "Kernel died before replying to kernel_info": "its kernel stopped while starting",
}


@dataclass
class GradeResult:
    """What happened to one submission in a grading run."""

    student: str
    status: str  # "graded", "skipped" (already graded), "failed", "timed out", "refused"; "retry" inside a run
    seconds: float = 0.0
    message: str = ""
    auto_score: float | None = None
    auto_max: float | None = None
    log: str = ""

    @property
    def problem(self) -> bool:
        return self.status in ("failed", "timed out", "refused")


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover (not Linux)
        return max(1, os.cpu_count() or 1)


def submitted_students(course: Course, assignment: str) -> list[str]:
    """Students with a folder ``submitted/<student>/<assignment>/``."""
    root = course.root / "submitted"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and (p / assignment).is_dir())


def _timestamp(folder: Path) -> datetime | None:
    from nbgrader.utils import parse_utc

    stamp = folder / "timestamp.txt"
    try:
        return parse_utc(stamp.read_text().strip())
    except (OSError, ValueError):
        return None


def already_graded(course: Course, assignment: str, student: str, notebooks: list[str]) -> bool:
    """nbgrader's own rule: every autograded notebook exists and the submission is not newer."""
    dest = course.root / "autograded" / student / assignment
    if not all((dest / f"{nb}.ipynb").is_file() for nb in notebooks):
        return False
    new, old = _timestamp(course.root / "submitted" / student / assignment), _timestamp(dest)
    return not (new is not None and old is not None and new > old)


def _prepare_gradebook(course: Course, assignment: str) -> list[str]:
    """Make sure the gradebook knows the assignment (its notebooks and cells); return notebook names."""
    from nbgrader.api import MissingEntry

    def notebooks() -> list[str]:
        with course.gradebook() as gb:
            try:
                return [nb.name for nb in gb.find_assignment(assignment).notebooks]
            except MissingEntry:
                return []

    names = notebooks()
    if not names:  # the release was generated elsewhere: record the source in this gradebook
        scratch = course.root / f".grade-release-{os.getpid()}"
        try:
            course.generate(assignment, release_dir=scratch.name)
        finally:
            import shutil

            shutil.rmtree(scratch, ignore_errors=True)
        names = notebooks()
    if not names:
        raise CourseError(f"{assignment} has no notebooks in the gradebook after generate_assignment")
    return names


def _db_url_for_workers(course: Course) -> str:
    url = course.db_url()
    if url.startswith("sqlite:") and "?" not in url:
        url += "?timeout=120"  # several writers: wait for the lock instead of failing after 5 s
    return url


def _kill_tree(pid: int) -> None:
    import psutil

    try:
        parent = psutil.Process(pid)
        family = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for proc in family:  # kernels run in sessions of their own, so a process group kill misses them
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=10)


class _Worker:
    """One long-lived ``curriculum.gradeworker`` process, restarted after a timeout or a crash.

    Its results come on a pipe of their own; its stdout and stderr (nbgrader's log, and a kernel's
    output when an instructor's test code needs one) only ever go into the submission's log."""

    STARTUP_TIMEOUT = 300.0

    def __init__(self, course: Course, db_url: str):
        self.course, self.db_url = course, db_url
        self.proc: subprocess.Popen[str] | None = None
        self.results: queue.Queue[str | None] = queue.Queue()
        self.said: queue.Queue[str | None] = queue.Queue()

    def _start(self) -> None:
        env = dict(os.environ)
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        read_fd, write_fd = os.pipe()
        cmd = [sys.executable, "-m", "curriculum.gradeworker", str(self.course.root), self.db_url, str(write_fd)]
        try:
            self.proc = subprocess.Popen(cmd, cwd=self.course.root, env=env, stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                                         pass_fds=(write_fd,))
        finally:
            os.close(write_fd)
        self.results, self.said = queue.Queue(), queue.Queue()
        threading.Thread(target=self._pump, args=(os.fdopen(read_fd, encoding="utf-8"), self.results),
                         daemon=True).start()
        threading.Thread(target=self._pump, args=(self.proc.stdout, self.said), daemon=True).start()
        line = None
        try:
            line = self.results.get(timeout=self.STARTUP_TIMEOUT)
        except queue.Empty:
            pass
        if line is not None and line.startswith(RESULT_MARK):
            return
        self.close()
        raise CourseError("a grading worker could not start:\n" + "".join(self._drain()[-25:]))

    @staticmethod
    def _pump(stream, lines: queue.Queue[str | None]) -> None:
        with stream:
            for line in stream:
                lines.put(line)
        lines.put(None)

    def _drain(self) -> list[str]:
        said = []
        while True:
            try:
                line = self.said.get_nowait()
            except queue.Empty:
                return said
            if line is not None:
                said.append(line)

    def grade(self, assignment: str, student: str, timeout: float, log_path: Path) -> GradeResult:
        """Grade one submission; ``timeout`` counts from the request, not from the worker's start."""
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        assert self.proc is not None and self.proc.stdin is not None
        start = time.monotonic()
        self.proc.stdin.write(json.dumps({"assignment": assignment, "student": student}) + "\n")
        self.proc.stdin.flush()
        said: list[str] = []
        result = None
        while result is None:
            remaining = start + timeout - time.monotonic()
            said += self._drain()
            if remaining <= 0:
                self.kill()
                log_path.write_text("".join(said + self._drain()), encoding="utf-8")
                return GradeResult(student, "timed out", time.monotonic() - start,
                                   f"grading stopped after {timeout:g} s (a cell that never ends, or a kernel "
                                   "that hangs)", log=str(log_path))
            try:
                line = self.results.get(timeout=min(remaining, 1.0))
            except queue.Empty:
                continue
            if line is None:
                self.kill()
                log_path.write_text("".join(said + self._drain()), encoding="utf-8")
                return GradeResult(student, "failed", time.monotonic() - start,
                                   "the grading process died while grading it (out of memory?)", log=str(log_path))
            if line.startswith(RESULT_MARK):
                result = json.loads(line[len(RESULT_MARK):])
        said += self._drain()
        text = "".join(said) + result["log"] + result["error"]
        log_path.write_text(text, encoding="utf-8")
        seconds = time.monotonic() - start
        if result["success"]:
            return GradeResult(student, "graded", seconds, log=str(log_path))
        for sign, reason in RETRY_SIGNS.items():
            if sign in text:
                return GradeResult(student, "retry", seconds, reason, log=str(log_path))
        return GradeResult(student, "failed", seconds, _failure_reason(text), log=str(log_path))

    def start_early(self) -> None:
        """Start the process now (in a thread, while the run gets ready); a failure is raised again
        when the worker is first asked to grade."""
        try:
            self._start()
        except BaseException:
            self.proc = None

    def kill(self) -> None:
        if self.proc is not None:
            _kill_tree(self.proc.pid)
            self.proc = None

    def close(self) -> None:
        if self.proc is None:
            return
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


def _work(worker: _Worker, started: threading.Thread, assignment: str, timeout: float, log_dir: Path,
          todo: queue.Queue[str], done: queue.Queue[GradeResult | BaseException], stop: threading.Event) -> None:
    """A pool thread: its own worker process (once ``started`` has started it) grades students from
    ``todo`` until it is empty."""
    started.join()
    try:
        while not stop.is_set():
            try:
                student = todo.get_nowait()
            except queue.Empty:
                return
            log_path = log_dir / f"{student}.log"
            result = worker.grade(assignment, student, timeout, log_path)
            if result.status == "retry":  # the machine or database was busy, not the submission's fault
                first = result
                log_path.replace(log_path.with_suffix(".first-try.log"))  # kept for whoever investigates
                result = worker.grade(assignment, student, timeout, log_path)
                result.seconds += first.seconds
                if result.status == "retry":
                    result.status = "failed"
                    result.message += f", twice; grade it again: curriculum grade {assignment} --student {student}"
                elif not result.message:
                    result.message = f"graded at the second try ({first.message} at the first)"
            done.put(result)
    except BaseException as exc:  # a worker that cannot start stops the run, with its message
        done.put(exc)
    finally:
        worker.close()


def _failure_reason(log: str) -> str:
    """The most telling line of a failed nbgrader run."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("Refused: "):  # the worker refused it before nbgrader read it (gradeworker._refused)
            return "refused: " + line[len("Refused: "):]
    for sign in ("NotJSONError", "JSONDecodeError", "Notebook does not appear to be JSON", "not valid JSON",
                 "Unreadable Notebook", "CellTimeoutError", "DeadKernelError", "Kernel died"):
        for line in lines:
            if sign in line:
                return f"nbgrader could not grade it: {line[:300]}"
    errors = [line for line in lines if "[ERROR]" in line or "Error" in line]
    return f"nbgrader could not grade it: {(errors or lines or ['no output'])[-1][:300]}"


def record_problem(course: Course, assignment: str, student: str, message: str) -> None:
    """Score a submission that could not be graded: zero on every auto-graded cell, with the reason
    as a comment that staff see in formgrader, and a feedback page for the student (there is no
    graded notebook for ``nbgrader generate_feedback`` to render): feedback/<student>/<assignment>/."""
    from .submissions import write_problem_feedback

    with course.gradebook() as gb:
        gb.update_or_create_student(student)  # nbgrader stops before adding one when no notebook was submitted
        sub = gb.update_or_create_submission(assignment, student)
        notebooks = [nb.name for nb in sub.notebooks]
        for nb in sub.notebooks:
            for grade in nb.grades:
                if grade.cell_type == "code" and grade.manual_score is None:
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = False
            for comment in nb.comments:
                comment.auto_comment = f"Not graded automatically: {message}. Talk to the course staff."
        gb.db.commit()
    write_problem_feedback(course.root, assignment, student, notebooks, message)


def _write_log(path: Path, results: list[GradeResult]) -> None:
    from .spreadsheet import write_csv

    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(path, ["student", "status", "auto score", "auto max", "seconds", "message", "log"],
              ([r.student, r.status, "" if r.auto_score is None else r.auto_score,
                "" if r.auto_max is None else r.auto_max, f"{r.seconds:.1f}", r.message, r.log] for r in results))


def _after(course: Course, assignment: str, notebooks: list[str], item: GradeResult) -> None:
    """Record a graded submission's outcome: a problem's zero, note and feedback page, or the removal of
    an earlier failure's page."""
    if item.problem:
        if item.status == "failed":  # say it in plain words when the submission shows why
            item.message = explain_failure(course.root, assignment, item.student, notebooks, item.message)
        record_problem(course, assignment, item.student, item.message)
    elif item.status == "graded":
        clear_problem_feedback(course.root, assignment, item.student)  # an earlier failure's page


def grade_cohort(course: Course, assignment: str, *, workers: int | None = None,
                 timeout: float = DEFAULT_TIMEOUT, force: bool = False, students: list[str] | None = None,
                 progress: bool = True) -> list[GradeResult]:
    """Autograde every submission of ``assignment`` (or ``students``), ``workers`` at a time."""
    course.source_notebook(assignment)
    workers = workers or default_workers()
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout}")
    found = submitted_students(course, assignment)
    if students:
        missing = [s for s in students if s not in found]
        if missing:
            raise CourseError(f"no submission of {assignment} from {', '.join(missing)} "
                              f"(expected submitted/<student>/{assignment}/)")
        found = [s for s in found if s in students]
    if not found:
        raise CourseError(f"no submissions of {assignment}: put them in submitted/<student>/{assignment}/ "
                          "(nbgrader collect or zip_collect does this)")
    refused = {s: GradeResult(s, "refused", message=f"not graded: the folder name is not a student id (it "
                              f"{STUDENT_ID_RULE}); rename submitted/<folder> to the student's id and grade again")
               for s in found if not STUDENT_ID.fullmatch(s)}
    found = [s for s in found if s not in refused]
    if not found:
        _write_log(course.root / "reports" / assignment / "grading.csv", list(refused.values()))
        return list(refused.values())
    db_url = _db_url_for_workers(course)
    # worker processes take a second or two to start: let them start while the gradebook is checked
    pool = [_Worker(course, db_url) for _ in range(min(workers, len(found)))]
    starting = [threading.Thread(target=worker.start_early, daemon=True) for worker in pool]
    for thread in starting:
        thread.start()
    try:
        notebooks = _prepare_gradebook(course, assignment)
    except BaseException:
        for thread in starting:
            thread.join()
        for worker in pool:
            worker.close()
        raise
    results = {s: GradeResult(s, "skipped", message="already graded (use --force to grade again)")
               for s in found if not force and already_graded(course, assignment, s, notebooks)}
    bar_note = [f"{r.student[:60]!r}: refused: {r.message}" for r in refused.values()]
    todo_students = [s for s in found if s not in results]
    for thread, spare in list(zip(starting, pool))[len(todo_students):]:
        thread.join()
        spare.close()
    pool, starting = pool[:len(todo_students)], starting[:len(todo_students)]
    log_dir = course.root / "reports" / assignment / "grading-logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    todo: queue.Queue[str] = queue.Queue()
    for student in todo_students:
        todo.put(student)
    done: queue.Queue[GradeResult | BaseException] = queue.Queue()
    threads = [threading.Thread(target=_work, daemon=True, args=(worker, started, assignment, timeout, log_dir,
                                                                 todo, done, stop))
               for worker, started in zip(pool, starting)]
    bar = _progress(len(todo_students), assignment, workers, progress)
    for line in bar_note:
        bar.write(line)
    try:
        for thread in threads:
            thread.start()
        for _ in todo_students:
            item = done.get()
            if isinstance(item, BaseException):
                raise item if isinstance(item, CourseError) else CourseError(f"grading stopped: {item!r}")
            results[item.student] = item
            try:
                _after(course, assignment, notebooks, item)
            except Exception as exc:  # one submission's trouble never stops the others
                item.status = "failed"
                item.message = f"{item.message}; and its problem could not be recorded ({exc.__class__.__name__}: {exc})"
            if item.problem:
                bar.write(f"{item.student}: {item.status}: {item.message}")
            bar.update(1)
    except BaseException:
        stop.set()  # interrupted: grades already written stay; running again grades the rest
        for worker in pool:
            worker.kill()
        raise
    finally:
        stop.set()
        bar.close()
        for thread in threads:
            thread.join(timeout=60)
    by_student = {(s.student): s for s in course.scores(assignment)}
    ordered = []
    for student in found:
        r = results[student]
        if student in by_student:
            r.auto_score, r.auto_max = by_student[student].auto_score, by_student[student].auto_max
        ordered.append(r)
    ordered += refused.values()
    _write_log(course.root / "reports" / assignment / "grading.csv", ordered)
    return ordered


def _progress(total: int, assignment: str, workers: int, show: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=f"grading {assignment} ({workers} at a time)", unit="submission",
                disable=not show or total == 0, file=sys.stderr, dynamic_ncols=True)
