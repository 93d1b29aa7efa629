"""The course's exceptions, in one place. Each message says what is wrong and how to fix it; the
modules that raise them re-export their own (``curriculum.answers.AnswerFileError`` and so on)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["AnswerFileError", "CaseBankWarning", "CaseFileError", "CourseError", "KeyReadError", "PlanError",
           "ReportError", "RosterError"]


class AnswerFileError(ValueError):
    """An answer file that cannot be read. The message says what is wrong and what to do."""


class KeyReadError(ValueError):
    """A hidden test cell whose key cannot be read; the message names the notebook and cell."""


class CaseBankWarning(UserWarning):
    """A case file that could not be loaded; the message says which file, case and field."""


@dataclass
class CaseFileError(ValueError):
    """Problems in one case file: each entry names the case id and the field."""

    path: str
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (case id, field, message)

    def __str__(self) -> str:
        lines = [f"{self.path}: {len(self.errors)} problem(s)"]
        lines += [f"  case {cid}, field {fld}: {msg}" for cid, fld, msg in self.errors]
        return "\n".join(lines)


class CourseError(RuntimeError):
    """A course operation that failed; the message says what and how to fix it."""


class PlanError(ValueError):
    """A plan file that cannot be read; the message names the file and the field."""


class RosterError(ValueError):
    """A roster file that cannot be used; the message names the file and every bad line."""


class ReportError(CourseError):
    """A report that cannot be made (nothing graded yet, feedback that reveals the key, ...)."""
