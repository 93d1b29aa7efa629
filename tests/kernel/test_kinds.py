"""The registry of exercise kinds (curriculum/kinds.py) is the one list: every part of the package
that handles a kind knows each kind in it, and a right answer to each, simulated from the key in a
real module, is valid and graded in full (the static views of each kind: tests/preprocessors/test_asdata.py)."""

from __future__ import annotations

import json

import sys
from pathlib import Path

import pytest

from curriculum import kinds
from curriculum.answers import KINDS, AnswerRecord, AnswerSet, validate_value
from curriculum.exercises import Exercise
from curriculum.grading import Grader
from curriculum.jurisdiction import JURISDICTIONS, view
from curriculum.keys import GRADER_METHODS, read_keys
from curriculum.preprocessors import answerview
from curriculum.quiz import Quiz
from curriculum.staff.simulate import correct_value

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))
from grading import partly  # noqa: E402  (the benchmark's partly right answers)

ALL_KINDS_MODULE = "04-sponsorship-ethics"


def test_the_registry_is_what_the_rest_reads():
    assert KINDS == kinds.NAMES and GRADER_METHODS == kinds.BY_METHOD
    assert len(set(k.method for k in kinds.KINDS.values())) == len(kinds.KINDS)
    for kind in kinds.KINDS.values():
        assert callable(getattr(Quiz, kind.method)) and callable(getattr(Grader, kind.method))
        assert kind.method in answerview._BODIES
        assert validate_value(kind.name, None) is None
    exercise_kinds = {cls.kind for cls in _subclasses(Exercise)}
    assert exercise_kinds == set(kinds.NAMES)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


@pytest.fixture(scope="module", params=JURISDICTIONS)
def keys(request, tmp_path_factory):
    """The keys of one jurisdiction's version of the module (each version grades every kind)."""
    authored = json.loads((REPO / "source" / ALL_KINDS_MODULE / f"{ALL_KINDS_MODULE}.ipynb").read_text())
    path = tmp_path_factory.mktemp(request.param) / f"{ALL_KINDS_MODULE}.ipynb"
    path.write_text(json.dumps(view(authored, request.param)))
    found = read_keys(path)
    assert {k.kind for k in found} == set(kinds.NAMES), "this module should grade every kind"
    return found


def test_a_right_answer_of_every_kind_is_valid_and_graded_in_full(keys, capsys):
    stamp = "2027-01-01T10:00:00+00:00"
    answers = AnswerSet(ALL_KINDS_MODULE, {k.item: AnswerRecord(k.kind, validate_value(k.kind, correct_value(k)), stamp)
                                           for k in keys})
    grader = Grader(ALL_KINDS_MODULE, answers=answers)
    for key in keys:
        method = kinds.KINDS[key.kind].method
        assert getattr(grader, method)(key.item, points=key.points, **key.args) == key.points, key.item
    capsys.readouterr()


def test_the_benchmarks_partly_right_answers_are_valid_for_every_kind(keys):
    for key in keys:
        assert validate_value(key.kind, partly(key.kind, correct_value(key))) is not None or key.kind == "single"
