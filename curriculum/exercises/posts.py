"""Exercises on posts: triage (verdict and reason per post) and spot the identifiers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import ipywidgets as w

from .. import scoring
from .base import _PLACEHOLDER, Exercise, _post_card


class PostTriage(Exercise):
    kind = "triage"

    def __init__(self, store, item, prompt, posts: Mapping[str, str], reasons: Mapping[str, str], *,
                 correct: Mapping[str, Sequence[str]] | None = None, explain: Mapping[str, str] | None = None, variant: str | None = None):
        if not posts or not reasons:
            raise ValueError(f"{item}: a triage item needs posts and reasons")
        if correct is not None:
            for post, (verdict, reason) in correct.items():
                if post not in posts or verdict not in scoring.VERDICTS or reason not in reasons:
                    raise ValueError(f"{item}: key for {post!r} must name a post, a verdict in "
                                     f"{list(scoring.VERDICTS)} and a reason in {list(reasons)}")
        self.posts, self.reasons, self.correct, self.explain = dict(posts), dict(reasons), correct, explain
        super().__init__(store, item, prompt, practice=correct is not None, variant=variant)

    def _build(self) -> None:
        self.verdicts: dict[str, w.Dropdown] = {}
        self.reason_menus: dict[str, w.Dropdown] = {}
        for number, post in enumerate(self.posts, 1):
            self.verdicts[post] = w.Dropdown(
                options=[(_PLACEHOLDER, "")] + [(label, key) for key, label in scoring.VERDICTS.items()],
                value="", description=f"Post {number} verdict:",
                style={"description_width": "initial"}, layout=w.Layout(width="auto"),
            )
            self.reason_menus[post] = w.Dropdown(
                options=[(_PLACEHOLDER, "")] + [(label, key) for key, label in self.reasons.items()],
                value="", description=f"Post {number} main reason:",
                style={"description_width": "initial"}, layout=w.Layout(width="auto"),
            )
            self.verdicts[post].observe(self._changed, "value")
            self.reason_menus[post].observe(self._changed, "value")

    def _controls(self):
        rows = []
        for number, (post, text) in enumerate(self.posts.items(), 1):
            rows.append(_post_card(text, f"Post {number} ({post})"))
            rows.append(w.HBox([self.verdicts[post], self.reason_menus[post]],
                               layout=w.Layout(flex_flow="row wrap", margin="0 0 8px 0")))
        return w.VBox(rows)

    def _get(self):
        return {
            post: {"verdict": self.verdicts[post].value or None, "reason": self.reason_menus[post].value or None}
            for post in self.posts
            if self.verdicts[post].value or self.reason_menus[post].value
        }

    def _set(self, value):
        value = value or {}
        for post in self.posts:
            choice = value.get(post) or {}
            verdict, reason = choice.get("verdict") or "", choice.get("reason") or ""
            self.verdicts[post].value = verdict if verdict in scoring.VERDICTS else ""
            self.reason_menus[post].value = reason if reason in self.reasons else ""

    def score(self):
        return scoring.score_triage(self._get(), self.correct, self.explain)


class SpotIdentifiers(Exercise):
    kind = "identifiers"

    def __init__(self, store, item, prompt, text: str, *, correct: Iterable[str] | None = None,
                 explain: str | None = None, correct_spans: Iterable[Sequence[int]] | None = None, variant: str | None = None):
        if not text.strip():
            raise ValueError(f"{item}: a spot-the-identifiers item needs the text of a post")
        self.text, self.explain = text, explain
        if correct is not None:
            correct_spans = [*(correct_spans or ()), *scoring.find_spans(text, correct)]
        self.correct_spans = None if correct_spans is None else list(correct_spans)
        self.tokens = scoring.tokenize(text)
        super().__init__(store, item, prompt, practice=self.correct_spans is not None, variant=variant)

    def _build(self) -> None:
        self.words: list[w.ToggleButton] = []
        for number, (_s, _e, word) in enumerate(self.tokens, 1):
            button = w.ToggleButton(
                value=False, description=word, tooltip=f"Word {number}: mark '{word}' as identifying",
                layout=w.Layout(width="auto", margin="2px"),
            )
            button.observe(lambda change, n=number, word=word: self._mark(change["owner"], n, word), "value")
            button.observe(self._changed, "value")
            self.words.append(button)

    @staticmethod
    def _mark(button: w.ToggleButton, number: int, word: str) -> None:
        """A marked word shows a tick, and says so in its tooltip (what screen readers announce)."""
        button.icon = "check" if button.value else ""
        button.tooltip = (f"Word {number}: '{word}' is marked as identifying; press again to unmark" if button.value
                          else f"Word {number}: mark '{word}' as identifying")

    def _controls(self):
        return w.VBox([
            w.Label("Click (or press Space on) each word that could identify the patient. Marked words show a tick."),
            w.HBox(self.words, layout=w.Layout(flex_flow="row wrap")),
        ])

    def _get(self):
        return [[s, e] for (s, e, _), b in zip(self.tokens, self.words, strict=True) if b.value]

    def _set(self, value):
        chosen = {tuple(span) for span in (value or ())}
        for (s, e, _), button in zip(self.tokens, self.words, strict=True):
            button.value = (s, e) in chosen

    def select(self, words: Iterable[str]) -> None:
        """Mark every occurrence of the given words (as a student clicking them would)."""
        wanted = set(words)
        for (_s, _e, word), button in zip(self.tokens, self.words, strict=True):
            if word in wanted:
                button.value = True

    def score(self):
        return scoring.score_identifiers(self._get(), self.text, self.correct_spans, self.explain)
