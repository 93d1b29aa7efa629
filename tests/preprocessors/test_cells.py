"""The repair rules of CheckSubmission (curriculum/preprocessors/cells.py) as pure functions: a
submission's cells compared with the assignment's references, rebuilt, and the notes a student reads.
The same cases run through nbgrader in tests/preprocessors/test_hostile.py."""

from __future__ import annotations

import copy

import nbformat

from curriculum.preprocessors.cells import CellRef, check_cells, rebuild

TEST_SOURCE = ('### BEGIN HIDDEN TESTS\nfrom curriculum.grading import Grader\n'
               'Grader("nb").single_choice("q1", correct="b", points=1)\n### END HIDDEN TESTS')


def ref(gid, cell_type="code", source="", **flags):
    flags = {"locked": True, "grade": False, "solution": False, "task": False, "points": None, **flags}
    return CellRef(grade_id=gid, cell_type=cell_type, source=source, release_source=flags.pop("release", source),
                   checksum=None, **flags)


REFS = [
    ref("setup", source="from curriculum import Quiz\nquiz = Quiz('nb')"),
    ref("q1-widget", source='quiz.single_choice("q1", "Which?", {"a": "A", "b": "B"})'),
    ref("q1-test", source=TEST_SOURCE, release="", grade=True, points=1.0),
    ref("reflection", "markdown", "YOUR ANSWER HERE", locked=False, grade=True, solution=True, points=4.0),
]


def released():
    cells = []
    for r in REFS:
        make = nbformat.v4.new_code_cell if r.cell_type == "code" else nbformat.v4.new_markdown_cell
        cells.append(make(r.release_source, metadata={"nbgrader": r.metadata()}))
    return nbformat.v4.new_notebook(cells=cells)


def test_an_untouched_submission_has_no_notes():
    assert check_cells(released(), REFS) == []


def test_a_deleted_test_is_put_back_and_noted():
    nb = released()
    del nb.cells[2]
    notes = check_cells(nb, REFS)
    assert any("You deleted the grading cell of `q1`" in n for n in notes), notes
    assert [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata].count("q1-test") == 1


def test_an_edited_locked_cell_and_changed_settings_are_noted():
    nb = released()
    nb.cells[1].source += "\nprint('mine')"
    nb.cells[2].metadata["nbgrader"]["points"] = 20
    notes = check_cells(nb, REFS)
    assert any("which is read-only" in n for n in notes) and any("`20` points instead of 1" in n for n in notes)


def test_an_added_code_cell_and_an_unknown_id_stay_ordinary_cells():
    nb = released()
    nb.cells.insert(1, nbformat.v4.new_code_cell("import os", metadata={"nbgrader": {"grade_id": "mine", "grade": True}}))
    notes = check_cells(nb, REFS)
    assert any("`mine`, which is not part of this assignment" in n for n in notes), notes
    assert "grade_id" not in nb.cells[1].metadata.get("nbgrader", {})


def test_rebuild_takes_everything_but_a_written_answer_from_the_assignment():
    test_ref, answer_ref = REFS[2], REFS[3]
    forged = nbformat.v4.new_code_cell("print('full marks')", metadata={"tags": ["skip-execution"],
                                                                         "nbgrader": {"points": 99}})
    forged.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "1"}, execution_count=1)]
    cell = rebuild(forged, test_ref, {"tags": []})
    assert cell.source == TEST_SOURCE and cell.outputs == [] and cell.metadata["tags"] == []
    assert cell.metadata["nbgrader"] == test_ref.metadata()
    written = nbformat.v4.new_markdown_cell("My own answer.", metadata={"nbgrader": {"solution": False}})
    again = rebuild(copy.deepcopy(written), answer_ref)
    assert again.source == "My own answer." and again.metadata["nbgrader"] == answer_ref.metadata()
