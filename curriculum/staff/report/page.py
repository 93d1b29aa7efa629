"""The report as one self-contained HTML page: summary, tables, figures, legend."""

from __future__ import annotations

import base64
import html
from datetime import datetime, timezone

import pandas as pd

from .options import MISCONCEPTION, VARIANT_GAP
from .stats import EASY, HARD, LOW_DISCRIMINATION, MIN_STUDENTS, SMALL_COHORT


LEGEND = [
    ("Difficulty (p)", "the mean score on the item divided by its points: 0 means nobody scored, 1 means "
     f"everyone got full marks. Flagged <em>too easy</em> above {EASY} and <em>too hard</em> below {HARD}."),
    ("Discrimination (r)", "the corrected item-total correlation: Pearson's correlation between the item "
     "score and the total of the other items (those scored for every student). Positive values mean students "
     f"who did well overall also did well on the item. Flagged <em>low</em> below {LOW_DISCRIMINATION} and "
     "<em>negative</em> below 0: check the key and the wording."),
    ("Upper-lower index (D)", "the mean item score (as a share of its points) of the top 27% of students by "
     "total score minus that of the bottom 27%; from -1 to 1, read like r."),
    ("n/a", "an index that cannot be computed: every student scored the same on the item (no spread), fewer "
     f"than {MIN_STUDENTS} students were scored, or the item still awaits manual grading. The note says which. "
     f"With fewer than {SMALL_COHORT} students every index is unstable."),
    ("Variants", "students who saw a different version of an item (options in another order, another post "
     "from a pool). Per variant: p of its students and the item-rest correlation r within them. A variant is "
     f"flagged <em>harder than its siblings</em> (or <em>easier</em>) when its p differs from that of the "
     f"item's other students by at least {VARIANT_GAP}, both with at least {MIN_STUDENTS} students: consider "
     "retiring that pool member or checking its key."),
    ("Options", "per option, the share of the students who answered that chose it, overall and in the upper "
     "and lower 27% by total score. A distractor is flagged when <em>nobody chose it</em> (it distracts "
     "nobody), when it was <em>chosen more by the upper group</em> (check the key and the wording) and as a "
     f"<em>common misconception</em> when at least {MISCONCEPTION:.0%} chose it. In items.csv the key is "
     "marked *, U and L are the upper and lower group."),
]

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #111; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #999; padding: 0.25rem 0.5rem; text-align: left; }
th { background: #eee; }
img { max-width: 100%; border: 1px solid #ccc; }
.warning { border-left: 4px solid #000; padding-left: 0.6rem; }
dt { font-weight: bold; margin-top: 0.4rem; }
.scroll { overflow-x: auto; }
"""


def _table_html(frame: pd.DataFrame) -> str:
    table = frame.to_html(index=False, na_rep="", float_format=lambda x: f"{x:g}", border=0)
    return f'<div class="scroll">{table}</div>'


def _flagged_html(heading: str, file: str, frame: pd.DataFrame | None) -> list[str]:
    """A heading and the flagged rows of ``frame``; nothing when the analysis did not run or has no rows."""
    if frame is None or not len(frame):
        return []
    flagged = frame[frame["flags"] != ""]
    body = _table_html(flagged) if len(flagged) else "<p>None.</p>"
    return [f"<h2>{html.escape(heading)}</h2>", f"<p>All rows are in {html.escape(file)}.</p>", body]


def html_report(*, title: str, assignment: str, summary: dict[str, object], grades: pd.DataFrame,
                items: pd.DataFrame, figures: list[tuple[str, bytes, str]], warnings: list[str],
                files: list[str], variants: pd.DataFrame | None = None,
                options: pd.DataFrame | None = None) -> str:
    """One self-contained HTML page: summary, warnings, figures (PNG data URIs with alt text), legend,
    item table, the flagged variants and options, and the grade table. ``figures``: (caption, PNG bytes,
    alt text); ``variants`` and ``options``: the variant and option analyses (only their flagged rows
    are shown; the CSV files have all)."""
    e = html.escape
    out = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Report: {e(title)} ({e(assignment)})</title>", f"<style>{_CSS}</style></head><body>",
        f"<h1>Report: {e(title)} <small>({e(assignment)})</small></h1>",
        f"<p>Made {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} from the gradebook.</p>",
        "<h2>Summary</h2><ul>",
        *[f"<li>{e(str(k))}: {e(str(v))}</li>" for k, v in summary.items()], "</ul>",
    ]
    if warnings:
        out += ["<h2>Warnings</h2><ul>", *[f'<li class="warning">{e(w)}</li>' for w in warnings], "</ul>"]
    out.append("<h2>Figures</h2>")
    for caption, png, alt in figures:
        data = base64.b64encode(png).decode("ascii")
        out.append(f'<figure><img src="data:image/png;base64,{data}" alt="{e(alt)}">'
                   f"<figcaption>{e(caption)}</figcaption></figure>")
    out += ["<h2>How to read the item analysis</h2><dl>",
            *[f"<dt>{e(term)}</dt><dd>{text}</dd>" for term, text in LEGEND], "</dl>",
            "<h2>Items</h2>", _table_html(items),
            *_flagged_html("Flagged variants", "variants.csv", variants),
            *_flagged_html("Flagged options", "options.csv", options),
            "<h2>Students</h2>", _table_html(grades),
            "<h2>Files</h2><ul>", *[f"<li>{e(f)}</li>" for f in files], "</ul>",
            "</body></html>"]
    return "\n".join(out)
