"""Per-student variants: the same student always sees the same layout, grading recomputes it from the
id of the student who submitted, and the widgets, the key and the answer file agree on it."""

from __future__ import annotations

import copy
import getpass
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from itertools import combinations
from pathlib import Path

import pytest

from curriculum import Quiz, identity, keys, variants
from curriculum.answers import AnswerRecord, AnswerSet, AnswerStore, parse_answer_file
from curriculum.grading import STAFF_NOTE, Grader
from curriculum.quiz import Pending
from curriculum.setupcell import course_settings, with_settings
from curriculum.variants import (
    Layout,
    Settings,
    check_mode,
    check_student_id,
    layout,
    layout_for_call,
    layout_for_key,
    listed,
    settings_call,
    shown_arguments,
    shown_key,
)

REPO = Path(__file__).resolve().parents[2]
COURSE = "c/1"
ORDER = Settings("order", COURSE)
STUDENTS = [f"s{i:02d}" for i in range(30)]
OPTIONS4 = {"a": "A weather report", "b": "A named patient's diagnosis", "c": "A textbook fact",
            "d": "The hospital's street address"}
EXPLAIN4 = {k: f"Why {k}: {text}." for k, text in OPTIONS4.items()}
OPTS = list(OPTIONS4)  # a Grader call names every option when explain= does not
NOW = datetime.now(timezone.utc).isoformat()


def single(student: str, settings: Settings = ORDER, item: str = "q1", notebook: str = "nb") -> Layout:
    return layout("single", item, settings, notebook, student, options=list(OPTIONS4))


def answers(notebook: str, item: str, kind: str, value, variant: str | None) -> AnswerSet:
    return AnswerSet(notebook, answers={item: AnswerRecord(kind, value, NOW, variant)})


def printed_lines(capsys) -> list[str]:
    out = capsys.readouterr()
    assert out.err == ""  # stderr in a test cell zeroes it
    return out.out.splitlines()


@pytest.fixture(autouse=True)
def own_configuration(monkeypatch):
    """The settings each Quiz here registers for Graders in this process stay in this module's tests."""
    monkeypatch.setattr(variants, "_CONFIGURED", {})


@pytest.fixture
def nobody(monkeypatch, tmp_path):
    """No student id anywhere in the environment (and no nbgrader exchange)."""
    for name in (identity.GRADING_ENV, "JUPYTERHUB_USER", identity.ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(identity, "EXCHANGE_ROOT", tmp_path / "no-exchange")


# -- 1. determinism and spread ------------------------------------------------------------------

_SCRIPT = """
import json, sys
from curriculum.variants import Settings, layout
s = Settings("cases", "c/1", {"t1": [["p2", "x1", "x2"]]})
out = []
for student in sys.argv[1:]:
    a = layout("single", "q1", s, "nb", student, options=["d", "b", "a", "c"])
    b = layout("triage", "t1", s, "nb", student, keys=["p3", "p1", "p2", "p4"])
    out.append([a.fingerprint, a.letters, b.fingerprint, b.cases, b.order])
print(json.dumps(out))
"""


def test_the_same_student_gets_the_same_layout_in_a_fresh_process():
    students = ["jsmith", "s01-complete", "a.b_c"]
    s = Settings("cases", COURSE, {"t1": [["p2", "x1", "x2"]]})
    here = []
    for student in students:
        a = layout("single", "q1", s, "nb", student, options=list(OPTIONS4))  # another input order, same layout
        b = layout("triage", "t1", s, "nb", student, keys=["p1", "p2", "p3", "p4"])
        here.append([a.fingerprint, [list(p) for p in a.letters], b.fingerprint, [list(p) for p in b.cases],
                     list(b.order)])
    for seed in ("1", "4242"):  # hash randomisation must not matter
        run = subprocess.run([sys.executable, "-c", _SCRIPT, *students], capture_output=True, text=True, cwd=REPO,
                             env={**os.environ, "PYTHONHASHSEED": seed}, timeout=60, check=True)
        assert json.loads(run.stdout) == here


def test_students_get_different_permutations_of_the_options():
    seen = set()
    for student in STUDENTS:
        view = single(student)
        assert view.varied and view.item == "q1"
        assert [letter for letter, _ in view.letters] == ["a", "b", "c", "d"]  # lettered in the order shown
        assert sorted(key for _, key in view.letters) == sorted(OPTIONS4)  # a permutation of the options
        assert view.authored_letter() == dict(view.letters)
        assert {view.shown_letter()[k] for k in OPTIONS4} == set("abcd")
        seen.add(view.letters)
        assert single(student) == view  # a pure function
    assert len(seen) >= 8  # of 24 orders, 30 students see many


def test_layout_depends_on_course_notebook_item_and_student():
    base = [single(s) for s in STUDENTS]
    assert any(v.letters != single(s, settings=Settings("order", "c/2")).letters for v, s in zip(base, STUDENTS))
    assert any(v.letters != single(s, notebook="nb2").letters for v, s in zip(base, STUDENTS))
    assert any(v.letters != single(s, item="q2").letters for v, s in zip(base, STUDENTS))
    assert len({v.fingerprint for v in base}) > 1


def test_triage_and_ranking_orders_are_permutations_and_vary():
    for kind in ("triage", "ranking"):
        seen = set()
        for student in STUDENTS:
            view = layout(kind, "t", ORDER, "nb", student, keys=["p1", "p2", "p3"])
            assert sorted(view.order) == ["p1", "p2", "p3"] and not view.letters and not view.cases
            seen.add(view.order)
        assert len(seen) > 1


def test_disclosures_and_order_mode_identifiers_do_not_vary():
    assert not layout("disclosure", "d", ORDER, "nb", "jsmith").varied
    assert not layout("identifiers", "i", ORDER, "nb", "jsmith", keys=["ASMT-001"]).varied
    assert not layout_for_call("disclosure", {"item": "d", "parts": {}}, ORDER, "nb", "jsmith").varied


# -- 2. off, and no student -----------------------------------------------------------------------

@pytest.mark.parametrize("settings,student", [(Settings(), "jsmith"), (ORDER, None), (ORDER, "")])
def test_off_or_no_student_is_the_item_as_authored(settings, student):
    view = single(student, settings=settings)
    assert view == Layout("q1") and not view.varied and view.label() == ""
    call = {"item": "q1", "prompt": "P", "options": dict(OPTIONS4), "case": None}
    assert shown_arguments("single_choice", call, view) == call
    key = {"correct": "b", "explain": dict(EXPLAIN4), "options": None, "pools": None}
    assert shown_key("single_choice", key, view) == {"correct": "b", "explain": EXPLAIN4, "options": None}
    triage = {"key": {"p1": ("fine", "ok")}, "explain": None, "pools": None}
    assert shown_key("triage", triage, layout("triage", "t", settings, "nb", student, keys=["p1"])) == {
        "key": {"p1": ("fine", "ok")}, "explain": None}


def test_off_settings_call_is_empty_and_quiz_off_shows_items_at_once(tmp_path, nobody):
    assert settings_call(Settings()) == ""
    quiz = Quiz("nb-off", tmp_path)
    assert quiz.id_box is None and not quiz.settings.on
    ex = quiz.single_choice("q1", "Which is PHI?", OPTIONS4)
    assert not isinstance(ex, Pending) and ex.options == OPTIONS4 and ex.variant is None
    ex.radio.value = "b"
    assert json.loads(quiz.store.path.read_text())["answers"]["q1"] == {
        "kind": "single", "value": "b", "saved_at": json.loads(quiz.store.path.read_text())["answers"]["q1"]["saved_at"]}


# -- 3. relettered choices round trip -----------------------------------------------------------

def test_answering_the_correct_text_scores_full_marks_for_every_student(tmp_path, capsys):
    for student in STUDENTS:
        view = single(student)
        letter = view.shown_letter()["c"]  # the letter the student saw beside the authored correct option
        shown = shown_arguments("single_choice", {"item": "q1", "options": OPTIONS4}, view)["options"]
        assert shown[letter] == OPTIONS4["c"]
        g = Grader("nb", tmp_path, answers=answers("nb", "q1", "single", letter, view.fingerprint), student=student,
                   settings=ORDER)
        assert g.single_choice("q1", correct="c", points=2, explain=EXPLAIN4) == 2
        lines = printed_lines(capsys)
        assert lines[0] == "q1: 2 of 2 point(s)"
        assert f"Correct: you chose {letter}. {EXPLAIN4['c']}" in lines  # the explanation follows its option
        assert not any(line.startswith(STAFF_NOTE) for line in lines)


def test_a_wrong_answer_names_the_letters_the_student_saw(tmp_path, capsys):
    for student in STUDENTS:
        view = single(student)
        wrong = view.shown_letter()["a"]
        right = view.shown_letter()["c"]
        g = Grader("nb", tmp_path, answers=answers("nb", "q1", "single", wrong, view.fingerprint), student=student,
                   settings=ORDER)
        assert g.single_choice("q1", correct="c", points=1, explain=EXPLAIN4) == 0
        lines = printed_lines(capsys)
        assert f"Not correct: you chose {wrong}. {EXPLAIN4['a']}" in lines
        assert f"The best answer is {right}. {EXPLAIN4['c']}" in lines


def test_multiple_choice_round_trip(tmp_path, capsys):
    for student in STUDENTS[:10]:
        view = layout("multiple", "q2", ORDER, "nb", student, options=list(OPTIONS4))
        picked = sorted(view.shown_letter()[k] for k in ("a", "c"))
        g = Grader("nb", tmp_path, answers=answers("nb", "q2", "multiple", picked, view.fingerprint),
                   student=student, settings=ORDER)
        assert g.multiple_choice("q2", correct=["a", "c"], points=2, options=list(OPTIONS4)) == 2
        printed_lines(capsys)


def test_key_options_from_explain_and_correct():
    assert variants.key_options({"correct": "b", "explain": {"a": "x", "c": "y"}}) == ["a", "b", "c"]
    assert variants.key_options({"correct": ["d"], "explain": None, "options": ["b", "a"]}) == ["b", "a"]
    key = {"correct": "c", "explain": EXPLAIN4, "options": None}
    for student in STUDENTS[:5]:
        assert layout_for_key("single_choice", "q1", key, ORDER, "nb", student) == single(student)


# -- 4. answers made for another student's variant ----------------------------------------------

def _two_students_with_different_layouts():
    for a, b in combinations(STUDENTS, 2):
        va, vb = single(a), single(b)
        if va.letters != vb.letters and vb.authored_letter()[va.shown_letter()["c"]] != "c":
            return (a, va), (b, vb)
    raise AssertionError("no two students with different layouts")


def test_an_answer_graded_as_another_student_scores_in_their_layout_with_a_staff_note(tmp_path, capsys):
    (a, va), (b, vb) = _two_students_with_different_layouts()
    letter = va.shown_letter()["c"]  # A's right answer
    AnswerStore("nb", tmp_path).save("q1", "single", letter, variant=va.fingerprint)
    as_b = vb.authored_letter()[letter]  # what B's layout makes of that letter
    expected = 1 if as_b == "c" else 0
    assert Grader("nb", tmp_path, student=b, settings=ORDER).single_choice("q1", correct="c", points=1, options=OPTS) == expected
    lines = printed_lines(capsys)
    notes = [line for line in lines if line.startswith(STAFF_NOTE)]
    assert len(notes) == 1 and va.fingerprint in notes[0] and vb.fingerprint in notes[0] and b in notes[0]
    assert f"you chose {letter}" in "\n".join(lines)

    assert Grader("nb", tmp_path, student=a, settings=ORDER).single_choice("q1", correct="c", points=1, options=OPTS) == 1
    assert not any(line.startswith(STAFF_NOTE) for line in printed_lines(capsys))


def test_many_swaps_score_as_computed_by_hand(tmp_path, capsys):
    for a, b in list(combinations(STUDENTS[:8], 2)):
        va, vb = single(a), single(b)
        letter = va.shown_letter()["b"]
        g = Grader("nb", tmp_path, answers=answers("nb", "q1", "single", letter, va.fingerprint), student=b,
                   settings=ORDER)
        assert g.single_choice("q1", correct="b", points=1, options=OPTS) == (vb.authored_letter()[letter] == "b")
        has_note = any(line.startswith(STAFF_NOTE) for line in printed_lines(capsys))
        assert has_note == (va.fingerprint != vb.fingerprint)


def test_the_grading_student_comes_from_grading_not_the_answer_file(tmp_path, capsys, monkeypatch, nobody):
    (a, va), (b, vb) = _two_students_with_different_layouts()
    store = AnswerStore("nb", tmp_path)
    store.save_student(a)  # the submission says it is A's
    store.save("q1", "single", va.shown_letter()["c"], variant=va.fingerprint)
    monkeypatch.setenv(identity.GRADING_ENV, b)
    g = Grader("nb", tmp_path, settings=ORDER)
    assert g.student == b
    g.single_choice("q1", correct="c", points=1, options=OPTS)
    assert any(line.startswith(STAFF_NOTE) for line in printed_lines(capsys))


def test_a_grader_in_the_quiz_kernel_varies_by_the_quiz_settings(tmp_path, capsys, monkeypatch, nobody):
    monkeypatch.setenv(identity.ENV, "jsmith")
    quiz = Quiz("nb-kernel", tmp_path, variants="order", course=COURSE)
    ex = quiz.single_choice("q1", "Which is PHI?", OPTIONS4)
    ex.radio.value = next(k for k, text in ex.options.items() if text == OPTIONS4["b"])
    assert Grader("nb-kernel", tmp_path).single_choice("q1", correct="b", points=1, options=list(OPTIONS4)) == 1
    assert not any(line.startswith(STAFF_NOTE) for line in printed_lines(capsys))


# -- 5. pools ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def course_keys():
    """{assignment: (notebook path, settings, keys, widget arguments)} of the real course."""
    from curriculum.staff.course import Course

    course = Course(REPO)
    found = {}
    for assignment in course.assignments():
        path = course.source_notebook(assignment)
        found[assignment] = (path, keys.notebook_settings(path), keys.read_keys(path), keys.widget_arguments(path))
    return found


def _pooled(course_keys, assignment, kind):
    path, settings, found, _widgets = course_keys[assignment]
    key = next(k for k in found if k.pools and k.kind == kind)
    return path.stem, settings, key


IDS = [f"s{i:02d}" for i in range(40)]


def test_real_pooled_modules_vary_by_cases(course_keys):
    for assignment in ("01-patient-privacy", "06-beyond-the-public-feed"):
        _path, settings, found, _w = course_keys[assignment]
        assert settings.mode == "cases" and settings.course.startswith(variants.COURSE_ID + "/")
        assert {k.item: tuple(map(tuple, k.pools)) for k in found if k.pools} == dict(settings.pools)


@pytest.mark.parametrize("assignment,kind", [("01-patient-privacy", "triage"), ("01-patient-privacy", "identifiers"),
                                             ("06-beyond-the-public-feed", "ranking"),
                                             ("06-beyond-the-public-feed", "triage")])
def test_every_pool_member_is_shown_to_someone(course_keys, assignment, kind):
    notebook, settings, key = _pooled(course_keys, assignment, kind)
    shown = {pool[0]: set() for pool in key.pools}
    for student in IDS:
        view = key.layout(settings, notebook, student)
        assert [listed_ for listed_, _ in view.cases] == [p[0] for p in key.pools]
        for listed_case, case in view.cases:
            shown[listed_case].add(case)
        assert view.label() == " + ".join(case for _, case in view.cases)
    assert shown == {pool[0]: set(pool) for pool in key.pools}


def test_a_triage_key_keeps_the_members_shown(course_keys):
    notebook, settings, key = _pooled(course_keys, "01-patient-privacy", "triage")
    members = {c for pool in key.pools for c in pool}
    listed_posts = listed(key.pools, list(key.args["key"]))
    assert set(listed_posts) == set(key.args["key"]) - {c for p in key.pools for c in p[1:]}
    for student in IDS:
        view = key.layout(settings, notebook, student)
        chosen = dict(view.cases)
        graded = key.for_student(settings, notebook, student).args
        expected = [chosen.get(p, p) for p in listed_posts]
        assert sorted(graded["key"]) == sorted(expected) == sorted(view.order)
        assert all(graded["key"][p] == key.args["key"][p] for p in expected)
        assert not (members - set(chosen.values())) & set(graded["key"])  # no key for the members not shown
        assert "pools" not in graded


def test_a_ranking_key_substitutes_the_member_shown(course_keys):
    notebook, settings, key = _pooled(course_keys, "06-beyond-the-public-feed", "ranking")
    for student in IDS[:15]:
        chosen = dict(key.layout(settings, notebook, student).cases)
        graded = key.for_student(settings, notebook, student).args
        assert graded["order"] == [chosen.get(k, k) for k in key.args["order"]]


def test_a_spot_key_picks_the_member_identifiers_and_explanation(course_keys):
    notebook, settings, key = _pooled(course_keys, "01-patient-privacy", "identifiers")
    for student in IDS[:15]:
        view = key.layout(settings, notebook, student)
        (listed_case, case), = view.cases
        assert listed_case == key.args["case"] and not view.order
        graded = key.for_student(settings, notebook, student)
        assert graded.args["case"] == case
        assert graded.args["identifiers"] == key.args["identifiers"][case]
        assert graded.args["explain"] == key.args["explain"][case]
        assert graded.spans()  # the member's identifiers are found in the member's own text


def test_order_mode_ignores_pools(course_keys):
    for assignment, kind in (("01-patient-privacy", "triage"), ("01-patient-privacy", "identifiers"),
                             ("06-beyond-the-public-feed", "ranking")):
        notebook, settings, key = _pooled(course_keys, assignment, kind)
        order = Settings("order", settings.course, settings.pools)
        firsts = {p[0] for p in key.pools}
        others = {c for p in key.pools for c in p[1:]}
        for student in IDS[:10]:
            view = key.layout(order, notebook, student)
            assert not view.cases
            graded = key.for_student(order, notebook, student).args
            if kind == "triage":
                assert firsts <= set(graded["key"]) and not others & set(graded["key"])
                assert set(view.order) == set(graded["key"])
            elif kind == "ranking":
                assert graded["order"] == key.args["order"] and sorted(view.order) == sorted(key.args["order"])
            else:
                assert graded["case"] == key.args["case"]
                assert graded["identifiers"] == key.args["identifiers"][key.args["case"]]


def test_members_gives_one_key_per_member(course_keys):
    for assignment in ("01-patient-privacy", "06-beyond-the-public-feed"):
        _path, _settings, found, _w = course_keys[assignment]
        for key in found:
            members = key.members()
            assert len(members) == 1 + sum(len(p) - 1 for p in key.pools)
            if not key.pools:
                assert members[0].args == {k: v for k, v in key.args.items() if k != "pools"}
                continue
            swaps = [{}] + [{pool[0]: member} for pool in key.pools for member in pool[1:]]
            expected = [[swap.get(c, c) for c in _listed_cases(key)] for swap in swaps]
            if key.kind == "triage":
                expected = [sorted(cases) for cases in expected]
            assert [_shown_cases(m, key) for m in members] == expected
            assert all("pools" not in m.args for m in members)


def _listed_cases(key) -> list[str]:
    if key.kind == "triage":
        return listed(key.pools, list(key.args["key"]))
    return list(key.args["order"]) if key.kind == "ranking" else [key.args["case"]]


def _shown_cases(member, key) -> list[str]:
    """The cases a member's key grades (a triage key's in sorted order: its posts have no order)."""
    if member.kind == "triage":
        return sorted(member.args["key"])
    return list(member.args["order"]) if member.kind == "ranking" else [member.args["case"]]


def test_widget_and_key_compute_the_same_layout_for_every_graded_item(course_keys):
    checked = 0
    for assignment, (path, settings, found, widgets) in course_keys.items():
        for key in found:
            method, arguments = widgets[key.item]
            assert method == key.method
            for student in IDS[:20]:
                assert layout_for_call(method, arguments, settings, path.stem, student) == \
                    key.layout(settings, path.stem, student), (assignment, key.item, student)
                checked += 1
    assert checked > 20 * 50


def test_shown_arguments_of_a_pooled_widget_show_the_member(course_keys):
    path, settings, found, widgets = course_keys["01-patient-privacy"]
    key = next(k for k in found if k.pools and k.kind == "triage")
    method, arguments = widgets[key.item]
    for student in IDS[:10]:
        view = layout_for_call(method, arguments, settings, path.stem, student)
        shown = shown_arguments(method, arguments, view)
        assert list(shown["posts"]) == list(view.order)
        assert sorted(shown["posts"]) == sorted(key.for_student(settings, path.stem, student).args["key"])


# -- 6. settings validation -------------------------------------------------------------------------

@pytest.mark.parametrize("mode,course,pools,message", [
    ("shuffle", COURSE, {}, "variants must be one of off, order, cases"),
    (None, COURSE, {}, "variants must be one of"),
    ("order", "", {}, "need the course"),
    ("cases", "", {}, "need the course"),
    ("cases", COURSE, {"q1": "ASMT-001"}, "q1: pools= must be a list of pools"),
    ("cases", COURSE, {"q1": ["ASMT-001", "ASMT-002"]}, "q1: pools= must be a list of pools"),
    ("cases", COURSE, {"q1": [["ASMT-001"]]}, "two or more case ids"),
    ("cases", COURSE, {"q1": [["ASMT-001", ""]]}, "q1: pools="),
    ("cases", COURSE, {"q1": [["ASMT-001", 3]]}, "q1: pools="),
    ("cases", COURSE, {"q1": [["a", "b"], ["c", "b"]]}, "q1: a case is in more than one pool"),
    ("cases", COURSE, {"q1": [["a", "b", "a"]]}, "twice in one"),
])
def test_bad_settings_raise_with_the_problem_named(mode, course, pools, message):
    with pytest.raises(ValueError, match=message):
        Settings(mode, course, pools)


def test_good_settings_and_check_mode():
    s = Settings("cases", COURSE, {"q1": [["a", "b"]], "q2": None})
    assert s.on and s.pools == {"q1": (("a", "b"),), "q2": ()}
    assert not Settings().on and check_mode("order") == "order"
    with pytest.raises(ValueError, match="not 'on'"):
        check_mode("on")
    with pytest.raises(ValueError, match="need the course"):
        Quiz("nb", variants="order")


def test_layout_for_key_refuses_malformed_pools_in_a_key():
    with pytest.raises(ValueError, match="q9: pools="):
        layout_for_key("triage", "q9", {"key": {"a": ("fine", "ok")}, "pools": [["a"]]}, Settings("cases", COURSE),
                       "nb", "jsmith")


# -- 7. student ids and where they come from -----------------------------------------------------

@pytest.mark.parametrize("good", ["jsmith", "s01-complete", "J.Smith_2", "_x", "a" * 128, "7"])
def test_good_student_ids(good):
    assert check_student_id(good) == good
    assert check_student_id(f"  {good}\n") == good


@pytest.mark.parametrize("bad", ["", " ", "../x", "-x", ".x", "a b", "a/b", "a" * 129, "jsmith@uni.edu", "é", None, 5])
def test_bad_student_ids_say_what_an_id_looks_like(bad):
    with pytest.raises(ValueError, match="is not a student id.*letters A-Z"):
        check_student_id(bad)


@pytest.fixture
def everywhere(monkeypatch, tmp_path):
    """A student id in every place identity looks; each test takes some away."""
    exchange = tmp_path / "exchange"
    exchange.mkdir()
    monkeypatch.setattr(identity, "EXCHANGE_ROOT", exchange)
    monkeypatch.setattr(getpass, "getuser", lambda: "login1")
    monkeypatch.setenv(identity.GRADING_ENV, "graded1")
    monkeypatch.setenv("JUPYTERHUB_USER", "hub1")
    monkeypatch.setenv(identity.ENV, "env1")
    return exchange


def test_identity_order(monkeypatch, tmp_path, everywhere):
    assert identity.from_environment() == ("graded1", "grading")
    monkeypatch.delenv(identity.GRADING_ENV)
    assert identity.from_environment() == ("hub1", "JupyterHub")
    monkeypatch.delenv("JUPYTERHUB_USER")
    assert identity.from_environment() == ("login1", "nbgrader's exchange")
    monkeypatch.setattr(identity, "EXCHANGE_ROOT", tmp_path / "missing")
    assert identity.from_environment() == ("env1", identity.ENV)
    monkeypatch.delenv(identity.ENV)
    assert identity.from_environment() is None


def test_invalid_values_are_skipped(monkeypatch, everywhere):
    monkeypatch.setenv(identity.GRADING_ENV, "../x")
    assert identity.from_environment() == ("hub1", "JupyterHub")
    monkeypatch.setenv("JUPYTERHUB_USER", "a b")
    assert identity.from_environment() == ("login1", "nbgrader's exchange")
    monkeypatch.setattr(getpass, "getuser", lambda: "-login")
    assert identity.from_environment() == ("env1", identity.ENV)
    monkeypatch.setenv(identity.ENV, " env2 ")
    assert identity.from_environment() == ("env2", identity.ENV)  # stripped
    monkeypatch.setenv(identity.ENV, "")
    assert identity.from_environment() is None


def test_the_exchange_jovyan_rule(monkeypatch, everywhere):
    monkeypatch.setattr(getpass, "getuser", lambda: "jovyan")
    monkeypatch.setenv("JUPYTERHUB_USER", "hubby")
    assert identity._exchange_user() == "hubby"  # nbgrader submits as the hub user when the login is shared
    monkeypatch.delenv("JUPYTERHUB_USER")
    assert identity._exchange_user() == "jovyan"
    monkeypatch.delenv(identity.GRADING_ENV)
    assert identity.from_environment() == ("jovyan", "nbgrader's exchange")
    monkeypatch.setattr(getpass, "getuser", lambda: "bob")
    monkeypatch.setenv("JUPYTERHUB_USER", "hubby")
    assert identity._exchange_user() == "bob"

    def no_user():
        raise KeyError("uid not found")

    monkeypatch.setattr(getpass, "getuser", no_user)
    monkeypatch.delenv("JUPYTERHUB_USER")
    assert identity._exchange_user() is None
    assert identity.from_environment() == ("env1", identity.ENV)


# -- 8. the answer file ----------------------------------------------------------------------------

def test_a_record_with_its_variant_round_trips():
    record = AnswerRecord("single", "c", NOW, "abc123def456")
    assert record.to_json()["variant"] == "abc123def456"
    assert "variant" not in AnswerRecord("single", "c", NOW).to_json()
    text = json.dumps(AnswerSet("nb", answers={"q1": record}, student="jsmith").to_json())
    back = parse_answer_file(text, "nb")
    assert back.answers == {"q1": record} and back.student == "jsmith" and not back.problems
    assert json.loads(text) == back.to_json()


def test_a_bad_variant_is_a_note_on_its_item():
    data = AnswerSet("nb", answers={"q1": AnswerRecord("single", "c", NOW)}).to_json()
    data["answers"]["q1"]["variant"] = 5
    back = parse_answer_file(json.dumps(data), "nb")
    assert "q1" not in back.answers and "its variant must be text" in " ".join(back.problems_for("q1"))


@pytest.mark.parametrize("bad", ["../x", "a b", "", 5, ["jsmith"]])
def test_a_bad_student_in_the_file_is_a_note_not_an_exception(bad):
    data = AnswerSet("nb", answers={"q1": AnswerRecord("single", "c", NOW)}).to_json()
    data["student"] = bad
    back = parse_answer_file(json.dumps(data), "nb")
    assert back.student is None and "q1" in back.answers
    assert any("student id" in note and "was not used" in note for note in back.problems_for("q1"))


def test_save_student_keeps_the_answers_and_save_keeps_the_student(tmp_path):
    store = AnswerStore("nb", tmp_path)
    store.save("q1", "single", "b", variant="f1")
    store.save_student("jsmith")
    loaded = store.load()
    assert loaded.student == "jsmith" and loaded.answers["q1"].value == "b" and loaded.answers["q1"].variant == "f1"
    store.save("q2", "multiple", ["a"])
    loaded = store.load()
    assert loaded.student == "jsmith" and set(loaded.answers) == {"q1", "q2"} and loaded.answers["q2"].variant is None
    assert json.loads(store.path.read_text())["student"] == "jsmith"


# -- 9. widgets -------------------------------------------------------------------------------------

def _layout_of(student: str, notebook: str = "nbw", item: str = "q1") -> Layout:
    return layout("single", item, ORDER, notebook, student, options=list(OPTIONS4))


def test_graded_items_wait_for_the_student_id_then_show_their_letters(tmp_path, nobody):
    quiz = Quiz("nbw", tmp_path, variants="order", course=COURSE)
    assert quiz.id_box is not None and quiz.student is None
    practice = quiz.single_choice("p1", "Practice", OPTIONS4, correct="b")
    assert not isinstance(practice, Pending) and practice.options == OPTIONS4 and practice.variant is None
    pending = quiz.single_choice("q1", "Which is PHI?", OPTIONS4)
    assert isinstance(pending, Pending) and pending.exercise is None and quiz.items["q1"] is pending
    assert "waiting for your student ID" in pending.box.children[0].value
    with pytest.raises(AttributeError, match="waiting for the student id"):
        pending.radio
    assert not quiz.store.path.exists()

    quiz.id_box.text.value = " alice "
    quiz.id_box.button.click()
    assert quiz.student == "alice" and "Saved: alice" in quiz.id_box.status.value
    assert quiz.id_box.text.disabled and quiz.id_box.button.disabled
    ex = pending.exercise
    view = _layout_of("alice")
    assert ex is not None and pending.box.children == (ex.widget,) and quiz.items["q1"] is ex
    assert list(ex.options) == ["a", "b", "c", "d"]
    assert ex.options == {letter: OPTIONS4[key] for letter, key in view.letters}
    assert ex.variant == view.fingerprint and pending.variant == view.fingerprint  # the Pending stands in for it
    assert practice.options == OPTIONS4  # practice never varies

    letter = view.shown_letter()["b"]
    ex.radio.value = letter
    data = json.loads(quiz.store.path.read_text())
    assert data["student"] == "alice"
    assert data["answers"]["q1"]["value"] == letter and data["answers"]["q1"]["variant"] == view.fingerprint
    assert Grader("nbw", tmp_path, student="alice", settings=ORDER).single_choice(
        "q1", correct="b", points=1, options=list(OPTIONS4)) == 1


def test_a_new_quiz_finds_the_student_in_the_answer_file_and_restores(tmp_path, nobody, monkeypatch):
    first = Quiz("nbw", tmp_path, variants="order", course=COURSE)
    first.set_student("alice")
    view = _layout_of("alice")
    first.single_choice("q1", "Which is PHI?", OPTIONS4).radio.value = view.shown_letter()["d"]

    again = Quiz("nbw", tmp_path, variants="order", course=COURSE)
    assert (again.student, again.student_source) == ("alice", "answer file") and again.id_box is None
    ex = again.single_choice("q1", "Which is PHI?", OPTIONS4)
    assert not isinstance(ex, Pending) and ex.radio.value == view.shown_letter()["d"]
    assert "different version" not in ex.feedback.value

    bob = next(s for s in ("bob", *STUDENTS) if _layout_of(s).fingerprint != view.fingerprint)
    monkeypatch.setenv(identity.ENV, bob)
    theirs = Quiz("nbw", tmp_path, variants="order", course=COURSE)
    assert (theirs.student, theirs.student_source) == (bob, identity.ENV) and theirs.id_box is None
    ex = theirs.single_choice("q1", "Which is PHI?", OPTIONS4)
    assert ex.radio.value is None and ex.variant == _layout_of(bob).fingerprint
    assert "made for a different version" in ex.feedback.value and "role='alert'" in ex.feedback.value
    assert "No answer saved yet" in ex.status.value
    assert json.loads(theirs.store.path.read_text())["answers"]["q1"]["variant"] == view.fingerprint  # untouched


def test_a_bad_id_in_the_box_shows_an_alert_and_keeps_the_box(tmp_path, nobody):
    quiz = Quiz("nbw", tmp_path, variants="order", course=COURSE)
    pending = quiz.single_choice("q1", "Which is PHI?", OPTIONS4)
    for bad in ("a b", "", "../x"):
        quiz.id_box.text.value = bad
        quiz.id_box.button.click()
        assert "role='alert'" in quiz.id_box.status.value and "is not a student id" in quiz.id_box.status.value
        assert not quiz.id_box.text.disabled and not quiz.id_box.button.disabled
        assert quiz.student is None and pending.exercise is None
    assert not quiz.store.path.exists()
    with pytest.raises(ValueError, match="not a student id"):
        quiz.set_student("-x")
    quiz.id_box.text.value = "alice"
    quiz.id_box.button.click()
    assert pending.exercise is not None and "role='status'" in quiz.id_box.status.value


def test_the_environment_id_shows_every_kind_in_the_students_layout(tmp_path, nobody, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "carol")
    quiz = Quiz("nbk", tmp_path, variants="order", course=COURSE)
    assert quiz.id_box is None and (quiz.student, quiz.student_source) == ("carol", "JupyterHub")
    posts = {"p1": "Proud of the team!", "p2": "Bed 4's rare tattoo...", "p3": "Use my code SAVE10"}
    triage = quiz.triage("t1", "Sort", posts, {"ok": "Fine", "id": "Identifies"})
    view = layout_for_call("triage", {"item": "t1", "posts": posts}, quiz.settings, "nbk", "carol")
    assert list(triage.posts) == list(view.order) and triage.posts == posts and triage.variant == view.fingerprint
    items = {"a": "A joke about a named patient", "b": "A selfie in scrubs", "c": "A patient list behind"}
    ranking = quiz.ranking("r1", "Rank", items)
    view = layout_for_call("ranking", {"item": "r1", "items": items}, quiz.settings, "nbk", "carol")
    assert list(ranking.items) == list(view.order) and ranking.items == items
    spot = quiz.spot_identifiers("i1", "Select", text="Ann Lee, 40")
    assert spot.variant is None  # nothing to vary in a spot-the-identifiers item outside a pool
    parts = {"wording": {"ad": "#ad", "none": "Nothing"}}
    assert quiz.disclosure("d1", "Fix", parts).variant is None  # menus stay as authored


def test_a_pooled_case_widget_shows_the_member(tmp_path, nobody, monkeypatch, course_keys):
    path, settings, found, widgets = course_keys["01-patient-privacy"]
    key = next(k for k in found if k.pools and k.kind == "identifiers")
    _method, arguments = widgets[key.item]
    from curriculum import cases

    seen = set()
    for student in IDS[:12]:
        monkeypatch.setenv(identity.ENV, student)
        quiz = Quiz(path.stem, tmp_path, variants="cases", course=settings.course,
                    pools={k: [list(p) for p in v] for k, v in settings.pools.items()})
        ex = quiz.spot_identifiers(key.item, arguments["prompt"], case=arguments["case"])
        case = key.for_student(settings, path.stem, student).args["case"]
        assert ex.text == cases.text(case) and ex.variant == key.layout(settings, path.stem, student).fingerprint
        seen.add(case)
    assert len(seen) > 1


# -- 10. the setup cell ----------------------------------------------------------------------------

def _toy(name: str = "a1") -> dict:
    return {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# Toy"},
        {"cell_type": "code", "metadata": {}, "source": f"# setup\nfrom curriculum import Quiz\nquiz = Quiz({name!r})\n"},
        {"cell_type": "code", "metadata": {"nbgrader": {"grade": True, "grade_id": "t1"}},
         "source": f'Grader("{name}").triage("q1", key={{"p1": ("fine", "ok"), "x1": ("fine", "ok")}}, '
                   'points=1, pools=[["p1", "x1"]])'},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _plan(root: Path, assignment: str = "a1", variants_line: str | None = "variants: order", start="2027-01-11"):
    folder = root / "assignments"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{assignment}.yaml").write_text(f"id: {assignment}\n" + (f"{variants_line}\n" if variants_line else ""))
    if start is not None:
        (folder / "course.yaml").write_text(f"title: T\nstart: {start}\n")


def test_with_settings_writes_the_settings_into_the_setup_cell():
    nb = _toy()
    before = copy.deepcopy(nb)
    s = Settings("order", COURSE)
    out = with_settings(nb, "a1", s)
    assert nb == before  # a copy
    assert out["cells"][1]["source"].endswith("quiz = Quiz('a1', variants=\"order\", course=\"c/1\")\n")
    assert out["cells"][0] == nb["cells"][0] and out["cells"][2] == nb["cells"][2]
    assert keys.quiz_settings(c["source"] for c in out["cells"] if c["cell_type"] == "code") == s
    pooled = Settings("cases", "x/\"q\"", {"q1": [["p1", "x1"]]})
    out = with_settings(nb, "a1", pooled)
    assert "pools=" in out["cells"][1]["source"]
    assert keys.quiz_settings([out["cells"][1]["source"]]) == pooled


def test_with_settings_off_leaves_the_notebook_alone_and_refuses_a_notebook_without_setup_cell():
    nb = _toy()
    assert with_settings(nb, "a1", Settings()) is nb
    assert keys.quiz_settings([nb["cells"][1]["source"]]) == Settings()
    with pytest.raises(ValueError, match="no setup cell"):
        with_settings(nb, "other", ORDER)


def test_quiz_settings_refuses_what_grading_cannot_read():
    from curriculum.errors import KeyReadError

    with pytest.raises(KeyReadError, match="cannot read"):
        keys.quiz_settings(['quiz = Quiz("a1", variants=MODE, course="c/1")'])
    with pytest.raises((KeyReadError, ValueError)):
        keys.quiz_settings(['quiz = Quiz("a1", variants="sideways", course="c/1")'])


@pytest.mark.parametrize("line,mode", [("variants: order", "order"), ("variants: cases", "cases"),
                                       ("variants: off", "off"), ("variants: 'off'", "off"), (None, "order")])
def test_course_settings_read_the_plan(tmp_path, line, mode):
    _plan(tmp_path, variants_line=line)
    s = course_settings(tmp_path, "a1", _toy())
    assert s.mode == mode
    if mode != "off":
        assert s.course == f"{variants.COURSE_ID}/2027-01-11"
    assert dict(s.pools) == ({"q1": (("p1", "x1"),)} if mode == "cases" else {})


@pytest.mark.parametrize("line", ["variants: shuffle", "variants: on", "variants: 3"])
def test_course_settings_refuse_a_bad_mode_naming_the_file(tmp_path, line):
    _plan(tmp_path, variants_line=line)
    with pytest.raises(ValueError, match=r"assignments/a1\.yaml: variants must be one of"):
        course_settings(tmp_path, "a1", _toy())


def test_a_notebook_without_a_plan_is_off(tmp_path):
    _plan(tmp_path, "other")
    for root in (tmp_path, tmp_path / "nowhere"):
        s = course_settings(root, "a1", _toy())
        assert s.mode == "off" and not s.on and dict(s.pools) == {}


def test_the_offering_changes_every_layout(tmp_path):
    _plan(tmp_path, start="2027-01-11")
    a = course_settings(tmp_path, "a1", _toy())
    _plan(tmp_path, start="2027-09-06")
    b = course_settings(tmp_path, "a1", _toy())
    assert a.course != b.course
    assert any(single(s, settings=a).letters != single(s, settings=b).letters for s in STUDENTS)


def test_prepared_source_writes_the_settings_into_the_built_notebook(tmp_path):
    import nbformat
    from toycourse import NAME, make_course

    from curriculum.jurisdiction import prepared_source

    root = make_course(tmp_path / "course")

    def built():
        folder = prepared_source(root, "us")
        return nbformat.read(root / folder / NAME / f"{NAME}.ipynb", as_version=4)

    authored = nbformat.read(root / "source" / NAME / f"{NAME}.ipynb", as_version=4)
    assert keys.notebook_settings(root / prepared_source(root, "us") / NAME / f"{NAME}.ipynb") == Settings()
    assert [c.source for c in built().cells] == [c.source for c in authored.cells]  # no plan: as authored
    _plan(root, NAME, "variants: order")
    nb = built()
    setup = next(c.source for c in nb.cells if "Quiz(" in c.source)
    assert f"Quiz({NAME!r}, variants=\"order\", course=\"{variants.COURSE_ID}/2027-01-11\")" in setup
    path = root / ".curriculum" / "source-us" / NAME / f"{NAME}.ipynb"
    assert keys.notebook_settings(path) == Settings("order", f"{variants.COURSE_ID}/2027-01-11")
    _plan(root, NAME, "variants: off")
    assert [c.source for c in built().cells] == [c.source for c in authored.cells]
