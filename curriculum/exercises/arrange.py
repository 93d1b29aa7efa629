"""Ranking items and building a disclosure from parts."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

import ipywidgets as w

from .. import scoring
from .base import _PLACEHOLDER, Exercise, _field_label, _post_card


class Ranking(Exercise):
    """Put items in order (e.g. from most to least severe) by giving each a rank from a menu."""

    kind = "ranking"

    def __init__(self, store, item, prompt, items: Mapping[str, str], *, order: Sequence[str] | None = None,
                 explain: Mapping[str, str] | None = None, scale: str = "1 = most severe",
                 cards: Mapping[str, str] | None = None, variant: str | None = None):
        if len(items) < 2:
            raise ValueError(f"{item}: a ranking item needs at least two items")
        if order is not None and sorted(order) != sorted(items):
            raise ValueError(f"{item}: the order must list each of {list(items)} once")
        self.items, self.order, self.explain, self.scale = dict(items), order, explain, scale
        self.cards = dict(cards or {})
        super().__init__(store, item, prompt, practice=order is not None, variant=variant)

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
                 explain: Mapping[str, str] | None = None, case: str | None = None, variant: str | None = None):
        if not parts or not all(parts.values()):
            raise ValueError(f"{item}: a disclosure item needs parts, each with options")
        if correct is not None:
            for part, acceptable in correct.items():
                if part not in parts or not set(acceptable) <= set(parts[part]):
                    raise ValueError(f"{item}: acceptable options for {part!r} must be among {list(parts.get(part, {}))}")
        self.parts = {p: dict(o) for p, o in parts.items()}
        self.labels = {p: (labels or {}).get(p, p.replace("-", " ").capitalize()) for p in self.parts}
        self.correct, self.explain = correct, explain
        super().__init__(store, item, prompt, practice=correct is not None, case=case, variant=variant)

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
