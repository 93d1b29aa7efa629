"""What a student wrote, made safe before any HTML is made of it (formgrader's grading page, feedback).

nbconvert, which renders both formgrader's grading page and nbgrader's feedback, passes the raw HTML of
a markdown cell through unchanged, and so does a raw cell: a reflection holding ``<script>``, an
``onerror`` attribute or a ``javascript:`` link would run with the grader's session. JupyterLab
sanitizes what it shows; those pages do not. So :class:`SafeStudentText`, a preprocessor of nbgrader's
sanitize pass, rewrites every markdown or raw cell of a submission that is not the course's own text:

- text whose markdown has no HTML, no images and only http(s), mailto or in-page links is kept exactly
  as written (almost every answer), so graders read what the student typed;
- any other text is rendered as nbconvert would, cleaned by nh3 (ammonia) to ordinary formatting,
  lists, tables and http(s) links, and stored as one HTML block that markdown cannot reinterpret. What
  was removed is listed in "Notes from grading".

A cell is the course's own text when it is exactly the text of a cell of the source notebook or of the
released assignment (an answer left as released): what the submitted metadata says counts for nothing.
The course's own cells are rebuilt from the assignment before this runs.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nh3

from ..nbhelpers import grade_id, hidden_test_markers
from .base import METADATA_KEY, REFERENCES, CoursePreprocessor, course_path, reference_key

__all__ = ["SafeStudentText", "clean_html", "safe_markdown"]

TAGS = {"p", "br", "hr", "strong", "b", "em", "i", "u", "s", "del", "ins", "sub", "sup", "mark", "small",
        "code", "pre", "kbd", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5",
        "h6", "table", "thead", "tbody", "tr", "th", "td", "a", "span", "div", "details", "summary"}
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
#: Marks the HTML block a cleaned text is stored in.
CLASS = "curriculum-student-text"
#: What a student's copy of nbgrader's hidden-test markers becomes.
MARKER_REMOVED = "[hidden-test marker removed]"


def clean_html(text: str) -> str:
    """``text`` as HTML with only :data:`TAGS`, :data:`ATTRIBUTES` and :data:`URL_SCHEMES` left (no images:
    an image from elsewhere would make the grader's browser fetch it)."""
    return nh3.clean(text, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel="noopener noreferrer")


def _scheme(url: str) -> str:
    """A URL's scheme as a browser reads it (entities decoded, spaces and control characters dropped);
    "" for a relative or in-page link."""
    squeezed = "".join(ch for ch in html.unescape(url) if ch.isprintable() and not ch.isspace()).lower()
    scheme, colon, _ = squeezed.partition(":")
    return "" if not colon or any(ch in scheme for ch in "/?#") else scheme


def _safe_url(url: str) -> bool:
    return _scheme(url) in URL_SCHEMES | {""}


def _unsafe_tokens(tokens: Iterable[dict[str, Any]]) -> Iterable[str]:
    for token in tokens:
        kind = token.get("type")
        if kind in ("block_html", "inline_html"):
            yield "HTML"
        elif kind == "image":
            yield "an image"
        elif kind == "link" and not _safe_url((token.get("attrs") or {}).get("url", "")):
            yield "a link that is not http(s) or mailto"
        yield from _unsafe_tokens(token.get("children") or ())


class _Inventory(HTMLParser):
    """The tags and attributes of a piece of HTML, to say what cleaning removed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.add(f"<{tag}>")
        for name, value in attrs:
            if name in ("href", "src") and value is not None and not _safe_url(value):
                self.found.add(f"a {_scheme(value)[:20]}: link")
            else:
                self.found.add(f"{name}=")


def _inventory(text: str) -> set[str]:
    parser = _Inventory()
    parser.feed(text)
    parser.close()
    return parser.found


def _one_block(cleaned: str) -> str:
    """Cleaned HTML as one line inside a ``div``: markdown keeps an HTML block that has no blank line
    as it is, so nothing in it is read as markdown again (``&#10;`` keeps a code block's lines)."""
    return f'<div class="{CLASS}">' + cleaned.replace("\r", "&#13;").replace("\n", "&#10;") + "</div>"


@lru_cache(maxsize=2)
def _markdown(html_out: bool):
    import mistune

    if html_out:  # as nbconvert renders: raw HTML passed through
        return mistune.create_markdown(escape=False, plugins=["table", "strikethrough"])
    return mistune.create_markdown(renderer=None, plugins=["table", "strikethrough"])


def safe_markdown(text: str) -> tuple[str, list[str]]:
    """``(text to store, what was removed)``: ``text`` itself when it is plain markdown, else its cleaned
    HTML in one block. Never raises: text that cannot be rendered is kept as plain, escaped text."""
    try:
        unsafe = sorted(set(_unsafe_tokens(_markdown(False)(text))))
        if not unsafe:
            return text, []
        rendered = _markdown(True)(text)
        cleaned = clean_html(rendered)
        removed = sorted(_inventory(rendered) - _inventory(cleaned)) or unsafe  # mistune drops javascript: itself
        return _one_block(cleaned), removed
    except Exception:  # (RecursionError included) the safe way to show anything: as escaped text
        return _one_block(f"<pre>{html.escape(text)}</pre>"), ["all formatting (it could not be read)"]


@lru_cache(maxsize=16)
def _course_texts(path: str, mtime_ns: int, size: int) -> frozenset[str]:
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return frozenset()
    return frozenset(cell.source for cell in nb.cells)


def course_texts(path: Path) -> frozenset[str]:
    """The text of every cell of the assignment's source notebook (read once per version of the file)."""
    try:
        stat = path.stat()
    except OSError:
        return frozenset()
    return _course_texts(str(path), stat.st_mtime_ns, stat.st_size)


def _repaired(value: Any, count: list[int]) -> Any:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            fixed = "".join("\ufffd" if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in value)
            count[0] += sum(1 for a, b in zip(value, fixed) if a != b)
            return fixed
    if isinstance(value, dict):
        for key in list(value):
            item = value.pop(key)
            value[_repaired(key, count)] = _repaired(item, count)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            value[i] = _repaired(item, count)
    return value


def repair_text(nb: Any) -> int:
    """Replace lone surrogates (which JSON can carry as ``\\ud800`` but UTF-8 cannot) everywhere in the
    notebook with U+FFFD, so the graded notebook can be written; return how many there were. Cheap
    when there are none: one serialization of the notebook, whose outputs are cleared by now."""
    import json

    try:
        json.dumps(nb, ensure_ascii=False).encode("utf-8")
        return 0
    except UnicodeEncodeError:
        count = [0]
        _repaired(nb, count)
        return count[0]


class SafeStudentText(CoursePreprocessor):
    """nbgrader sanitize-pass preprocessor: every markdown or raw cell that is not the course's own text
    is made safe (see the module's docstring), and nbgrader's hidden-test markers are taken out of every
    cell the student wrote (``generate_feedback`` stops at a marker outside a test cell); each cell that
    lost something gets a note for staff and student. Runs after ``CheckSubmission`` and nbgrader's
    ``OverwriteCells``."""

    def preprocess(self, nb, resources):
        from .text import code

        info = resources.get("nbgrader") or {}
        texts: set[str] = set()
        if info.get("assignment") and info.get("notebook"):
            source = course_path(self.config, "source", info["assignment"])
            texts |= course_texts(source / f"{info['notebook']}.ipynb")
        # the released cells as the gradebook has them (an answer cell left as released, for one)
        for ref in REFERENCES.get(reference_key(info)) or []:
            texts |= {ref.source, ref.release_source}
        markers = hidden_test_markers(self.config)
        notes = []
        broken = repair_text(nb)
        if broken:
            notes.append(f"Your notebook held {broken} character(s) that are not valid text (lone surrogates); "
                         "each was replaced by \ufffd.")
        for cell in nb.cells:
            if cell.source in texts:  # the course's own text (what its metadata says counts for nothing)
                continue
            gid = grade_id(cell)
            first = next((line for line in cell.source.splitlines() if line.strip()), "")
            where = f"your answer {code(gid)}" if gid else f"a cell you added or changed (it starts {code(first)})"
            if any(marker in cell.source for marker in markers):  # nbgrader's feedback step would stop at it
                for marker in markers:
                    cell.source = cell.source.replace(marker, MARKER_REMOVED)
                notes.append(f"In {where}, nbgrader's marker for hidden tests was replaced by "
                             f"{code(MARKER_REMOVED)}.")
            if cell.cell_type not in ("markdown", "raw"):
                continue
            if cell.cell_type == "raw":  # nbconvert copies a raw cell into the page as it is: show it as text
                cell.cell_type, cell.source = "markdown", _one_block(f"<pre>{html.escape(cell.source)}</pre>")
                for key in ("format", "raw_mimetype"):
                    cell.metadata.pop(key, None)
                notes.append(f"In {where} (a raw cell), everything is shown as plain text.")
                continue
            cell.source, removed = safe_markdown(cell.source)
            if removed:
                notes.append(f"In {where}, markup that could run in a browser was removed: "
                             f"{', '.join(code(r, 40) for r in removed)}. The rest is shown as written.")
        if notes:
            meta = nb.metadata.setdefault(METADATA_KEY, {})
            meta["grading_notes"] = list(meta.get("grading_notes") or []) + notes
            for note in notes:
                self.log.warning("%s, %s: %s", info.get("student", "student"), info.get("notebook", "notebook"),
                                 note)
        return nb, resources

