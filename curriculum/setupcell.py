"""How a built notebook learns how it varies: the course build writes its variant settings into the
setup cell, ``quiz = Quiz("01-patient-privacy", variants="order", course="...")``.

The settings come from the course plan (``variants:`` in ``assignments/<assignment>.yaml``, default
``order``; ``off`` for a notebook the plan does not list; the offering, ``start:`` in ``course.yaml``)
and the pools from the notebook's own hidden tests (``pools=`` beside each key), so each is written
once. The setup cell is a locked course cell, so grading reads the settings back from the assignment
as the gradebook records it, never from a submission (:func:`curriculum.keys.quiz_settings`). With
``variants: off`` the notebook is left exactly as authored.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from .variants import COURSE_ID, DEFAULT_MODE, Settings, check_mode, settings_call

__all__ = ["course_settings", "with_settings"]


def _yaml(path: Path) -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: every nbgrader process reads the plan
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}  # noqa: S506 (a safe loader)
    except FileNotFoundError:
        return {}
    except yaml.YAMLError as exc:
        raise ValueError(f"{path.name} is not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path.name} must be a YAML mapping")
    return data


def course_settings(root: str | Path, assignment: str, nb: dict[str, Any]) -> Settings:
    """How ``assignment`` varies, from the course plan in ``<root>/assignments/`` and the pools of its
    notebook ``nb``. ValueError for a plan value that is not one of the modes."""
    folder = Path(root) / "assignments"
    plan = folder / f"{assignment}.yaml"
    # an assignment outside the course plan (a scratch notebook, a test's) is left as authored
    mode = _yaml(plan).get("variants", DEFAULT_MODE) if plan.is_file() else "off"
    if mode is False:  # YAML reads a bare `off` as false
        mode = "off"
    try:
        check_mode(mode)
    except ValueError as exc:
        raise ValueError(f"assignments/{assignment}.yaml: {exc}") from None
    start = _yaml(folder / "course.yaml").get("start", "")
    from .keys import declared_pools

    return Settings(mode, f"{COURSE_ID}/{start}", declared_pools(nb) if mode == "cases" else {})


_SETUP = re.compile(r"""\bQuiz\((?P<name>"[^"\\]+"|'[^'\\]+')\)""")


def with_settings(nb: dict[str, Any], notebook: str, settings: Settings) -> dict[str, Any]:
    """A notebook like ``nb`` (which is not changed) with its setup cell's ``Quiz("<notebook>")`` given
    ``settings``; ``nb`` itself when they are off. ValueError if no setup cell makes the notebook's Quiz
    with its name alone."""
    if not settings.on:
        return nb
    cells = list(nb.get("cells", []))
    for index, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell.get("source", ""))
        match = _SETUP.search(source)
        if match and ast.literal_eval(match.group("name")) == notebook:
            # a new notebook and setup cell around the same other cells (nothing else changes: no deep copy)
            cells[index] = {**cell, "source": source[:match.end() - 1] + settings_call(settings)
                            + source[match.end() - 1:]}
            return {**nb, "cells": cells}
    raise ValueError(f"{notebook}: no setup cell with quiz = Quiz({notebook!r}) to write the variant settings "
                     "into (give the notebook's name only; the build adds the rest)")
