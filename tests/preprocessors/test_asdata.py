"""Grading as data: which hidden tests are read as data, their outputs, and the static answer views."""

from __future__ import annotations

import pytest

from curriculum.preprocessors import answerview
from curriculum.answers import AnswerRecord, AnswerSet
from curriculum.preprocessors.asdata import course_cell_outputs, hidden_test_outputs
from curriculum.keys import GraderCall, grader_call

HEAD = "# Hidden tests check Q1 (1 point).\n### BEGIN HIDDEN TESTS\nfrom curriculum.grading import Grader\n"
CALL = 'Grader("01-x").single_choice("q1", correct="b", points=1, explain={"b": "Because."})'
END = "\n### END HIDDEN TESTS"


def test_a_literal_grader_call_is_read_as_data():
    call = grader_call(HEAD + CALL + END)
    assert call == GraderCall("single_choice", "01-x", "q1", {"correct": "b", "points": 1, "explain": {"b": "Because."}})
    assert call.kind == "single"


@pytest.mark.parametrize("source", [
    HEAD + "import os\n" + CALL,                                   # more code than the call
    HEAD + "x = " + CALL,                                          # the result kept, not shown
    HEAD + CALL + "\n" + CALL,                                     # two calls
    HEAD + CALL.replace('correct="b"', "correct=KEY"),             # not a literal
    HEAD + CALL.replace('"q1"', "item"),
    HEAD + CALL.replace('Grader("01-x")', 'Grader("01-x", "..")'),  # another folder
    HEAD + CALL.replace('Grader("01-x")', "Grader(name)"),
    HEAD + CALL.replace("single_choice", "free_text"),             # not a kind
    HEAD + CALL.replace("points=1", "**args"),
    "from curriculum.grading import Grader as G\n" + CALL.replace("Grader(", "G("),
    "from curriculum import grading\n" + CALL,
    "assert 1 + 1 == 2",
    HEAD + CALL + "(",                                             # not Python
    "",
])
def test_anything_else_needs_a_kernel(source):
    assert grader_call(source) is None


def _answers(**records):
    return AnswerSet("01-x", answers={item: AnswerRecord(kind, value, "2027-01-10T10:00:00+00:00")
                                      for item, (kind, value) in records.items()})


def test_outputs_are_the_printed_feedback_then_the_score():
    call = grader_call(HEAD + CALL + END)
    stream, result = hidden_test_outputs(call, _answers(q1=("single", "b")), 7)
    assert (stream.output_type, stream.name, stream.text) == ("stream", "stdout",
                                                              "q1: 1 of 1 point(s)\nCorrect: you chose b. Because.\n")
    assert (result.output_type, result.data, result.execution_count) == ("execute_result", {"text/plain": "1"}, 7)
    _, zero = hidden_test_outputs(call, _answers(), 1)
    assert zero.data == {"text/plain": "0"}


def test_a_wrong_key_is_an_error_output_and_zero_as_in_a_kernel():
    call = grader_call(HEAD + 'Grader("01-x").spot_identifiers("q2", case="NO-SUCH-CASE", identifiers=["x"], '
                       'points=2)' + END)
    outputs = hidden_test_outputs(call, _answers(), 1)
    assert outputs[-1].output_type == "error" and "NO-SUCH-CASE" in outputs[-1].evalue


def test_course_cells_show_case_cards_and_the_saved_answer():
    source = ('cases.show("PRIV-101")\nquiz.single_choice("q1", "Which **one**?", {"a": "First", "b": "Second"})\n'
              'quiz = Quiz("01-x")\nprint(open("/etc/passwd").read())\n')
    card, view = course_cell_outputs(source, _answers(q1=("single", "b")))
    assert "PRIV-101" in card.data["text/html"]
    html = view.data["text/html"]
    assert "<strong>Which</strong>" not in html and "Which <strong>one</strong>?" in html
    assert "&#9673; your answer: <strong>b) Second</strong>" in html and view.data["text/plain"] == "[q1: answer saved]"


@pytest.mark.parametrize("method, arguments, value, shown", [
    ("single_choice", {"options": {"a": "A", "b": "B"}}, "a", "your answer: <strong>a) A</strong>"),
    ("multiple_choice", {"options": {"a": "A", "b": "B"}}, ["b"], "&#9744; not selected: a) A"),
    ("triage", {"posts": {"p1": "A post"}, "reasons": {"r": "A reason"}}, {"p1": {"verdict": "never", "reason": "r"}},
     "your verdict: <strong>Never post</strong>; your main reason: <strong>A reason</strong>"),
    ("spot_identifiers", {"text": "Mrs. Dana Whitlock, 93", "case": None}, [[5, 9]],
     "<mark style='color:inherit;border-bottom:2px solid #7a5c00'>Dana</mark><small> [marked]</small>"),
    ("ranking", {"items": {"a": "A", "b": "B"}, "scale": "1 = worst"}, {"b": 1}, "Your rank 1:"),
    ("disclosure", {"parts": {"wording": {"ad": "#ad"}}, "labels": None}, {"wording": "ad"},
     "Wording: <strong>#ad</strong>"),
])
def test_every_kind_has_a_static_view(method, arguments, value, shown):
    page = answerview.render(method, {"item": "q9", "prompt": "Do it.", **arguments}, value)["text/html"]
    assert shown in page and "graded" in page


def test_the_view_escapes_what_a_student_saved():
    page = answerview.render("single_choice", {"item": "q9", "prompt": "<img src=x onerror=alert(1)>",
                                               "options": {"a": "A"}}, "<script>alert(1)</script>")["text/html"]
    assert "<script>" not in page and "<img" not in page and "&lt;script&gt;" in page
