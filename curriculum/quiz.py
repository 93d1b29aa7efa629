"""The object a lesson creates in its first cell: ``quiz = Quiz("01-patient-privacy")``."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from IPython.display import display

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

__all__ = ["Pending", "Quiz"]


class Quiz:
    """Makes the exercise widgets of one notebook; answers go to ``<notebook>.answers.json``.

    Each method returns the exercise; as the last line of a cell it displays itself. Passing
    ``correct=`` makes a practice item (Check button, immediate feedback); without it the item is
    graded by a hidden test and the widget never reveals the key.

    ``variants``, ``course`` and ``pools`` are written into the setup cell by the course build from the
    assignment's plan (:mod:`curriculum.variants`): then each graded item is shown as the student's own
    variant. The student id comes from :func:`curriculum.identity.from_environment`, else from the answer
    file, else the setup cell asks for it once; questions wait for it.
    """

    def __init__(self, notebook: str, folder: str | os.PathLike[str] | None = None, *,
                 variants: str = "off", course: str = "", pools: Mapping[str, Sequence[Sequence[str]]] | None = None):
        from . import identity
        from .variants import Settings, configure

        self.store = AnswerStore(notebook, folder)
        self.notebook = self.store.notebook
        self.items: dict[str, Exercise | Pending] = {}
        self.settings = Settings(variants, course, pools or {})
        configure(self.notebook, self.settings)  # what a Grader in this kernel varies by
        found = identity.from_environment()
        stored = self.store.load().student
        self.student, self.student_source = found if found else (stored, "answer file" if stored else None)
        self._pending: list[Pending] = []
        self.id_box = None
        if self.settings.on and self.student is None:
            from .exercises.identity import StudentIdBox

            self.id_box = StudentIdBox(self.set_student)
            display(self.id_box)

    def __repr__(self) -> str:
        return f"Quiz({self.notebook!r}): answers are saved in {self.store.path.name}"

    def set_student(self, student: str) -> None:
        """The student id typed in the setup cell: kept in the answer file, and every question that was
        waiting for it is shown. ValueError for an id that cannot be one (the box says why)."""
        from .variants import check_student_id

        student = check_student_id(student)
        self.store.save_student(student)
        self.student, self.student_source = student, "answer file"
        waiting, self._pending = self._pending, []
        for pending in waiting:
            pending.realize()

    def ready_check(self):
        """The last cell of a module: what is answered, what is not, and whether the notebook is saved
        with the answers (:mod:`curriculum.readiness`); no key, no right or wrong."""
        from .exercises.ready import ReadyCheck

        return ReadyCheck(self)

    def _add(self, method: str, arguments: dict[str, Any], make) -> Exercise | Pending:
        """Make the exercise ``make(arguments, variant)`` builds from the call's ``arguments`` (by name), as
        this student's variant when the item varies (:func:`curriculum.variants.varies`)."""
        from .variants import layout_for_call, shown_arguments, varies

        item = arguments["item"]
        if not self.settings.on or not varies(method, arguments):
            exercise = make(arguments, None)
        elif self.student is None:
            pending = Pending(item, arguments.get("prompt", ""), lambda: self._add(method, arguments, make))
            self._pending.append(pending)
            self.items[item] = pending
            return pending
        else:
            view = layout_for_call(method, arguments, self.settings, self.notebook, self.student)
            exercise = make(shown_arguments(method, arguments, view), view.fingerprint if view.varied else None)
        self.items[item] = exercise
        return exercise

    def single_choice(self, item: str, prompt: str, options: Mapping[str, str], *,
                      correct: str | None = None, explain: Mapping[str, str] | None = None,
                      case: str | None = None) -> SingleChoice:
        """``case``: a case-bank id shown as a post card above the options."""
        return self._add("single_choice", dict(item=item, prompt=prompt, options=options, case=case, correct=correct),
                         lambda a, variant: SingleChoice(
                             self.store, a["item"], a["prompt"], a["options"], correct=correct, explain=explain,
                             case=a["case"], variant=variant))

    def multiple_choice(self, item: str, prompt: str, options: Mapping[str, str], *,
                        correct: Iterable[str] | None = None,
                        explain: Mapping[str, str] | None = None, case: str | None = None) -> MultipleChoice:
        """``case``: a case-bank id shown as a post card above the options."""
        return self._add("multiple_choice", dict(item=item, prompt=prompt, options=options, case=case,
                                                 correct=correct), lambda a, variant: MultipleChoice(
                             self.store, a["item"], a["prompt"], a["options"], correct=correct, explain=explain,
                             case=a["case"], variant=variant))

    def triage(self, item: str, prompt: str, posts: Mapping[str, str] | Sequence[str], reasons: Mapping[str, str], *,
               correct: Mapping[str, Sequence[str]] | None = None,
               explain: Mapping[str, str] | None = None) -> PostTriage:
        """``posts`` maps post keys to texts, or lists case ids from the case bank (then the keys are the ids)."""
        def make(a, variant):
            posts = a["posts"]
            if not isinstance(posts, Mapping):
                from . import cases

                posts = {case_id: cases.text(case_id) for case_id in posts}
            return PostTriage(self.store, a["item"], a["prompt"], posts, reasons, correct=correct, explain=explain,
                              variant=variant)

        return self._add("triage", dict(item=item, prompt=prompt, posts=posts, correct=correct), make)

    def spot_identifiers(self, item: str, prompt: str, text: str | None = None, *, case: str | None = None,
                         correct: Iterable[str] | None = None, explain: str | None = None,
                         practice: bool = False) -> SpotIdentifiers:
        """The post is ``text``, or the case ``case`` from the case bank. ``practice=True`` with an
        annotated case makes a practice item keyed on the case's identifiers and teaching points."""
        if (text is None) == (case is None):
            raise ValueError(f"{item}: give either text= or case=, not both or neither")

        def make(a, variant):
            spans, body, why = None, text, explain
            if a["case"] is not None:
                from . import cases

                found = cases.get(a["case"])
                body = found.text
                if practice:
                    if not found.identifiers:
                        raise ValueError(f"{item}: case {a['case']} has no annotated identifiers to practise on")
                    spans = [(i.start, i.end) for i in found.identifiers]
                    why = why or " ".join([*found.teaching_points, f"Better: {found.better_alternative}"])
            elif practice and correct is None:
                raise ValueError(f"{item}: practice=True needs correct= (or an annotated case=)")
            return SpotIdentifiers(self.store, a["item"], a["prompt"], body, correct=correct, explain=why,
                                   correct_spans=spans, variant=variant)

        return self._add("spot_identifiers", dict(item=item, prompt=prompt, text=text, case=case, correct=correct,
                                                  practice=practice), make)

    def ranking(self, item: str, prompt: str, items: Mapping[str, str] | Sequence[str], *,
                order: Sequence[str] | None = None, explain: Mapping[str, str] | None = None,
                scale: str = "1 = most severe") -> Ranking:
        """Rank ``items`` ({key: text}, or a list of case-bank ids shown as post cards). ``order``
        (keys from rank 1 down) makes a practice item."""
        def make(a, variant):
            shown, cards = a["items"], None
            if not isinstance(shown, Mapping):
                from . import cases

                cards = {case_id: cases.render(case_id, show_title=False) for case_id in shown}
                shown = {case_id: cases.text(case_id) for case_id in shown}
            return Ranking(self.store, a["item"], a["prompt"], shown, order=order, explain=explain, scale=scale,
                           cards=cards, variant=variant)

        return self._add("ranking", dict(item=item, prompt=prompt, items=items, order=order), make)

    def disclosure(self, item: str, prompt: str, parts: Mapping[str, Mapping[str, str]], *,
                   labels: Mapping[str, str] | None = None, correct: Mapping[str, Sequence[str]] | None = None,
                   explain: Mapping[str, str] | None = None, case: str | None = None) -> DisclosureFixer:
        """Build a sponsorship disclosure: one menu per part ({part: {option key: text}}), e.g.
        wording, placement, format in video. ``correct`` ({part: [acceptable keys]}) makes a practice
        item; ``case`` shows the post being fixed."""
        return self._add("disclosure", dict(item=item, prompt=prompt, parts=parts, case=case, correct=correct),
                         lambda a, variant: DisclosureFixer(self.store, item, prompt, parts, labels=labels,
                                                            correct=correct, explain=explain, case=case))


class Pending:
    """A graded question waiting for the student id its variant needs: a note in its place, and the
    question itself, in the same place, once the id is typed in the setup cell."""

    practice = False

    def __init__(self, item: str, prompt: str, make):
        import ipywidgets as w

        from .readiness import item_label

        self.item, self.label, self._make = item, item_label(item, prompt), make
        self.exercise: Exercise | None = None
        self.box = w.VBox([w.HTML(
            f"<p role='status'><strong>{self.label}</strong> is waiting for your student ID: type it in the box "
            "at the top of this notebook (the setup cell) and press Save. The question appears here as soon as "
            "you do.</p>")])
        self._handle = None

    def realize(self) -> None:
        self.exercise = self._make()
        self.box.children = [self.exercise.widget]
        if self._handle is not None:
            self.exercise._copy_handle = self._handle
            self._handle.update(self.exercise._copy_bundle(self.exercise._load()), raw=True)

    def __getattr__(self, name: str):
        exercise = self.__dict__.get("exercise")
        if exercise is None:
            raise AttributeError(f"{name}: question {self.__dict__.get('item')} is waiting for the student id")
        return getattr(exercise, name)

    def _ipython_display_(self) -> None:
        display(self.box)
        self._handle = display({"text/plain": f"[{self.item}: waiting for the student id]"}, raw=True,
                               display_id=True)
