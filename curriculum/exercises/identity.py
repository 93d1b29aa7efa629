"""The setup cell's one question, when nothing else says who the student is: their student id."""

from __future__ import annotations

import html

import ipywidgets as w
from IPython.display import display

from .keyguard import SCOPE_CLASS, KeyGuard

__all__ = ["StudentIdBox"]


class StudentIdBox:
    """A labelled text box and a Save button; ``on_save(id)`` keeps the id (ValueError: say why, keep the box)."""

    def __init__(self, on_save):
        self._on_save = on_save
        intro = w.HTML(
            "<p><strong>Your student ID.</strong> Every student gets their own version of the graded questions "
            "(the options in another order, some posts different), so each needs your ID. Type the ID your "
            "course uses (the one you submit under) and press Save; it is kept with your answers, so you are "
            "asked once. Questions below wait until you do.</p>")
        self.text = w.Text(description="Student ID:", placeholder="e.g. jsmith",
                           style={"description_width": "initial"}, layout=w.Layout(width="auto"))
        self.button = w.Button(description="Save my ID", icon="check", tooltip="Keep this ID with your answers",
                               layout=w.Layout(width="auto"))
        self.status = w.HTML()
        self.button.on_click(lambda _b: self.save())
        self.widget = w.VBox([KeyGuard(), intro, w.HBox([self.text, self.button]), self.status],
                             layout=w.Layout(border="1px solid #888", padding="8px", margin="8px 0"))
        self.widget.add_class("curriculum-student-id")
        self.widget.add_class(SCOPE_CLASS)

    def save(self) -> bool:
        try:
            self._on_save(self.text.value)
        except ValueError as exc:
            self.status.value = f"<p role='alert'>&#9888; {html.escape(str(exc))}</p>"
            return False
        except OSError as exc:
            self.status.value = (f"<p role='alert'>&#9888; Your ID could not be saved ({html.escape(str(exc))}). "
                                 "Check that the folder is writable, then press Save again.</p>")
            return False
        self.status.value = (f"<p role='status' aria-live='polite'>&#10003; Saved: {html.escape(self.text.value.strip())}. "
                             "Your questions are shown below.</p>")
        self.text.disabled = self.button.disabled = True
        return True

    def _ipython_display_(self) -> None:
        display(self.widget)
