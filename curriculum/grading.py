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

from . import scoring, variants
from .answers import AnswerRecord, AnswerSet, AnswerStore
from .kinds import BY_METHOD

__all__ = ["STAFF_NOTE", "Grader", "Points"]

#: The start of a feedback line meant for course staff only: the students' feedback leaves such lines out
#: (:class:`curriculum.preprocessors.StaffNotesOnly`).
STAFF_NOTE = "Note for staff:"


class Points(float):
    """A score whose text form is just the number, which nbgrader reads as partial credit."""

    def __repr__(self) -> str:
        return f"{float(self):g}"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


class Grader:
    """Scores the saved answers of one notebook: read from its answer file in ``folder``, or given as
    ``answers`` (how grading as data scores a test without a kernel, :mod:`curriculum.preprocessors.asdata`).

    With variants on (``settings``, or those of the notebook's Quiz in this kernel), each item is scored
    as the variant of ``student``: the id grading gives (the student who submitted), never one the
    submission names. Answers saved for another variant are scored as they stand in the student's own,
    and a note for staff says so (:data:`STAFF_NOTE`; students' feedback leaves it out).
    """

    def __init__(self, notebook: str, folder: str | os.PathLike[str] | None = None, *,
                 answers: AnswerSet | None = None, student: str | None = None,
                 settings: variants.Settings | None = None):
        self.store = AnswerStore(notebook, folder)
        self._answers: AnswerSet | None = answers
        self.settings = settings if settings is not None else variants.configured(self.store.notebook)
        self._student = student

    @property
    def answers(self) -> AnswerSet:
        if self._answers is None:
            self._answers = self.store.load()
        return self._answers

    @property
    def student(self) -> str | None:
        """Whose variants are graded: the id grading gave, else this kernel's student (an instructor
        trying the notebook)."""
        if self._student is None:
            from . import identity

            found = identity.from_environment()
            self._student = found[0] if found else self.answers.student
        return self._student

    def _record(self, item: str, kind: str, view: variants.Layout) -> tuple[Any, list[str]]:
        notes = list(self.answers.problems_for(item))
        record: AnswerRecord | None = self.answers.answers.get(item)
        if record is None:
            return None, notes
        if record.kind != kind:
            notes.append(f"The saved answer is a {record.kind!r} answer, but this item takes a {kind!r} answer; it was ignored.")
            return None, notes
        note = variants.mismatch(record.variant, view, self.student)
        if note:
            notes.append(f"{STAFF_NOTE} {note}")
        return record.value, notes

    def _report(self, item: str, points: float, result: scoring.Result, notes: list[str]) -> Points:
        earned = scoring.to_points(result.fraction, points)
        print(f"{item}: {earned:g} of {points:g} point(s)")
        for note in notes:
            print(note if note.startswith(STAFF_NOTE) else f"Note: {note}")
        for line in result.lines:
            print(line)
        return Points(earned)

    def _grade(self, method: str, item: str, points: float, key: dict[str, Any], score) -> Points:
        """Score ``item`` with ``score(value, key)``, ``key`` as the student's variant shows it."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # stderr in a test cell would zero the cell
            view = variants.layout_for_key(method, item, key, self.settings, self.store.notebook, self.student)
            value, notes = self._record(item, BY_METHOD[method], view)
            return self._report(item, points, score(value, variants.shown_key(method, key, view)), notes)

    def single_choice(
        self, item: str, *, correct: str, points: float, explain: Mapping[str, str] | None = None,
        case: str | None = None, options: Iterable[str] | None = None,
    ) -> Points:
        """``case`` names the assessment case the question is about (checked by `curriculum check`);
        ``options``: every option key, where ``explain`` does not name them all (variants letter them)."""
        return self._grade("single_choice", item, points, dict(correct=correct, explain=explain, options=options),
                           lambda v, k: scoring.score_single(v, k["correct"], k["explain"]))

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
        return self._grade("multiple_choice", item, points,
                           dict(correct=list(correct), explain=explain, options=None if options is None else list(options)),
                           lambda v, k: scoring.score_multiple(v, k["correct"], k["explain"], k["options"]))

    def triage(
        self,
        item: str,
        *,
        key: Mapping[str, Sequence[str]],
        points: float,
        explain: Mapping[str, str] | None = None,
        pools: Sequence[Sequence[str]] | None = None,
    ) -> Points:
        """``pools``: lists of case ids, the first a post the item lists, the others posts a student may see
        in its place (:mod:`curriculum.variants`); ``key`` and ``explain`` cover every member."""
        return self._grade("triage", item, points, dict(key=key, explain=explain, pools=pools),
                           lambda v, k: scoring.score_triage(v, k["key"], k["explain"]))

    def spot_identifiers(
        self,
        item: str,
        *,
        points: float,
        text: str | None = None,
        case: str | None = None,
        identifiers: Iterable[str] | Mapping[str, Iterable[str]] = (),
        spans: Iterable[Sequence[int]] = (),
        explain: str | Mapping[str, str] | None = None,
        pools: Sequence[Sequence[str]] | None = None,
    ) -> Points:
        """Score selected words against the key: ``identifiers`` (phrases) and/or ``spans`` in the
        post, given as ``text`` or as the id of a case in the case bank (``case``). With ``pools``,
        ``identifiers`` and ``explain`` map each member case to its own."""
        if (text is None) == (case is None):
            raise ValueError(f"{item}: give either text= or case=, not both or neither")

        def score(value, k):
            from . import cases

            body = k["text"] if k["case"] is None else cases.text(k["case"])
            gold = list(k["spans"]) + scoring.find_spans(body, k["identifiers"])
            return scoring.score_identifiers(value, body, gold, k["explain"])

        return self._grade("spot_identifiers", item, points,
                           dict(text=text, case=case, identifiers=identifiers, spans=spans, explain=explain,
                                pools=pools), score)

    def ranking(
        self, item: str, *, order: Sequence[str], points: float, explain: Mapping[str, str] | None = None,
        pools: Sequence[Sequence[str]] | None = None,
    ) -> Points:
        """``order``: the item keys (or case ids) from rank 1 down; ``pools`` as for :meth:`triage`."""
        return self._grade("ranking", item, points, dict(order=list(order), explain=explain, pools=pools),
                           lambda v, k: scoring.score_ranking(v, k["order"], k["explain"]))

    def disclosure(
        self, item: str, *, key: Mapping[str, Sequence[str]], points: float,
        explain: Mapping[str, str] | None = None, case: str | None = None,
    ) -> Points:
        """``key``: for each part, the acceptable option keys. ``case``: the post being fixed."""
        return self._grade("disclosure", item, points, dict(key=key, explain=explain),
                           lambda v, k: scoring.score_disclosure(v, k["key"], k["explain"]))
