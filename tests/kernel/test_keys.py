"""Reading the key without running it (curriculum/keys.py): the strict form of a hidden test that is
graded as data, and the keys of a source notebook with the errors an instructor gets."""

from __future__ import annotations

import nbformat
import pytest

from curriculum.errors import KeyReadError
from curriculum.keys import graded_as_data, grader_call, kernel_tests, read_keys, widget_items

IMPORT = "from curriculum.grading import Grader\n"
CALL = 'Grader("nb").single_choice("q1", correct="b", points=1, explain={"a": "No.", "b": "Yes."})'


def test_the_strict_form_is_one_literal_call_after_the_import():
    call = grader_call("# test\n### BEGIN HIDDEN TESTS\n" + IMPORT + CALL + "\n### END HIDDEN TESTS")
    assert (call.method, call.notebook, call.item, call.kind) == ("single_choice", "nb", "q1", "single")
    assert call.args == {"correct": "b", "points": 1, "explain": {"a": "No.", "b": "Yes."}}
    assert graded_as_data(IMPORT + CALL, "nb") == call and graded_as_data(IMPORT + CALL, "other") is None


@pytest.mark.parametrize("source", [
    CALL + "\nprint('also this')",                      # anything after the call
    "x = " + CALL,                                      # the result assigned (nbgrader would give full marks)
    "import os\n" + IMPORT + CALL,                      # another import
    "from curriculum.grading import Grader as G\n" + CALL,
    IMPORT + CALL.replace('correct="b"', "correct=B"),  # not a literal
    IMPORT + CALL.replace('Grader("nb")', "Grader(name)"),
    IMPORT + CALL.replace(".single_choice(", ".no_such_kind("),
    IMPORT + 'Grader("nb").single_choice(*args)',
    IMPORT + 'Grader("nb").single_choice("q1", **key)',
    "def f(:\n",                                        # not Python
    "",
])
def test_anything_else_is_an_instructors_own_test_code(source):
    assert grader_call(source) is None


def notebook(path, *cells):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src, metadata={"nbgrader": meta})
                                         for src, meta in cells])
    nbformat.write(nb, path)
    return path


def graded(gid, points=1):
    return {"grade": True, "grade_id": gid, "locked": True, "points": points, "solution": False}


HIDDEN = "### BEGIN HIDDEN TESTS\n{}\n### END HIDDEN TESTS"


def test_read_keys_and_widget_items(tmp_path):
    path = notebook(tmp_path / "nb.ipynb",
                    ('quiz.single_choice("q1", "Which?", {"a": "A", "b": "B"})', {"locked": True, "grade_id": "w1"}),
                    (HIDDEN.format(IMPORT + CALL), graded("t1")),
                    (HIDDEN.format(IMPORT + "points = " + CALL.replace('"q1"', '"q2"') + "\npoints"), graded("t2", 2)))
    key, own = read_keys(path)
    assert (key.item, key.kind, key.points, key.cell_id, key.cell_points) == ("q1", "single", 1.0, "t1", 1.0)
    assert (own.item, own.cell_id, own.cell_points) == ("q2", "t2", 2.0)  # its key is read all the same
    assert key.args == {"correct": "b", "explain": {"a": "No.", "b": "Yes."}} and key.explanations == ["No.", "Yes."]
    assert widget_items(path) == {"q1": "single_choice"}
    assert kernel_tests(path) == ["t2"]


@pytest.mark.parametrize("test, message", [
    (IMPORT + CALL + "\n" + CALL, "expected exactly one Grader call, found 2"),
    (IMPORT + CALL.replace('correct="b"', "correct=B"), "must use literal values only"),
    (IMPORT + CALL.replace("points=1, ", ""), "needs points="),
    ("Grader(nb).single_choice(", "is not valid Python"),
])
def test_a_key_that_cannot_be_read_names_the_notebook_and_cell(tmp_path, test, message):
    path = notebook(tmp_path / "nb.ipynb", (HIDDEN.format(test), graded("t1")))
    with pytest.raises(KeyReadError, match=message) as caught:
        read_keys(path)
    assert str(caught.value).startswith("nb.ipynb, cell 0 (t1): ")
