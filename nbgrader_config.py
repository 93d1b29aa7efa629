"""nbgrader configuration of the course. Run nbgrader (or `curriculum`) from this folder.

All paths are relative to this folder. The gradebook is sqlite (gradebook.db here) unless
CURRICULUM_DB_URL gives a database URL, e.g. postgresql://user@localhost/course.
"""
import os
from pathlib import Path

from curriculum.jurisdiction import prepared_source
from curriculum.nbhelpers import quiet_known_warnings

c = get_config()  # noqa: F821 (provided by nbgrader)

c.CourseDirectory.course_id = "social-media-medicine"
# Instructors edit source/. nbgrader reads this course's jurisdiction's view of it (assignments/course.yaml
# `jurisdiction:`, or $CURRICULUM_JURISDICTION for one command): the shared cells and those marked for
# the jurisdiction, written to .curriculum/source-<jurisdiction>/ (curriculum/jurisdiction.py).
c.CourseDirectory.source_directory = prepared_source(".")
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = os.environ.get("CURRICULUM_DB_URL", "sqlite:///gradebook.db")

# An instructor who tries a source notebook gets an answer file in source/; never let it replace a
# student's answer file during autograde (release/ is checked for answer files separately).
c.Autograde.exclude_overwriting = {p.parent.name: [p.name] for p in Path("source").glob("*/*.answers.json")}

# nbgrader 0.9 with SQLAlchemy 2 warns each time it first records a submission, harmlessly: keep that
# noise out of the grading logs.
quiet_known_warnings()

# Only for an instructor's own test code (see GradeAnswers below), which runs in a kernel: seconds a
# single cell may run before it is stopped (and scores zero), and seconds a kernel may take to start
# (nbgrader's default; `curriculum grade` tries once more if it does not).
c.Execute.timeout = 60
c.Execute.startup_timeout = 60

# Widget answers: harvest the copies saved in outputs before they are cleared, then merge them with
# the answer file (curriculum/preprocessors/ explains each step). GradeAnswers takes the place of
# nbgrader's Execute: it grades the answers as data, with no kernel and no student code (every hidden
# test of the course is a Grader call); a notebook with other test code runs its course cells alone
# in a kernel. Cells a student added never run.
# SafeStudentText makes what a student wrote safe to show as HTML in formgrader and feedback
# (curriculum/preprocessors/safetext.py).
# OverwriteCells and SaveAutoGrades are nbgrader's, reading the gradebook once per notebook, not
# once per cell (curriculum/preprocessors/batched.py).
# Broken submissions (cells deleted, copied, moved, edited...): CheckSubmission compares the submission
# with the assignment before nbgrader's own checks and repairs what they crash on; SubmissionNotes
# tells the student what was found in a "Notes from grading" cell (curriculum/preprocessors/).
# nbconvert checks the whole notebook after every one of the steps below; once after each pass is
# enough (an invalid notebook still stops there), and it saves a tenth of grading a submission.
c.NotebookExporter.optimistic_validation = True
c.Autograde.sanitize_preprocessors = [
    "curriculum.preprocessors.HarvestAnswers",
    "curriculum.preprocessors.CheckSubmission",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "curriculum.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
    "curriculum.preprocessors.SafeStudentText",
]
c.Autograde.autograde_preprocessors = [
    "curriculum.preprocessors.PrepareAnswers",
    "curriculum.preprocessors.GradeAnswers",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "curriculum.preprocessors.SubmissionNotes",
    "nbgrader.preprocessors.LimitOutput",
    "curriculum.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# The student version: nbgrader's own steps (its default list), then HideCourseCode, which collapses
# the input of every code cell, so students see lesson text, case cards and widgets, not the Python
# that builds them (curriculum/preprocessors/hidecode.py).
c.GenerateAssignment.preprocessors = [
    "nbgrader.preprocessors.IncludeHeaderFooter",
    "nbgrader.preprocessors.InstantiateTests",
    "nbgrader.preprocessors.LockCells",
    "nbgrader.preprocessors.ClearSolutions",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.CheckCellMetadata",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.SaveCells",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbgrader.preprocessors.ClearMarkScheme",
    "nbgrader.preprocessors.ComputeChecksums",
    "nbgrader.preprocessors.CheckCellMetadata",
    "curriculum.preprocessors.HideCourseCode",
]

# Feedback for students: the autograded notebook has the hidden tests (the key) restored, so clear
# them again before the HTML is written; the printed feedback of each test stays, unless
# WithholdAnswers is enabled (`feedback: scores` in an assignment's plan file, or `curriculum report
# --feedback scores`), which keeps only scores and how close (curriculum/feedback.py).
# StaffNotesOnly leaves out the lines meant for staff ("Note for staff: the saved answer was made for
# another student's variant", curriculum/variants.py): staff read them in formgrader and the report.
# `curriculum report` also checks every feedback file for leaks (curriculum/staff/report/leaks.py).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "curriculum.preprocessors.StaffNotesOnly",
    "curriculum.preprocessors.WithholdAnswers",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
