"""Pure scoring with plain values: partial credit rules."""

from __future__ import annotations

import pytest

from curriculum.scoring import (
    find_spans,
    score_disclosure,
    score_ranking,
    identifying_tokens,
    score_identifiers,
    score_multiple,
    score_single,
    score_triage,
    to_points,
    tokenize,
)


def test_single_choice_all_or_nothing_with_explanations():
    explain = {"a": "A is a weather report.", "b": "B names a patient."}
    right = score_single("b", "b", explain)
    assert right.fraction == 1 and right.correct and "B names a patient." in right.lines[0]
    wrong = score_single("a", "b", explain)
    assert wrong.fraction == 0 and "best answer is b" in wrong.lines[1]
    assert score_single(None, "b").lines == ("No answer was chosen.",)


@pytest.mark.parametrize("picked, fraction", [
    (["a", "c"], 1.0), (["a"], 0.5), (["a", "b"], 0.0), (["a", "c", "b"], 0.5),
    (["a", "b", "c", "d"], 0.0), ([], 0.0), (None, 0.0),
])
def test_multiple_choice_right_minus_wrong(picked, fraction):
    assert score_multiple(picked, ["a", "c"], options=["a", "b", "c", "d"]).fraction == pytest.approx(fraction)


def test_multiple_choice_key_must_be_among_options():
    with pytest.raises(ValueError, match="not among the options"):
        score_multiple(["a"], ["z"], options=["a", "b"])


def test_triage_verdict_two_thirds_reason_one_third():
    key = {"p1": ("fine", "ok"), "p2": ("never", "identifies"), "p3": ("revise", "undisclosed")}
    perfect = {"p1": {"verdict": "fine", "reason": "ok"}, "p2": {"verdict": "never", "reason": "identifies"},
               "p3": {"verdict": "revise", "reason": "undisclosed"}}
    assert score_triage(perfect, key).fraction == pytest.approx(1)
    reasons_wrong = {p: {"verdict": v["verdict"], "reason": "x"} for p, v in perfect.items()}
    assert score_triage(reasons_wrong, key).fraction == pytest.approx(2 / 3)
    one_wrong_verdict = dict(perfect, p2={"verdict": "fine", "reason": "identifies"})
    assert score_triage(one_wrong_verdict, key).fraction == pytest.approx(2 / 3)
    assert score_triage({}, key).fraction == 0
    with pytest.raises(ValueError):
        score_triage(perfect, {"p1": ("maybe", "ok")})


TEXT = "Mrs. Dana Whitlock, 93, from Elm Creek was in Room 14 today."


def test_tokens_and_spans():
    assert tokenize("a  bc\nd")[1] == (3, 5, "bc")
    assert find_spans("x y x", ["x"]) == [(0, 1), (4, 5)]
    with pytest.raises(ValueError, match="does not occur"):
        find_spans(TEXT, ["Boston"])
    words = [w for _, _, w in identifying_tokens(TEXT, find_spans(TEXT, ["Dana Whitlock", "93"]))]
    assert words == ["Dana", "Whitlock,", "93,"]
    with pytest.raises(ValueError, match="outside the text"):
        identifying_tokens(TEXT, [(0, 999)])


def test_identifiers_overlap_credit():
    gold = find_spans(TEXT, ["Dana Whitlock", "93", "Elm Creek", "Room 14"])  # 7 words
    words = {w: [s, e] for s, e, w in tokenize(TEXT)}
    all_gold = [[s, e] for s, e, _ in identifying_tokens(TEXT, gold)]
    assert score_identifiers(all_gold, TEXT, gold).fraction == 1
    assert score_identifiers(all_gold[:-1], TEXT, gold).fraction == pytest.approx(6 / 7)
    assert score_identifiers(all_gold + [words["today."]], TEXT, gold).fraction == pytest.approx(1 - 1 / 5)
    everything = list(words.values())
    assert score_identifiers(everything, TEXT, gold).fraction == 0  # marking every word earns nothing
    stray = score_identifiers([[0, 2]], TEXT, gold)
    assert stray.fraction == 0 and "did not match a word" in stray.lines[1]


def test_to_points_is_within_bounds():
    assert to_points(2 / 3, 3) == 2.0
    assert to_points(1.0000001, 2) == 2.0
    assert to_points(-1, 2) == 0.0
    assert to_points(float("nan"), 2) == 0.0
    assert to_points(6 / 7, 2) == 1.71


@pytest.mark.parametrize("ranks, fraction", [
    ({"a": 1, "b": 2, "c": 3, "d": 4}, 1.0),
    ({"a": 2, "b": 1, "c": 3, "d": 4}, 0.75),  # one adjacent swap
    ({"a": 4, "b": 3, "c": 2, "d": 1}, 0.0),  # reversed
    ({"a": 1}, 0.125),  # others unranked count as far as they can be
    ({}, 0.0),
])
def test_ranking_footrule(ranks, fraction):
    assert score_ranking(ranks, ["a", "b", "c", "d"]).fraction == pytest.approx(fraction)


def test_ranking_key_and_messages():
    with pytest.raises(ValueError):
        score_ranking({}, ["a", "a"])
    result = score_ranking({"a": 2, "b": 1, "c": 3, "d": 4}, ["a", "b", "c", "d"])
    assert result.lines[0].startswith("Total distance") and result.lines[1] == "Right order: a, b, c, d."
    assert "you ranked it 2, its place is 1" in result.lines[2]


@pytest.mark.parametrize("ranks, why", [
    ({"a": 2, "b": 2, "c": 2, "d": 2}, "rank 2 is given to 4 items"),  # 1 of 2 points without the order, before
    ({"a": 1, "b": 1, "c": 3, "d": 3}, "rank 1 is given to 2 items; rank 3 is given to 2 items"),
    ({"a": 1, "b": 5}, "rank 5 is not between 1 and 4"),
    ({"a": 0, "b": 2, "c": 3, "d": 4}, "rank 0 is not between 1 and 4"),
])
def test_ranking_with_a_repeated_or_impossible_rank_is_invalid(ranks, why):
    result = score_ranking(ranks, ["a", "b", "c", "d"])
    assert result.fraction == 0
    assert result.lines == (f"Note: this ranking is not valid: {why}. Give each item a different rank from 1 to 4.",)


def test_disclosure_parts():
    key = {"wording": ["ad", "sponsored"], "placement": ["start"], "video": ["spoken-and-screen"]}
    assert score_disclosure({"wording": "sponsored", "placement": "start", "video": "spoken-and-screen"}, key).fraction == 1
    partly = score_disclosure({"wording": "sp", "placement": "start"}, key)
    assert partly.fraction == pytest.approx(1 / 3)
    assert "sp does not work" in "\n".join(partly.lines) and "nothing chosen" in "\n".join(partly.lines)
    with pytest.raises(ValueError):
        score_disclosure({}, {"wording": []})
