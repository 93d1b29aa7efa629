"""Grade a cohort with nbgrader's own autograder, several submissions at a time.

``workers`` long-lived worker processes (:mod:`curriculum.staff.grade.worker`) each import nbgrader once and
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
import queue
import sys
import threading

from ..course import Course, CourseError
from .failures import clear_problem_feedback, explain_failure, record_problem
from .plan import already_graded, choose, prepare_gradebook, submitted_students
from .pool import DEFAULT_TIMEOUT, Worker, db_url_for_workers, work
from .results import GradeResult, write_log

__all__ = ["GradeResult", "default_workers", "grade_cohort", "submitted_students"]

def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover (not Linux)
        return max(1, os.cpu_count() or 1)


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
    found, refused = choose(course, assignment, students)
    if not found:
        write_log(course.root / "reports" / assignment / "grading.csv", refused)
        return refused
    db_url = db_url_for_workers(course)
    # worker processes take a second or two to start: let them start while the gradebook is checked
    pool = [Worker(course, db_url) for _ in range(min(workers, len(found)))]
    starting = [threading.Thread(target=worker.start_early, daemon=True) for worker in pool]
    for thread in starting:
        thread.start()
    try:
        notebooks = prepare_gradebook(course, assignment)
    except BaseException:
        for thread in starting:
            thread.join()
        for worker in pool:
            worker.close()
        raise
    results = {s: GradeResult(s, "skipped", message="already graded (use --force to grade again)")
               for s in found if not force and already_graded(course, assignment, s, notebooks)}
    bar_note = [f"{r.student[:60]!r}: refused: {r.message}" for r in refused]
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
    threads = [threading.Thread(target=work, daemon=True, args=(worker, started, assignment, timeout, log_dir,
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
    ordered += refused
    write_log(course.root / "reports" / assignment / "grading.csv", ordered)
    return ordered


def _progress(total: int, assignment: str, workers: int, show: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=f"grading {assignment} ({workers} at a time)", unit="submission",
                disable=not show or total == 0, file=sys.stderr, dynamic_ncols=True)
