"""Answering the course's exercise widgets in the browser, by mouse or by keyboard, and reading back
what they show.

The tests need to know each widget's options, posts, parts and words in the order the page shows
them. They get them from the widgets themselves: :func:`load_items` runs the widget cells of the
released notebook here, offline, with a throwaway answer file, so the :class:`curriculum.exercises`
objects are the very ones the student's kernel builds. Graded items get their key from the source
notebook (:func:`curriculum.keys.read_keys`), practice items from the widget.

Values are in the form the answer file stores (see :func:`curriculum.answers.validate_value`).
"""

from __future__ import annotations

import ast
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from curriculum import cases, scoring
from curriculum.answers import AnswerFileError, parse_answer_file, validate_value
from curriculum.exercises import Exercise
from curriculum.identity import ENV, GRADING_ENV
from curriculum.keys import GRADER_METHODS, ItemKey, notebook_settings, read_keys
from curriculum.nbhelpers import environment
from curriculum.quiz import Quiz
from curriculum.staff.simulate import correct_value

__all__ = [
    "Item",
    "keyboard_answer",
    "load_items",
    "mouse_answer",
    "planned_answer",
    "shown_value",
    "wait_for_saved",
]


@dataclass
class Item:
    """One exercise item of a notebook: its widget (built offline) and, if graded, its key."""

    item: str
    exercise: Exercise
    key: ItemKey | None

    @property
    def kind(self) -> str:
        return self.exercise.kind

    @property
    def graded(self) -> bool:
        return self.key is not None

    @property
    def controls(self) -> int:
        """Inputs, menus and buttons the widget draws (its Check button too, hidden when graded)."""
        ex = self.exercise
        count = {"single": lambda: len(ex.options), "multiple": lambda: len(ex.options),
                 "identifiers": lambda: len(ex.tokens), "triage": lambda: 2 * len(ex.posts),
                 "ranking": lambda: len(ex.items), "disclosure": lambda: len(ex.parts)}[self.kind]()
        return count + 1


def load_items(release_notebook: Path, source_notebook: Path, student: str | None = None) -> list[Item]:
    """Every exercise item of a released notebook, in the order the notebook shows them, as ``student``
    sees them when the notebook varies (its setup cell's settings): their letters, posts and keys."""
    name = release_notebook.stem
    settings = notebook_settings(release_notebook)
    if settings.on and not student:
        raise ValueError(f"{release_notebook.name} varies per student: give the student whose variant to answer")
    keys = {k.item: k.for_student(settings, name, student) for k in read_keys(source_notebook)}
    nb = nbformat.read(release_notebook, as_version=4)
    with tempfile.TemporaryDirectory(prefix="browser-items-") as scratch, \
            environment(**{ENV: student, "JUPYTERHUB_USER": None, GRADING_ENV: None}):
        quiz = Quiz(name, folder=scratch, variants=settings.mode, course=settings.course, pools=settings.pools)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and _shows_exercise(cell.source):
                exec(compile(cell.source, f"{release_notebook.name} cell {index}", "exec"),  # noqa: S102
                     {"quiz": quiz, "cases": cases})
    items = [Item(item, exercise, keys.get(item)) for item, exercise in quiz.items.items()]
    missing = set(keys) - set(quiz.items)
    if missing:
        raise ValueError(f"{release_notebook.name}: graded items without a widget: {sorted(missing)}")
    return items


def _shows_exercise(source: str) -> bool:
    tree = ast.parse(source)
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in GRADER_METHODS
               and isinstance(n.func.value, ast.Name) and n.func.value.id == "quiz" for n in ast.walk(tree))


# -- what to answer ----------------------------------------------------------------------------
def right_value(it: Item) -> Any:
    """The fully right answer: from the key (graded items) or from the widget (practice items)."""
    if it.key is not None:
        return correct_value(it.key)
    ex = it.exercise
    if it.kind == "single":
        return ex.correct
    if it.kind == "multiple":
        return sorted(ex.correct)
    if it.kind == "triage":
        return {post: {"verdict": v, "reason": r} for post, (v, r) in ex.correct.items()}
    if it.kind == "ranking":
        return {k: place for place, k in enumerate(ex.order, 1)}
    if it.kind == "disclosure":
        return {part: acceptable[0] for part, acceptable in ex.correct.items()}
    return [[s, e] for s, e, _ in scoring.identifying_tokens(ex.text, ex.correct_spans)]


def _acceptable(it: Item) -> dict[str, list[str]]:
    return dict(it.key.args["key"]) if it.key is not None else {p: list(a) for p, a in it.exercise.correct.items()}


def other_value(it: Item) -> Any:
    """A complete answer that is partly right or wrong (every post, rank and part still chosen)."""
    ex, right = it.exercise, right_value(it)
    if it.kind == "single":
        return next(k for k in ex.options if k != right)
    if it.kind == "multiple":
        wrong = [k for k in ex.options if k not in right][:1]
        return sorted(right[:-1] + wrong)
    if it.kind == "triage":
        return {post: {"verdict": choice["verdict"], "reason": next(r for r in ex.reasons if r != choice["reason"])}
                for post, choice in right.items()}
    if it.kind == "ranking":
        first, second = sorted(right, key=right.get)[:2]
        return dict(right, **{first: right[second], second: right[first]})
    if it.kind == "disclosure":
        acceptable = _acceptable(it)
        out = {}
        for number, (part, chosen) in enumerate(right.items()):
            wrong = [o for o in ex.parts[part] if o not in acceptable.get(part, ())]
            out[part] = chosen if number == 0 or not wrong else wrong[0]
        return out
    identifying = {tuple(s) for s in right}
    other = next([s, e] for s, e, _ in ex.tokens if (s, e) not in identifying)
    return right[:-1] + [other]


def planned_answer(it: Item, position: int) -> Any:
    """What the test student answers: right on even positions, partly right or wrong on odd ones,
    so that a module's score lands strictly between nothing and full marks. Every triage post,
    ranking item and disclosure part gets a choice, so each kind's every control is used."""
    value = right_value(it) if position % 2 == 0 else other_value(it)
    if it.kind == "triage":  # posts the key does not mention still get a verdict and a reason
        ex = it.exercise
        value = {post: value.get(post) or {"verdict": next(iter(scoring.VERDICTS)), "reason": next(iter(ex.reasons))}
                 for post in ex.posts}
    return normalise(it, value)


def normalise(it: Item, value: Any) -> Any:
    return validate_value(it.kind, value)


def practice_feedback(it: Item, value: Any) -> str:
    """The first words of the feedback a practice item's Check button shows for ``value``."""
    ex = it.exercise
    with ex._quiet():  # the offline widget: set it without saving anything
        ex._set(value)
    result = ex.score()
    if result.correct:
        return "\u2713 Correct."
    return "\u270e Partly right." if result.fraction > 0 else "\u2717 Not yet right."


# -- the answer file ---------------------------------------------------------------------------
def wait_for_saved(answer_file: Path, it: Item, value: Any, timeout: float = 20) -> dict[str, Any]:
    """Wait until the answer file holds ``value`` for the item (the kernel writes it on each change)."""
    deadline, seen = time.monotonic() + timeout, "no answer file"
    while True:
        try:
            notebook = answer_file.name[: -len(".answers.json")]
            answers = parse_answer_file(answer_file.read_text(encoding="utf-8"), notebook)
            record = answers.answers.get(it.item)
            seen = "no record" if record is None else repr(record.value)
            if record is not None and record.kind == it.kind and record.value == value:
                return record.to_json()
        except (FileNotFoundError, AnswerFileError, json.JSONDecodeError) as exc:
            seen = f"unreadable ({exc})"
        if time.monotonic() > deadline:
            raise AssertionError(f"{it.item}: the answer file never recorded {value!r}; it holds {seen}")
        time.sleep(0.05)


# -- reading the page --------------------------------------------------------------------------
_STATE_JS = """box => ({
  radios: [...box.querySelectorAll('input[type=radio]')].map(e => e.checked),
  checks: [...box.querySelectorAll('input[type=checkbox]')].map(e => e.checked),
  selects: [...box.querySelectorAll('select')].map(e => e.value),
  toggles: [...box.querySelectorAll('button.widget-toggle-button')].map(e => e.classList.contains('mod-active')),
})"""

_UNSET = "(choose)"


def _select_options(it: Item) -> list[dict[str, Any]]:
    """For each menu of the widget, in page order: its option labels -> stored values."""
    ex = it.exercise
    if it.kind == "triage":
        menus = []
        for _post in ex.posts:
            menus.append({label: key for key, label in scoring.VERDICTS.items()})
            menus.append({label: key for key, label in ex.reasons.items()})
        return menus
    if it.kind == "ranking":
        return [{str(r): r for r in range(1, len(ex.items) + 1)} for _ in ex.items]
    if it.kind == "disclosure":
        return [{text: key for key, text in ex.parts[part].items()} for part in ex.parts]
    return []


def shown_value(box: Any, it: Item) -> Any:
    """The answer the widget shows on the page, in the answer file's form (``None``: nothing chosen)."""
    state = box.evaluate(_STATE_JS)
    ex = it.exercise
    if it.kind == "single":
        chosen = [key for key, on in zip(ex.options, state["radios"], strict=True) if on]
        return chosen[0] if chosen else None
    if it.kind == "multiple":
        return sorted(key for key, on in zip(ex.options, state["checks"], strict=True) if on) or None
    if it.kind == "identifiers":
        spans = [[s, e] for (s, e, _), on in zip(ex.tokens, state["toggles"], strict=True) if on]
        return spans or None
    menus = _select_options(it)
    chosen = [None if label == _UNSET else options[label]
              for label, options in zip(state["selects"], menus, strict=True)]
    if it.kind == "triage":
        value = {}
        for number, post in enumerate(ex.posts):
            verdict, reason = chosen[2 * number], chosen[2 * number + 1]
            if verdict or reason:
                value[post] = {"verdict": verdict, "reason": reason}
    elif it.kind == "ranking":
        value = {key: rank for key, rank in zip(ex.items, chosen, strict=True) if rank}
    else:
        value = {part: option for part, option in zip(ex.parts, chosen, strict=True) if option}
    return normalise(it, value) if value else None


# -- answering with the mouse ------------------------------------------------------------------
def _menus(it: Item, value: Any) -> list[tuple[str, str]]:
    """(menu label, option label to pick) for every menu of a triage, ranking or disclosure item,
    in page order; the labels are the widgets' own descriptions."""
    ex = it.exercise
    if it.kind == "triage":
        out = []
        for post in ex.posts:
            choice = value.get(post) or {}
            out.append((ex.verdicts[post].description,
                        scoring.VERDICTS[choice["verdict"]] if choice.get("verdict") else _UNSET))
            out.append((ex.reason_menus[post].description,
                        ex.reasons[choice["reason"]] if choice.get("reason") else _UNSET))
        return out
    if it.kind == "ranking":
        return [(ex.ranks[key].description, str(value[key]) if key in value else _UNSET) for key in ex.items]
    return [(ex.menus[part].description, ex.parts[part][value[part]] if part in value else _UNSET)
            for part in ex.parts]


def mouse_answer(box: Any, it: Item, value: Any) -> None:
    """Answer by clicking: radio and checkbox labels, word buttons; menus are chosen from."""
    ex = it.exercise
    box.scroll_into_view_if_needed()
    state = box.evaluate(_STATE_JS)
    if it.kind == "single":
        box.locator(".widget-radio-box label").nth(list(ex.options).index(value)).click()
    elif it.kind == "multiple":
        for index, (key, on) in enumerate(zip(ex.options, state["checks"], strict=True)):
            if (key in value) != on:
                box.locator(".widget-checkbox .widget-label-basic span").nth(index).click()
    elif it.kind == "identifiers":
        wanted = {tuple(span) for span in value}
        buttons = box.locator("button.widget-toggle-button")
        for index, ((s, e, _), on) in enumerate(zip(ex.tokens, state["toggles"], strict=True)):
            if ((s, e) in wanted) != on:
                buttons.nth(index).click()
    else:
        for label, option in _menus(it, value):
            # a native <select>'s list is drawn by the browser, outside the page: choose from it
            box.get_by_label(label, exact=True).select_option(value=option)


# -- answering with the keyboard ---------------------------------------------------------------
_MARK_CONTROLS_JS = """box => {
  const controls = [...box.querySelectorAll('input, select, button')]
    .filter(e => !e.disabled && e.offsetParent !== null);
  controls.forEach((e, i) => { e.dataset.kbdIndex = String(i); });
  return controls.map(e => e.tagName.toLowerCase() + (e.type ? ':' + e.type : ''));
}"""

_FOCUSED_JS = """() => {
  const e = document.activeElement;
  return e && e.dataset && e.dataset.kbdIndex !== undefined ? Number(e.dataset.kbdIndex) : null;
}"""

_DESCRIBE_FOCUS_JS = """() => {
  const e = document.activeElement;
  if (!e) return 'nothing';
  const text = (e.title || e.textContent || '').trim().slice(0, 40);
  return `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} ${text}`;
}"""


def _key_plan(it: Item, value: Any, state: dict[str, Any], check: bool) -> list[list[str]]:
    """Keys to press on each control of the widget, in focus order."""
    ex = it.exercise
    plan: list[list[str]] = []
    if it.kind == "single":
        plan = [["Space"] if key == value else [] for key in ex.options]
    elif it.kind == "multiple":
        plan = [["Space"] if (key in value) != on else [] for key, on in zip(ex.options, state["checks"], strict=True)]
    elif it.kind == "identifiers":
        wanted = {tuple(span) for span in value}
        for number, ((s, e, _), on) in enumerate(zip(ex.tokens, state["toggles"], strict=True)):
            # Space and Enter both press a button: use both
            plan.append([("Space", "Enter")[number % 2]] if ((s, e) in wanted) != on else [])
    else:
        for (menu_options, current), (_label, option) in zip(
                zip(_select_options(it), state["selects"], strict=True), _menus(it, value), strict=True):
            labels = [_UNSET, *menu_options]
            steps = labels.index(option) - labels.index(current)
            if steps == 0:
                plan.append([])
            else:  # open the list, move to the option, pick it
                plan.append(["Space", *(["ArrowDown"] * steps if steps > 0 else ["ArrowUp"] * -steps), "Enter"])
    if it.exercise.practice:
        plan.append(["Enter"] if check else [])  # the Check my answer button
    return plan


def keyboard_answer(page: Any, box: Any, it: Item, value: Any, *, check: bool = False, max_tabs: int = 30) -> int:
    """Answer with the keyboard only, after a click on the item's prompt text (not a control).

    Tab must reach the widget's first control, then every control in page order; each is operated
    with Space, Enter or (in an open menu) arrow keys. Then Shift+Tab must walk back through every
    control to the first. Returns the number of controls. Raises AssertionError saying where the
    focus went when a control cannot be reached.
    """
    box.scroll_into_view_if_needed()
    controls = box.evaluate(_MARK_CONTROLS_JS)
    plan = _key_plan(it, value, box.evaluate(_STATE_JS), check)
    if len(plan) != len(controls):
        raise AssertionError(f"{it.item}: expected {len(plan)} keyboard controls, the page has {controls}")
    box.locator(".curriculum-prompt > strong").first.click()
    visited = []
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        if page.evaluate(_FOCUSED_JS) == 0:
            break
        visited.append(page.evaluate(_DESCRIBE_FOCUS_JS))
    else:
        raise AssertionError(f"{it.item}: {max_tabs} presses of Tab from the prompt never reached the first "
                             f"control; focus went to {visited}")
    for index, keys in enumerate(plan):
        focused = page.evaluate(_FOCUSED_JS)
        if focused != index:
            raise AssertionError(f"{it.item}: Tab should reach control {index} ({controls[index]}) next, "
                                 f"but focus is on {page.evaluate(_DESCRIBE_FOCUS_JS)}")
        for key in keys:
            page.keyboard.press(key)
        if index < len(plan) - 1:
            page.keyboard.press("Tab")
    for index in range(len(plan) - 2, -1, -1):
        page.keyboard.press("Shift+Tab")
        focused = page.evaluate(_FOCUSED_JS)
        if focused != index:
            raise AssertionError(f"{it.item}: Shift+Tab should go back to control {index} ({controls[index]}), "
                                 f"but focus is on {page.evaluate(_DESCRIBE_FOCUS_JS)}")
    return len(controls)
