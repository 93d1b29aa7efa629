"""The object a lesson creates in its first cell: ``quiz = Quiz("01-patient-privacy")``."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

from .answers import AnswerStore
from .exercises import Exercise, MultipleChoice, PostTriage, SingleChoice, SpotIdentifiers

__all__ = ["Quiz"]


class Quiz:
    """Makes the exercise widgets of one notebook; answers go to ``<notebook>.answers.json``.

    Each method returns the exercise; as the last line of a cell it displays itself. Passing
    ``correct=`` makes a practice item (Check button, immediate feedback); without it the item is
    graded by a hidden test and the widget never reveals the key.
    """

    def __init__(self, notebook: str, folder: str | os.PathLike[str] | None = None):
        self.store = AnswerStore(notebook, folder)
        self.notebook = self.store.notebook
        self.items: dict[str, Exercise] = {}

    def __repr__(self) -> str:
        return f"Quiz({self.notebook!r}): answers are saved in {self.store.path.name}"

    def _add(self, exercise: Exercise) -> Exercise:
        self.items[exercise.item] = exercise
        return exercise

    def single_choice(self, item: str, prompt: str, options: Mapping[str, str], *,
                      correct: str | None = None, explain: Mapping[str, str] | None = None) -> SingleChoice:
        return self._add(SingleChoice(self.store, item, prompt, options, correct=correct, explain=explain))

    def multiple_choice(self, item: str, prompt: str, options: Mapping[str, str], *,
                        correct: Iterable[str] | None = None,
                        explain: Mapping[str, str] | None = None) -> MultipleChoice:
        return self._add(MultipleChoice(self.store, item, prompt, options, correct=correct, explain=explain))

    def triage(self, item: str, prompt: str, posts: Mapping[str, str], reasons: Mapping[str, str], *,
               correct: Mapping[str, Sequence[str]] | None = None,
               explain: Mapping[str, str] | None = None) -> PostTriage:
        return self._add(PostTriage(self.store, item, prompt, posts, reasons, correct=correct, explain=explain))

    def spot_identifiers(self, item: str, prompt: str, text: str, *, correct: Iterable[str] | None = None,
                         explain: str | None = None) -> SpotIdentifiers:
        return self._add(SpotIdentifiers(self.store, item, prompt, text, correct=correct, explain=explain))
