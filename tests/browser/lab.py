"""A real JupyterLab on 127.0.0.1 and Debian's chromium driven by Playwright: the student's view.

- :class:`JupyterLabServer` starts ``python -m jupyterlab`` on a free port with its own settings,
  workspaces and runtime folders (so nothing on the machine changes what the tests see), and
  waits until it answers.
- :func:`launch_chromium` starts the system's chromium headless (Playwright never downloads a
  browser here) with the flags that keep it off the network.
- :class:`LabPage` does what a student does through JupyterLab's own menus and keys: open a
  notebook, run all cells, restart the kernel, save, reload; plus the checks made on the page
  (axe-core accessibility scans, screenshots).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

__all__ = [
    "AXE_JS",
    "CHROMIUM_ARGS",
    "BrowserSetupError",
    "JupyterLabServer",
    "LabPage",
    "chromium_path",
    "launch_chromium",
]

HERE = Path(__file__).resolve().parent
AXE_JS = HERE / "node_modules" / "axe-core" / "axe.min.js"

#: Headless chromium without the background traffic it otherwise sends (updates, sync, QUIC probes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: JupyterLab user settings for the tests: every cell attached to the page (so the whole notebook
#: can be scanned and photographed), no news prompt covering the notebook, and no autosave (the
#: tests save with Ctrl+S and copy the file; a save in between would be caught half-written).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}


class BrowserSetupError(RuntimeError):
    """Something the browser tests need is missing; the message says how to get it."""


def chromium_path() -> str:
    """The chromium binary: ``$CURRICULUM_CHROMIUM``, else ``chromium`` on the PATH (Debian's package)."""
    path = os.environ.get("CURRICULUM_CHROMIUM") or shutil.which("chromium")
    if not path or not Path(path).exists():
        raise BrowserSetupError(
            "the browser tests drive Debian's chromium, which is not installed: run "
            "`apt-get install chromium` (`python3 tasks.py test` does it when run as root), or set "
            "CURRICULUM_CHROMIUM to a Chromium binary"
        )
    return path


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)


def axe_script() -> Path:
    if not AXE_JS.is_file():
        raise BrowserSetupError(
            f"axe-core is not installed ({AXE_JS.relative_to(HERE.parent.parent)} is missing): run "
            "`npm ci --no-audit --no-fund` in tests/browser (`python3 tasks.py test` does it)"
        )
    return AXE_JS


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterLabServer:
    """``python -m jupyterlab`` serving ``root`` on 127.0.0.1, with its state kept in ``home``."""

    def __init__(self, root: Path, home: Path, python: str | Path | None = None,
                 settings: dict[str, dict] | None = None):
        self.root, self.home = Path(root), Path(home)
        #: the environment JupyterLab and its kernels run in (default: this one) and the user settings
        self.python = str(python or sys.executable)
        self.settings = LAB_SETTINGS if settings is None else settings
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.log_path = self.home / "jupyterlab.log"

    def start(self, timeout: float = 120) -> JupyterLabServer:
        for relative, settings in self.settings.items():
            path = self.home / "settings" / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(settings))
        for folder in ("workspaces", "config", "runtime"):
            (self.home / folder).mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.pop("CURRICULUM_DB_URL", None)  # students' kernels have no business with the gradebook
        for name in ("JUPYTERHUB_USER", "CURRICULUM_STUDENT", "CURRICULUM_GRADING_STUDENT"):
            env.pop(name, None)  # nothing says who the student is: the setup cell asks
        env.update(
            JUPYTERLAB_SETTINGS_DIR=str(self.home / "settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(self.home / "workspaces"),
            JUPYTER_CONFIG_DIR=str(self.home / "config"),
            JUPYTER_RUNTIME_DIR=str(self.home / "runtime"),
            PATH=str(Path(self.python).parent) + os.pathsep + env.get("PATH", ""),
            PYTHONDONTWRITEBYTECODE="1",
        )
        port = _free_port()
        cmd = [
            self.python, "-m", "jupyterlab", "--no-browser", "--allow-root",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
            "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={self.root}",
            "--ServerApp.disable_check_xsrf=True",  # lets shutdown_kernels() call the REST API; loopback only
        ]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=self.root, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise BrowserSetupError(f"JupyterLab exited with code {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=5) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise BrowserSetupError(f"JupyterLab did not answer within {timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.25)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def api(self, method: str, path: str) -> Any:
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """End every notebook session's kernel (what closing a notebook and its kernel does)."""
        for session in self.api("GET", "sessions"):
            self.api("DELETE", f"sessions/{session['id']}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


#: The notebook's kernel is running and idle: status bar "Python 3 (ipykernel) | Idle".
_KERNEL_IDLE_JS = """() => {
  const indicator = document.querySelector('.jp-NotebookPanel .jp-Notebook-ExecutionIndicator');
  const status = [...document.querySelectorAll('#jp-main-statusbar .jp-StatusBar-TextItem')]
    .map(e => e.textContent.trim()).find(text => / [|] [A-Z][a-z]+$/.test(text));
  return Boolean(indicator && indicator.dataset.status === 'idle' && status
                 && !status.startsWith('No Kernel') && status.endsWith('| Idle'));
}"""

#: Code-cell prompts of the open notebook: "[ ]", "[*]" or "[12]".
_PROMPTS_JS = """() => [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent.trim())"""

#: Axe-core over the given parts of the page. Each node of a violation is placed in a scope by the
#: element it points at: the course's widgets and case cards, other cell outputs, the lesson text
#: (rendered Markdown), or JupyterLab itself.
_AXE_JS = """async ({include, exclude}) => {
  const context = {include: include.map(s => [s])};
  if (exclude.length) context.exclude = exclude.map(s => [s]);
  const result = await axe.run(context, {resultTypes: ['violations'], elementRef: true});
  const scopeOf = (el) => {
    if (!el || !el.closest) return 'jupyterlab';
    if (el.closest('.curriculum-exercise')) return 'widget';
    if (el.closest('.curriculum-case')) return 'case card';
    if (el.closest('.jp-MarkdownCell')) return 'lesson text';
    if (el.closest('.jp-OutputArea-output')) return 'cell output';
    return 'jupyterlab';
  };
  const violations = [];
  for (const v of result.violations) {
    for (const n of v.nodes) {
      violations.push({id: v.id, impact: v.impact, help: v.help, scope: scopeOf(n.element),
                       target: JSON.stringify(n.target), html: n.html.slice(0, 240),
                       summary: (n.failureSummary || '').replace(/\\s+/g, ' ').slice(0, 400)});
    }
  }
  return {engine: result.testEngine.version, passes: result.passes.length, violations};
}"""

#: While photographing a module: only the exercise widgets (and the saved-answer line under each).
_ONLY_EXERCISES_CSS = """
.jp-NotebookPanel .jp-MarkdownCell,
.jp-NotebookPanel .jp-CodeCell:not(:has(.curriculum-exercise)),
.jp-NotebookPanel .jp-CodeCell .jp-Cell-inputWrapper { display: none !important; }
"""


class LabPage:
    """One browser tab on the JupyterLab server, used the way a student uses it."""

    def __init__(self, page: Any, server: JupyterLabServer):
        self.page, self.server = page, server
        self._axe_loaded = False

    # -- opening and running ----------------------------------------------------------------
    def open_notebook(self, path: str, workspace: str, timeout: float = 90_000) -> None:
        """Open ``path`` (relative to the server's root) in a workspace of its own."""
        self.page.goto(f"{self.server.url}/lab/workspaces/{quote(workspace)}/tree/{quote(path)}")
        self._wait_for_notebook(timeout)
        if self.page.locator("#jp-left-stack").is_visible():
            self.page.keyboard.press("Control+b")  # hide the file browser: more room for the lesson
            self.page.locator("#jp-left-stack").wait_for(state="hidden")

    def _wait_for_notebook(self, timeout: float) -> None:
        self.page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.wait_for(timeout=timeout)
        self.wait_for_kernel_idle(timeout)
        self._axe_loaded = False

    def wait_for_kernel_idle(self, timeout: float = 60_000) -> None:
        """Until the notebook's kernel is connected and idle (the toolbar's indicator says "idle"
        for a moment before the kernel has even started, so the status bar is read too)."""
        self.page.wait_for_function(_KERNEL_IDLE_JS, timeout=timeout)

    def menu(self, top: str, *path: str) -> None:
        """Click through JupyterLab's menu bar, e.g. ``menu("Run", "Run All Cells")``."""
        self.page.get_by_role("menubar").get_by_role("menuitem", name=top, exact=True).click()
        for name in path:
            self.page.locator(".lm-Menu").get_by_role("menuitem", name=name, exact=True).click()

    def prompts(self) -> list[str]:
        return self.page.evaluate(_PROMPTS_JS)

    def run_all(self, timeout: float = 180) -> None:
        """Run > Run All Cells on a notebook whose code cells have not run in this kernel, and wait
        until every one of them has run, in order, without an error."""
        before = self.prompts()
        outputs = self.page.locator(".jp-NotebookPanel .jp-OutputArea-output")
        if any(p not in ("[ ]:", "") for p in before) or outputs.count():
            raise ValueError(f"run_all() needs a notebook whose cells have not run yet; prompts: {before}")
        self.menu("Run", "Run All Cells")
        if not any(before):  # the student version hides every code cell's input, and with it the prompts
            self._wait_for_last_cell(timeout)
            return
        deadline = time.monotonic() + timeout
        while True:
            prompts = self.prompts()
            numbers = [re.fullmatch(r"\[(\d+)\]:", p) for p in prompts]
            if all(numbers):
                counts = [int(m.group(1)) for m in numbers]
                if counts == sorted(counts) and len(set(counts)) == len(counts):
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"the notebook did not finish running within {timeout:.0f} s; prompts: {prompts}")
            time.sleep(0.2)
        self.wait_for_kernel_idle()
        errors = self.page.locator(".jp-NotebookPanel .jp-OutputArea-output[data-mime-type="
                                   "'application/vnd.jupyter.stderr']")
        if errors.count():
            raise AssertionError("a cell wrote to stderr or failed:\n" + "\n---\n".join(errors.all_inner_texts()))

    def _wait_for_last_cell(self, timeout: float) -> None:
        """With inputs hidden there are no prompts to read: the cells run in order, and the last code
        cell of every module is the readiness check, so its widget appearing means all have run
        (a cell that fails stops Run All before it, and its error is reported)."""
        done = self.page.locator(".jp-NotebookPanel .curriculum-ready-check")
        errors = self.page.locator(".jp-NotebookPanel .jp-OutputArea-output[data-mime-type="
                                   "'application/vnd.jupyter.stderr']")
        deadline = time.monotonic() + timeout
        while not done.count():
            if errors.count():
                raise AssertionError("a cell wrote to stderr or failed:\n" + "\n---\n".join(errors.all_inner_texts()))
            if time.monotonic() > deadline:
                raise AssertionError(f"the notebook's last cell (the readiness check) did not run within {timeout:.0f} s")
            time.sleep(0.2)
        self.wait_for_kernel_idle()
        if errors.count():
            raise AssertionError("a cell wrote to stderr or failed:\n" + "\n---\n".join(errors.all_inner_texts()))

    def restart_kernel_and_clear(self) -> None:
        """Kernel > Restart Kernel and Clear Outputs of All Cells…, confirmed in its dialog."""
        self.menu("Kernel", "Restart Kernel and Clear Outputs of All Cells…")
        dialog = self.page.locator(".jp-Dialog")
        dialog.locator("button.jp-mod-accept", has_text="Restart").click()  # its name: "Confirm Kernel Restart"
        dialog.wait_for(state="detached")
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')]"
            ".every(p => ['[ ]:', ''].includes(p.textContent.trim()))")
        self.page.locator(".jp-NotebookPanel .curriculum-exercise").first.wait_for(state="detached")
        self.page.locator(".jp-NotebookPanel .curriculum-ready-check").first.wait_for(state="detached")
        self.wait_for_kernel_idle()

    def reload(self, timeout: float = 90_000) -> None:
        """Reload the browser tab (JupyterLab reopens the notebook and reconnects to its kernel)."""
        self.page.reload()
        self._wait_for_notebook(timeout)

    def save(self) -> None:
        """Ctrl+S, as a student saves; returns once the server has written the notebook."""
        def saving(response: Any) -> bool:
            return response.request.method == "PUT" and "/api/contents/" in response.url

        with self.page.expect_response(saving, timeout=30_000) as saved:
            self.page.keyboard.press("Control+s")
        if not saved.value.ok:
            raise AssertionError(f"saving the notebook failed: HTTP {saved.value.status} {saved.value.text()[:300]}")
        self.page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-current:not(.jp-mod-dirty)").wait_for()

    # -- the course's widgets ---------------------------------------------------------------
    def exercises(self) -> Any:
        return self.page.locator(".jp-NotebookPanel .curriculum-exercise")

    def wait_for_exercises(self, controls: dict[str, int], timeout: float = 60_000) -> None:
        """Until exactly these exercise widgets are on the page, each with all its controls drawn
        (``controls``: item id -> number of inputs, menus and buttons; a widget's parts render one
        after another)."""
        self.page.wait_for_function("""expected => {
          const found = {};
          for (const box of document.querySelectorAll('.jp-NotebookPanel .curriculum-exercise')) {
            const heading = box.querySelector('.curriculum-prompt > strong');
            if (heading) found[heading.textContent] = box.querySelectorAll('input, select, button').length;
          }
          const items = Object.keys(expected);
          return Object.keys(found).length === items.length && items.every(i => found[i] === expected[i]);
        }""", arg=controls, timeout=timeout)

    def student_id_box(self) -> Any:
        return self.page.locator(".jp-NotebookPanel .curriculum-student-id")

    def enter_student_id(self, student: str) -> None:
        """Type the student id into the setup cell's box and save it, as a student does the first time."""
        box = self.student_id_box()
        box.get_by_label("Student ID:").fill(student)
        box.get_by_role("button", name="Save my ID").click()
        box.get_by_text(f"Saved: {student}.").wait_for()

    def exercise(self, item: str) -> Any:
        """The widget of one exercise item, found by the item id its prompt shows."""
        heading = self.page.locator(f".curriculum-prompt > strong:text-is({json.dumps(item)})")
        return self.exercises().filter(has=heading)

    # -- checks on the page -----------------------------------------------------------------
    def axe(self, include: Iterable[str], exclude: Iterable[str] = ()) -> dict[str, Any]:
        """Run axe-core on the elements matching ``include`` (CSS selectors)."""
        if not self._axe_loaded:
            self.page.add_script_tag(path=str(axe_script()))
            self._axe_loaded = True
        return self.page.evaluate(_AXE_JS, {"include": list(include), "exclude": list(exclude)})

    def typeset_maths(self) -> dict[str, list[str]]:
        """Text that JupyterLab's MathJax typeset, in cell outputs and in Markdown cells: the course
        has no formulas, so any is money or a hashtag read as LaTeX (e.g. "$140,000 ... $100")."""
        return self.page.evaluate("""() => {
          const found = (selector) => [...document.querySelectorAll(selector)]
            .filter(e => e.querySelector('mjx-container')).map(e => e.textContent.trim().slice(0, 80));
          return {outputs: found('.jp-NotebookPanel .jp-CodeCell .jp-OutputArea-output'),
                  markdown: found('.jp-NotebookPanel .jp-MarkdownCell')};
        }""")

    def repeated_option_letters(self) -> list[str]:
        """Option labels of the course's widgets that repeat their letter ("a) (a) ..." or "a) a. ...")."""
        return self.page.evaluate("""() => [...document.querySelectorAll('.jp-NotebookPanel .curriculum-exercise label')]
            .map(e => e.textContent.trim()).filter(t => /^([a-z])\\) *\\(?\\1[).:] /i.test(t)).map(t => t.slice(0, 60))""")

    def screenshot_exercises(self, path: Path) -> Path:
        """A picture of every exercise widget of the notebook, top to bottom, as answered."""
        path.parent.mkdir(parents=True, exist_ok=True)
        style = self.page.add_style_tag(content=_ONLY_EXERCISES_CSS)
        viewport = self.page.viewport_size
        outer = ".jp-NotebookPanel .jp-WindowedPanel-outer"
        try:
            height = self.page.evaluate(f"document.querySelector('{outer}').scrollHeight")
            self.page.set_viewport_size({"width": viewport["width"], "height": min(int(height) + 160, 30_000)})
            self.page.evaluate(f"document.querySelector('{outer}').scrollTop = 0")
            bottom = self.page.evaluate("""() => Math.max(0, ...[...document.querySelectorAll(
                '.jp-NotebookPanel .jp-CodeCell')].map(c => c.getBoundingClientRect().bottom))""")
            clip = {"x": 0, "y": 0, "width": viewport["width"], "height": min(int(bottom) + 16, int(height) + 160)}
            self.page.screenshot(path=str(path), clip=clip, animations="disabled", caret="hide")
        finally:
            self.page.set_viewport_size(viewport)
            style.evaluate("element => element.remove()")
        return path
