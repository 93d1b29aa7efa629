"""Helpers that nbgrader's hidden test cells call to score a widget answer.

A hidden test cell ends with one call, for example::

    from curriculum.grading import Grader
    Grader("01-patient-privacy").single_choice("q01-phi", correct="b", points=1, explain={...})

The call prints feedback for the student (to stdout: anything on stderr makes nbgrader give zero)
and returns :class:`Points`, whose text form is the number nbgrader reads as partial credit.
Problems with the student's saved answers (missing, damaged, hand-edited) give zero for the item
with a message; they never raise. Mistakes in the key (the instructor's side) do raise.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import scoring
from .answers import AnswerRecord, AnswerSet, AnswerStore

__all__ = ["Grader", "Points"]


class Points(float):
    """A score whose text form is just the number, which nbgrader reads as partial credit."""

    def __repr__(self) -> str:
        return f"{float(self):g}"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


class Grader:
    """Scores the saved answers of one notebook: read from its answer file in ``folder``, or given as
    ``answers`` (how grading as data scores a test without a kernel, :mod:`curriculum.preprocessors.asdata`)."""

    def __init__(self, notebook: str, folder: str | os.PathLike[str] | None = None, *,
                 answers: AnswerSet | None = None):
        self.store = AnswerStore(notebook, folder)
        self._answers: AnswerSet | None = answers

    @property
    def answers(self) -> AnswerSet:
        if self._answers is None:
            self._answers = self.store.load()
        return self._answers

    def _record(self, item: str, kind: str) -> tuple[Any, list[str]]:
        notes = list(self.answers.problems_for(item))
        record: AnswerRecord | None = self.answers.answers.get(item)
        if record is None:
            return None, notes
        if record.kind != kind:
            notes.append(f"The saved answer is a {record.kind!r} answer, but this item takes a {kind!r} answer; it was ignored.")
            return None, notes
        return record.value, notes

    def _report(self, item: str, points: float, result: scoring.Result, notes: list[str]) -> Points:
        earned = scoring.to_points(result.fraction, points)
        print(f"{item}: {earned:g} of {points:g} point(s)")
        for note in notes:
            print(f"Note: {note}")
        for line in result.lines:
            print(line)
        return Points(earned)

    def _grade(self, item: str, kind: str, points: float, score) -> Points:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # stderr in a test cell would zero the cell
            value, notes = self._record(item, kind)
            return self._report(item, points, score(value), notes)

    def single_choice(
        self, item: str, *, correct: str, points: float, explain: Mapping[str, str] | None = None,
        case: str | None = None,
    ) -> Points:
        """``case`` names the assessment case the question is about (checked by `curriculum check`)."""
        return self._grade(item, "single", points, lambda v: scoring.score_single(v, correct, explain))

    def multiple_choice(
        self,
        item: str,
        *,
        correct: Iterable[str],
        points: float,
        explain: Mapping[str, str] | None = None,
        options: Iterable[str] | None = None,
        case: str | None = None,
    ) -> Points:
        correct = list(correct)
        return self._grade(
            item, "multiple", points, lambda v: scoring.score_multiple(v, correct, explain, options)
        )

    def triage(
        self,
        item: str,
        *,
        key: Mapping[str, Sequence[str]],
        points: float,
        explain: Mapping[str, str] | None = None,
    ) -> Points:
        return self._grade(item, "triage", points, lambda v: scoring.score_triage(v, key, explain))

    def spot_identifiers(
        self,
        item: str,
        *,
        points: float,
        text: str | None = None,
        case: str | None = None,
        identifiers: Iterable[str] = (),
        spans: Iterable[Sequence[int]] = (),
        explain: str | None = None,
    ) -> Points:
        """Score selected words against the key: ``identifiers`` (phrases) and/or ``spans`` in the
        post, given as ``text`` or as the id of a case in the case bank (``case``)."""
        if (text is None) == (case is None):
            raise ValueError(f"{item}: give either text= or case=, not both or neither")
        if case is not None:
            from . import cases

            text = cases.text(case)
        gold = list(spans) + scoring.find_spans(text, identifiers)
        return self._grade(
            item, "identifiers", points, lambda v: scoring.score_identifiers(v, text, gold, explain)
        )

    def ranking(
        self, item: str, *, order: Sequence[str], points: float, explain: Mapping[str, str] | None = None,
    ) -> Points:
        """``order``: the item keys (or case ids) from rank 1 down."""
        order = list(order)
        return self._grade(item, "ranking", points, lambda v: scoring.score_ranking(v, order, explain))

    def disclosure(
        self, item: str, *, key: Mapping[str, Sequence[str]], points: float,
        explain: Mapping[str, str] | None = None, case: str | None = None,
    ) -> Points:
        """``key``: for each part, the acceptable option keys. ``case``: the post being fixed."""
        return self._grade(item, "disclosure", points, lambda v: scoring.score_disclosure(v, key, explain))
