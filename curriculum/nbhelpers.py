"""Small helpers for living with nbgrader 0.9, used by the course config and the staff commands: the
one place for the tools' PATH, the course config, a database URL fit to print, and nbgrader's quirks."""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from pathlib import Path
from typing import Any

__all__ = ["KERNEL_DESIGN_CONFIG", "cell_meta", "check_schemas_once", "environment", "grade_id", "has_cell_meta", "hidden_test_markers", "lighter_imports", "load_course_config",
           "put_tools_on_path", "quiet_known_warnings", "reuse_database_engines", "shown_url", "solution_markers",
           "tools_env"]

#: Where this Python's commands are (nbgrader runs ``alembic`` from the PATH to make a new gradebook).
TOOLS = str(Path(sys.executable).parent)


@contextlib.contextmanager
def environment(**values: str | None):
    """Set (or, with None, unset) environment variables for the duration, then restore them as they
    were (nbgrader.utils.setenv restores the wrong values)."""
    before = {name: os.environ.get(name) for name in values}
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def tools_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of ``env`` (default: this process's environment) with :data:`TOOLS` first on the PATH,
    for an nbgrader process or a grading worker."""
    env = dict(os.environ if env is None else env)
    env["PATH"] = TOOLS + os.pathsep + env.get("PATH", "")
    return env


def put_tools_on_path() -> None:
    """Put :data:`TOOLS` on this process's PATH (nbgrader's Gradebook runs ``alembic`` in-process)."""
    if TOOLS not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = TOOLS + os.pathsep + os.environ.get("PATH", "")


def shown_url(url: str) -> str:
    """A database URL as it may be printed: its password hidden."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unreadable URL might hold a password anywhere
        return "(unreadable database URL)"


def cell_meta(cell: Any) -> dict[str, Any]:
    """A cell's nbgrader metadata (``metadata.nbgrader``): ``{}`` when it has none, or when what it has
    is not an object (a hand-edited submission). Every module reads cells through this."""
    meta = cell.get("metadata") if hasattr(cell, "get") else None
    value = meta.get("nbgrader") if isinstance(meta, dict) else None
    return value if isinstance(value, dict) else {}


def has_cell_meta(cell: Any) -> bool:
    """Whether a cell carries nbgrader metadata at all (even an empty or broken one)."""
    meta = cell.get("metadata") if hasattr(cell, "get") else None
    return isinstance(meta, dict) and "nbgrader" in meta


def grade_id(cell: Any) -> str | None:
    """A cell's nbgrader grading id, if it has one."""
    return cell_meta(cell).get("grade_id")


def hidden_test_markers(config=None) -> tuple[str, str]:
    """nbgrader's markers of a hidden-test region, as ``config`` (a course's) sets them, else nbgrader's
    defaults: every module that looks for hidden tests asks here."""
    from nbgrader.preprocessors import ClearHiddenTests

    clear = ClearHiddenTests(config=config) if config is not None else ClearHiddenTests()
    return clear.begin_test_delimeter, clear.end_test_delimeter


def solution_markers(config=None) -> tuple[str, str]:
    """nbgrader's markers of a solution region (see :func:`hidden_test_markers`)."""
    from nbgrader.preprocessors import ClearSolutions

    clear = ClearSolutions(config=config) if config is not None else ClearSolutions()
    return clear.begin_solution_delimeter, clear.end_solution_delimeter


def load_course_config(root: Path):
    """The traitlets config of a course's ``nbgrader_config.py``, read as nbgrader reads it: from the
    course folder, so that its relative paths hold. Raises what loading raises."""
    from nbgrader import utils as nbutils
    from traitlets.config.loader import PyFileConfigLoader

    with nbutils.chdir(str(root)):
        return PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()


def quiet_known_warnings() -> None:
    """Silence nbgrader 0.9's "Object of type <SubmittedAssignment> not in session" SQLAlchemy 2
    warnings: nbgrader gives them the first time it records each submission, then adds it correctly,
    so they are noise in every grading log (and an honest submission should log no warning)."""
    warnings.filterwarnings("ignore", message=r"Object of type <Submitted\w+> not in session")


#: Appended to a course's ``nbgrader_config.py``, this grades as the course did before grading as data:
#: nbgrader's Execute runs every cell of the submission, the student's own cells too, in a kernel.
#: Only for comparisons: ``benchmarks/grading.py`` times it, ``tests/preprocessors/test_integrity.py`` shows what
#: student code could do under it. Never use it to grade students.
KERNEL_DESIGN_CONFIG = """
# kernel design (for comparison only): every cell runs in a kernel, student code included, and
# nbconvert checks the notebook after every step, and nbgrader's own preprocessors query the gradebook
# once per cell, as the course config did then
def _kernel_design(name):
    if name.endswith(".GradeAnswers"):
        return "nbgrader.preprocessors.Execute"
    if name.rsplit(".", 1)[-1] in ("OverwriteCells", "SaveAutoGrades"):
        return "nbgrader.preprocessors." + name.rsplit(".", 1)[-1]
    return name
c.Autograde.sanitize_preprocessors = [_kernel_design(p) for p in c.Autograde.sanitize_preprocessors]
c.Autograde.autograde_preprocessors = [_kernel_design(p) for p in c.Autograde.autograde_preprocessors]
c.NotebookExporter.optimistic_validation = False
"""


def lighter_imports() -> None:
    """Call first thing in the course's own grading processes (``curriculum`` and its grading
    workers), before anything imports jsonschema.

    jsonschema imports the optional ``rfc3987_syntax`` package when it is installed (JupyterLab's
    jupyter-events brings it), only to check the "iri" string format, and that import builds a
    grammar: 0.84 s in every process, measured here, which is most of a grading worker's start-up.
    No schema that nbformat or nbgrader use has such a format, so these processes do without it."""
    import sys

    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # `import rfc3987_syntax` then raises ImportError


class _CheckedSchemas:
    """``jsonschema`` as nbgrader's metadata validator uses it, with each schema checked once.

    nbgrader 0.9 calls ``jsonschema.validate(metadata, schema)`` for every cell of every notebook it
    grades, and that call first checks the schema itself against the meta-schema: a quarter of a
    submission's grading time here, for the same two schemas every time. ``validate`` below does what
    jsonschema's does (check the schema, then raise the best-matching error) but checks each schema
    only once; every other name is jsonschema's own."""

    def __init__(self, jsonschema):
        self._jsonschema = jsonschema
        self._validators = {}
        self._last = (None, None)  # the schema object last seen, and its validator

    def validate(self, instance, schema):
        if schema is not self._last[0]:  # nbgrader reads its schema file anew for each notebook
            import json

            key = json.dumps(schema, sort_keys=True)
            if key not in self._validators:
                cls = self._jsonschema.validators.validator_for(schema)
                cls.check_schema(schema)
                self._validators[key] = cls(schema)
            self._last = (schema, self._validators[key])
        error = self._jsonschema.exceptions.best_match(self._last[1].iter_errors(instance))
        if error is not None:
            raise error

    def __getattr__(self, name):
        return getattr(self._jsonschema, name)


def check_schemas_once() -> None:
    """In a process that grades many submissions (a grading worker), let nbgrader's metadata checks
    check their schemas once instead of once per cell (:class:`_CheckedSchemas`); same results."""
    from nbgrader.nbgraderformat import common

    if not isinstance(common.jsonschema, _CheckedSchemas):
        common.jsonschema = _CheckedSchemas(common.jsonschema)


def reuse_database_engines() -> None:
    """In a process that grades many submissions (a grading worker), let nbgrader's gradebooks share
    one database engine per URL, and create the tables (which exist) only the first time.

    nbgrader 0.9 opens a new ``Gradebook`` about nine times per submission, and each one makes a new
    SQLAlchemy engine (connects and reads the database's settings) and checks every table: measured
    here, 30 % of grading a submission as data. ``Gradebook.close()`` still disposes of the engine's
    connections each time, so no connection is held between uses; the queries nbgrader makes, and so
    the grades, are the same."""
    import nbgrader.api as api

    if getattr(api.create_engine, "_curriculum_shared", False):
        return
    make, engines = api.create_engine, {}
    create_all, created = api.Base.metadata.create_all, set()

    def shared_engine(url, **options):
        key = (str(url), tuple(sorted(options.items())))
        if key not in engines:
            engines[key] = make(url, **options)
        return engines[key]

    def create_tables_once(bind=None, **options):
        if id(bind) not in created:
            create_all(bind=bind, **options)
            created.add(id(bind))  # the engines are kept in ``engines``, so their ids stay their own

    shared_engine._curriculum_shared = True
    api.create_engine = shared_engine
    api.Base.metadata.create_all = create_tables_once
