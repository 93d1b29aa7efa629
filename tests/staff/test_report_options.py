"""`curriculum report`: the per-variant item analysis and the distractor (option) analysis, on hand-made
score and response frames with answers worked out by hand (no gradebook, no nbgrader)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from curriculum.errors import ReportError
from curriculum.staff.report import html_report, item_analysis, response_analyses
from curriculum.staff.report.options import (
    COMMON,
    EASIER,
    HARDER,
    NOBODY,
    OPTION_COLUMNS,
    UPPER_FAVOURED,
    VARIANT_COLUMNS,
    item_summaries,
    option_analysis,
    variant_analysis,
)
from curriculum.staff.report.plots import MAX_OPTION_PANELS, plot_options
from curriculum.staff.report.stats import ITEM_COLUMNS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def scores_of(matrix: dict[str, dict[str, float]], maxima: dict[str, float]) -> pd.DataFrame:
    """{item: {student: score}} -> the long scores frame of item_analysis."""
    return pd.DataFrame([{"student": s, "item": item, "score": score, "max": maxima[item], "kind": "auto"}
                         for item, column in matrix.items() for s, score in column.items()])


def answer(student, item, option, key, question="", variant=""):
    return {"student": student, "item": item, "variant": variant, "question": question, "option": option,
            "key": key}


# -- a single choice item worked by hand --------------------------------------------------------------
# Eight students; q is a single choice (key b, options a b c d), r another item worth 4 points.
# Chosen: s1 b, s2 b, s3 a, s4 b, s5 a, s6 c, s7 c, s8 c; nobody d.
# Totals q + r: s1 5, s3 4, s2 3, s4 3, s5 2, s6 1, s8 1, s7 0 (ties by student id: s2 before s4, s6 before s8).
# Groups of round(0.27 * 8) = 2: upper s1, s3; lower s8, s7.
CHOICES = {"s1": "b", "s2": "b", "s3": "a", "s4": "b", "s5": "a", "s6": "c", "s7": "c", "s8": "c"}
REST = {"s1": 4, "s2": 2, "s3": 4, "s4": 2, "s5": 2, "s6": 1, "s7": 0, "s8": 1}
HAND_SCORES = scores_of({"q": {s: float(c == "b") for s, c in CHOICES.items()}, "r": REST}, {"q": 1, "r": 4})
HAND_RESPONSES = pd.DataFrame([answer(s, "q", c, c == "b") for s, c in CHOICES.items()])
HAND_OPTIONS = {("q", ""): ["a", "b", "c", "d"]}


def test_option_shares_and_groups_by_hand():
    table = option_analysis(HAND_SCORES, HAND_RESPONSES, HAND_OPTIONS)
    assert list(table.columns) == OPTION_COLUMNS
    rows = table.set_index("option")
    assert list(rows.index) == ["a", "b", "c", "d"]  # in the order offered, d listed though nobody chose it
    assert list(rows["key"]) == [False, True, False, False]
    assert list(rows["chosen"]) == [0.25, 0.375, 0.375, 0.0]  # 2, 3, 3 and 0 of 8
    assert list(rows["upper"]) == [0.5, 0.5, 0.0, 0.0]       # s1 chose b, s3 chose a
    assert list(rows["lower"]) == [0.0, 0.0, 1.0, 0.0]       # s7 and s8 both chose c
    assert set(rows["n"]) == {8} and set(rows["n_upper"]) == {2} and set(rows["n_lower"]) == {2}
    # the same groups as the upper-lower index of item_analysis: (1 + 0) / 2 - (0 + 0) / 2
    assert item_analysis(HAND_SCORES).set_index("item").loc["q", "upper_lower"] == 0.5


def test_distractor_flags():
    rows = option_analysis(HAND_SCORES, HAND_RESPONSES, HAND_OPTIONS).set_index("option")["flags"]
    assert rows["d"] == NOBODY == "nobody chose it"
    assert rows["a"] == UPPER_FAVOURED == "chosen more by the upper group"  # 50% of the upper group, none below
    assert rows["c"] == COMMON == "common misconception"  # 37.5% of the students, all of the lower group
    assert rows["b"] == ""  # the key is never flagged, though the upper group chose it more


def test_option_flags_need_three_answers_and_blank_students_are_not_counted():
    two = HAND_RESPONSES[HAND_RESPONSES["student"].isin(["s1", "s3"])]
    table = option_analysis(HAND_SCORES, two, HAND_OPTIONS).set_index("option")
    assert set(table["n"]) == {2} and set(table["flags"]) == {""}  # d nobody chose, but 2 answers are too few
    assert table.loc["a", "chosen"] == 0.5 and table.loc["d", "chosen"] == 0
    # s8 answered nothing: no rows, so not among the n who answered and in no group
    table = option_analysis(HAND_SCORES, HAND_RESPONSES[HAND_RESPONSES["student"] != "s8"], HAND_OPTIONS)
    assert set(table["n"]) == {7}
    assert table.set_index("option").loc["c", "chosen"] == pytest.approx(2 / 7, abs=1e-3)


def test_multiple_choice_triage_questions_and_unchosen_keys():
    scores = scores_of({"m": {"s1": 1, "s2": 0.5, "s3": 0}, "t": {"s1": 1, "s2": 1, "s3": 0}}, {"m": 1, "t": 1})
    responses = pd.DataFrame([
        answer("s1", "m", "a", True), answer("s1", "m", "c", True),
        answer("s2", "m", "a", True), answer("s2", "m", "b", False),
        answer("s3", "m", "b", False),
        answer("s1", "t", "never", True, "ASMT-203:verdict", "ASMT-203"),
        answer("s2", "t", "never", True, "ASMT-203:verdict", "ASMT-203"),
        answer("s3", "t", "fine", False, "ASMT-203:verdict", "ASMT-203"),
    ])
    options = {("m", ""): ["a", "b", "c", "d"],
               ("t", "ASMT-203:verdict"): {"fine": False, "revise": False, "never": True},
               ("t", "ASMT-204:verdict"): {"fine": True, "revise": False, "never": False}}
    table = option_analysis(scores, responses, options)
    m = table[table["item"] == "m"].set_index("option")
    assert list(m["chosen"].round(3)) == [0.667, 0.667, 0.333, 0.0]  # several options each: more than 1 in all
    assert list(m["key"]) == [True, False, True, False]
    assert m.loc["b", "flags"] == COMMON
    nobody = table[table["question"] == "ASMT-204:verdict"].set_index("option")
    assert set(nobody["n"]) == {0} and nobody["chosen"].isna().all() and set(nobody["flags"]) == {""}
    assert nobody.loc["fine", "key"]  # the options mapping marks a key nobody drew
    verdict = table[table["question"] == "ASMT-203:verdict"].set_index("option")
    assert list(verdict.index) == ["fine", "revise", "never"]
    assert verdict.loc["revise", "flags"] == NOBODY and verdict.loc["fine", "flags"] == COMMON
    summary = item_summaries(item_analysis(scores), variant_analysis(scores, responses), table).set_index("item")
    assert summary.loc["t", "options"] == (
        "ASMT-203:verdict: fine 33% (U 0%, L 100%; common misconception); revise 0% (nobody); "
        "never* 67% (U 100%, L 0%) | ASMT-204:verdict: nobody answered")


def test_option_analysis_rejects_responses_that_do_not_fit():
    with pytest.raises(ValueError, match="key in some responses and not in others"):
        flipped = HAND_RESPONSES.copy()
        flipped.loc[0, "key"] = False  # s1's b
        option_analysis(HAND_SCORES, flipped, HAND_OPTIONS)
    with pytest.raises(ValueError, match="without scores: zz"):
        option_analysis(HAND_SCORES, pd.concat([HAND_RESPONSES, pd.DataFrame([answer("s1", "zz", "a", True)])]),
                        HAND_OPTIONS)
    with pytest.raises(ValueError, match="needs the response columns key"):
        option_analysis(HAND_SCORES, HAND_RESPONSES.drop(columns="key"), HAND_OPTIONS)
    with pytest.raises(ValueError, match="key True or False"):
        option_analysis(HAND_SCORES, HAND_RESPONSES.assign(key="yes"), HAND_OPTIONS)
    with pytest.raises(ValueError, match="the options say key=False"):
        option_analysis(HAND_SCORES, HAND_RESPONSES, {("q", ""): {"a": False, "b": False, "c": False}})


# -- variants ---------------------------------------------------------------------------------------

def pool_item(item: str, groups: dict[str, list[float]], start: int = 0):
    """Scores and responses of ``item`` whose students saw the variants in ``groups`` ({label: scores})."""
    scores, responses, i = {}, [], start
    for label, values in groups.items():
        for value in values:
            student = f"p{i:03d}"
            scores[student] = value
            option = "never" if value == 1 else "fine"
            responses.append(answer(student, item, option, option == "never", f"{label}:verdict", label))
            i += 1
    return scores, responses


def pool(**items: dict[str, list[float]]):
    scores, responses = {}, []
    for item, groups in items.items():
        s, r = pool_item(item, groups)
        scores[item] = s
        responses += r
    return scores_of(scores, {item: 1 for item in items}), pd.DataFrame(responses)


def test_a_pool_member_much_harder_than_its_sibling_is_flagged():
    ones = lambda k, n: [1.0] * k + [0.0] * (n - k)  # noqa: E731
    scores, responses = pool(
        gap={"ASMT-204": ones(8, 10), "ASMT-240": ones(4, 10)},        # 0.8 against 0.4
        within={"ASMT-300": ones(7, 10), "ASMT-301": ones(6, 10)},     # 0.7 against 0.6: a gap of 0.1
        edge={"ASMT-400": ones(7, 10), "ASMT-401": ones(5, 10)},       # exactly VARIANT_GAP = 0.2
        same={"ASMT-500": ones(5, 10)},                                # one label: no variant rows
    )
    table = variant_analysis(scores, responses)
    assert list(table.columns) == VARIANT_COLUMNS
    rows = table.set_index(["item", "variant"])
    assert list(rows.index.get_level_values("item").unique()) == ["gap", "within", "edge"]
    assert rows.loc[("gap", "ASMT-240"), "flags"] == HARDER == "harder than its siblings"
    assert rows.loc[("gap", "ASMT-204"), "flags"] == EASIER
    assert rows.loc[("gap", "ASMT-240"), "difficulty"] == 0.4 and rows.loc[("gap", "ASMT-240"), "n"] == 10
    assert "siblings p=0.80 n=10" in rows.loc[("gap", "ASMT-240"), "note"]
    assert set(rows.loc["within", "flags"]) == {""}
    assert rows.loc[("edge", "ASMT-401"), "flags"] == HARDER  # 0.7 - 0.5 is 0.19999999999999996 in floats
    summary = item_summaries(item_analysis(scores), table, option_analysis(scores, responses, {}))
    summary = summary.set_index("item")
    assert summary.loc["gap", "variants"] == ("ASMT-204 p=0.80 n=10 (easier than its siblings); "
                                              "ASMT-240 p=0.40 n=10 (harder than its siblings)")
    assert summary.loc["within", "variants"] == "ASMT-300 p=0.70 n=10; ASMT-301 p=0.60 n=10"
    assert summary.loc["same", "variants"] == ""


def test_siblings_are_pooled_and_tiny_groups_are_noted_not_flagged():
    # three pool members: C's siblings are A and B together, (9 + 8) / 20 = 0.85 against 0.5
    scores, responses = pool(three={"A": [1.0] * 9 + [0.0], "B": [1.0] * 8 + [0.0] * 2, "C": [1.0] * 5 + [0.0] * 5},
                             tiny={"big": [1.0] * 9 + [0.0], "small": [0.0, 0.0]})
    rows = variant_analysis(scores, responses).set_index(["item", "variant"])
    assert rows.loc[("three", "C"), "flags"] == HARDER and "siblings p=0.85 n=20" in rows.loc[("three", "C"), "note"]
    assert rows.loc[("three", "B"), "flags"] == ""  # 0.8 against (9 + 5) / 20 = 0.7
    assert rows.loc[("tiny", "small"), "flags"] == "" and rows.loc[("tiny", "small"), "difficulty"] == 0
    assert "too few students (n=2; at least 3" in rows.loc[("tiny", "small"), "note"]
    assert rows.loc[("tiny", "big"), "flags"] == ""
    assert "its siblings have too few students (n=2)" in rows.loc[("tiny", "big"), "note"]
    assert "small group (n=10)" not in rows.loc[("tiny", "big"), "note"]


def test_variant_discrimination_is_the_item_rest_correlation_within_the_variant():
    # item v: variant A s1-s4, variant B s5-s8; w is scored for everyone and is the rest total
    v = {"s1": 1, "s2": 1, "s3": 0, "s4": 0, "s5": 1, "s6": 0, "s7": 1, "s8": 0}
    w = {"s1": 3, "s2": 1, "s3": 2, "s4": 0, "s5": 0, "s6": 1, "s7": 2, "s8": 3}
    scores = scores_of({"v": v, "w": w}, {"v": 1, "w": 3})
    responses = pd.DataFrame([answer(s, "v", "x", bool(v[s]), "", "A" if int(s[1:]) <= 4 else "B") for s in v])
    rows = variant_analysis(scores, responses).set_index("variant")
    # A: v (1,1,0,0) against w (3,1,2,0): r = 1 / sqrt(5), as in the hand example of test_report.py
    assert rows.loc["A", "discrimination"] == pytest.approx(1 / math.sqrt(5), abs=1e-3)
    # B: v (1,0,1,0) against w (0,1,2,3): deviations (.5,-.5,.5,-.5), (-1.5,-.5,.5,1.5): cross sum -1, r = -1/sqrt(5)
    assert rows.loc["B", "discrimination"] == pytest.approx(-1 / math.sqrt(5), abs=1e-3)
    assert all("small group (n=4)" in note for note in rows["note"])


def test_a_student_sees_one_variant():
    responses = pd.DataFrame([answer("s1", "q", "a", False, "", "A"), answer("s1", "q", "b", True, "", "B")])
    with pytest.raises(ValueError, match="'s1' has 'A', 'B' for 'q'"):
        variant_analysis(HAND_SCORES, responses)


# -- items.csv summaries ------------------------------------------------------------------------------

def test_item_summaries_append_two_columns():
    plain = item_analysis(HAND_SCORES)
    assert list(plain.columns) == ITEM_COLUMNS and ITEM_COLUMNS[-2:] == ["variants", "options"]
    assert set(plain["variants"]) == {""} and set(plain["options"]) == {""}  # item_analysis alone: empty
    items = item_summaries(plain, variant_analysis(HAND_SCORES, HAND_RESPONSES),
                           option_analysis(HAND_SCORES, HAND_RESPONSES, HAND_OPTIONS)).set_index("item")
    assert items.loc["q", "options"] == ("a 25% (U 50%, L 0%; chosen more by the upper group); b* 38% (U 50%, L 0%); "
                                         "c 38% (U 0%, L 100%; common misconception); d 0% (nobody)")
    assert items.loc["r", "options"] == "" and set(items["variants"]) == {""}
    assert list(items.reset_index().columns) == ITEM_COLUMNS
    pd.testing.assert_frame_equal(items.reset_index().drop(columns=["variants", "options"]),
                                  plain.drop(columns=["variants", "options"]))


# -- the figure ---------------------------------------------------------------------------------------

def test_option_figure_is_a_png_with_alt_text():
    png, alt = plot_options(option_analysis(HAND_SCORES, HAND_RESPONSES, HAND_OPTIONS), "Toy module")
    assert png.startswith(PNG_MAGIC)
    assert alt.startswith("Bar charts of the share of students choosing each option")
    assert "q (n=8): a 25% (upper 50%, lower 0%), chosen more by the upper group; b (key) 38%" in alt
    assert "d 0% (upper 0%, lower 0%), nobody chose it" in alt and "Left out" not in alt

    png, alt = plot_options(pd.DataFrame(columns=OPTION_COLUMNS), "Toy module")
    assert png.startswith(PNG_MAGIC) and "no option analysis to show" in alt


def test_option_figure_keeps_flagged_questions_and_says_which_were_left_out():
    rows = []
    for i in range(MAX_OPTION_PANELS + 2):
        for option, key, chosen in (("a", True, 0.8), ("b", False, 0.2)):
            rows.append({"item": f"q{i:02d}", "question": "", "option": option, "key": key, "chosen": chosen,
                         "upper": chosen, "lower": chosen, "n": 10, "n_upper": 3, "n_lower": 3, "flags": ""})
    rows[-1]["flags"] = NOBODY  # the last question's distractor: kept although it comes last
    rows.append({"item": "t", "question": "ASMT-1:reason", "option": "r", "key": True, "chosen": 1.0, "upper": 1.0,
                 "lower": 1.0, "n": 10, "n_upper": 3, "n_lower": 3, "flags": ""})
    png, alt = plot_options(pd.DataFrame(rows, columns=OPTION_COLUMNS), "Toy module")
    assert png.startswith(PNG_MAGIC)
    assert f"q{MAX_OPTION_PANELS + 1:02d} (n=10)" in alt
    assert f"Left out for space (2, see options.csv): q{MAX_OPTION_PANELS - 1:02d}, q{MAX_OPTION_PANELS:02d}." in alt
    assert "Triage reasons (1 question(s)) are only in options.csv." in alt and "ASMT-1:reason (n" not in alt


# -- wiring: the analyses in write_report, and the page ---------------------------------------------

def test_report_skips_the_analyses_with_a_warning_when_answers_cannot_be_read(monkeypatch):
    from curriculum.staff.report import responses as module

    items = item_analysis(HAND_SCORES)

    def unavailable(course, assignment):
        raise ReportError("no answer files for 99-toy")

    monkeypatch.setattr(module, "read_responses", unavailable)
    variants, options, out, warnings = response_analyses(None, "99-toy", HAND_SCORES, items)
    assert warnings == ["variant and option analysis skipped: no answer files for 99-toy"]
    assert not len(variants) and not len(options) and out is items

    monkeypatch.setattr(module, "read_responses", lambda c, a: (HAND_RESPONSES.assign(item="zz"), {}))
    *_, warnings = response_analyses(None, "99-toy", HAND_SCORES, items)
    assert "do not match the gradebook" in warnings[0]

    monkeypatch.setattr(module, "read_responses", lambda c, a: (HAND_RESPONSES, HAND_OPTIONS))
    variants, options, out, warnings = response_analyses(None, "99-toy", HAND_SCORES, items)
    assert warnings == [] and len(options) == 4
    assert out.set_index("item").loc["q", "options"].startswith("a 25% (U 50%")


def test_page_shows_the_flagged_options():
    options = option_analysis(HAND_SCORES, HAND_RESPONSES, HAND_OPTIONS)
    page = html_report(title="Toy", assignment="99-toy", summary={}, grades=pd.DataFrame(),
                       items=item_analysis(HAND_SCORES), figures=[], warnings=[], files=[],
                       variants=variant_analysis(HAND_SCORES, HAND_RESPONSES), options=options)
    assert "<h2>Flagged options</h2>" in page and "chosen more by the upper group" in page
    assert "Flagged variants" not in page  # no variants: no section
    assert "common misconception" in page and "harder than its siblings" in page  # the legend


def test_a_hand_edited_option_is_data_in_every_report_file():
    """An answer file can hold any short text as an option key: in options.csv it stays text (no cell a
    spreadsheet would run as a formula), and in report.html it is escaped."""
    from curriculum.staff.report.responses import responses_of
    from curriculum.staff.spreadsheet import safe_frame
    from curriculum.keys import ItemKey

    hostile = "=HYPERLINK(\"http://x.invalid\",\"<b>hi</b>\")"
    key = ItemKey(item="q", kind="single", points=1.0, cell_id="q-test", cell_points=1.0, args={"correct": "b"})
    rows = [r for s, c in CHOICES.items() for r in responses_of(s, key, hostile if s == "s5" else c, "", {}, {})]
    table = option_analysis(HAND_SCORES, pd.DataFrame(rows), HAND_OPTIONS)
    assert hostile in set(table["option"])
    cell = safe_frame(table).set_index("item")["option"].tolist()
    assert "'" + hostile in cell and hostile not in cell
    page = html_report(title="T", assignment="a", summary={}, grades=pd.DataFrame(), items=pd.DataFrame(),
                       figures=[], warnings=[f"q: {hostile}"], files=[], options=table)
    assert "<b>hi</b>" not in page and "&lt;b&gt;hi&lt;/b&gt;" in page
