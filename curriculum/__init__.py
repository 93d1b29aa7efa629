"""Social Media and Medicine: the course's helper package.

- :class:`Quiz` makes a lesson's exercise widgets and saves the answers (``curriculum.quiz``);
- ``curriculum.answers`` keeps answers where nbgrader can grade them;
- ``curriculum.scoring`` scores answers (pure functions, partial credit);
- ``curriculum.grading`` is what hidden test cells call;
- ``curriculum.preprocessors`` holds what runs inside nbgrader: the preprocessors that grade the
  answers as data, with no kernel and no student code, and check and clean each submission;
- ``curriculum.cli`` is the ``curriculum`` command.

Heavy modules (ipywidgets, pandas, nbgrader) load only when used.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["Quiz", "__version__"]


def __getattr__(name: str):
    if name == "Quiz":
        from .quiz import Quiz

        return Quiz
    raise AttributeError(f"module 'curriculum' has no attribute {name!r}")
