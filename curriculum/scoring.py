"""Pure scoring: plain values in, a :class:`Result` out. No widgets, no files.

Every function returns the fraction of credit (0 to 1) and the lines of feedback a student reads.
Partial credit rules (stated to students in feedback):

- single choice: all or nothing;
- multiple choice: (right options picked - wrong options picked) / right options, never below 0;
- post triage: per post, 2/3 for the verdict and 1/3 for the reason (the reason counts only when the
  verdict is right), averaged over posts;
- ranking: 1 - (sum of each item's distance from its right place) / (the largest possible sum), so a
  reversed order earns nothing; an unranked item counts as far from its place as it can be; a rank
  used twice, or outside 1 to n, makes the ranking invalid and earns nothing;
- disclosure fixer: the share of the disclosure's parts (wording, placement, format...) for which an
  acceptable option was chosen;
- spot the identifiers: share of the identifying words marked minus share of the other words marked,
  never below 0 (marking every word, or none, earns nothing), where a word is identifying if it
  overlaps an annotated identifier span.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "VERDICTS",
    "Result",
    "find_spans",
    "identifying_tokens",
    "score_identifiers",
    "score_disclosure",
    "score_multiple",
    "score_ranking",
    "score_single",
    "score_triage",
    "to_points",
    "tokenize",
]

#: The three triage verdicts, keyed as stored in answers.
VERDICTS = {"fine": "Fine to post", "revise": "Revise first", "never": "Never post"}
TRIAGE_VERDICT_WEIGHT = 2 / 3


@dataclass(frozen=True)
class Result:
    """A scored answer: ``fraction`` of full credit and ``lines`` of feedback."""

    fraction: float
    lines: tuple[str, ...] = ()

    @property
    def correct(self) -> bool:
        return self.fraction >= 1.0


def to_points(fraction: float, points: float) -> float:
    """Points for a fraction of credit, rounded to 2 decimals and kept within [0, points]
    (nbgrader rejects a partial score above the cell's maximum)."""
    if points < 0:
        raise ValueError(f"points must be zero or more, not {points}")
    if not math.isfinite(fraction):
        return 0.0
    return min(float(points), max(0.0, round(fraction * points, 2)))


def _explain(explain: Mapping[str, str] | None, key: str) -> str:
    return f" {explain[key]}" if explain and explain.get(key) else ""


def score_single(answer: str | None, correct: str, explain: Mapping[str, str] | None = None) -> Result:
    if not correct:
        raise ValueError("score_single needs the key of the correct option")
    if answer is None:
        return Result(0.0, ("No answer was chosen.",))
    if answer == correct:
        return Result(1.0, (f"Correct: you chose {answer}.{_explain(explain, answer)}",))
    return Result(
        0.0,
        (
            f"Not correct: you chose {answer}.{_explain(explain, answer)}",
            f"The best answer is {correct}.{_explain(explain, correct)}",
        ),
    )


def score_multiple(
    answer: Iterable[str] | None,
    correct: Iterable[str],
    explain: Mapping[str, str] | None = None,
    options: Iterable[str] | None = None,
) -> Result:
    right = set(correct)
    if not right:
        raise ValueError("score_multiple needs at least one correct option")
    if options is not None and not right <= set(options):
        raise ValueError(f"correct options {sorted(right - set(options))} are not among the options")
    picked = set(answer or ())
    if not picked:
        return Result(0.0, ("No option was selected.",))
    hits, wrong = picked & right, picked - right
    fraction = max(0.0, (len(hits) - len(wrong)) / len(right))
    lines = [f"You selected {len(hits)} of {len(right)} right options and {len(wrong)} wrong one(s)."]
    for key in sorted((set(options) if options is not None else set()) | picked | right):
        if key in hits:
            verdict = "right to select"
        elif key in wrong:
            verdict = "should not be selected"
        elif key in right:
            verdict = "missed: should be selected"
        else:
            verdict = "right to leave out"
        lines.append(f"- {key}: {verdict}.{_explain(explain, key)}")
    return Result(fraction, tuple(lines))


def score_triage(
    answer: Mapping[str, Mapping[str, str | None]] | None,
    key: Mapping[str, Sequence[str]],
    explain: Mapping[str, str] | None = None,
) -> Result:
    if not key:
        raise ValueError("score_triage needs a key with at least one post")
    for post, expected in key.items():
        if len(expected) != 2 or expected[0] not in VERDICTS:
            raise ValueError(f"triage key for {post!r} must be (verdict, reason) with verdict in {list(VERDICTS)}")
    answer = answer or {}
    total = 0.0
    lines = []
    for post, (verdict, reason) in key.items():
        given = answer.get(post) or {}
        got_verdict, got_reason = given.get("verdict"), given.get("reason")
        if got_verdict is None:
            lines.append(f"- {post}: no verdict given. Expected: {VERDICTS[verdict]} ({reason}).{_explain(explain, post)}")
            continue
        if got_verdict != verdict:
            lines.append(
                f"- {post}: you said {VERDICTS.get(got_verdict, got_verdict)}; expected {VERDICTS[verdict]} "
                f"({reason}).{_explain(explain, post)}"
            )
            continue
        credit = TRIAGE_VERDICT_WEIGHT + (1 - TRIAGE_VERDICT_WEIGHT) * (got_reason == reason)
        total += credit
        reason_note = "and the reason" if got_reason == reason else f"but the main reason is {reason!r}, not {got_reason!r}"
        lines.append(f"- {post}: right verdict ({VERDICTS[verdict]}) {reason_note}.{_explain(explain, post)}")
    fraction = total / len(key)
    return Result(fraction, (f"Posts sorted: {len(key)}; credit {fraction:.0%}.", *lines))


def _ranking_problem(answer: Mapping[str, int], n: int) -> str:
    """What makes a ranking impossible (a rank used twice, or not one of 1 to n), or ""."""
    outside = sorted({r for r in answer.values() if not 1 <= r <= n})
    if outside:
        return f"rank {', '.join(map(str, outside))} is not between 1 and {n}"
    used: dict[int, int] = {}
    for rank in answer.values():
        used[rank] = used.get(rank, 0) + 1
    twice = sorted(r for r, count in used.items() if count > 1)
    if twice:
        return "; ".join(f"rank {r} is given to {used[r]} items" for r in twice)
    return ""


def score_ranking(
    answer: Mapping[str, int] | None,
    order: Sequence[str],
    explain: Mapping[str, str] | None = None,
) -> Result:
    """``order``: the item keys from first (rank 1) to last."""
    if len(order) < 2 or len(set(order)) != len(order):
        raise ValueError("score_ranking needs at least two distinct items in the right order")
    n = len(order)
    answer = {k: r for k, r in (answer or {}).items() if k in order}
    if not answer:
        return Result(0.0, ("No ranks were given.",))
    problem = _ranking_problem(answer, n)
    if problem:  # scoring it would pay for a guess: every item ranked 2 is never far from its place
        return Result(0.0, (f"Note: this ranking is not valid: {problem}. Give each item a different rank "
                            f"from 1 to {n}.",))
    worst = (n * n) // 2  # the footrule distance of a reversed order
    distance = 0
    lines = []
    for place, key in enumerate(order, 1):
        rank = answer.get(key)
        if rank is None:
            distance += max(place - 1, n - place)
            lines.append(f"- {key}: not ranked; its place is {place}.{_explain(explain, key)}")
        else:
            distance += abs(rank - place)
            mark = "right place" if rank == place else f"you ranked it {rank}, its place is {place}"
            lines.append(f"- {key}: {mark}.{_explain(explain, key)}")
    fraction = max(0.0, 1 - distance / worst)
    head = f"Total distance from the right order: {distance} (a reversed order: {worst})."
    return Result(fraction, (head, f"Right order: {', '.join(order)}.", *lines))


def score_disclosure(
    answer: Mapping[str, str] | None,
    key: Mapping[str, Sequence[str]],
    explain: Mapping[str, str] | None = None,
) -> Result:
    """``key``: for each part of the disclosure, the acceptable option keys."""
    if not key or not all(key.values()):
        raise ValueError("score_disclosure needs at least one part, each with an acceptable option")
    answer = answer or {}
    right = 0
    lines = []
    for part, acceptable in key.items():
        chosen = answer.get(part)
        if chosen in acceptable:
            right += 1
            lines.append(f"- {part}: {chosen} works.{_explain(explain, part)}")
        elif chosen is None:
            lines.append(f"- {part}: nothing chosen; acceptable: {', '.join(acceptable)}.{_explain(explain, part)}")
        else:
            lines.append(f"- {part}: {chosen} does not work; acceptable: {', '.join(acceptable)}.{_explain(explain, part)}")
    return Result(right / len(key), (f"Parts of the disclosure done right: {right} of {len(key)}.", *lines))


_WORD = re.compile(r"\S+")


def tokenize(text: str) -> list[tuple[int, int, str]]:
    """The words of ``text`` as ``(start, end, word)``; a word is a run of non-space characters."""
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]


def find_spans(text: str, phrases: Iterable[str]) -> list[tuple[int, int]]:
    """Character spans of every occurrence of each phrase in ``text``."""
    spans = []
    for phrase in phrases:
        if not phrase or not phrase.strip():
            raise ValueError("an identifier phrase cannot be empty")
        found = [(m.start(), m.start() + len(phrase)) for m in re.finditer(re.escape(phrase), text)]
        if not found:
            raise ValueError(f"identifier {phrase!r} does not occur in the text")
        spans.extend(found)
    return sorted(set(spans))


def _overlaps(a: tuple[int, int], b: Sequence[int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def identifying_tokens(text: str, spans: Iterable[Sequence[int]]) -> list[tuple[int, int, str]]:
    """The words of ``text`` that overlap an identifier span."""
    spans = list(spans)
    for span in spans:
        if not (0 <= span[0] < span[1] <= len(text)):
            raise ValueError(f"identifier span {tuple(span)} lies outside the text (length {len(text)})")
    return [t for t in tokenize(text) if any(_overlaps((t[0], t[1]), s) for s in spans)]


def score_identifiers(
    answer: Iterable[Sequence[int]] | None,
    text: str,
    spans: Iterable[Sequence[int]],
    explain: str | None = None,
) -> Result:
    gold = {(s, e) for s, e, _ in identifying_tokens(text, spans)}
    if not gold:
        raise ValueError("score_identifiers needs at least one identifier span inside the text")
    words = {(s, e): w for s, e, w in tokenize(text)}
    picked = {tuple(span) for span in (answer or ())}
    unknown = picked - set(words)
    picked -= unknown
    hits, wrong = picked & gold, picked - gold
    missed = gold - picked
    others = len(words) - len(gold)
    fraction = max(0.0, len(hits) / len(gold) - (len(wrong) / others if others else 0.0))
    lines = [f"You marked {len(hits)} of {len(gold)} identifying words and {len(wrong)} of {others} other word(s)."]
    if unknown:
        lines.append(f"{len(unknown)} saved selection(s) did not match a word of this post and were ignored.")
    if missed:
        lines.append("Missed: " + ", ".join(repr(words[s]) for s in sorted(missed)) + ".")
    if wrong:
        lines.append("Not identifying: " + ", ".join(repr(words[s]) for s in sorted(wrong)) + ".")
    if explain:
        lines.append(explain)
    return Result(fraction, tuple(lines))
