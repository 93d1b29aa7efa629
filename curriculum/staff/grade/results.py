"""What happened to each submission of a grading run, and the run's log (``grading.csv``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


__all__ = ["GradeResult", "write_log"]


@dataclass
class GradeResult:
    """What happened to one submission in a grading run."""

    student: str
    status: str  # "graded", "skipped" (already graded), "failed", "timed out", "refused"; "retry" inside a run
    seconds: float = 0.0
    message: str = ""
    auto_score: float | None = None
    auto_max: float | None = None
    log: str = ""

    @property
    def problem(self) -> bool:
        return self.status in ("failed", "timed out", "refused")


def write_log(path: Path, results: list[GradeResult]) -> None:
    from ..spreadsheet import write_csv

    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(path, ["student", "status", "auto score", "auto max", "seconds", "message", "log"],
              ([r.student, r.status, "" if r.auto_score is None else r.auto_score,
                "" if r.auto_max is None else r.auto_max, f"{r.seconds:.1f}", r.message, r.log] for r in results))


