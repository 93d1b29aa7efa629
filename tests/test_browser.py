"""Browser tests: each released module opened in a real JupyterLab and answered by a student in
Debian's chromium (Playwright, no browser download), then submitted and autograded by nbgrader.

One JupyterLab server (127.0.0.1, free port, on a scratch copy of the course) and one chromium
serve all these tests; each test has a browser context of its own. For every module the student
runs all cells, answers every exercise item (graded and practice) through the widgets, checks the
practice items, saves with Ctrl+S, and the saved notebook and answer file are copied to
``submitted/`` and autograded; the score must equal the score computed apart from nbgrader from
what was saved. The answers are a mix of right, partly
right and wrong. Module 01 is also reloaded in the browser and its kernel restarted before the
last answer; module 04 (all six exercise kinds) is answered with the keyboard alone. axe-core
scans every rendered module: serious or critical violations in the course's own widgets, case
cards and outputs fail the test; those in the lesson text and in JupyterLab itself are printed.
Screenshots of each module's widgets go to ``test-artifacts/screenshots/<module>.png``.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import nbformat
import pytest
from browser.answering import (
    Item,
    keyboard_answer,
    load_items,
    mouse_answer,
    normalise,
    planned_answer,
    practice_feedback,
    right_value,
    shown_value,
    wait_for_saved,
)
from browser.lab import BrowserSetupError, JupyterLabServer, LabPage, axe_script, launch_chromium
from playwright.sync_api import expect, sync_playwright
from test_course import copy_course

from curriculum import cases, scoring
from curriculum.answers import KINDS, parse_answer_file
from curriculum.preprocessors import embedded_answers
from curriculum.keys import notebook_settings, read_keys
from curriculum.staff.simulate import expected_points, student_keys, submitted_answers

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
ASSIGNMENTS = sorted(p.name for p in (REPO / "source").iterdir() if p.is_dir() and not p.name.startswith("."))
STUDENT = "browser-student"
KEYBOARD_MODULE = "04-sponsorship-ethics"
RESTART_MODULE = "01-patient-privacy"
MOUSE_MODULES = [a for a in ASSIGNMENTS if a not in (KEYBOARD_MODULE, RESTART_MODULE)]
#: Violations that fail a test: serious or critical ones in what the course itself renders.
FAILING_IMPACTS = ("serious", "critical")
COURSE_SCOPES = ("widget", "case card", "cell output")

expect.set_options(timeout=30_000)


class BrowserCourse:
    """The scratch course the server serves: students work in ``work/<assignment>/``."""

    def __init__(self, root: Path):
        self.course = copy_course(root)
        for assignment in ASSIGNMENTS:
            folder = self.course.root / "work" / assignment
            folder.mkdir(parents=True)
            shutil.copy(REPO / "release" / assignment / f"{assignment}.ipynb", folder)
        # autograde needs the assignments in the gradebook: generate them while the browser works
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._generate, daemon=True)
        self._thread.start()

    def _generate(self) -> None:
        try:
            self.course.nbgrader("generate_assignment", "*", "--force")
        except BaseException as exc:  # re-raised in the test that waits for it
            self._failure = exc

    def generated(self) -> None:
        self._thread.join(timeout=600)
        if self._thread.is_alive():
            raise AssertionError("nbgrader generate_assignment did not finish within 10 minutes")
        if self._failure is not None:
            raise self._failure

    def work(self, assignment: str) -> Path:
        return self.course.root / "work" / assignment

    def items(self, assignment: str, student: str = "") -> list[Item]:
        return load_items(REPO / "release" / assignment / f"{assignment}.ipynb",
                          self.course.source_notebook(assignment), student or STUDENT)


class JurisdictionCourse:
    """Another jurisdiction's build of the course, inside the served folder (``course-<j>/``): its
    own plan (``jurisdiction: <j>``), release, gradebook and ``work/`` folders."""

    def __init__(self, served: Path, jurisdiction: str, assignment: str):
        self.jurisdiction = jurisdiction
        self.course = copy_course(served / f"course-{jurisdiction}")
        plan = self.course.root / "assignments" / "course.yaml"
        plan.write_text(plan.read_text().replace("jurisdiction: us", f"jurisdiction: {jurisdiction}"))
        assert self.course.jurisdiction == jurisdiction
        self.release = self.course.generate(assignment) / f"{assignment}.ipynb"
        folder = self.work(assignment)
        folder.mkdir(parents=True)
        shutil.copy(self.release, folder)

    def generated(self) -> None:
        """Generated before the student opened the notebook."""

    def work(self, assignment: str) -> Path:
        return self.course.root / "work" / assignment

    def items(self, assignment: str, student: str = "") -> list[Item]:
        return load_items(self.release, self.course.source_notebook(assignment), student or STUDENT)


@pytest.fixture(scope="module")
def browser_course(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CURRICULUM_DB_URL", raising=False)  # this course's gradebook is its own sqlite file
        course = BrowserCourse(tmp_path_factory.mktemp("browser") / "course")
        yield course
        course.generated()


@pytest.fixture(scope="module")
def server(browser_course, tmp_path_factory):
    try:
        axe_script()
        lab = JupyterLabServer(browser_course.course.root, tmp_path_factory.mktemp("jupyterlab-home")).start()
    except BrowserSetupError as exc:
        pytest.fail(f"browser tests cannot run: {exc}", pytrace=False)
    yield lab
    lab.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        try:
            chromium = launch_chromium(playwright)
        except BrowserSetupError as exc:
            pytest.fail(f"browser tests cannot run: {exc}", pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture
def lab(browser, server):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, reduced_motion="reduce")
    try:
        yield LabPage(context.new_page(), server)
    finally:
        context.close()
        server.shutdown_kernels()


# -- steps shared by the tests -------------------------------------------------------------------
#: What the course's code looks like; none of it may be visible on a student's page.
CODE_MARKS = ("correct=", "explain=", "quiz.", "cases.show(", "Grader(", "from curriculum")


def open_and_run(lab: LabPage, assignment: str, items: list[Item], student: str = STUDENT,
                 folder: str = "work") -> None:
    """Open the module, run every cell, and (the first time) type the student id its variants need."""
    lab.open_notebook(f"{folder}/{assignment}/{assignment}.ipynb", workspace=f"{folder}-{assignment}")
    lab.run_all()
    lab.enter_student_id(student)
    lab.wait_for_exercises({it.item: it.controls for it in items})
    check_no_code_shown(lab, assignment)
    shown = lab.page.locator(".jp-NotebookPanel .jp-Notebook").inner_text()
    assert not [law for law in ("PHIPA", "UK GDPR") if law in shown], f"{assignment}: the US page names another's law"


def check_no_code_shown(lab: LabPage, assignment: str) -> None:
    """The student sees lesson text, case cards and widgets: no Python, no key, no explanation."""
    shown = lab.page.locator(".jp-NotebookPanel .jp-Notebook").inner_text()
    assert "Patient" in shown or "patient" in shown, "the lesson text is not on the page"
    found = [mark for mark in CODE_MARKS if mark in shown]
    assert not found, f"{assignment}: the page shows code ({found}); cells' inputs should be hidden"


def plan_for(items: list[Item]) -> dict[str, object]:
    return {it.item: planned_answer(it, position) for position, it in enumerate(items)}


def check_practice_feedback(box, it: Item, value) -> None:
    expect(box.locator("div[role='status'] > p > strong")).to_have_text(practice_feedback(it, value))


def answer_with_mouse(lab: LabPage, answer_file: Path, it: Item, value) -> None:
    box = lab.exercise(it.item)
    mouse_answer(box, it, value)
    wait_for_saved(answer_file, it, value)
    if it.exercise.practice:
        box.get_by_role("button", name="Check my answer").click()
        check_practice_feedback(box, it, value)


def save_with_copies(lab: LabPage, assignment: str, timeout: float = 30, work: Path | None = None) -> None:
    """Ctrl+S until the saved notebook (in ``work``, default ``work/<assignment>/``) carries a copy of
    every answer in the answer file (the last widget change may still be on its way from the kernel
    when the first save happens)."""
    work = work or lab.server.root / "work" / assignment
    deadline = time.monotonic() + timeout
    while True:
        lab.save()
        saved = parse_answer_file((work / f"{assignment}.answers.json").read_text(), assignment).answers
        copies: dict[str, dict] = {}
        for bundle in embedded_answers(nbformat.read(work / f"{assignment}.ipynb", as_version=4)):
            copies.update(bundle)
        missing = {item for item, record in saved.items() if copies.get(item) != record.to_json()}
        if not missing:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{assignment}: after Ctrl+S the notebook lacks the copies of {sorted(missing)}")
        time.sleep(0.3)


def check_shown(lab: LabPage, items: list[Item], plan: dict, answered: set[str], when: str,
                timeout: float = 20) -> None:
    """Every widget shows its item's answer (or nothing, if not answered). After a reload the
    widgets' parts render one after another, so this waits up to ``timeout`` for them."""
    lab.wait_for_exercises({it.item: it.controls for it in items})
    deadline = time.monotonic() + timeout
    while True:
        wrong = {}
        for it in items:
            want = plan[it.item] if it.item in answered else None
            try:
                shown = shown_value(lab.exercise(it.item), it)
            except ValueError as exc:  # not all of its controls are on the page yet
                shown = f"(incomplete: {exc})"
            if shown != want:
                wrong[it.item] = (shown, want)
        if not wrong:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{when}: widgets show (shown, answered) = {wrong}")
        time.sleep(0.25)


def check_accessibility(lab: LabPage, assignment: str, *, whole_page: bool = False) -> None:
    """axe-core on the rendered notebook (or the whole page); fail on the course's own problems."""
    # the notebook's own content: cell outputs (widgets, case cards) and the rendered lesson text
    include = ["body"] if whole_page else [".jp-NotebookPanel .jp-OutputArea-output",
                                           ".jp-NotebookPanel .jp-MarkdownCell .jp-RenderedMarkdown"]
    report = lab.axe(include)
    assert report["passes"] > 0, "axe-core checked nothing"
    own = [v for v in report["violations"] if v["scope"] in COURSE_SCOPES and v["impact"] in FAILING_IMPACTS]
    others: dict[tuple, int] = {}
    for v in report["violations"]:
        if v not in own:
            others[(v["scope"], v["id"], v["impact"])] = others.get((v["scope"], v["id"], v["impact"]), 0) + 1
    print(f"\naxe-core {report['engine']} on {assignment}{' (whole page)' if whole_page else ''}: "
          f"{report['passes']} rules passed; {len(own)} serious or critical violation(s) in the course's widgets")
    for (scope, rule, impact), count in sorted(others.items()):
        print(f"  not failing: {scope}: {rule} ({impact}) x{count}")
    assert not own, f"{assignment}: accessibility violations in the course's own widgets:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}, {v['scope']}): {v['help']}; {v['target']}: {v['summary']}\n  {v['html']}"
        for v in own)
    maths = lab.typeset_maths()
    assert not maths["outputs"], f"{assignment}: MathJax typeset text in the course's output: {maths['outputs']}"
    assert not maths["markdown"], f"{assignment}: MathJax typeset lesson text (write 'USD 50,000'): {maths['markdown']}"
    assert lab.page.locator(".jp-NotebookPanel .curriculum-exercise label").count() > 0, "no option labels found"
    repeated = lab.repeated_option_letters()
    assert not repeated, f"{assignment}: option labels repeat their letter: {repeated}"


class Submission:
    """The saved notebook and answer file copied to ``submitted/``, and nbgrader autograding them
    in the background (while the test goes on checking the page)."""

    def __init__(self, browser_course: BrowserCourse, assignment: str, items: list[Item], plan: dict,
                 student: str = STUDENT, work: Path | None = None):
        self.browser_course, self.assignment, self.student = browser_course, assignment, student
        course = browser_course.course
        work = work or browser_course.work(assignment)
        dest = course.root / "submitted" / student / assignment
        self.notebook = work / f"{assignment}.ipynb"
        dest.mkdir(parents=True, exist_ok=True)
        for name in (f"{assignment}.ipynb", f"{assignment}.answers.json"):
            shutil.copy2(work / name, dest / name)
        self.answers = submitted_answers(dest / f"{assignment}.ipynb")
        recorded = {it.item: self.answers.answers[it.item].value for it in items if it.item in self.answers.answers}
        assert recorded == plan, "the submission does not carry what was answered in the browser"
        browser_course.generated()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._autograde, daemon=True)
        self._thread.start()

    def _autograde(self) -> None:
        try:
            self.browser_course.course.autograde(self.assignment)
        except BaseException as exc:  # re-raised by check()
            self._failure = exc

    def check(self, mixed: bool = True) -> None:
        """The autograded score equals the score computed from the submission apart from nbgrader (and,
        ``mixed``, lies strictly between nothing and full marks)."""
        self._thread.join(timeout=600)
        assert not self._thread.is_alive(), "nbgrader autograde did not finish within 10 minutes"
        if self._failure is not None:
            raise self._failure
        course, assignment = self.browser_course.course, self.assignment
        score = {s.student: s for s in course.scores(assignment)}[self.student]
        keys = student_keys(read_keys(course.source_notebook(assignment)), self.notebook, self.student)
        expected = expected_points(self.answers, keys)  # in the student's own variant
        assert score.items == {k.cell_id: expected[k.item] for k in keys}
        assert score.auto_score == round(sum(expected.values()), 2)
        if mixed:
            assert 0 < score.auto_score < score.auto_max  # a mix of right, partly right and wrong answers
        print(f"{assignment}: autograded {score.auto_score} of {score.auto_max}, as expected")


def check_page_and_grade(lab: LabPage, browser_course: BrowserCourse, assignment: str, items: list[Item],
                         plan: dict, *, whole_page: bool = False) -> None:
    """Submit and autograde; meanwhile scan the page with axe-core and photograph the widgets."""
    submission = Submission(browser_course, assignment, items, plan)
    check_shown(lab, items, plan, set(plan), "after saving")
    check_accessibility(lab, assignment, whole_page=whole_page)
    lab.screenshot_exercises(SCREENSHOTS / f"{assignment}.png")
    submission.check()


# -- the tests -------------------------------------------------------------------------------------
@pytest.mark.parametrize("assignment", MOUSE_MODULES)
def test_student_answers_every_item_with_the_mouse_and_is_graded(assignment, lab, browser_course):
    items = browser_course.items(assignment)
    plan = plan_for(items)
    answer_file = browser_course.work(assignment) / f"{assignment}.answers.json"
    open_and_run(lab, assignment, items)
    for it in items:
        answer_with_mouse(lab, answer_file, it, plan[it.item])
    save_with_copies(lab, assignment)
    check_page_and_grade(lab, browser_course, assignment, items, plan)


def test_answers_survive_a_page_reload_and_a_kernel_restart(lab, browser_course):
    assignment = RESTART_MODULE
    items = browser_course.items(assignment)
    plan = plan_for(items)
    answer_file = browser_course.work(assignment) / f"{assignment}.answers.json"
    after_reload, after_restart = [it for it in items if it.graded][-2:]  # answered late
    open_and_run(lab, assignment, items)
    for it in items:
        if it not in (after_reload, after_restart):
            answer_with_mouse(lab, answer_file, it, plan[it.item])
    save_with_copies(lab, assignment)
    answered = set(plan) - {after_reload.item, after_restart.item}

    lab.reload()  # the kernel lives on: the widgets come back from it, and still save
    check_shown(lab, items, plan, answered, "after reloading the page")
    answer_with_mouse(lab, answer_file, after_reload, plan[after_reload.item])
    answered.add(after_reload.item)

    lab.restart_kernel_and_clear()  # a new kernel: the widgets come back from the answer file
    before = parse_answer_file(answer_file.read_text(), assignment).answers
    lab.run_all()
    expect(lab.student_id_box()).to_have_count(0)  # asked once: the id is kept with the answers
    check_shown(lab, items, plan, answered, "after restarting the kernel and running all cells")
    assert parse_answer_file(answer_file.read_text(), assignment).answers == before, \
        "running the cells again changed the answer file"
    answer_with_mouse(lab, answer_file, after_restart, plan[after_restart.item])
    save_with_copies(lab, assignment)
    check_page_and_grade(lab, browser_course, assignment, items, plan)


def test_every_exercise_kind_works_with_the_keyboard_alone(lab, browser_course):
    assignment = KEYBOARD_MODULE
    items = browser_course.items(assignment)
    assert {it.kind for it in items} == set(KINDS), "this module should show every kind of exercise"
    plan = plan_for(items)
    answer_file = browser_course.work(assignment) / f"{assignment}.answers.json"
    open_and_run(lab, assignment, items)
    operated = {}
    for it in items:
        box = lab.exercise(it.item)
        operated[it.item] = keyboard_answer(lab.page, box, it, plan[it.item], check=it.exercise.practice)
        wait_for_saved(answer_file, it, plan[it.item])
        if it.exercise.practice:
            check_practice_feedback(box, it, plan[it.item])
    print(f"{assignment}: {sum(operated.values())} controls in {len(items)} widgets reached and operated by keyboard")
    save_with_copies(lab, assignment)  # Ctrl+S with the focus still in a widget
    check_page_and_grade(lab, browser_course, assignment, items, plan, whole_page=True)


# -- hostile student text in the staff's pages -------------------------------------------------------
#: What a payload of tests/test_hostile.XSS would leave in a page that ran it or kept it live: a changed
#: title, a script or handler mentioning 'pwned', a javascript: URL or anything pointing at pwned.invalid.
PAYLOADS_JS = """() => {
  const found = [];
  if (document.title.includes('pwned')) found.push('title: ' + document.title);
  for (const s of document.scripts) if ((s.text + (s.src || '')).includes('pwned')) found.push('<script>');
  for (const e of document.querySelectorAll('*')) {
    for (const a of e.attributes) {
      const v = a.value.toLowerCase().replace(/\\s/g, '');
      if ((a.name.startsWith('on') && v.includes('pwned')) || v.startsWith('javascript:') || v.includes('pwned.invalid'))
        found.push(`<${e.tagName.toLowerCase()} ${a.name}>`);
    }
  }
  return found;
}"""
HOSTILE = {"xss-reflection": "My answer.", "xss-cells": "Extra note"}


@pytest.fixture(scope="module")
def hostile_course(tmp_path_factory):
    """The toy course with a normal submission and the two XSS submissions of tests/preprocessors/test_hostile.py,
    graded by `curriculum grade`, feedback generated."""
    from test_hostile import XSS, _reflection, _xss_cells
    from toycourse import NAME, make_course

    from curriculum.staff.grade.cohort import grade_cohort
    from curriculum.staff.course import Course
    from curriculum.staff.simulate import SimulatedStudent, simulate_submission

    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CURRICULUM_DB_URL", raising=False)
        course = Course(make_course(tmp_path_factory.mktemp("formgrader") / "course"))
        release = course.generate(NAME) / f"{NAME}.ipynb"
        normal = course.root / "submitted" / "normal" / NAME
        simulate_submission(release, normal, SimulatedStudent("normal", "complete"), read_keys(course.source_notebook(NAME)))
        for student, change in (("xss-reflection", _reflection(XSS)), ("xss-cells", _xss_cells)):
            folder = shutil.copytree(normal, course.root / "submitted" / student / NAME)
            nb = nbformat.read(folder / f"{NAME}.ipynb", 4)
            change(nb)
            nbformat.write(nb, folder / f"{NAME}.ipynb")
        assert {r.status for r in grade_cohort(course, NAME, workers=1, progress=False)} == {"graded"}
        course.nbgrader("generate_feedback", NAME)
        yield course, NAME


@pytest.fixture(scope="module")
def formgrader(hostile_course, tmp_path_factory):
    course, _ = hostile_course
    try:
        lab = JupyterLabServer(course.root, tmp_path_factory.mktemp("formgrader-home")).start()
    except BrowserSetupError as exc:
        pytest.fail(f"browser tests cannot run: {exc}", pytrace=False)
    yield lab
    lab.stop()


def _watched_page(browser, server_url: str):
    """A page whose every request is recorded, and aborted unless it is for the local server or a file."""
    context = browser.new_context()
    requests: list[str] = []

    def route(route):
        requests.append(route.request.url)
        if route.request.url.startswith((server_url, "file:")):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return context, page, requests, dialogs


def test_the_payload_check_sees_a_payload_that_runs(browser):
    """The check below is not blind: the same payloads, left as nbconvert would render them, are caught."""
    import mistune
    from test_hostile import XSS

    context, page, requests, _ = _watched_page(browser, "http://127.0.0.1:9")
    try:
        page.set_content(mistune.create_markdown(escape=False)(XSS))
        page.wait_for_timeout(500)
        found = page.evaluate(PAYLOADS_JS)
        assert any(f.startswith("title: pwned") for f in found) and "<script>" in found, found
        assert any("pwned.invalid" in url for url in requests), requests
    finally:
        context.close()


@pytest.mark.parametrize("student", sorted(HOSTILE))
def test_hostile_text_runs_in_neither_formgrader_nor_feedback(browser, formgrader, hostile_course, student):
    course, name = hostile_course
    with course.gradebook() as gb:
        submission = gb.find_submission_notebook(name, name, student).id
    context, page, requests, dialogs = _watched_page(browser, formgrader.url)
    try:
        for url in (f"{formgrader.url}/formgrader/submissions/{submission}/?index=0",
                    (course.root / "feedback" / student / name / f"{name}.html").as_uri()):
            page.goto(url)
            page.wait_for_load_state("load")
            expect(page.locator("body")).to_contain_text(HOSTILE[student])  # the student's text is shown
            page.wait_for_timeout(1000)  # time for an onerror or onload to fire
            assert page.evaluate(PAYLOADS_JS) == [], url
        assert [u for u in requests if "pwned" in u] == [] and dialogs == []
    finally:
        context.close()


#: JupyterLab command-mode keys that would change the notebook if they reached it from a widget.
NOTEBOOK_KEYS = ("a", "b", "m", "y", "r", "x", "c", "v", "z", "j", "k", "d", "d", "Shift+M", "Enter", "Space")
ARROW_MODULE = "05-using-social-media-well"


def notebook_state(lab: LabPage) -> dict:
    return lab.page.evaluate("""() => ({
        cells: document.querySelectorAll('.jp-NotebookPanel .jp-Cell').length,
        markdown: document.querySelectorAll('.jp-NotebookPanel .jp-MarkdownCell').length,
        active: [...document.querySelectorAll('.jp-NotebookPanel .jp-Cell')].findIndex(c => c.classList.contains('jp-mod-active')),
        edit: !!document.querySelector('.jp-NotebookPanel .jp-Notebook.jp-mod-editMode'),
    })""")


def test_arrow_keys_move_between_radio_options_and_letters_leave_the_notebook_alone(lab, browser_course):
    """A second copy of a module, so this test runs its cells afresh and saves its own answers."""
    folder = browser_course.course.root / "keys"
    folder.mkdir(exist_ok=True)
    shutil.copy(REPO / "release" / ARROW_MODULE / f"{ARROW_MODULE}.ipynb", folder)
    items = browser_course.items(ARROW_MODULE)
    single = next(it for it in items if it.kind == "single" and it.graded)
    multiple = next(it for it in items if it.kind == "multiple")
    answer_file = folder / f"{ARROW_MODULE}.answers.json"
    lab.open_notebook(f"keys/{ARROW_MODULE}.ipynb", workspace="keys")
    lab.run_all()
    lab.enter_student_id(STUDENT)
    lab.wait_for_exercises({it.item: it.controls for it in items})

    radios = lab.exercise(single.item).get_by_role("radio")
    radios.first.click()  # a student picks option a, then uses the arrows
    wait_for_saved(answer_file, single, "a")
    before = notebook_state(lab)
    lab.page.keyboard.press("ArrowDown")
    expect(radios.nth(1)).to_be_checked()
    expect(radios.nth(1)).to_be_focused()
    wait_for_saved(answer_file, single, "b")
    lab.page.keyboard.press("ArrowUp")
    expect(radios.first).to_be_checked()
    lab.page.keyboard.press("ArrowDown")
    for key in NOTEBOOK_KEYS:
        lab.page.keyboard.press(key)
    expect(radios.nth(1)).to_be_focused()
    assert notebook_state(lab) == before, "a key pressed on a radio button changed the notebook"
    wait_for_saved(answer_file, single, "b")

    boxes = lab.exercise(multiple.item).get_by_role("checkbox")
    boxes.first.focus()
    lab.page.keyboard.press("Space")  # the browser's own key for a checkbox still works
    expect(boxes.first).to_be_checked()
    before = notebook_state(lab)  # focus moved into the checkbox's cell, which JupyterLab made active
    for key in NOTEBOOK_KEYS[:-1]:
        lab.page.keyboard.press(key)
    expect(boxes.first).to_be_checked()
    assert notebook_state(lab) == before, "a key pressed on a checkbox changed the notebook"
    lab.save()  # Ctrl+S still reaches JupyterLab from inside a widget



#: In each jurisdiction's module 01, words of its own law that must be on the page, and other
#: jurisdictions' that must not.
OWN_LAW = {"canada": ("PHIPA", ("HIPAA", "UK GDPR")), "uk": ("UK GDPR", ("HIPAA", "PHIPA"))}


@pytest.mark.parametrize("jurisdiction", sorted(OWN_LAW))
def test_each_jurisdiction_teaches_its_own_law_and_grades_its_own_keys(jurisdiction, lab, browser_course):
    """Module 01 built for Canada and for the UK (same folder as the US course, served by the same
    JupyterLab): the page names its own law and no other's, every item is answered, graded, and
    scored as computed from the saved answers with that jurisdiction's keys."""
    assignment = RESTART_MODULE
    os.environ.pop("CURRICULUM_JURISDICTION", None)
    other = JurisdictionCourse(browser_course.course.root, jurisdiction, assignment)
    items = other.items(assignment)
    plan = plan_for(items)
    answer_file = other.work(assignment) / f"{assignment}.answers.json"
    lab.open_notebook(f"course-{jurisdiction}/work/{assignment}/{assignment}.ipynb", workspace=jurisdiction)
    lab.run_all()
    lab.enter_student_id(STUDENT)
    lab.wait_for_exercises({it.item: it.controls for it in items})
    check_no_code_shown(lab, assignment)
    shown = lab.page.locator(".jp-NotebookPanel .jp-Notebook").inner_text()
    own, others = OWN_LAW[jurisdiction]
    assert own in shown, f"the {jurisdiction} page does not teach {own}"
    assert not [law for law in others if law in shown], f"the {jurisdiction} page names another's law"
    for it in items:
        answer_with_mouse(lab, answer_file, it, plan[it.item])
    save_with_copies(lab, assignment, work=other.work(assignment))
    check_page_and_grade(lab, other, assignment, items, plan)


def test_two_students_see_and_are_graded_on_their_own_variants(lab, browser_course):
    """Module 01 varies (`variants: cases`). Beside the student of the other module 01 tests, a second
    student types their own id in the setup cell and sees the options in other orders and other posts
    from its pools (the first student's page is what their offline widgets show, as the reload test
    checks); they answer their own variant right and get full marks for it."""
    from test_variants_grading import differing_students

    from curriculum.markup import option_label

    assignment = RESTART_MODULE
    course = browser_course.course
    _, student = differing_students(course, assignment, "browser", first=STUDENT)
    settings = notebook_settings(REPO / "release" / assignment / f"{assignment}.ipynb")
    pooled = [k for k in read_keys(course.source_notebook(assignment)) if k.pools]
    folder = course.root / f"work-{student}" / assignment
    folder.mkdir(parents=True)
    shutil.copy(REPO / "release" / assignment / f"{assignment}.ipynb", folder)
    items = browser_course.items(assignment, student)
    graded = [it for it in items if it.graded]
    open_and_run(lab, assignment, items, student=student, folder=f"work-{student}")
    for key in pooled:  # the posts of the student's own pools on the page, not the other members
        box = lab.exercise(key.item)
        shown = dict(key.layout(settings, assignment, student).cases)
        for pool in key.pools:
            case = shown[pool[0]]
            if key.kind == "identifiers":  # the post's words are its buttons
                words = [w for _s, _e, w in scoring.tokenize(cases.text(case))]
                assert box.locator("button.widget-toggle-button").all_inner_texts() == words, case
            else:  # triage cards are titled "Post n (case id)"
                text = box.inner_text()
                assert f"({case})" in text and not [m for m in pool if m != case and f"({m})" in text], case
    first_student = {it.item: it for it in browser_course.items(assignment)}
    for it in graded:
        if it.kind in ("single", "multiple"):  # the same question, its options in another order
            theirs = [option_label(k, t) for k, t in first_student[it.item].exercise.options.items()]
            labels = lab.exercise(it.item).locator(".widget-radio-box label, .widget-checkbox label").all_inner_texts()
            assert labels and labels != theirs and sorted(labels) != sorted(theirs), it.item
    assert any(dict(k.layout(settings, assignment, student).cases) != dict(k.layout(settings, assignment, STUDENT).cases)
               for k in pooled), "both students see the same posts"
    plan = {it.item: normalise(it, right_value(it)) for it in graded}  # right, in the student's variant
    answer_file = folder / f"{assignment}.answers.json"
    for it in graded:
        answer_with_mouse(lab, answer_file, it, plan[it.item])
    assert parse_answer_file(answer_file.read_text(), assignment).student == student  # asked once, kept
    save_with_copies(lab, assignment, work=folder)
    submission = Submission(browser_course, assignment, graded, plan, student=student, work=folder)
    submission.check(mixed=False)
    score = {s.student: s for s in course.scores(assignment)}[student]
    assert score.auto_score == score.auto_max, f"{student} answered their own variant right"
