"""The statements a lesson may use, run by ``LessonInterpreter`` (checked first by
``validator.LessonValidator``; the builtins are ``library.Builtins``).

The Python that autograd tutorials use: assignments and unpacking, ``if``/``while``/``for``
(over ranges, lists, tuples, dicts, ``zip``, ``enumerate``, tensors), ``break``/``continue``,
``def`` and ``lambda`` (the interpreter's own function objects, with closures, defaults,
``*args`` and a recursion limit), ``class`` (methods, ``__init__``, ``super()``),
``try``/``except``/``finally``, ``raise``, ``assert``, comprehensions, f-strings, ``import``
of torch, math, numpy, pprint and matplotlib.pyplot. Nothing is compiled: each node is
interpreted, and every call, attribute and keyword comes from a table.

>>> from engine.interpreter.source import SourceText
>>> import ast
>>> text = SourceText("def f(n):\\n    return 1 if n < 2 else n * f(n - 1)\\nprint(f(5))\\n")
>>> tree = ast.parse(text.text)
>>> LessonValidator(text).run(tree)
>>> out = []
>>> interpreter = LessonInterpreter(text, variables={})
>>> interpreter.write = out.append
>>> interpreter.start_clock()
>>> interpreter.exec_block(tree.body)
>>> out
['120\\n']
"""

from __future__ import annotations

import ast
import contextlib
import math
import operator
import time

import numpy as np

from engine.interpreter import library, objects
from engine.interpreter.evaluator import Interpreter, _is_array, _kind, _type_name, exception_text
from engine.interpreter.library import EXCEPTIONS, Namespace, TableFunction, materialize
from engine.interpreter.limits import (
    MAX_ITERATED,
    MAX_SEQUENCE_ELEMENTS,
    MAX_TENSOR_ELEMENTS,
    GuardError,
    elementwise,
    nothing,
    predict,
    sequence_size,
)
from engine.interpreter.objects import (
    BoundMethod,
    Instance,
    Return,
    Super,
    UserClass,
    UserFunction,
)
from engine.interpreter.source import ExpressionError, excerpt
from engine.interpreter.tables import (
    AUGMENTED_SYMBOLS,
    ENGINE_OBJECT_MEMBERS,
    FUNCTIONS,
    GRAD_MODES,
    LESSON,
    LESSON_IN_PLACE_OPERATORS,
    TENSOR_ATTRIBUTES,
    TENSOR_METHODS,
    TORCH_MEMBERS,
    TORCH_SUBMODULES,
    TUTORIAL_TENSOR_METHODS,
    VALUES,
)
from engine.interpreter.validator import FORBIDDEN_NAMES, LessonValidator  # noqa: F401 - re-exported

__all__ = ["LessonValidator", "LessonInterpreter", "MAX_LOOP", "MAX_CALL_DEPTH",
           "FORBIDDEN_NAMES"]

MAX_LOOP = 10_000        # iterations of one loop
MAX_CALL_DEPTH = 100     # nested calls of a lesson's own functions

_AUGMENTED_SYMBOLS = AUGMENTED_SYMBOLS
_IN_PLACE = LESSON_IN_PLACE_OPERATORS


# ----- running ---------------------------------------------------------------------------

class _LoopControl(Exception):  # noqa: N818 - a signal, not an error
    pass


class _Break(_LoopControl):
    pass


class _Continue(_LoopControl):
    pass


class _Frame:
    """A function call's (or a class body's) names; ``parent`` is the defining scope."""

    __slots__ = ("values", "parent", "function", "instance", "is_class")

    def __init__(self, parent=None, function=None, instance=None, is_class=False):
        self.values: dict = {}
        self.parent = parent
        self.function = function
        self.instance = instance
        self.is_class = is_class


class _Missing(Exception):  # noqa: N818 - lookup signal
    pass


class _Enough(Exception):  # noqa: N818 - a repr is long enough
    pass


MAX_SHOWN = 100_000  # characters of one repr or str of a container

def limit_error(error: ExpressionError) -> ExpressionError:
    """Mark an error as a limit: no ``except`` catches it."""
    error.limit = True
    return error


class LessonInterpreter(library.Builtins, Interpreter):
    """The expression interpreter plus lesson statements, functions, classes and builtins."""

    validator_class = LessonValidator

    def __init__(self, source, *, module=None, variables=None, mode: str = LESSON,
                 time_limit: float = 5.0):
        super().__init__(source, module=module, variables=variables, mode=mode,
                         time_limit=time_limit)
        self.frame: _Frame | None = None
        self.depth = 0
        self.memory = None  # a limits.MemoryBudget, set by the runner
        self.plots = None  # a plots.PlotRecorder, set by the runner
        self.builtins = self._builtins()
        self.max_run_elements = math.inf  # memory is the lesson's budget, time the clock's

    # -- the clock and the memory budget --
    def fail(self, message: str, offset: int) -> ExpressionError:
        return self.source.error(message, offset)

    def evaluate_node(self, node):
        if time.monotonic() > self.deadline:
            raise limit_error(self.fail(self.time_message(), self.offset(node)))
        method = getattr(self, "eval_" + type(node).__name__, None)
        if method is None:
            raise self.fail(f"'{type(node).__name__}' is not allowed", self.offset(node))
        return method(node)

    def time_message(self) -> str:
        return f"time limit exceeded ({self.time_limit:g} s per cell)"

    def tick(self, node=None) -> None:
        if time.monotonic() > self.deadline:
            raise limit_error(self.fail(self.time_message(),
                                        self.offset(node) if node is not None else 0))

    def guard(self, name, predictor, args, kwargs, offset):
        """Refuse a call whose result would be too large, or not fit the lesson's memory."""
        try:
            elements = predict(predictor, args, kwargs)
        except GuardError as refusal:
            raise limit_error(self.fail(str(refusal), offset)) from None
        if elements > MAX_TENSOR_ELEMENTS:
            raise limit_error(self.fail(f"{name}() would make a tensor of {elements:,} elements "
                                        f"(limit {MAX_TENSOR_ELEMENTS:,})", offset))
        if self.memory is not None:
            try:
                self.memory.check(elements * 8)
            except GuardError as refusal:
                raise limit_error(self.fail(str(refusal), offset)) from None

    def run(self, offset: int, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except ExpressionError:
            raise
        except (objects.Return, _LoopControl):
            raise
        except GuardError as refusal:
            raise limit_error(self.fail(str(refusal), offset)) from None
        except RecursionError:
            raise limit_error(self.fail("recursion too deep", offset)) from None
        except MemoryError:
            raise limit_error(self.fail("out of memory for this lesson", offset)) from None
        except Exception as error:  # every engine failure reaches the caller as one type
            raise self.fail(exception_text(error), offset) from error

    # -- statements --
    def exec_block(self, statements) -> None:
        for statement in statements:
            self.execute(statement)

    def execute(self, node: ast.stmt):
        self.tick(node)
        if self.memory is not None:
            try:
                self.memory.check(0)
            except GuardError as refusal:
                raise limit_error(self.fail(str(refusal), self.offset(node))) from None
        return getattr(self, "exec_" + type(node).__name__)(node)

    def exec_Expr(self, node):  # noqa: N802 - ast's names
        return self.evaluate_node(node.value)

    def exec_Pass(self, node):  # noqa: N802
        return None

    def exec_Break(self, node):  # noqa: N802
        raise _Break

    def exec_Continue(self, node):  # noqa: N802
        raise _Continue

    def exec_Return(self, node):  # noqa: N802
        raise Return(None if node.value is None else self.evaluate_node(node.value))

    # imports
    def exec_Import(self, node):  # noqa: N802
        for alias in node.names:
            module = self.module_value(alias.name, self.offset(node))
            if alias.asname:
                self.store(alias.asname, module)
            else:  # 'import torch.nn' binds torch; 'import matplotlib.pyplot' binds matplotlib
                top = alias.name.split(".")[0]
                self.store(top, self.module_value(top, self.offset(node)))

    def exec_ImportFrom(self, node):  # noqa: N802
        at = self.offset(node)
        module = self.module_value(node.module, at)
        for alias in node.names:
            if node.module == "matplotlib" and alias.name == "pyplot":
                value = self.module_value("matplotlib.pyplot", at)
            else:
                value = self.get_attribute(module, alias.name, at)
            self.store(alias.asname or alias.name, value)

    def module_value(self, name: str, at: int):
        if name == "torch":
            return self.backend.ref
        if name.startswith("torch."):
            value = self.backend.ref
            for part in name.split(".")[1:]:
                value = self.get_attribute(value, part, at)
            return value
        if name == "pprint":
            return library.pprint_namespace(self._write_text)
        if name in ("matplotlib", "matplotlib.pyplot"):
            from engine.interpreter.plots import plot_namespace

            pyplot = plot_namespace(self)
            return pyplot if name.endswith("pyplot") else Namespace("matplotlib",
                                                                    {"pyplot": pyplot})
        if name in library.MODULES:
            return library.MODULES[name]
        raise self.fail(f"module {excerpt(name)} is not available in a lesson", at)

    # names
    def store(self, name: str, value) -> None:
        if self.frame is not None:
            self.frame.values[name] = value
        else:
            self.variables[name] = value

    def lookup(self, name: str):
        frame = self.frame
        while frame is not None:
            if name in frame.values:
                return frame.values[name]
            frame = frame.parent
        if name in self.variables:
            return self.variables[name]
        if name in self.builtins:
            return self.builtins[name]
        raise _Missing(name)

    def eval_Name(self, node):  # noqa: N802
        try:
            return self.lookup(node.id)
        except _Missing:
            pass
        raise self.run_error(NameError(f"name '{node.id}' is not defined"), self.offset(node))

    # assignment
    def exec_Assign(self, node):  # noqa: N802
        value = self.evaluate_node(node.value)
        for target in node.targets:
            self.assign(target, value)

    def exec_AnnAssign(self, node):  # noqa: N802
        if node.value is not None:
            self.assign(node.target, self.evaluate_node(node.value))

    def assign(self, target: ast.expr, value) -> None:
        if isinstance(target, ast.Name):
            self.store(target.id, value)
        elif isinstance(target, ast.Attribute):
            owner = self.evaluate_node(target.value)
            self.set_attribute(owner, target, value)
        elif isinstance(target, ast.Subscript):
            owner = self.evaluate_node(target.value)
            index = self.evaluate_node(target.slice)
            self.set_item(owner, index, value, target)
        elif isinstance(target, (ast.Tuple, ast.List)):
            self.unpack(target, value)
        else:
            raise self.fail("cannot assign to this", self.offset(target))

    def set_attribute(self, owner, target: ast.Attribute, value) -> None:
        at = self.source.node_end(target) - len(target.attr)
        attr = target.attr
        if isinstance(owner, Instance):
            base = owner.base
            if base is not None and self._is_engine_member(value):
                self.run(at, setattr, base, attr, value)  # torch registers parameters here
                owner.attributes.pop(attr, None)
            else:
                owner.attributes[attr] = value
            return
        if isinstance(owner, UserClass):
            owner.namespace[attr] = value
            return
        if isinstance(owner, self.backend.tensor_type) and attr in {"grad", "requires_grad",
                                                                    "data"}:
            self.run(at, setattr, owner, attr, value)
            return
        raise self.fail(f"setting .{attr} is allowed only on tensors and a lesson's own "
                        f"objects", at)

    def _is_engine_member(self, value) -> bool:
        nn = getattr(self.backend.module, "nn", None)
        kinds = tuple(kind for kind in (getattr(nn, "Module", None), getattr(nn, "Parameter", None))
                      if isinstance(kind, type))
        return bool(kinds) and isinstance(value, kinds) or isinstance(value, Instance) and (
            value.base is not None)

    def set_item(self, owner, index, value, target: ast.Subscript) -> None:
        at = self.offset(target)
        if isinstance(owner, (list, dict)):
            if isinstance(owner, dict) and len(owner) >= MAX_SEQUENCE_ELEMENTS:
                raise limit_error(self.fail("dict too large", at))
            self.run(at, operator.setitem, owner, index, value)
            return
        if not isinstance(owner, (self.backend.tensor_type, np.ndarray)):
            raise self.fail(f"item assignment is allowed only on tensors, arrays, lists and "
                            f"dicts, not on {_kind(owner)}", at)
        self.check_index(index, at)
        self.run(at, operator.setitem, owner, index, value)

    def check_index(self, index, at: int) -> None:
        items = index if type(index) is tuple else (index,)
        for item in items:
            if not isinstance(item, (int, slice, type(None), type(Ellipsis), np.integer)) and not (
                    isinstance(item, (self.backend.tensor_type, np.ndarray, list))):
                raise self.fail(f"indexing with {_kind(item)} is outside the engine's subset "
                                f"(use ints, slices and tensors)", at)

    def unpack(self, target: ast.Tuple | ast.List, value) -> None:
        at = self.offset(target)
        count = len(target.elts)
        items = self.iterate(value, at, limit=count + 1)
        if len(items) > count:
            raise self.run_error(ValueError(f"too many values to unpack (expected {count})"), at)
        if len(items) < count:
            raise self.run_error(ValueError(
                f"not enough values to unpack (expected {count}, got {len(items)})"), at)
        for item_target, item in zip(target.elts, items):
            self.assign(item_target, item)

    def iterate(self, value, at: int, limit: int = MAX_LOOP) -> list:
        """The items of ``value`` (at most ``limit``), or the error Python would raise."""
        if isinstance(value, (int, float, bool, type(None))) or (
                _is_array(value) and getattr(value, "ndim", 1) == 0):
            if _is_array(value):
                message = "iteration over a 0-d tensor" if isinstance(
                    value, self.backend.tensor_type) else "iteration over a 0-d array"
                raise self.run_error(TypeError(message), at)
            raise self.run_error(TypeError(f"cannot unpack non-iterable {_type_name(value)} "
                                           f"object"), at)
        if isinstance(value, (UserFunction, UserClass, Namespace, BoundMethod)) or (
                value is self.backend.ref):
            raise self.run_error(TypeError(f"'{_type_name(value)}' object is not iterable"), at)
        if isinstance(value, Instance):
            raise self.run_error(TypeError(f"'{value.cls.name}' object is not iterable"), at)
        if _is_array(value) and len(value) > MAX_ITERATED:
            raise limit_error(self.fail(f"too many items to iterate: {len(value):,} "
                                        f"(limit {MAX_ITERATED:,})", at))
        try:
            return materialize(self.run(at, iter, value), limit=limit,
                               tick=lambda: self.tick())
        except GuardError:
            if limit < MAX_LOOP:  # unpacking: count them as Python does
                raise self.run_error(ValueError(
                    f"too many values to unpack (expected {limit - 1})"), at) from None
            raise limit_error(self.fail(f"loop too long: more than {limit:,} iterations "
                                        f"(limit {limit:,})", at)) from None

    def exec_AugAssign(self, node):  # noqa: N802
        target = node.target
        symbol = _AUGMENTED_SYMBOLS[type(node.op)]
        function = _IN_PLACE[type(node.op)]
        at = self.operator_offset(target, node.value, symbol + "=")
        if isinstance(target, ast.Name):
            current = self.evaluate_node(target)
            value = self.evaluate_node(node.value)
            self.store(target.id, self.binary(function, symbol, current, value, at))
        elif isinstance(target, ast.Attribute):
            owner = self.evaluate_node(target.value)
            attr_at = self.source.node_end(target) - len(target.attr)
            current = self.get_attribute(owner, target.attr, attr_at)
            value = self.evaluate_node(node.value)
            self.set_attribute(owner, target, self.binary(function, symbol, current, value, at))
        else:
            owner = self.evaluate_node(target.value)
            index = self.evaluate_node(target.slice)
            if not isinstance(owner, dict):
                self.check_index(index, self.offset(target))
            current = self.run(self.offset(target), operator.getitem, owner, index)
            value = self.evaluate_node(node.value)
            self.set_item(owner, index, self.binary(function, symbol, current, value, at), target)

    def exec_Delete(self, node):  # noqa: N802
        for target in node.targets:
            at = self.offset(target)
            if isinstance(target, ast.Name):
                scope = self.frame.values if self.frame is not None else self.variables
                if target.id not in scope:
                    raise self.run_error(NameError(f"name '{target.id}' is not defined"), at)
                del scope[target.id]
            else:
                owner = self.evaluate_node(target.value)
                if not isinstance(owner, (list, dict)):
                    raise self.fail("del works on list and dict items only", at)
                self.run(at, operator.delitem, owner, self.evaluate_node(target.slice))

    # control flow
    def exec_With(self, node):  # noqa: N802
        with contextlib.ExitStack() as stack:
            for item in node.items:
                manager = self.evaluate_node(item.context_expr)
                at = self.offset(item.context_expr)
                if not hasattr(type(manager), "__enter__"):
                    raise self.fail(f"{_kind(manager)} is not a context manager", at)
                self.run(at, stack.enter_context, manager)
            self.exec_block(node.body)

    def exec_For(self, node):  # noqa: N802
        at = self.offset(node.iter)
        iterable = self.evaluate_node(node.iter)
        if isinstance(iterable, range):
            count = _range_length(iterable)
            if count > MAX_LOOP:
                raise limit_error(self.fail(f"loop too long: {count:,} iterations "
                                            f"(limit {MAX_LOOP:,})", at))
            items = iterable
        else:
            items = self.iterate(iterable, at)
        for value in items:
            self.assign(node.target, value)
            try:
                self.exec_block(node.body)
            except _Break:
                break
            except _Continue:
                continue

    def exec_While(self, node):  # noqa: N802
        at = self.offset(node)
        count = 0
        while self.truth(self.evaluate_node(node.test), self.offset(node.test)):
            count += 1
            if count > MAX_LOOP:
                raise limit_error(self.fail(f"loop too long: more than {MAX_LOOP:,} "
                                            f"iterations (limit {MAX_LOOP:,})", at))
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

    def exec_Raise(self, node):  # noqa: N802
        at = self.offset(node)
        if node.exc is None:
            raise self.run_error(RuntimeError("No active exception to reraise"), at)
        value = self.evaluate_node(node.exc)
        if isinstance(value, type) and value in EXCEPTIONS.values():
            value = value()
        if not isinstance(value, tuple(EXCEPTIONS.values())):
            raise self.run_error(TypeError("exceptions must derive from BaseException"), at)
        raise self.run_error(value, at)

    def exec_Try(self, node):  # noqa: N802
        try:
            try:
                self.exec_block(node.body)
            except ExpressionError as error:
                cause = error.__cause__
                if getattr(error, "limit", False) or cause is None:
                    raise
                for handler in node.handlers:
                    if self._matches(handler, cause):
                        if handler.name:
                            self.store(handler.name, cause)
                        self.exec_block(handler.body)
                        break
                else:
                    raise
            else:
                self.exec_block(node.orelse)
        finally:
            if node.finalbody:
                self.exec_block(node.finalbody)

    def _matches(self, handler: ast.ExceptHandler, cause: BaseException) -> bool:
        if handler.type is None:
            return True
        kinds = self.evaluate_node(handler.type)
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        for kind in kinds:
            if not (isinstance(kind, type) and kind in EXCEPTIONS.values()):
                raise self.fail(f"except names {_kind(kind)}, not an exception type",
                                self.offset(handler.type))
        return isinstance(cause, kinds)

    # functions and classes
    def exec_FunctionDef(self, node):  # noqa: N802
        function = self.make_function(node.name, node, node.args)
        for decorator in reversed(node.decorator_list):
            function = self.decorate(function, decorator)
        self.store(node.name, function)

    def eval_Lambda(self, node):  # noqa: N802
        return self.make_function("<lambda>", node, node.args)

    def make_function(self, name, node, arguments) -> UserFunction:
        positional = [*arguments.posonlyargs, *arguments.args]
        defaults = [self.evaluate_node(value) for value in arguments.defaults]
        kw_defaults = {argument.arg: self.evaluate_node(value)
                       for argument, value in zip(arguments.kwonlyargs, arguments.kw_defaults)
                       if value is not None}
        del positional
        scope = self.frame
        while scope is not None and scope.is_class:
            scope = scope.parent
        return UserFunction(name, node, self, scope, defaults, kw_defaults)

    def decorate(self, function: UserFunction, decorator: ast.expr):
        value = self.evaluate_node(decorator)
        at = self.offset(decorator)
        grad_modes = tuple(getattr(self.backend.module, name) for name in
                           ("no_grad", "enable_grad") if hasattr(self.backend.module, name))
        if isinstance(value, grad_modes):
            function.context = type(value)
            return function
        if isinstance(value, type) and value in grad_modes:
            function.context = value
            return function
        raise self.fail("only @torch.no_grad() and @torch.enable_grad() decorate functions in "
                        "a lesson", at)

    def call_function(self, function: UserFunction, args, kwargs, at: int | None = None):
        """Run a lesson's function: bind the arguments, run the body, return its value."""
        node = function.node
        at = self.offset(node) if at is None else at
        if self.depth >= MAX_CALL_DEPTH:
            raise limit_error(self.fail(f"recursion too deep: more than {MAX_CALL_DEPTH} "
                                        f"nested calls", at))
        frame = _Frame(function.scope, function)
        frame.values.update(self._bind(function, args, kwargs, at))
        if function.owner is not None and node.args.args and args:
            frame.instance = args[0]
        saved = self.frame
        self.frame, self.depth = frame, self.depth + 1
        try:
            manager = function.context() if function.context is not None else (
                contextlib.nullcontext())
            with manager:
                if isinstance(node, ast.Lambda):
                    return self.evaluate_node(node.body)
                try:
                    self.exec_block(node.body)
                except Return as returned:
                    return returned.value
                except _LoopControl:
                    raise self.fail("'break' outside loop", at) from None
                return None
        finally:
            self.frame, self.depth = saved, self.depth - 1

    def _bind(self, function: UserFunction, args, kwargs, at) -> dict:
        arguments = function.node.args
        positional = [a.arg for a in (*arguments.posonlyargs, *arguments.args)]
        name = function.name
        values = {}
        extra = list(args[len(positional):])
        for parameter, value in zip(positional, args):
            values[parameter] = value
        if extra and arguments.vararg is None:
            count = len(positional)
            raise self.run_error(TypeError(
                f"{name}() takes {count} positional argument{'s' if count != 1 else ''} but "
                f"{len(args)} {'was' if len(args) == 1 else 'were'} given"), at)
        if arguments.vararg is not None:
            values[arguments.vararg.arg] = tuple(extra)
        keyword_names = set(positional[len(arguments.posonlyargs):]) | {
            a.arg for a in arguments.kwonlyargs}
        rest = {}
        for key, value in kwargs.items():
            if key in keyword_names:
                if key in values:
                    raise self.run_error(TypeError(
                        f"{name}() got multiple values for argument '{key}'"), at)
                values[key] = value
            elif arguments.kwarg is not None:
                rest[key] = value
            else:
                raise self.run_error(TypeError(
                    f"{name}() got an unexpected keyword argument '{key}'"), at)
        if arguments.kwarg is not None:
            values[arguments.kwarg.arg] = rest
        defaults = dict(zip(positional[len(positional) - len(function.defaults):],
                            function.defaults))
        missing = []
        for parameter in positional:
            if parameter not in values:
                if parameter in defaults:
                    values[parameter] = defaults[parameter]
                else:
                    missing.append(parameter)
        if missing:
            listed = " and ".join(", ".join(f"'{m}'" for m in missing).rsplit(", ", 1))
            raise self.run_error(TypeError(
                f"{name}() missing {len(missing)} required positional argument"
                f"{'s' if len(missing) > 1 else ''}: {listed}"), at)
        for argument in arguments.kwonlyargs:
            if argument.arg not in values:
                if argument.arg in function.kw_defaults:
                    values[argument.arg] = function.kw_defaults[argument.arg]
                else:
                    raise self.run_error(TypeError(
                        f"{name}() missing 1 required keyword-only argument: "
                        f"'{argument.arg}'"), at)
        return values

    def exec_ClassDef(self, node):  # noqa: N802
        at = self.offset(node)
        bases, base_type = [], None
        for base_node in node.bases:
            base = self.evaluate_node(base_node)
            if isinstance(base, UserClass):
                bases.append(base)
            elif self._engine_class(base):
                base_type = base
            else:
                raise self.fail(f"a lesson's class may extend its own classes or "
                                f"torch.nn.Module, not {_kind(base)}", self.offset(base_node))
        frame = _Frame(self.frame, is_class=True)
        saved = self.frame
        self.frame = frame
        try:
            self.exec_block(node.body)
        finally:
            self.frame = saved
        cls = UserClass(node.name, bases, frame.values, base_type)
        for value in frame.values.values():
            if isinstance(value, UserFunction):
                value.owner = cls
        del at
        self.store(node.name, cls)

    def _engine_class(self, value) -> bool:
        nn = getattr(self.backend.module, "nn", None)
        module = getattr(nn, "Module", None)
        return isinstance(value, type) and isinstance(module, type) and issubclass(value, module)

    def instantiate(self, cls: UserClass, args, kwargs, at):
        base_type = cls.engine_base()
        base = None
        if base_type is not None:
            base = self.run(at, object.__new__, base_type)
        instance = Instance(cls, base)
        owner, init = cls.lookup("__init__")
        if isinstance(init, UserFunction):
            self.call_function(init, (instance, *args), kwargs)
        elif args or kwargs:
            raise self.run_error(TypeError(f"{cls.name}() takes no arguments"), at)
        elif base is not None:
            self.run(at, base_type.__init__, base)
        return instance

    # -- attributes --

    def member(self, owner, attr: str, at: int):
        """(value, guard): what ``owner.attr`` is, from the tables (guard for a call)."""
        backend = self.backend
        if owner is backend.ref or isinstance(owner, _TorchPart):
            return self._torch_member(owner, attr, at)
        if isinstance(owner, backend.tensor_type):
            if attr in TENSOR_ATTRIBUTES:
                return self.run(at, getattr, owner, attr), None
            if attr in TENSOR_METHODS:
                return self.run(at, getattr, owner, attr), TENSOR_METHODS[attr]
            if attr in TUTORIAL_TENSOR_METHODS and hasattr(type(owner), attr):
                return self.run(at, getattr, owner, attr), TUTORIAL_TENSOR_METHODS[attr]
            raise self.run_error(AttributeError(f"'Tensor' object has no attribute '{attr}'"),
                                 at)
        if isinstance(owner, Instance):
            return self._instance_member(owner, attr, at)
        if isinstance(owner, Super):
            _, found = owner.cls.lookup(attr, after=owner.cls)
            if isinstance(found, UserFunction):
                return BoundMethod(found, owner.instance), None
            base_type = owner.cls.engine_base()
            if attr == "__init__" and base_type is not None:
                base = owner.instance.base
                return TableFunction(lambda *a, **k: base_type.__init__(base, *a, **k), nothing,
                              "__init__"), nothing
            if attr == "__init__":
                return TableFunction(lambda: None, nothing, "__init__"), nothing
            raise self.run_error(AttributeError(f"'super' object has no attribute '{attr}'"), at)
        if isinstance(owner, UserClass):
            _, found = owner.lookup(attr)
            if found is None:
                raise self.run_error(AttributeError(
                    f"type object '{owner.name}' has no attribute '{attr}'"), at)
            return found, None
        if isinstance(owner, Namespace):
            if attr in owner.members:
                value = owner.members[attr]
                guard = owner.guards.get(attr, nothing)
                if callable(value) and not isinstance(value, (type, Namespace)) or (
                        isinstance(value, type) and value in (np.float32, np.float64, np.int64)):
                    return value, guard
                return value, guard
            raise self.run_error(AttributeError(
                f"module '{owner.name}' has no attribute '{attr}'"), at)
        if isinstance(owner, library._PrettyPrinter) and attr in library.PRETTY_PRINTER_METHODS:
            return getattr(owner, attr), nothing
        if isinstance(owner, np.ndarray):
            if attr in library.ARRAY_ATTRIBUTES:
                return self.run(at, getattr, owner, attr), None
            if attr in library.ARRAY_METHODS:
                return self.run(at, getattr, owner, attr), library.ARRAY_METHODS[attr]
        elif isinstance(owner, BaseException) and attr == "args":
            return owner.args, None
        elif backend.node_type and isinstance(owner, backend.node_type):
            if attr in ("next_functions", "variable", "metadata"):
                return self.run(at, getattr, owner, attr), None
            if attr == "name":
                return self.run(at, getattr, owner, attr), nothing
        elif isinstance(owner, tuple) and type(owner) is not tuple and attr in (
                "values", "indices"):
            return self.run(at, getattr, owner, attr), None
        else:
            for kind in type(owner).__mro__:
                table = library.VALUE_METHODS.get(kind)
                if table is not None and attr in table:
                    if kind is str and attr == "format":
                        return TableFunction(lambda *a, **k: library.format_text(owner, a, k),
                                             nothing, "format"), nothing
                    return self.run(at, getattr, owner, attr), table[attr]
            engine_value = self._engine_object_member(owner, attr, at)
            if engine_value is not None:
                return engine_value
        raise self.run_error(AttributeError(
            f"'{_type_name(owner)}' object has no attribute '{attr}'"), at)

    def _instance_member(self, owner: Instance, attr: str, at: int):
        if attr in owner.attributes:
            return owner.attributes[attr], None
        _, found = owner.cls.lookup(attr)
        if isinstance(found, UserFunction):
            return BoundMethod(found, owner), None
        if found is not None:
            return found, None
        if owner.base is not None:
            value = self._engine_object_member(owner.base, attr, at)
            if value is not None:
                return value
        raise self.run_error(AttributeError(
            f"'{owner.cls.name}' object has no attribute '{attr}'"), at)

    def _engine_object_member(self, owner, attr: str, at: int):
        """Members of engine objects beyond tensors (nn modules, optimizers), by table."""
        for kind in type(owner).__mro__:
            table = ENGINE_OBJECT_MEMBERS.get(kind.__name__)
            if table is None:
                continue
            if attr in table:
                return self.run(at, getattr, owner, attr), table[attr]
            registered = {**(getattr(owner, "_modules", None) or {}),
                          **(getattr(owner, "_parameters", None) or {})}
            if attr in registered:  # a submodule or parameter a lesson's class set
                return registered[attr], None
        return None

    def _torch_member(self, owner, attr: str, at: int):
        module = self.backend.module
        if isinstance(owner, _TorchPart):
            if attr not in owner.members:
                raise self.fail(f"{owner.name}.{attr} is not in the engine's table", at)
            value = getattr(owner.module, attr, _MISSING)
            if value is _MISSING:
                raise self.fail(f"{owner.name}.{attr} is not in the engine yet", at)
            path = f"{owner.path}.{attr}"
            if path in TORCH_SUBMODULES:
                return _TorchPart(value, path, TORCH_SUBMODULES[path]), None
            return value, owner.members[attr]
        if attr in FUNCTIONS or attr in GRAD_MODES:
            return self.run(at, getattr, module, attr), {**FUNCTIONS, **GRAD_MODES}[attr]
        if attr in VALUES or attr in TORCH_MEMBERS:
            value = getattr(module, attr, _MISSING)
            if value is _MISSING:
                raise self.fail(f"torch.{attr} is not in the engine yet", at)
            if attr in TORCH_SUBMODULES:
                return _TorchPart(value, attr, TORCH_SUBMODULES[attr]), None
            return value, TORCH_MEMBERS.get(attr, nothing)
        raise self.fail(f"torch.{attr} is not in the engine's table", at)

    def eval_Attribute(self, node):  # noqa: N802
        owner = self.evaluate_node(node.value)
        at = self.source.node_end(node) - len(node.attr)
        return self.get_attribute(owner, node.attr, at)

    def get_attribute(self, owner, attr: str, at: int):
        """``owner.attr`` as a value: a table's function keeps its guard for a later call."""
        value, guard = self.member(owner, attr, at)
        if guard is not None and callable(value) and not isinstance(
                value, (UserFunction, BoundMethod, UserClass, TableFunction, type)):
            value = TableFunction(value, guard, attr)  # callable later (f = math.sqrt; f(2))
        return value

    # -- calls --
    def eval_Call(self, node):  # noqa: N802
        func = node.func
        if isinstance(func, ast.Attribute):
            owner = self.evaluate_node(func.value)
            at = self.source.node_end(func) - len(func.attr)
            callee, guard = self.member(owner, func.attr, at)
            bound = owner
        else:
            at = self.offset(func)
            callee, guard, bound = self.evaluate_node(func), None, None
        args = []
        for argument in node.args:
            if isinstance(argument, ast.Starred):
                value = self.evaluate_node(argument.value)
                args.extend(self.iterate(value, self.offset(argument)))
            else:
                args.append(self.evaluate_node(argument))
        kwargs = {keyword.arg: self.evaluate_node(keyword.value) for keyword in node.keywords}
        result = self.call_value(callee, guard, bound, args, kwargs, at)
        if self.after_call is not None:
            self.after_call(at)
        return result

    def call_value(self, callee, guard, bound, args, kwargs, at):
        if isinstance(callee, UserFunction):
            return self.call_function(callee, tuple(args), kwargs, at)
        if isinstance(callee, BoundMethod):
            return self.call_function(callee.function, (callee.instance, *args), kwargs, at)
        if isinstance(callee, UserClass):
            return self.instantiate(callee, args, kwargs, at)
        if isinstance(callee, TableFunction):
            guard, function, name = callee.guard, callee.function, callee.name
        elif guard is not None:
            function, name = callee, getattr(callee, "__name__", "function")
        elif isinstance(callee, type) and callee in EXCEPTIONS.values():
            function, guard, name = callee, nothing, callee.__name__
        elif isinstance(callee, Instance):
            owner, method = callee.cls.lookup("__call__")
            if isinstance(method, UserFunction):
                return self.call_function(method, (callee, *args), kwargs)
            if callee.base is not None:
                _, forward = callee.cls.lookup("forward")
                if isinstance(forward, UserFunction):
                    return self._call_module(callee, forward, args, kwargs, at)
            raise self.run_error(TypeError(f"'{callee.cls.name}' object is not callable"), at)
        elif self._engine_callable(callee):
            function, guard, name = callee, elementwise, type(callee).__name__
        else:
            raise self.run_error(TypeError(f"'{_type_name(callee)}' object is not callable"),
                                 at)
        if isinstance(bound, (Namespace, np.ndarray)):
            try:
                _numeric_dtypes(args if name == "astype" else (), kwargs)
            except GuardError as refusal:
                raise limit_error(self.fail(str(refusal), at)) from None
        guarded = args if bound is None or not isinstance(
            bound, (self.backend.tensor_type, np.ndarray, str, list, dict, set, tuple)) else [
            bound, *args]
        self.guard(name, guard, guarded, kwargs, at)
        result = self.run(at, function, *args, **kwargs)
        if self.memory is not None:
            self.memory.check_value(result)
        return self.check_value(result, at)

    def _call_module(self, instance: Instance, forward: UserFunction, args, kwargs, at):
        return self.call_function(forward, (instance, *args), kwargs)

    def _engine_callable(self, value) -> bool:
        """Engine objects a lesson may call: nn modules and losses (they run forward)."""
        nn = getattr(self.backend.module, "nn", None)
        module = getattr(nn, "Module", None)
        return isinstance(module, type) and isinstance(value, module)

    def check_value(self, value, offset: int):
        if isinstance(value, (dict, set)):
            if len(value) > MAX_SEQUENCE_ELEMENTS:
                raise limit_error(self.fail("dict or set too large", offset))
            return value
        try:
            return super().check_value(value, offset)
        except ExpressionError as error:
            raise limit_error(error) from None

    # -- expressions a lesson adds --
    def eval_Dict(self, node):  # noqa: N802
        result = {}
        for key, value in zip(node.keys, node.values):
            if key is None:
                raise self.fail("'**' in a dict literal is not supported", self.offset(value))
            item_key, item = self.evaluate_node(key), self.evaluate_node(value)
            self.run(self.offset(key), operator.setitem, result, item_key, item)
        return self.check_value(result, self.offset(node))

    def eval_Set(self, node):  # noqa: N802
        items = [self.evaluate_node(item) for item in node.elts]
        return self.check_value(self.run(self.offset(node), set, items), self.offset(node))

    def eval_List(self, node):  # noqa: N802
        items = []
        for item in node.elts:
            if isinstance(item, ast.Starred):
                items.extend(self.iterate(self.evaluate_node(item.value), self.offset(item)))
            else:
                items.append(self.evaluate_node(item))
        return self.check_value(items, self.offset(node))

    def eval_Tuple(self, node):  # noqa: N802
        return tuple(self.eval_List(node))

    def eval_JoinedStr(self, node):  # noqa: N802
        parts = [self.evaluate_node(value) if not isinstance(value, ast.Constant) else value.value
                 for value in node.values]
        return self.check_value("".join(parts), self.offset(node))

    def eval_FormattedValue(self, node):  # noqa: N802
        value = self.evaluate_node(node.value)
        at = self.offset(node.value)
        if node.conversion == ord("r"):
            value = self.run(at, repr, value)
        elif node.conversion == ord("s"):
            value = self.run(at, self.text_of, value)
        elif node.conversion == ord("a"):
            value = self.run(at, ascii, value)
        spec = "" if node.format_spec is None else self.evaluate_node(node.format_spec)
        if not spec and not isinstance(value, str):
            return self.run(at, self.text_of, value)
        return self.check_value(self.run(at, library.format_value, value, spec), at)

    def text_of(self, value) -> str:
        """``str(value)``: a lesson's own ``__str__``/``__repr__`` run by the interpreter."""
        if isinstance(value, Instance):
            for name in ("__str__", "__repr__"):
                _, method = value.cls.lookup(name)
                if isinstance(method, UserFunction):
                    text = self.call_function(method, (value,), {})
                    if not isinstance(text, str):
                        raise TypeError(f"{name} returned non-string (type "
                                        f"{_type_name(text)})")
                    return text
            if value.base is not None:
                return repr(value.base).replace(type(value.base).__name__, value.cls.name, 1)
        if isinstance(value, (list, tuple, dict, set)):
            return self.repr_of(value)
        return str(value)

    def repr_of(self, value, limit: int = MAX_SHOWN) -> str:
        """``repr(value)``, made piece by piece and stopped past ``limit`` characters.

        A list of a million tensors would take Python 20 s to print in one call that no
        clock can interrupt; here each item is a step, and what does not fit is cut.
        """
        parts: list[str] = []
        budget = [limit]
        try:
            self._repr_into(value, parts, budget, 0)
        except _Enough:
            parts.append(f"… (cut at {limit:,} characters)")
        return "".join(parts)

    def _repr_into(self, value, parts: list, budget: list, depth: int) -> None:
        def add(text: str) -> None:
            if len(text) > budget[0]:
                parts.append(text[:max(budget[0], 0)])
                raise _Enough
            budget[0] -= len(text)
            parts.append(text)

        if depth > 40:
            add("...")
            return
        if type(value) in (list, tuple, set, dict):
            self.tick()
            if isinstance(value, dict):
                opening, closing, items = "{", "}", list(value.items())
            elif isinstance(value, set):
                if not value:
                    add("set()")
                    return
                opening, closing, items = "{", "}", list(value)
            else:
                opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
                items = value
            add(opening)
            for position, item in enumerate(items):
                if position:
                    add(", ")
                if isinstance(value, dict):
                    self._repr_into(item[0], parts, budget, depth + 1)
                    add(": ")
                    self._repr_into(item[1], parts, budget, depth + 1)
                else:
                    self._repr_into(item, parts, budget, depth + 1)
            if isinstance(value, tuple) and len(value) == 1:
                add(",")
            add(closing)
            return
        if isinstance(value, Instance):
            _, method = value.cls.lookup("__repr__")
            if isinstance(method, UserFunction) or value.base is not None:
                add(self.text_of(value) if isinstance(method, UserFunction) or (
                    value.base is not None) else repr(value))
                return
        add(repr(value))

    def binary(self, function, symbol: str, left, right, at: int):
        if symbol == "%" and isinstance(left, str):
            return self.check_value(self.run(at, library.percent_format, left, right), at)
        if symbol in ("|", "&") and not (isinstance(left, (set, dict, bool)) or _is_array(left)):
            raise self.fail(f"operator '{symbol}' is supported on sets, bools and tensors", at)
        return super().binary(function, symbol, left, right, at)

    def eval_BinOp(self, node):  # noqa: N802
        if isinstance(node.op, (ast.BitOr, ast.BitAnd)):
            left = self.evaluate_node(node.left)
            right = self.evaluate_node(node.right)
            symbol = "|" if isinstance(node.op, ast.BitOr) else "&"
            at = self.operator_offset(node.left, node.right, symbol)
            function = operator.or_ if symbol == "|" else operator.and_
            return self.binary(function, symbol, left, right, at)
        return super().eval_BinOp(node)

    def eval_Compare(self, node):  # noqa: N802
        if not any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            return super().eval_Compare(node)
        left = self.evaluate_node(node.left)
        result = True
        for op, right_node in zip(node.ops, node.comparators):
            right = self.evaluate_node(right_node)
            at = self.offset(right_node)
            if isinstance(op, (ast.In, ast.NotIn)):
                if not isinstance(right, (list, tuple, dict, set, str, range)) and not _is_array(
                        right):
                    raise self.run_error(TypeError(
                        f"argument of type '{_type_name(right)}' is not iterable"), at)
                result = self.run(at, operator.contains, right, left)
                result = result if isinstance(op, ast.In) else not result
            else:
                function = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
                            ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
                            ast.Is: operator.is_, ast.IsNot: operator.is_not}[type(op)]
                result = self.run(at, function, left, right)
            if not self.truth(result, at):
                return result
            left = right
        return result

    # comprehensions
    def _comprehension(self, node, make):
        frame = _Frame(self.frame)
        saved = self.frame
        self.frame = frame
        try:
            return make(self._generate(node.generators, 0))
        finally:
            self.frame = saved

    def _generate(self, generators, index):
        generator = generators[index]
        at = self.offset(generator.iter)
        iterable = self.evaluate_node(generator.iter)
        items = iterable if isinstance(iterable, range) and _range_length(iterable) <= (
            MAX_LOOP) else self.iterate(iterable, at)
        for item in items:
            self.assign(generator.target, item)
            if all(self.truth(self.evaluate_node(test), self.offset(test))
                   for test in generator.ifs):
                if index + 1 < len(generators):
                    yield from self._generate(generators, index + 1)
                else:
                    yield None

    def _collect(self, node, element):
        def make(steps):
            items = []
            for _ in steps:
                items.append(element())
                if len(items) > MAX_SEQUENCE_ELEMENTS:
                    raise limit_error(self.fail("comprehension too large", self.offset(node)))
            return items
        return self._comprehension(node, make)

    def eval_ListComp(self, node):  # noqa: N802
        return self.check_value(self._collect(node, lambda: self.evaluate_node(node.elt)),
                                self.offset(node))

    def eval_GeneratorExp(self, node):  # noqa: N802
        return self.eval_ListComp(node)  # made at once: a lesson's generators are small

    def eval_SetComp(self, node):  # noqa: N802
        items = self._collect(node, lambda: self.evaluate_node(node.elt))
        return self.check_value(self.run(self.offset(node), set, items), self.offset(node))

    def eval_DictComp(self, node):  # noqa: N802
        pairs = self._collect(node, lambda: (self.evaluate_node(node.key),
                                             self.evaluate_node(node.value)))
        return self.check_value(self.run(self.offset(node), dict, pairs), self.offset(node))

    def eval_Starred(self, node):  # noqa: N802
        raise self.fail("'*' is allowed in calls and list displays only", self.offset(node))

_MISSING = object()


_NUMERIC = (bool, int, float, np.bool_, np.float16, np.float32, np.float64, np.int8, np.int16,
            np.int32, np.int64, np.uint8)


def _numeric_dtypes(args, kwargs) -> None:
    """numpy in a lesson makes numbers only: a dtype of huge strings or objects is refused."""
    for dtype in (*args[:1], kwargs.get("dtype", float)):
        try:
            kind = np.dtype(dtype) if not isinstance(dtype, str) or len(dtype) < 12 else None
        except TypeError:
            kind = None
        if kind is None or kind.kind not in "biuf":
            raise GuardError("numpy in a lesson works with numbers only (bool, int, float "
                             "dtypes)")


def _range_length(steps: range) -> int:
    """``len(range(...))``, also when it is too large for ``len``."""
    try:
        return len(steps)
    except OverflowError:
        return max(-((steps.start - steps.stop) // steps.step), 0)


class _TorchPart:
    """A torch submodule (``torch.nn``, ``torch.optim``, ...): only its table's members."""

    __slots__ = ("module", "path", "members")

    def __init__(self, module, path: str, members: dict):
        self.module = module
        self.path = path
        self.members = members

    @property
    def name(self) -> str:
        return "torch." + self.path

    def __repr__(self) -> str:
        return f"<module '{self.name}'>"


def exception_summary(error: BaseException) -> str:
    """``ErrorType: message`` as a notebook ends its traceback."""
    text = exception_text(error)
    return f"{type(error).__name__}: {text}" if str(error) else type(error).__name__


def sizes_of(value) -> int:
    return sequence_size(value)[0]
