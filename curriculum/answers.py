"""Where students' widget answers live, so that nbgrader can grade them.

A widget's value exists only in the kernel that showed it, and nbgrader grades in a fresh kernel.
So every answer is kept in two places:

1. the *answer file* ``<notebook>.answers.json`` next to the notebook, rewritten atomically the
   moment an answer changes (never when a cell merely runs);
2. a *copy inside the notebook*: each exercise cell shows a small "saved answer" output whose
   bundle carries the record under :data:`ANSWER_MIME`. JupyterLab saves it with the notebook, so a
   notebook uploaded alone (LMS, zip_collect) still carries its answers.

Before grading, :func:`merge` combines both. The rule, per item: **the most recently saved answer
wins** (records carry ``saved_at``); on a tie the answer file wins. A damaged file or an invalid
record never stops grading: it becomes a *problem* note on the affected items, which the grading
helpers print in the feedback while the item scores zero (unless the other copy is good).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .kinds import NAMES
from .values import MAX_ANSWERS, MAX_FILE_CHARS, shown, text_value, validate_value
from .errors import AnswerFileError

__all__ = [
    "ANSWER_MIME",
    "embedded_answers",
    "FILE_FORMAT",
    "KINDS",
    "AnswerFileError",
    "AnswerRecord",
    "AnswerSet",
    "AnswerStore",
    "answer_file_name",
    "merge",
    "parse_answer_file",
    "validate_value",
]

#: MIME type of the copy of an answer kept inside the notebook's outputs.
ANSWER_MIME = "application/vnd.curriculum.answers+json"
#: The ``format`` field of every answer file.
FILE_FORMAT = "curriculum-answers"
FILE_VERSION = 1
#: Exercise kinds (the registry is :mod:`curriculum.kinds`).
KINDS = NAMES


def answer_file_name(notebook: str) -> str:
    """The answer file of a notebook: ``01-patient-privacy`` -> ``01-patient-privacy.answers.json``."""
    if not notebook or "/" in notebook or "\\" in notebook or notebook.startswith("."):
        raise ValueError(
            f"notebook name {notebook!r} is not valid: give the notebook's file name without "
            "folder or '.ipynb', e.g. Quiz('01-patient-privacy')"
        )
    if notebook.endswith(".ipynb"):
        notebook = notebook[: -len(".ipynb")]
    return f"{notebook}.answers.json"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class AnswerRecord:
    """One saved answer: the exercise kind, its value, and when it was saved (UTC, ISO 8601)."""

    kind: str
    value: Any
    saved_at: str
    #: the fingerprint of the variant the answer was made in (:attr:`curriculum.variants.Layout.fingerprint`);
    #: None when the item did not vary. Grading only compares it, never uses it to score.
    variant: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = {"kind": self.kind, "value": self.value, "saved_at": self.saved_at}
        if self.variant is not None:
            data["variant"] = self.variant
        return data

    @classmethod
    def from_json(cls, item: str, data: Any) -> AnswerRecord:
        if not isinstance(data, dict):
            raise ValueError(f"answer for {shown(item)} should be an object with kind, value, saved_at; "
                             f"found {shown(data)}")
        missing = {"kind", "value", "saved_at"} - set(data)
        if missing:
            raise ValueError(f"answer for {shown(item)} lacks {', '.join(sorted(missing))}")
        saved_at = data["saved_at"]
        try:
            stamp = datetime.fromisoformat(saved_at)
        except (TypeError, ValueError):
            raise ValueError(f"answer for {shown(item)} has an unreadable saved_at {shown(saved_at)}") from None
        if stamp.tzinfo is None:
            raise ValueError(f"answer for {shown(item)} has a saved_at without a time zone: {shown(saved_at)}")
        try:
            value = validate_value(data["kind"], data["value"])
        except ValueError as exc:
            raise ValueError(f"answer for {shown(item)}: {exc}") from None
        variant = data.get("variant")
        if variant is not None:
            try:
                variant = text_value(variant, "its variant")
            except ValueError as exc:
                raise ValueError(f"answer for {shown(item)}: {exc}") from None
        return cls(kind=data["kind"], value=value, saved_at=saved_at, variant=variant)

    def stamp(self) -> datetime:
        return datetime.fromisoformat(self.saved_at)


@dataclass
class AnswerSet:
    """Answers of one notebook, plus notes on anything that went wrong while reading them.

    ``problems`` maps an item id (or ``"*"`` for the whole notebook) to messages for the student.
    """

    notebook: str
    answers: dict[str, AnswerRecord] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    #: the student id kept in the answer file (typed once in the setup cell); never trusted by grading
    student: str | None = None

    def note(self, item: str, message: str) -> None:
        self.problems.setdefault(item, [])
        if message not in self.problems[item]:
            self.problems[item].append(message)

    def problems_for(self, item: str) -> list[str]:
        return self.problems.get("*", []) + self.problems.get(item, [])

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": FILE_FORMAT,
            "version": FILE_VERSION,
            "notebook": self.notebook,
            "answers": {k: self.answers[k].to_json() for k in sorted(self.answers)},
        }
        if self.student is not None:
            data["student"] = self.student
        if self.problems:
            data["problems"] = {k: list(v) for k, v in sorted(self.problems.items())}
        if self.sources:
            data["sources"] = dict(sorted(self.sources.items()))
        return data


def parse_answer_file(text: str, notebook: str, *, where: str = "answer file", with_notes: bool = False) -> AnswerSet:
    """Read the text of an answer file.

    A file that is not JSON, or not an answer file at all, or far larger than any notebook needs
    (:data:`MAX_FILE_CHARS`, :data:`MAX_ANSWERS`), raises :class:`AnswerFileError`. A file that is
    fine except for some items loads the good items and notes a problem on each bad one.

    Only a file that grading wrote itself (the merged answers) carries notes for the student
    (``"problems"``); they are read with ``with_notes``. A student's own file never has them (the
    widgets do not write any), so there they are ignored, with a note that says so: text from a
    submission must never pass for a note from the course.
    """
    if not text.strip():
        raise AnswerFileError(f"the {where} is empty")
    if len(text) > MAX_FILE_CHARS:
        raise AnswerFileError(f"the {where} is {len(text):,} characters long; an answer file is never more than "
                              f"{MAX_FILE_CHARS:,}, so it was not read")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AnswerFileError(
            f"the {where} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except (RecursionError, ValueError) as exc:  # nested too deep; a number too long to read
        why = "it is nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise AnswerFileError(f"the {where} could not be read ({why})") from None
    if not isinstance(data, dict) or data.get("format") != FILE_FORMAT:
        raise AnswerFileError(f"the {where} is not a course answer file (no \"format\": \"{FILE_FORMAT}\")")
    if data.get("version") != FILE_VERSION:
        raise AnswerFileError(f"the {where} has version {shown(data.get('version'))}; this package reads version "
                              f"{FILE_VERSION}")
    if data.get("notebook") not in (None, notebook):
        raise AnswerFileError(f"the {where} belongs to notebook {shown(data.get('notebook'))}, not {notebook!r}")
    raw = data.get("answers")
    if not isinstance(raw, dict):
        raise AnswerFileError(f"the {where} has no \"answers\" object")
    if len(raw) > MAX_ANSWERS:
        raise AnswerFileError(f"the {where} holds {len(raw):,} answers; a notebook has at most {MAX_ANSWERS:,} items")
    result = AnswerSet(notebook)
    if data.get("student") is not None:
        from .variants import check_student_id

        try:
            result.student = check_student_id(data["student"])
        except ValueError as exc:
            result.note("*", f"The student id in the {where} was not used: {exc}.")
    for item, record in raw.items():
        try:
            text_value(item, "an item id")
        except ValueError as exc:
            result.note("*", f"An answer in the {where} was not used: {exc}.")
            continue
        try:
            result.answers[item] = AnswerRecord.from_json(item, record)
        except ValueError as exc:
            result.note(item, f"Your saved answer could not be used ({where}: {exc}).")
    notes = data.get("problems")
    if notes and not with_notes:
        result.note("*", f"The {where} holds notes of its own (\"problems\"), which only grading writes; "
                         "they were ignored.")
    elif isinstance(notes, dict):
        for item, messages in notes.items():
            for message in messages if isinstance(messages, list) else [messages]:
                result.note(str(item), str(message))
    return result


def merge(
    notebook: str,
    file_text: str | None,
    embedded: Iterable[Mapping[str, Any]],
    *,
    file_error: str | None = None,
) -> AnswerSet:
    """Combine the answer file (its text, or ``None`` if it is missing or ``file_error`` says why it
    could not be opened) with the copies found inside the notebook (each a ``{item: record}``
    mapping, as in the outputs' :data:`ANSWER_MIME` data).

    Per item the most recent ``saved_at`` wins; on a tie the answer file wins. Problems with either
    copy are noted on the items they touch; a problem with the file is noted for the whole notebook
    only when the notebook has no usable copy either.
    """
    result = AnswerSet(notebook)
    from_file = AnswerSet(notebook)
    file_problem = None
    if file_error:
        file_problem = f"The answer file {answer_file_name(notebook)} could not be opened ({file_error})"
    elif file_text is None:
        file_problem = f"No answer file ({answer_file_name(notebook)}) was submitted"
    else:
        try:
            from_file = parse_answer_file(file_text, notebook)
        except AnswerFileError as exc:
            file_problem = f"The answer file {answer_file_name(notebook)} could not be read: {exc}"

    from_notebook = AnswerSet(notebook)
    for bundle in embedded:
        if not isinstance(bundle, Mapping):
            continue
        for item, record in bundle.items():
            try:
                rec = AnswerRecord.from_json(item, record)
            except ValueError as exc:
                from_notebook.note(item, f"The copy of your answer saved in the notebook could not be used: {exc}.")
                continue
            old = from_notebook.answers.get(item)
            if old is None or rec.stamp() > old.stamp():
                from_notebook.answers[item] = rec

    for item in sorted(set(from_file.answers) | set(from_notebook.answers)):
        a, b = from_file.answers.get(item), from_notebook.answers.get(item)
        if a is not None and (b is None or a.stamp() >= b.stamp()):
            result.answers[item], result.sources[item] = a, "answer file"
        else:
            result.answers[item], result.sources[item] = b, "notebook copy"

    result.student = from_file.student
    for source in (from_file, from_notebook):
        for item, messages in source.problems.items():
            if item in result.answers and item != "*":
                continue  # the other copy was good
            for message in messages:
                result.note(item, message)
    if file_problem:
        if result.answers:
            result.note("*", file_problem + "; the answers saved inside the notebook were used instead.")
        else:
            result.note("*", file_problem + ", and the notebook holds no saved answers either.")
    return result


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; graders and nbgrader must read it
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class AnswerStore:
    """The answer file of one notebook in one folder (the kernel's working directory by default).

    ``load()`` never raises for a damaged file: it returns what it can and notes the problem.
    ``save()`` re-reads the file, changes one item and replaces the file atomically; a damaged file
    is first moved aside (``*.damaged-<time>``) so nothing the student had is lost.
    """

    def __init__(self, notebook: str, folder: str | os.PathLike[str] | None = None):
        self.notebook = notebook[: -len(".ipynb")] if notebook.endswith(".ipynb") else notebook
        self.path = Path(folder or os.getcwd()) / answer_file_name(self.notebook)

    def __repr__(self) -> str:
        return f"AnswerStore({self.notebook!r}, path={str(self.path)!r})"

    def _read(self) -> tuple[AnswerSet, str | None]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return AnswerSet(self.notebook), None
        except (OSError, UnicodeDecodeError) as exc:
            return AnswerSet(self.notebook), f"the answer file could not be opened ({exc.__class__.__name__}: {exc})"
        try:
            return parse_answer_file(text, self.notebook, with_notes=True), None
        except AnswerFileError as exc:
            return AnswerSet(self.notebook), str(exc)

    def load(self) -> AnswerSet:
        answers, problem = self._read()
        if problem:
            answers.note("*", f"{self.path.name}: {problem}.")
        return answers

    def save(self, item: str, kind: str, value: Any, variant: str | None = None) -> AnswerRecord:
        """Store ``value`` as the answer to ``item`` now (made in the variant ``variant``); returns the
        record written."""
        record = AnswerRecord(kind, validate_value(kind, value), now_iso(), variant)
        self._update(lambda answers: answers.answers.__setitem__(item, record))
        return record

    def save_student(self, student: str) -> None:
        """Keep the student id the student typed, so the setup cell asks only once."""
        def keep(answers: AnswerSet) -> None:
            answers.student = student

        self._update(keep)

    def _update(self, change) -> None:
        answers, problem = self._read()
        if problem and self.path.exists():
            aside = self.path.with_name(f"{self.path.name}.damaged-{datetime.now():%Y%m%d-%H%M%S}")
            os.replace(self.path, aside)
        change(answers)
        answers.problems.clear()
        answers.sources.clear()
        _atomic_write(self.path, json.dumps(answers.to_json(), indent=1, ensure_ascii=False) + "\n")


def embedded_answers(nb: Any) -> list[dict[str, Any]]:
    """Every answer copy found in the outputs of a notebook (in cell order): the copies each widget
    displays, which a saved notebook carries (read by grading and by a student's readiness check)."""
    found = []
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            payload = data.get(ANSWER_MIME)
            if isinstance(payload, str):  # some front ends store JSON bundles as text
                try:
                    payload = json.loads(payload)
                except json.JSONDecodeError:
                    continue
            if isinstance(payload, dict) and payload:
                found.append(json.loads(json.dumps(payload)))  # plain dicts, not NotebookNodes
    return found
