"""The case bank: schema, loader, instructors' files, filters, sampling, rendering, bank checks."""

from __future__ import annotations

import json
import warnings

import pytest
import yaml

from curriculum import cases
from curriculum.case_schema import Case
from curriculum.cases import CaseBank, CaseBankWarning, CaseFileError, read_case_file
from curriculum.staff.cli import main

TEXT = "Mrs. Dana Whitlock, 93, was in Room 14 today after her fall."


def case_dict(case_id="LOCAL-001", **changes):
    data = {
        "id": case_id, "title": "A local test case", "platform": "microblog", "author_role": "nurse",
        "kind": "post", "text": TEXT, "domains": ["patient privacy"], "severity": 3, "verdict": "never",
        "identifiers": [{"text": "Dana Whitlock", "start": 5, "end": 18, "category": "A"},
                        {"text": "93", "start": 20, "end": 22, "category": "C"}],
        "guidelines": ["HIPAA-SAFE-HARBOR"], "teaching_points": ["Names and ages over 89 identify."],
        "better_alternative": "Post nothing about this patient.", "names": ["Dana Whitlock"],
    }
    data.update(changes)
    return data


def write(path, *items, key="cases"):
    path.write_text(yaml.safe_dump({key: list(items)}, sort_keys=False))
    return path


def test_a_valid_file_loads(tmp_path):
    loaded = read_case_file(write(tmp_path / "ours.yaml", case_dict()))
    assert [c.id for c in loaded] == ["LOCAL-001"] and isinstance(loaded[0], Case)
    (tmp_path / "ours.json").write_text(json.dumps({"cases": [case_dict("LOCAL-002")]}))
    assert read_case_file(tmp_path / "ours.json")[0].id == "LOCAL-002"


@pytest.mark.parametrize("changes, field, message", [
    ({"identifiers": [{"text": "Dana Whitlock", "start": 4, "end": 17, "category": "A"}]}, "-", "does not match the text"),
    ({"identifiers": [{"text": "93", "start": 20, "end": 22, "category": "Z"}]}, "identifiers.0.category", "category letter"),
    ({"platform": "FaceSpace"}, "platform", "Input should be"),
    ({"severity": 9}, "severity", "Input should be"),
    ({"guidelines": ["AMA-9.9.9"]}, "guidelines", "unknown guideline id 'AMA-9.9.9'"),
    ({"id": "bad id"}, "id", "String should match pattern"),
    ({"teaching_points": []}, "teaching_points", "at least 1 item"),
    ({"colour": "red"}, "colour", "Extra inputs are not permitted"),
    ({"domains": ["positive/advocacy use"], "severity": 2}, "-", "severity 0"),
])
def test_errors_name_file_case_and_field(tmp_path, changes, field, message):
    path = write(tmp_path / "bad.yaml", case_dict(**changes))
    with pytest.raises(CaseFileError) as info:
        read_case_file(path)
    text = str(info.value)
    assert "bad.yaml" in text and message in text
    case_id = changes.get("id", "LOCAL-001")
    assert any(cid == case_id and (field == "-" or fld.startswith(field)) for cid, fld, _ in info.value.errors), text


def test_broken_yaml_and_wrong_shape(tmp_path):
    (tmp_path / "broken.yaml").write_text("cases: [ {id: X")
    with pytest.raises(CaseFileError, match="not valid YAML"):
        read_case_file(tmp_path / "broken.yaml")
    (tmp_path / "list.yaml").write_text("- just a list\n")
    with pytest.raises(CaseFileError, match="'cases' list"):
        read_case_file(tmp_path / "list.yaml")
    dup = write(tmp_path / "dup.yaml", case_dict(), case_dict())
    with pytest.raises(CaseFileError, match="used 2 times"):
        read_case_file(dup)


def test_instructor_files_from_the_environment_and_bad_ones_are_skipped(tmp_path, monkeypatch):
    builtin = CaseBank.load(use_env=False)
    folder = tmp_path / "ours"
    folder.mkdir()
    write(folder / "good.yaml", case_dict("LOCAL-001"), case_dict("LOCAL-002"))
    write(folder / "bad.yaml", case_dict("LOCAL-003", severity=12))
    monkeypatch.setenv(cases.ENV_VAR, str(folder))
    with pytest.warns(CaseBankWarning, match=r"(?s)bad.yaml.*LOCAL-003, field severity"):
        df = cases.load()
    assert {"LOCAL-001", "LOCAL-002"} <= set(df.index) and "LOCAL-003" not in df.index
    assert len(df) == len(builtin.cases) + 2  # the built-in cases still load
    assert df.loc["LOCAL-001", "origin"].endswith("good.yaml")
    with pytest.warns(CaseBankWarning):
        assert cases.get("LOCAL-002").title == "A local test case"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # hidden tests look up case texts: never a warning on stderr
        assert cases.text("LOCAL-002") == TEXT


def test_missing_path_and_id_clash_are_reported(tmp_path, monkeypatch):
    monkeypatch.setenv(cases.ENV_VAR, str(tmp_path / "nowhere"))
    bank = CaseBank.load()
    assert "no such file or folder" in str(bank.problems[0])
    builtin_id = sorted(CaseBank.load(use_env=False).cases)[0]
    write(tmp_path / "clash.yaml", case_dict(builtin_id), case_dict("LOCAL-001"))
    bank = CaseBank.load([tmp_path / "clash.yaml"], use_env=False)
    assert f"case {builtin_id}, field id: already defined in built-in" in str(bank.problems[0])
    assert bank.origin[builtin_id].startswith("built-in") and "LOCAL-001" in bank.cases


def test_lookup_filter_sample_and_frame(tmp_path):
    write(tmp_path / "x.yaml",
          case_dict("LOCAL-001"),
          case_dict("LOCAL-002", platform="podcast", severity=1, verdict="revise"),
          case_dict("LOCAL-003", domains=["positive/advocacy use"], severity=0, verdict="fine", identifiers=[]))
    bank = CaseBank.load([tmp_path / "x.yaml"], builtin=False, use_env=False)
    assert bank.get("LOCAL-002").platform.value == "podcast"
    with pytest.raises(ValueError, match="did you mean LOCAL-001"):
        bank.get("LOCAL-01")
    assert [c.id for c in bank.select(min_severity=2)] == ["LOCAL-001"]
    assert [c.id for c in bank.select(platform="podcast")] == ["LOCAL-002"]
    assert [c.id for c in bank.select(good_practice=True)] == ["LOCAL-003"]
    assert [c.id for c in bank.select(domain=["patient privacy"], verdict="revise")] == ["LOCAL-002"]
    with pytest.raises(ValueError, match="unknown platform 'FaceSpace'; choose from"):
        bank.select(platform="FaceSpace")
    assert bank.sample(2, seed=7) == bank.sample(2, seed=7)
    with pytest.raises(ValueError, match="cannot sample 5"):
        bank.sample(5)
    df = bank.frame()
    assert list(df.index) == ["LOCAL-001", "LOCAL-002", "LOCAL-003"]
    assert df.loc["LOCAL-001", "severity"] == 3 and df.loc["LOCAL-003", "good_practice"]


def test_render_is_accessible_and_marks_identifiers_in_words(tmp_path):
    case = Case.model_validate(case_dict(text=TEXT + " <b>bold</b>"))
    card = cases.render(case, show_identifiers=True, show_notes=True)
    assert "role='article'" in card and "aria-label='Post LOCAL-001: A local test case'" in card
    assert "<mark" in card and "[A]" in card and "[C]" in card  # a label, not colour alone
    assert "&lt;b&gt;bold" in card and "<b>bold" not in card  # post text is escaped
    assert "Never post" in card and "http" not in card  # no external assets
    plain = cases.render(case, show_title=False)
    assert "<mark" not in plain and "A local test case" not in plain  # a title may hint at the verdict


def test_cli_cases_check_and_list(tmp_path, capsys):
    write(tmp_path / "bad.yaml", case_dict("LOCAL-009", verdict="maybe"))
    assert main(["cases", "check", str(tmp_path / "bad.yaml")]) == 1
    assert "LOCAL-009, field verdict" in capsys.readouterr().err
    assert main(["cases", "list", "--platform", "FaceSpace"]) == 2
    assert main(["cases", "list", "--min-severity", "4"]) == 0


def test_instructor_names_are_theirs(tmp_path):
    write(tmp_path / "ours.yaml", case_dict("LOCAL-001", names=["Dana Whitlock"]))
    bank = CaseBank.load([tmp_path / "ours.yaml"], builtin=False, use_env=False)
    problems = cases.check_bank(bank, minimum=1, per_main_domain=0, good_practice=0, platforms=1)
    assert problems == []


@pytest.mark.parametrize("text, problem", [
    ("Saw a great #medtok trend today.", "names a real platform ('#medtok')"),
    ("Posting this on Instagram later.", "names a real platform ('Instagram')"),
    ("Our new tea from Teami arrived.", "real person or company"),
])
def test_bank_check_catches_real_platforms_and_names(tmp_path, text, problem):
    write(tmp_path / "ours.yaml", case_dict("LOCAL-001", text=text, identifiers=[], names=[]))
    bank = CaseBank.load([tmp_path / "ours.yaml"], builtin=False, use_env=False)
    assert cases.check_bank(bank, minimum=1, per_main_domain=0, good_practice=0, platforms=1) == []  # theirs
    bank.origin["LOCAL-001"] = "built-in (as if shipped with the package)"
    problems = cases.check_bank(bank, minimum=1, per_main_domain=0, good_practice=0, platforms=1)
    assert any(problem in p for p in problems), problems


def test_no_warning_when_all_is_well(monkeypatch):
    monkeypatch.delenv(cases.ENV_VAR, raising=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cases.load()


def test_the_built_in_bank_passes_every_check():
    bank = CaseBank.load(use_env=False)
    assert cases.check_bank(bank) == []  # >= 60 cases, >= 15 per main domain, >= 10 good practice, ...
    assert len({c.author_role for c in bank.cases.values()}) == 6
    names = cases.invented_names()
    used = {n for c in [*bank.cases.values(), *bank.assessment.values()] for n in c.names}
    assert used == names, f"stale or missing invented names: {sorted(used ^ names)}"


def test_every_built_in_case_renders():
    bank = CaseBank.load(use_env=False)
    for case in [*bank.cases.values(), *bank.assessment.values()]:
        card = cases.render(case, show_identifiers=True, show_notes=True)
        assert case.id in card


def test_assessment_cases_carry_no_key():
    bank = CaseBank.load(use_env=False)
    teaching_texts = [c.text for c in bank.cases.values()]
    for case in bank.assessment.values():
        assert not hasattr(case, "verdict") and not hasattr(case, "teaching_points")
        assert not any(case.text in t or t in case.text for t in teaching_texts), case.id
        card = cases.render(case, show_identifiers=True, show_notes=True)
        assert "<mark" not in card and "Verdict" not in card


def test_known_real_brands_fail_the_bank_check_and_the_build(tmp_path):
    """Invented brands once matched real companies' (issue 13): a list of them fails the checks."""
    assert cases.real_brand("thx @SnoozeShade") == "SnoozeShade" and cases.real_brand("a clear path") is None
    bank = CaseBank.load(use_env=False)
    first = next(c for c in bank.cases.values() if bank.origin[c.id].startswith("built-in"))
    bank.cases[first.id] = first.model_copy(update={"text": first.text + " Try BrightLoop glasses."})
    assert any("names a real brand ('BrightLoop')" in p for p in cases.check_bank(bank))


def test_a_lesson_naming_a_real_brand_fails_the_source_check(tmp_path):
    import nbformat
    from toycourse import NAME, make_course

    from curriculum.staff.course import Course

    course = Course(make_course(tmp_path / "course"))
    assert course.check_source(NAME) == []
    path = course.authored_notebook(NAME)
    nb = nbformat.read(path, 4)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("A post thanks @coremotion for the free session."))
    nbformat.write(nb, path)
    assert course.check_source(NAME) == [f"{NAME}.ipynb: names the real brand 'CoreMotion'; use an invented one"]


def test_select_by_jurisdiction_gives_that_countrys_cases_and_those_for_any():
    canada = cases.select(jurisdiction="canada")
    assert len(canada) and set(canada["jurisdiction"]) == {"any", "canada"}
    assert "canada" in set(canada["jurisdiction"])
    uk = cases.select(jurisdiction="uk", domain="patient privacy")
    assert set(uk["jurisdiction"]) <= {"any", "uk"} and "uk" in set(uk["jurisdiction"])
    every = cases.select()
    assert len(every) == len(cases.select(jurisdiction=["us", "canada", "uk"]))
    with pytest.raises(ValueError, match="unknown jurisdiction 'france'"):
        cases.select(jurisdiction="france")
