"""The lesson-text check: dollar signs, option letters and names a lesson may not use."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from curriculum.staff.lessontext import lesson_text_problems

WIDGET = '''# Q1: graded question
quiz.single_choice(
    "q01-pick",
    "**Q1 · 1 point.** Which one?",
    {"a": "(a) First", "b": "b. Second", "c": "c) Third", "d": "Fourth, as (d) in the list", "e": "ok) fine"},
)'''


def write(tmp_path, *cells):
    path = tmp_path / "lesson.ipynb"
    nbformat.write(new_notebook(cells=list(cells)), path)
    return path


def test_a_clean_lesson_has_no_problems(tmp_path):
    path = write(tmp_path, new_markdown_cell("A penalty of USD 50,000 (a North Carolina dental practice)."),
                 new_code_cell('# P1\nquiz.single_choice("q01", "Pick.", {"a": "One", "b": "Two"})'),
                 new_markdown_cell("## Sources\n\n1. FTC v. Teami, 2020."))
    assert lesson_text_problems(path) == []


def test_dollar_signs_escaped_or_not_are_refused_in_every_cell(tmp_path):
    path = write(tmp_path, new_markdown_cell("Fines of \\$100 to \\$50,000."),
                 new_code_cell('# P1\nquiz.single_choice("q01", "Pick.", {"a": "It cost $5", "b": "Two"})'))
    problems = lesson_text_problems(path)
    assert len(problems) == 2
    assert problems[0].startswith("cell 0: a '$' is typeset as maths") and "Fines of" in problems[0]
    assert problems[1].startswith("cell 1: a '$'")


def test_an_option_that_repeats_its_letter_is_refused(tmp_path):
    problems = lesson_text_problems(write(tmp_path, new_code_cell(WIDGET)))
    assert [p.split("option ")[1][:3] for p in problems] == ["'a'", "'b'", "'c'"]
    assert "would read 'a) (a) First...'; drop the letter" in problems[0]


def test_names_never_in_lessons_and_parties_only_in_sources(tmp_path):
    path = write(tmp_path, new_markdown_cell("The Igbinadolor practice replied."),
                 new_markdown_cell("In FTC v. Teami the seller..."),
                 new_markdown_cell("## Sources\n\n1. FTC v. Teami (2020). 2. Dr. Igbinadolor."))
    problems = lesson_text_problems(path)
    assert len(problems) == 3
    assert problems[0].startswith("cell 0: names 'Igbinadolor', whom no lesson names")
    assert problems[1].startswith("cell 1: names 'Teami' outside the Sources cell")
    assert problems[2].startswith("cell 2: names 'Igbinadolor'")


def test_a_code_cell_must_start_with_a_comment_for_its_collapsed_view(tmp_path):
    path = write(tmp_path, new_code_cell('cases.show("PRIV-005")'), new_code_cell('\n# Case card\ncases.show("PRIV-005")'))
    assert lesson_text_problems(path) == [
        "cell 0: starts with code ('cases.show(\"PRIV-005\")'), which a collapsed cell shows to students; "
        "start it with a comment that says what it shows, e.g. '# Case card'"]
