"""Grading helpers as hidden test cells call them: printed feedback, a number nbgrader reads."""

from __future__ import annotations

import json

import pytest

from curriculum.answers import AnswerStore
from curriculum.grading import Grader, Points


def test_points_text_is_the_bare_number():
    assert repr(Points(1.5)) == "1.5" and repr(Points(2.0)) == "2" and float(Points(0.25)) == 0.25


def test_grader_scores_saved_answers_and_prints_feedback(tmp_path, capsys):
    store = AnswerStore("nb", tmp_path)
    store.save("q1", "single", "a")
    store.save("q2", "multiple", ["a"])
    g = Grader("nb", tmp_path)
    assert g.single_choice("q1", correct="b", points=1, explain={"b": "B is right."}) == 0
    assert g.multiple_choice("q2", correct=["a", "c"], points=2) == 1
    out = capsys.readouterr()
    assert out.err == ""  # anything on stderr would make nbgrader give zero
    assert "q1: 0 of 1 point(s)" in out.out and "B is right." in out.out
    assert "q2: 1 of 2 point(s)" in out.out


def test_missing_and_wrong_kind_answers_score_zero_with_a_note(tmp_path, capsys):
    AnswerStore("nb", tmp_path).save("q1", "multiple", ["b"])
    g = Grader("nb", tmp_path)
    assert g.single_choice("q1", correct="b", points=1) == 0
    assert g.triage("q9", key={"p1": ("never", "identifies")}, points=3) == 0
    out = capsys.readouterr().out
    assert "'multiple' answer, but this item takes a 'single' answer" in out
    assert "no verdict given" in out


def test_damaged_file_scores_zero_with_message_not_an_exception(tmp_path, capsys):
    (tmp_path / "nb.answers.json").write_text("{oops")
    assert Grader("nb", tmp_path).spot_identifiers("q4", text="Ann Lee, 40", identifiers=["Ann Lee"], points=2) == 0
    assert "not valid JSON" in capsys.readouterr().out


def test_key_mistakes_raise_for_the_instructor(tmp_path):
    with pytest.raises(ValueError, match="does not occur"):
        Grader("nb", tmp_path).spot_identifiers("q4", text="Ann Lee", identifiers=["Bob"], points=2)


def test_score_never_exceeds_cell_points(tmp_path):
    store = AnswerStore("nb", tmp_path)
    store.save("q3", "triage", {p: {"verdict": "never", "reason": "id"} for p in ("a", "b", "c")})
    pts = Grader("nb", tmp_path).triage("q3", key={p: ("never", "id") for p in ("a", "b", "c")}, points=1)
    assert pts == 1 and json.loads(repr(pts)) == 1
