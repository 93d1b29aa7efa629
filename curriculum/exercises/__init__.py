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

from .arrange import DisclosureFixer, Ranking
from .base import Exercise
from .choice import MultipleChoice, SingleChoice
from .posts import PostTriage, SpotIdentifiers

__all__ = [
    "DisclosureFixer",
    "Exercise",
    "MultipleChoice",
    "Ranking",
    "PostTriage",
    "SingleChoice",
    "SpotIdentifiers",
]
