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

from ..errors import CaseBankWarning, CaseFileError
from .bank import CaseBank, bank, get, load, sample, select, text
from .cards import render, show
from .files import ENV_VAR, guidelines, invented_names, read_case_file
from .policy import REAL_BRANDS, check_bank, real_brand

__all__ = [
    "ENV_VAR",
    "REAL_BRANDS",
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
    "real_brand",
    "render",
    "sample",
    "select",
    "show",
    "text",
]
