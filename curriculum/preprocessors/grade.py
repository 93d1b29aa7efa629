"""GradeAnswers: the answers graded, not the notebook, in place of nbgrader's Execute."""

from __future__ import annotations

import os
from typing import Any

from ..identity import GRADING_ENV
from ..keys import graded_as_data, grader_call
from ..nbhelpers import environment, grade_id, hidden_test_markers
from .base import METADATA_KEY, REFERENCES, CoursePreprocessor, reference_key

__all__ = ["GradeAnswers"]


class GradeAnswers(CoursePreprocessor):
    """Grade the answers, not the notebook: in place of nbgrader's Execute in the autograde pass.

    Every course cell (a cell whose grading id is part of the assignment) is taken from the
    assignment as the gradebook records it, whatever the submission says; every other cell (added
    by the student, or a copy) gets no outputs and never runs. When every hidden test is a literal
    ``Grader`` call (:func:`curriculum.keys.grader_call`), no kernel starts: the tests' outputs and
    the exercises' static views are computed from the merged answers (:mod:`curriculum.preprocessors.asdata`).
    Otherwise (an instructor's own test code) the course cells alone run in a kernel with a fresh
    home and IPython folder of its own, through nbgrader's Execute and its configured timeouts.
    """

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook

        from . import cells

        info = resources["nbgrader"]
        refs = REFERENCES.pop(reference_key(info), None)
        if refs is None:  # CheckSubmission did not run, or could not read the assignment
            with Gradebook(info["db_url"]) as gb:
                refs = cells.load_reference(gb, info["notebook"], info["assignment"], (),
                                                  hidden_test_markers(self.config))
        refs = {ref.grade_id: ref for ref in refs}
        course: dict[int, Any] = {}
        for index, cell in enumerate(nb.cells):
            gid = grade_id(cell)
            ref = refs.get(gid)
            if ref is not None and ref.cell_type == "code" and ref.locked:
                nb.cells[index] = cell = cells.rebuild(cell, ref, {k: v for k, v in cell.metadata.items()
                                                                          if k != "nbgrader"})
                course[index] = ref
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        calls = {i: graded_as_data(ref.source, info["notebook"]) for i, ref in course.items() if ref.grade}
        if all(call is not None for call in calls.values()):
            self._as_data(nb, resources, course, calls)
        else:
            self._in_kernel(nb, resources, course)
        return nb, resources

    def _answers(self, resources):
        from ..answers import AnswerStore, parse_answer_file

        notebook = resources["nbgrader"]["notebook"]
        text = (resources.get(METADATA_KEY) or {}).get("merged_answers")
        if text is None:  # PrepareAnswers is not configured: read the answer file as a kernel would
            return AnswerStore(notebook, (resources.get("metadata") or {}).get("path")).load()
        return parse_answer_file(text, notebook, with_notes=True)  # merged by PrepareAnswers

    def _as_data(self, nb, resources, course, calls) -> None:
        from ..keys import quiz_settings
        from . import asdata

        answers = self._answers(resources)
        # the variants: the assignment's own setup cell says how it varies, nbgrader says whose it is
        settings = quiz_settings(ref.source for ref in course.values() if not ref.grade)
        student = resources["nbgrader"].get("student")
        for count, (index, ref) in enumerate(sorted(course.items()), 1):
            cell = nb.cells[index]
            cell.execution_count = count
            if index in calls:
                cell.outputs = asdata.hidden_test_outputs(calls[index], answers, count, student=student,
                                                          settings=settings)
            else:
                cell.outputs = asdata.course_cell_outputs(ref.source, answers, student=student, settings=settings)
        self.log.info("Graded %s as data: %d test(s), no kernel", resources.get("unique_key"), len(calls))

    def _in_kernel(self, nb, resources, course) -> None:
        import copy
        import tempfile

        from jupyter_core.paths import jupyter_config_dir, jupyter_data_dir, jupyter_runtime_dir
        from nbformat import from_dict
        from nbformat.v4 import new_raw_cell
        from nbgrader.preprocessors import Execute

        runnable = copy.deepcopy(nb)
        for index, cell in enumerate(runnable.cells):
            if index in course:  # no tags or other settings from anywhere but nbgrader's own
                cell.metadata = {"nbgrader": cell.metadata["nbgrader"]}
            else:  # only the course's own cells run; the rest keep their place, empty
                runnable.cells[index] = new_raw_cell("")
                runnable.cells[index].pop("id", None)
        self.log.info("Running the course cells of %s in a kernel (an instructor's own test code)",
                      resources.get("unique_key"))
        with tempfile.TemporaryDirectory(prefix="curriculum-kernel-home-") as home:
            # a home and IPython folder of its own; Jupyter's own folders stay, so kernels are found
            # whose variants the kernel grades: the student who submitted, whatever the kernel's surroundings say
            with environment(HOME=home, IPYTHONDIR=os.path.join(home, ".ipython"),
                              JUPYTER_CONFIG_DIR=jupyter_config_dir(), JUPYTER_DATA_DIR=jupyter_data_dir(),
                              JUPYTER_RUNTIME_DIR=jupyter_runtime_dir(),
                              **{GRADING_ENV: resources["nbgrader"].get("student") or None}):
                runnable, resources = Execute(parent=self, config=self.config).preprocess(runnable, resources)

        for index, ref in course.items():
            cell = nb.cells[index]
            cell.outputs, cell.execution_count = runnable.cells[index].outputs, runnable.cells[index].execution_count
            if ref.grade and grader_call(ref.source) is not None and not any(
                    o.get("output_type") in ("execute_result", "error") for o in cell.outputs):
                # a Grader test always shows its score; without one nbgrader would give full marks
                cell.outputs.append(from_dict({"output_type": "error", "ename": "NoScore", "evalue": "",
                                               "traceback": ["The grading cell showed no score, so it scores 0."]}))
