"""Case files: reading and validating them, and the package data they draw on."""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..case_schema import AssessmentCase, Case
from ..errors import CaseFileError


#: Environment variable naming extra case files or folders.
ENV_VAR = "CURRICULUM_CASES"
CASE_SUFFIXES = (".yaml", ".yml", ".json")
#: libyaml's parser when PyYAML was built with it (ten times faster than the pure-Python one).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 (a safe loader)


def _data(*parts: str):
    return resources.files("curriculum").joinpath("data", *parts)


@lru_cache(maxsize=1)
def guidelines() -> dict[str, dict[str, str]]:
    """Guideline id -> {title, source}: what cases may cite."""
    return _load_yaml(_data("guidelines.yaml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def invented_names() -> frozenset[str]:
    """Every invented person's name the built-in cases may use."""
    data = _load_yaml(_data("invented_names.yaml").read_text(encoding="utf-8")) or {}
    return frozenset(data.get("names", []))


def _parse(text: str, path: str) -> Any:
    try:
        return json.loads(text) if path.endswith(".json") else _load_yaml(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise CaseFileError(path, [("-", "-", f"not valid {'JSON' if path.endswith('.json') else 'YAML'}: {exc}")]) from None


def read_case_file(path: str | os.PathLike[str], text: str | None = None) -> list[Case | AssessmentCase]:
    """Validate one case file and return its cases; raise :class:`CaseFileError` listing every problem.

    A file holds a ``cases`` list (teaching cases) and/or an ``assessment_cases`` list (cases used by
    graded items, text only)."""
    name = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CaseFileError(name, [("-", "-", f"cannot be read ({exc.__class__.__name__}: {exc})")]) from None
    data = _parse(text, name)
    lists = {"cases": Case, "assessment_cases": AssessmentCase}
    if (not isinstance(data, dict) or not set(data) & set(lists) or set(data) - set(lists)
            or not all(isinstance(data[k], list) for k in set(data) & set(lists))):
        raise CaseFileError(name, [("-", "cases", "the file must be a mapping with a 'cases' list "
                                                  "(and optionally an 'assessment_cases' list), nothing else")])
    cases, errors = [], []
    for key, model in lists.items():
        for index, raw in enumerate(data.get(key, [])):
            cid = raw.get("id", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
            try:
                cases.append(model.model_validate(raw))
            except ValidationError as exc:
                for err in exc.errors():
                    loc = ".".join(str(p) for p in err["loc"]) or "-"
                    errors.append((str(cid), loc, err["msg"]))
    seen: dict[str, int] = {}
    for case in cases:
        seen[case.id] = seen.get(case.id, 0) + 1
    errors += [(cid, "id", f"used {n} times in this file") for cid, n in seen.items() if n > 1]
    for case in cases:
        for ref in getattr(case, "guidelines", ()):
            if ref not in guidelines():
                close = difflib.get_close_matches(ref, guidelines(), n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                errors.append((case.id, "guidelines", f"unknown guideline id {ref!r}{hint}"))
    if errors:
        raise CaseFileError(name, errors)
    return cases


def _files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    out = []
    for p in paths:
        p = Path(p).expanduser()
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix in CASE_SUFFIXES and f.is_file())
        elif p.exists():
            out.append(p)
        else:
            raise CaseFileError(str(p), [("-", "-", f"no such file or folder (named in {ENV_VAR} or extra=)")])
    return out


def _env_paths() -> list[str]:
    return [p for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()]
