"""CSV files that a spreadsheet opens as data: no cell can start a formula.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and in
some versions one that starts with a tab or carriage return before one of them) as a formula, so a roster name such as ``=HYPERLINK(...)`` would run
on the computer of whoever opens grades.csv. OWASP's rule for CSV injection: put a single quote before
such a cell, which spreadsheets show as text. Numbers are written as numbers; only text is changed, and
the LMS imports (which match students by id, validated in :mod:`curriculum.sync`) still read the files.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["FORMULA_START", "safe_cell", "safe_frame", "write_csv"]

#: What a text cell may not start with: OWASP's "CSV Injection" page lists = + - @ tab and carriage
#: return; OWASP ASVS 5.0 requirement 1.2.10 adds the null character.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def safe_cell(value: Any) -> Any:
    """``value``, with a ``'`` in front if it is text that a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame):
    """A copy of a pandas DataFrame with every text cell (and column name) made safe by :func:`safe_cell`."""
    from pandas.api.types import is_numeric_dtype

    out = frame.copy()
    for column in out.columns:
        if not is_numeric_dtype(out[column]):  # text columns: object, or pandas 3's str dtype
            out[column] = out[column].map(safe_cell)
    out.columns = [safe_cell(c) for c in out.columns]
    return out


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Write a CSV file whose every text cell is safe."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([safe_cell(h) for h in header])
        for row in rows:
            writer.writerow([safe_cell(v) for v in row])
