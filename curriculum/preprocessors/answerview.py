"""A static view of an exercise and the student's saved answer, for the graded notebook and feedback.

Grading as data (:mod:`curriculum.preprocessors.asdata`) runs no kernel, so a graded notebook holds no live
widgets. Under each exercise it shows this instead: the question, the case card, and what the
student answered, in words (never colour alone), with every text escaped. It never shows a key:
practice items' ``correct=`` and ``explain=`` are not used.

:func:`render` takes the arguments of the lesson's own ``quiz.<kind>(...)`` call (bound to
:class:`curriculum.quiz.Quiz`'s signature, so there is one definition of each call) and the saved
answer's value (already validated by :func:`curriculum.answers.validate_value`).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ..markup import markdown_html, option_label, post_card_html
from ..scoring import VERDICTS, tokenize

__all__ = ["render"]

_E = html.escape


@lru_cache(maxsize=1024)
def _case_card(case_id: str) -> str:
    """(Cached: a grading worker shows the same cards in every submission, and each look-up in the
    case bank reads the bank anew.)"""
    from .. import cases

    return cases.render(case_id, show_title=False)


@lru_cache(maxsize=1024)
def _case_text(case_id: str) -> str:
    from .. import cases

    return cases.text(case_id)


def _posts(posts: Any) -> dict[str, str]:
    """Post keys -> texts, as :meth:`Quiz.triage` and :meth:`Quiz.ranking` take them (a mapping, or case ids)."""
    if isinstance(posts, Mapping):
        return {str(k): str(v) for k, v in posts.items()}
    return {case_id: _case_text(case_id) for case_id in posts}


def _post(key: str, text: str, title: str, from_bank: bool) -> str:
    return _case_card(key) if from_bank else post_card_html(text, title)


def _choice(a: dict[str, Any], value: Any) -> str:
    options = a["options"]
    rows = []
    for key, text in options.items():
        mark = "&#9673; your answer" if key == value else "&#9675;"
        label = _E(option_label(key, text))
        rows.append(f"<li>{mark}: <strong>{label}</strong></li>" if key == value else f"<li>{mark} {label}</li>")
    if value is not None and value not in options:
        rows.append(f"<li>&#9673; your answer: an option that is not in this question ({_E(str(value))})</li>")
    return f"<ul style='list-style:none;padding-left:0.5em'>{''.join(rows)}</ul>"


def _multiple(a: dict[str, Any], value: Any) -> str:
    chosen = set(value or ())
    rows = []
    for key, text in a["options"].items():
        label = _E(option_label(key, text))
        rows.append(f"<li>&#9745; selected: <strong>{label}</strong></li>" if key in chosen
                    else f"<li>&#9744; not selected: {label}</li>")
    for key in sorted(chosen - set(a["options"])):
        rows.append(f"<li>&#9745; selected: an option that is not in this question ({_E(key)})</li>")
    return f"<ul style='list-style:none;padding-left:0.5em'>{''.join(rows)}</ul>"


def _triage(a: dict[str, Any], value: Any) -> str:
    posts, reasons = _posts(a["posts"]), dict(a["reasons"])
    from_bank = not isinstance(a["posts"], Mapping)
    value = value or {}
    rows = []
    for number, (post, text) in enumerate(posts.items(), 1):
        given = value.get(post) or {}
        verdict = VERDICTS.get(given.get("verdict"), given.get("verdict")) or "no verdict"
        reason = reasons.get(given.get("reason"), given.get("reason")) or "no reason"
        rows.append(f"{_post(post, text, f'Post {number} ({post})', from_bank)}"
                    f"<p>Post {number}, your verdict: <strong>{_E(verdict)}</strong>; your main reason: "
                    f"<strong>{_E(reason)}</strong></p>")
    return "".join(rows)


def _identifiers(a: dict[str, Any], value: Any) -> str:
    text = a["text"] if a["text"] is not None else _case_text(a["case"])
    chosen = {tuple(span) for span in (value or ())}
    parts, pos, marked = [], 0, []
    for start, end, word in tokenize(text):
        parts.append(_E(text[pos:start]))
        if (start, end) in chosen:
            parts.append(f"<mark style='color:inherit;border-bottom:2px solid #7a5c00'>{_E(word)}</mark>"
                         "<small> [marked]</small>")
            marked.append(word)
        else:
            parts.append(_E(word))
        pos = end
    parts.append(_E(text[pos:]))
    body = "".join(parts).replace("\n", "<br>")
    summary = (f"You marked {len(marked)} word(s): " + ", ".join(_E(w) for w in marked) + "."
               if marked else "You marked no words.")
    return (f"<div role='article' style='border:1px solid #999;border-radius:8px;padding:8px 12px;margin:4px 0;"
            f"max-width:42em'>{body}</div><p>{summary}</p>")


def _ranking(a: dict[str, Any], value: Any) -> str:
    items = _posts(a["items"])
    from_bank = not isinstance(a["items"], Mapping)
    value = value or {}
    ranked = sorted((r, k) for k, r in value.items() if k in items)
    unranked = [k for k in items if k not in value]
    number = {key: n for n, key in enumerate(items, 1)}
    rows = [f"<li>Your rank {r}: {_post(k, items[k], f'Item {number[k]} ({k})', from_bank)}</li>" for r, k in ranked]
    rows += [f"<li>Not ranked: {_post(k, items[k], f'Item {number[k]} ({k})', from_bank)}</li>" for k in unranked]
    return f"<p>Your order ({_E(a['scale'])}):</p><ul style='list-style:none;padding-left:0.5em'>{''.join(rows)}</ul>"


def _disclosure(a: dict[str, Any], value: Any) -> str:
    labels = a["labels"] or {}
    value = value or {}
    rows = []
    for part, options in a["parts"].items():
        label = labels.get(part, part.replace("-", " ").capitalize())
        chosen = value.get(part)
        said = options.get(chosen, f"an option that is not in this question ({chosen})") if chosen else "nothing chosen"
        rows.append(f"<li>{_E(label)}: <strong>{_E(said)}</strong></li>")
    return f"<p>Your disclosure:</p><ul>{''.join(rows)}</ul>"


_BODIES = {"single_choice": _choice, "multiple_choice": _multiple, "triage": _triage,
           "spot_identifiers": _identifiers, "ranking": _ranking, "disclosure": _disclosure}


def render(method: str, arguments: dict[str, Any], value: Any, problems: list[str] = ()) -> dict[str, str]:
    """The display bundle (``text/html`` and ``text/plain``) of one exercise with the student's answer."""
    item = arguments["item"]
    practice = arguments.get("correct") is not None or arguments.get("order") is not None \
        or bool(arguments.get("practice"))
    case = arguments.get("case")
    card = _case_card(case) if case and method != "spot_identifiers" else ""
    notes = "".join(f"<p role='note'>&#9888; {_E(p)}</p>" for p in problems)
    answered = value not in (None, [], {})
    body = _BODIES[method](arguments, value) if answered or method in ("triage", "ranking", "spot_identifiers") \
        else "<p><strong>No answer was saved for this item.</strong></p>"
    page = (f"<div class='curriculum-answer mathjax_ignore tex2jax_ignore' role='group' aria-label='{_E(item)}: "
            f"your saved answer' style='border:1px solid #888;padding:8px;margin:8px 0'>"
            f"<p><strong>{_E(item)}</strong> ({'practice, not graded' if practice else 'graded'}): "
            f"your saved answer</p><div>{markdown_html(arguments['prompt'])}</div>{card}{notes}{body}</div>")
    plain = f"[{item}: {'answer saved' if answered else 'not answered'}]"
    return {"text/html": page, "text/plain": plain}
