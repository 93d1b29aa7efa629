"""``curriculum grade``: a cohort autograded with nbgrader's own autograder, several submissions at a time.

A run plans (:mod:`.plan`: who is graded, refused or skipped), runs (:mod:`.pool`: the workers, each
a process of :mod:`.worker`), then reports (:mod:`.results`: each submission's outcome and
``grading.csv``; :mod:`.failures`: a submission that cannot be graded gets its zero, the reason and a
feedback page). :func:`grade_cohort` (:mod:`.cohort`) does the three in order.
"""

from .cohort import GradeResult, default_workers, grade_cohort, submitted_students

__all__ = ["GradeResult", "default_workers", "grade_cohort", "submitted_students"]
