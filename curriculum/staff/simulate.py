"""A simulated cohort: students who open the released notebook in a real kernel, click answers into
the real widgets, save, and submit. Used by ``curriculum demo`` and the course tests.

Each student runs every cell of the released notebook, then answers by setting widget values (the
same path a click takes: the widget saves the answer file and updates the copy in the notebook's
outputs). The notebook is then saved with its outputs, as JupyterLab saves it.

Expected scores are computed here from the saved answers with :mod:`curriculum.scoring`, apart
from nbgrader, so that a grading run can be checked against them.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from .. import scoring
from ..answers import AnswerSet, answer_file_name, merge
from ..preprocessors.harvest import embedded_answers
from ..keys import ItemKey
from ..nbhelpers import cell_meta

__all__ = ["PROFILES", "SimulatedStudent", "expected_points", "simulate_submission", "student_keys"]

#: Profile name -> what the simulated student does.
PROFILES = {
    "complete": "answers every graded item correctly and writes a reflection",
    "partial": "gets some items right, some partly right and some wrong",
    "blank": "runs the notebook but answers nothing",
    "no-answer-file": "answers every item correctly, then submits only the notebook (as an LMS upload would)",
}

REFLECTION_TEXT = (
    "I would ask my classmate not to post about the patient. If they want to share the lesson, they "
    "could wait, remove every identifier and the timing, and ask the patient for written consent "
    "through the hospital's process."
)


@dataclass(frozen=True)
class SimulatedStudent:
    student: str
    profile: str


def correct_value(key: ItemKey) -> Any:
    a = key.args
    if key.kind == "single":
        return a["correct"]
    if key.kind == "multiple":
        return sorted(a["correct"])
    if key.kind == "triage":
        return {post: {"verdict": v, "reason": r} for post, (v, r) in a["key"].items()}
    if key.kind == "ranking":
        return {k: place for place, k in enumerate(a["order"], 1)}
    if key.kind == "disclosure":
        return {part: acceptable[0] for part, acceptable in a["key"].items()}
    return [[s, e] for s, e, _ in scoring.identifying_tokens(key.text, key.spans())]


def answer_code(key: ItemKey, profile: str, position: int) -> str | None:
    """Python run in the student's kernel to answer one item (``None``: leave it unanswered)."""
    if profile == "blank":
        return None
    ex = f"quiz.items[{key.item!r}]"
    right = correct_value(key)
    if profile in ("complete", "no-answer-file"):
        return f"{ex}.answer({right!r})"
    # partial: right, partly right or wrong, depending on the kind and the item's position
    if key.kind == "single":
        if position % 2 == 0:
            return f"{ex}.answer({right!r})"
        return f"{ex}.answer(next(k for k in {ex}.options if k != {right!r}))"
    if key.kind == "multiple":
        # all right options but the last, plus one wrong option when there is one
        return (f"_right = {right!r}\n_wrong = [k for k in {ex}.options if k not in _right][:1]\n"
                f"{ex}.answer(_right[:-1] + _wrong)")
    if key.kind == "triage":
        # right verdicts, but a wrong reason for every post
        return (f"_key = {right!r}\n"
                f"{ex}.answer({{p: {{'verdict': c['verdict'], 'reason': next(r for r in {ex}.reasons "
                f"if r != c['reason'])}} for p, c in _key.items()}})")
    if key.kind == "ranking":
        first, second = key.args["order"][:2]
        swapped = dict(right, **{first: 2, second: 1})  # the top two swapped
        return f"{ex}.answer({swapped!r})"
    if key.kind == "disclosure":
        # the first part right, every other part wrong
        return (f"_key = {key.args['key']!r}\n"
                f"{ex}.answer({{p: (acc[0] if i == 0 else next(o for o in {ex}.parts[p] if o not in acc)) "
                f"for i, (p, acc) in enumerate(_key.items())}})")
    return f"{ex}.answer({right[:-1]!r})"  # identifiers: all but one identifying word


def student_keys(keys: list[ItemKey], notebook: Path, student: str) -> list[ItemKey]:
    """The keys of ``student``'s variants of a built ``notebook``'s items (its setup cell says how it
    varies): what that student must answer to be right, and what grading scores them on."""
    from ..keys import notebook_settings

    settings = notebook_settings(notebook)
    return [k.for_student(settings, notebook.stem, student) for k in keys]  # off: each pool's first member


def simulate_submission(release_notebook: Path, folder: Path, student: SimulatedStudent,
                        keys: list[ItemKey], timeout: int = 120) -> Path:
    """Run the released notebook as ``student`` in ``folder`` (its kernel told who the student is, as
    JupyterHub would) and save it with its answers there; ``keys`` are the source's, and the student
    answers their own variant of each item."""
    from nbclient import NotebookClient

    from ..identity import ENV, GRADING_ENV
    from ..nbhelpers import environment

    if student.profile not in PROFILES:
        raise ValueError(f"unknown profile {student.profile!r}; choose from {', '.join(PROFILES)}")
    folder.mkdir(parents=True, exist_ok=True)
    for extra in release_notebook.parent.iterdir():
        if extra.is_file() and extra.suffix != ".ipynb":
            shutil.copy(extra, folder / extra.name)
    nb = nbformat.read(release_notebook, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}},
                            extra_arguments=["--IPKernelApp.log_level=ERROR"])  # no start-up chatter
    keys = student_keys(keys, release_notebook, student.student)
    with environment(**{ENV: student.student, "JUPYTERHUB_USER": None, GRADING_ENV: None}), client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                client.execute_cell(cell, index)
        for position, key in enumerate(keys):
            code = answer_code(key, student.profile, position)
            if code is None:
                continue
            scratch = nbformat.v4.new_code_cell(code)
            nb.cells.append(scratch)
            client.execute_cell(scratch, len(nb.cells) - 1)
            nb.cells.pop()
            errors = [o for o in scratch.outputs if o.output_type == "error"]
            if errors:
                raise RuntimeError(f"{student.student}: answering {key.item} failed: "
                                   f"{errors[0].ename}: {errors[0].evalue}")
    if student.profile != "blank":
        for cell in nb.cells:
            meta = cell_meta(cell)
            if cell.cell_type == "markdown" and meta.get("solution") and meta.get("grade"):
                cell.source = REFLECTION_TEXT
    out = folder / release_notebook.name
    nbformat.write(nb, out)
    if student.profile == "no-answer-file":
        (folder / answer_file_name(release_notebook.stem)).unlink()
    return out


def submitted_answers(notebook_path: Path) -> AnswerSet:
    """The answers a submission carries: its answer file merged with the copies in the notebook."""
    name = notebook_path.stem
    file = notebook_path.parent / answer_file_name(name)
    text = file.read_text(encoding="utf-8") if file.exists() else None
    nb = nbformat.read(notebook_path, as_version=4)
    return merge(name, text, embedded_answers(nb))


def expected_points(answers: AnswerSet, keys: list[ItemKey]) -> dict[str, float]:
    """Points per item, scored directly from the answers (apart from nbgrader)."""
    out = {}
    for key in keys:
        record = answers.answers.get(key.item)
        value = record.value if record is not None and record.kind == key.kind else None
        a = key.args
        if key.kind == "single":
            result = scoring.score_single(value, a["correct"])
        elif key.kind == "multiple":
            result = scoring.score_multiple(value, a["correct"], options=a.get("options"))
        elif key.kind == "triage":
            result = scoring.score_triage(value, a["key"])
        elif key.kind == "ranking":
            result = scoring.score_ranking(value, a["order"])
        elif key.kind == "disclosure":
            result = scoring.score_disclosure(value, a["key"])
        else:
            result = scoring.score_identifiers(value, key.text, key.spans())
        out[key.item] = scoring.to_points(result.fraction, key.points)
    return out

