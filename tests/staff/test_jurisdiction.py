"""Which cells a build teaches: a jurisdiction's view of a notebook (pure) and the folder nbgrader reads."""

from __future__ import annotations

import json

import pytest

from curriculum.jurisdiction import course_jurisdiction, marked, prepared_source, view


def cell(text, *jurisdictions, grade_id=None):
    meta = {"nbgrader": {"grade_id": grade_id}} if grade_id else {}
    if jurisdictions:
        meta["curriculum"] = {"jurisdiction": list(jurisdictions) if len(jurisdictions) > 1 else jurisdictions[0]}
    return {"cell_type": "markdown", "metadata": meta, "source": text}


NB = {"cells": [cell("shared"), cell("HIPAA", "us"), cell("PHIPA", "canada"), cell("UK GDPR", "uk"),
                cell("not the US", "canada", "uk")], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def test_each_view_keeps_the_shared_cells_and_its_own_in_order_without_the_mark():
    assert [c["source"] for c in view(NB, "us")["cells"]] == ["shared", "HIPAA"]
    assert [c["source"] for c in view(NB, "canada")["cells"]] == ["shared", "PHIPA", "not the US"]
    assert [c["source"] for c in view(NB, "uk")["cells"]] == ["shared", "UK GDPR", "not the US"]
    assert all("curriculum" not in c["metadata"] for c in view(NB, "uk")["cells"])
    assert len(NB["cells"]) == 5 and NB["cells"][2]["metadata"]["curriculum"] == {"jurisdiction": "canada"}


def test_other_curriculum_metadata_survives_the_view():
    nb = {"cells": [{"cell_type": "code", "metadata": {"curriculum": {"jurisdiction": ["us"], "note": 1}},
                     "source": "x", "outputs": []}]}
    assert view(nb, "us")["cells"][0]["metadata"] == {"curriculum": {"note": 1}}


@pytest.mark.parametrize("mark, message", [
    ("france", "unknown jurisdiction 'france'; choose one of us, canada, uk"),
    ([], "must be a name or a list of names"),
    (3, "must be a name or a list of names"),
])
def test_a_bad_mark_is_refused_not_dropped(mark, message):
    bad = {"cell_type": "markdown", "metadata": {"curriculum": {"jurisdiction": mark}}, "source": "?"}
    with pytest.raises(ValueError, match=message):
        marked(bad)
    with pytest.raises(ValueError, match=message):
        view({"cells": [bad]}, "us")


def test_the_course_jurisdiction_comes_from_course_yaml_or_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("CURRICULUM_JURISDICTION", raising=False)
    assert course_jurisdiction(tmp_path) == "us"  # no plan: the default
    (tmp_path / "assignments").mkdir()
    (tmp_path / "assignments" / "course.yaml").write_text("title: T\nstart: 2027-01-11\njurisdiction: uk\n")
    assert course_jurisdiction(tmp_path) == "uk"
    monkeypatch.setenv("CURRICULUM_JURISDICTION", "canada")
    assert course_jurisdiction(tmp_path) == "canada"
    monkeypatch.setenv("CURRICULUM_JURISDICTION", "mars")
    with pytest.raises(ValueError, match="unknown jurisdiction 'mars'"):
        course_jurisdiction(tmp_path)


def test_prepared_source_writes_views_keeps_other_files_and_drops_stale_ones(tmp_path):
    (tmp_path / "source" / "m1").mkdir(parents=True)
    (tmp_path / "source" / "m1" / "m1.ipynb").write_text(json.dumps(NB))
    (tmp_path / "source" / "m1" / "figure.png").write_bytes(b"png")
    (tmp_path / "source" / "m1" / "m1.answers.json").write_text("{}")  # an instructor's try-out
    folder = prepared_source(tmp_path, "canada")
    assert folder == ".curriculum/source-canada"
    out = tmp_path / folder / "m1"
    assert [c["source"] for c in json.loads((out / "m1.ipynb").read_text())["cells"]] == \
        ["shared", "PHIPA", "not the US"]
    assert (out / "figure.png").read_bytes() == b"png" and not (out / "m1.answers.json").exists()
    written = (out / "m1.ipynb").stat().st_mtime_ns
    prepared_source(tmp_path, "canada")
    assert (out / "m1.ipynb").stat().st_mtime_ns == written  # unchanged views are not rewritten
    (tmp_path / "source" / "m1" / "figure.png").unlink()
    prepared_source(tmp_path, "canada")
    assert not (out / "figure.png").exists()


# -- a course with a Canadian version of one graded item: build, validate, grade ---------------------------
CANADA_WIDGET = ('# q1-widget\nquiz.single_choice("q1-single", "Which law covers a hospital\'s patient records in '
                 'Ontario?", {"a": "PHIPA", "b": "A municipal by-law", "c": "None"})')
CANADA_TEST = ('# Hidden tests check q1-single (1 points).\n### BEGIN HIDDEN TESTS\nfrom curriculum.grading import '
               'Grader\nGrader("99-toy").single_choice("q1-single", correct="a", points=1)\n### END HIDDEN TESTS')


@pytest.fixture
def split_course(tmp_path, monkeypatch):
    """The toy course (with its plan), its q1 widget and test marked for the US, with a pair for Canada
    and the UK beside them."""
    import copy

    import nbformat
    from test_build import toy_course
    from toycourse import NAME

    monkeypatch.delenv("CURRICULUM_DB_URL", raising=False)
    monkeypatch.delenv("CURRICULUM_JURISDICTION", raising=False)
    course = toy_course(tmp_path / "course")
    assert NAME == "99-toy"
    path = course.authored_notebook(NAME)
    nb = nbformat.read(path, 4)
    at = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "q1-widget")
    widget, test = nb.cells[at], nb.cells[at + 1]
    for c in (widget, test):
        c.metadata["curriculum"] = {"jurisdiction": ["us"]}
    canada = [copy.deepcopy(widget), copy.deepcopy(test)]
    canada[0].source, canada[1].source = CANADA_WIDGET, CANADA_TEST
    for n, c in enumerate(canada):
        c.metadata["curriculum"] = {"jurisdiction": ["canada", "uk"]}
        c["id"] = f"outside-us-{n}"
    nb.cells[at + 2:at + 2] = canada
    nbformat.write(nb, path)
    return course


def test_every_version_is_checked_and_each_sees_only_its_cells(split_course):
    from toycourse import NAME

    assert split_course.check_source(NAME) == []
    us = split_course.source_notebook(NAME, "us").read_text()
    canada = split_course.source_notebook(NAME, "canada").read_text()
    assert "Which is PHI?" in us and "PHIPA" not in us
    assert "PHIPA" in canada and "Which is PHI?" not in canada


def test_a_version_with_other_points_is_reported(split_course):
    import nbformat
    from toycourse import NAME

    path = split_course.authored_notebook(NAME)
    nb = nbformat.read(path, 4)
    canada_test = next(c for c in nb.cells if c.source == CANADA_TEST)
    canada_test.metadata["nbgrader"]["points"] = 2
    canada_test.source = CANADA_TEST.replace("points=1", "points=2")
    nbformat.write(nb, path)
    problems = split_course.check_source(NAME)
    assert any(p.startswith("canada version: graded items") and "same items with the same points" in p
               for p in problems), problems


def test_build_for_canada_into_another_folder_validates_and_leaves_release_alone(split_course, tmp_path, capsys):
    import nbformat
    from toycourse import NAME

    from curriculum.staff.cli import main

    out = tmp_path / "canada-release"
    assert main(["--course", str(split_course.root), "build", "--jurisdiction", "canada", "--release-dir",
                 str(out)]) == 0, capsys.readouterr().err
    text = capsys.readouterr().out
    assert "building the Canada release" in text and "validated" in text
    student = nbformat.read(out / NAME / f"{NAME}.ipynb", 4)
    shown = "\n".join(c.source for c in student.cells)
    assert "PHIPA" in shown and "Which is PHI?" not in shown and 'correct="a"' not in shown
    assert not (split_course.root / "release").exists()
    assert not (split_course.root / "gradebook.db").exists()  # a scratch gradebook was used
    assert main(["--course", str(split_course.root), "build", "--jurisdiction", "uk"]) == 2
    assert "give --release-dir DIR for a United Kingdom release" in capsys.readouterr().err


def test_the_demo_grades_the_canadian_version(split_course, tmp_path, capsys):
    from toycourse import NAME

    from curriculum.staff.demo import run_demo

    assert run_demo(split_course, tmp_path / "demo", [NAME], jurisdiction="canada") == 0
    out = capsys.readouterr().out
    assert "demo course: Canada version" in out and "NO" not in out.split("match")[-1]
    released = (tmp_path / "demo" / "release" / NAME / f"{NAME}.ipynb").read_text()
    assert "PHIPA" in released and "Which is PHI?" not in released


# -- the course's own versions ------------------------------------------------------------------------
#: Words of one country's law or regulators that must not appear in another country's version.
FOREIGN = {
    "us": ("PHIPA", "UK GDPR", "CPSO"),
    "canada": ("HIPAA", "OCR", "FTC", "AMA", "UK GDPR", "GMC", "ICO"),
    "uk": ("HIPAA", "OCR", "FTC", "AMA", "PHIPA", "CPSO", "CMPA"),
}


def shown_text(path) -> str:
    """What a student reads in a version: its cells, and the cases its cells show (with their notes
    where a cell asks for them)."""
    import re

    import nbformat

    from curriculum.cases import CaseBank

    bank = CaseBank.load(use_env=False)
    parts = []
    for cell in nbformat.read(path, 4).cells:
        parts.append(cell.source)
        for case_id in re.findall(r"\b[A-Z]{2,6}-\d{3}\b", cell.source):
            case = bank.cases.get(case_id) or bank.assessment.get(case_id)
            if case is None:
                continue
            parts += [case.title, case.text]
            if "show_notes=True" in cell.source and hasattr(case, "teaching_points"):
                parts += [*case.teaching_points, case.better_alternative]
    return "\n".join(parts)


@pytest.mark.parametrize("jurisdiction", sorted(FOREIGN))
def test_each_version_of_every_module_names_no_other_countrys_law(jurisdiction):
    import re
    from pathlib import Path

    from curriculum.staff.course import Course

    course = Course(Path(__file__).resolve().parents[2])
    found = {}
    for assignment in course.assignments():
        text = shown_text(course.source_notebook(assignment, jurisdiction))
        words = [w for w in FOREIGN[jurisdiction] if re.search(rf"\b{w}\b", text)]
        if words:
            found[assignment] = words
    assert found == {}, f"the {jurisdiction} version names another country's law: {found}"
