"""The rule for a name a user gives a variable: one rule, used wherever a name is accepted.

The window's variables table, a session file and the command line's ``--var NAME=...``
all call ``check_variable_name``, so a name refused in one place is refused in every
place, with the same one-line message, at once.

>>> check_variable_name("w")
>>> try:
...     check_variable_name("for")
... except ExpressionError as error:
...     print(error)
variable name 'for' is a Python keyword
>>> variable_name_problem("__class__")
"variable name '__class__' is not allowed: names starting with '_' are private"
"""

from __future__ import annotations

import keyword

from engine.interpreter.source import ExpressionError

__all__ = ["check_variable_name", "variable_name_problem", "MAX_NAME_LENGTH", "RESERVED_NAMES"]

MAX_NAME_LENGTH = 64
RESERVED_NAMES = frozenset({"torch", "engine"})


def _shown(name: str, limit: int = 40) -> str:
    return repr(name if len(name) <= limit else name[:limit - 3] + "...")


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a list" if isinstance(value, (list, tuple)) else f"a {type(value).__name__}"


def variable_name_problem(name) -> str | None:
    """What is wrong with ``name`` as a variable's name, in one line; None if nothing."""
    if not isinstance(name, str):
        return f"a variable name must be text, not {_kind(name)}"
    shown = _shown(name)
    if not name:
        return "a variable name is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"variable name {shown} is longer than {MAX_NAME_LENGTH} characters"
    if not (name.isascii() and name.isidentifier()):
        return f"variable name {shown} is not a Python identifier in ASCII"
    if keyword.iskeyword(name):
        return f"variable name {shown} is a Python keyword"
    if name.startswith("_"):
        return f"variable name {shown} is not allowed: names starting with '_' are private"
    if name in RESERVED_NAMES:
        return f"variable name {shown} is not allowed: it names the module"
    return None


def check_variable_name(name) -> None:
    """Raise ``ExpressionError`` (a ``ValueError``, offset 0) unless ``name`` may be a name."""
    problem = variable_name_problem(name)
    if problem is not None:
        raise ExpressionError(problem, 0)
