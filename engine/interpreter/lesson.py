"""Lesson scripts: plain PyTorch ``.py`` files, run cell by cell as a notebook would.

A lesson is Python in Jupyter's percent format: a line starting ``# %%`` starts a
cell (``# %% [markdown]`` a cell of comments shown as text), so the same file opens
as cells in Jupyter and VS Code and runs under real PyTorch unchanged. Nothing is
handed to ``eval``/``exec``/``compile``: each cell is parsed with ``ast``, checked
against the whitelist of ``engine.interpreter.safe_ast`` before anything runs, and interpreted.

Allowed: ``import torch`` / ``import torch as t``; assignments (also ``a, b = ...``,
``x.grad = None``, ``x.requires_grad = True``, ``x[0] = 1.``); ``+= -= *= /= **=``;
expression statements; ``print(..., sep=, end=)``, ``len``, ``float``, ``int``,
``bool``, ``abs``, ``str``, ``list``, ``tuple``; ``with torch.no_grad():`` (and
``enable_grad``, ``set_grad_enabled``); ``for NAME in range(n):`` with at most
``MAX_LOOP`` iterations, ``break``, ``continue``; ``if``/``elif``/``else``;
``assert``; ``pass``; string literals and comments (any Unicode inside those).

>>> lesson = parse_lesson('''
... # %%
... import torch
... x = torch.arange(4.0, requires_grad=True)
... # %%
... y = 2 * torch.dot(x, x)
... y.backward()
... print("grad:", x.grad)
... y
... ''')
>>> [cell.lineno for cell in lesson.cells]
[3, 6]
>>> runner = LessonRunner(lesson)
>>> runner.run_cell(0).shown
''
>>> result = runner.run_cell(1)
>>> print(result.shown, end="")
grad: tensor([ 0.,  4.,  8., 12.])
tensor(28., grad_fn=<MulBackward0>)
>>> [step.name for step in result.passes[0].steps]
['MulBackward0', 'DotBackward0', 'torch::autograd::AccumulateGrad']
>>> sorted(result.tensors)
['x', 'y']

API
---
- ``parse_lesson(source, filename=None) -> Lesson`` validates the whole file up
  front; any problem raises ``ExpressionError`` with ``.offset`` (0-based, in the
  file), ``.lineno`` and ``.col`` (1-based) and ``.filename``.
- ``load_lesson(path) -> Lesson`` reads a UTF-8 file (a BOM is fine) and parses it.
- ``Lesson.cells``: ``Cell(index, kind, source, lineno, title)``; ``kind`` is
  ``"code"`` or ``"markdown"`` (``Cell.markdown`` is its text without ``# ``);
  ``lineno`` is the file line of the cell's first source line. ``Lesson.code_cells``.
- ``LessonRunner(lesson, module=None)``: one namespace that persists across cells;
  ``run_cell(i) -> CellResult``, ``run_all() -> list[CellResult]``. ``module`` is the
  torch to drive (``engine`` by default; tests pass the real ``torch``).
- ``CellResult``: ``output`` (what ``print`` wrote), ``value`` (the repr of the
  cell's last bare expression as a notebook's ``Out`` shows it; ``None`` when that
  value is None, there is none, or a ``;`` ends it), ``error`` (``"ErrorType:
  message"`` when the cell raised; later cells still run), ``exception`` (the
  ``ExpressionError``, with the position, whose ``__cause__`` is the original
  error), ``passes`` (every ``engine.BackwardPass`` the cell ran), ``tensors``
  (name -> Tensor for the namespace's tensors after the cell), ``warnings``
  (``"UserWarning: ..."`` lines) and ``shown`` (output, value and error together).

Limits: ``MAX_LESSON_LENGTH`` characters (checked before parsing), ``MAX_LESSON_NODES``
syntax nodes, ``MAX_DEPTH`` nesting, ``CELL_TIME_LIMIT`` seconds per cell, ``MAX_LOOP``
iterations per loop, ``MAX_CELL_OUTPUT`` printed characters and ``MAX_CELL_ELEMENTS``
tensor elements made per cell, and the tensor and integer limits of ``engine.interpreter.safe_ast``.

Differences from a notebook: a last value is shown with ``repr`` (IPython's pretty
printer wraps long lists over several lines); names are looked up at run time as
Python does, so using a name before it is assigned is a ``NameError`` in that cell.
"""

from __future__ import annotations

import ast
import contextlib
import operator
import re
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from engine.interpreter import evaluator as safe_ast
from engine.interpreter.evaluator import Interpreter
from engine.interpreter.limits import MAX_ITERATED, GuardError
from engine.interpreter.source import (
    ExpressionError,
    SourceText,
    check_characters,
    excerpt,
    syntax_error,
    too_complex,
)
from engine.interpreter.tables import GRAD_MODES, IN_PLACE_OPERATORS, LESSON, SETTABLE_ATTRIBUTES
from engine.interpreter.validator import Validator

__all__ = ["parse_lesson", "load_lesson", "Lesson", "Cell", "LessonRunner", "CellResult",
           "MAX_LESSON_LENGTH", "MAX_LESSON_NODES", "CELL_TIME_LIMIT", "MAX_LOOP",
           "MAX_CELL_OUTPUT", "MAX_CELL_ELEMENTS"]

MAX_LESSON_LENGTH = 200_000
MAX_LESSON_NODES = 100_000
CELL_TIME_LIMIT = 5.0
MAX_LOOP = 10_000
MAX_CELL_OUTPUT = 100_000
MAX_CELL_ELEMENTS = 50_000_000  # tensor elements made by one cell (a bound on its memory)

_MARKER = re.compile(r"#\s*%%(?P<rest>.*)")
_STATEMENTS = {"Module", "Import", "alias", "Assign", "AugAssign", "Expr", "With", "withitem",
               "For", "If", "Pass", "Break", "Continue", "Assert"}
_AUGMENTED_SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


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

    @property
    def markdown(self) -> str:
        """A markdown cell's text, without the leading ``# `` of each line."""
        lines = [re.sub(r"^# ?", "", line) for line in self.source.split("\n")]
        return "\n".join(lines).strip("\n")


@dataclass(frozen=True)
class Lesson:
    """A validated lesson: its source text and its cells."""

    source: str
    cells: tuple
    filename: str | None = None

    @property
    def code_cells(self) -> tuple:
        return tuple(cell for cell in self.cells if cell.kind == "code")


class LessonValidator(Validator):
    """The expression whitelist plus the statements a lesson may use."""

    allowed = Validator.allowed | _STATEMENTS

    def check_Import(self, node, offset, in_loop):  # noqa: N802 - ast's names
        for alias in node.names:
            if alias.name != "torch":
                raise self.fail(f"only 'import torch' is allowed, not {excerpt(alias.name)}",
                                offset)
            if alias.asname and alias.asname.startswith("_"):
                raise self.fail(f"name {excerpt(alias.asname)} is not allowed: names starting "
                                f"with '_' are private", offset)

    def check_AugAssign(self, node, offset, in_loop):  # noqa: N802
        if type(node.op) not in IN_PLACE_OPERATORS:
            raise self.fail("only += -= *= /= **= are supported", offset)

    def check_With(self, node, offset, in_loop):  # noqa: N802
        for item in node.items:
            context = item.context_expr
            if not (isinstance(context, ast.Call) and isinstance(context.func, ast.Attribute)
                    and context.func.attr in GRAD_MODES):
                raise self.fail("only 'with torch.no_grad():', 'torch.enable_grad()' or "
                                "'torch.set_grad_enabled(...)' are allowed", offset)
            if item.optional_vars is not None:
                raise self.fail("'with ... as NAME' is not allowed", offset)

    def check_For(self, node, offset, in_loop):  # noqa: N802
        loop = node.iter
        if not (isinstance(node.target, ast.Name) and isinstance(loop, ast.Call)
                and isinstance(loop.func, ast.Name) and loop.func.id == "range"
                and 1 <= len(loop.args) <= 3 and not loop.keywords) or node.orelse:
            raise self.fail("only 'for NAME in range(n):' loops are allowed", offset)
        self.loop_ranges.add(id(loop))

    def check_Break(self, node, offset, in_loop):  # noqa: N802
        if not in_loop:
            raise self.fail("'break' outside loop", offset)

    def check_Continue(self, node, offset, in_loop):  # noqa: N802
        if not in_loop:
            raise self.fail("'continue' not properly in loop", offset)


def load_lesson(path) -> Lesson:
    """Read a lesson file (UTF-8, a BOM is fine) and parse it; OSError if it cannot be read."""
    with open(path, "rb") as stream:
        raw = stream.read(MAX_LESSON_LENGTH * 4 + 1)
    try:
        source = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ExpressionError(f"not UTF-8 text (byte {error.start})", 0) from None
    return parse_lesson(source, filename=str(path))


def parse_lesson(source: str, filename: str | None = None) -> Lesson:
    """Split a lesson into cells and validate every one before anything runs."""
    try:
        return _parse(source, filename)
    except ExpressionError as error:
        error.filename = filename
        raise


def _parse(source: str, filename: str | None) -> Lesson:
    if not isinstance(source, str):
        raise ExpressionError(f"a lesson must be text, not {type(source).__name__}", 0)
    if len(source) > MAX_LESSON_LENGTH:
        raise ExpressionError(f"lesson too long: {len(source):,} characters "
                              f"(limit {MAX_LESSON_LENGTH:,})", MAX_LESSON_LENGTH)
    source = normalize_newlines(source)
    check_characters(source, code_only=True)
    text = SourceText(source)
    cells = []
    nodes = 0
    for kind, title, first, last in _cell_spans(text):
        start, end = _line_start(text, first), _line_start(text, last + 1)
        body = source[start:end]
        if kind == "markdown":
            _check_markdown(text, body, first)
            cells.append(Cell(len(cells), kind, body, first, title))
            continue
        if not body.strip() and not cells and not title:
            continue
        tree = _parse_cell(text, body, first, start, end)
        validator = LessonValidator(text, mode=LESSON, max_nodes=MAX_LESSON_NODES - nodes)
        validator.run(tree, base_offset=start)
        nodes += validator.nodes
        statements = tuple(tree.body)
        cells.append(Cell(len(cells), "code", body, first, title, statements,
                          _shows_last(text, statements)))
    return Lesson(source, tuple(cells), filename)


def normalize_newlines(source: str) -> str:
    """Python's line ends (``\\r\\n``, ``\\r``, ``\\n``) as ``\\n``, the only one lessons split on.

    Python's parser ends lines there and nowhere else (a form feed or U+2028 inside a
    comment is part of its line), so every line number the lesson reports is Python's.

    >>> normalize_newlines("a = 1\\rb = 2\\r\\n# \\x0c\\u2028")
    'a = 1\\nb = 2\\n# \\x0c\\u2028'
    """
    return source.replace("\r\n", "\n").replace("\r", "\n")


def _line_start(text: SourceText, lineno: int) -> int:
    """The offset where 1-based line ``lineno`` starts (the end of the text past the last)."""
    if lineno - 1 < len(text.line_starts):
        return text.line_starts[lineno - 1]
    return len(text.text)


def _cell_spans(text: SourceText):
    """(kind, title, first line, last line) of each cell; lines are 1-based, inclusive."""
    source = text.text
    markers = []
    for index, start in enumerate(text.line_starts):
        if source.startswith("#", start):
            end = source.find("\n", start)
            match = _MARKER.fullmatch(source[start:end if end >= 0 else len(source)].rstrip())
            if match:
                markers.append((index + 1, match.group("rest")))
    line_count = len(text.line_starts)
    spans = []
    if not markers or markers[0][0] > 1:
        spans.append(("code", "", 1, (markers[0][0] - 1) if markers else line_count))
    for position, (lineno, rest) in enumerate(markers):
        last = markers[position + 1][0] - 1 if position + 1 < len(markers) else line_count
        kind = "markdown" if re.search(r"\[(markdown|md)\]", rest) else "code"
        title = re.sub(r"\[(markdown|md)\]", "", rest).strip()
        spans.append((kind, title, lineno + 1, last))
    return [span for span in spans if span[2] <= span[3] or span[0] == "code" and span[1]]


def _check_markdown(text: SourceText, body: str, first: int) -> None:
    for number, line in enumerate(body.split("\n"), start=first):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            offset = text.line_starts[number - 1] + len(line) - len(line.lstrip())
            raise text.error("a markdown cell may hold only comment lines", offset)


def _parse_cell(text: SourceText, body: str, first: int, start: int, end: int) -> ast.Module:
    try:
        tree = ast.parse(body)
    except SyntaxError as error:
        raise syntax_error(text, error, line_offset=first - 1) from None
    except (RecursionError, MemoryError):
        raise too_complex(text, start, end) from None
    except ValueError as error:  # null bytes; refused earlier, kept as a safety net
        raise text.error(str(error), start) from None
    ast.increment_lineno(tree, first - 1)
    return tree


def _shows_last(text: SourceText, statements: tuple) -> bool:
    """IPython shows a cell's last bare expression unless a ``;`` ends it."""
    if not statements or not isinstance(statements[-1], ast.Expr):
        return False
    end = text.node_end(statements[-1])
    line_end = text.text.find("\n", end)
    rest = text.text[end:line_end if line_end >= 0 else len(text.text)]
    return not rest.lstrip().startswith(";")


# ----- running ---------------------------------------------------------------------------

class _LoopControl(Exception):  # noqa: N818 - a signal, not an error
    pass


class _Break(_LoopControl):
    pass


class _Continue(_LoopControl):
    pass


class _Output:
    """What ``print`` wrote in a cell, refused past ``MAX_CELL_OUTPUT`` characters."""

    def __init__(self, limit: int = MAX_CELL_OUTPUT):
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit

    def write(self, text: str) -> None:
        if self.size + len(text) > self.limit:
            room = self.limit - self.size
            self.parts.append(text[:max(room, 0)])
            self.size = self.limit
            raise GuardError(f"output limit: a cell may print at most {self.limit:,} characters")
        self.parts.append(text)
        self.size += len(text)

    def text(self) -> str:
        return "".join(self.parts)


class LessonInterpreter(Interpreter):
    """The expression interpreter plus lesson statements and a few Python builtins."""

    validator_class = LessonValidator

    # -- statements --
    def exec_block(self, statements) -> None:
        for statement in statements:
            self.execute(statement)

    def execute(self, node: ast.stmt):
        self.eval_tick(node)
        return getattr(self, "exec_" + type(node).__name__)(node)

    def eval_tick(self, node: ast.AST) -> None:
        if time.monotonic() > self.deadline:
            raise self.fail(f"time limit exceeded ({self.time_limit:g} s per cell)",
                            self.offset(node))

    def exec_Import(self, node):  # noqa: N802 - ast's names
        for alias in node.names:
            self.variables[alias.asname or "torch"] = self.backend.ref

    def exec_Expr(self, node):  # noqa: N802
        return self.evaluate_node(node.value)

    def exec_Pass(self, node):  # noqa: N802
        return None

    def exec_Break(self, node):  # noqa: N802
        raise _Break

    def exec_Continue(self, node):  # noqa: N802
        raise _Continue

    def exec_Assign(self, node):  # noqa: N802
        value = self.evaluate_node(node.value)
        for target in node.targets:
            self.assign(target, value)

    def assign(self, target: ast.expr, value) -> None:
        if isinstance(target, ast.Name):
            self.variables[target.id] = value
        elif isinstance(target, ast.Attribute):
            owner = self.evaluate_node(target.value)
            self.set_attribute(owner, target, value)
        elif isinstance(target, ast.Subscript):
            owner = self.evaluate_node(target.value)
            index = self.evaluate_node(target.slice)
            self.set_item(owner, index, value, target)
        else:
            self.unpack(target, value)

    def set_attribute(self, owner, target: ast.Attribute, value) -> None:
        at = self.source.node_end(target) - len(target.attr)
        if not isinstance(owner, self.backend.tensor_type) or target.attr not in (
                SETTABLE_ATTRIBUTES):
            raise self.fail(f"setting .{target.attr} is allowed only on tensors", at)
        self.run(at, setattr, owner, target.attr, value)

    def set_item(self, owner, index, value, target: ast.Subscript) -> None:
        at = self.offset(target)
        if not isinstance(owner, self.backend.tensor_type):
            raise self.fail(f"item assignment is allowed only on tensors, not on "
                            f"{safe_ast._kind(owner)}", at)
        self.check_index(index, at)
        self.run(at, operator.setitem, owner, index, value)

    def unpack(self, target: ast.Tuple | ast.List, value) -> None:
        at = self.offset(target)
        count = len(target.elts)
        length = len(value) if hasattr(type(value), "__len__") else None
        if length is None:
            raise self.run_error(TypeError(
                f"cannot unpack non-iterable {safe_ast._type_name(value)} object"), at)
        if length > count:
            raise self.run_error(ValueError(f"too many values to unpack (expected {count})"), at)
        if length < count:
            raise self.run_error(ValueError(
                f"not enough values to unpack (expected {count}, got {length})"), at)
        for item_target, item in zip(target.elts, self.run(at, list, value)):
            self.assign(item_target, item)

    def exec_AugAssign(self, node):  # noqa: N802
        target = node.target
        symbol = _AUGMENTED_SYMBOLS[type(node.op)]
        function = IN_PLACE_OPERATORS[type(node.op)]
        if isinstance(target, ast.Name):
            current = self.evaluate_node(target)
            value = self.evaluate_node(node.value)
            at = self.operator_offset(target, node.value, symbol + "=")
            self.variables[target.id] = self.binary(function, symbol, current, value, at)
        elif isinstance(target, ast.Attribute):
            owner = self.evaluate_node(target.value)
            at = self.source.node_end(target) - len(target.attr)
            current = self.get_attribute(owner, target.attr, at)
            value = self.evaluate_node(node.value)
            at = self.operator_offset(target, node.value, symbol + "=")
            self.set_attribute(owner, target, self.binary(function, symbol, current, value, at))
        else:
            owner = self.evaluate_node(target.value)
            index = self.evaluate_node(target.slice)
            self.check_index(index, self.offset(target))
            current = self.run(self.offset(target), operator.getitem, owner, index)
            value = self.evaluate_node(node.value)
            at = self.operator_offset(target, node.value, symbol + "=")
            self.set_item(owner, index, self.binary(function, symbol, current, value, at), target)

    def exec_With(self, node):  # noqa: N802
        with contextlib.ExitStack() as stack:
            for item in node.items:
                manager = self.evaluate_node(item.context_expr)
                at = self.offset(item.context_expr)
                if not hasattr(type(manager), "__enter__"):
                    raise self.fail(f"{safe_ast._kind(manager)} is not a context manager", at)
                self.run(at, stack.enter_context, manager)
            self.exec_block(node.body)

    def exec_For(self, node):  # noqa: N802
        at = self.offset(node.iter)
        bounds = [self.evaluate_node(argument) for argument in node.iter.args]
        steps = self.run(at, range, *bounds)
        try:
            count = len(steps)
        except OverflowError:
            count = MAX_LOOP + 1
        if count > MAX_LOOP:
            raise self.fail(f"loop too long: {count:,} iterations (limit {MAX_LOOP:,})", at)
        for value in steps:
            self.variables[node.target.id] = value
            try:
                self.exec_block(node.body)
            except _Break:
                break
            except _Continue:
                continue

    def exec_If(self, node):  # noqa: N802
        if self.truth(self.evaluate_node(node.test), self.offset(node.test)):
            self.exec_block(node.body)
        else:
            self.exec_block(node.orelse)

    def exec_Assert(self, node):  # noqa: N802
        if not self.truth(self.evaluate_node(node.test), self.offset(node.test)):
            message = () if node.msg is None else (self.evaluate_node(node.msg),)
            raise self.run_error(AssertionError(*message), self.offset(node))

    # -- builtins (called only by name, from safe_ast.BUILTINS) --
    def builtin_print(self, *values, sep=" ", end="\n", flush=False):
        for name, text in (("sep", sep), ("end", end)):
            if text is not None and not isinstance(text, str):
                raise TypeError(f"{name} must be None or a string, not {type(text).__name__}")
        sep = " " if sep is None else sep
        end = "\n" if end is None else end
        self.write(sep.join(str(value) for value in values) + end)

    def builtin_len(self, value):
        return len(value)

    def builtin_float(self, *value):
        return float(*value)

    def builtin_int(self, *value):
        return int(*value)

    def builtin_bool(self, *value):
        return bool(*value)

    def builtin_abs(self, value):
        return abs(value)

    def builtin_str(self, *value):
        return str(*value)

    def builtin_list(self, *value):
        return list(self._iterable(*value))

    def builtin_tuple(self, *value):
        return tuple(self._iterable(*value))

    def _iterable(self, value=()):
        if safe_ast._is_array(value) and getattr(value, "ndim", 0) and len(value) > (
                MAX_ITERATED):
            raise GuardError(f"too many items to iterate: {len(value):,} "
                             f"(limit {MAX_ITERATED:,})")
        return value

    def builtin_range(self, *bounds):  # only reachable from 'for' (the validator sees to it)
        raise TypeError("range() is allowed only in 'for NAME in range(n):'")


class _PassAccountant:
    """Counts the arrays that recorded backward passes keep against the cell's element limit."""

    def __init__(self, interpreter: Interpreter, passes: list):
        self.interpreter = interpreter
        self.passes = passes
        self.counted = 0

    def __call__(self, offset: int) -> None:
        if len(self.passes) == self.counted:
            return
        new, self.counted = self.passes[self.counted:], len(self.passes)
        elements = sum(_step_elements(step) for backward in new
                       for step in getattr(backward, "steps", ()))
        self.interpreter.count_elements(elements, offset)


def _step_elements(step) -> int:
    arrays = (step.grad_in, *step.grads_out, step.grad_before, step.grad_after,
              *getattr(step, "saved", ()))
    return sum(getattr(array, "size", 0) for array in arrays if array is not None)


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
    """``ErrorType: message`` as a notebook ends its traceback (the original error's text)."""
    cause = error.__cause__
    if cause is None:
        return f"ExpressionError: {error}"
    text = str(cause)
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


class LessonRunner:
    """Run a lesson's cells in one namespace, recording every backward pass.

    ``module`` is the torch to drive (``engine`` by default). Grad mode set by a
    cell (``torch.set_grad_enabled(False)``) persists to the next cell and is
    restored for the caller in between.
    """

    def __init__(self, lesson: Lesson, *, module=None, time_limit: float = CELL_TIME_LIMIT):
        self.lesson = lesson
        self.namespace: dict = {}
        self.interpreter = LessonInterpreter(SourceText(lesson.source), module=module,
                                             variables=self.namespace, mode=LESSON,
                                             time_limit=time_limit)
        self.interpreter.max_run_elements = MAX_CELL_ELEMENTS
        self.module = self.interpreter.backend.module
        self._grad_enabled = True

    def run_all(self) -> list[CellResult]:
        return [self.run_cell(index) for index in range(len(self.lesson.cells))]

    def run_cell(self, index: int) -> CellResult:
        cell = self.lesson.cells[index]
        if cell.kind != "code":
            return CellResult(index)
        output = _Output()
        interpreter = self.interpreter
        interpreter.write = output.write
        value = error = None
        record = getattr(self.module, "record_passes", None)
        previous = self.module.is_grad_enabled()
        self.module.set_grad_enabled(self._grad_enabled)
        try:
            with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"), (
                    record() if record else contextlib.nullcontext([])) as passes:
                warnings.simplefilter("always")
                interpreter.after_call = _PassAccountant(interpreter, passes)
                try:
                    value = self._run_statements(cell, output)
                except ExpressionError as raised:
                    error = raised
        finally:
            interpreter.after_call = None
            self._grad_enabled = self.module.is_grad_enabled()
            self.module.set_grad_enabled(previous)
        return CellResult(
            index=index, output=output.text(), value=value,
            error=None if error is None else error_line(error), exception=error,
            passes=tuple(passes), tensors=self._tensors(),
            warnings=tuple(dict.fromkeys(f"{w.category.__name__}: {w.message}"
                                         for w in caught)))

    def _run_statements(self, cell: Cell, output: _Output) -> str | None:
        interpreter = self.interpreter
        interpreter.start_clock()
        statements = cell.statements
        last = statements[-1] if cell.show_last else None
        for statement in statements:
            result = interpreter.execute(statement)
            if statement is last and result is not None:
                at = interpreter.offset(statement)
                text = interpreter.run(at, repr, result)
                if output.size + len(text) > output.limit:
                    raise interpreter.fail(f"output limit: a cell may show at most "
                                           f"{output.limit:,} characters", at)
                return text
        return None

    def _tensors(self) -> dict:
        tensor_type = self.interpreter.backend.tensor_type
        return {name: value for name, value in self.namespace.items()
                if isinstance(value, tensor_type)}
