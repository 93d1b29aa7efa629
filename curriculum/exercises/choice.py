"""Single and multiple choice."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import ipywidgets as w

from .. import scoring
from ..markup import option_label as _option_label
from .base import Exercise


class SingleChoice(Exercise):
    kind = "single"

    def __init__(self, store, item, prompt, options: Mapping[str, str], *, correct: str | None = None,
                 explain: Mapping[str, str] | None = None, case: str | None = None, variant: str | None = None):
        if not options:
            raise ValueError(f"{item}: a single-choice item needs options")
        if correct is not None and correct not in options:
            raise ValueError(f"{item}: correct option {correct!r} is not one of {list(options)}")
        self.options, self.correct, self.explain = dict(options), correct, explain
        super().__init__(store, item, prompt, practice=correct is not None, case=case, variant=variant)

    def _build(self) -> None:
        self.radio = w.RadioButtons(
            options=[(_option_label(k, t), k) for k, t in self.options.items()],
            value=None,
            description="Your answer:",
            style={"description_width": "initial"},
            layout=w.Layout(width="auto"),
        )
        self.radio.observe(self._changed, "value")

    def _controls(self):
        return self.radio

    def _get(self):
        return self.radio.value

    def _set(self, value):
        self.radio.value = value if value in self.options else None

    def score(self):
        return scoring.score_single(self._get(), self.correct, self.explain)


class MultipleChoice(Exercise):
    kind = "multiple"

    def __init__(self, store, item, prompt, options: Mapping[str, str], *,
                 correct: Iterable[str] | None = None, explain: Mapping[str, str] | None = None,
                 case: str | None = None, variant: str | None = None):
        if not options:
            raise ValueError(f"{item}: a multiple-choice item needs options")
        self.options, self.explain = dict(options), explain
        self.correct = None if correct is None else list(correct)
        if self.correct is not None and not set(self.correct) <= set(options):
            raise ValueError(f"{item}: correct options {self.correct} are not all among {list(options)}")
        super().__init__(store, item, prompt, practice=correct is not None, case=case, variant=variant)

    def _build(self) -> None:
        self.boxes = {
            key: w.Checkbox(value=False, description=_option_label(key, text), indent=False,
                            layout=w.Layout(width="auto"))
            for key, text in self.options.items()
        }
        for box in self.boxes.values():
            box.observe(self._changed, "value")

    def _controls(self):
        return w.VBox([w.Label("Select every option that applies:"), *self.boxes.values()])

    def _get(self):
        return sorted(k for k, b in self.boxes.items() if b.value)

    def _set(self, value):
        chosen = set(value or ())
        for key, box in self.boxes.items():
            box.value = key in chosen

    def score(self):
        return scoring.score_multiple(self._get(), self.correct, self.explain, self.options)
