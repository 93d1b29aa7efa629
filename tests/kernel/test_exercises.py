"""Exercise widgets driven as a student would: set values, click buttons, re-run cells."""

from __future__ import annotations

import json

import ipywidgets as w
import pytest

from curriculum import Quiz
from curriculum.answers import ANSWER_MIME

OPTIONS = {"a": "A weather report", "b": "A named patient's diagnosis", "c": "A textbook fact"}
POST = "Mrs. Dana Whitlock, 93, from Elm Creek was in Room 14 today."


def saved(quiz):
    return json.loads(quiz.store.path.read_text())["answers"]


def test_single_choice_saves_on_change_and_restores_on_rerun(tmp_path):
    quiz = Quiz("nb", tmp_path)
    ex = quiz.single_choice("q1", "Which is PHI?", OPTIONS)
    assert not quiz.store.path.exists()  # showing the widget writes nothing
    ex.radio.value = "b"
    assert saved(quiz)["q1"]["value"] == "b"
    assert "Answer saved" in ex.status.value
    before = quiz.store.path.read_bytes(), quiz.store.path.stat().st_mtime_ns
    rerun = Quiz("nb", tmp_path).single_choice("q1", "Which is PHI?", OPTIONS)  # cell re-run / new kernel
    assert rerun.radio.value == "b" and rerun.value == "b"
    assert (quiz.store.path.read_bytes(), quiz.store.path.stat().st_mtime_ns) == before  # restoring never writes
    rerun.radio.value = "c"
    assert saved(quiz)["q1"]["value"] == "c"


def test_graded_item_never_reveals_a_key(tmp_path):
    ex = Quiz("nb", tmp_path).single_choice("q1", "Which is PHI?", OPTIONS)
    assert ex.check_button.layout.display == "none" and not ex.practice
    ex.radio.value = "a"
    assert ex.check() is None
    assert "graded after you submit" in ex.feedback.value and "Correct" not in ex.feedback.value


def test_practice_item_gives_explained_feedback_on_click(tmp_path):
    ex = Quiz("nb", tmp_path).single_choice("p1", "Practice", OPTIONS, correct="b",
                                            explain={"a": "Weather is not about a patient.", "b": "Named diagnosis."})
    ex.radio.value = "a"
    ex.check_button.click()
    assert "Not yet right" in ex.feedback.value and "Weather is not about a patient." in ex.feedback.value
    ex.radio.value = "b"
    assert ex.feedback.value == ""  # stale feedback goes when the answer changes
    ex.check_button.click()
    assert "Correct" in ex.feedback.value and "&#10003;" in ex.feedback.value  # a symbol and words, not colour


def test_multiple_choice_boxes(tmp_path):
    quiz = Quiz("nb", tmp_path)
    ex = quiz.multiple_choice("q2", "Select", {"a": "Full-face photo", "b": "Year of birth", "c": "Email"},
                              correct=["a", "c"])
    ex.boxes["c"].value = True
    ex.boxes["a"].value = True
    assert saved(quiz)["q2"]["value"] == ["a", "c"]
    assert ex.check().fraction == 1
    ex.boxes["b"].value = True
    assert ex.check().fraction == pytest.approx(0.5)
    assert Quiz("nb", tmp_path).multiple_choice("q2", "Select", ex.options).value == ["a", "b", "c"]


def test_triage_dropdowns(tmp_path):
    quiz = Quiz("nb", tmp_path)
    posts = {"p1": "Proud of the team!", "p2": "Bed 4's rare tattoo..."}
    reasons = {"ok": "Nothing identifies anyone", "identifies": "Could identify a patient"}
    ex = quiz.triage("q3", "Sort", posts, reasons, correct={"p1": ("fine", "ok"), "p2": ("never", "identifies")})
    ex.verdicts["p2"].value = "never"
    ex.reason_menus["p2"].value = "identifies"
    assert saved(quiz)["q3"]["value"] == {"p2": {"verdict": "never", "reason": "identifies"}}
    assert ex.check().fraction == pytest.approx(0.5)
    again = Quiz("nb", tmp_path).triage("q3", "Sort", posts, reasons)
    assert again.verdicts["p2"].value == "never" and again.verdicts["p1"].value == ""
    with pytest.raises(ValueError, match="key for 'p1'"):
        quiz.triage("q9", "Sort", posts, reasons, correct={"p1": ("maybe", "ok")})


def test_spot_identifiers_toggle_words_with_a_visible_tick(tmp_path):
    quiz = Quiz("nb", tmp_path)
    ex = quiz.spot_identifiers("q4", "Spot", POST, correct=["Dana Whitlock", "93", "Elm Creek", "Room 14"])
    dana = ex.words[1]
    assert dana.description == "Dana"
    dana.value = True
    assert dana.icon == "check"  # selection shown by a tick, not only by colour
    ex.select(["Whitlock,", "93,", "Elm", "Creek", "Room", "14"])
    assert ex.check().correct
    assert len(saved(quiz)["q4"]["value"]) == 7
    restored = Quiz("nb", tmp_path).spot_identifiers("q4", "Spot", POST)
    assert [b.description for b in restored.words if b.value] == ["Dana", "Whitlock,", "93,", "Elm", "Creek", "Room", "14"]
    assert restored.words[1].icon == "check"


def test_answer_copy_for_the_notebook(tmp_path):
    quiz = Quiz("nb", tmp_path)
    ex = quiz.single_choice("q1", "Which?", OPTIONS)
    assert ex._copy_bundle(None)[ANSWER_MIME] == {}
    ex.radio.value = "b"
    bundle = ex._copy_bundle(quiz.store.load().answers.get("q1"))
    assert bundle[ANSWER_MIME]["q1"]["value"] == "b" and "q1" in bundle["text/plain"]


def test_damaged_answer_file_is_reported_in_the_widget(tmp_path):
    (tmp_path / "nb.answers.json").write_text("{not json")
    ex = Quiz("nb", tmp_path).single_choice("q1", "Which?", OPTIONS)
    assert "not valid JSON" in ex.feedback.value and ex.value is None
    ex.radio.value = "a"  # answering again repairs the file; the damaged one is kept aside
    assert Quiz("nb", tmp_path).store.load().answers.get("q1").value == "a"
    assert any(".damaged-" in p.name for p in tmp_path.iterdir())


def test_unwritable_folder_is_reported_not_raised(tmp_path):
    ex = Quiz("nb", tmp_path / "missing-folder").single_choice("q1", "Which?", OPTIONS)
    ex.radio.value = "a"
    assert "could not be saved" in ex.status.value


def _controls(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _controls(child)


def test_every_control_has_a_text_label(tmp_path):
    quiz = Quiz("nb", tmp_path)
    items = [
        quiz.single_choice("q1", "Which?", OPTIONS),
        quiz.multiple_choice("q2", "Which?", OPTIONS),
        quiz.triage("q3", "Sort", {"p1": "Hello"}, {"ok": "Fine"}),
        quiz.spot_identifiers("q4", "Spot", POST, correct=["93"]),
        quiz.ranking("q5", "Rank", {"a": "A", "b": "B"}),
        quiz.disclosure("q6", "Fix", {"wording": {"ad": "#ad"}}),
    ]
    for ex in items:
        for control in _controls(ex.widget):
            if isinstance(control, w.RadioButtons | w.Dropdown | w.Checkbox | w.ToggleButton | w.Button):
                assert control.description.strip(), (ex.item, control)


def test_bad_definitions_raise_clear_errors(tmp_path):
    quiz = Quiz("nb", tmp_path)
    with pytest.raises(ValueError, match="not one of"):
        quiz.single_choice("p1", "?", OPTIONS, correct="z")
    with pytest.raises(ValueError, match="does not occur"):
        quiz.spot_identifiers("p2", "?", POST, correct=["Boston"])
    with pytest.raises(ValueError, match="item id"):
        quiz.single_choice("", "?", OPTIONS)


def test_prompts_render_markdown_but_never_raw_html(tmp_path):
    ex = Quiz("nb", tmp_path).single_choice("q1", "**Bold** and *italic*\n\n- a list <script>x</script>", OPTIONS)
    assert "<strong>Bold</strong>" in ex.prompt.value and "<em>italic</em>" in ex.prompt.value
    assert "<li>" in ex.prompt.value and "<script>" not in ex.prompt.value


def test_practice_spot_item_from_an_annotated_case(tmp_path):
    from curriculum import cases

    bank = cases.CaseBank.load(use_env=False)
    case = next(c for c in bank.cases.values() if len(c.identifiers) >= 2)
    ex = Quiz("nb", tmp_path).spot_identifiers("p1", "Spot", case=case.id, practice=True)
    assert ex.practice and ex.check_button.layout.display == ""
    for (s, e, _), button in zip(ex.tokens, ex.words, strict=True):
        button.value = any(s < i.end and i.start < e for i in case.identifiers)
    ex.check_button.click()
    assert "Correct" in ex.feedback.value and case.teaching_points[0][:30] in ex.feedback.value.replace("&#x27;", "'")
    with pytest.raises(ValueError, match="either text= or case="):
        Quiz("nb", tmp_path).spot_identifiers("p2", "Spot", "some text", case=case.id)


def test_choice_items_can_show_a_case_card(tmp_path):
    from curriculum import cases

    case = sorted(cases.CaseBank.load(use_env=False).assessment)[0]
    ex = Quiz("nb", tmp_path).single_choice("q1", "About this post:", OPTIONS, case=case)
    assert ex.case_card is not None and ex.case_card in ex.widget.children
    assert f"fictional case {case}" in ex.case_card.value and "Verdict" not in ex.case_card.value


def test_ranking_menus_save_restore_and_check(tmp_path):
    quiz = Quiz("nb", tmp_path)
    items = {"a": "Joke about a named patient", "b": "Selfie in scrubs", "c": "Patient list in the background"}
    ex = quiz.ranking("q5", "Rank", items, order=["a", "c", "b"])
    ex.ranks["a"].value = 1
    ex.ranks["b"].value = 2
    assert saved(quiz)["q5"]["value"] == {"a": 1, "b": 2}
    ex.ranks["c"].value = 3
    assert ex.check().fraction == pytest.approx(0.5)
    again = Quiz("nb", tmp_path).ranking("q5", "Rank", items)
    assert {k: m.value for k, m in again.ranks.items()} == {"a": 1, "b": 2, "c": 3}
    assert all(m.description.startswith("Rank for item") for m in again.ranks.values())
    with pytest.raises(ValueError, match="each of"):
        quiz.ranking("q6", "Rank", items, order=["a", "b"])


def test_ranking_menus_cannot_hold_a_rank_twice(tmp_path):
    """Choosing a rank another item holds swaps the two, so a student's menus never save a repeated rank."""
    quiz = Quiz("nb", tmp_path)
    ex = quiz.ranking("q5", "Rank", {"a": "A", "b": "B", "c": "C"}, order=["a", "b", "c"])
    ex.ranks["a"].value, ex.ranks["b"].value, ex.ranks["c"].value = 1, 2, 3
    ex.ranks["c"].value = 1  # c takes a's rank; a gets c's old one
    assert {k: m.value for k, m in ex.ranks.items()} == {"a": 3, "b": 2, "c": 1}
    assert saved(quiz)["q5"]["value"] == {"a": 3, "b": 2, "c": 1}
    ex.ranks["b"].value = 0  # clearing frees a rank; the next choice of it moves nothing
    ex.ranks["a"].value = 2
    assert saved(quiz)["q5"]["value"] == {"a": 2, "c": 1}
    fresh = Quiz("nb", tmp_path / "fresh").ranking("q5", "Rank", {"a": "A", "b": "B", "c": "C"})
    fresh.ranks["a"].value = 2
    fresh.ranks["b"].value = 2  # a had no rank before b took it: a is left unranked, not 0 twice
    assert {k: m.value for k, m in fresh.ranks.items()} == {"a": 0, "b": 2, "c": 0}


def test_disclosure_fixer_builds_a_preview(tmp_path):
    quiz = Quiz("nb", tmp_path)
    parts = {"wording": {"ad": "#ad", "sp": "#sp"}, "placement": {"start": "At the start", "bio": "Only in my bio"}}
    ex = quiz.disclosure("q6", "Fix", parts, labels={"wording": "Wording"},
                         correct={"wording": ["ad"], "placement": ["start"]})
    assert "nothing chosen yet" in ex.preview.value
    ex.menus["wording"].value = "sp"
    assert "Wording: #sp" in ex.preview.value
    ex.menus["placement"].value = "start"
    assert saved(quiz)["q6"]["value"] == {"placement": "start", "wording": "sp"}
    ex.check_button.click()
    assert "Partly right" in ex.feedback.value
    assert Quiz("nb", tmp_path).disclosure("q6", "Fix", parts).value == {"placement": "start", "wording": "sp"}
    with pytest.raises(ValueError, match="acceptable options"):
        quiz.disclosure("q7", "Fix", parts, correct={"wording": ["nope"]})
