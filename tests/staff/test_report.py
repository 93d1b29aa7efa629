"""`curriculum report`: item analysis and grade tables on hand-made data with known answers, the LMS
CSV formats, and the whole command on a real graded toy course (nbgrader autograde and
generate_feedback, simulated students in real kernels), including feedback that must not reveal the key."""

from __future__ import annotations

import base64
import contextlib
import csv
import io
import math
import re
import shutil

import numpy as np
import pandas as pd
import pytest
from toycourse import NAME, POINTS, REFLECTION_POINTS, make_course

from curriculum.staff.cli import main
from curriculum.staff.course import Course
from curriculum.keys import read_keys
from curriculum.staff.report import (
    AWAITING,
    GRADED,
    NO_SUBMISSION,
    canvas_frame,
    check_feedback,
    feedback_secrets,
    grade_table,
    item_analysis,
    moodle_frame,
)
from curriculum.staff.simulate import SimulatedStudent, simulate_submission

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def long(matrix: dict[str, list[float]], maxima: dict[str, float], students=None) -> pd.DataFrame:
    students = students or [f"s{i}" for i in range(1, len(next(iter(matrix.values()))) + 1)]
    return pd.DataFrame([{"student": s, "item": item, "score": score, "max": maxima[item]}
                         for item, column in matrix.items() for s, score in zip(students, column)])


# -- item analysis on hand-made data --------------------------------------------------------------

HAND = {"X": [1, 1, 0, 0], "Y": [2, 1, 1, 0], "Z": [1, 0, 1, 0]}
HAND_MAX = {"X": 1, "Y": 2, "Z": 1}


def test_difficulty_and_corrected_item_total_correlation_by_hand():
    items = item_analysis(long(HAND, HAND_MAX)).set_index("item")
    # X = [1,1,0,0] against the rest Y+Z = [3,1,2,0]: deviations (.5,.5,-.5,-.5) and (1.5,-.5,.5,-1.5),
    # cross products sum to 1, squares to 1 and 5, so r = 1 / sqrt(5)
    assert items.loc["X", "discrimination"] == pytest.approx(1 / math.sqrt(5), abs=1e-3)
    assert list(items["difficulty"]) == [0.5, 0.5, 0.5]  # Y: mean 1 of 2 points
    assert list(items["n_scored"]) == [4, 4, 4]
    for item in HAND:  # the same for every item, with numpy
        rest = sum(np.array(HAND[o], dtype=float) for o in HAND if o != item)
        assert items.loc[item, "discrimination"] == pytest.approx(np.corrcoef(HAND[item], rest)[0, 1], abs=1e-3)
    # upper-lower 27%: one student per group (27% of 4, rounded); totals 4, 2, 2, 0: s1 against s4
    assert list(items["upper_lower"]) == [1.0, 1.0, 1.0]
    assert set(items["flags"]) == {""}


def test_upper_lower_index_with_larger_groups():
    # 8 students, totals strictly decreasing: groups of round(0.27 * 8) = 2
    a = [1, 1, 0, 1, 0, 1, 0, 0]
    b = [4, 3, 3, 2, 2, 1, 1, 0]
    items = item_analysis(long({"A": a, "B": b}, {"A": 1, "B": 4})).set_index("item")
    assert items.loc["A", "upper_lower"] == pytest.approx((1 + 1) / 2 - (0 + 0) / 2)
    # B: top two by total (A + B) are s1 (5), s2 (4); bottom two s7 (1), s8 (0)
    assert items.loc["B", "upper_lower"] == pytest.approx(((4 + 3) / 2 - (1 + 0) / 2) / 4)
    assert items.loc["A", "discrimination"] == pytest.approx(np.corrcoef(a, b)[0, 1], abs=1e-3)


def test_flags_easy_hard_and_negative_discrimination():
    data = {
        "good": [1, 1, 1, 1, 0, 0, 0, 0],
        "also": [2, 2, 2, 1, 1, 0, 0, 0],
        "more": [1, 1, 1, 1, 1, 0, 0, 0],
        "easy": [1, 1, 1, 1, 1, 1, 1, 1],      # everyone right: constant, too easy, r undefined
        "hard": [0, 0, 0, 0, 0, 0, 0, 1],      # only a weak student right: hard and negative
        "reversed": [0, 0, 0, 0, 1, 1, 1, 1],  # strong students wrong
    }
    maxima = {"good": 1, "also": 2, "more": 1, "easy": 1, "hard": 1, "reversed": 1}
    items = item_analysis(long(data, maxima)).set_index("item")
    # good against the rest [4, 4, 4, 3, 4, 2, 2, 3]: cross products 2, squares 2 and 5.5
    assert items.loc["good", "discrimination"] == pytest.approx(2 / math.sqrt(11), abs=1e-3)
    assert items.loc["easy", "difficulty"] == 1.0 and items.loc["easy", "flags"] == "too easy"
    assert math.isnan(items.loc["easy", "discrimination"]) and math.isnan(items.loc["easy", "upper_lower"])
    assert "every student scored 1 of 1" in items.loc["easy", "note"]
    assert items.loc["hard", "flags"] == "too hard; negative discrimination"
    assert items.loc["hard", "discrimination"] < 0
    assert "negative discrimination" in items.loc["reversed", "flags"]
    assert items.loc["good", "flags"] == ""
    assert all("small cohort (n=8)" in note for note in items["note"])


def test_tiny_cohort_and_items_awaiting_manual_grading():
    two = item_analysis(long({"A": [1, 0], "B": [1, 1]}, {"A": 1, "B": 1})).set_index("item")
    assert two["discrimination"].isna().all() and two["upper_lower"].isna().all()
    assert set(two["flags"]) == {""}  # B has p = 1, but two students are too few to flag anything
    assert all("too few students scored (2" in note for note in two["note"])

    # a reflection graded for two of four students enters no other item's rest total
    with_reflection = dict(HAND, R=[4, math.nan, math.nan, 0])
    items = item_analysis(long(with_reflection, dict(HAND_MAX, R=4))).set_index("item")
    assert items.loc["X", "discrimination"] == pytest.approx(1 / math.sqrt(5), abs=1e-3)
    assert items.loc["R", "n_scored"] == 2 and items.loc["R", "n_pending"] == 2
    assert items.loc["R", "difficulty"] == 0.5 and math.isnan(items.loc["R", "discrimination"])
    assert "2 of 4 awaiting manual grading" in items.loc["R", "note"]
    nobody = item_analysis(long(dict(HAND, R=[math.nan] * 4), dict(HAND_MAX, R=4))).set_index("item")
    assert nobody.loc["R", "n_scored"] == 0 and math.isnan(nobody.loc["R", "difficulty"])
    assert "no scores yet" in nobody.loc["R", "note"]


def test_item_analysis_rejects_bad_input():
    frame = long(HAND, HAND_MAX)
    with pytest.raises(ValueError, match="one score per student and item"):
        item_analysis(pd.concat([frame, frame.head(1)]))
    with pytest.raises(ValueError, match="needs a column 'max'"):
        item_analysis(frame.drop(columns="max"))


# -- grade table and LMS files --------------------------------------------------------------------

STUDENTS = pd.DataFrame([
    {"student": "ada", "first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.edu",
     "lms_user_id": "101", "submitted": True, "late_penalty": 0.0},
    {"student": "bo", "first_name": "Bo", "last_name": "Diaz", "email": "", "lms_user_id": "",
     "submitted": True, "late_penalty": 1.0},
    {"student": "cy", "first_name": "", "last_name": "", "email": "cy@example.edu", "lms_user_id": "103",
     "submitted": False, "late_penalty": 0.0},
])


def scores_frame():
    nan = math.nan
    rows = [  # student, item, kind, score, max, auto, manual, extra, pending
        ("ada", "q1", "auto", 1, 1, 1, nan, 0, False),
        ("ada", "q2", "auto", 1.5, 2, 0.5, 1.5, 0, False),   # a grader raised the autograder's 0.5
        ("ada", "reflection", "manual", 3.5, 4, nan, 3, 0.5, False),  # 3 + 0.5 extra credit
        ("bo", "q1", "auto", 0, 1, 0, nan, 0, False),
        ("bo", "q2", "auto", 2, 2, 2, nan, 0, False),
        ("bo", "reflection", "manual", nan, 4, nan, nan, 0, True),
    ]
    return pd.DataFrame(rows, columns=["student", "item", "kind", "score", "max", "auto_score", "manual_score",
                                       "extra_credit", "pending"])


def test_grade_table_sums_parts_and_lists_students_without_submission():
    table = grade_table(STUDENTS, scores_frame(), max_score=7).set_index("student")
    assert table.loc["ada", ["auto_score", "manual_score", "extra_credit", "total", "max"]].tolist() == [1, 4.5, 0.5, 6, 7]
    assert table.loc["ada", "percent"] == pytest.approx(85.71)
    assert table.loc["ada", "status"] == GRADED
    # bo: 2 points, less a late penalty of 1; the reflection waits for a grader
    assert table.loc["bo", "total"] == 1 and table.loc["bo", "pending_manual"] == 1
    assert table.loc["bo", "status"] == AWAITING
    assert table.loc["cy", "status"] == NO_SUBMISSION and math.isnan(table.loc["cy", "total"])
    assert table.loc["cy", "max"] == 7


def rows_of(frame: pd.DataFrame) -> list[list[str]]:
    return list(csv.reader(io.StringIO(frame.to_csv(index=False))))


def test_canvas_csv_has_canvas_columns_points_possible_and_warns_missing_ids():
    table = grade_table(STUDENTS, scores_frame(), max_score=7)
    frame, warnings = canvas_frame(table, "Patient privacy (01-patient-privacy)", 7)
    rows = rows_of(frame)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Patient privacy (01-patient-privacy)"]
    assert rows[1] == ["Points Possible", "", "", "", "", "7.0"]
    assert rows[2] == ["Lovelace, Ada", "101", "", "ada", "", "6.0"]
    assert rows[3] == ["Diaz, Bo", "", "", "bo", "", "1.0"]
    assert rows[4] == ["cy", "103", "", "cy", "", ""]  # no submission: an empty cell leaves Canvas unchanged
    assert len(warnings) == 1 and "1 student(s) have no LMS user id" in warnings[0] and ": bo." in warnings[0]
    without, _ = canvas_frame(table, "T (x)", 7, points_possible_row=False)
    assert rows_of(without)[1][0] == "Lovelace, Ada"


def test_moodle_csv_has_an_identifier_and_a_grade_column_and_warns_missing_emails():
    table = grade_table(STUDENTS, scores_frame(), max_score=7)
    frame, warnings = moodle_frame(table, "Patient privacy (01-patient-privacy)")
    rows = rows_of(frame)
    assert rows[0] == ["First name", "Last name", "Username", "Email address", "Patient privacy (01-patient-privacy)"]
    assert rows[1] == ["Ada", "Lovelace", "ada", "ada@example.edu", "6.0"]
    assert rows[2] == ["Bo", "Diaz", "bo", "", "1.0"]  # still exported with what is known
    assert rows[3] == ["", "", "cy", "cy@example.edu", ""]
    assert len(warnings) == 1 and "no email address" in warnings[0] and ": bo." in warnings[0]


# -- the command on a real graded course ----------------------------------------------------------

PEOPLE = {  # gradebook entries made before grading (as `nbgrader db student add` makes them); "absent" never submits
    "complete": dict(first_name="Ada", last_name="Lovelace", email="ada@example.edu", lms_user_id="101"),
    "partial": dict(first_name="Bo", last_name="Diaz", email="bo@example.edu"),
    "blank": dict(first_name="Cy", last_name="Young", lms_user_id="103"),
    # a name a spreadsheet would run as formulas (the gradebook takes it; every export must neutralize it)
    "absent": dict(first_name='=HYPERLINK("http://evil.example","Di")', last_name="@SUM(1+1)",
                   email="di@example.edu", lms_user_id="104"),
}
FULL = sum(POINTS.values())
REFLECTION_SCORE = 3.5


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The toy course, generated, answered by four simulated students, autograded, and one reflection
    graded by hand; plus what `report` said before anything was graded."""
    course = Course(make_course(tmp_path_factory.mktemp("report-course")))
    before = {"ungenerated": main(["--course", str(course.root), "report", NAME])}
    release = course.generate(NAME) / f"{NAME}.ipynb"
    before["no submissions"] = main(["--course", str(course.root), "report", NAME])
    with course.gradebook() as gb:
        for student, fields in PEOPLE.items():
            gb.update_or_create_student(student, **fields)
    keys = read_keys(course.source_notebook(NAME))
    for profile in ("complete", "partial", "blank", "no-answer-file"):
        simulate_submission(release, course.root / "submitted" / profile / NAME, SimulatedStudent(profile, profile), keys)
    course.autograde(NAME)
    with course.gradebook() as gb:
        grade = gb.find_grade("reflection", NAME, NAME, "complete")
        grade.manual_score = REFLECTION_SCORE
        grade.needs_manual_grade = False
        gb.db.commit()
    return course, before


@pytest.fixture(scope="module")
def reported(graded):
    """`curriculum report` run once on the graded course: exit code, output, files, feedback pages."""
    course, _ = graded
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--course", str(course.root), "report", NAME])
    folder = course.root / "reports" / NAME
    feedback = {p.parts[-3]: p.read_text() for p in course.root.glob(f"feedback/*/{NAME}/*.html")}
    return course, code, out.getvalue(), err.getvalue(), folder, feedback


def test_report_before_grading_says_what_to_run(graded, capsys):
    _, before = graded
    assert before == {"ungenerated": 1, "no submissions": 1}
    course, _ = graded
    assert main(["--course", str(course.root), "report", "42-nope"]) == 1
    assert "unknown assignment(s) 42-nope" in capsys.readouterr().err


def test_nothing_graded_message(tmp_path, capsys):
    course = Course(make_course(tmp_path / "fresh"))
    assert main(["--course", str(course.root), "report", NAME, "--no-feedback"]) == 1
    err = capsys.readouterr().err
    assert f"nothing graded yet for {NAME}: run `curriculum grade {NAME}`" in err and "nbgrader autograde" in err
    assert "Traceback" not in err


def test_report_usage(capsys):
    assert main(["report", "--help"]) == 0
    assert "--no-feedback" in capsys.readouterr().out
    assert main(["report"]) == 2
    assert "ASSIGNMENT" in capsys.readouterr().err


def test_report_writes_every_file(reported):
    course, code, out, err, folder, _ = reported
    assert code == 0, err
    for name in ("grades.csv", "items.csv", "variants.csv", "options.csv", "canvas.csv", "moodle.csv",
                 "score-distribution.png", "item-difficulty.png", "options.png", "report.html"):
        assert (folder / name).is_file() and (folder / name).stat().st_size > 0, name
        assert f"reports/{NAME}/{name}" in out
    for png in ("score-distribution.png", "item-difficulty.png", "options.png"):
        assert (folder / png).read_bytes().startswith(PNG_MAGIC)
    assert "feedback/*/99-toy/*.html (4 file(s), checked: no trace of the key)" in out


def test_grades_match_the_gradebook(reported):
    _, _, out, err, folder, _ = reported
    grades = pd.read_csv(folder / "grades.csv", dtype={"lms_user_id": str}).set_index("student")
    assert set(grades.index) == {"complete", "partial", "blank", "no-answer-file", "absent"}
    assert grades.loc["complete", "total"] == FULL + REFLECTION_SCORE
    assert grades.loc["complete", "manual_score"] == REFLECTION_SCORE
    assert grades.loc["complete", "status"] == GRADED
    assert grades.loc["partial", "total"] == 6.71 and grades.loc["partial", "status"] == AWAITING
    assert grades.loc["blank", "total"] == 0 and grades.loc["blank", "status"] == GRADED  # empty reflection: 0
    assert grades.loc["absent", "status"] == NO_SUBMISSION and pd.isna(grades.loc["absent", "total"])
    assert (grades["max"] == FULL + REFLECTION_POINTS).all()
    assert "no submission" in out and "awaiting manual grading" in out


def test_items_table_covers_every_graded_item(reported):
    _, _, _, _, folder, _ = reported
    items = pd.read_csv(folder / "items.csv").set_index("item")
    assert list(items.index) == [*POINTS, "reflection"]
    assert items.loc["q1-single", "difficulty"] == 0.75  # 3 of 4 submissions right
    assert items.loc["reflection", "n_scored"] == 2 and items.loc["reflection", "n_pending"] == 2
    assert all(items.loc[list(POINTS), "n_scored"] == 4)


def test_lms_files_and_warnings(reported):
    _, _, _, err, folder, _ = reported
    canvas = list(csv.reader((folder / "canvas.csv").open()))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"Toy module ({NAME})"]
    assert canvas[1][0] == "Points Possible" and float(canvas[1][5]) == FULL + REFLECTION_POINTS
    by_login = {row[3]: row for row in canvas[2:]}
    assert by_login["complete"][:2] == ["Lovelace, Ada", "101"] and float(by_login["complete"][5]) == FULL + REFLECTION_SCORE
    assert by_login["absent"][5] == ""
    moodle = {row[2]: row for row in csv.reader((folder / "moodle.csv").open())}
    assert moodle["complete"][3] == "ada@example.edu" and moodle["blank"][3] == ""
    canvas_warning = next(line for line in err.splitlines() if line.startswith("warning: canvas.csv"))
    assert "no-answer-file, partial." in canvas_warning  # no LMS id in the gradebook
    moodle_warning = next(line for line in err.splitlines() if line.startswith("warning: moodle.csv"))
    assert ": blank, no-answer-file." in moodle_warning


def test_no_exported_cell_starts_a_formula(reported):
    """OWASP's CSV-injection rule: a text cell starting with = + - @ tab or CR gets a ' in front, so the
    spreadsheet shows it as text; everything else (ids, numbers) is exactly as before."""
    _, _, _, _, folder, _ = reported
    for name in ("grades.csv", "items.csv", "canvas.csv", "moodle.csv"):
        for row in csv.reader((folder / name).open(encoding="utf-8")):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (name, cell)
                assert not cell.startswith("-") or re.fullmatch(r"-[\d.]+(e-?\d+)?", cell), (name, cell)
    canvas = {row[3]: row for row in csv.reader((folder / "canvas.csv").open())}
    assert canvas["absent"][:2] == ["'@SUM(1+1), =HYPERLINK(\"http://evil.example\",\"Di\")", "104"]
    moodle = {row[2]: row for row in csv.reader((folder / "moodle.csv").open())}
    assert moodle["absent"][:4] == ["'=HYPERLINK(\"http://evil.example\",\"Di\")", "'@SUM(1+1)", "absent",
                                    "di@example.edu"]
    grades = {row[0]: row for row in csv.reader((folder / "grades.csv").open())}
    assert "'=HYPERLINK(\"http://evil.example\",\"Di\")" in grades["absent"]


def test_spreadsheet_safe_cells():
    from curriculum.staff.spreadsheet import safe_cell

    for bad in ("=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(bad) == "'" + bad
    for fine in ("ada", "Lovelace, Ada", "", "1.5", 3, -2.0, None, "O'Brien"):
        assert safe_cell(fine) == fine


def test_html_report_embeds_the_figures_and_tables(reported):
    _, _, _, _, folder, _ = reported
    page = (folder / "report.html").read_text()
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)"', page)
    assert len(images) == 3  # the distractor analysis too: the toy cohort answered its choice items
    assert base64.b64decode(images[0][0]) == (folder / "score-distribution.png").read_bytes()
    assert base64.b64decode(images[1][0]) == (folder / "item-difficulty.png").read_bytes()
    assert base64.b64decode(images[2][0]) == (folder / "options.png").read_bytes()
    assert "q1-single" in images[2][1] and "upper" in images[2][1]
    assert "Histogram of total scores" in images[0][1] and "q1-single: difficulty 0.75" in images[1][1]
    assert "corrected item-total correlation" in page and "Lovelace" in page and "q6-disclosure" in page


def test_feedback_shows_each_students_results_but_never_the_key(reported):
    course, _, _, _, _, feedback = reported
    assert set(feedback) == {"complete", "partial", "blank", "no-answer-file"}
    key_forms = ['correct=["a", "c"]', "identifiers=", '"p2": ("never", "identifies")', 'order=["a", "c", "b"]']
    for student, page in feedback.items():
        text = re.sub(r"<[^>]+>", "", page)
        assert "BEGIN HIDDEN TESTS" not in page and "Grader(" not in text and "curriculum.grading" not in text
        assert not any(form in text.replace("&quot;", '"').replace("&#34;", '"') for form in key_forms), student
        assert "Hidden tests check q1-single" in text  # the cell is there, without its tests
    assert "Correct: you chose b." in feedback["complete"]  # the printed feedback stays
    assert "You selected 1 of 2 right options and 1 wrong one(s)." in feedback["partial"]
    assert check_feedback(course, NAME) == []


def test_feedback_secrets_leave_out_what_students_already_see(graded):
    course, _ = graded
    secrets = feedback_secrets(course.source_notebook(NAME), course.root / "release" / NAME / f"{NAME}.ipynb")
    assert 'correct="b"' in secrets and "A diagnosis tied to a name is protected health information." in secrets
    assert "from curriculum.grading import Grader" in secrets
    assert 'correct="y"' not in secrets  # the practice item's key is in the released notebook anyway


def test_report_fails_loudly_when_feedback_reveals_the_key(reported, capsys):
    course, *_ = reported
    config = course.root / "nbgrader_config.py"
    safe = config.read_text()
    assert "nbgrader.preprocessors.ClearHiddenTests" in safe
    try:  # stock nbgrader feedback: the autograded notebook with its hidden tests restored
        config.write_text(safe.replace('    "nbgrader.preprocessors.ClearHiddenTests",\n', ""))
        code = main(["--course", str(course.root), "report", NAME, "--out", str(course.root / "leaky")])
    finally:
        config.write_text(safe)
    err = capsys.readouterr().err
    assert code == 1
    assert "contains 'BEGIN HIDDEN TESTS'" in err and "contains 'Grader('" in err
    assert "reveals the key: 'correct=\"b\"'" in err
    assert "revealed the answer key, so those files were deleted" in err and "ClearHiddenTests" in err
    assert not list(course.root.glob(f"feedback/*/{NAME}/*.html"))
    assert (course.root / "leaky" / "report.html").is_file()
    shutil.rmtree(course.root / "leaky")


def _feedback_pages(course) -> dict[str, str]:
    return {p.parts[-3]: re.sub(r"<[^>]+>", "", p.read_text()) for p in course.root.glob(f"feedback/*/{NAME}/*.html")}


def test_feedback_can_withhold_the_answers_of_a_reused_assessment(reported, capsys):
    course, *_ = reported
    explanation = "A diagnosis tied to a name is protected health information."
    assert main(["--course", str(course.root), "report", NAME, "--out", str(course.root / "full")]) == 0
    assert explanation in _feedback_pages(course)["complete"]
    # the strict check (nothing of the key anywhere) finds the explanations of full feedback
    assert any(explanation[:40] in str(p) for p in check_feedback(course, NAME, withheld=True))

    assert main(["--course", str(course.root), "report", NAME, "--feedback", "scores",
                 "--out", str(course.root / "withheld")]) == 0
    pages = _feedback_pages(course)
    assert set(pages) == {"complete", "partial", "blank", "no-answer-file"}
    for student, page in pages.items():
        assert "q1-single:" in page and "withheld because it is used again" in page, student
        assert explanation not in page and "Correct: you chose" not in page and "The best answer is" not in page
        assert "Right order" not in page and "should not be selected" not in page and "acceptable:" not in page
    assert "q1-single: 1 of 1 point(s)" in pages["complete"] and "q2-multiple: 2 of 2 point(s)" in pages["complete"]
    assert "You selected 1 of 2 right options and 1 wrong one(s)." in pages["partial"]  # how close, not what
    assert check_feedback(course, NAME, withheld=True) == []
    assert "scores only, answers withheld" in (course.root / "withheld" / "report.html").read_text()

    # the plan file can say it for the assignment, so staff need no flag
    plan = course.root / "assignments"
    plan.mkdir()
    (plan / "course.yaml").write_text("title: Toy course\nstart: 2027-01-11\n")
    (plan / f"{NAME}.yaml").write_text(f"id: {NAME}\ntitle: Toy module\nmodule: 1\nweek: 1\nminutes: 30\n"
                                       "auto_points: 12\nmanual_points: 4\nobjectives: [Spot PHI]\nfeedback: scores\n")
    try:
        assert main(["--course", str(course.root), "report", NAME, "--out", str(course.root / "planned")]) == 0
        assert "withheld because it is used again" in _feedback_pages(course)["complete"]
        # a course whose config predates the preprocessor: the strict check catches the full feedback
        config = course.root / "nbgrader_config.py"
        safe = config.read_text()
        config.write_text(safe.replace('    "curriculum.preprocessors.WithholdAnswers",\n', ""))
        try:
            capsys.readouterr()
            assert main(["--course", str(course.root), "report", NAME, "--out", str(course.root / "old")]) == 1
        finally:
            config.write_text(safe)
        err = capsys.readouterr().err
        assert "shows a withheld line" in err and "curriculum.preprocessors.WithholdAnswers" in err
        assert not list(course.root.glob(f"feedback/*/{NAME}/*.html"))
    finally:
        shutil.rmtree(plan)
        for name in ("full", "withheld", "planned", "old"):
            shutil.rmtree(course.root / name, ignore_errors=True)


def test_the_key_check_runs_even_when_feedback_fails_for_a_student(reported, tmp_path):
    """nbgrader's generate_feedback stopping at one student used to end the report before its key check."""
    from curriculum.staff.report import write_report

    course, *_ = reported
    copy = Course(shutil.copytree(course.root, tmp_path / "copy"))
    broken = copy.root / "autograded" / "partial" / NAME / f"{NAME}.ipynb"
    broken.chmod(0o644)
    broken.write_text("{ not a notebook")
    planted = copy.root / "feedback" / "ghost" / NAME / "planted.html"  # a file nbgrader does not rewrite
    planted.parent.mkdir(parents=True)
    planted.write_text("<p>### BEGIN HIDDEN TESTS</p>")
    report = write_report(copy, NAME)
    assert any("generate_feedback failed for some submissions" in w for w in report.warnings)
    assert any(leak.path.endswith("planted.html") for leak in report.leaks) and not planted.exists()
    assert (copy.root / "feedback" / "complete" / NAME / f"{NAME}.html").is_file()  # the others still get theirs
