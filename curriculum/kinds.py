"""The exercise kinds: the one list that the answer store, the key reader, the grader, the widgets,
the simulator, the benchmark and the withheld-feedback rule read.

Adding a kind means one entry here, then its widget (:mod:`curriculum.exercises`), its value check
(:func:`curriculum.answers.validate_value`), its scoring (:mod:`curriculum.scoring`), its grading
method (:class:`curriculum.grading.Grader`), its static view (:mod:`curriculum.preprocessors.answerview`)
and its simulated answers (:mod:`curriculum.simulate`); ``tests/kernel/test_kinds.py`` checks that each of
those knows every kind listed here.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BY_METHOD", "KINDS", "NAMES", "Kind"]


@dataclass(frozen=True)
class Kind:
    """One kind of exercise."""

    #: The name in answer files (``"kind": "single"``).
    name: str
    #: The method of :class:`curriculum.quiz.Quiz` that makes its widget and of
    #: :class:`curriculum.grading.Grader` that grades it (the same name on both).
    method: str
    #: In plain words, for messages.
    what: str
    #: Lines its scoring prints that say how close an answer was without revealing the key (regular
    #: expressions); withheld feedback keeps only these (:mod:`curriculum.feedback`).
    safe_lines: tuple[str, ...]


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("single", "single_choice", "single choice", (r"^No answer was chosen\.$",)),
    Kind("multiple", "multiple_choice", "multiple choice", (
        r"^No option was selected\.$",
        r"^You selected \d+ of \d+ right options and \d+ wrong one\(s\)\.$")),
    Kind("triage", "triage", "post triage", (r"^Posts sorted: \d+; credit \d+%\.$",)),
    Kind("identifiers", "spot_identifiers", "spot the identifiers", (
        r"^You marked \d+ of \d+ identifying words and \d+ of \d+ other word\(s\)\.$",
        r"^\d+ saved selection\(s\) did not match a word of this post and were ignored\.$")),
    Kind("ranking", "ranking", "ranking", (
        r"^No ranks were given\.$",
        r"^Total distance from the right order: \d+ \(a reversed order: \d+\)\.$")),
    Kind("disclosure", "disclosure", "disclosure fixer", (r"^Parts of the disclosure done right: \d+ of \d+\.$",)),
)}

#: The kinds' names, in the order above.
NAMES: tuple[str, ...] = tuple(KINDS)
#: Grader (and Quiz) method -> kind name.
BY_METHOD: dict[str, str] = {k.method: k.name for k in KINDS.values()}
