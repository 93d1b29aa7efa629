"""The course's nbgrader preprocessors under the names course configs have used since the first
release (``curriculum.autograde.HarvestAnswers`` and so on); they live in
:mod:`curriculum.preprocessors`."""

from .preprocessors import CheckSubmission, GradeAnswers, HarvestAnswers, PrepareAnswers, SubmissionNotes, embedded_answers
from .preprocessors.base import METADATA_KEY

__all__ = ["METADATA_KEY", "CheckSubmission", "GradeAnswers", "HarvestAnswers", "PrepareAnswers", "SubmissionNotes",
           "embedded_answers"]
