"""The base of every exercise widget: building, restoring, saving, checking (see :mod:`curriculum.exercises`)."""

from __future__ import annotations

import html
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import ipywidgets as w
from IPython.display import display

from .. import scoring
from ..answers import ANSWER_MIME, AnswerRecord, AnswerStore
from ..readiness import item_label
from .keyguard import SCOPE_CLASS as KEYS_SCOPE
from .keyguard import KeyGuard
from ..markup import markdown_html as _markdown_html
from ..markup import post_card_html

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

    def __init__(self, store: AnswerStore, item: str, prompt: str, *, practice: bool, case: str | None = None,
                 variant: str | None = None):
        if not item or not isinstance(item, str):
            raise ValueError("every exercise needs an item id (a short text such as 'q01-phi')")
        self.store = store
        #: the fingerprint of the student's variant of this item (None: as authored), saved with each answer
        self.variant = variant
        #: how the lesson names the item ("Q3"), for the readiness check
        self.label = item_label(item, prompt)
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
            [KeyGuard(), self.prompt, *([self.case_card] if self.case_card else []), self._controls(),
             self.check_button, self.feedback, self.status],
            layout=w.Layout(border="1px solid #888", padding="8px", margin="8px 0"),
        )
        self.widget.add_class("curriculum-exercise")
        self.widget.add_class(KEYS_SCOPE)
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
        if record is not None and record.variant != self.variant:
            # made for another version of the question (another student id): its letters mean other options
            self.feedback.value = ("<p role='alert'>&#9888; The answer saved for this question was made for a "
                                   "different version of it (another student ID). Answer it again here.</p>")
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
            record = self.store.save(self.item, self.kind, self._get(), self.variant)
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
    from .. import cases

    return cases.render(case_id, show_title=False)


def _field_label(text: str) -> str:
    """A menu's label with a colon, unless it already ends in one or in a question mark."""
    return text if text.rstrip().endswith((":", "?")) else f"{text}:"


def _post_card(text: str, title: str) -> w.HTML:
    return w.HTML(post_card_html(text, title))
