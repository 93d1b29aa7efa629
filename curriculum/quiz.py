"""The object a lesson creates in its first cell: ``quiz = Quiz("01-patient-privacy")``."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence

from .answers import AnswerStore
from .exercises import (
    DisclosureFixer,
    Exercise,
    MultipleChoice,
    PostTriage,
    Ranking,
    SingleChoice,
    SpotIdentifiers,
)

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

    def ready_check(self):
        """The last cell of a module: what is answered, what is not, and whether the notebook is saved
        with the answers (:mod:`curriculum.readiness`); no key, no right or wrong."""
        from .exercises.ready import ReadyCheck

        return ReadyCheck(self)

    def _add(self, exercise: Exercise) -> Exercise:
        self.items[exercise.item] = exercise
        return exercise

    def single_choice(self, item: str, prompt: str, options: Mapping[str, str], *,
                      correct: str | None = None, explain: Mapping[str, str] | None = None,
                      case: str | None = None) -> SingleChoice:
        """``case``: a case-bank id shown as a post card above the options."""
        return self._add(SingleChoice(self.store, item, prompt, options, correct=correct, explain=explain,
                                      case=case))

    def multiple_choice(self, item: str, prompt: str, options: Mapping[str, str], *,
                        correct: Iterable[str] | None = None,
                        explain: Mapping[str, str] | None = None, case: str | None = None) -> MultipleChoice:
        """``case``: a case-bank id shown as a post card above the options."""
        return self._add(MultipleChoice(self.store, item, prompt, options, correct=correct, explain=explain,
                                        case=case))

    def triage(self, item: str, prompt: str, posts: Mapping[str, str] | Sequence[str], reasons: Mapping[str, str], *,
               correct: Mapping[str, Sequence[str]] | None = None,
               explain: Mapping[str, str] | None = None) -> PostTriage:
        """``posts`` maps post keys to texts, or lists case ids from the case bank (then the keys are the ids)."""
        if not isinstance(posts, Mapping):
            from . import cases

            posts = {case_id: cases.text(case_id) for case_id in posts}
        return self._add(PostTriage(self.store, item, prompt, posts, reasons, correct=correct, explain=explain))

    def spot_identifiers(self, item: str, prompt: str, text: str | None = None, *, case: str | None = None,
                         correct: Iterable[str] | None = None, explain: str | None = None,
                         practice: bool = False) -> SpotIdentifiers:
        """The post is ``text``, or the case ``case`` from the case bank. ``practice=True`` with an
        annotated case makes a practice item keyed on the case's identifiers and teaching points."""
        if (text is None) == (case is None):
            raise ValueError(f"{item}: give either text= or case=, not both or neither")
        spans = None
        if case is not None:
            from . import cases

            found = cases.get(case)
            text = found.text
            if practice:
                if not found.identifiers:
                    raise ValueError(f"{item}: case {case} has no annotated identifiers to practise on")
                spans = [(i.start, i.end) for i in found.identifiers]
                explain = explain or " ".join([*found.teaching_points, f"Better: {found.better_alternative}"])
        elif practice and correct is None:
            raise ValueError(f"{item}: practice=True needs correct= (or an annotated case=)")
        return self._add(SpotIdentifiers(self.store, item, prompt, text, correct=correct, explain=explain,
                                         correct_spans=spans))

    def ranking(self, item: str, prompt: str, items: Mapping[str, str] | Sequence[str], *,
                order: Sequence[str] | None = None, explain: Mapping[str, str] | None = None,
                scale: str = "1 = most severe") -> Ranking:
        """Rank ``items`` ({key: text}, or a list of case-bank ids shown as post cards). ``order``
        (keys from rank 1 down) makes a practice item."""
        cards = None
        if not isinstance(items, Mapping):
            from . import cases

            cards = {case_id: cases.render(case_id, show_title=False) for case_id in items}
            items = {case_id: cases.text(case_id) for case_id in items}
        return self._add(Ranking(self.store, item, prompt, items, order=order, explain=explain, scale=scale,
                                 cards=cards))

    def disclosure(self, item: str, prompt: str, parts: Mapping[str, Mapping[str, str]], *,
                   labels: Mapping[str, str] | None = None, correct: Mapping[str, Sequence[str]] | None = None,
                   explain: Mapping[str, str] | None = None, case: str | None = None) -> DisclosureFixer:
        """Build a sponsorship disclosure: one menu per part ({part: {option key: text}}), e.g.
        wording, placement, format in video. ``correct`` ({part: [acceptable keys]}) makes a practice
        item; ``case`` shows the post being fixed."""
        return self._add(DisclosureFixer(self.store, item, prompt, parts, labels=labels, correct=correct,
                                         explain=explain, case=case))
