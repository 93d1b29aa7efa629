"""Links in a submission: grading never follows them.

A symbolic link in ``submitted/<student>/<assignment>/`` can point at a classmate's answer file, the
course's source, or any file the grader can read; nbgrader would read it and copy its content into
``autograded/`` and ``feedback/``. So:

- ``curriculum grade`` refuses a submission whose folder or notebook is a link before nbgrader
  reads anything, and keeps every other link out of nbgrader's copy (:mod:`curriculum.gradeworker`);
- with stock ``nbgrader autograde`` too, ``CheckSubmission`` never uses a linked notebook or answer
  file and removes what nbgrader copied through a link from ``autograded/``;
- either way a note says what was refused.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["LINK_REASON", "folder_link", "links_in", "remove_copies"]

LINK_REASON = "grading never follows links: submit the files themselves"


def folder_link(root: Path, student: str, assignment: str) -> str | None:
    """``"<student>/"`` or ``"<student>/<assignment>/"`` if that folder of ``root`` is a link."""
    for part in (Path(student), Path(student) / assignment):
        if (root / part).is_symlink():
            return f"{part.as_posix()}/"
    return None


def links_in(folder: Path) -> list[str]:
    """The links inside ``folder`` (to files or folders, dangling ones too), as paths relative to it,
    without following any."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):  # os.walk does not descend into linked folders
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            if path.is_symlink():
                found.append(path.relative_to(folder).as_posix())
    return sorted(found)


def remove_copies(dest: Path, links: list[str]) -> list[str]:
    """Delete what nbgrader copied through ``links`` into ``dest`` (the autograded folder); return
    what was deleted. Only paths inside ``dest`` are touched."""
    removed = []
    top = dest.resolve()
    for rel in links:
        path = dest / rel
        try:
            inside = path.parent.resolve().is_relative_to(top)
        except OSError:
            continue
        if not inside or not (path.exists() or path.is_symlink()):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(rel)
    return removed
