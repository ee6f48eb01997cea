"""The whitelist interpreter, as one name for older imports (``engine.interpreter.safe_ast``).

It lives in four modules with one job each: ``limits`` (sizes predicted before the
work), ``tables`` (the whitelist), ``validator`` (refusals before anything runs) and
``evaluator`` (the interpreter). This module re-exports their public names.

>>> Validator is validator.Validator and Interpreter is evaluator.Interpreter
True
"""

from engine.interpreter import evaluator, limits, tables, validator
from engine.interpreter.evaluator import (  # noqa: F401 - re-exported
    Interpreter,
    _is_array,
    _kind,
    _type_name,
    exception_text,
)
from engine.interpreter.limits import *  # noqa: F403 - re-exported
from engine.interpreter.limits import GuardError, sequence_size  # noqa: F401
from engine.interpreter.tables import *  # noqa: F403 - re-exported
from engine.interpreter.validator import Validator  # noqa: F401

__all__ = ["Interpreter", "Validator", "GuardError", "sequence_size", "exception_text",
           "evaluator", "limits", "tables", "validator"]
