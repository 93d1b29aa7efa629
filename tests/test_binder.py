"""The student environment of ``binder/`` alone, as repo2docker builds it, runs a module in a real
browser and saves its answers.

A copy of the repository's files (what repo2docker copies) gets a fresh venv with nothing but
``pip install -r binder/requirements.txt`` run from the copy's root (as repo2docker runs it) and
``binder/postBuild``. JupyterLab and the kernel then run from that venv, with no staff tools in it;
the student opens module 01 from ``release/`` (where a ``curriculum links`` link points), runs all
cells, answers a graded and a practice item with the mouse, and saves. No news pop-up may cover the
lesson (postBuild turns it off).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import venv
from pathlib import Path

import nbformat
import pytest
from browser.answering import load_items, mouse_answer, planned_answer, wait_for_saved
from browser.lab import BrowserSetupError, JupyterLabServer, LabPage, launch_chromium
from playwright.sync_api import sync_playwright

from curriculum.preprocessors import embedded_answers
from curriculum.staff.course import Course

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
MODULE = "01-patient-privacy"
#: only what the test itself needs: every cell attached to the page, and no autosave mid-check
TEST_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}


def repository_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                         cwd=REPO, check=True, capture_output=True).stdout
    return [f for f in out.decode().split("\0") if f and (REPO / f).is_file()]


@pytest.fixture(scope="module")
def binder_env(tmp_path_factory):
    """(the repository copy, the venv's python), built from binder/ alone."""
    root = tmp_path_factory.mktemp("binder")
    copy = root / "smm-course"
    for relative in repository_files():
        (copy / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / relative, copy / relative)
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = str(env_dir / "bin") + os.pathsep + env.get("PATH", "")
    for command in ([str(python), "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt"],
                    ["bash", "binder/postBuild"]):
        done = subprocess.run(command, cwd=copy, env={**env, "NB_PYTHON_PREFIX": str(env_dir)},
                              capture_output=True, text=True)
        assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return copy, python


def test_the_binder_environment_is_the_light_student_install(binder_env):
    copy, python = binder_env
    missing = subprocess.run([str(python), "-c", "import nbgrader"], capture_output=True, text=True)
    assert missing.returncode != 0 and "No module named 'nbgrader'" in missing.stderr
    overrides = python.parents[1] / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert '"fetchNews": "false"' in overrides.read_text()
    specs = subprocess.run([str(python), "-m", "jupyter", "kernelspec", "list", "--json"], check=True,
                           capture_output=True, text=True).stdout
    kernel = json.loads(specs)["kernelspecs"]["python3"]["spec"]["argv"][0]
    assert kernel == "python" or Path(kernel).resolve().is_relative_to(python.parents[1].resolve()), \
        f"the notebook's kernel would run {kernel}, not the binder venv's python"


STUDENT = "binder-student"


def test_a_student_runs_module_01_from_binder_and_saves_answers(binder_env, tmp_path):
    copy, python = binder_env
    try:
        server = JupyterLabServer(copy, tmp_path / "home", python=python, settings=TEST_SETTINGS).start()
    except BrowserSetupError as exc:
        pytest.fail(f"JupyterLab from binder/ did not start: {exc}", pytrace=False)
    notebook = copy / "release" / MODULE / f"{MODULE}.ipynb"
    answer_file = notebook.with_name(f"{MODULE}.answers.json")
    items = load_items(notebook, Course(REPO).source_notebook(MODULE), STUDENT)  # the course's (US) version
    chosen = [next(it for it in items if it.graded), next(it for it in items if not it.graded)]
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            lab = LabPage(browser.new_context(viewport={"width": 1280, "height": 900}).new_page(), server)
            lab.open_notebook(f"release/{MODULE}/{MODULE}.ipynb", workspace="binder")
            lab.run_all()
            lab.enter_student_id(STUDENT)  # nothing on Binder says who the student is: the setup cell asks
            lab.wait_for_exercises({it.item: it.controls for it in items})
            assert "official Jupyter news" not in lab.page.locator("body").inner_text(), \
                "JupyterLab's news pop-up covers the lesson"
            for position, it in enumerate(chosen):
                value = planned_answer(it, position)
                mouse_answer(lab.exercise(it.item), it, value)
                wait_for_saved(answer_file, it, value)
            lab.save()
            browser.close()
    finally:
        server.stop()
    copies = {}
    for bundle in embedded_answers(nbformat.read(notebook, as_version=4)):
        copies.update(bundle)
    assert {it.item for it in chosen} <= set(copies), "the saved notebook does not carry the answers"
