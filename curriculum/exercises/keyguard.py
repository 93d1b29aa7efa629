"""Keys that belong to a widget stay with it: arrows move between radio options, letters do nothing to
the notebook.

JupyterLab's command-mode shortcuts (``A`` inserts a cell, ``D D`` deletes one, ``M`` makes it Markdown,
arrows select another cell) fire on any focused element that is not editable text
(``.jp-Notebook.jp-mod-commandMode:not(.jp-mod-readWrite) :focus``), so a radio button, a checkbox or a
menu with focus passes its keys to the notebook instead of using them. Lumino stops looking for a
shortcut at an element marked ``data-lm-suppress-shortcuts``, which would also take Ctrl+S away. This
guard does less: one listener, installed once per page by the first widget that renders, stops plain
keys (no Ctrl, Alt or Meta) that start inside a course widget from reaching JupyterLab's shortcut
handler, while the browser still does what the key means for the focused control. Tab, Escape and
Shift+Enter, and every key with Ctrl, Alt or Meta (Ctrl+S, Ctrl+Enter), still reach JupyterLab.

The front end is a few lines of JavaScript run by anywidget (no extension to build); it is the
course's own code, never anything a student wrote.
"""

from __future__ import annotations

import anywidget
import ipywidgets as w

__all__ = ["SCOPE_CLASS", "KeyGuard"]

#: The class of every course widget whose keys are its own.
SCOPE_CLASS = "curriculum-keys"

_ESM = """
const SCOPE = "." + %r;
function guard(event) {
  const target = event.target;
  if (!(target instanceof Element) || !target.closest(SCOPE)) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Tab" || event.key === "Escape" || (event.shiftKey && event.key === "Enter")) return;
  event.stopPropagation();  // not preventDefault: the focused control still gets what the key means
}
export default {
  render({ el }) {
    if (!window.__curriculumKeyGuard) {
      window.addEventListener("keydown", guard, true);
      window.__curriculumKeyGuard = true;
    }
    el.setAttribute("aria-hidden", "true");
  },
};
""" % SCOPE_CLASS


class KeyGuard(anywidget.AnyWidget):
    """An invisible widget that installs the page's key guard when it renders."""

    _esm = _ESM

    def __init__(self, **kwargs):
        super().__init__(layout=w.Layout(display="none"), **kwargs)
