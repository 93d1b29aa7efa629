"""A grading worker: one process that imports nbgrader once and then autogrades submissions on request.

Started by :mod:`curriculum.cohort` as ``python -m curriculum.gradeworker COURSE_ROOT DB_URL RESULT_FD``.
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


def _api(course_root: Path, db_url: str):
    from nbgrader.apps.api import NbGraderAPI
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()
    config.CourseDirectory.root = str(course_root)
    config.CourseDirectory.db_url = db_url
    return NbGraderAPI(config=config)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3 or not argv[2].isdigit():
        print("usage: python -m curriculum.gradeworker COURSE_ROOT DB_URL RESULT_FD", file=sys.stderr)
        return 2
    course_root, db_url, result_fd = Path(argv[0]).resolve(), argv[1], int(argv[2])
    import os

    from .nbhelpers import check_schemas_once, lighter_imports, reuse_database_engines

    lighter_imports()

    os.set_inheritable(result_fd, False)  # kernels and other children never get the result pipe
    results = os.fdopen(result_fd, "w", encoding="utf-8", buffering=1)
    os.chdir(course_root)  # nbgrader_config.py uses paths relative to the course folder
    api = _api(course_root, db_url)
    check_schemas_once()
    reuse_database_engines()
    from .asdata import warm_up

    warm_up()
    print(RESULT_MARK + json.dumps({"ready": True}), file=results, flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        result = api.autograde(request["assignment"], request["student"], force=True, create=True)
        sys.stdout.flush()
        sys.stderr.flush()
        print(RESULT_MARK + json.dumps({"success": bool(result.get("success")), "log": result.get("log", ""),
                                        "error": result.get("error", "")}), file=results, flush=True)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
