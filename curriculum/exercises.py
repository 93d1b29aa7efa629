"""Exercise widgets. They collect an answer, save it, and (for practice items) show feedback.

Scoring lives in :mod:`curriculum.scoring`; saving in :mod:`curriculum.answers`. A widget:

- restores the last saved answer when its cell runs (without writing anything);
- saves the moment the student changes the answer (answer file + a copy in the notebook's outputs);
- for a practice item (built with ``correct=``), has a Check button with explained feedback;
- for a graded item, never shows the key; the hidden test cell grades it after submission.

Every control has a text label, is a native form control or button (so it works with the keyboard),
and states are given in words and symbols, never by colour alone.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import partial
from typing import Any

import ipywidgets as w
from IPython.display import display

from . import scoring
from .answers import ANSWER_MIME, AnswerRecord, AnswerStore
from .markup import markdown_html as _markdown_html
from .markup import option_label as _option_label
from .markup import post_card_html
from .markup import text_html as _text_html

__all__ = [
    "DisclosureFixer",
    "Exercise",
    "MultipleChoice",
    "Ranking",
    "PostTriage",
    "SingleChoice",
    "SpotIdentifiers",
]

_PLACEHOLDER = "(choose)"

# ipywidgets sizes radio labels to one line and cuts checkbox labels with an ellipsis; exercise
# options are sentences, so let them wrap; wrapped text (prompts, posts, feedback) gets a text line
# height, not ipywidgets' one-line control height. A visible focus ring helps keyboard users.
_STYLE = """<style>
.curriculum-exercise .jupyter-widget-radio-box label, .curriculum-exercise .widget-radio-box label {
  display: flex; flex-wrap: nowrap; align-items: flex-start; gap: 6px; height: auto;
  min-height: var(--jp-widgets-radio-item-height); line-height: 1.4; white-space: normal; padding: 3px 0; }
.curriculum-exercise .jupyter-widget-radio-box input, .curriculum-exercise .widget-radio-box input {
  order: -1; flex-shrink: 0; margin: 3px 0 0 0; }
.curriculum-exercise .jupyter-widget-checkbox, .curriculum-exercise .widget-checkbox {
  width: auto; height: auto; align-items: flex-start; }
.curriculum-exercise .jupyter-widget-checkbox label, .curriculum-exercise .widget-checkbox label,
.curriculum-exercise .jupyter-widget-label-basic, .curriculum-exercise .widget-label-basic {
  white-space: normal; overflow: visible; text-overflow: clip; line-height: 1.4; height: auto; }
.curriculum-exercise .curriculum-prompt p { margin: 0 0 6px 0; }
.curriculum-exercise .widget-html-content { line-height: 1.45; }
.curriculum-exercise :focus-visible { outline: 3px solid #1a5fb4; outline-offset: 2px; }
</style>"""


class Exercise:
    """Base of all exercise widgets. Subclasses define how the controls map to a value."""

    kind: str = ""
    kind_title: str = ""

    def __init__(self, store: AnswerStore, item: str, prompt: str, *, practice: bool, case: str | None = None):
        if not item or not isinstance(item, str):
            raise ValueError("every exercise needs an item id (a short text such as 'q01-phi')")
        self.store = store
        self.item = item
        self.practice = practice
        self._restoring = False
        self._copy_handle = None
        self.prompt = w.HTML(
            f"{_STYLE}<div class='curriculum-prompt'><strong>{html.escape(item)}</strong> "
            f"({'practice, not graded' if practice else 'graded'}): {_markdown_html(prompt)}</div>"
        )
        self.status = w.HTML()
        self.feedback = w.HTML()
        self.check_button = w.Button(
            description="Check my answer",
            tooltip="Show feedback on this practice answer",
            icon="question",
            layout=w.Layout(width="auto", align_self="flex-start", display="" if practice else "none"),
        )
        self.check_button.on_click(lambda _b: self.check())
        self._build()
        self.case_card = w.HTML(_case_card(case)) if case else None
        self.widget = w.VBox(
            [self.prompt, *([self.case_card] if self.case_card else []), self._controls(), self.check_button,
             self.feedback, self.status],
            layout=w.Layout(border="1px solid #888", padding="8px", margin="8px 0"),
        )
        self.widget.add_class("curriculum-exercise")
        record = self._load()
        if record is not None:
            with self._quiet():
                self._set(record.value)
        self._show_status(record)

    # -- to be provided by subclasses -------------------------------------------------------
    def _build(self) -> None:
        raise NotImplementedError

    def _controls(self) -> w.Widget:
        raise NotImplementedError

    def _get(self) -> Any:
        raise NotImplementedError

    def _set(self, value: Any) -> None:
        raise NotImplementedError

    def score(self) -> scoring.Result:
        raise NotImplementedError

    # -- shared behaviour ------------------------------------------------------------------
    @contextmanager
    def _quiet(self):
        self._restoring = True
        try:
            yield
        finally:
            self._restoring = False

    def _load(self) -> AnswerRecord | None:
        answers = self.store.load()
        record = answers.answers.get(self.item)
        problems = answers.problems_for(self.item)
        if problems:
            self.feedback.value = "<p role='alert'>&#9888; " + html.escape(" ".join(problems)) + "</p>"
        if record is not None and record.kind != self.kind:
            return None
        return record

    @property
    def value(self) -> Any:
        """The current answer, in the form it is saved."""
        return self._get()

    def answer(self, value: Any) -> None:
        """Set the controls to ``value`` (as a student clicking would); this saves the answer."""
        self._set(value)

    def _changed(self, _change: Any = None) -> None:
        if self._restoring:
            return
        try:
            record = self.store.save(self.item, self.kind, self._get())
        except OSError as exc:
            self.status.value = (
                "<p role='alert'>&#9888; Your answer could not be saved "
                f"({html.escape(str(exc))}). Check that the folder is writable, then change the answer again.</p>"
            )
            return
        if self.practice:
            self.feedback.value = ""
        self._show_status(record)
        if self._copy_handle is not None:
            self._copy_handle.update(self._copy_bundle(record), raw=True)

    def _show_status(self, record: AnswerRecord | None) -> None:
        if record is None or record.value in (None, [], {}):
            text = "No answer saved yet."
        else:
            stamp = datetime.fromisoformat(record.saved_at).astimezone().strftime("%H:%M:%S")
            after = " Check it when you are ready." if self.practice else " It is graded after you submit."
            text = f"&#10003; Answer saved at {stamp}.{after}"
        self.status.value = f"<p role='status' aria-live='polite'><small>{text}</small></p>"

    def _copy_bundle(self, record: AnswerRecord | None) -> dict[str, Any]:
        saved = {self.item: record.to_json()} if record is not None else {}
        note = "answer saved; a copy is kept in this notebook" if record is not None else "not answered yet"
        return {
            "text/plain": f"[{self.item}: {note}]",
            ANSWER_MIME: saved,
        }

    def _ipython_display_(self) -> None:
        display(self.widget)
        self._copy_handle = display(self._copy_bundle(self._load()), raw=True, display_id=True)

    def check(self) -> scoring.Result | None:
        """Practice items: score the current answer and show why. Graded items show nothing."""
        if not self.practice:
            self.feedback.value = "<p>This item is graded after you submit; there is no check button.</p>"
            return None
        result = self.score()
        head = "&#10003; Correct." if result.correct else (
            "&#9998; Partly right." if result.fraction > 0 else "&#10007; Not yet right."
        )
        body = "".join(f"<li>{html.escape(line.lstrip('- '))}</li>" for line in result.lines)
        self.feedback.value = f"<div role='status' aria-live='polite'><p><strong>{head}</strong></p><ul>{body}</ul></div>"
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.item!r} value={self.value!r}>"


def _case_card(case_id: str) -> str:
    from . import cases

    return cases.render(case_id, show_title=False)


def _field_label(text: str) -> str:
    """A menu's label with a colon, unless it already ends in one or in a question mark."""
    return text if text.rstrip().endswith((":", "?")) else f"{text}:"


class SingleChoice(Exercise):
    kind = "single"

    def __init__(self, store, item, prompt, options: Mapping[str, str], *, correct: str | None = None,
                 explain: Mapping[str, str] | None = None, case: str | None = None):
        if not options:
            raise ValueError(f"{item}: a single-choice item needs options")
        if correct is not None and correct not in options:
            raise ValueError(f"{item}: correct option {correct!r} is not one of {list(options)}")
        self.options, self.correct, self.explain = dict(options), correct, explain
        super().__init__(store, item, prompt, practice=correct is not None, case=case)

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
                 case: str | None = None):
        if not options:
            raise ValueError(f"{item}: a multiple-choice item needs options")
        self.options, self.explain = dict(options), explain
        self.correct = None if correct is None else list(correct)
        if self.correct is not None and not set(self.correct) <= set(options):
            raise ValueError(f"{item}: correct options {self.correct} are not all among {list(options)}")
        super().__init__(store, item, prompt, practice=correct is not None, case=case)

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


def _post_card(text: str, title: str) -> w.HTML:
    return w.HTML(post_card_html(text, title))


class PostTriage(Exercise):
    kind = "triage"

    def __init__(self, store, item, prompt, posts: Mapping[str, str], reasons: Mapping[str, str], *,
                 correct: Mapping[str, Sequence[str]] | None = None, explain: Mapping[str, str] | None = None):
        if not posts or not reasons:
            raise ValueError(f"{item}: a triage item needs posts and reasons")
        if correct is not None:
            for post, (verdict, reason) in correct.items():
                if post not in posts or verdict not in scoring.VERDICTS or reason not in reasons:
                    raise ValueError(f"{item}: key for {post!r} must name a post, a verdict in "
                                     f"{list(scoring.VERDICTS)} and a reason in {list(reasons)}")
        self.posts, self.reasons, self.correct, self.explain = dict(posts), dict(reasons), correct, explain
        super().__init__(store, item, prompt, practice=correct is not None)

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
                 explain: str | None = None, correct_spans: Iterable[Sequence[int]] | None = None):
        if not text.strip():
            raise ValueError(f"{item}: a spot-the-identifiers item needs the text of a post")
        self.text, self.explain = text, explain
        if correct is not None:
            correct_spans = [*(correct_spans or ()), *scoring.find_spans(text, correct)]
        self.correct_spans = None if correct_spans is None else list(correct_spans)
        self.tokens = scoring.tokenize(text)
        super().__init__(store, item, prompt, practice=self.correct_spans is not None)

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


class Ranking(Exercise):
    """Put items in order (e.g. from most to least severe) by giving each a rank from a menu."""

    kind = "ranking"

    def __init__(self, store, item, prompt, items: Mapping[str, str], *, order: Sequence[str] | None = None,
                 explain: Mapping[str, str] | None = None, scale: str = "1 = most severe",
                 cards: Mapping[str, str] | None = None):
        if len(items) < 2:
            raise ValueError(f"{item}: a ranking item needs at least two items")
        if order is not None and sorted(order) != sorted(items):
            raise ValueError(f"{item}: the order must list each of {list(items)} once")
        self.items, self.order, self.explain, self.scale = dict(items), order, explain, scale
        self.cards = dict(cards or {})
        super().__init__(store, item, prompt, practice=order is not None)

    def _build(self) -> None:
        n = len(self.items)
        self.ranks: dict[str, w.Dropdown] = {}
        for number, key in enumerate(self.items, 1):
            self.ranks[key] = w.Dropdown(
                options=[(_PLACEHOLDER, 0)] + [(str(r), r) for r in range(1, n + 1)], value=0,
                description=f"Rank for item {number}:", style={"description_width": "initial"},
                layout=w.Layout(width="auto"),
            )
            self.ranks[key].observe(partial(self._rank_changed, key), "value")

    def _rank_changed(self, key: str, change: dict[str, Any]) -> None:
        """A rank another item already holds moves to that item's old rank (a swap), so the menus can
        never hold the same rank twice, which scoring refuses."""
        if not self._restoring and change["new"]:
            with self._quiet():
                for other, menu in self.ranks.items():
                    if other != key and menu.value == change["new"]:
                        menu.value = change["old"]
        self._changed(change)

    def _controls(self):
        rows = [w.Label(f"Give each item a rank from 1 to {len(self.items)} ({self.scale}); each rank once "
                        "(choosing a rank another item has swaps the two).")]
        for number, (key, text) in enumerate(self.items.items(), 1):
            body = self.cards.get(key) or _post_card(text, f"Item {number} ({key})").value
            rows += [w.HTML(body), self.ranks[key]]
        return w.VBox(rows)

    def _get(self):
        return {k: d.value for k, d in self.ranks.items() if d.value}

    def _set(self, value):
        value = value or {}
        for key, menu in self.ranks.items():
            rank = value.get(key, 0)
            menu.value = rank if rank in range(1, len(self.items) + 1) else 0

    def score(self):
        return scoring.score_ranking(self._get(), self.order, self.explain)


class DisclosureFixer(Exercise):
    """Build a disclosure from labelled parts (wording, placement, format...), one menu per part."""

    kind = "disclosure"

    def __init__(self, store, item, prompt, parts: Mapping[str, Mapping[str, str]], *,
                 labels: Mapping[str, str] | None = None, correct: Mapping[str, Sequence[str]] | None = None,
                 explain: Mapping[str, str] | None = None, case: str | None = None):
        if not parts or not all(parts.values()):
            raise ValueError(f"{item}: a disclosure item needs parts, each with options")
        if correct is not None:
            for part, acceptable in correct.items():
                if part not in parts or not set(acceptable) <= set(parts[part]):
                    raise ValueError(f"{item}: acceptable options for {part!r} must be among {list(parts.get(part, {}))}")
        self.parts = {p: dict(o) for p, o in parts.items()}
        self.labels = {p: (labels or {}).get(p, p.replace("-", " ").capitalize()) for p in self.parts}
        self.correct, self.explain = correct, explain
        super().__init__(store, item, prompt, practice=correct is not None, case=case)

    def _build(self) -> None:
        self.menus: dict[str, w.Dropdown] = {}
        for part, options in self.parts.items():
            self.menus[part] = w.Dropdown(
                options=[(_PLACEHOLDER, "")] + [(text, key) for key, text in options.items()], value="",
                description=_field_label(self.labels[part]), style={"description_width": "initial"},
                layout=w.Layout(width="auto"),
            )
            self.menus[part].observe(self._changed, "value")
        self.preview = w.HTML()
        for menu in self.menus.values():
            menu.observe(lambda _c: self._update_preview(), "value")
        self._update_preview()

    def _update_preview(self) -> None:
        chosen = [f"<li>{html.escape(_field_label(self.labels[p]))} {html.escape(self.parts[p][m.value])}</li>"
                  for p, m in self.menus.items() if m.value]
        self.preview.value = ("<p><strong>Your disclosure so far:</strong></p><ul>" + "".join(chosen) + "</ul>"
                              if chosen else "<p>Your disclosure so far: nothing chosen yet.</p>")

    def _controls(self):
        return w.VBox([*self.menus.values(), self.preview])

    def _get(self):
        return {p: m.value for p, m in self.menus.items() if m.value}

    def _set(self, value):
        value = value or {}
        for part, menu in self.menus.items():
            choice = value.get(part, "")
            menu.value = choice if choice in self.parts[part] else ""

    def score(self):
        return scoring.score_disclosure(self._get(), self.correct, self.explain)
