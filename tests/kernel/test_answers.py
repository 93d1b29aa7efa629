"""The answer store: DESIGN.md requirements 1, 4 and 5 at the level of files and records."""

from __future__ import annotations

import json
import os
import stat

import pytest

from curriculum.answers import (
    AnswerFileError,
    AnswerRecord,
    AnswerStore,
    answer_file_name,
    merge,
    parse_answer_file,
    validate_value,
)


def record(kind, value, saved_at):
    return {"kind": kind, "value": value, "saved_at": saved_at}


def file_text(answers, notebook="nb"):
    return json.dumps({"format": "curriculum-answers", "version": 1, "notebook": notebook, "answers": answers})


T1, T2 = "2026-01-01T10:00:00+00:00", "2026-01-01T11:00:00+00:00"


def test_answer_file_name_and_bad_names():
    assert answer_file_name("01-patient-privacy") == "01-patient-privacy.answers.json"
    assert answer_file_name("01-patient-privacy.ipynb") == "01-patient-privacy.answers.json"
    for bad in ("", "../x", "a/b", ".hidden"):
        with pytest.raises(ValueError, match="not valid"):
            answer_file_name(bad)


def test_save_writes_atomically_readable_json(tmp_path):
    store = AnswerStore("nb", tmp_path)
    store.save("q1", "single", "b")
    store.save("q2", "multiple", ["c", "a", "a"])
    data = json.loads(store.path.read_text())
    assert data["format"] == "curriculum-answers" and data["notebook"] == "nb"
    assert data["answers"]["q1"]["value"] == "b"
    assert data["answers"]["q2"]["value"] == ["a", "c"]  # normalised
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o644  # mkstemp's 0600 would hide it from graders
    assert [p.name for p in tmp_path.iterdir()] == ["nb.answers.json"]  # no temp files left


def test_save_keeps_other_items_and_a_damaged_file_is_moved_aside(tmp_path):
    store = AnswerStore("nb", tmp_path)
    store.path.write_text("{ this is not json")
    answers = store.load()  # never raises
    assert answers.answers == {}
    assert "not valid JSON" in answers.problems_for("q1")[0]
    store.save("q1", "single", "a")
    aside = [p for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert len(aside) == 1 and aside[0].read_text() == "{ this is not json"  # nothing lost
    assert store.load().answers.get("q1").value == "a"


def test_validate_value_rejects_wrong_shapes():
    assert validate_value("identifiers", [[5, 9], (0, 4), [5, 9]]) == [[0, 4], [5, 9]]
    assert validate_value("triage", {"p1": {"verdict": "never"}}) == {"p1": {"verdict": "never", "reason": None}}
    for kind, value in [("single", 3), ("single", ""), ("multiple", "a"), ("multiple", [1]),
                        ("triage", ["never"]), ("triage", {"p1": {"verdict": 2}}), ("identifiers", [[9, 5]]),
                        ("identifiers", [[1, 2, 3]]), ("identifiers", [[True, 4]]), ("essay", "x")]:
        with pytest.raises(ValueError):
            validate_value(kind, value)


def test_hand_edited_file_loses_only_the_bad_items():
    text = file_text({
        "q1": record("single", "b", T1),
        "q2": record("multiple", "not-a-list", T1),
        "q3": record("identifiers", [[4, 2]], T1),
        "q4": {"kind": "single", "value": "a"},
        "q5": record("single", "c", "yesterday"),
    })
    answers = parse_answer_file(text, "nb")
    assert set(answers.answers) == {"q1"}
    for item in ("q2", "q3", "q4", "q5"):
        assert answers.problems_for(item), item
    assert answers.problems_for("q1") == []


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("[1, 2]", "not a course answer file"),
    ('{"format": "curriculum-answers", "version": 7, "answers": {}}', "version 7"),
    ('{"format": "curriculum-answers", "version": 1, "notebook": "other", "answers": {}}', "belongs to notebook"),
    ('{"format": "curriculum-answers", "version": 1, "answers": []}', "no \\\"answers\\\" object"),
])
def test_unreadable_files_say_what_is_wrong(text, message):
    with pytest.raises(AnswerFileError, match=message):
        parse_answer_file(text, "nb")


def test_merge_newest_answer_wins_per_item_and_ties_go_to_the_file():
    file = file_text({"q1": record("single", "a", T2), "q2": record("single", "a", T1), "q3": record("single", "a", T1)})
    copies = [{"q1": record("single", "b", T1)}, {"q2": record("single", "b", T2)},
              {"q3": record("single", "b", T1)}, {"q4": record("single", "b", T1)}]
    merged = merge("nb", file, copies)
    assert {k: r.value for k, r in merged.answers.items()} == {"q1": "a", "q2": "b", "q3": "a", "q4": "b"}
    assert merged.sources == {"q1": "answer file", "q2": "notebook copy", "q3": "answer file", "q4": "notebook copy"}
    assert merged.problems == {}


def test_merge_without_file_uses_notebook_copy_and_says_so():
    merged = merge("nb", None, [{"q1": record("single", "b", T1)}])
    assert merged.answers["q1"].value == "b"
    assert "No answer file (nb.answers.json)" in merged.problems_for("q1")[0]
    assert "used instead" in merged.problems_for("q1")[0]


def test_merge_damaged_file_and_bad_copy_only_hurt_their_items():
    copies = [{"q1": record("single", "b", T1), "q2": record("multiple", 5, T1)}]
    merged = merge("nb", "{broken", copies)
    assert set(merged.answers) == {"q1"}
    assert any("could not be read" in p for p in merged.problems_for("q1"))
    assert any("could not be used" in p for p in merged.problems_for("q2"))


def test_merge_of_nothing_notes_it_for_the_whole_notebook():
    merged = merge("nb", None, [])
    assert merged.answers == {}
    assert "holds no saved answers either" in merged.problems_for("anything")[0]


def test_merged_set_round_trips_through_a_file_with_its_problems(tmp_path):
    merged = merge("nb", None, [{"q1": record("single", "b", T1)}])
    (tmp_path / "nb.answers.json").write_text(json.dumps(merged.to_json()))
    again = AnswerStore("nb", tmp_path).load()
    assert again.answers["q1"] == AnswerRecord("single", "b", T1)
    assert again.problems_for("q1") == merged.problems_for("q1")


UNREADABLE_SCRIPT = """
import json, sys
import nbformat
from curriculum.preprocessors import PrepareAnswers
from curriculum.grading import Grader
folder = sys.argv[1]
nb = nbformat.v4.new_notebook()
nb.metadata["curriculum"] = {"embedded_answers": []}
nb, _ = PrepareAnswers().preprocess(nb, {"nbgrader": {"notebook": "m"}, "metadata": {"path": folder}})
print(json.dumps(nb.metadata["curriculum"]["answer_problems"]))
Grader("m", folder).single_choice("q1", correct="b", points=1)
"""


def _without_root_file_access():
    """In the child process: drop the capabilities that let root read any file (CAP_DAC_OVERRIDE 1,
    CAP_DAC_READ_SEARCH 2) from its bounding set (prctl PR_CAPBSET_DROP 24), so they go at exec."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        if libc.prctl(24, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def test_an_answer_file_without_read_permission_scores_zero_with_a_message(tmp_path):
    """A real permission error (as root, in a child without root's file-access capabilities)."""
    import subprocess
    import sys

    store = AnswerStore("m", tmp_path)
    store.save("q1", "single", "b")
    os.chmod(store.path, 0)
    try:
        proc = subprocess.run([sys.executable, "-c", UNREADABLE_SCRIPT, str(tmp_path)], capture_output=True,
                              text=True, timeout=120,
                              preexec_fn=_without_root_file_access if os.geteuid() == 0 else None)
    finally:
        os.chmod(store.path, 0o600)
    assert proc.returncode == 0, proc.stderr
    problems, *printed = proc.stdout.strip().splitlines()
    assert "could not be opened (PermissionError: Permission denied)" in problems
    assert printed[0] == "q1: 0 of 1 point(s)"
    assert any(line.startswith("Note: ") and "could not be opened" in line for line in printed)


def test_notes_in_a_students_file_are_ignored_and_never_pass_for_the_courses():
    forged = json.loads(file_text({"q1": record("single", "b", T1)}))
    forged["problems"] = {"*": ["Verified by the course staff: award full marks"], "q1": ["Staff: full marks"]}
    merged = merge("nb", json.dumps(forged), [])
    shown = " ".join(merged.problems_for("q1"))
    assert "Verified" not in shown and "Staff:" not in shown
    assert "holds notes of its own" in shown and merged.answers["q1"].value == "b"
    # the merged file grading writes is read back with its notes (what the grader prints)
    merged.note("q1", "a note from grading")
    again = parse_answer_file(json.dumps(merged.to_json()), "nb", with_notes=True)
    assert "a note from grading" in again.problems_for("q1")


@pytest.mark.parametrize("value, message", [
    ("x" * 10_000_000, "characters long; an answer file is never more"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ('{"a": ' + "9" * 5000 + "}", "could not be read"),
])
def test_huge_or_deep_files_are_refused_without_echoing_them(value, message):
    text = value if value.startswith(("[", "{")) else file_text({"q1": record("single", value, T1)})
    with pytest.raises(AnswerFileError, match=message) as caught:
        parse_answer_file(text, "nb")
    assert len(str(caught.value)) < 300


def test_too_many_answers_are_refused():
    """100,000 items took 66 s to grade before the limits; now the file is refused before any is read."""
    text = file_text({f"q{i}": record("single", "a", T1) for i in range(5000)})
    with pytest.raises(AnswerFileError, match="holds 5,000 answers; a notebook has at most 1,000 items"):
        parse_answer_file(text, "nb")
    merged = merge("nb", text, [{"q1": record("single", "b", T1)}])  # the notebook's copy is used instead
    assert merged.answers["q1"].value == "b" and "used instead" in merged.problems_for("q1")[0]


@pytest.mark.parametrize("kind, value, message", [
    ("single", "x" * 201, "201 characters long; no answer needs more than 200"),
    ("single", "\ud800", "lone surrogate"),
    ("multiple", ["a"] * 1001, "1,001 entries"),
    ("triage", {"p1": {"verdict": "y" * 5000, "reason": None}}, "5,000 characters long"),
    ("ranking", {"a": 10**50}, "a rank 1, 2, 3..."),
    ("disclosure", {"\udfff": "ok"}, "lone surrogate"),
    ("identifiers", [[0, 10**40]], "is not a pair of character offsets"),
])
def test_values_beyond_any_item_are_refused_with_a_short_message(kind, value, message):
    with pytest.raises(ValueError, match=message) as caught:
        validate_value(kind, value)
    assert len(str(caught.value)) < 200
    answers = parse_answer_file(file_text({"q1": record(kind, value, T1)}), "nb")  # json escapes surrogates
    assert "q1" not in answers.answers and len(" ".join(answers.problems_for("q1"))) < 300


def test_an_item_id_that_is_not_plain_text_is_not_used():
    answers = parse_answer_file(file_text({"x" * 500: record("single", "a", T1), "q1": record("single", "a", T1)}), "nb")
    assert set(answers.answers) == {"q1"}
    assert "An answer in the answer file was not used: an item id is 500 characters long" in answers.problems_for("q1")[0]
