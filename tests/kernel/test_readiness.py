"""The student's check before submitting: answered or not, and saved together or not."""

from __future__ import annotations

import json

from curriculum import Quiz
from curriculum.readiness import check_readiness, item_label

OPTIONS = {"a": "A weather report", "b": "A named patient's diagnosis", "c": "A textbook fact"}


def notebook_with(copies: list[dict], written: str | None = None) -> dict:
    """A saved notebook as JupyterLab writes it: each widget's output carries its answer copy."""
    cells = [{"cell_type": "code", "metadata": {}, "source": "quiz...", "execution_count": 1,
              "outputs": [{"output_type": "display_data", "metadata": {},
                           "data": {"text/plain": "[copy]", "application/vnd.curriculum.answers+json": c}}]}
             for c in copies]
    if written is not None:
        cells.append({"cell_type": "markdown", "source": written, "metadata": {
            "nbgrader": {"grade": True, "solution": True, "grade_id": "reflection", "points": 4}}})
    return {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_item_labels_come_from_the_prompt():
    assert item_label("q03-spot", "**Q3 · 2 points.** Select every detail") == "Q3"
    assert item_label("p01-x", "**P1.** A classmate asks") == "P1"
    assert item_label("q09-x", "Which of these?") == "q09-x"


def test_everything_answered_and_saved_together_is_ready():
    record = {"kind": "single", "value": "b", "saved": "2027-01-12T10:00:00+00:00"}
    result = check_readiness({"q01": ("Q1", True), "p01": ("P1", False)}, {"q01": record},
                             notebook_with([{"q01": record}], written="My reflection."), "m.ipynb")
    assert result.ready
    assert result.lines() == [
        "Graded questions answered: 1 of 1.",
        "Your written answer is in the saved notebook.",
        "Practice questions (not graded) left: P1.",
        "The saved notebook and your answer file agree: they are saved together.",
        "Ready to submit.",
    ]


def test_unanswered_unsaved_and_empty_reflections_are_named():
    old = {"kind": "single", "value": "a", "saved": "2027-01-12T10:00:00+00:00"}
    new = {"kind": "single", "value": "b", "saved": "2027-01-12T10:05:00+00:00"}
    result = check_readiness({"q01": ("Q1", True), "q02": ("Q2", True), "q03": ("Q3", True)}, {"q01": new},
                             notebook_with([{"q01": old}], written="YOUR ANSWER HERE"), "m.ipynb")
    assert not result.ready
    assert result.unanswered == ("Q2", "Q3") and result.unsaved == ("Q1",) and result.written_empty == 1
    lines = result.lines()
    assert "Not answered yet: Q2, Q3. Scroll up and answer them." in lines
    assert "Written answers still empty in the saved notebook: 1 of 1. Write them, then save." in lines
    assert any(line.startswith("The saved notebook does not carry your latest answer to Q1. Save it") for line in lines)
    assert lines[-1] == "Not ready to submit yet."


def test_a_missing_notebook_file_and_a_session_with_no_items():
    missing = check_readiness({"q01": ("Q1", True)}, {}, None, "01-patient-privacy.ipynb")
    assert "The notebook file 01-patient-privacy.ipynb is not next to your answer file." in " ".join(missing.lines())
    assert check_readiness({}, {}, None, "m.ipynb").lines()[0].startswith("No questions have run in this session")


def test_the_widget_reads_the_answer_file_and_the_saved_notebook(tmp_path):
    quiz = Quiz("m", tmp_path)
    graded = quiz.single_choice("q01-phi", "**Q1 · 1 point.** Which is PHI?", OPTIONS)
    quiz.single_choice("p01-phi", "**P1.** Which is PHI?", OPTIONS, correct="b")
    check = quiz.ready_check()
    assert "Graded questions answered: 0 of 1." in check.status.value
    assert "is not next to your answer file" in check.status.value  # not saved yet
    graded.radio.value = "b"
    record = json.loads(quiz.store.path.read_text())["answers"]["q01-phi"]
    (tmp_path / "m.ipynb").write_text(json.dumps(notebook_with([{"q01-phi": record}])))
    check.button.click()
    assert "Graded questions answered: 1 of 1." in check.status.value
    assert "they are saved together" in check.status.value and "Ready to submit." in check.status.value
    graded.radio.value = "c"  # changed after the save
    result = check.check()
    assert result.unsaved == ("Q1",) and "correct" not in check.status.value.lower()
