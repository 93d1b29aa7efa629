"""Per-student variants: what one student sees of one graded item, computed from who the student is.

nbgrader gives every student the same notebook, so a graded item's answers can travel round a class chat
in a minute. Here each graded item is shown in a *layout* of its own per student, derived from a hash of
(course, notebook, item, student id), so the same student always sees the same thing (after a restart,
a reload, on another machine) and grading can recompute it from the id of the student who submitted,
never trusting what the submission says.

What varies (the assignment's plan file, ``variants: off | order | cases``, default ``order``):

- ``order``: a choice item's options are shuffled and lettered a, b, c... in the order the student
  sees them; the student's answer is the letter they saw, so "Q3 is b" means something different to
  each student. Triage posts and ranking items are shown in a shuffled order. A disclosure's menus
  have no letters to pass round, so they stay as authored.
- ``cases``: as ``order``, and where the instructor declared *pools* (``pools=[[listed, other, ...]]``
  in an item's hidden test, beside the key of every member), the listed case is replaced by one member
  of its pool: another post with the same teaching point, graded on its own key.
- ``off``: every student sees the authored notebook, as before variants existed.

Practice items never vary: their key is in the student's notebook anyway. This module is pure: plain
values in, a :class:`Layout` out; the widgets (:mod:`curriculum.quiz`), grading
(:mod:`curriculum.grading`) and the graded notebook's answer views all apply the same layout with
:func:`shown_arguments` and :func:`shown_key`.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .kinds import BY_METHOD as _KIND

__all__ = ["COURSE_ID", "DEFAULT_MODE", "MODES", "STUDENT_ID", "STUDENT_ID_RULE", "Layout", "Settings", "check_mode",
           "check_student_id", "configure", "configured", "key_options", "layout", "layout_for_call",
           "layout_for_key", "listed", "mismatch", "settings_call", "shown_arguments", "shown_key",
           "varies"]

#: The course id in nbgrader_config.py and in the gradebook; with the course plan's start date, the first
#: part of every variant's hash (so each offering of the course has variants of its own).
COURSE_ID = "social-media-medicine"
MODES = ("off", "order", "cases")
DEFAULT_MODE = "order"
#: A student id: nbgrader makes folders of it, formgrader prints it in its pages and the LMS files match
#: on it, so only letters A-Z and a-z, digits, '-', '_' and '.' ('-' and '.' not first: a folder
#: '.x' is hidden, a CSV cell '-x' a formula), at most 128 characters (nbgrader's column).
STUDENT_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
STUDENT_ID_RULE = ("can only hold letters A-Z and a-z, digits, '-', '_' and '.' ('-' and '.' not first), at most "
                   "128 characters: nbgrader makes a folder of it")

#: Kinds whose options are lettered (the answer is the letter shown) and kinds made of cases.
LETTERED = ("single", "multiple")
POOLED = ("triage", "ranking", "identifiers")


def check_mode(mode: Any) -> str:
    if mode not in MODES:
        raise ValueError(f"variants must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


def check_student_id(student: Any) -> str:
    """``student`` stripped, if it can be a student id; else a ValueError that says what one looks like."""
    text = student.strip() if isinstance(student, str) else ""
    if not STUDENT_ID.fullmatch(text):
        raise ValueError(f"{student!r} is not a student id: use the id your course gave you; a student id "
                         f"{STUDENT_ID_RULE}")
    return text


def _pools(value: Any, item: str) -> tuple[tuple[str, ...], ...]:
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)) or not all(
            isinstance(p, (list, tuple)) and len(p) >= 2 and all(isinstance(c, str) and c for c in p) for p in value):
        raise ValueError(f"{item}: pools= must be a list of pools, each a list of two or more case ids, the "
                         f"first the case the item lists: {value!r}")
    members = [c for p in value for c in p]
    if len(members) != len(set(members)):
        raise ValueError(f"{item}: a case is in more than one pool, or twice in one: {value!r}")
    return tuple(tuple(p) for p in value)


@dataclass(frozen=True)
class Settings:
    """How one notebook varies: the mode, the course (with its offering) it is taught in, and the pools
    of its items ({item: pools}). Built into the notebook's setup cell by the course build."""

    mode: str = "off"
    course: str = ""
    pools: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    def __post_init__(self):
        check_mode(self.mode)
        if self.mode != "off" and not self.course:
            raise ValueError("variants need the course they are taught in (course=...)")
        object.__setattr__(self, "pools", {item: _pools(p, item) for item, p in dict(self.pools).items()})

    @property
    def on(self) -> bool:
        return self.mode != "off"


def settings_call(settings: Settings) -> str:
    """The keyword arguments of ``Quiz(...)`` that give a notebook its settings (empty when off), as the
    course build writes them into the setup cell."""
    if not settings.on:
        return ""
    text = f", variants={json.dumps(settings.mode)}, course={json.dumps(settings.course, ensure_ascii=False)}"
    if settings.mode == "cases" and settings.pools:
        pools = {item: [list(p) for p in pools] for item, pools in sorted(settings.pools.items())}
        text += f", pools={json.dumps(pools, ensure_ascii=False)}"
    return text


@dataclass(frozen=True)
class Layout:
    """What one student sees of one item.

    ``letters``: for a choice item, (letter shown, authored option key) in the order shown;
    ``cases``: a pooled item's listed case -> the case shown instead, one pair per pool;
    ``order``: the keys (triage posts, ranking items) in the order shown, after ``cases``.
    An empty layout is the item as authored.
    """

    item: str
    letters: tuple[tuple[str, str], ...] = ()
    cases: tuple[tuple[str, str], ...] = ()
    order: tuple[str, ...] = ()

    @property
    def varied(self) -> bool:
        return bool(self.letters or self.cases or self.order)

    @property
    def fingerprint(self) -> str:
        """A short tag of the layout, saved with each answer: grading compares it with the layout it
        recomputes for the student who submitted, to tell staff when answers were made for another's."""
        data = json.dumps([self.letters, self.cases, self.order], separators=(",", ":"))
        return hashlib.sha256(data.encode()).hexdigest()[:12]

    def label(self) -> str:
        """The variant in a few words, for the item analysis: the pooled cases shown, else ""."""
        return " + ".join(shown for _listed, shown in self.cases)

    def shown_letter(self) -> dict[str, str]:
        """Authored option key -> the letter the student saw."""
        return {key: letter for letter, key in self.letters}

    def authored_letter(self) -> dict[str, str]:
        """Letter the student saw -> authored option key."""
        return dict(self.letters)


def _seed(course: str, notebook: str, item: str, student: str) -> int:
    text = "\x1f".join((course, notebook, item, student))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def layout(kind: str, item: str, settings: Settings, notebook: str, student: str | None, *,
           options: Sequence[str] = (), keys: Sequence[str] = ()) -> Layout:
    """The layout of graded ``item`` for ``student``: ``options`` are a choice item's option keys, ``keys``
    a triage or ranking item's listed posts (or a spot-the-identifiers item's one case). Off, or with no
    student, the item is as authored. Inputs are sorted first, so the widget (which knows the options
    in the order authored) and the grader (which knows them from the key) compute the same layout."""
    if not settings.on or not student:
        return Layout(item)
    rng = random.Random(_seed(settings.course, notebook, item, student))
    if kind in LETTERED:
        letters = sorted(options)
        return Layout(item, letters=tuple(zip(letters, rng.sample(letters, len(letters)))))
    if kind not in POOLED:
        return Layout(item)
    keys = sorted(keys)
    cases: list[tuple[str, str]] = []
    if settings.mode == "cases":
        for pool in settings.pools.get(item, ()):
            if pool[0] in keys:
                chosen = rng.choice(pool)
                cases.append((pool[0], chosen))
                keys[keys.index(pool[0])] = chosen
    order = tuple(rng.sample(keys, len(keys))) if kind != "identifiers" else ()
    return Layout(item, cases=tuple(cases), order=order)


def layout_for_call(method: str, arguments: Mapping[str, Any], settings: Settings, notebook: str,
                    student: str | None) -> Layout:
    """The layout of a graded ``quiz.<method>(...)`` call's item (its arguments by name)."""
    kind, item = _KIND.get(method, ""), arguments["item"]
    if kind in LETTERED:
        return layout(kind, item, settings, notebook, student, options=list(arguments["options"]))
    if kind in ("triage", "ranking"):
        return layout(kind, item, settings, notebook, student,
                      keys=list(arguments["posts" if kind == "triage" else "items"]))
    if kind == "identifiers" and arguments.get("case"):
        return layout(kind, item, settings, notebook, student, keys=[arguments["case"]])
    return Layout(item)


def varies(method: str, arguments: Mapping[str, Any]) -> bool:
    """Whether a ``quiz.<method>(...)`` call's item varies: a graded item (its call carries no key:
    ``correct=``, ``order=``, ``practice=True``), and not a disclosure (its menus have no letters)."""
    return method != "disclosure" and not any(arguments.get(name) not in (None, False)
                                              for name in ("correct", "order", "practice"))


def key_options(arguments: Mapping[str, Any]) -> list[str]:
    """A choice item's option keys as its Grader call knows them: ``options=``, else the keys its
    ``explain`` and ``correct`` name (the course check makes sure they are the widget's options)."""
    if arguments.get("options") is not None:
        return list(arguments["options"])
    correct = arguments.get("correct") or ()
    return sorted({*(arguments.get("explain") or {}), *([correct] if isinstance(correct, str) else correct)})


def layout_for_key(method: str, item: str, arguments: Mapping[str, Any], settings: Settings, notebook: str,
                   student: str | None) -> Layout:
    """The layout of a ``Grader.<method>(item, ...)`` call's item, from the key alone (its own
    ``pools=``, never the notebook's): what grading recomputes for the student who submitted."""
    kind = _KIND.get(method, "")
    pools = arguments.get("pools")
    if pools:
        settings = Settings(settings.mode, settings.course, {**settings.pools, item: pools})
    if kind in LETTERED:
        return layout(kind, item, settings, notebook, student, options=key_options(arguments))
    if kind == "triage":
        return layout(kind, item, settings, notebook, student, keys=listed(pools, list(arguments.get("key") or {})))
    if kind == "ranking":
        return layout(kind, item, settings, notebook, student, keys=list(arguments.get("order") or ()))
    if kind == "identifiers" and arguments.get("case"):
        return layout(kind, item, settings, notebook, student, keys=[arguments["case"]])
    return Layout(item)


def mismatch(saved: str | None, view: Layout, student: str | None) -> str | None:
    """What staff should know when an answer saved in variant ``saved`` is graded in ``view`` (the
    variant of ``student``, who submitted it), or None when it was made in that very variant."""
    expected = view.fingerprint if view.varied else None
    if saved == expected:
        return None
    who = student or "this student"
    if saved is None:
        return (f"the saved answer carries no variant, so it was not made in {who}'s own variant {expected} of "
                "this item (a changed setup cell, or answers from before variants were on); it was scored as it "
                "stands in the student's own.")
    return (f"the saved answer was made for another student's variant of this item (variant {saved}; {who}'s is "
            f"{expected or 'the authored item'}); it was scored as it stands in the student's own.")


#: The settings of each notebook whose Quiz this process made (a kernel): what a Grader in the same
#: kernel (an instructor's own test code) varies by.
_CONFIGURED: dict[str, Settings] = {}


def configure(notebook: str, settings: Settings) -> None:
    _CONFIGURED[notebook] = settings


def configured(notebook: str) -> Settings:
    return _CONFIGURED.get(notebook, Settings())


def listed(pools: Sequence[Sequence[str]] | None, keys: Sequence[str]) -> list[str]:
    """The keys of a pooled item's key (every member of every pool) that the item lists: all but the
    pools' other members."""
    others = {c for pool in pools or () for c in pool[1:]}
    return [k for k in keys if k not in others]


def shown_arguments(method: str, arguments: Mapping[str, Any], view: Layout) -> dict[str, Any]:
    """A ``quiz.<method>(...)`` call's arguments as ``view`` shows the item (the widget and the graded
    notebook's answer view both draw these). Cases stay ids here (the quiz turns them into texts)."""
    args = dict(arguments)
    if view.letters:
        authored = args["options"]
        args["options"] = {letter: authored[key] for letter, key in view.letters}
    if view.order:
        name = "posts" if "posts" in args else "items"
        given = args[name]
        if isinstance(given, Mapping):  # posts given as texts: keep each text with its key
            if view.cases:
                raise ValueError(f"{view.item}: pools need posts given as case ids, not as texts")
            args[name] = {k: given[k] for k in view.order}
        else:
            args[name] = list(view.order)
    cases = dict(view.cases)
    if args.get("case") in cases:
        args["case"] = cases[args["case"]]
    return args


def shown_key(method: str, arguments: Mapping[str, Any], view: Layout) -> dict[str, Any]:
    """A ``Grader.<method>(...)`` call's key as the student saw the item: option keys turned into the
    letters shown; for a pooled item, the key of the member shown in place of each pool's listed case
    (and no key for the members not shown). ``pools`` itself is dropped."""
    args = dict(arguments)
    pools = args.pop("pools", None) or ()
    chosen = dict(view.cases)
    member = {pool[0]: chosen.get(pool[0], pool[0]) for pool in pools}
    unseen = {c for pool in pools for c in pool} - set(member.values())
    if view.letters:
        shown = view.shown_letter()
        correct = args["correct"]
        args["correct"] = shown[correct] if isinstance(correct, str) else [shown[k] for k in correct]
        if args.get("options") is not None:
            args["options"] = [shown[k] for k in args["options"]]
        if isinstance(args.get("explain"), Mapping):
            args["explain"] = {shown.get(k, k): v for k, v in args["explain"].items()}
    if pools and isinstance(args.get("key"), Mapping):  # triage
        args["key"] = {post: v for post, v in args["key"].items() if post not in unseen}
    if pools and "order" in args:  # ranking
        args["order"] = [member.get(k, k) for k in args["order"]]
    if isinstance(args.get("identifiers"), Mapping):  # a pooled spot-the-identifiers item
        case = member.get(args["case"], args["case"])
        args["case"] = case
        args["identifiers"] = args["identifiers"].get(case, ())
        if isinstance(args.get("explain"), Mapping):
            args["explain"] = args["explain"].get(case)
    return args
