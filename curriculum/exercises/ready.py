"""The last cell of every module: "Check my notebook before submitting" (see :mod:`curriculum.readiness`)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as w
from IPython.display import display

from ..readiness import Readiness, check_readiness, read_saved_notebook
from .keyguard import SCOPE_CLASS, KeyGuard

if TYPE_CHECKING:
    from ..quiz import Quiz

__all__ = ["ReadyCheck"]


class ReadyCheck:
    """A button and a status area; each press re-reads the answer file and the saved notebook."""

    def __init__(self, quiz: Quiz):
        self.quiz = quiz
        self.button = w.Button(description="Check my notebook", icon="check",
                               tooltip="List what is answered and whether the notebook is saved with your answers",
                               layout=w.Layout(width="auto"))
        self.status = w.HTML()
        self.button.on_click(lambda _b: self.check())
        intro = w.HTML("<p><strong>Before you submit:</strong> press the button to see what is answered, what is "
                       "not, and whether your saved notebook carries your answers. It says nothing about right "
                       "or wrong.</p>")
        self.widget = w.VBox([KeyGuard(), intro, self.button, self.status],
                             layout=w.Layout(border="1px solid #888", padding="8px", margin="8px 0"))
        self.widget.add_class("curriculum-ready-check")
        self.widget.add_class(SCOPE_CLASS)
        self.check()

    def check(self) -> Readiness:
        store = self.quiz.store
        notebook = store.path.parent / f"{self.quiz.notebook}.ipynb"
        answers = {item: record.to_json() for item, record in store.load().answers.items()}
        items = {item: (ex.label, not ex.practice) for item, ex in self.quiz.items.items()}
        result = check_readiness(items, answers, read_saved_notebook(notebook), notebook.name)
        rows = "".join(f"<li>{html.escape(line)}</li>" for line in result.lines())
        self.status.value = f"<div role='status' aria-live='polite'><ul>{rows}</ul></div>"
        return result

    def _ipython_display_(self) -> None:
        display(self.widget)
