"""Read the answer key of graded items from an instructor's source notebook (its hidden tests).

The key is written once, in the hidden test cells, as literal arguments of a
:class:`curriculum.grading.Grader` call. This module reads those calls without running them, so
instructor tools (the release checks, the simulated cohort) use the same key as the grader.
Students never have the source notebooks, so this module reveals nothing to them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from collections.abc import Iterable

from .kinds import BY_METHOD
from .variants import Layout, Settings
from .nbhelpers import cell_meta
from .errors import KeyReadError

__all__ = ["GRADER_METHODS", "GraderCall", "ItemKey", "KeyReadError", "graded_as_data", "grader_call", "kernel_tests",
           "declared_pools", "notebook_settings", "quiz_settings", "read_keys", "widget_arguments",
           "widget_items"]

#: Grader method -> answer kind (from the registry, :mod:`curriculum.kinds`).
GRADER_METHODS = BY_METHOD


@dataclass(frozen=True)
class ItemKey:
    """The key of one graded item, as written in its hidden test cell."""

    item: str
    kind: str
    points: float
    cell_id: str
    cell_points: float
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str | None:
        """The post a spot-the-identifiers key refers to (its own text, or its case's)."""
        if self.args.get("text") is not None:
            return self.args["text"]
        if self.args.get("case") is not None:
            from . import cases

            return cases.text(self.args["case"])
        return None

    def spans(self) -> list[tuple[int, int]]:
        """Character spans of the key's identifiers in :attr:`text`."""
        from .scoring import find_spans

        return sorted({*map(tuple, self.args.get("spans", ())), *find_spans(self.text, self.args.get("identifiers", ()))})

    @property
    def explanations(self) -> list[str]:
        explain = self.args.get("explain")
        if isinstance(explain, dict):
            return [str(v) for v in explain.values()]
        return [explain] if isinstance(explain, str) else []

    @property
    def method(self) -> str:
        from .kinds import KINDS

        return KINDS[self.kind].method

    @property
    def pools(self) -> list[list[str]]:
        return [list(p) for p in self.args.get("pools") or ()]

    def shown(self, view: Layout) -> ItemKey:
        """The key as ``view`` shows the item (:func:`curriculum.variants.shown_key`): the key a
        student with that layout is graded on."""
        from dataclasses import replace

        from .variants import shown_key

        return replace(self, args=shown_key(self.method, self.args, view))

    def for_student(self, settings: Settings, notebook: str, student: str | None) -> ItemKey:
        """The key of ``student``'s variant of this item, as grading recomputes it."""
        return self.shown(self.layout(settings, notebook, student))

    def layout(self, settings: Settings, notebook: str, student: str | None) -> Layout:
        """What ``student`` sees of this item (:func:`curriculum.variants.layout_for_key`)."""
        from .variants import layout_for_key

        return layout_for_key(self.method, self.item, self.args, settings, notebook, student)

    def members(self) -> list[ItemKey]:
        """The key as each member of each pool would show it (one key per member; the item as listed
        when it has no pools): what the course check checks, and what validation must cover."""
        from .variants import Layout as _Layout

        out = [self.shown(_Layout(self.item))]
        for pool in self.pools:
            for member in pool[1:]:
                out.append(self.shown(_Layout(self.item, cases=((pool[0], member),))))
        return out


@dataclass(frozen=True)
class GraderCall:
    """A hidden test that is nothing but one ``Grader(notebook).<method>(item, ...)`` call with literal
    arguments: what grading computes as data, without running the cell."""

    method: str
    notebook: str
    item: str
    args: dict[str, Any]

    @property
    def kind(self) -> str:
        return GRADER_METHODS[self.method]


def _grader_calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in GRADER_METHODS]


def _literal_call(call: ast.Call) -> tuple[str, dict[str, Any]]:
    """The item and keyword arguments of a Grader method call; ValueError unless all are literals."""
    if len(call.args) != 1 or any(kw.arg is None for kw in call.keywords):
        raise ValueError("give the item id as the only positional argument, the rest as keywords")
    item = ast.literal_eval(call.args[0])
    if not isinstance(item, str):
        raise ValueError("the item id must be a string")
    return item, {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}


def grader_call(source: str) -> GraderCall | None:
    """The test's :class:`GraderCall` if the cell's code is exactly ``from curriculum.grading import
    Grader`` and one literal ``Grader("<notebook>").<method>(...)`` call (comments and nbgrader's
    hidden-test marker lines are comments too); otherwise ``None``: an instructor's own test code,
    which only a kernel can run."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    *imports, last = tree.body or [None]
    if not (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)):
        return None
    if any(not (isinstance(s, ast.ImportFrom) and s.module == "curriculum.grading" and s.level == 0
                and [(a.name, a.asname) for a in s.names] == [("Grader", None)]) for s in imports):
        return None
    call = last.value
    grader = call.func.value if isinstance(call.func, ast.Attribute) else None
    if not (isinstance(call.func, ast.Attribute) and call.func.attr in GRADER_METHODS
            and isinstance(grader, ast.Call) and isinstance(grader.func, ast.Name) and grader.func.id == "Grader"
            and len(grader.args) == 1 and not grader.keywords and isinstance(grader.args[0], ast.Constant)
            and isinstance(grader.args[0].value, str)):
        return None
    try:
        item, args = _literal_call(call)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return GraderCall(call.func.attr, grader.args[0].value, item, args)


def quiz_settings(sources: Iterable[str]) -> Settings:
    """The variant settings of a notebook, from its setup cell's ``Quiz(..., variants=, course=,
    pools=)`` call among ``sources`` (the course's own cells, as the assignment records them), read
    without running it; the authored notebook (no such arguments) is :class:`Settings` off. A call
    whose settings are not literals, or are wrong, raises KeyReadError: grading must not guess."""
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Quiz"):
                continue
            wanted = {kw.arg: kw.value for kw in node.keywords if kw.arg in ("variants", "course", "pools")}
            try:
                values = {name: ast.literal_eval(value) for name, value in wanted.items()}
                return Settings(values.get("variants", "off"), values.get("course", ""), values.get("pools") or {})
            except (ValueError, TypeError, SyntaxError) as exc:
                raise KeyReadError(f"the setup cell's Quiz(...) call has settings grading cannot read: {exc}") from None
    return Settings()


def declared_pools(nb: dict[str, Any]) -> dict[str, Any]:
    """{item: pools} from the ``pools=`` argument of each hidden test's Grader call in ``nb`` (a notebook
    as a dict), read without running anything; ValueError for a ``pools=`` that is not a literal."""
    found: dict[str, Any] = {}
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code" or not cell_meta(cell).get("grade"):
            continue
        try:
            tree = ast.parse("".join(cell.get("source", "")))
        except SyntaxError:
            continue  # the course check reports it
        for call in _grader_calls(tree):
            pools = next((kw.value for kw in call.keywords if kw.arg == "pools"), None)
            if pools is None or not call.args or not isinstance(call.args[0], ast.Constant):
                continue
            try:
                found[call.args[0].value] = ast.literal_eval(pools)
            except ValueError:
                raise ValueError(f"{call.args[0].value}: pools= must be a literal list of lists of case ids") from None
    return found


def notebook_settings(path: str | Path) -> Settings:
    """The variant settings a (built) notebook's setup cell gives (:func:`quiz_settings`)."""
    nb = nbformat.read(Path(path), as_version=4)
    return quiz_settings(c.source for c in nb.cells if c.cell_type == "code" and not cell_meta(c).get("grade"))


def _widget_calls(path: str | Path, begin_tests: str | None = None):
    """Every ``quiz.<method>(item, ...)`` call node of a notebook's exercise cells (not its hidden tests)."""
    from .nbhelpers import hidden_test_markers

    begin_tests = begin_tests or hidden_test_markers()[0]
    nb = nbformat.read(Path(path), as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code" or begin_tests in cell.source:
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in GRADER_METHODS and node.args):
                yield node


def widget_arguments(path: str | Path, begin_tests: str | None = None) -> dict[str, tuple[str, dict[str, Any]]]:
    """Item id -> (quiz method, its arguments by name) for every exercise cell of a notebook whose call
    has literal arguments: what the widget shows, for checks that the key and the widget agree."""
    import inspect

    from .quiz import Quiz

    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for node in _widget_calls(path, begin_tests):
        try:
            args = [ast.literal_eval(a) for a in node.args]
            kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords}
            bound = inspect.signature(getattr(Quiz, node.func.attr)).bind(None, *args, **kwargs)
        except (ValueError, TypeError, SyntaxError):
            continue
        bound.apply_defaults()
        arguments = {k: v for k, v in bound.arguments.items() if k != "self"}
        found[arguments["item"]] = (node.func.attr, arguments)
    return found


def graded_as_data(source: str, notebook: str) -> GraderCall | None:
    """The Grader call of a hidden test that grading computes as data for ``notebook``, or ``None``
    when the test is an instructor's own code (or grades another notebook) and needs a kernel."""
    call = grader_call(source)
    return call if call is not None and call.notebook == notebook else None


def kernel_tests(path: str | Path) -> list[str]:
    """Grading ids of a source notebook's hidden tests that are not graded as data, so grading runs
    the notebook's course cells in a kernel (:class:`curriculum.preprocessors.GradeAnswers`)."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    return [cell_meta(cell).get("grade_id", "?") for cell in nb.cells
            if cell.cell_type == "code" and cell_meta(cell).get("grade")
            and graded_as_data(cell.source, path.stem) is None]


def read_keys(path: str | Path, begin_tests: str | None = None) -> list[ItemKey]:
    """Every graded widget item's key in a source notebook, in notebook order; a hidden test is a
    graded code cell with ``begin_tests`` (nbgrader's marker, by default as nbgrader sets it)."""
    from .nbhelpers import hidden_test_markers

    begin_tests = begin_tests or hidden_test_markers()[0]
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    keys: list[ItemKey] = []
    for index, cell in enumerate(nb.cells):
        meta = cell_meta(cell)
        if cell.cell_type != "code" or not meta.get("grade") or begin_tests not in cell.source:
            continue
        where = f"{path.name}, cell {index} ({meta.get('grade_id', '?')})"
        try:
            tree = ast.parse(cell.source)
        except SyntaxError as exc:
            raise KeyReadError(f"{where}: hidden test is not valid Python ({exc.msg}, line {exc.lineno})") from None
        calls = _grader_calls(tree)
        if len(calls) != 1:
            raise KeyReadError(f"{where}: expected exactly one Grader call, found {len(calls)}")
        call = calls[0]
        try:
            item, args = _literal_call(call)
        except (ValueError, TypeError) as exc:
            raise KeyReadError(f"{where}: the Grader call must use literal values only ({exc})") from None
        if "points" not in args:
            raise KeyReadError(f"{where}: the Grader call needs points=")
        keys.append(ItemKey(
            item=item, kind=GRADER_METHODS[call.func.attr], points=float(args.pop("points")),
            cell_id=meta.get("grade_id", ""), cell_points=float(meta.get("points", 0)), args=args,
        ))
    return keys


def widget_items(path: str | Path, begin_tests: str | None = None) -> dict[str, str]:
    """Item id -> quiz method, for every exercise widget call in a notebook (graded or practice)."""
    return {node.args[0].value: node.func.attr for node in _widget_calls(path, begin_tests)
            if isinstance(node.args[0], ast.Constant)}
