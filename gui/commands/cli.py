"""The headless commands: ``trace``, ``run``, ``export`` and ``check`` (no Qt here).

``main.py`` hands ``python main.py COMMAND ...`` to ``main([COMMAND, ...])``, which
returns the exit status:

- 0: done;
- 1: the traced program itself raised (a second ``y.backward()`` through a freed
  graph, ``backward()`` on a non-scalar...): the error is printed as part of the
  trace, exactly where PyTorch would raise it, as Python exits 1 when a script raises;
- 2: bad input (an expression, a file, an option): one line on stderr, no traceback.

>>> main(["trace", "--x", "arange(4.0)", "--expr", "x.sum()", "--backward", "2"])
x = arange(4.0)
  tensor([0., 1., 2., 3.], requires_grad=True)
y = x.sum()
  tensor(6., grad_fn=<SumBackward0>)
<BLANKLINE>
backward pass 1 of 2: y.backward()
  step  node               gradient in   saved  gradient out, per next_functions edge
  0     SumBackward0       1             -      [0] [1, 1, 1, 1] -> AccumulateGrad(x)
  1     AccumulateGrad(x)  [1, 1, 1, 1]  -      x.grad: None -> [1, 1, 1, 1]
  x.grad = tensor([1., 1., 1., 1.])
<BLANKLINE>
backward pass 2 of 2: y.backward()
  step  node               gradient in   saved  gradient out, per next_functions edge
  0     SumBackward0       1             -      [0] [1, 1, 1, 1] -> AccumulateGrad(x)
  1     AccumulateGrad(x)  [1, 1, 1, 1]  -      x.grad: [1, 1, 1, 1] -> [2, 2, 2, 2]
  x.grad = tensor([2., 2., 2., 2.])
<BLANKLINE>
.grad history (each state of the buffer, in order)
  x: None -> [1, 1, 1, 1] -> [2, 2, 2, 2]
0
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gui.commands.trace_report import (
    NodeNames,
    error_text,
    failed_key,
    graph_leaves,
    print_trace,
    step_table,
    stopped_text,
    trace_json,
)
from gui.picture.style import STYLES

__all__ = ["main", "EXIT_OK", "EXIT_RAISED", "EXIT_BAD_INPUT", "BadInputError"]

EXIT_OK, EXIT_RAISED, EXIT_BAD_INPUT = 0, 1, 2
MAX_BACKWARD = 1_000

PROG = "python main.py"
OVERVIEW = """\
See how PyTorch's autograd works, without a window: trace the backward pass step by
step, run a lesson as a notebook would, export the graph or the animation, check files.
"""
EXIT_STATUS = """\
exit status:
  0  done
  1  the traced program raised (e.g. a second backward through a freed graph): the
     error is printed as part of the trace, where PyTorch would raise it
  2  bad input (an expression, a file, an option): one line on stderr
"""
TRACE_EXAMPLES = """\
examples:
  python main.py trace --x "arange(4.0)" --expr "2 * dot(x, x)"
  python main.py trace --x "arange(4.0)" --expr "x.sum()" --backward 2       # accumulates
  python main.py trace --x "arange(4.0)" --expr "2 * dot(x, x)" --backward 2 # torch's error
  python main.py trace --x "arange(4.0)" --expr "2 * dot(x, x)" --backward 2 --retain-graph
  python main.py trace --x "ones(3)" --var "w=tensor([1., 2., 3.], requires_grad=True)" \\
      --expr "(w * x).sum()" --json > passes.json
  python main.py trace --x "arange(4.0)" --expr "exp(x).sum()" --save session.json

x (from --x) requires grad; a --var is used as its definition says. The output is
called y. An expression that starts with '-' is fine: --expr "-x.sum()".
"""
RUN_EXAMPLES = """\
examples:
  python main.py run resources/lessons/01_autograd_basics.py
  python main.py run my_lesson.py --trace

Each code cell prints what a notebook shows under it: what print wrote, warnings,
the repr of the cell's last bare expression, or "ErrorType: message" when the cell
raised (the next cell still runs: that is not bad input, and the exit status is 0).
"""
EXPORT_EXAMPLES = """\
examples:
  python main.py export --x "arange(4.0)" --expr "2 * dot(x, x)" --out graph.png --dpi 200
  python main.py export --x "arange(4.0)" --expr "2 * dot(x, x)" --out graph.svg --step end
  python main.py export --x "arange(4.0)" --expr "exp(x).sum()" --out backward.gif --fps 2
  python main.py export --x "arange(4.0)" --expr "x.sum()" --pass 2 --out second.gif

.png .svg .pdf write the graph (after --step steps of the pass); .gif .mp4 write the
backward animation, with a progress bar on stderr. MP4 needs ffmpeg (installed, or
'pip install imageio-ffmpeg').
"""
CHECK_EXAMPLES = """\
examples:
  python main.py check resources/lessons/01_autograd_basics.py
  python main.py check session.json

A lesson is parsed and checked against the whitelist (nothing runs); a session is
opened as the window would open it. Exit 0 and a one-line summary, or exit 2.
"""


class BadInputError(Exception):
    """Bad input: reported as ``error: <message>`` on one line, exit status 2."""


def main(args: Sequence[str]) -> int:
    """Run ``args`` (``["trace", "--x", ...]``) and return the exit status."""
    try:
        options = _parser().parse_args(_join_dash_values(list(args)))
        return options.handler(options)
    except BadInputError as error:
        _fail(str(error))
        return EXIT_BAD_INPUT
    except SystemExit as done:  # --help
        return done.code if isinstance(done.code, int) else EXIT_OK
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130
    except BrokenPipeError:  # piped into head: stop quietly, as Unix tools do
        _silence_stdout()
        return EXIT_OK


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's final flush does not complain."""
    try:
        descriptor = os.open(os.devnull, os.O_WRONLY)
        os.dup2(descriptor, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (tests capture it)
        pass


def _fail(message: str) -> None:
    line = " ".join(str(message).split())
    sys.stderr.write(f"error: {line}\n")
    sys.stderr.flush()


# ----- the command line ---------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line and exit status 2, never a usage dump."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        raise BadInputError(f"{message} (see {self.prog} --help)")


_VALUE_OPTIONS = ("--x", "--expr", "--var")


def _join_dash_values(args: list[str]) -> list[str]:
    """``--expr -x.sum()`` means ``--expr=-x.sum()`` (argparse would take it for an option)."""
    joined: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        following = args[index + 1] if index + 1 < len(args) else None
        if (arg in _VALUE_OPTIONS and following is not None and following.startswith("-")
                and not following.startswith("--")):
            joined.append(f"{arg}={following}")
            index += 2
            continue
        joined.append(arg)
        index += 1
    return joined


def _parser() -> _Parser:
    parser = _Parser(prog=PROG, description=OVERVIEW, epilog=EXIT_STATUS)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=_Parser)
    trace = commands.add_parser(
        "trace", help="print every step of the backward pass and the .grad history",
        description=_wrap("Build the graph of an expression, call y.backward() N times and print "
                    "each pass step by step (node, gradient in, gradient out per edge, the "
                    ".grad buffer before and after) and the .grad history."),
        epilog=TRACE_EXAMPLES + "\n" + EXIT_STATUS)
    _add_expression_options(trace)
    trace.add_argument("--backward", type=_count, default=1, metavar="N",
                       help=f"call y.backward() N times, as N calls in PyTorch would "
                            f"(0 to {MAX_BACKWARD}; default 1)")
    trace.add_argument("--retain-graph", action="store_true",
                       help="pass retain_graph=True to every backward call")
    trace.add_argument("--json", nargs="?", const="-", metavar="FILE",
                       help="write the recorded passes as JSON to FILE (the text still goes "
                            "to stdout), or without FILE to stdout instead of the text")
    trace.add_argument("--save", metavar="FILE.json", type=_session_target,
                       help="also save the session, which 'python main.py FILE.json' opens")
    trace.set_defaults(handler=_trace_command)

    run = commands.add_parser(
        "run", help="run a lesson and print what each cell shows, as a notebook would",
        description=_wrap("Run a lesson (.py in plain PyTorch, '# %%' starts a cell) cell by cell "
                    "and print what each cell shows."),
        epilog=RUN_EXAMPLES + "\n" + EXIT_STATUS)
    run.add_argument("lesson", metavar="LESSON.py", help="the lesson file")
    run.add_argument("--trace", action="store_true",
                     help="also print the step table of each backward pass a cell runs")
    run.set_defaults(handler=_run_command)

    export = commands.add_parser(
        "export", help="write the graph (.png .svg .pdf) or the animation (.gif .mp4)",
        description=_wrap("Export the graph of an expression as a picture, or its backward pass as "
                    "an animation, drawn as the window draws it."),
        epilog=EXPORT_EXAMPLES + "\n" + EXIT_STATUS)
    _add_expression_options(export)
    export.add_argument("--out", required=True, metavar="FILE",
                        help="the file to write: .png, .svg, .pdf, .gif or .mp4")
    export.add_argument("--pass", dest="pass_number", type=_positive, default=1, metavar="K",
                        help="show the K-th call of y.backward() (earlier ones run first; "
                             "default 1)")
    export.add_argument("--step", default="0", metavar="N",
                        help="pictures: show the graph after N steps of the pass (0: before "
                             "it, the default; 'end': after the last)")
    export.add_argument("--retain-graph", action="store_true",
                        help="pass retain_graph=True to every backward call")
    export.add_argument("--dpi", type=_dpi, default=None, metavar="DPI",
                        help="resolution (default 150 for pictures, 100 for animations)")
    export.add_argument("--fps", type=_fps, default=2.0,
                        help="animation frames (steps) per second (default 2)")
    export.add_argument("--theme", choices=tuple(STYLES), default="light",
                        help="colours, as the window's palettes (default light)")
    export.add_argument("--quiet", action="store_true", help="no progress bar")
    export.set_defaults(handler=_export_command)

    check = commands.add_parser(
        "check", help="validate a lesson (.py) or a session (.json) without running it",
        description=_wrap("Validate a lesson or a saved session without opening a window."),
        epilog=CHECK_EXAMPLES + "\n" + EXIT_STATUS)
    check.add_argument("file", metavar="FILE", help="a lesson .py or a session .json")
    check.set_defaults(handler=_check_command)
    return parser


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=88)


def _add_expression_options(parser: _Parser) -> None:
    parser.add_argument("--x", metavar="DEF",
                        help='the definition of x, a leaf that requires grad (e.g. "arange(4.0)")')
    parser.add_argument("--var", action="append", default=[], metavar="NAME=DEF",
                        help="another variable, defined after x and the --var before it "
                             "(repeatable)")
    parser.add_argument("--expr", required=True, metavar="EXPR",
                        help='the expression whose backward pass to show (e.g. "2 * dot(x, x)")')


def _count(text: str) -> int:
    number = _integer(text)
    if not 0 <= number <= MAX_BACKWARD:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_BACKWARD}, not {number}")
    return number


def _positive(text: str) -> int:
    number = _integer(text)
    if not 1 <= number <= MAX_BACKWARD:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_BACKWARD}, not {number}")
    return number


def _integer(text: str) -> int:
    try:
        return int(text.strip(), 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text[:20]!r}") from None


def _number(text: str, low: float, high: float) -> float:
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, not {text[:20]!r}") from None
    if not (math.isfinite(number) and low <= number <= high):
        raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}, not {text[:20]}")
    return number


def _dpi(text: str) -> float:
    from gui.picture.export import MAX_DPI, MIN_DPI

    return _number(text, MIN_DPI, MAX_DPI)


def _fps(text: str) -> float:
    from gui.picture.export import MAX_FPS

    number = _number(text, 0.0, MAX_FPS)
    if number == 0:
        raise argparse.ArgumentTypeError("must be above 0")
    return number


def _session_target(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() != ".json":
        raise argparse.ArgumentTypeError(f"a session file ends in .json, not {text[:60]!r}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"folder {str(folder)[:60]!r} does not exist")
    return path


# ----- building the expression -----------------------------------------------------------

@dataclass
class _Problem:
    """The variables, the expression and its output tensor, as the window would build them."""

    sources: dict[str, str]
    tensors: dict
    expression: str
    output: object
    output_name: str


def _build(options) -> _Problem:
    from engine.interpreter.expression import ExpressionError, evaluate
    from engine.interpreter.names import check_variable_name

    sources: dict[str, str] = {}
    if options.x is not None:
        sources["x"] = options.x
    for item in options.var:
        name, equals, source = item.partition("=")
        name = name.strip()
        if not equals:
            raise BadInputError(f"--var {item[:40]!r}: expected NAME=DEFINITION, as in "
                                f"--var \"w=ones(4)\"")
        try:
            check_variable_name(name)
        except ValueError as error:
            raise BadInputError(f"--var: {error}") from None
        if name in sources:
            raise BadInputError(f"--var: variable {name!r} is defined twice")
        sources[name] = source.strip()
    tensors: dict = {}
    for name, source in sources.items():
        option = "--x" if name == "x" and options.x is not None else f"--var {name}"
        try:
            value = evaluate(source, dict(tensors))
        except ExpressionError as error:
            raise BadInputError(_expression_problem(option, source, error)) from None
        if name == "x" and not value.requires_grad:
            try:
                value.requires_grad_(True)
            except RuntimeError as error:
                raise BadInputError(f"{option} {_quoted(source)}: x must be able to require "
                                    f"grad: RuntimeError: {error}") from None
        tensors[name] = value
    try:
        output = evaluate(options.expr, dict(tensors))
    except ExpressionError as error:
        raise BadInputError(_expression_problem("--expr", options.expr, error)) from None
    output_name = next(name for name in ("y", "out", "output", "result_")
                       if name not in tensors)
    return _Problem(sources, tensors, options.expr, output, output_name)


def _quoted(source: str, limit: int = 40) -> str:
    text = source if len(source) <= limit else source[:limit - 3] + "..."
    return json.dumps(text)


def _expression_problem(option: str, source: str, error) -> str:
    cause = error.__cause__
    kind = f"{type(cause).__name__}: " if cause is not None else ""
    return f"{option} {_quoted(source)}: column {error.offset + 1}: {kind}{error}"


# ----- backward passes ------------------------------------------------------------------

@dataclass
class _PassRecord:
    """One call of ``y.backward()``: the steps it ran and the error that stopped it."""

    number: int
    steps: list
    error: BaseException | None = None
    grads: dict = field(default_factory=dict)  # leaf name -> .grad after the pass (array|None)
    shown: dict = field(default_factory=dict)  # leaf name -> repr(leaf.grad) after the pass


def _run_passes(output, count: int, retain_graph: bool, leaves: dict) -> list[_PassRecord]:
    """Call backward ``count`` times as PyTorch would; stop at the first error."""
    import engine

    records = []
    for number in range(1, count + 1):
        backward = None
        try:
            backward = engine.BackwardPass(output, retain_graph=retain_graph or None)
            backward.run()
            error = None
        except Exception as raised:  # the traced program's own error, shown in the trace
            error = raised
        steps = list(backward.steps) if backward is not None else []
        shown = {name: repr(leaf.grad) for name, leaf in leaves.items()}
        records.append(_PassRecord(number, steps, error, _grads(leaves), shown))
        if error is not None:
            break
    return records


def _grads(leaves: dict) -> dict:
    return {name: (None if leaf.grad is None else leaf.grad.detach().numpy().copy())
            for name, leaf in leaves.items()}


def _grad_history(leaves: dict, initial: dict, records: list[_PassRecord]) -> dict:
    """Each leaf's .grad states in order: before the first pass, then after every step
    that changed it."""
    by_id = {id(leaf): name for name, leaf in leaves.items()}
    history = {name: [initial[name]] for name in leaves}
    for record in records:
        for step in record.steps:
            if step.is_accumulation and id(step.leaf) in by_id:
                history[by_id[id(step.leaf)]].append(step.grad_after)
    return history


def _picture_context(graph, records: list[_PassRecord], initial: dict) -> dict:
    """What the picture of the last pass needs to know about the passes before it."""
    from engine.graph import node_id

    record = records[-1]
    freed = {node_id(graph, step.node) for earlier in records[:-1] for step in earlier.steps
             if step.freed}
    before = records[-2].grads if len(records) > 1 else initial
    keys = {data["label"]: key for key, data in graph.nodes(data=True)
            if data.get("role") == "leaf"}
    context = {"freed_before": freed,
               "grads_before": {keys[name]: value for name, value in before.items()}}
    if record.error is not None:
        context["failed"] = failed_key(graph, record.steps)
        context["error"] = error_text(record.error)
    return context


# ----- trace -----------------------------------------------------------------------------

def _trace_command(options) -> int:
    from engine.graph import to_networkx

    problem = _build(options)
    graph = _graph(problem, to_networkx)
    leaves = graph_leaves(graph)
    initial = _grads(leaves)
    records = _run_passes(problem.output, options.backward, options.retain_graph, leaves)
    history = _grad_history(leaves, initial, records)
    failed = any(record.error is not None for record in records)
    if options.json is not None:
        document = trace_json(problem, graph, records, history, options)
        text = json.dumps(document, allow_nan=True) + "\n"
        if options.json == "-":
            sys.stdout.write(text)
        else:
            _write_text(Path(options.json), text)
    if options.json != "-":
        print_trace(problem, graph, records, history, options.backward, leaves)
    if options.save is not None:
        _save_trace_session(options, problem, records, leaves, initial)
    return EXIT_RAISED if failed else EXIT_OK


def _graph(problem: _Problem, to_networkx):
    from engine import Tensor

    if not isinstance(problem.output, Tensor):
        raise BadInputError(f"--expr {_quoted(problem.expression)}: gives "
                            f"{type(problem.output).__name__}, not a tensor")
    return to_networkx(problem.output, names=problem.tensors, output_name=problem.output_name)


def _write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise BadInputError(f"cannot write {str(path)!r}: {error.strerror or error}") from None


def _save_trace_session(options, problem, records, leaves, initial) -> None:
    """The session the window would hold after the same definitions and backward calls."""
    from gui.model.session_file import SessionData, SessionFileError, history_entry, save_session

    def dtype(tensor) -> str:
        return str(tensor.dtype).removeprefix("torch.")

    history = []
    for name, source in problem.sources.items():
        tensor = problem.tensors[name]
        if tensor.requires_grad and tensor.is_leaf:
            history.append(history_entry(name, "define", source, dtype=dtype(tensor),
                                         after=initial.get(name)))
    by_id = {id(leaf): name for name, leaf in leaves.items()}
    for record in records:
        for step in record.steps:
            if step.is_accumulation and id(step.leaf) in by_id:
                history.append(history_entry(
                    by_id[id(step.leaf)], "backward", problem.expression, pass_=record.number,
                    step=step.index, dtype=dtype(step.leaf), before=step.grad_before,
                    added=step.grad_in, after=step.grad_after))
    last = records[-1] if records else None
    data = SessionData(
        variables=dict(problem.sources), expression=problem.expression,
        passes=len(records), step=(len(last.steps) - 1) if last else -1,
        retain_graph=bool(options.retain_graph), options={"x_requires_grad": True},
        history=history)
    try:
        save_session(options.save, data)
    except SessionFileError as error:
        raise BadInputError(f"--save: {error}") from None


# ----- run -------------------------------------------------------------------------------

def _run_command(options) -> int:
    from engine.graph import to_networkx
    from engine.interpreter.lesson import LessonRunner

    lesson = _load_lesson(options.lesson)
    runner = LessonRunner(lesson)
    write = sys.stdout.write
    number = 0
    for cell in lesson.cells:
        if cell.kind != "code":
            continue
        number += 1
        result = runner.run_cell(cell.index)
        write(f"# %% [{number}] line {cell.lineno}\n")
        write(_cell_text(result))
        if options.trace and result.passes:
            names = NodeNames(result.tensors)
            for count, backward in enumerate(result.passes, start=1):
                write(f"backward pass {count} of {len(result.passes)} in this cell\n")
                write(step_table(backward.steps, names, indent="  "))
                if backward.error is not None:
                    graph = to_networkx(backward.output, names=result.tensors)
                    record = _PassRecord(count, list(backward.steps), backward.error)
                    write(stopped_text(graph, record, indent="  "))
        sys.stdout.flush()
    return EXIT_OK


def _cell_text(result) -> str:
    parts = [result.output]
    lines = list(result.warnings) + [line for line in (result.value, result.error)
                                     if line is not None]
    for line in lines:
        if parts[-1] and not parts[-1].endswith("\n"):
            parts.append("\n")
        parts.append(line + "\n")
    return "".join(parts)


def _load_lesson(file: str):
    from engine.interpreter.expression import ExpressionError
    from engine.interpreter.lesson import load_lesson

    path = Path(file)
    if path.suffix.lower() != ".py":
        raise BadInputError(f"{file}: a lesson is a .py file")
    try:
        if not path.is_file():
            raise BadInputError(f"{file}: no such file" if not path.exists()
                                else f"{file}: is not a file")
        return load_lesson(path)
    except ExpressionError as error:
        raise BadInputError(f"{file}:{error.lineno}:{error.col}: {error}") from None
    except OSError as error:
        raise BadInputError(f"{file}: cannot read: {error.strerror or error}") from None


# ----- check -----------------------------------------------------------------------------

def _check_command(options) -> int:
    file = options.file
    suffix = Path(file).suffix.lower()
    if suffix == ".py":
        lesson = _load_lesson(file)
        code = len(lesson.code_cells)
        other = len(lesson.cells) - code
        extra = f", {other} markdown" if other else ""
        print(f"{file}: OK, lesson with {code} code cell{'s' if code != 1 else ''}{extra}")
        return EXIT_OK
    if suffix == ".json":
        from gui.model.session_file import SessionFileError, load_session

        try:
            data = load_session(file)
        except SessionFileError as error:
            raise BadInputError(str(error)) from None
        if data.lesson is not None:
            _load_lesson(data.lesson)
        print(f"{file}: OK, {data.summary()}")
        return EXIT_OK
    raise BadInputError(f"{file}: cannot check this file: expected a lesson (.py) or a "
                        "session (.json)")


# ----- export ----------------------------------------------------------------------------

def _export_command(options) -> int:
    from engine.graph import to_networkx
    from gui.picture import export

    animated = Path(options.out).suffix.lower() in export.ANIMATION_FORMATS
    dpi = options.dpi or (100.0 if animated else 150.0)
    try:
        export.check_target(options.out, dpi=dpi)
    except export.ExportError as error:
        raise BadInputError(f"--out {options.out}: {error}") from None
    step = _step_option(options.step)
    problem = _build(options)
    graph = _graph(problem, to_networkx)
    leaves = graph_leaves(graph)
    initial = _grads(leaves)
    records = _run_passes(problem.output, options.pass_number, options.retain_graph, leaves)
    context = _picture_context(graph, records, initial)
    record = records[-1]
    steps = record.steps
    started = time.monotonic()
    try:
        if animated:
            bar = _ProgressBar(Path(options.out).name, quiet=options.quiet)
            written = export.export_animation(options.out, graph, steps, fps=options.fps,
                                              dpi=dpi, theme=options.theme, progress=bar,
                                              **context)
            bar.close()
        else:
            index = len(steps) - 1 if step == "end" else step - 1
            if index >= len(steps):
                raise BadInputError(f"--step {step}: the pass has only {len(steps)} steps")
            export.export_graph(options.out, graph, steps, index, dpi=dpi, theme=options.theme,
                                **context)
            written = True
    except export.ExportError as error:
        raise BadInputError(f"--out {options.out}: {error}") from None
    if written:
        size = Path(options.out).stat().st_size
        shown = len(steps) if step == "end" else step
        what = f"{len(steps) + 1} frames" if animated else f"after {shown} of {len(steps)} steps"
        print(f"wrote {options.out} ({what}, {size / 1024:.0f} KB) in "
              f"{time.monotonic() - started:.1f} s")
    if record.error is None:
        return EXIT_OK
    _report_stop(record, problem)  # the program's own error: shown, not bad input
    if record.number < options.pass_number:
        sys.stderr.write(f"note: pass {options.pass_number} was never reached; the export "
                         f"shows pass {record.number}\n")
    return EXIT_RAISED


def _report_stop(record: _PassRecord, problem: _Problem) -> None:
    sys.stderr.write(f"backward pass {record.number} ({problem.output_name}.backward()) "
                     f"stopped after {len(record.steps)} steps: {error_text(record.error)}\n")


def _step_option(text: str):
    if text.strip().lower() == "end":
        return "end"
    try:
        step = int(text.strip(), 10)
    except ValueError:
        raise BadInputError(f"--step: expected a number of steps or 'end', not "
                            f"{text[:20]!r}") from None
    if step < 0:
        raise BadInputError(f"--step: must be 0 or more, not {step}")
    return step


class _ProgressBar:
    """``progress(done, total)`` for exports: a bar on stderr (or a few lines when stderr is
    not a terminal)."""

    WIDTH = 30

    def __init__(self, label: str, *, quiet: bool = False, stream=None):
        self.label = label
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.last_tenth = -1
        self.drawn = False

    def __call__(self, done: int, total: int) -> bool:
        if self.quiet:
            return True
        fraction = done / total if total else 1.0
        if self.tty:
            filled = int(round(fraction * self.WIDTH))
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                              f"{done}/{total}")
            self.drawn = True
        else:
            tenth = int(fraction * 10)
            if tenth > self.last_tenth:
                self.last_tenth = tenth
                self.stream.write(f"{self.label}: {done}/{total} ({fraction:.0%})\n")
        self.stream.flush()
        return True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
