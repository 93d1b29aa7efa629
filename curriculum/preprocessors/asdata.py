"""Grading as data: the outputs of a submission's course cells, computed in the grading process.

Every code cell of the course's modules is a locked course cell, and every answer is data (the
merged answer file). So a hidden test that is one literal ``Grader(...).<method>(...)`` call
(:func:`curriculum.keys.grader_call`) needs no kernel: the same :class:`curriculum.grading.Grader`
scores the merged answers here, and its printed feedback and score become the cell's outputs,
exactly as a kernel run writes them (a ``stdout`` stream, then an ``execute_result`` whose text is
the score), so nbgrader's SaveAutoGrades, formgrader and feedback read them unchanged.

The other course cells get static outputs: ``cases.show(...)`` its case card, and each
``quiz.<kind>(...)`` exercise a view of the question with the student's saved answer
(:mod:`curriculum.preprocessors.answerview`). Nothing here runs code from a notebook: calls are read with
:mod:`ast` and only literal arguments are used.
"""

from __future__ import annotations

import ast
import contextlib
import io
import traceback
from functools import cache, lru_cache
from typing import Any

from nbformat import from_dict

from ..answers import AnswerSet
from ..keys import GRADER_METHODS, GraderCall
from ..variants import Settings, layout_for_call, shown_arguments, varies

__all__ = ["course_cell_outputs", "hidden_test_outputs", "warm_up"]


def new_output(output_type: str, **fields: Any) -> Any:
    """An output as nbformat stores it (nbformat.v4.new_output validates every one: slow, and these
    are built here from known shapes)."""
    return from_dict({"output_type": output_type, **fields})


def hidden_test_outputs(call: GraderCall, answers: AnswerSet, execution_count: int, *,
                        student: str | None = None, settings: Settings | None = None) -> list[Any]:
    """The outputs a kernel writes for this hidden test: the feedback printed, then the score, for the
    variant of ``student`` (the student who submitted) under ``settings`` (the notebook's setup cell).

    A mistake in the key (an instructor's error, e.g. an unknown case id) becomes an error output, as
    in a kernel, and nbgrader scores the cell zero."""
    from ..grading import Grader

    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            grader = Grader(call.notebook, answers=answers, student=student, settings=settings or Settings())
            points = getattr(grader, call.method)(call.item, **call.args)
        last = new_output("execute_result", data={"text/plain": repr(points)}, metadata={},
                          execution_count=execution_count)
    except Exception as exc:  # the key is wrong: the cell errors, as it would in a kernel
        last = new_output("error", ename=type(exc).__name__, evalue=str(exc),
                          traceback=traceback.format_exception_only(exc))
    text = printed.getvalue()
    return ([new_output("stream", name="stdout", text=text)] if text else []) + [last]


def warm_up() -> None:
    """Load what grading as data needs (the case bank, the exercises' signatures, the Markdown
    renderer) now, so that a grading worker's first submission is as quick as the others."""
    from .. import cases
    from ..markup import markdown_html

    cases.bank()
    for method in GRADER_METHODS:
        _signature(method)
    markdown_html("warm")


@cache
def _signature(method: str):
    import inspect

    from ..quiz import Quiz

    return inspect.signature(getattr(Quiz, method))


@lru_cache(maxsize=1024)
def _card(args: tuple[Any, ...], options: tuple[tuple[str, Any], ...]) -> str:
    """A ``cases.show(...)`` card (cached: the same cards appear in every submission of a module)."""
    from .. import cases

    return cases.render(*args, **dict(options))


def _literals(call: ast.Call) -> tuple[list[Any], dict[str, Any]] | None:
    try:
        if any(kw.arg is None for kw in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
            return None
        return [ast.literal_eval(a) for a in call.args], {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _exercise(method: str, args: list[Any], kwargs: dict[str, Any], answers: AnswerSet,
              student: str | None, settings: Settings) -> Any | None:
    from . import answerview

    try:
        bound = _signature(method).bind(None, *args, **kwargs)
    except TypeError:
        return None
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    arguments.pop("self", None)
    if settings.on and varies(method, arguments):  # the student's own variant
        view = layout_for_call(method, arguments, settings, answers.notebook, student)
        arguments = shown_arguments(method, arguments, view)
    record = answers.answers.get(arguments["item"])
    value = record.value if record is not None and record.kind == GRADER_METHODS[method] else None
    return new_output("display_data", data=answerview.render(method, arguments, value), metadata={})


def course_cell_outputs(source: str, answers: AnswerSet, *, student: str | None = None,
                        settings: Settings | None = None) -> list[Any]:
    """Static outputs of a course cell that is not a hidden test (case cards, exercises with answers,
    each exercise as ``student``'s variant of it)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    outputs = []
    for statement in tree.body:
        if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
                and isinstance(statement.value.func, ast.Attribute)
                and isinstance(statement.value.func.value, ast.Name)):
            continue
        call, owner, method = statement.value, statement.value.func.value.id, statement.value.func.attr
        literals = _literals(call)
        if literals is None:
            continue
        args, kwargs = literals
        try:
            if owner == "cases" and method == "show":
                try:
                    card = _card(tuple(args), tuple(sorted(kwargs.items())))
                except TypeError:  # an argument that cannot be a cache key (a list, say)
                    from .. import cases

                    card = cases.render(*args, **kwargs)
                outputs.append(new_output("display_data", metadata={}, data={
                    "text/html": card, "text/plain": "<IPython.core.display.HTML object>"}))
            elif method in GRADER_METHODS:
                shown = _exercise(method, args, kwargs, answers, student, settings or Settings())
                if shown is not None:
                    outputs.append(shown)
        except Exception:  # an unknown case id or a malformed call: only a view is lost, never a score
            continue
    return outputs
