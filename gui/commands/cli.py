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

from gui.commands.terminal import make_streams_safe, shown_name
from gui.commands.trace_report import (
    NodeNames,
    error_text,
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
STEP_SECONDS = 2 / 3  # how long one step's motion lasts in an exported animation

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
  python main.py export --x "arange(4.0)" --expr "2 * dot(x, x)" --out backward.gif
  python main.py export --x "arange(4.0)" --expr "exp(x).sum()" --out steps.gif --fps 2
  python main.py export --x "arange(4.0)" --expr "x.sum()" --out slow.mp4 --step-frames 30
  python main.py export --x "arange(4.0)" --expr "x.sum()" --pass 2 --out second.gif

.png .svg .pdf write the graph (after --step steps of the pass); .gif .mp4 write the
backward animation in motion (each step's gradients travel along their edges; --fps 2
alone gives one frame a step, as a slideshow), with a progress bar on stderr. MP4 needs
ffmpeg (installed, or 'pip install imageio-ffmpeg').
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
    make_streams_safe()  # a cp1252 or ASCII terminal escapes what it cannot show
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
    run.add_argument("--plots", metavar="DIR",
                     help="save the matplotlib figures each cell draws as DIR/cell-N-M.png")
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
    export.add_argument("--fps", type=_fps, default=None,
                        help="animation frames per second (default 12 for GIF, 30 for MP4)")
    export.add_argument("--step-frames", type=_step_frames, default=None, metavar="N",
                        help="frames of motion per step: the gradients travelling along "
                             f"their edges (default: {STEP_SECONDS:.2g} s of frames per step;"
                             " 1: each step at rest)")
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


def _step_frames(text: str) -> int:
    if not text.strip().isdigit() or not 1 <= int(text) <= 60:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 60, not {text[:20]}")
    return int(text)


def animation_timing(suffix: str, fps: float | None, step_frames: int | None) -> tuple:
    """The frame rate and frames per step of an exported animation: a step's motion lasts
    about ``STEP_SECONDS`` unless told otherwise, so ``--fps 2`` alone is one frame a step.

    >>> animation_timing(".gif", None, None), animation_timing(".mp4", None, None)
    ((12.0, 8), (30.0, 20))
    >>> animation_timing(".gif", 2.0, None), animation_timing(".gif", None, 1)
    ((2.0, 1), (12.0, 1))
    """
    if fps is None:
        fps = 30.0 if suffix == ".mp4" else 12.0
    if step_frames is None:
        step_frames = min(max(round(fps * STEP_SECONDS), 1), 60)
    return fps, step_frames


def _session_target(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() != ".json":
        raise argparse.ArgumentTypeError(f"a session file ends in .json, not {text[:60]!r}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"folder {str(folder)[:60]!r} does not exist")
    return path


# ----- the session: built, run and saved as the window does it ---------------------------

def _sources(options) -> dict[str, str]:
    """The variables of ``--x`` and ``--var``, in order (nothing evaluated yet)."""
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
    return sources


def _session(options):
    """The window's session (``gui.model.session``) with the command line's inputs, its
    graph drawn; bad input raises ``BadInputError`` with the option it came from."""
    from gui.model.session import SessionModel

    sources = _sources(options)
    session = SessionModel()
    session.set_inputs(variables=sources, expression=options.expr, x_requires_grad=True)
    session.retain_graph = bool(options.retain_graph)
    session.reuse_graph = True  # every backward on the same output, as N calls in torch
    if not session.forward():
        raise BadInputError(_input_problem(session.error, sources, options))
    return session


def _input_problem(error: dict, sources: dict, options) -> str:
    """The session's error about an input, named by the option that gave it."""
    field = error["field"]
    if field == "expression":
        option, source = "--expr", options.expr
    else:
        option = "--x" if field == "x" and options.x is not None else f"--var {field}"
        source = sources.get(field, "")
    if error["offset"] is not None:
        kind = "" if error["type"] == "ExpressionError" else f"{error['type']}: "
        return f"{option} {_quoted(source)}: column {error['offset'] + 1}: {kind}" \
               f"{error['message']}"
    if field == "x" and error["type"] == "RuntimeError":  # x.requires_grad_(True) refused
        return (f"{option} {_quoted(source)}: x must be able to require grad: RuntimeError: "
                f"{error['message']}")
    kind = f"{error['type']}: " if error["type"] not in ("", "ExpressionError") else ""
    return f"{option} {_quoted(source)}: {kind}{error['message']}"


def _quoted(source: str, limit: int = 40) -> str:
    text = source if len(source) <= limit else source[:limit - 3] + "..."
    return json.dumps(text)


@dataclass
class _PassRecord:
    """One call of ``y.backward()``: the steps it ran and the error that stopped it."""

    number: int
    steps: list
    error: BaseException | None = None
    grads: dict = field(default_factory=dict)  # leaf name -> .grad after the pass (array|None)
    shown: dict = field(default_factory=dict)  # leaf name -> repr(leaf.grad) after the pass
    failed_node: object = None  # the node whose step raised (BackwardPass.failed_node)


def _run_passes(session, count: int, leaves: dict) -> list[_PassRecord]:
    """Call backward ``count`` times on the session's output; stop at the first error."""
    records = []
    for number in range(1, count + 1):
        before = session.backward_pass
        ok = session.backward()
        made = session.backward_pass is not before  # else torch refused to start the pass
        backward = session.backward_pass if made else None
        records.append(_PassRecord(
            number, list(backward.steps) if backward else [], session.backward_error,
            {name: (None if leaf.grad is None else leaf.grad.detach().numpy().copy())
             for name, leaf in leaves.items()},
            {name: repr(leaf.grad) for name, leaf in leaves.items()},
            backward.failed_node if backward else None))
        if not ok:
            break
    return records


def _grad_history(session, leaves: dict) -> dict:
    """Each leaf's .grad states in order, in the graph's order of leaves."""
    states = session.grad_history
    return {name: states.get(name, [None]) for name in leaves}


# ----- trace -----------------------------------------------------------------------------

def _trace_command(options) -> int:
    session = _session(options)
    leaves = graph_leaves(session.graph)
    records = _run_passes(session, options.backward, leaves)
    history = _grad_history(session, leaves)
    problem = _Problem(dict(session.variables), session.tensors, session.expression,
                       session.output, session.output_name)
    failed = any(record.error is not None for record in records)
    if options.json is not None:
        document = trace_json(problem, session.graph, records, history, options)
        text = json.dumps(document, allow_nan=True) + "\n"
        if options.json == "-":
            sys.stdout.write(text)
        else:
            _write_text(Path(options.json), text)
    if options.json != "-":
        print_trace(problem, session.graph, records, history, options.backward, leaves)
    if options.save is not None:
        from gui.model.session_file import SessionFileError, save_session

        session.set_step(session.last_step)  # the trace shows every pass to its end
        try:
            save_session(options.save, session.session_data())
        except SessionFileError as error:
            raise BadInputError(f"--save: {error}") from None
    return EXIT_RAISED if failed else EXIT_OK


@dataclass
class _Problem:
    """What the trace report prints about the inputs and the output."""

    sources: dict[str, str]
    tensors: dict
    expression: str
    output: object
    output_name: str


def _write_text(path: Path, text: str) -> None:
    from gui.model.files import write_atomically

    try:
        write_atomically(path, text)  # a full disk leaves the old file as it was
    except OSError as error:
        raise BadInputError(f"cannot write {shown_name(path)!r}: {error.strerror or error}") \
            from None


# ----- run -------------------------------------------------------------------------------

def _run_command(options) -> int:
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
        if options.plots and result.plots:
            from gui.picture.lesson_plot import save_figures

            for path in save_figures(result.plots, options.plots, f"cell-{number}"):
                write(f"[figure saved: {path}]\n")
        if options.trace and result.passes:
            names = NodeNames(result.tensors)
            for count, backward in enumerate(result.passes, start=1):
                write(f"backward pass {count} of {len(result.passes)} in this cell\n")
                write(step_table(backward.steps, names, indent="  "))
                if backward.error is not None:
                    graph = None  # where it stopped needs no graph (a huge one is not built)
                    record = _PassRecord(count, list(backward.steps), backward.error,
                                         failed_node=backward.failed_node)
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

    path, file = Path(file), shown_name(file)
    if path.suffix.lower() not in (".py", ".ipynb"):
        raise BadInputError(f"{file}: a lesson is a .py or .ipynb file")
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
    file = shown_name(options.file)
    suffix = Path(file).suffix.lower()
    if suffix in (".py", ".ipynb"):
        lesson = _load_lesson(options.file)
        if lesson.refusals:  # every refused statement, one line each (the interpreter's)
            for error in lesson.refusals:
                sys.stderr.write(f"{file}:{error.lineno}:{error.col}: {error}\n")
            sys.stderr.flush()
            return EXIT_BAD_INPUT
        code = len(lesson.code_cells)
        other = len(lesson.cells) - code
        extra = f", {other} markdown" if other else ""
        print(f"{file}: OK, lesson with {code} code cell{'s' if code != 1 else ''}{extra}")
        return EXIT_OK
    if suffix == ".json":
        from gui.model.session_file import SessionFileError, load_session

        try:
            data = load_session(options.file)
        except SessionFileError as error:
            raise BadInputError(f"{file}: {error.problem}") from None
        if data.lesson is not None:
            _load_lesson(data.lesson)
        print(f"{file}: OK, {data.summary()}")
        return EXIT_OK
    raise BadInputError(f"{file}: cannot check this file: expected a lesson (.py) or a "
                        "session (.json)")


# ----- export ----------------------------------------------------------------------------

def _export_command(options) -> int:
    from gui.picture import export

    animated = Path(options.out).suffix.lower() in export.ANIMATION_FORMATS
    dpi = options.dpi or (100.0 if animated else 150.0)
    try:
        export.check_target(options.out, dpi=dpi)
    except export.ExportError as error:
        raise BadInputError(f"--out {options.out}: {error}") from None
    step = _step_option(options.step)
    session = _session(options)
    leaves = graph_leaves(session.graph)
    records = _run_passes(session, options.pass_number, leaves)
    record = records[-1]
    context = session.picture_context()
    if record.error is not None and context["error"] is None:  # torch refused to start it
        context["error"] = error_text(record.error)
    graph = session.graph
    steps = record.steps
    started = time.monotonic()
    try:
        if animated:
            bar = _ProgressBar(Path(options.out).name, quiet=options.quiet)
            fps, step_frames = animation_timing(Path(options.out).suffix.lower(), options.fps,
                                                options.step_frames)
            written = export.export_animation(options.out, graph, steps, fps=fps,
                                              step_frames=step_frames, dpi=dpi,
                                              theme=options.theme, progress=bar, **context)
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
        what = (f"{len(steps) * step_frames + 1} frames" if animated
                else f"after {shown} of {len(steps)} steps")
        print(f"wrote {options.out} ({what}, {size / 1024:.0f} KB) in "
              f"{time.monotonic() - started:.1f} s")
    if record.error is None:
        return EXIT_OK
    _report_stop(record, session.output_name)  # the program's own error: not bad input
    if record.number < options.pass_number:
        sys.stderr.write(f"note: pass {options.pass_number} was never reached; the export "
                         f"shows pass {record.number}\n")
    return EXIT_RAISED


def _report_stop(record: _PassRecord, output_name: str) -> None:
    sys.stderr.write(f"backward pass {record.number} ({output_name}.backward()) "
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
