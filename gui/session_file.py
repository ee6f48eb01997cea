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
>>> import numpy as np
>>> data = SessionData(variables={"x": "arange(4.0)"}, expression="2 * dot(x, x)",
...                    passes=1, grad_history={"x": [None, np.array([0., 4., 8., 12.])]})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "session.json"
>>> save_session(path, data)
>>> load_session(path).grad_history["x"][1].tolist()
[0.0, 4.0, 8.0, 12.0]
"""

from __future__ import annotations

import codecs
import json
import keyword
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "SessionData", "SessionFileError", "save_session", "load_session", "session_to_json",
    "session_from_json", "session_text", "check_variable_name", "check_expression", "FORMAT_NAME",
    "FORMAT_VERSION", "FILE_FILTER", "MAX_FILE_BYTES", "MAX_STATE_ELEMENTS", "MAX_TOTAL_ELEMENTS",
]

FORMAT_NAME = "autograd-viz-session"
FILE_FILTER = "Sessions (*.json)"  # for a save/open dialog
FORMAT_VERSION = 1

MAX_FILE_BYTES = 4 * 1024 * 1024  # checked before reading
MAX_VARIABLES = 16
MAX_NAME_LENGTH = 64
MAX_PATH_LENGTH = 4096
MAX_LEAVES = 16
MAX_STATES = 10_000  # states of one leaf's .grad buffer
MAX_DIMS = 8
MAX_STATE_ELEMENTS = 100_000  # elements of one .grad state
MAX_TOTAL_ELEMENTS = 250_000  # elements of all states together
MAX_PASSES = 10_000
MAX_STEPS = 1_000_000
MAX_CELLS = 10_000
MAX_OPTIONS = 32
MAX_OPTION_TEXT = 200
DTYPES = ("float32", "float64")

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
    - ``retain_graph``: the option of the same name; ``options``: other preferences of the
      window (identifier -> bool, int, float or short str), kept as they are.
    - ``grad_history``: leaf name -> every state of its ``.grad`` buffer in order
      (None while ``.grad`` is None, else a numpy array; one dtype and shape per leaf).
    """

    variables: dict[str, str] = field(default_factory=dict)
    expression: str | None = None
    lesson: str | None = None
    cell: int = 0
    passes: int = 0
    step: int = -1
    retain_graph: bool = False
    options: dict[str, object] = field(default_factory=dict)
    grad_history: dict[str, list[np.ndarray | None]] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for ``check``: what the session holds."""
        what = (f"lesson {Path(self.lesson).name}, cell {self.cell + 1}" if self.lesson
                else f"expression {self.expression!r}" if self.expression is not None
                else "no expression")
        states = sum(len(states) for states in self.grad_history.values())
        variables = _plural(len(self.variables), "variable")
        return (f"session format {FORMAT_VERSION}: {what}, {variables}"
                f", {_plural(self.passes, 'backward pass', 'backward passes')}"
                f", {_plural(states, '.grad state')}")


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


# ----- checks shared with the window -------------------------------------------------------

def check_variable_name(name) -> None:
    """Raise ValueError unless ``name`` can name a variable of an expression.

    >>> check_variable_name("x")
    >>> check_variable_name("__class__")
    Traceback (most recent call last):
    ...
    ValueError: variable name '__class__' is not allowed: names starting with '_' are private
    """
    if not isinstance(name, str):
        raise ValueError(f"a variable name must be text, not {_json_type(name)}")
    shown = _short(name)
    if not name:
        raise ValueError("a variable name is empty")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"variable name {shown} is longer than {MAX_NAME_LENGTH} characters")
    if not (name.isascii() and name.isidentifier()):
        raise ValueError(f"variable name {shown} is not a Python identifier in ASCII")
    if keyword.iskeyword(name):
        raise ValueError(f"variable name {shown} is a Python keyword")
    if name.startswith("_"):
        raise ValueError(f"variable name {shown} is not allowed: names starting with '_' are "
                         "private")
    if name in ("torch", "engine"):
        raise ValueError(f"variable name {shown} is not allowed: it names the module")


def check_expression(source, names=()) -> None:
    """Raise ``engine.expression.ExpressionError`` unless ``source`` passes the expression
    interpreter's checks (length, characters, syntax, depth, node count, the whitelist, and
    only ``names`` and torch's functions as names). Nothing is evaluated.

    >>> check_expression("2 * dot(x, x)", names=["x"])
    >>> check_expression("x.__class__", names=["x"])
    Traceback (most recent call last):
    ...
    engine.expression.ExpressionError: attribute '__class__' is not allowed: names starting \
with '_' are private
    """
    from engine import expression, safe_ast

    tree, text = expression.parse_expression(source)
    safe_ast.Validator(text, mode=safe_ast.EXPRESSION, names=names).run(tree)


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
    for name, states in data.grad_history.items():
        arrays = [None if state is None else np.asarray(state) for state in states]
        present = [array for array in arrays if array is not None]
        dtype = str(present[0].dtype) if present else "float32"
        shape = list(present[0].shape) if present else []
        history.append({"name": name, "dtype": dtype, "shape": shape,
                        "states": [None if a is None else a.tolist() for a in arrays]})
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
    """The JSON text of a session document: indented, with each ``.grad`` state on one line
    (a number per line would make files several times larger).
    """
    states: list[str] = []
    history = []
    for entry in document["grad_history"]:
        marks = []
        for state in entry["states"]:
            marks.append(f"\0{len(states)}\0")  # NUL: no validated text can hold one
            states.append(json.dumps(state, allow_nan=True))
        history.append({**entry, "states": marks})
    text = json.dumps({**document, "grad_history": history}, indent=1, ensure_ascii=True,
                      allow_nan=True)
    return _STATE_MARK.sub(lambda match: states[int(match.group(1))], text)


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
    handle, temporary = None, None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                             dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            handle = None
            stream.write(text)
            stream.write("\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
        temporary = None
    except OSError as error:
        raise SessionFileError(path, f"cannot write: {error.strerror or error}") from None
    finally:
        if handle is not None:
            os.close(handle)
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass


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
    data = SessionData()
    data.variables = _variables(document["variables"])
    data.expression = _optional_expression(document["expression"], "expression", data.variables)
    data.lesson = _lesson(document["lesson"], base_dir, check_lesson)
    data.cell, data.passes, data.step = _position(document["position"])
    data.retain_graph, data.options = _options(document["options"])
    data.grad_history = _grad_history(document["grad_history"])
    return data


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


def _variables(value) -> dict[str, str]:
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
        variables[name] = _expression(entry["source"], f"{where} ({name})", variables)
    return variables


def _optional_expression(value, where: str, names) -> str | None:
    return None if value is None else _expression(value, where, names)


def _expression(value, where: str, names) -> str:
    from engine.expression import ExpressionError

    _expect(value, str, where, "text")
    try:
        check_expression(value, names)
    except ExpressionError as error:
        raise _InvalidError(
            f"{where}: {_short(value)}: column {error.offset + 1}: {error}") from None
    except (RecursionError, MemoryError):
        raise _InvalidError(f"{where}: the expression is too complex") from None
    return value


def _lesson(value, base_dir: Path | None, check_exists: bool) -> str | None:
    if value is None:
        return None
    _expect(value, str, 'field "lesson"', "a file path (text) or null")
    if not value or len(value) > MAX_PATH_LENGTH or "\x00" in value:
        raise _InvalidError('field "lesson" is not a usable file path')
    if not value.endswith(".py"):
        raise _InvalidError(f'field "lesson" must name a .py lesson file, not {_short(value)}')
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


def _grad_history(value) -> dict[str, list]:
    _expect(value, list, 'field "grad_history"', "a list")
    if len(value) > MAX_LEAVES:
        raise _InvalidError(f'field "grad_history" has {len(value):,} leaves (the limit is '
                            f"{MAX_LEAVES})")
    history: dict[str, list] = {}
    budget = [MAX_TOTAL_ELEMENTS]
    for index, entry in enumerate(value):
        where = f"grad_history[{index}]"
        _expect(entry, dict, where, "an object")
        _expect_keys(entry, where, ("name", "dtype", "shape", "states"))
        name = entry["name"]
        try:
            check_variable_name(name)
        except ValueError as error:
            problem = str(error).replace("variable name", "leaf name")
            raise _InvalidError(f"{where}: {problem}") from None
        if name in history:
            raise _InvalidError(f"{where}: leaf {name!r} appears twice")
        where = f"grad_history[{index}] ({name})"
        dtype = entry["dtype"]
        if dtype not in DTYPES:
            raise _InvalidError(f"{where}: dtype must be one of {', '.join(DTYPES)}, not "
                                f"{_short(dtype)}")
        shape = _shape(entry["shape"], where)
        size = math.prod(shape)
        if size > MAX_STATE_ELEMENTS:
            raise _InvalidError(f"{where}: a tensor of {size:,} elements is too large "
                                f"(the limit is {MAX_STATE_ELEMENTS:,})")
        states = entry["states"]
        _expect(states, list, f"{where}.states", "a list")
        if len(states) > MAX_STATES:
            raise _InvalidError(f"{where}: {len(states):,} states (the limit is {MAX_STATES:,})")
        history[name] = [_state(state, shape, dtype, f"{where}.states[{number}]", budget)
                         for number, state in enumerate(states)]
    return history


def _shape(value, where: str) -> tuple[int, ...]:
    _expect(value, list, f"{where}.shape", "a list of sizes")
    if len(value) > MAX_DIMS:
        raise _InvalidError(f"{where}: {len(value)} dimensions (the limit is {MAX_DIMS})")
    for size in value:
        _bounded_int(size, f"{where}.shape", 0, 2**31)
    return tuple(value)


def _state(value, shape: tuple, dtype: str, where: str, budget: list) -> np.ndarray | None:
    """A nested list of numbers of exactly ``shape`` (checked level by level, no recursion)."""
    if value is None:
        return None
    size = math.prod(shape)
    if size > budget[0]:
        raise _InvalidError(f"{where}: the .grad history holds more than {MAX_TOTAL_ELEMENTS:,} "
                            "numbers in all")
    budget[0] -= size
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
