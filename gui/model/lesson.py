"""The open lesson without Qt: its cells, what each one showed, and the next one to run.

A ``LessonModel`` loads a ``.py`` lesson with ``engine.interpreter.lesson.load_lesson``:
a lesson outside the safe subset is refused whole, with a one-line message naming the
line and column, and nothing runs. The window's ``LessonSession`` (a QObject over this
class) adds the Qt signals and reloads the lesson when its file changes on disk.

>>> from gui.resources import LESSONS_DIR
>>> lesson = LessonModel()
>>> lesson.open(LESSONS_DIR / "02_chain_rule.py")
True
>>> result = lesson.run_next()          # the first cell with code (and text cells before it)
>>> lesson.counts[result.index], lesson.at_end
(1, False)
>>> len(lesson.run_all()) > 0, lesson.at_end
(True, True)

Changes are announced through ``_changed(name, *args)``, with the names of the window's
signals, in the order they come for one cell:

- ``cell_ran(index, CellResult)`` for every cell run (markdown cells on the way too);
- ``passes_recorded(passes, tensors)`` when the cell ran ``backward()``: ``passes``
  is the tuple of ``engine.BackwardPass`` in order, ``tensors`` the lesson's name ->
  Tensor after the cell (to name each pass's leaves, see ``leaf_names``);
- ``position_changed(next_index)``.

``reloaded()`` comes after ``open``/a reload (cells may have changed: rebuild),
``restarted()`` after ``restart`` (same cells, no results), ``error_changed(str)``
with a load error or ``""``. Here ``_changed`` does nothing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from gui.resources import LESSONS_DIR

if TYPE_CHECKING:
    from engine.interpreter.lesson import CellResult, Lesson, LessonRunner

_BACKWARD_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\.backward\(")

__all__ = ["LessonModel", "load_error_line", "leaf_names", "names_for_pass", "has_code",
           "builtin_lessons", "read_text", "LESSONS_DIR"]


def load_error_line(error: Exception, path: str | os.PathLike | None = None) -> str:
    """One line for a lesson that cannot be loaded: ``name.py, line 4, column 1: why``."""
    from engine.interpreter.expression import ExpressionError

    name = os.path.basename(str(path)) if path else "lesson"
    if isinstance(error, ExpressionError):
        return f"{name}, line {error.lineno}, column {error.col}: {error}"
    if isinstance(error, OSError):
        return f"{name}: cannot read the file: {error.strerror or error}"
    return f"{name}: {type(error).__name__}: {error}"


def leaf_names(tensors: dict) -> dict:
    """``id(tensor) -> name`` for a cell's tensors, to name the leaves of its passes.

    A tensor bound to several names takes the first one assigned.
    """
    names: dict = {}
    for name, tensor in tensors.items():
        names.setdefault(id(tensor), name)
    return names


def names_for_pass(backward_pass, tensors: dict, code: str = "") -> tuple[dict, str]:
    """``(names, output_name)`` for ``engine.graph.to_networkx`` of a lesson's pass.

    ``names`` maps the lesson's names to its leaf tensors (what the graph labels its
    leaves with); ``output_name`` is the name bound to the pass's output, else the one
    name the cell's ``code`` calls ``.backward()`` on (a loop's earlier passes, whose
    output the name no longer holds), else ``"output"`` (``(x * x).sum().backward()``).

    >>> names_for_pass(None, {}, "for _ in range(3):\\n    loss = f()\\n    loss.backward()")
    ({}, 'loss')
    """
    names = {name: tensor for name, tensor in tensors.items()
             if getattr(tensor, "is_leaf", False) and getattr(tensor, "requires_grad", False)}
    output = getattr(backward_pass, "output", None)
    bound = next((name for name, tensor in tensors.items() if tensor is output), None)
    if bound is None:
        called = set(_BACKWARD_CALL.findall(code or ""))
        bound = called.pop() if len(called) == 1 else None
    return names, bound or "output"


def has_code(cell) -> bool:
    """True for a code cell with a statement, or a refusal to show (not only comments)."""
    return cell.kind == "code" and (bool(cell.statements) or bool(getattr(cell, "refusals", ())))


def builtin_lessons(directory: str | os.PathLike = LESSONS_DIR) -> list[tuple[str, Path]]:
    """(title, path) of the lessons shipped in ``resources/lessons``, in file order.

    The title is the file's first comment line without ``#`` and ``Lesson N:``.
    """
    lessons = []
    for path in sorted(Path(directory).glob("*.py")):
        title = path.stem.replace("_", " ")
        try:
            with open(path, encoding="utf-8-sig") as stream:
                for line in stream:
                    text = line.strip().lstrip("#").strip().lstrip("#").strip()  # "# # Title" too
                    if text and not text.startswith("%%"):
                        title = re.sub(r"^Lesson \d+:\s*", "", text)
                        break
        except (OSError, UnicodeDecodeError):
            continue
        lessons.append((title, path))
    return lessons


class LessonModel:
    """One open lesson, run cell by cell in one namespace (see the module docstring)."""

    def __init__(self, *, module=None):
        self.path: str | None = None
        self.source: str | None = None
        self.lesson: Lesson | None = None
        self.error = ""
        self.error_line: int | None = None
        self.results: list[CellResult | None] = []
        self.counts: list[int | None] = []
        self.next_index = 0
        self.last_code = ""  # the source of the cell that ran last
        self.runner: LessonRunner | None = None
        self._module = module
        self._count = 0

    def _changed(self, signal: str, *args) -> None:
        """Announce a change (the window emits the Qt signal of that name)."""

    # ----- state -------------------------------------------------------------------------

    @property
    def cells(self) -> tuple:
        return self.lesson.cells if self.lesson else ()

    @property
    def at_end(self) -> bool:
        """True when no cell is left to run (or no lesson is loaded)."""
        return self.lesson is None or self.next_index >= len(self.cells)

    @property
    def current_line(self) -> int | None:
        """The file line of the next cell to run, None at the end."""
        return None if self.at_end else self.cells[self.next_index].lineno

    @property
    def title(self) -> str:
        return os.path.basename(self.path) if self.path else ""

    @property
    def has_run(self) -> bool:
        """True once a cell with code ran since the lesson was opened or restarted."""
        return self._count > 0

    # ----- loading -----------------------------------------------------------------------

    def open(self, path: str | os.PathLike) -> bool:
        """Load the lesson at ``path``; False (and ``error``) when it is refused."""
        self.path = os.path.abspath(os.fspath(path))
        return self._load()

    def reload(self) -> bool:
        """Read the file again and start from the top."""
        if self.path is None:
            return False
        return self._load()

    def close(self) -> None:
        """Forget the lesson."""
        self.path = self.source = self.lesson = self.runner = None
        self.results, self.counts, self.next_index, self._count = [], [], 0, 0
        self._set_error("", None)
        self._changed("reloaded")

    def _load(self) -> bool:
        self.source = read_text(self.path)
        try:
            from engine.interpreter.expression import ExpressionError
            from engine.interpreter.lesson import (
                load_lesson,  # the engine loads with the first lesson
            )

            lesson = load_lesson(self.path)
        except (ExpressionError, OSError, ValueError) as error:
            lesson = None
            message = load_error_line(error, self.path)
            line = getattr(error, "lineno", None)
            # The validator keeps the error in a local of a frame its traceback holds: a
            # cycle that would keep this session alive until the cyclic GC runs at some
            # random later moment. Break it now.
            error.__traceback__ = None
        if lesson is None:
            self.lesson = self.runner = None
            self.results, self.counts, self.next_index, self._count = [], [], 0, 0
            self._set_error(message, line)
            self._changed("reloaded")
            return False
        self.lesson = lesson
        self._reset_runner()
        self._set_error("", None)
        self._changed("reloaded")
        self._changed("position_changed", self.next_index)
        return True

    def _reset_runner(self) -> None:
        from engine.interpreter.lesson import LessonRunner

        self.runner = LessonRunner(self.lesson, module=self._module)
        self.results = [None] * len(self.lesson.cells)
        self.counts = [None] * len(self.lesson.cells)
        self.next_index = 0
        self._count = 0

    def _set_error(self, message: str, line: int | None) -> None:
        self.error_line = line if message else None
        if message != self.error:
            self.error = message
            self._changed("error_changed", message)

    # ----- running -----------------------------------------------------------------------

    def run_next(self) -> CellResult | None:
        """Run the next cell that has code (and the text-only cells before it).

        Markdown cells and code cells holding only comments are passed on the way, as
        a reader would; returns the result of the cell that ran code, None at the end.
        """
        while not self.at_end:
            index = self.next_index
            result = self._run(index)
            if has_code(self.cells[index]):
                return result
        return None

    def run_all(self) -> list[CellResult]:
        """Run every cell left, in order; returns their results."""
        results = []
        while not self.at_end:
            results.append(self._run(self.next_index))
        return results

    def restart(self) -> None:
        """A fresh namespace and no results; the next cell is the first."""
        if self.lesson is None:
            return
        self._reset_runner()
        self._changed("restarted")
        self._changed("position_changed", self.next_index)

    def _run(self, index: int) -> CellResult:
        try:
            result = self.runner.run_cell(index)
        except Exception as error:  # an engine bug must not close the window
            from engine.interpreter.lesson import CellResult

            result = CellResult(index, error=f"{type(error).__name__}: {error}")
        self.results[index] = result
        self.last_code = self.cells[index].source
        if has_code(self.cells[index]):
            self._count += 1
            self.counts[index] = self._count
        self.next_index = index + 1
        self._changed("cell_ran", index, result)
        if result.passes:
            self._changed("passes_recorded", result.passes, result.tensors)
        self._changed("position_changed", self.next_index)
        return result


def read_text(path) -> str | None:
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as stream:
            return stream.read(4_000_000)
    except OSError:
        return None
