"""The course's nbgrader preprocessors: everything that runs inside ``nbgrader autograde`` and
``generate_feedback`` (registered in the course's ``nbgrader_config.py`` under these names; the old
names ``curriculum.autograde.*`` and ``curriculum.feedback.WithholdAnswers`` still work). They grade
students' widget answers as data: no kernel, no student code.

nbgrader autograde works in two passes over a submission. In the *sanitize* pass it clears all
outputs; in the *autograde* pass it would run the notebook in a kernel, where a student's own cells
run beside the hidden tests. This course needs no student code, so registered in its
``nbgrader_config.py``:

- :class:`HarvestAnswers` (:mod:`.harvest`) runs first in the sanitize pass, before ``ClearOutput``: it collects the
  copies of answers that exercise cells left in the submitted outputs and keeps them in the
  notebook's metadata, which survives the clearing.
- :class:`PrepareAnswers` (:mod:`.prepare`) runs first in the autograde pass: it merges those copies with the
  submitted answer file (see :func:`curriculum.answers.merge`) and writes the result as the answer
  file next to the notebook being graded. The student's own files in ``submitted/`` are never changed.
- :class:`GradeAnswers` (:mod:`.grade`) takes the place of nbgrader's ``Execute``: it scores the merged answers
  against the keys of the assignment's hidden tests and writes the outputs a kernel run would
  (:mod:`.asdata`, :mod:`.answerview`); only an instructor's own test code makes it run the course's cells,
  and only those, in a kernel.

Broken and hostile submissions:

- :class:`CheckSubmission` (:mod:`.check`, its rules in :mod:`.cells`, links in :mod:`.links`) runs in
  the sanitize pass, before nbgrader's DeduplicateIds and OverwriteCells: it compares the submission
  with the assignment recorded in the gradebook, rebuilds every course cell from it, refuses links,
  and keeps notes for the student in the notebook's metadata.
- :class:`SafeStudentText` (:mod:`.safetext`) ends the sanitize pass: what the student wrote is made
  safe to show as HTML in formgrader and the feedback.
- :class:`SubmissionNotes` (:mod:`.notes`, wording in :mod:`.text`) runs in the autograde pass, after
  GradeAnswers and before LimitOutput: it puts all notes in one markdown cell, "Notes from grading",
  at the top of the graded notebook (and so of the feedback).
- :class:`OverwriteCells` and :class:`SaveAutoGrades` (:mod:`.batched`) are nbgrader's own, reading
  the gradebook once per notebook instead of once per cell.
- :class:`WithholdAnswers` (:mod:`.withhold`) runs in ``generate_feedback`` for a reused assessment;
  :class:`StaffNotesOnly` (:mod:`.staffnotes`) there too, for every assignment: notes for staff (answers
  saved in another student's variant) stay out of students' feedback.

What stock nbgrader 0.9 does with each broken submission (measured with real runs of ``nbgrader
autograde`` on the toy course of the tests), and what this course does instead:

=============================  ========================================  ==================================
submission                     stock nbgrader 0.9                        this course
=============================  ========================================  ==================================
grading (test) cell deleted    item left "needs manual grading", with    cell put back from the gradebook,
                               no cell for staff to grade; its           graded with the saved answer
                               ``add_missing_cells`` option crashes
                               (KeyError) when the cell before is not a
                               grade/solution cell, as every test cell
                               here follows its exercise cell
written answer deleted         nothing to grade, no word                 put back empty: "no response"
read-only cell deleted         nothing                                   not put back (not needed)
cell duplicated                DeduplicateIds empties the earlier        extra copies kept as ordinary
                               copies' metadata, CheckCellMetadata then  cells, never run; a written answer
                               rejects it as an old format: the          keeps the copy the student wrote in
                               submission fails, and stock
                               ``nbgrader autograde`` stops the cohort
cells moved                    run in the student's order, no word       graded as usual, noted
cell type changed              changed back, a log warning only          changed back, noted
read-only / test cell edited   original restored (checksum), a log       the same, noted
                               warning only
grading settings edited        points and locked restored (a log         all settings restored
                               warning); grade/solution flags are not
cell metadata (tags) edited    kept: ``skip-execution`` skips a test,    the assignment's metadata, noted
                               which then scores full marks
outputs typed into a test      cleared by ClearOutput, no word           cleared, noted
unknown grading id             id dropped, cell half-kept                an ordinary cell, never run
code cell added                run with the tests, in their kernel       never run, noted
huge output (a kernel cell)    LimitOutput keeps 1000 lines and adds     the same, noted
                               "... Output truncated ..."
answer file is a folder        (this course's PrepareAnswers crashed)    answers saved in the notebook used
answer file is binary          (a UnicodeDecodeError message)            answers saved in the notebook used
answer file is a link          followed (a classmate's answers)          answers saved in the notebook used
notebook missing or renamed    run fails: "No notebooks were matched" /  zero, with a plain message
                               "did you forget to run generate..."
notebook not valid JSON        run fails: NotJSONError traceback         zero, with a plain message
answer dated after submitting  nothing                                   graded as submitted, noted
=============================  ========================================  ==================================

A submission that cannot be graded at all is scored zero by :func:`curriculum.failures.record_problem`.
The notes never quote the instructor's version of a cell (hidden tests are the answer key); text that
comes from the student (grading ids, file names, a line of code) is quoted as inline code.
"""

from .batched import OverwriteCells, SaveAutoGrades
from .check import CheckSubmission
from .grade import GradeAnswers
from .harvest import HarvestAnswers, embedded_answers
from .hidecode import HideCourseCode
from .notes import SubmissionNotes
from .prepare import PrepareAnswers
from .safetext import SafeStudentText
from .staffnotes import StaffNotesOnly
from .withhold import WithholdAnswers

__all__ = ["CheckSubmission", "GradeAnswers", "HarvestAnswers", "HideCourseCode", "OverwriteCells", "PrepareAnswers",
           "SafeStudentText", "SaveAutoGrades", "StaffNotesOnly", "SubmissionNotes", "WithholdAnswers", "embedded_answers"]
