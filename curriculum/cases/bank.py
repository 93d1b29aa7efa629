"""The case bank: the built-in cases and the instructors', and queries on them."""

from __future__ import annotations

import difflib
import os
import random
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..case_schema import AssessmentCase, AuthorRole, Case, Domain, Jurisdiction, Platform, Severity, Verdict

if TYPE_CHECKING:
    import pandas as pd

from ..errors import CaseBankWarning, CaseFileError
from .files import CASE_SUFFIXES, _data, _env_paths, _files, read_case_file


@dataclass
class CaseBank:
    """Validated cases with where each came from, and the problems met while loading."""

    cases: dict[str, Case] = field(default_factory=dict)
    assessment: dict[str, AssessmentCase] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    problems: list[CaseFileError] = field(default_factory=list)

    def _add(self, case: Case | AssessmentCase, origin: str) -> None:
        target = self.assessment if isinstance(case, AssessmentCase) else self.cases
        target[case.id], self.origin[case.id] = case, origin

    @classmethod
    def load(cls, extra: Iterable[str | os.PathLike[str]] = (), *, builtin: bool = True,
             use_env: bool = True) -> CaseBank:
        bank = cls()
        if builtin:
            for case, origin in _builtin():
                if case.id in bank.origin:
                    bank.problems.append(CaseFileError(origin, [(case.id, "id", f"already defined in {bank.origin[case.id]}")]))
                    continue
                bank._add(case, origin)
        try:
            files = _files([*(_env_paths() if use_env else []), *extra])
        except CaseFileError as exc:
            bank.problems.append(exc)
            files = []
        for path in files:
            try:
                loaded = read_case_file(path)
            except CaseFileError as exc:
                bank.problems.append(exc)
                continue
            clashes = [(c.id, "id", f"already defined in {bank.origin[c.id]}") for c in loaded if c.id in bank.origin]
            if clashes:
                bank.problems.append(CaseFileError(str(path), clashes))
            for case in loaded:
                if case.id not in bank.origin:
                    bank._add(case, str(path))
        return bank

    def get(self, case_id: str) -> Case | AssessmentCase:
        """A teaching case or an assessment case (text only) by id."""
        try:
            return self.cases.get(case_id) or self.assessment[case_id]
        except KeyError:
            close = difflib.get_close_matches(case_id, list(self.origin), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ValueError(f"no case with id {case_id!r} in the case bank{hint}") from None

    def select(self, *, domain=None, platform=None, role=None, verdict=None, severity=None,
               min_severity=None, good_practice: bool | None = None, jurisdiction=None) -> list[Case]:
        """``jurisdiction``: the cases that fit a build of the course for it (its own and ``any``)."""
        wanted = {
            "domain": _values(Domain, domain, "domain"),
            "platform": _values(Platform, platform, "platform"),
            "role": _values(AuthorRole, role, "role"),
            "verdict": _values(Verdict, verdict, "verdict"),
            "severity": _values(Severity, severity, "severity"),
        }
        if min_severity is not None:
            min_severity = _values(Severity, min_severity, "min_severity")[0]
        fits = None
        if jurisdiction is not None:
            fits = {Jurisdiction.any, *_values(Jurisdiction, jurisdiction, "jurisdiction")}
        out = []
        for case in self.cases.values():
            if fits is not None and case.jurisdiction not in fits:
                continue
            if wanted["domain"] and not set(case.domains) & set(wanted["domain"]):
                continue
            if wanted["platform"] and case.platform not in wanted["platform"]:
                continue
            if wanted["role"] and case.author_role not in wanted["role"]:
                continue
            if wanted["verdict"] and case.verdict not in wanted["verdict"]:
                continue
            if wanted["severity"] and case.severity not in wanted["severity"]:
                continue
            if min_severity is not None and case.severity < min_severity:
                continue
            if good_practice is not None and case.good_practice != good_practice:
                continue
            out.append(case)
        return sorted(out, key=lambda c: c.id)

    def sample(self, n: int, seed: int | None = 0, **filters: Any) -> list[Case]:
        pool = self.select(**filters)
        if not 0 <= n <= len(pool):
            raise ValueError(f"cannot sample {n} case(s): {len(pool)} match the filters")
        return sorted(random.Random(seed).sample(pool, n), key=lambda c: c.id)

    def frame(self, cases: Sequence[Case] | None = None) -> pd.DataFrame:
        import pandas as pd

        rows = []
        for case in cases if cases is not None else sorted(self.cases.values(), key=lambda c: c.id):
            row = case.model_dump(mode="json")
            row["severity"] = int(case.severity)
            row["good_practice"] = case.good_practice
            row["origin"] = self.origin.get(case.id, "")
            rows.append(row)
        columns = ["id", "title", "platform", "author_role", "kind", "text", "domains", "severity", "verdict",
                   "identifiers", "guidelines", "teaching_points", "better_alternative", "names", "jurisdiction",
                   "good_practice", "origin"]
        return pd.DataFrame(rows, columns=columns).set_index("id", drop=False)


def _values(enum, value, name: str) -> list:
    if value is None:
        return []
    out = []
    for v in value if isinstance(value, list | tuple | set) else [value]:
        try:
            out.append(enum(v))
        except ValueError:
            valid = ", ".join(repr(e.value) for e in enum)
            raise ValueError(f"unknown {name} {v!r}; choose from {valid}") from None
    return out


@lru_cache(maxsize=1)
def _builtin() -> tuple[tuple[Case | AssessmentCase, str], ...]:
    out = []
    folder = _data("cases")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(CASE_SUFFIXES):
            for case in read_case_file(f"curriculum/data/cases/{entry.name}", entry.read_text(encoding="utf-8")):
                out.append((case, f"built-in: {entry.name}"))
    return tuple(out)


def bank(extra: Iterable[str | os.PathLike[str]] = ()) -> CaseBank:
    """Built-in cases plus those named in ``CURRICULUM_CASES`` and ``extra``; problems become warnings."""
    loaded = CaseBank.load(extra)
    for problem in loaded.problems:
        warnings.warn(f"case file skipped: {problem}", CaseBankWarning, stacklevel=3)
    return loaded


def load(extra: Iterable[str | os.PathLike[str]] = ()) -> pd.DataFrame:
    """All cases as a DataFrame indexed by id (built-in, ``CURRICULUM_CASES`` and ``extra``)."""
    return bank(extra).frame()


def get(case_id: str) -> Case | AssessmentCase:
    """One case by id (built-in or from ``CURRICULUM_CASES``)."""
    return bank().get(case_id)


def text(case_id: str) -> str:
    """The text of a case (teaching or assessment), as exercises show it. Never warns: hidden test
    cells call it, and anything on stderr there would make nbgrader give zero."""
    return CaseBank.load().get(case_id).text


def select(**filters: Any) -> pd.DataFrame:
    """Cases matching all filters (domain, platform, role, verdict, severity, min_severity, good_practice,
    jurisdiction: that country's cases and those that fit any)."""
    b = bank()
    return b.frame(b.select(**filters))


def sample(n: int, seed: int | None = 0, **filters: Any) -> pd.DataFrame:
    """``n`` cases matching the filters, the same ones for the same seed."""
    b = bank()
    return b.frame(b.sample(n, seed, **filters))


