"""One course for the United States, Canada and the United Kingdom: which cells a build teaches.

A source notebook holds every jurisdiction's version of the cells that depend on the law (cell
metadata ``{"curriculum": {"jurisdiction": ["canada"]}}``, a list or one name); cells without the mark
are shared. A jurisdiction's *view* of a notebook keeps the shared cells and its own, in order, with
the mark removed, so nbgrader and every course tool see one ordinary notebook: a graded item whose
key depends on the law has one widget cell and one hidden test per jurisdiction under the same
grade_id, and each view has exactly one of them.

The course's jurisdiction is ``jurisdiction:`` in ``assignments/course.yaml`` (default ``us``);
``CURRICULUM_JURISDICTION`` overrides it for one command (``curriculum build --jurisdiction`` sets it
for the nbgrader runs it starts). :func:`prepared_source` writes the views of ``source/``, each with its
variant settings in its setup cell (:mod:`curriculum.setupcell`), into
``.curriculum/source-<jurisdiction>/``, which ``nbgrader_config.py`` names as nbgrader's source
directory; instructors edit ``source/`` only.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path
from typing import Any

__all__ = ["ENV", "JURISDICTIONS", "LABELS", "check", "course_jurisdiction", "marked", "prepared_source", "view"]

#: The jurisdictions a build can teach, the default first.
JURISDICTIONS = ("us", "canada", "uk")
LABELS = {"us": "United States", "canada": "Canada", "uk": "United Kingdom"}
#: Overrides the course's jurisdiction for one command.
ENV = "CURRICULUM_JURISDICTION"
_KEY = "curriculum"


def check(jurisdiction: str) -> str:
    """``jurisdiction`` itself, if it is one the course builds; else a ValueError naming the choices."""
    if jurisdiction not in JURISDICTIONS:
        raise ValueError(f"unknown jurisdiction {jurisdiction!r}; choose one of {', '.join(JURISDICTIONS)}")
    return jurisdiction


def marked(cell: dict[str, Any]) -> tuple[str, ...] | None:
    """The jurisdictions a cell belongs to, or None for a shared cell. Raises ValueError for a mark
    that names no known jurisdiction (a typo must not drop a cell from every build)."""
    meta = (cell.get("metadata") or {}).get(_KEY) or {}
    if "jurisdiction" not in meta:
        return None
    value = meta["jurisdiction"]
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ValueError(f"cell {cell.get('id', '?')}: metadata curriculum.jurisdiction must be a name or a "
                         f"list of names from {', '.join(JURISDICTIONS)}, not {value!r}")
    for name in names:
        check(name)
    return tuple(names)


def view(nb: dict[str, Any], jurisdiction: str) -> dict[str, Any]:
    """The notebook as a build for ``jurisdiction`` teaches it (a copy; ``nb`` is unchanged)."""
    check(jurisdiction)
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.get("cells", []):
        names = marked(cell)
        if names is not None and jurisdiction not in names:
            continue
        meta = cell.get("metadata", {}).get(_KEY)
        if isinstance(meta, dict):
            meta.pop("jurisdiction", None)
            if not meta:
                del cell["metadata"][_KEY]
        cells.append(cell)
    out["cells"] = cells
    return out


def course_jurisdiction(root: str | os.PathLike[str] = ".") -> str:
    """The jurisdiction a command builds and grades: $CURRICULUM_JURISDICTION, else course.yaml's."""
    if os.environ.get(ENV):
        return check(os.environ[ENV])
    import yaml

    path = Path(root) / "assignments" / "course.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return JURISDICTIONS[0]
    return check(str(data.get("jurisdiction", JURISDICTIONS[0])))


def _write_if_changed(path: Path, text: str) -> None:
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)  # atomic: two nbgrader processes may prepare the same folder at once


def prepared_source(root: str | os.PathLike[str] = ".", jurisdiction: str | None = None) -> str:
    """Write the views of ``<root>/source/`` for the jurisdiction into ``.curriculum/source-<j>/``
    (only what changed) and return that folder, relative to ``root``, for nbgrader's config."""
    root = Path(root)
    jurisdiction = check(jurisdiction or course_jurisdiction(root))
    relative = Path(".curriculum") / f"source-{jurisdiction}"
    dest = root / relative
    source = root / "source"
    wanted: set[Path] = set()
    for path in sorted(source.rglob("*")) if source.is_dir() else []:
        if path.is_dir() or ".ipynb_checkpoints" in path.parts or path.name.endswith(".answers.json"):
            continue
        target = dest / path.relative_to(source)
        wanted.add(target)
        if path.suffix == ".ipynb":
            try:
                nb = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)  # as it is: nbgrader reports a broken notebook itself
                continue
            shown = view(nb, jurisdiction)
            if target.stem == target.parent.name:  # an assignment's notebook: how it varies per student
                from .setupcell import course_settings, with_settings

                shown = with_settings(shown, target.stem, course_settings(root, target.stem, shown))
            _write_if_changed(target, json.dumps(shown, indent=1, ensure_ascii=False) + "\n")
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    for stale in sorted(dest.rglob("*"), reverse=True) if dest.is_dir() else []:
        if stale.is_file() and stale not in wanted and not stale.name.startswith("."):
            stale.unlink()
        elif stale.is_dir() and not any(stale.iterdir()):
            stale.rmdir()
    return relative.as_posix()
