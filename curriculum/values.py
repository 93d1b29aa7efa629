"""The shape of each kind's answer value, and limits far above what any item needs: what the answer
store accepts from a widget, an answer file or a notebook's copy (:func:`validate_value`)."""

from __future__ import annotations

from typing import Any

from .kinds import NAMES

__all__ = ["MAX_ANSWERS", "MAX_ENTRIES", "MAX_FILE_CHARS", "MAX_TEXT", "shown", "text_value", "validate_value"]


#: Limits far above what any item needs (the largest item has a dozen options or posts, a post a few
#: hundred words); a value beyond them is refused with a note, never echoed or scored.
MAX_TEXT = 200  # characters in an option key, verdict, reason, post or part name, item id
MAX_ENTRIES = 1000  # options chosen, posts, spans, parts in one answer
MAX_ANSWERS = 1000  # answers in one file
MAX_FILE_CHARS = 2_000_000  # an answer file of 100 items is about 20,000


def shown(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters: what a message may quote of a student's value."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def text_value(value: Any, what: str) -> str:
    """A non-empty string of at most :data:`MAX_TEXT` characters that can be written as UTF-8."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{what} must be text, not {shown(value)}")
    if len(value) > MAX_TEXT:
        raise ValueError(f"{what} is {len(value):,} characters long; no answer needs more than {MAX_TEXT}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{what} holds a character that is not valid text (a lone surrogate)") from None
    return value


def _entries(value: Any, kind: type, what: str) -> Any:
    if not isinstance(value, kind):
        raise ValueError(f"{what}, not {shown(value)}")
    if len(value) > MAX_ENTRIES:
        raise ValueError(f"this answer has {len(value):,} entries; no item has more than {MAX_ENTRIES}")
    return value


def _rank(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ENTRIES


def validate_value(kind: str, value: Any) -> Any:
    """Check that ``value`` has the shape of an answer of ``kind`` and return it normalised.

    Raises :class:`ValueError` saying what is wrong (quoting at most a short piece of the value).
    ``None`` means "not answered" for every kind.
    """
    if kind not in NAMES:
        raise ValueError(f"unknown exercise kind {shown(kind)} (expected one of {', '.join(NAMES)})")
    if value is None:
        return None
    if kind == "single":
        return text_value(value, "a single-choice answer (an option key)")
    if kind == "multiple":
        chosen = _entries(value, list, "a multiple-choice answer must be a list of option keys")
        return sorted({text_value(v, "an option key") for v in chosen})
    if kind == "triage":
        posts = _entries(value, dict, "a triage answer must map each post to a verdict and reason")
        out: dict[str, dict[str, str | None]] = {}
        for post, choice in posts.items():
            post = text_value(post, "a post id")
            if not isinstance(choice, dict) or set(choice) - {"verdict", "reason"}:
                raise ValueError(f"triage answer for post {shown(post)} must be {{'verdict': ..., 'reason': ...}}, "
                                 f"not {shown(choice)}")
            verdict, reason = choice.get("verdict"), choice.get("reason")
            out[post] = {name: None if v is None else text_value(v, f"the triage {name} for post {shown(post)}")
                         for name, v in (("verdict", verdict), ("reason", reason))}
        return out
    if kind == "ranking":
        ranks = _entries(value, dict, "a ranking answer must map each item to a rank 1, 2, 3...")
        if not all(_rank(r) for r in ranks.values()):
            raise ValueError(f"a ranking answer must map each item to a rank 1, 2, 3..., not {shown(value)}")
        return dict(sorted((text_value(k, "an item key"), r) for k, r in ranks.items()))
    if kind == "disclosure":
        parts = _entries(value, dict, "a disclosure answer must map each part to a chosen option")
        return dict(sorted((text_value(k, "a part name"), text_value(v, f"the option chosen for {shown(k)}"))
                           for k, v in parts.items()))
    # identifiers: a list of [start, end] character spans of the selected words
    spans = []
    for span in _entries(value, list, "an identifier answer must be a list of [start, end] spans"):
        if (
            not isinstance(span, list | tuple)
            or len(span) != 2
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in span)
            or not 0 <= span[0] < span[1] <= 10 * MAX_ENTRIES * MAX_TEXT
        ):
            raise ValueError(f"identifier span {shown(span)} is not a pair of character offsets [start, end]")
        spans.append([span[0], span[1]])
    return [list(s) for s in sorted({tuple(s) for s in spans})]
