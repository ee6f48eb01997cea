"""Lessons: real teaching material, opened unchanged and run cell by cell as a notebook runs.

Three formats open (see ``engine.interpreter.cells``): Jupyter's percent format
(``# %%`` starts a cell, ``# %% [markdown]`` a cell of comments shown as text),
PyTorch's sphinx-gallery tutorials (the docstring and ``#`` comment blocks are text)
and Jupyter notebooks (``.ipynb``, nbformat 4). Nothing is handed to
``eval``/``exec``/``compile``: each cell is parsed with ``ast``, checked against the
whitelist (``engine.interpreter.statements``) and interpreted.

As in a notebook, something the app does not run fails **its cell only**: a cell with
a refused statement or a syntax error shows that error (with its line and column)
where its output would be, and the next cells run.

>>> lesson = parse_lesson('''
... # %%
... import torch
... x = torch.arange(4.0, requires_grad=True)
... # %%
... y = 2 * torch.dot(x, x)
... y.backward()
... print(f"grad: {x.grad}")
... y
... # %%
... import os
... ''')
>>> [cell.lineno for cell in lesson.cells]
[3, 6, 11]
>>> [str(error) for error in lesson.refusals]
["module 'os' is not available in a lesson (only torch, math, numpy, pprint and matplotlib.pyplot)"]
>>> runner = LessonRunner(lesson)
>>> runner.run_cell(0).shown
''
>>> result = runner.run_cell(1)
>>> print(result.shown, end="")
grad: tensor([ 0.,  4.,  8., 12.])
tensor(28., grad_fn=<MulBackward0>)
>>> [step.name for step in result.passes[0].steps]
['MulBackward0', 'DotBackward0', 'torch::autograd::AccumulateGrad']
>>> runner.run_cell(2).error[:40]
"ExpressionError: module 'os' is not avai"

API
---
- ``parse_lesson(source, filename=None) -> Lesson`` splits and checks every cell.
  Only a problem with the whole file raises ``ExpressionError`` (not text, too long,
  too many syntax nodes, a malformed notebook); a cell's refusals are kept in
  ``Cell.refusals`` (``ExpressionError`` with ``.offset``, ``.lineno``, ``.col`` and
  ``.filename``) and ``Lesson.refusals`` lists them all, in order.
- ``load_lesson(path) -> Lesson`` reads a UTF-8 file (a BOM is fine) and parses it.
- ``Lesson.cells``: ``Cell(index, kind, source, lineno, title)``; ``kind`` is
  ``"code"`` or ``"markdown"`` (``Cell.markdown`` is its text); ``lineno`` is the line
  of the cell's first source line in ``Lesson.text`` (the file itself for ``.py``; a
  notebook's cells in percent format). ``Lesson.code_cells``, ``Lesson.format``.
- ``LessonRunner(lesson, module=None)``: one namespace that persists across cells;
  ``run_cell(i) -> CellResult``, ``run_all()``. ``module`` is the torch to drive
  (``engine`` by default; tests pass the real ``torch``).
- ``CellResult``: ``output`` (what ``print`` wrote), ``value`` (the repr of the cell's
  last bare expression; ``None`` when that is None, absent or hidden by ``;``),
  ``error`` (``"ErrorType: message"``), ``exception``, ``passes`` (the backward passes
  the cell ran, at most ``MAX_RECORDED_PASSES``; ``passes_dropped`` counts the rest),
  ``tensors``, ``warnings``, ``plots`` (the ``matplotlib.pyplot`` figures, as data) and
  ``shown`` (output, value and error together).

Limits (one place: ``LIMITS``): ``MAX_LESSON_LENGTH`` characters, ``MAX_LESSON_NODES``
syntax nodes, ``CELL_TIME_LIMIT`` seconds per cell and ``LESSON_TIME_LIMIT`` per lesson,
``MAX_LOOP`` iterations per loop, ``MAX_CALL_DEPTH`` nested calls, one memory budget
for the whole lesson (``engine.interpreter.limits.MAX_LESSON_MEMORY``), printed output
capped per cell and per lesson with a "… (N more characters)" marker.
"""

from __future__ import annotations

import ast
import contextlib
import re
import sys
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from engine.interpreter.cells import docstring_text, is_notebook, notebook_text, split_cells
from engine.interpreter.evaluator import exception_text
from engine.interpreter.limits import MAX_LESSON_MEMORY, GuardError, MemoryBudget
from engine.interpreter.source import (
    ExpressionError,
    SourceText,
    check_characters,
    shorten,
    syntax_error,
    too_complex,
)
from engine.interpreter.statements import (
    MAX_CALL_DEPTH,
    MAX_LOOP,
    LessonInterpreter,
    LessonValidator,
    limit_error,
)
from engine.interpreter.tables import LESSON

__all__ = ["parse_lesson", "load_lesson", "Lesson", "Cell", "LessonRunner", "CellResult",
           "normalize_newlines", "error_line", "LIMITS", "MAX_LESSON_LENGTH", "MAX_LESSON_NODES",
           "CELL_TIME_LIMIT", "LESSON_TIME_LIMIT", "MAX_LOOP", "MAX_CALL_DEPTH",
           "MAX_CELL_OUTPUT", "MAX_LESSON_OUTPUT", "MAX_ERROR_LINE", "MAX_RECORDED_PASSES"]

MAX_LESSON_LENGTH = 200_000
MAX_LESSON_NODES = 100_000
CELL_TIME_LIMIT = 10.0
LESSON_TIME_LIMIT = 60.0
MAX_CELL_OUTPUT = 100_000
MAX_LESSON_OUTPUT = 1_000_000
MAX_ERROR_LINE = 2_000
MAX_RECORDED_PASSES = 10
RECURSION_LIMIT = 6_000  # Python frames while a lesson runs (MAX_CALL_DEPTH calls need ~15 each)

LIMITS = {
    "characters in a lesson file": MAX_LESSON_LENGTH,
    "syntax nodes in a lesson": MAX_LESSON_NODES,
    "seconds per cell": CELL_TIME_LIMIT,
    "seconds per lesson": LESSON_TIME_LIMIT,
    "iterations per loop": MAX_LOOP,
    "nested calls of a lesson's functions": MAX_CALL_DEPTH,
    "megabytes of memory per lesson": MAX_LESSON_MEMORY // 2 ** 20,
    "characters of output per cell": MAX_CELL_OUTPUT,
    "characters of output per lesson": MAX_LESSON_OUTPUT,
    "characters of an error line": MAX_ERROR_LINE,
    "backward passes recorded per cell": MAX_RECORDED_PASSES,
}


# ----- the file and its cells --------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """One cell: ``kind`` is "code" or "markdown"; ``lineno`` is its first source line."""

    index: int
    kind: str
    source: str
    lineno: int
    title: str = ""
    statements: tuple = field(default=(), repr=False, compare=False)
    show_last: bool = field(default=True, repr=False, compare=False)
    refusals: tuple = field(default=(), repr=False, compare=False)

    @property
    def markdown(self) -> str:
        """A markdown cell's text: comment lines without ``# ``, or a docstring's text."""
        if _is_docstring(self.source):
            return docstring_text(self.source)
        lines = [re.sub(r"^# ?", "", line) for line in self.source.split("\n")]
        return "\n".join(lines).strip("\n")

    @property
    def refusal(self) -> ExpressionError | None:
        """The first reason this cell does not run (None when it runs)."""
        return self.refusals[0] if self.refusals else None


@dataclass(frozen=True)
class Lesson:
    """A lesson: the file's text, its cells, and what it is (percent, sphinx, notebook)."""

    source: str
    cells: tuple
    filename: str | None = None
    text: str = ""
    format: str = "percent"

    @property
    def code_cells(self) -> tuple:
        return tuple(cell for cell in self.cells if cell.kind == "code")

    @property
    def refusals(self) -> tuple:
        """Every refused statement of every cell, in the order of the file."""
        return tuple(error for cell in self.cells for error in cell.refusals)


def normalize_newlines(source: str) -> str:
    """Python's line ends (``\\r\\n``, ``\\r``, ``\\n``) as ``\\n``, the only one lessons split on.

    Python's parser ends lines there and nowhere else (a form feed or U+2028 inside a
    comment is part of its line), so every line number the lesson reports is Python's.

    >>> normalize_newlines("a = 1\\rb = 2\\r\\n# \\x0c\\u2028")
    'a = 1\\nb = 2\\n# \\x0c\\u2028'
    """
    return source.replace("\r\n", "\n").replace("\r", "\n")


def load_lesson(path) -> Lesson:
    """Read a lesson file (UTF-8, a BOM is fine) and parse it; OSError if it cannot be read."""
    with open(path, "rb") as stream:
        raw = stream.read(MAX_LESSON_LENGTH * 4 + 1)
    if len(raw) > MAX_LESSON_LENGTH * 4:
        raise ExpressionError(f"lesson too long: more than {MAX_LESSON_LENGTH:,} characters",
                              MAX_LESSON_LENGTH)
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ExpressionError(f"not UTF-8 text (byte {error.start})", 0) from None
    return parse_lesson(source, filename=str(path))


def parse_lesson(source: str, filename: str | None = None) -> Lesson:
    """Split a lesson into cells and check each; raise only for the whole file's problems."""
    try:
        lesson = _parse(source, filename)
    except ExpressionError as error:
        error.filename = filename
        raise
    for error in lesson.refusals:
        error.filename = filename
    return lesson


def _parse(source: str, filename: str | None) -> Lesson:
    if not isinstance(source, str):
        raise ExpressionError(f"a lesson must be text, not {type(source).__name__}", 0)
    if len(source) > MAX_LESSON_LENGTH:
        raise ExpressionError(f"lesson too long: {len(source):,} characters "
                              f"(limit {MAX_LESSON_LENGTH:,})", MAX_LESSON_LENGTH)
    if is_notebook(source, filename):
        text, kind = notebook_text(source), "notebook"
        if len(text) > MAX_LESSON_LENGTH:
            raise ExpressionError(f"lesson too long: {len(text):,} characters "
                                  f"(limit {MAX_LESSON_LENGTH:,})", MAX_LESSON_LENGTH)
    else:
        source = normalize_newlines(source)
        text, kind = source, "percent"
    if "\x00" in text:
        position = text.index("\x00")
        raise SourceText(text).error("null byte (U+0000) is not allowed", position)
    document = SourceText(text)
    cells = []
    nodes = 0
    spans = split_cells(document)
    if kind == "percent" and any(span.kind == "markdown" and _is_docstring(
            _body(document, span)) for span in spans) or _has_rule(text):
        kind = "sphinx-gallery"
    for span in spans:
        start, end = _line_start(document, span.first), _line_start(document, span.last + 1)
        body = text[start:end]
        if span.kind == "markdown":
            refusals = () if _is_docstring(body) else _markdown_refusals(document, body,
                                                                          span.first)
            cells.append(Cell(len(cells), "markdown", body, span.first, span.title,
                              refusals=refusals))
            continue
        if not body.strip() and not span.title and (not cells or kind == "sphinx-gallery"):
            continue  # a blank block between a tutorial's text blocks is no cell
        statements, refusals, count = _check_cell(document, body, span.first, start, end,
                                                  MAX_LESSON_NODES - nodes)
        nodes += count
        if nodes > MAX_LESSON_NODES:
            raise document.error(f"too long: more than {MAX_LESSON_NODES} syntax nodes", start)
        cells.append(Cell(len(cells), "code", body, span.first, span.title, statements,
                          _shows_last(document, statements), refusals))
    return Lesson(source, tuple(cells), filename, text, kind)


def _body(document: SourceText, span) -> str:
    return document.text[_line_start(document, span.first):_line_start(document, span.last + 1)]


def _has_rule(text: str) -> bool:
    return re.search(r"(?m)^#{20,}\s*$", text) is not None


def _is_docstring(body: str) -> bool:
    for line in body.split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return stripped.startswith(('"""', "'''", 'r"""', "r'''"))
    return False


def _line_start(text: SourceText, lineno: int) -> int:
    """The offset where 1-based line ``lineno`` starts (the end of the text past the last)."""
    if lineno - 1 < len(text.line_starts):
        return text.line_starts[lineno - 1]
    return len(text.text)


def _markdown_refusals(text: SourceText, body: str, first: int) -> tuple:
    for number, line in enumerate(body.split("\n"), start=first):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            offset = text.line_starts[number - 1] + len(line) - len(line.lstrip())
            return (text.error("a markdown cell may hold only comment lines", offset),)
    return ()


def _check_cell(text: SourceText, body: str, first: int, start: int, end: int,
                max_nodes: int) -> tuple[tuple, tuple, int]:
    """(statements, refusals, syntax nodes) of one code cell; nothing runs."""
    try:
        check_characters(body, code_only=True)
    except ExpressionError as error:
        return (), (text.error(str(error), start + error.offset),), 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)  # '1if x': Python's own warning
            tree = ast.parse(body)
    except SyntaxError as error:
        return (), (syntax_error(text, error, line_offset=first - 1),), 0
    except (RecursionError, MemoryError):
        return (), (too_complex(text, start, end),), 0
    except ValueError as error:
        return (), (text.error(str(error), start),), 0
    ast.increment_lineno(tree, first - 1)
    refusals, nodes = [], 0
    for statement in tree.body:
        validator = LessonValidator(text, mode=LESSON, max_nodes=max(max_nodes - nodes, 1))
        try:
            validator.run(statement, base_offset=text.node_offset(statement))
        except ExpressionError as error:
            refusals.append(error)
            if "syntax nodes" in str(error):
                raise
        nodes += validator.nodes
    return tuple(tree.body), tuple(refusals), nodes


def _shows_last(text: SourceText, statements: tuple) -> bool:
    """IPython shows a cell's last bare expression unless a ``;`` ends it."""
    if not statements or not isinstance(statements[-1], ast.Expr):
        return False
    end = text.node_end(statements[-1])
    line_end = text.text.find("\n", end)
    rest = text.text[end:line_end if line_end >= 0 else len(text.text)]
    return not rest.lstrip().startswith(";")


# ----- running ---------------------------------------------------------------------------

class _Output:
    """What a cell prints: kept up to the cell's (and the lesson's) limit, the rest counted."""

    def __init__(self, limit: int, lesson_left: int):
        self.parts: list[str] = []
        self.size = 0
        self.limit = min(limit, max(lesson_left, 0))
        self.hidden = 0

    def write(self, text: str) -> None:
        if not isinstance(text, str):
            text = str(text)
        room = self.limit - self.size
        if len(text) > room:
            if room > 0:
                self.parts.append(text[:room])
                self.size += room
            self.hidden += len(text) - max(room, 0)
            return
        self.parts.append(text)
        self.size += len(text)

    def text(self) -> str:
        text = "".join(self.parts)
        if self.hidden:
            text += f"… ({self.hidden:,} more characters)\n"
        return _printable(text)


def _printable(text: str) -> str:
    """Lone surrogates (which no terminal or file can encode) shown as escapes."""
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class _PassAccountant:
    """After each call: keep at most ``MAX_RECORDED_PASSES`` of the cell's backward passes."""

    def __init__(self, passes: list):
        self.passes = passes
        self.dropped = 0

    def __call__(self, offset: int) -> None:
        extra = len(self.passes) - MAX_RECORDED_PASSES
        if extra > 0 and isinstance(self.passes, list):
            del self.passes[MAX_RECORDED_PASSES:]
            self.dropped += extra


@dataclass(frozen=True)
class CellResult:
    """What a cell shows and did: see the module docstring."""

    index: int
    output: str = ""
    value: str | None = None
    error: str | None = None
    exception: ExpressionError | None = None
    passes: tuple = ()
    tensors: dict = field(default_factory=dict)
    warnings: tuple = ()
    plots: tuple = ()
    passes_dropped: int = 0

    @property
    def shown(self) -> str:
        """What a notebook shows under the cell: printed text, then the value or the error."""
        parts = [self.output]
        for line in (self.value, self.error):
            if line is not None:
                if parts[-1] and not parts[-1].endswith("\n"):
                    parts.append("\n")
                parts.append(line + "\n")
        return "".join(parts)


def error_line(error: ExpressionError) -> str:
    """``ErrorType: message`` as a notebook ends its traceback, at most ``MAX_ERROR_LINE``."""
    cause = error.__cause__
    if cause is None:
        line = f"ExpressionError: {error}"
    else:
        text = str(cause)
        line = f"{type(cause).__name__}: {text}" if text else type(cause).__name__
    return _printable(shorten(line, MAX_ERROR_LINE))


class LessonRunner:
    """Run a lesson's cells in one namespace, recording every backward pass.

    ``module`` is the torch to drive (``engine`` by default). Grad mode set by a cell
    (``torch.set_grad_enabled(False)``) persists to the next cell and is restored for
    the caller in between. One memory budget and one clock hold for the whole lesson.
    """

    def __init__(self, lesson: Lesson, *, module=None, time_limit: float = CELL_TIME_LIMIT,
                 lesson_time_limit: float = LESSON_TIME_LIMIT,
                 memory_limit: int = MAX_LESSON_MEMORY):
        self.lesson = lesson
        self.namespace: dict = {}
        self.interpreter = LessonInterpreter(SourceText(lesson.text or lesson.source),
                                             module=module, variables=self.namespace,
                                             mode=LESSON, time_limit=time_limit)
        self.interpreter.memory = MemoryBudget(memory_limit)
        self.module = self.interpreter.backend.module
        self.time_limit = time_limit
        self.lesson_time_limit = lesson_time_limit
        self.time_used = 0.0
        self.output_used = 0
        self._grad_enabled = True

    def run_all(self) -> list[CellResult]:
        return [self.run_cell(index) for index in range(len(self.lesson.cells))]

    def run_cell(self, index: int) -> CellResult:
        cell = self.lesson.cells[index]
        if cell.kind != "code":
            return CellResult(index)
        if cell.refusal is not None:
            return CellResult(index, error=error_line(cell.refusal), exception=cell.refusal,
                              tensors=self._tensors())
        output = _Output(MAX_CELL_OUTPUT, MAX_LESSON_OUTPUT - self.output_used)
        interpreter = self.interpreter
        interpreter.write = output.write
        value = error = None
        record = getattr(self.module, "record_passes", None)
        previous = self.module.is_grad_enabled()
        self.module.set_grad_enabled(self._grad_enabled)
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, RECURSION_LIMIT))
        started = time.monotonic()
        accountant = None
        try:
            with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"), (
                    record() if record else contextlib.nullcontext([])) as passes:
                warnings.simplefilter("always")
                accountant = interpreter.after_call = _PassAccountant(passes)
                try:
                    value = self._run_statements(cell, output)
                except ExpressionError as raised:
                    error = raised
                except RecursionError:
                    error = limit_error(interpreter.fail("recursion too deep",
                                                         interpreter.offset(cell.statements[0])))
                accountant(0)
        finally:
            interpreter.after_call = None
            sys.setrecursionlimit(limit)
            self.time_used += time.monotonic() - started
            self._grad_enabled = self.module.is_grad_enabled()
            self.module.set_grad_enabled(previous)
        plots = interpreter.plots.take() if interpreter.plots is not None else ()
        shown = output.text()
        self.output_used += output.size
        return CellResult(
            index=index, output=shown, value=value,
            error=None if error is None else error_line(error), exception=error,
            passes=tuple(passes), tensors=self._tensors(),
            warnings=tuple(dict.fromkeys(shorten(f"{w.category.__name__}: {w.message}",
                                                 MAX_ERROR_LINE) for w in caught)),
            plots=plots, passes_dropped=accountant.dropped if accountant else 0)

    def _run_statements(self, cell: Cell, output: _Output) -> str | None:
        interpreter = self.interpreter
        left = self.lesson_time_limit - self.time_used
        first = interpreter.offset(cell.statements[0]) if cell.statements else 0
        if left <= 0:
            raise limit_error(interpreter.fail(
                f"time limit exceeded ({self.lesson_time_limit:g} s per lesson)", first))
        interpreter.time_limit = min(self.time_limit, left)
        interpreter.start_clock()
        statements = cell.statements
        last = statements[-1] if cell.show_last else None
        for statement in statements:
            try:
                result = interpreter.execute(statement)
            except (ExpressionError, RecursionError):
                raise
            except GuardError as refusal:
                raise limit_error(interpreter.fail(str(refusal),
                                                   interpreter.offset(statement))) from None
            except Exception as error:  # a Python error the evaluator did not place: here
                raise interpreter.fail(exception_text(error),
                                       interpreter.offset(statement)) from error
            if statement is last and result is not None:
                at = interpreter.offset(statement)
                try:
                    text = interpreter.run(at, interpreter.repr_of, result)
                except ExpressionError:
                    raise
                except GuardError as refusal:
                    raise limit_error(interpreter.fail(str(refusal), at)) from None
                room = max(output.limit - output.size, 0)
                self.output_used += min(len(text), room)
                return _printable(shorten(text, max(room, 40)))
        return None

    def _tensors(self) -> dict:
        tensor_type = self.interpreter.backend.tensor_type
        return {name: value for name, value in self.namespace.items()
                if isinstance(value, tensor_type)}
