"""Save and open a session as versioned JSON, validating everything before returning it.

A session is what a learner was looking at: the variable definitions and the expression
(or a lesson and the cell), how far the backward animation had got, the options, and
every state of each leaf's ``.grad`` buffer. It is written atomically (a temporary file,
then ``os.replace``) and never pickled. Opening a file checks its size, encoding,
syntax, nesting, schema, every field's type and size, and runs the expression
interpreter's own checks over each expression and variable name (parsing only,
nothing is evaluated), so a bad file gives one ``SessionFileError`` naming the file and
the problem, and nothing else has been touched.

>>> import tempfile, pathlib
>>> data = SessionData(variables={"x": "arange(4.0)"}, expression="2 * dot(x, x)", passes=1,
...                    history=[history_entry("x", "define", "arange(4.0)", after=None),
...                             history_entry("x", "backward", "2 * dot(x, x)", pass_=1, step=2,
...                                           after=[0., 4., 8., 12.], added=[0., 4., 8., 12.])])
>>> path = pathlib.Path(tempfile.mkdtemp()) / "session.json"
>>> save_session(path, data)
>>> load_session(path).grad_history["x"][1].tolist()
[0.0, 4.0, 8.0, 12.0]
"""

from __future__ import annotations

import codecs
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gui.model.files import write_atomically

__all__ = [
    "SessionData", "SessionFileError", "save_session", "load_session", "session_to_json",
    "history_entry", "EVENTS",
    "session_from_json", "session_text", "check_variable_name", "check_expression", "FORMAT_NAME",
    "FORMAT_VERSION", "FILE_FILTER", "MAX_FILE_BYTES", "MAX_STATE_ELEMENTS", "MAX_TOTAL_ELEMENTS",
]

FORMAT_NAME = "autograd-viz-session"
FILE_FILTER = "Sessions (*.json)"  # for a save/open dialog
FORMAT_VERSION = 1

MAX_FILE_BYTES = 4 * 1024 * 1024  # checked before reading
MAX_VARIABLES = 16
MAX_NAME_LENGTH = 64  # of an option key (variable names: engine.interpreter.names)
MAX_PATH_LENGTH = 4096
MAX_HISTORY = 10_000  # states of the .grad buffers
MAX_SOURCE_TEXT = 40_000  # characters of distinct expressions to check (bounds the time)
MAX_DIMS = 8
MAX_STATE_ELEMENTS = 100_000  # elements of one .grad state
MAX_TOTAL_ELEMENTS = 250_000  # elements of all history arrays together
MAX_PASSES = 10_000
MAX_STEPS = 1_000_000
MAX_CELLS = 10_000
MAX_OPTIONS = 32
MAX_OPTION_TEXT = 200
DTYPES = ("float32", "float64")
EVENTS = ("define", "backward", "zero")  # what made a .grad state
_ENTRY_FIELDS = ("leaf", "event", "pass", "step", "expression", "dtype", "shape", "before",
                 "added", "after")
_ARRAYS = ("before", "added", "after")

_TOP_FIELDS = ("format", "version", "variables", "expression", "lesson", "position", "options",
               "grad_history")
_STATE_MARK = re.compile(r'"\\u0000(\d+)\\u0000"')
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_PICKLE_PROTOCOLS = tuple(bytes([0x80, protocol]) for protocol in range(2, 6))


class SessionFileError(ValueError):
    """A session file that cannot be written or opened: ``"<file>: <problem>"`` in one line.

    ``path`` is the file and ``problem`` the reason alone (for a dialog's detail text).
    """

    def __init__(self, path, problem: str):
        self.path = str(path)
        self.problem = " ".join(str(problem).split())
        super().__init__(f"{self.path}: {self.problem}")


@dataclass
class SessionData:
    """Everything a session file holds, as plain Python (the window fills and applies it).

    - ``variables``: name -> definition source, in order (``{"x": "arange(4.0)"}``).
    - ``expression``: the expression source, or None.
    - ``lesson``: the lesson file (absolute after ``load_session``), or None;
      ``cell``: the lesson cell shown (0-based).
    - ``passes``: backward passes run so far; ``step``: the step shown in the last pass
      (-1 = before its first step).
    - ``retain_graph``: the option of the same name; ``options``: the window's other
      settings (identifier -> bool, int, float or short text), kept as they are
      (e.g. ``x_requires_grad``, ``reuse_graph``, ``selected``).
    - ``history``: every state of each leaf's ``.grad`` buffer, in order, as the window's
      ``Session.history`` holds them (see ``history_entry``): values are nested lists of
      floats, or None while ``.grad`` is None.
    """

    variables: dict[str, str] = field(default_factory=dict)
    expression: str | None = None
    lesson: str | None = None
    cell: int = 0
    passes: int = 0
    step: int = -1
    retain_graph: bool = False
    options: dict[str, object] = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)

    @property
    def grad_history(self) -> dict[str, list[np.ndarray | None]]:
        """``{leaf: [state, ...]}``: None or a numpy array per state, in order."""
        states: dict[str, list] = {}
        for entry in self.history:
            after = entry["after"]
            value = None if after is None else np.asarray(after, dtype=entry["dtype"])
            states.setdefault(entry["leaf"], []).append(value)
        return states

    def summary(self) -> str:
        """One line for ``check``: what the session holds."""
        what = (f"lesson {Path(self.lesson).name}, cell {self.cell + 1}" if self.lesson
                else f"expression {self.expression!r}" if self.expression is not None
                else "no expression")
        variables = _plural(len(self.variables), "variable")
        return (f"session format {FORMAT_VERSION}: {what}, {variables}"
                f", {_plural(self.passes, 'backward pass', 'backward passes')}"
                f", {_plural(len(self.history), '.grad state')}")


def history_entry(leaf: str, event: str, expression: str | None = None, *, pass_=None,
                  step=None, dtype: str = "float32", before=None, added=None, after=None) -> dict:
    """One state of a leaf's ``.grad`` buffer, as ``SessionData.history`` holds it.

    ``event`` is what made it: ``"define"`` (the variable was (re)defined: ``expression``
    is its definition), ``"backward"`` (an AccumulateGrad step: ``pass_`` is the pass
    number from 1, ``step`` the step index, ``expression`` the expression, ``added`` the
    gradient added) or ``"zero"`` (``.grad.zero_()``). ``before``/``added``/``after`` are
    nested lists (or arrays) or None.

    >>> history_entry("x", "zero", before=[1.0, 2.0], after=[0.0, 0.0])["after"]
    [0.0, 0.0]
    """
    return {"leaf": leaf, "event": event, "pass": pass_, "step": step, "expression": expression,
            "dtype": dtype, "before": _plain(before), "added": _plain(added),
            "after": _plain(after)}


def _plain(values):
    return None if values is None else np.asarray(values, dtype=float).tolist()


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


# ----- checks shared with the window -------------------------------------------------------

def check_variable_name(name) -> None:
    """Raise ValueError unless ``name`` can name a variable (the interpreter's one rule).

    >>> check_variable_name("x")
    >>> check_variable_name("__class__")
    Traceback (most recent call last):
    ...
    engine.interpreter.source.ExpressionError: variable name '__class__' is not allowed: \
names starting with '_' are private
    """
    from engine.interpreter.names import check_variable_name as check

    check(name)


def check_expression(source, names=()) -> None:
    """Raise ``engine.expression.ExpressionError`` unless ``source`` passes the expression
    interpreter's checks (length, characters, syntax, depth, node count, the whitelist, and
    only ``names`` and torch's functions as names; ``names=None`` checks no names). Nothing
    is evaluated.

    >>> check_expression("2 * dot(x, x)", names=["x"])
    >>> check_expression("x.__class__", names=["x"])
    Traceback (most recent call last):
    ...
    engine.interpreter.source.ExpressionError: attribute '__class__' is not allowed: names \
starting with '_' are private
    """
    from engine.interpreter import expression

    expression.check(source, names)


# ----- writing -----------------------------------------------------------------------------

def session_to_json(data: SessionData, base_dir: Path | None = None) -> dict:
    """The JSON object of a session (``lesson`` relative to ``base_dir`` when inside it)."""
    lesson = data.lesson
    if lesson is not None and base_dir is not None:
        try:
            lesson = Path(lesson).resolve().relative_to(base_dir.resolve()).as_posix()
        except ValueError:
            lesson = str(Path(lesson).resolve())
    history = []
    for entry in data.history:
        arrays = {name: None if entry.get(name) is None else np.asarray(entry[name])
                  for name in _ARRAYS}
        present = [array for array in arrays.values() if array is not None]
        history.append({
            "leaf": entry["leaf"], "event": entry["event"], "pass": entry.get("pass"),
            "step": entry.get("step"), "expression": entry.get("expression"),
            "dtype": entry.get("dtype", "float32"),
            "shape": list(present[0].shape) if present else [],
            **{name: None if array is None else array.tolist()
               for name, array in arrays.items()}})
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "variables": [{"name": name, "source": source} for name, source in data.variables.items()],
        "expression": data.expression,
        "lesson": lesson,
        "position": {"cell": data.cell, "passes": data.passes, "step": data.step},
        "options": {"retain_graph": bool(data.retain_graph), **data.options},
        "grad_history": history,
    }


def session_text(document: dict) -> str:
    """The JSON text of a session document: indented, with each ``.grad`` value on one line
    (a number per line would make files several times larger).
    """
    values: list[str] = []

    def mark(value):
        if value is None:
            return None
        values.append(json.dumps(value, allow_nan=True))
        return f"\0{len(values) - 1}\0"  # NUL: no validated text can hold one

    history = [{**entry, **{name: mark(entry[name]) for name in _ARRAYS}}
               for entry in document["grad_history"]]
    text = json.dumps({**document, "grad_history": history}, indent=1, ensure_ascii=True,
                      allow_nan=True)
    return _STATE_MARK.sub(lambda match: values[int(match.group(1))], text)


def save_session(path, data: SessionData) -> None:
    """Write ``data`` to ``path`` atomically: a temporary file beside it, then a rename.

    The data is validated first, exactly as ``load_session`` would validate it, so a saved
    session always opens again. Raises ``SessionFileError`` (and leaves any existing file
    as it was) when the data or the disk refuses.
    """
    path = Path(path)
    document = session_to_json(data, path.parent)
    session_from_json(document, path, base_dir=path.parent, check_lesson=False)
    text = session_text(document)
    if len(text) > MAX_FILE_BYTES:
        raise SessionFileError(path, f"the session is too large to save ({len(text):,} bytes; "
                                     f"the limit is {MAX_FILE_BYTES:,})")
    try:
        write_atomically(path, text + "\n")
    except OSError as error:
        raise SessionFileError(path, f"cannot write: {error.strerror or error}") from None


# ----- reading -----------------------------------------------------------------------------

def load_session(path) -> SessionData:
    """Open a session file, validating everything; raise ``SessionFileError`` if anything is
    wrong. Relative lesson paths are resolved against the session file's folder.
    """
    path = Path(path)
    raw = _read_bounded(path)
    document = _parse(path, raw)
    return session_from_json(document, path, base_dir=path.parent)


def _read_bounded(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise SessionFileError(path, "is not a file")
        if size > MAX_FILE_BYTES:
            raise SessionFileError(path, f"is too large to be a session ({_megabytes(size)}; "
                                         f"the limit is {_megabytes(MAX_FILE_BYTES)})")
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise SessionFileError(path, "no such file") from None
    except OSError as error:
        raise SessionFileError(path, f"cannot read: {error.strerror or error}") from None
    if len(raw) > MAX_FILE_BYTES:  # grew while we looked
        raise SessionFileError(path, f"is too large to be a session (over "
                                     f"{_megabytes(MAX_FILE_BYTES)})")
    return raw


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _parse(path: Path, raw: bytes):
    if not raw.strip():
        raise SessionFileError(path, "the file is empty")
    if raw.startswith(_PICKLE_PROTOCOLS):
        raise SessionFileError(path, "is a Python pickle, not a JSON session (pickles are never "
                                     "opened: they can run code)")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SessionFileError(path, f"is not UTF-8 text (byte 0x{raw[error.start]:02x} at "
                                     f"offset {error.start})") from None
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_constant)
    except json.JSONDecodeError as error:
        ending = " (the file is truncated?)" if error.pos >= len(text.rstrip()) else ""
        raise SessionFileError(path, f"is not valid JSON: {error.msg} at line {error.lineno}, "
                                     f"column {error.colno}{ending}") from None
    except _DuplicateKeyError as error:
        raise SessionFileError(path, f"is not a valid session: key {_short(error.key)} appears "
                                     "twice in one object") from None
    except RecursionError:
        raise SessionFileError(path, "is nested too deeply to be a session") from None
    except ValueError as error:  # an integer of more than 4300 digits
        problem = "a number has too many digits" if "digits" in str(error) else _first_line(error)
        raise SessionFileError(path, f"is not a valid session: {problem}") from None
    except MemoryError:
        raise SessionFileError(path, "is too large to be a session") from None


class _DuplicateKeyError(Exception):
    def __init__(self, key):
        super().__init__(key)
        self.key = key


def _unique_keys(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def _constant(name: str) -> float:
    """NaN, Infinity and -Infinity, as Python's json writes them."""
    return float(name.replace("Infinity", "inf"))


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _short(value, limit: int = 40) -> str:
    text = str(value)
    if len(text) > limit:
        text = text[:limit - 3] + "..."
    return repr(text)


def _json_type(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class _InvalidError(Exception):
    """A schema problem, raised deep inside validation and turned into SessionFileError."""


def session_from_json(document, path, *, base_dir: Path | None = None,
                      check_lesson: bool = True) -> SessionData:
    """Validate a parsed JSON document and build the ``SessionData`` it describes."""
    try:
        return _validate(document, base_dir, check_lesson)
    except _InvalidError as error:
        raise SessionFileError(path, str(error)) from None


def _validate(document, base_dir, check_lesson) -> SessionData:
    if not isinstance(document, dict):
        raise _InvalidError(f"is not a session: the top level is {_json_type(document)}, not an "
                            "object")
    if document.get("format") != FORMAT_NAME:
        raise _InvalidError(f'is not a session: no "format": "{FORMAT_NAME}"')
    version = document.get("version")
    if type(version) is not int or version < 1:
        raise _InvalidError('field "version" must be a whole number from 1')
    if version > FORMAT_VERSION:
        raise _InvalidError(f"was written by a newer version of autograd-viz (session format "
                            f"{version}; this version reads format {FORMAT_VERSION}): "
                            "please update")
    unknown = [key for key in document if key not in _TOP_FIELDS]
    if unknown:
        raise _InvalidError(f"unknown field {_short(unknown[0])}")
    for key in _TOP_FIELDS:
        if key not in document:
            raise _InvalidError(f'field "{key}" is missing')
    budget = _Budget()
    data = SessionData()
    data.variables = _variables(document["variables"], budget)
    data.expression = _optional_expression(document["expression"], "expression", data.variables,
                                           budget)
    data.lesson = _lesson(document["lesson"], base_dir, check_lesson)
    data.cell, data.passes, data.step = _position(document["position"])
    data.retain_graph, data.options = _options(document["options"])
    data.history = _history(document["grad_history"], budget)
    return data


class _Budget:
    """What one file may still make the checks do: numbers to read, expression text to check
    (an expression seen before costs nothing)."""

    def __init__(self):
        self.numbers = MAX_TOTAL_ELEMENTS
        self.text = MAX_SOURCE_TEXT
        self.checked: set = set()
        self.charged: set = set()


def _expect(value, kind, where: str, what: str):
    if kind is int:
        ok = type(value) is int
    elif kind is float:
        ok = type(value) in (int, float)
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise _InvalidError(f"{where} must be {what}, not {_json_type(value)}")
    return value


def _expect_keys(value: dict, where: str, required: tuple, optional: tuple = ()) -> None:
    for key in value:
        if key not in required and key not in optional:
            raise _InvalidError(f"{where} has an unknown field {_short(key)}")
    for key in required:
        if key not in value:
            raise _InvalidError(f"{where} has no field {key!r}")


def _bounded_int(value, where: str, low: int, high: int) -> int:
    _expect(value, int, where, "a whole number")
    if not low <= value <= high:
        raise _InvalidError(f"{where} must be between {low} and {high:,}, not {value:,}")
    return value


def _variables(value, budget: _Budget) -> dict[str, str]:
    _expect(value, list, 'field "variables"', "a list")
    if len(value) > MAX_VARIABLES:
        raise _InvalidError(f'field "variables" has {len(value):,} entries (the limit is '
                            f"{MAX_VARIABLES})")
    variables: dict[str, str] = {}
    for index, entry in enumerate(value):
        where = f"variables[{index}]"
        _expect(entry, dict, where, 'an object {"name": ..., "source": ...}')
        _expect_keys(entry, where, ("name", "source"))
        name = entry["name"]
        try:
            check_variable_name(name)
        except ValueError as error:
            raise _InvalidError(f"{where}: {error}") from None
        if name in variables:
            raise _InvalidError(f"{where}: variable {name!r} is defined twice")
        variables[name] = _expression(entry["source"], f"{where} ({name})", tuple(variables),
                                      budget)
    return variables


def _optional_expression(value, where: str, names, budget: _Budget) -> str | None:
    return None if value is None else _expression(value, where, names, budget)


def _expression(value, where: str, names, budget: _Budget) -> str:
    from engine.interpreter.expression import ExpressionError

    _expect(value, str, where, "text")
    key = (value, None if names is None else tuple(names))
    if key in budget.checked or (names is None and value in budget.charged):
        return value  # a check with names is stricter than one without
    if value not in budget.charged:
        budget.charged.add(value)
        budget.text -= len(value)
    if budget.text < 0:
        raise _InvalidError(f"{where}: the session holds more than {MAX_SOURCE_TEXT:,} "
                            "characters of different expressions")
    try:
        check_expression(value, names)
    except ExpressionError as error:
        raise _InvalidError(
            f"{where}: {_short(value)}: column {error.offset + 1}: {error}") from None
    except (RecursionError, MemoryError):
        raise _InvalidError(f"{where}: the expression is too complex") from None
    budget.checked.add(key)
    return value


def _lesson(value, base_dir: Path | None, check_exists: bool) -> str | None:
    if value is None:
        return None
    _expect(value, str, 'field "lesson"', "a file path (text) or null")
    if not value or len(value) > MAX_PATH_LENGTH or "\x00" in value:
        raise _InvalidError('field "lesson" is not a usable file path')
    if not value.endswith((".py", ".ipynb")):
        raise _InvalidError(f'field "lesson" must name a .py or .ipynb lesson file, not '
                            f'{_short(value)}')
    lesson = Path(value)
    if not lesson.is_absolute() and base_dir is not None:
        lesson = base_dir / lesson
    if check_exists:
        try:
            exists = lesson.is_file()
        except OSError:
            exists = False
        if not exists:
            raise _InvalidError(f"the lesson {_short(value, 80)} was not found")
    return os.path.abspath(lesson)


def _position(value) -> tuple[int, int, int]:
    where = 'field "position"'
    _expect(value, dict, where, "an object")
    _expect_keys(value, where, ("cell", "passes", "step"))
    cell = _bounded_int(value["cell"], "position.cell", 0, MAX_CELLS)
    passes = _bounded_int(value["passes"], "position.passes", 0, MAX_PASSES)
    step = _bounded_int(value["step"], "position.step", -1, MAX_STEPS)
    return cell, passes, step


def _options(value) -> tuple[bool, dict]:
    where = 'field "options"'
    _expect(value, dict, where, "an object")
    if len(value) > MAX_OPTIONS:
        raise _InvalidError(f"{where} has {len(value):,} entries (the limit is {MAX_OPTIONS})")
    retain_graph = value.get("retain_graph", False)
    _expect(retain_graph, bool, "options.retain_graph", "true or false")
    others = {}
    for key, option in value.items():
        if key == "retain_graph":
            continue
        if not (isinstance(key, str) and key.isascii() and key.isidentifier()
                and len(key) <= MAX_NAME_LENGTH):
            raise _InvalidError(f"{where} has a key that is not a short identifier: {_short(key)}")
        if isinstance(option, str):
            if len(option) > MAX_OPTION_TEXT:
                raise _InvalidError(f"options.{key} is longer than {MAX_OPTION_TEXT} characters")
            if _CONTROL.search(option):
                raise _InvalidError(f"options.{key} holds a control character")
        elif type(option) not in (bool, int, float):
            raise _InvalidError(f"options.{key} must be true/false, a number or text, not "
                                f"{_json_type(option)}")
        elif type(option) is int and abs(option) > 2**53:
            raise _InvalidError(f"options.{key} is too large a number")
        others[key] = option
    return retain_graph, others


def _history(value, budget: _Budget) -> list[dict]:
    _expect(value, list, 'field "grad_history"', "a list")
    if len(value) > MAX_HISTORY:
        raise _InvalidError(f'field "grad_history" has {len(value):,} states (the limit is '
                            f"{MAX_HISTORY:,})")
    return [_history_entry(entry, f"grad_history[{index}]", budget)
            for index, entry in enumerate(value)]


def _history_entry(entry, where: str, budget: _Budget) -> dict:
    _expect(entry, dict, where, "an object")
    _expect_keys(entry, where, _ENTRY_FIELDS)
    leaf = entry["leaf"]
    try:
        check_variable_name(leaf)
    except ValueError as error:
        problem = str(error).replace("variable name", "leaf name")
        raise _InvalidError(f"{where}: {problem}") from None
    where = f"{where} ({leaf})"
    event = entry["event"]
    if event not in EVENTS:
        raise _InvalidError(f"{where}: event must be one of {', '.join(EVENTS)}, not "
                            f"{_short(event)}")
    number = entry["pass"]
    if number is not None:
        _bounded_int(number, f"{where}.pass", 1, MAX_PASSES)
    step = entry["step"]
    if step is not None:
        _bounded_int(step, f"{where}.step", 0, MAX_STEPS)
    expression = _optional_expression(entry["expression"], f"{where}.expression", None, budget)
    dtype = entry["dtype"]
    if dtype not in DTYPES:
        raise _InvalidError(f"{where}: dtype must be one of {', '.join(DTYPES)}, not "
                            f"{_short(dtype)}")
    shape = _shape(entry["shape"], where)
    size = math.prod(shape)
    if size > MAX_STATE_ELEMENTS:
        raise _InvalidError(f"{where}: a tensor of {size:,} elements is too large "
                            f"(the limit is {MAX_STATE_ELEMENTS:,})")
    arrays = {name: _state(entry[name], shape, dtype, f"{where}.{name}", budget)
              for name in _ARRAYS}
    return {"leaf": leaf, "event": event, "pass": number, "step": step,
            "expression": expression, "dtype": dtype,
            **{name: None if array is None else array.tolist() for name, array in arrays.items()}}


def _shape(value, where: str) -> tuple[int, ...]:
    _expect(value, list, f"{where}.shape", "a list of sizes")
    if len(value) > MAX_DIMS:
        raise _InvalidError(f"{where}: {len(value)} dimensions (the limit is {MAX_DIMS})")
    for size in value:
        _bounded_int(size, f"{where}.shape", 0, 2**31)
    return tuple(value)


def _state(value, shape: tuple, dtype: str, where: str, budget: _Budget) -> np.ndarray | None:
    """A nested list of numbers of exactly ``shape`` (checked level by level, no recursion)."""
    if value is None:
        return None
    size = math.prod(shape)
    if size > budget.numbers:
        raise _InvalidError(f"{where}: the .grad history holds more than {MAX_TOTAL_ELEMENTS:,} "
                            "numbers in all")
    budget.numbers -= size
    level = [value]
    for depth, length in enumerate(shape):
        for item in level:
            if type(item) is not list:
                raise _InvalidError(f"{where} must be a nested list of shape {list(shape)}: found "
                                    f"{_json_type(item)} at depth {depth}")
            if len(item) != length:
                raise _InvalidError(f"{where} must be a nested list of shape {list(shape)}: found "
                                    f"{len(item):,} entries at depth {depth}")
        level = [element for item in level for element in item]
    for item in level:
        if type(item) is not float and type(item) is not int:
            if type(item) is list:
                raise _InvalidError(f"{where} must be a nested list of shape {list(shape)}: "
                                    f"found a list at depth {len(shape)}")
            raise _InvalidError(f"{where} must hold numbers only, not {_json_type(item)}")
    try:
        flat = np.array(level, dtype=np.float64)
    except OverflowError:
        raise _InvalidError(f"{where} holds a number too large for a float") from None
    with np.errstate(over="ignore"):  # 1e300 as float32 is inf, as torch would store it
        return flat.astype(dtype).reshape(shape)
