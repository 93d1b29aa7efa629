"""The pool of grading workers: long-lived processes (:mod:`.worker`), each fed one submission at a
time by a thread of the run, restarted after a timeout or a crash; a failure that is the machine's
fault, not the submission's, is graded once more."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

from ..course import Course, CourseError
from .results import GradeResult
from .worker import RESULT_MARK

__all__ = ["DEFAULT_TIMEOUT", "RETRY_SIGNS", "Worker", "db_url_for_workers", "work"]


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


def db_url_for_workers(course: Course) -> str:
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


class Worker:
    """One long-lived ``curriculum.staff.grade.worker`` process, restarted after a timeout or a crash.

    Its results come on a pipe of their own; its stdout and stderr (nbgrader's log, and a kernel's
    output when an instructor's test code needs one) only ever go into the submission's log."""

    STARTUP_TIMEOUT = 300.0

    def __init__(self, course: Course, db_url: str):
        self.course, self.db_url = course, db_url
        self.proc: subprocess.Popen[str] | None = None
        self.results: queue.Queue[str | None] = queue.Queue()
        self.said: queue.Queue[str | None] = queue.Queue()

    def _start(self) -> None:
        from ...nbhelpers import tools_env

        env = tools_env()
        read_fd, write_fd = os.pipe()
        cmd = [sys.executable, "-m", "curriculum.staff.grade.worker", str(self.course.root), self.db_url, str(write_fd)]
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


def work(worker: Worker, started: threading.Thread, assignment: str, timeout: float, log_dir: Path,
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
        if line.startswith("Refused: "):  # the worker refused it before nbgrader read it (worker._refused)
            return "refused: " + line[len("Refused: "):]
    for sign in ("NotJSONError", "JSONDecodeError", "Notebook does not appear to be JSON", "not valid JSON",
                 "Unreadable Notebook", "CellTimeoutError", "DeadKernelError", "Kernel died"):
        for line in lines:
            if sign in line:
                return f"nbgrader could not grade it: {line[:300]}"
    errors = [line for line in lines if "[ERROR]" in line or "Error" in line]
    return f"nbgrader could not grade it: {(errors or lines or ['no output'])[-1][:300]}"


