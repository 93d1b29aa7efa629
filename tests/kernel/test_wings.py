"""The kernel side stands alone: what a student's notebook imports (Quiz, the widgets, the case bank,
the Grader its hidden tests call) loads nothing of the staff's tools, nbgrader's preprocessors or
nbgrader itself (README "Layout")."""

from __future__ import annotations

import json
import subprocess
import sys

STUDENT_CODE = """
import json, sys
from curriculum import Quiz, cases
from curriculum.grading import Grader
quiz = Quiz("01-patient-privacy")
quiz.single_choice("q", "Which?", {"a": "A", "b": "B"}, correct="a")
cases.show(cases.load().index[0])
print(json.dumps(sorted(m for m in sys.modules
                        if m.startswith(("curriculum.staff", "curriculum.preprocessors", "nbgrader", "nbconvert")))))
"""


def test_a_students_kernel_imports_no_staff_or_nbgrader_code(tmp_path):
    proc = subprocess.run([sys.executable, "-c", STUDENT_CODE], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
