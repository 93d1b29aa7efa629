"""A grading worker: one process that imports nbgrader once and then autogrades submissions on request.

Started by :mod:`curriculum.staff.grade.cohort` as ``python -m curriculum.staff.grade.worker COURSE_ROOT DB_URL RESULT_FD``.
It reads one request per line on stdin (``{"assignment": ..., "student": ...}`` as JSON) and answers
each with one line on the pipe ``RESULT_FD`` that starts with :data:`RESULT_MARK` followed by JSON
(``success``, ``log``, ``error``). Anything it prints on stdout or stderr (nbgrader's console log, a
kernel's output) is plain text for the submission's log: a kernel shares those, never the result
pipe, which is not inherited by anything the worker starts, so no cell can forge a result.

Each request is graded by nbgrader's own ``NbGraderAPI.autograde`` (what formgrader's autograde button
runs: the ``Autograde`` converter with the course's nbgrader_config.py), so the scores are those of
``nbgrader autograde``. Importing nbgrader takes seconds; a worker pays that once, not per submission.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

__all__ = ["RESULT_MARK", "main"]

RESULT_MARK = "@@curriculum-grade-result "
#: A notebook larger than this is refused before nbgrader reads it (the course's are below 1 MB).
MAX_NOTEBOOK_BYTES = 50_000_000


def _api(course_root: Path, db_url: str):
    from nbgrader.apps.api import NbGraderAPI

    from ...nbhelpers import load_course_config

    config = load_course_config(course_root)
    config.CourseDirectory.root = str(course_root)
    config.CourseDirectory.db_url = db_url
    return NbGraderAPI(config=config)


def _refused(course_root: Path, assignment: str, student: str) -> tuple[str | None, list[str]]:
    """Links in the submission (:mod:`curriculum.preprocessors.links`), before nbgrader reads anything: a reason to
    refuse it when its folder or a notebook is a link, else the names of the links nbgrader must not
    copy (``CheckSubmission`` notes them)."""
    from ...preprocessors.links import LINK_REASON, folder_link, links_in

    root = course_root / "submitted"
    folder = folder_link(root, student, assignment)
    if folder:
        return f"its folder submitted/{folder} is a link to somewhere else ({LINK_REASON})", []
    links = links_in(root / student / assignment)
    notebooks = [link for link in links if link.endswith(".ipynb")]
    if notebooks:
        return f"its notebook {notebooks[0]} is a link to another file ({LINK_REASON})", []
    for path in (root / student / assignment).glob("*.ipynb"):
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            return (f"its notebook {path.name} is {size / 1e6:.0f} MB; a notebook of this course is far below "
                    f"{MAX_NOTEBOOK_BYTES / 1e6:.0f} MB even with every output (clear the outputs, save and submit "
                    "again)"), []
    return None, links


def _autograde(api, course_root: Path, assignment: str, student: str) -> dict:
    import glob

    from nbgrader.utils import temp_attrs

    reason, links = _refused(course_root, assignment, student)
    if reason:
        return {"success": False, "log": "", "error": f"Refused: {reason}\n"}
    ignore = list(api.coursedir.ignore) + [glob.escape(Path(link).name) for link in links]
    with temp_attrs(api.coursedir, ignore=ignore):
        return api.autograde(assignment, student, force=True, create=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3 or not argv[2].isdigit():
        print("usage: python -m curriculum.staff.grade.worker COURSE_ROOT DB_URL RESULT_FD", file=sys.stderr)
        return 2
    course_root, db_url, result_fd = Path(argv[0]).resolve(), argv[1], int(argv[2])
    import os

    from ...nbhelpers import check_schemas_once, lighter_imports, reuse_database_engines

    lighter_imports()

    os.set_inheritable(result_fd, False)  # kernels and other children never get the result pipe
    results = os.fdopen(result_fd, "w", encoding="utf-8", buffering=1)
    os.chdir(course_root)  # nbgrader_config.py uses paths relative to the course folder
    api = _api(course_root, db_url)
    check_schemas_once()
    reuse_database_engines()
    from ...preprocessors.asdata import warm_up

    warm_up()
    print(RESULT_MARK + json.dumps({"ready": True}), file=results, flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        result = _autograde(api, course_root, request["assignment"], request["student"])
        sys.stdout.flush()
        sys.stderr.flush()
        print(RESULT_MARK + json.dumps({"success": bool(result.get("success")), "log": result.get("log", ""),
                                        "error": result.get("error", "")}), file=results, flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
