"""Withheld feedback (curriculum/feedback.py): the pure rule on every scoring function's printout.

The rule is a list of lines known to be safe; these tests feed it what each scorer prints for wrong,
partial and missing answers, so a scorer whose wording changes (and a new line that gives the key
away) fails here rather than in a student's feedback. The preprocessor on real nbgrader feedback is
tested in test_report.py.
"""

from __future__ import annotations

import pytest

from curriculum import scoring
from curriculum.feedback import SAFE_LINES, WITHHELD, withhold

EXPLAIN = "Because a diagnosis tied to a name is protected."
POST = "Mrs. Dana Whitlock, 93, was in Room 14 today."


def printout(item: str, points: float, result: scoring.Result, notes=()) -> str:
    """What a hidden test prints (as curriculum.grading.Grader._report writes it)."""
    lines = [f"{item}: {scoring.to_points(result.fraction, points):g} of {points:g} point(s)"]
    lines += [f"Note: {n}" for n in notes] + list(result.lines)
    return "\n".join(lines) + "\n"


CASES = {
    "single wrong": (scoring.score_single("a", "b", {"a": EXPLAIN, "b": EXPLAIN}), ["The best answer is b"]),
    "single right": (scoring.score_single("b", "b", {"b": EXPLAIN}), ["you chose b"]),
    "single none": (scoring.score_single(None, "b"), []),
    "multiple partial": (scoring.score_multiple(["a", "d"], ["a", "c"], {"c": EXPLAIN}, ["a", "b", "c", "d"]),
                         ["missed: should be selected", "- c"]),
    "multiple none": (scoring.score_multiple([], ["a", "c"]), []),
    "triage partial": (scoring.score_triage({"p1": {"verdict": "fine", "reason": "ok"}, "p2": {"verdict": "fine"}},
                                            {"p1": ("fine", "ok"), "p2": ("never", "identifies")}, {"p2": EXPLAIN}),
                       ["Never post", "identifies"]),
    "ranking partial": (scoring.score_ranking({"a": 2, "b": 1}, ["a", "c", "b"], {"a": EXPLAIN}),
                        ["Right order", "its place is"]),
    "ranking none": (scoring.score_ranking({}, ["a", "b"]), []),
    "disclosure partial": (scoring.score_disclosure({"wording": "thanks"}, {"wording": ["ad"], "placement": ["start"]},
                                                    {"wording": EXPLAIN}),
                           ["acceptable: ad", "acceptable: start"]),
    "identifiers partial": (scoring.score_identifiers([(5, 9), (0, 4), (90, 95)], POST,
                                                      scoring.find_spans(POST, ["Dana Whitlock", "Room 14"]), EXPLAIN),
                            ["Missed:", "Whitlock", "Not identifying"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_withheld_feedback_keeps_score_and_counts_but_no_key(case):
    result, revealing = CASES[case]
    full = printout("q-item", 2, result, notes=["Your answer file was edited by hand; this item's answer was ignored."])
    shown = withhold(full)
    lines = shown.splitlines()
    assert lines[0] == f"q-item: {scoring.to_points(result.fraction, 2):g} of 2 point(s)"
    assert lines[1].startswith("Note: Your answer file was edited") and lines[-1] == WITHHELD
    assert EXPLAIN not in shown
    for text in revealing:
        assert text in full and text not in shown, text


def test_every_summary_line_is_recognised():
    """The first line of each partial or missing answer's printout says how close; each must be kept."""
    summaries = [CASES[c][0].lines[0] for c in CASES if "partial" in c or "none" in c]
    for line in summaries:
        assert any(p.match(line) for p in SAFE_LINES), f"not kept in withheld feedback: {line!r}"


def test_withhold_of_nothing_printed_still_says_why():
    assert withhold("") == WITHHELD + "\n"
