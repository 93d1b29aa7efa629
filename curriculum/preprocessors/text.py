"""How grading's notes quote a submission and are laid out: the "Notes from grading" cell."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

import nbformat

__all__ = ["CLOCK_SLACK", "NOTES_TITLE", "code", "listing", "notes_cell", "plain", "upper"]

#: Heading of the markdown cell that lists what grading found.
NOTES_TITLE = "Notes from grading"
#: Answers saved this long after the submission time are noted (clocks of different machines differ a little).
CLOCK_SLACK = timedelta(minutes=1)


def code(text: Any, limit: int = 60) -> str:
    """Student-supplied text as inline code: one line, no backticks, at most ``limit`` chars. A code span
    shows its text as it is (markdown renderers escape it, and read no entities or markup in it), so
    nothing in it can become HTML, and ``<script>`` reads as ``<script>``, not ``&lt;script&gt;``."""
    text = " ".join(str(text).replace("`", "'").split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"`{text}`" if text else "`(empty)`"


def plain(text: str) -> str:
    """A message for markdown: HTML escaped, markdown emphasis characters escaped."""
    return re.sub(r"([\\*_\[\]#])", r"\\\1", html.escape(text, quote=False))


def upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def listing(labels: Sequence[str], most: int = 6) -> str:
    shown = list(labels[:most])
    if len(labels) > most:
        shown.append(f"and {len(labels) - most} more")
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def notes_cell(notes: Iterable[str], with_ids: bool = True) -> Any:
    """The markdown cell listing ``notes`` (no nbgrader metadata: nbgrader grades nothing in it)."""
    lines = [f"## {NOTES_TITLE}", "",
             "Grading found the following in your submission and handled it as described:", ""]
    lines += [f"- {note}" for note in notes]
    lines += ["", "If something here looks wrong, talk to the course staff."]
    cell = nbformat.v4.new_markdown_cell("\n".join(lines))
    if not with_ids:
        cell.pop("id", None)
    return cell
