"""``curriculum grade``: a cohort autograded with nbgrader's own autograder, several submissions at a time.

A run plans (:mod:`.plan`: who is graded, refused or skipped), runs (:mod:`.pool`: the workers, each
a process of :mod:`.worker`), then reports (:mod:`.results`: each submission's outcome and
``grading.csv``; :mod:`.failures`: a submission that cannot be graded gets its zero, the reason and a
feedback page). :func:`grade_cohort` (:mod:`.cohort`) does the three in order.
"""

__all__ = ["GradeResult", "default_workers", "grade_cohort", "submitted_students"]


def __getattr__(name: str):
    # imported on first use: a worker process (python -m curriculum.staff.grade.worker) starts in this
    # package and must not import the run's modules (and nbformat's jsonschema) before it is ready to
    if name in __all__:
        from . import cohort

        return getattr(cohort, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
