"""The case bank: fictional posts and scenarios that lessons, exercises and instructors draw on.

Built-in cases ship as YAML in ``curriculum/data/cases/``. Instructors add their own institution's
cases from files or folders named in the ``CURRICULUM_CASES`` environment variable (several paths
separated by ``os.pathsep``) or passed as ``extra=``; they are validated by the same schema. A bad
file is reported (file, case id, field) and skipped; the built-in cases still load.

    from curriculum import cases
    df = cases.load()                                  # pandas DataFrame, one row per case
    case = cases.get("PRIV-003")                       # a validated Case
    cases.select(domain="patient privacy", platform="microblog", min_severity=3)
    cases.sample(5, seed=42, domain="sponsorship and endorsement")
    cases.show("PRIV-003")                             # an accessible post card in a notebook
"""

from __future__ import annotations

import difflib
import html
import json
import os
import random
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from .case_schema import (
    MAIN_DOMAINS,
    SAFE_HARBOR_CATEGORIES,
    AssessmentCase,
    AuthorRole,
    Case,
    Domain,
    Platform,
    Severity,
    Verdict,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ENV_VAR",
    "CaseBank",
    "CaseBankWarning",
    "CaseFileError",
    "bank",
    "check_bank",
    "get",
    "guidelines",
    "invented_names",
    "load",
    "read_case_file",
    "render",
    "sample",
    "select",
    "show",
    "text",
]

#: Environment variable naming extra case files or folders.
ENV_VAR = "CURRICULUM_CASES"
CASE_SUFFIXES = (".yaml", ".yml", ".json")
#: Real people named in the course's sources: no case may use these names.
REAL_NAMES = (
    "Igbinadolor", "Tatro", "Chretien", "Greysen", "Mostaghimi", "Crotty", "Farnan", "Kaestner", "Knopf",
    "Teami", "Elite Dental", "New Vision Dental", "Manasa", "NewYork-Presbyterian", "Stupple", "astupple",
)


#: Real platforms and their tell-tale hashtags: cases use generic platforms (see Platform).
PLATFORM_BRANDS = re.compile(
    r"tiktok|instagram|twitter|facebook|youtube|linkedin|reddit|snapchat|whatsapp|#\w*tok\b|#\w*gram\b",
    re.IGNORECASE,
)


#: libyaml's parser when PyYAML was built with it (ten times faster than the pure-Python one).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 (a safe loader)


class CaseBankWarning(UserWarning):
    """A case file that could not be loaded; the message says which file, case and field."""


@dataclass
class CaseFileError(ValueError):
    """Problems in one case file: each entry names the case id and the field."""

    path: str
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (case id, field, message)

    def __str__(self) -> str:
        lines = [f"{self.path}: {len(self.errors)} problem(s)"]
        lines += [f"  case {cid}, field {fld}: {msg}" for cid, fld, msg in self.errors]
        return "\n".join(lines)


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
               min_severity=None, good_practice: bool | None = None) -> list[Case]:
        wanted = {
            "domain": _values(Domain, domain, "domain"),
            "platform": _values(Platform, platform, "platform"),
            "role": _values(AuthorRole, role, "role"),
            "verdict": _values(Verdict, verdict, "verdict"),
            "severity": _values(Severity, severity, "severity"),
        }
        if min_severity is not None:
            min_severity = _values(Severity, min_severity, "min_severity")[0]
        out = []
        for case in self.cases.values():
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
                   "identifiers", "guidelines", "teaching_points", "better_alternative", "names", "good_practice",
                   "origin"]
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
    """Cases matching all filters (domain, platform, role, verdict, severity, min_severity, good_practice)."""
    b = bank()
    return b.frame(b.select(**filters))


def sample(n: int, seed: int | None = 0, **filters: Any) -> pd.DataFrame:
    """``n`` cases matching the filters, the same ones for the same seed."""
    b = bank()
    return b.frame(b.sample(n, seed, **filters))


_ROLE_LABEL = {
    AuthorRole.preclinical_student: "a pre-clinical medical student",
    AuthorRole.clinical_student: "a clinical medical student",
    AuthorRole.resident: "a resident physician",
    AuthorRole.attending: "an attending physician",
    AuthorRole.nurse: "a nurse",
    AuthorRole.patient: "a patient",
}


def render(case: Case | AssessmentCase | str, *, show_identifiers: bool = False, show_notes: bool = False,
           show_title: bool = True) -> str:
    """A case as a self-contained HTML post card (no external assets; readable without colour).

    ``show_identifiers`` marks each identifier with a highlight *and* a bracketed label naming its
    Safe Harbor category; ``show_notes`` adds verdict, teaching points and the better alternative;
    ``show_title=False`` hides the case title (titles of teaching cases may hint at the verdict).
    """
    if isinstance(case, str):
        case = get(case)
    if isinstance(case, AssessmentCase):
        show_identifiers = show_notes = False  # its key is not in the package
    text = case.text
    if show_identifiers and case.identifiers:
        parts, pos = [], 0
        for ident in sorted(case.identifiers, key=lambda i: i.start):
            if ident.start < pos:
                continue
            label = f"identifier ({ident.category}: {SAFE_HARBOR_CATEGORIES[ident.category]})"
            parts.append(html.escape(text[pos:ident.start]))
            parts.append(f"<mark style='background:#ffe08a;color:inherit;border-bottom:2px solid #7a5c00' "
                         f"title='{html.escape(label)}'>{html.escape(ident.text)}</mark>"
                         f"<small> [{ident.category}]</small>")
            pos = ident.end
        parts.append(html.escape(text[pos:]))
        body = "".join(parts)
    else:
        body = html.escape(text)
    body = body.replace("\n", "<br>")
    role = _ROLE_LABEL[case.author_role]
    initials = "".join(w[0] for w in case.author_role.value.replace("-", " ").split()[:2]).upper()
    kind = "Scenario" if case.kind == "scenario" else "Post"
    title = (f"<div style='font-weight:600;margin:6px 0 2px'>{html.escape(case.title)}</div>"
             if show_title else "")
    notes = ""
    if show_notes:
        verdict = {"fine": "Fine to post", "revise": "Revise first", "never": "Never post"}[case.verdict.value]
        points = "".join(f"<li>{html.escape(p)}</li>" for p in case.teaching_points)
        notes = (f"<hr style='border:0;border-top:1px solid #bbb'><p><strong>Verdict:</strong> {verdict} "
                 f"(severity {int(case.severity)} of 4)</p><p><strong>Teaching points:</strong></p><ul>{points}</ul>"
                 f"<p><strong>Better:</strong> {html.escape(case.better_alternative)}</p>")
    # The classes keep JupyterLab's MathJax out of the card: "$140,000 ... $100" is money, not LaTeX.
    return (
        f"<div role='article' class='curriculum-case mathjax_ignore tex2jax_ignore' aria-label='{kind} "
        f"{html.escape(case.id)}{': ' + html.escape(case.title) if show_title else ''}' "
        "style='border:1px solid #999;border-radius:12px;padding:10px 14px;margin:6px 0;max-width:40em;"
        "line-height:1.45'>"
        "<div style='display:flex;align-items:center;gap:10px'>"
        "<span aria-hidden='true' style='display:inline-flex;align-items:center;justify-content:center;"
        "width:36px;height:36px;border-radius:50%;border:1px solid #777;font-weight:700;font-size:85%'>"
        f"{initials}</span><span><strong>{html.escape(role[0].upper() + role[1:])}</strong><br>"
        f"<small>{kind} on a {case.platform.value} &middot; fictional case {html.escape(case.id)}</small></span></div>"
        f"{title}<div style='margin-top:6px'>{body}</div>{notes}</div>"
    )


def show(case_id: str, **options: Any) -> None:
    """Display a case as a post card in a notebook (see :func:`render` for options)."""
    from IPython.display import HTML, display

    display(HTML(render(case_id, **options)))


def check_bank(b: CaseBank | None = None, *, minimum: int = 60, per_main_domain: int = 15,
               good_practice: int = 10, platforms: int = 5) -> list[str]:
    """Everything wrong with the case bank as a whole (empty list: all good)."""
    b = b or CaseBank.load(use_env=False)
    problems = [str(p) for p in b.problems]
    cases = list(b.cases.values())
    names = invented_names()
    for case in cases:
        if not b.origin.get(case.id, "").startswith("built-in"):
            continue  # instructors' own cases: schema-checked on load; their names are theirs to vouch for
        everything = " ".join([case.title, case.text, case.better_alternative, *case.teaching_points])
        for person in case.names:
            if person not in names:
                problems.append(f"{case.id}: name {person!r} is not in curriculum/data/invented_names.yaml")
            if not any(len(part) > 2 and part.lower() in everything.lower() for part in person.split()):
                problems.append(f"{case.id}: name {person!r} is listed but not used in the case")
        for ident in case.identifiers:
            known = " ".join(case.names).lower()
            if ident.category == "A" and not any(part.strip(".,").lower() in known for part in ident.text.split()):
                problems.append(f"{case.id}: name identifier {ident.text!r} is not among the case's invented names")
        blob = everything.lower()
        brand = PLATFORM_BRANDS.search(everything)
        if brand:
            problems.append(f"{case.id}: names a real platform ({brand.group()!r}); use a generic platform")
        for real in REAL_NAMES:
            if real.lower() in blob:
                problems.append(f"{case.id}: uses the name of a real person or company ({real!r})")
    for case in b.assessment.values():
        if not b.origin.get(case.id, "").startswith("built-in"):
            continue
        for person in case.names:
            if person not in names:
                problems.append(f"{case.id}: name {person!r} is not in curriculum/data/invented_names.yaml")
        brand = PLATFORM_BRANDS.search(case.title + " " + case.text)
        if brand:
            problems.append(f"{case.id}: names a real platform ({brand.group()!r}); use a generic platform")
        for real in REAL_NAMES:
            if real.lower() in (case.title + " " + case.text).lower():
                problems.append(f"{case.id}: uses the name of a real person or company ({real!r})")
    if len(cases) < minimum:
        problems.append(f"the bank has {len(cases)} cases; at least {minimum} are needed")
    for domain in MAIN_DOMAINS:
        n = sum(domain in c.domains for c in cases)
        if n < per_main_domain:
            problems.append(f"domain {domain.value!r} has {n} cases; at least {per_main_domain} are needed")
    n_good = sum(c.good_practice for c in cases)
    if n_good < good_practice:
        problems.append(f"{n_good} good-practice cases; at least {good_practice} are needed")
    n_platforms = len({c.platform for c in cases})
    if n_platforms < platforms:
        problems.append(f"cases use {n_platforms} platforms; at least {platforms} are needed")
    return problems
