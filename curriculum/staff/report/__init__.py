"""``curriculum report ASSIGNMENT``: what the gradebook says about one assignment, for course staff.

- :func:`read_grades` reads every grade of the assignment from nbgrader's gradebook into pandas;
- :func:`grade_table`: one row per student (auto, manual, total, percent, items awaiting a person),
  students without a submission included;
- :func:`item_analysis`: per graded item, the classical difficulty (p), the corrected item-total
  correlation and the upper-lower 27% index, with flags for items worth a second look;
- :func:`variant_analysis`: p per variant of an item (another post from a pool, another option order),
  flagging a pool member harder or easier than its siblings; :func:`option_analysis`: per option, the
  share of all, upper and lower students who chose it, flagging weak or misleading distractors
  (module :mod:`.options`, from the answers :func:`.responses.read_responses` reads);
- :func:`plot_score_distribution`, :func:`plot_item_difficulty` and :func:`plot_options` draw PNGs
  (matplotlib, no display needed), :func:`html_report` puts tables and figures into one self-contained HTML file;
- :func:`canvas_frame` and :func:`moodle_frame` are grade files those LMSs import;
- :func:`check_feedback` checks the HTML feedback nbgrader writes for students for any trace of the
  answer key (the hidden tests, their arguments, the explanations kept in the source);
- :func:`write_report` does all of it and writes the files into ``reports/<assignment>/``.

The table functions take and return DataFrames and need no gradebook, so they are tested on
hand-made data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
import pandas as pd

if TYPE_CHECKING:
    from ..course import Course

from ..course import CourseError, ReleaseProblem
from ..spreadsheet import safe_frame
from .gradebook import AWAITING, GRADED, NO_SUBMISSION, Grades, ReportError, read_grades
from .leaks import check_feedback, feedback_secrets
from .lms import canvas_frame, moodle_frame
from .options import (
    MISCONCEPTION,
    OPTION_COLUMNS,
    VARIANT_COLUMNS,
    VARIANT_GAP,
    item_summaries,
    option_analysis,
    variant_analysis,
)
from .page import html_report
from .plots import plot_item_difficulty, plot_options, plot_score_distribution
from .stats import EASY, HARD, LOW_DISCRIMINATION, MIN_STUDENTS, grade_table, item_analysis

__all__ = [
    "AWAITING",
    "EASY",
    "GRADED",
    "HARD",
    "LOW_DISCRIMINATION",
    "MIN_STUDENTS",
    "MISCONCEPTION",
    "NO_SUBMISSION",
    "Grades",
    "Report",
    "ReportError",
    "VARIANT_GAP",
    "assignment_title",
    "canvas_frame",
    "check_feedback",
    "feedback_mode",
    "feedback_secrets",
    "grade_table",
    "html_report",
    "item_analysis",
    "item_summaries",
    "moodle_frame",
    "option_analysis",
    "plot_item_difficulty",
    "plot_options",
    "plot_score_distribution",
    "print_report",
    "read_grades",
    "response_analyses",
    "variant_analysis",
    "write_report",
]


def assignment_title(course: Course, assignment: str) -> str:
    """The assignment's title in the course plan, else the notebook's first heading, else its id."""
    from ..plan import PlanError, load_plan

    try:
        return load_plan(course.root).get(assignment).title
    except PlanError:
        pass
    try:
        nb = nbformat.read(course.source_notebook(assignment), as_version=4)
    except CourseError:
        return assignment
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            match = re.search(r"^#\s+(.+?)\s*$", cell.source, re.M)
            if match:
                return match.group(1)
    return assignment


@dataclass
class Report:
    assignment: str
    title: str
    folder: Path
    grades: pd.DataFrame
    items: pd.DataFrame
    files: dict[str, Path]
    warnings: list[str]
    feedback: list[Path]
    leaks: list[ReleaseProblem]
    summary: dict[str, object]
    feedback_mode: str = "full"
    #: :func:`variant_analysis` and :func:`option_analysis`; no rows when the answers could not be read.
    variants: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=VARIANT_COLUMNS))
    options: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=OPTION_COLUMNS))


FILES = ["grades.csv", "items.csv", "variants.csv", "options.csv", "canvas.csv", "moodle.csv",
         "score-distribution.png", "item-difficulty.png", "options.png", "report.html"]


def response_analyses(course: Course, assignment: str, scores: pd.DataFrame,
                      items: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]:
    """The variant and option analyses of the students' answers, and ``items`` with its ``variants``
    and ``options`` summaries; a warning instead (and empty tables) when the answers cannot be read or
    do not fit the gradebook, so the rest of the report is still written."""
    from .responses import read_responses

    variants = pd.DataFrame(columns=VARIANT_COLUMNS)
    options = pd.DataFrame(columns=OPTION_COLUMNS)
    try:
        responses, offered = read_responses(course, assignment)
    except ReportError as exc:
        return variants, options, items, [f"variant and option analysis skipped: {exc}"]
    try:
        variants = variant_analysis(scores, responses)
        options = option_analysis(scores, responses, offered)
    except ValueError as exc:  # answers that do not match the gradebook: say so, keep the grades
        return (pd.DataFrame(columns=VARIANT_COLUMNS), pd.DataFrame(columns=OPTION_COLUMNS), items,
                [f"variant and option analysis skipped: the saved answers do not match the gradebook: {exc}"])
    return variants, options, item_summaries(items, variants, options), []


def feedback_mode(course: Course, assignment: str) -> str:
    """What students' feedback shows, from the assignment's plan file: ``full`` unless it says ``scores``."""
    from ..plan import PlanError, load_plan

    try:
        return load_plan(course.root).get(assignment).feedback
    except PlanError:
        return "full"


def write_report(course: Course, assignment: str, out: Path | None = None, feedback: bool = True,
                 mode: str | None = None) -> Report:
    """Read the gradebook, write every report file into ``out`` (default ``reports/<assignment>/``),
    and unless ``feedback`` is false run ``nbgrader generate_feedback`` and check its files.

    ``mode`` is what the feedback shows (:data:`curriculum.feedback.FEEDBACK_MODES`); by default the
    assignment's plan says. Feedback files that reveal the key are deleted and listed in
    :attr:`Report.leaks`.
    """
    from ...feedback import FEEDBACK_MODES

    mode = mode or feedback_mode(course, assignment)
    if mode not in FEEDBACK_MODES:
        raise ValueError(f"feedback mode must be one of {', '.join(FEEDBACK_MODES)}, not {mode!r}")
    grades = read_grades(course, assignment)
    title = assignment_title(course, assignment)
    folder = Path(out) if out is not None else course.root / "reports" / assignment
    folder.mkdir(parents=True, exist_ok=True)
    table = grade_table(grades.students, grades.scores, grades.max_score)
    items = item_analysis(grades.scores)
    variants, options, items, answer_warnings = response_analyses(course, assignment, grades.scores, items)
    column = f"{title} ({assignment})"
    canvas, canvas_warnings = canvas_frame(table, column, grades.max_score)
    moodle, moodle_warnings = moodle_frame(table, column)
    warnings = canvas_warnings + moodle_warnings + answer_warnings
    submitted = table[table["status"] != NO_SUBMISSION]
    pending = table[table["status"] == AWAITING]
    if len(pending):
        warnings.append(f"{len(pending)} submission(s) have items awaiting manual grading "
                        f"({', '.join(pending['student'])}); their totals and the LMS files hold the score so far. "
                        "Grade them in the formgrader and run the report again.")
    flagged = items[items["flags"] != ""]
    summary: dict[str, object] = {
        "students in the gradebook": len(table), "submissions": len(submitted),
        "fully graded": int((table["status"] == GRADED).sum()), "awaiting manual grading": len(pending),
        "no submission": int((table["status"] == NO_SUBMISSION).sum()),
        "maximum points": f"{grades.max_score:g}",
        "mean score": f"{submitted['percent'].mean():.1f}%" if len(submitted) else "n/a",
        "median score": f"{submitted['percent'].median():.1f}%" if len(submitted) else "n/a",
        "items flagged": ", ".join(f"{r.item} ({r.flags})" for r in flagged.itertuples()) or "none",
    }
    if not answer_warnings:
        from .responses import other_variants

        copied = other_variants(course, assignment)
        summary["answers saved in another student's variant"] = len(copied)
        if copied:
            warnings.append(f"{len(copied)} answer(s) were saved in another student's variant of the item (copied "
                            "answers, or a student who typed someone else's ID); each was graded in the "
                            "student's own variant: " + "; ".join(copied))
        summary["variants flagged"] = ", ".join(
            f"{r.item} {r.variant} ({r.flags})" for r in variants[variants["flags"] != ""].itertuples()) or "none"
        summary["options flagged"] = f"{int((options['flags'] != '').sum())} (see options.csv)"

    files = {name: folder / name for name in FILES}
    for name, frame in (("grades.csv", table), ("items.csv", items), ("variants.csv", variants),
                        ("options.csv", options), ("canvas.csv", canvas), ("moodle.csv", moodle)):
        safe_frame(frame).to_csv(files[name], index=False)  # no cell a spreadsheet would run as a formula
    dist_png, dist_alt = plot_score_distribution(table, title)
    item_png, item_alt = plot_item_difficulty(items, title)
    option_png, option_alt = plot_options(options, title)
    files["score-distribution.png"].write_bytes(dist_png)
    files["item-difficulty.png"].write_bytes(item_png)
    files["options.png"].write_bytes(option_png)  # written even when empty: the same files every time

    leaks: list[ReleaseProblem] = []
    feedback_files: list[Path] = []
    if feedback:
        withheld = mode == "scores"
        try:
            course.nbgrader("generate_feedback", assignment, "--force", f"--WithholdAnswers.enabled={withheld}")
        except CourseError as exc:  # nbgrader writes the others' feedback; the check below still runs on all
            warnings.append(f"nbgrader generate_feedback failed for some submissions; their feedback is missing "
                            f"(see the log below). The feedback that was written is checked as usual.\n{exc}")
        feedback_files = sorted((course.root / "feedback").glob(f"*/{assignment}/*.html"))
        leaks = check_feedback(course, assignment, withheld=withheld)
        for path in sorted({course.root / leak.path for leak in leaks}):
            path.unlink(missing_ok=True)
        shows = "scores only, answers withheld" if withheld else "scores, answers and explanations"
        summary["feedback"] = (f"{len(feedback_files)} file(s) in feedback/ ({shows}), checked: no trace of the key"
                               if not leaks else f"REVEALED THE KEY in {len({p.path for p in leaks})} file(s), deleted")
    else:
        summary["feedback"] = "not generated (--no-feedback)"
    figures = [("Score distribution of the submitted students", dist_png, dist_alt),
               ("Item difficulty and discrimination", item_png, item_alt)]
    if len(options):  # without answers the warning says why; an empty figure would only repeat it
        figures.append(("Options chosen by all, upper and lower students", option_png, option_alt))
    page = html_report(
        title=title, assignment=assignment, summary=summary, grades=table, items=items, figures=figures,
        warnings=warnings + [str(leak) for leak in leaks], files=[p.name for p in files.values()],
        variants=variants, options=options)
    files["report.html"].write_text(page, encoding="utf-8")
    return Report(assignment, title, folder, table, items, files, warnings, feedback_files, leaks, summary, mode,
                  variants, options)


def print_report(course: Course, assignment: str, out: str | Path | None = None, feedback: bool = True,
                 mode: str | None = None) -> int:
    """``curriculum report``: write the report, print a summary and the paths; the exit code."""
    import sys

    report = write_report(course, assignment, Path(out) if out else None, feedback, mode)
    print(f"{assignment}: {report.title}")
    for key, value in report.summary.items():
        print(f"  {key}: {value}")
    shown = report.grades[["student", "status", "auto_score", "manual_score", "total", "max", "percent",
                           "pending_manual"]]
    print("\n" + shown.to_string(index=False, na_rep="-"))
    print("\n" + report.items[["item", "max", "n_scored", "difficulty", "discrimination", "upper_lower",
                              "flags"]].to_string(index=False, na_rep="n/a"))
    variants = report.variants[report.variants["flags"] != ""]
    if len(variants):
        print("\nVariants flagged (all in variants.csv):\n"
              + variants[["item", "variant", "n", "difficulty", "flags"]].to_string(index=False, na_rep="n/a"))
    options = report.options[report.options["flags"] != ""]
    if len(options):
        print("\nOptions flagged (all in options.csv):\n"
              + options[["item", "question", "option", "chosen", "upper", "lower", "n", "flags"]]
              .to_string(index=False, na_rep="n/a"))
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print("\nWrote:")
    for path in report.files.values():
        print(f"  {_shown_path(path, course.root)}")
    if report.feedback and not report.leaks:
        print(f"  feedback/*/{assignment}/*.html ({len(report.feedback)} file(s), checked: no trace of the key)")
    if report.leaks:
        for leak in report.leaks:
            print(f"LEAK: {leak}", file=sys.stderr)
        needed = "nbgrader.preprocessors.ClearHiddenTests"
        if report.feedback_mode == "scores":
            needed += " and then curriculum.preprocessors.WithholdAnswers"
        print(f"curriculum report: the feedback of {assignment} revealed the answer key, so those files were "
              f"deleted. Check that nbgrader_config.py lists {needed} in c.GenerateFeedback.preprocessors, "
              "then run the report again.", file=sys.stderr)
        return 1
    return 0


def _shown_path(path: Path, root: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
