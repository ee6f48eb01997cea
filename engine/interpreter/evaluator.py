"""Evaluate a validated tree, calling only what the tables name, sizes checked before each call.

>>> from engine.interpreter.source import parse_expression
>>> tree, text = parse_expression("torch.ones(2, 3).sum(dim=0)")
>>> interpreter = Interpreter(text, mode=EXPRESSION)
>>> interpreter.validate(tree)
>>> interpreter.evaluate_to_tensor(tree.body)
tensor([2., 2., 2.])

``module`` is the torch being driven: ``engine`` by default; tests pass the real
``torch`` to compare what both show for the same source.
"""

from __future__ import annotations

import ast
import math
import operator
import time

import numpy as np

from engine.interpreter.limits import (
    MAX_INT,
    MAX_INT_DIGITS,
    MAX_RUN_ELEMENTS,
    MAX_SEQUENCE_ELEMENTS,
    MAX_TENSOR_ELEMENTS,
    GuardError,
    _is_array,
    check_sequence,
    data,
    elementwise,
    matmul,
    predict,
    sequence_size,
)
from engine.interpreter.source import ExpressionError, SourceText, excerpt
from engine.interpreter.tables import (
    BINARY_OPERATORS,
    BUILTINS,
    COMPARISONS,
    EXPRESSION,
    FUNCTIONS,
    GRAD_MODES,
    LESSON,
    NODE_ATTRIBUTES,
    NODE_METHODS,
    PAIR_ATTRIBUTES,
    TENSOR_ATTRIBUTES,
    TENSOR_METHODS,
    UNARY_OPERATORS,
    VALUES,
    ModuleRef,
    operator_offset,
)
from engine.interpreter.validator import Validator

# ----- evaluation ------------------------------------------------------------------------

class _Backend:
    """The torch being driven: its module, tensor class and graph node class."""

    def __init__(self, module):
        if module is None:
            import engine as module
        self.module = module
        self.ref = ModuleRef(module)
        self.tensor_type = module.Tensor
        graph = getattr(getattr(module, "autograd", None), "graph", None)
        self.node_type = getattr(graph, "Node", None) or getattr(module, "Node", None)
        if not isinstance(self.node_type, type):
            self.node_type = ()


def exception_text(error: BaseException) -> str:
    text = str(error)
    if isinstance(error, KeyError) and len(error.args) == 1:
        text = str(error.args[0])
    return text or type(error).__name__


class Interpreter:
    """Evaluate whitelisted expression nodes, calling only what the table names."""

    validator_class = Validator

    def __init__(self, source: SourceText, *, module=None, variables=None,
                 mode: str = EXPRESSION, time_limit: float = 2.0):
        self.source = source
        self.backend = _Backend(module)
        self.variables = {} if variables is None else variables
        self.mode = mode
        self.time_limit = time_limit
        self.deadline = math.inf
        self.elements = 0
        self.max_run_elements = MAX_RUN_ELEMENTS
        self.write = None  # print's target in lessons
        self.after_call = None  # a lesson counts the memory its recorded passes keep

    # -- entry points --
    def validate(self, tree: ast.AST, **options) -> None:
        names = self.variables if self.mode == EXPRESSION else ()
        self.validator_class(self.source, mode=self.mode, names=names, **options).run(tree)

    def start_clock(self) -> None:
        self.deadline = time.monotonic() + self.time_limit
        self.elements = 0

    def evaluate_to_tensor(self, node: ast.expr):
        """The node's value as a tensor (numbers and lists become one, as tensor() makes)."""
        self.start_clock()
        value = self.evaluate_node(node)
        if isinstance(value, self.backend.tensor_type):
            return value
        offset = self.source.node_offset(node)
        if _is_tensor_data(value):
            self.guard("tensor", data, (value,), {}, offset)
            return self.run(offset, self.backend.module.tensor, value)
        raise self.source.error(f"the expression gives {_kind(value)}, not a tensor", offset)

    # -- helpers --
    def offset(self, node: ast.AST) -> int:
        return self.source.node_offset(node)

    def fail(self, message: str, offset: int) -> ExpressionError:
        return self.source.error(message, offset)

    def run(self, offset: int, function, *args, **kwargs):
        """Call into the engine; any failure becomes an ExpressionError carrying its text."""
        try:
            return function(*args, **kwargs)
        except ExpressionError:
            raise
        except GuardError as refusal:
            raise self.fail(str(refusal), offset) from None
        except Exception as error:  # every engine failure reaches the caller as one type
            raise self.fail(exception_text(error), offset) from error

    def guard(self, name: str, predictor, args, kwargs, offset: int) -> None:
        """Refuse a call whose result would be too large, before making it."""
        try:
            elements = predict(predictor, args, kwargs)
        except GuardError as refusal:
            raise self.fail(str(refusal), offset) from None
        if elements > MAX_TENSOR_ELEMENTS:
            raise self.fail(f"{name}() would make a tensor of {elements:,} elements "
                            f"(limit {MAX_TENSOR_ELEMENTS:,})", offset)
        self.count_elements(elements, offset)

    def count_elements(self, elements: int, offset: int) -> None:
        """Add to the elements this run has made; refuse more work past the limit."""
        self.elements += elements
        if self.elements > self.max_run_elements:
            raise self.fail(f"too much work: more than {self.max_run_elements:,} tensor "
                            f"elements made in one run", offset)

    def check_value(self, value, offset: int):
        """Refuse results too large to keep: huge integers, long or deep lists, complex."""
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            if abs(value) >= MAX_INT:
                raise self.fail(f"integer too large: more than {MAX_INT_DIGITS} digits", offset)
        elif isinstance(value, complex):
            raise self.fail("complex numbers are outside the engine's subset", offset)
        elif isinstance(value, (str, list, tuple)):
            try:
                check_sequence(value)
            except GuardError as refusal:
                raise self.fail(str(refusal), offset) from None
        return value

    def truth(self, value, offset: int) -> bool:
        return self.run(offset, bool, value)

    def operator_offset(self, left: ast.AST, right: ast.AST, symbol: str) -> int:
        return operator_offset(self.source, left, right, symbol)

    # -- dispatch --
    def evaluate_node(self, node: ast.AST):
        if time.monotonic() > self.deadline:
            raise self.fail(f"time limit exceeded ({self.time_limit:g} s)", self.offset(node))
        method = getattr(self, "eval_" + type(node).__name__, None)
        if method is None:  # the validator lets nothing else through
            raise self.fail(f"'{type(node).__name__}' is not allowed", self.offset(node))
        return method(node)

    def eval_Constant(self, node):  # noqa: N802 - ast's names
        return node.value

    def eval_Name(self, node):  # noqa: N802
        name = node.id
        if name in self.variables:
            return self.variables[name]
        if self.mode == EXPRESSION:
            if name == "torch":
                return self.backend.ref
            if name in VALUES:
                return self.run(self.offset(node), getattr, self.backend.module, name)
            raise self.fail(f"name {excerpt(name)} is not defined", self.offset(node))
        raise self.run_error(NameError(f"name '{name}' is not defined"), self.offset(node))

    def run_error(self, error: Exception, offset: int) -> ExpressionError:
        """A Python error as the program would raise it, wrapped at ``offset``."""
        try:
            raise error
        except Exception as raised:
            wrapped = self.fail(exception_text(raised), offset)
            wrapped.__cause__ = raised
            return wrapped

    def eval_Attribute(self, node):  # noqa: N802
        owner = self.evaluate_node(node.value)
        at = self.source.node_end(node) - len(node.attr)
        return self.get_attribute(owner, node.attr, at)

    def _attribute_table(self, owner) -> tuple[str, set, dict]:
        backend = self.backend
        if owner is backend.ref:
            return "torch", VALUES, {**FUNCTIONS, **GRAD_MODES}
        if isinstance(owner, backend.tensor_type):
            return "tensor", TENSOR_ATTRIBUTES, TENSOR_METHODS
        if backend.node_type and isinstance(owner, backend.node_type):
            return "grad_fn", NODE_ATTRIBUTES, NODE_METHODS
        if isinstance(owner, tuple) and type(owner) is not tuple and all(
                hasattr(type(owner), name) for name in PAIR_ATTRIBUTES):
            return "result", PAIR_ATTRIBUTES, {}
        return type(owner).__name__, set(), {}

    def get_attribute(self, owner, attr: str, at: int):
        kind, attributes, methods = self._attribute_table(owner)
        if attr in attributes:
            return self.run(at, getattr, owner if kind != "torch" else owner.module, attr)
        if attr in methods:
            raise self.fail(f"{kind}.{attr} is a function: call it, as in .{attr}()", at)
        if kind == "torch":
            raise self.fail(f"torch.{attr} is not in the engine's table", at)
        raise self.run_error(AttributeError(f"'{kind}' object has no attribute '{attr}'"), at)

    def resolve_callee(self, node: ast.expr):
        """(function, name, size guard, offset, owner or None) for a call, from the table only."""
        if isinstance(node, ast.Name):
            return self.resolve_name_callee(node)
        owner = self.evaluate_node(node.value)
        attr = node.attr
        at = self.source.node_end(node) - len(attr)
        kind, _, methods = self._attribute_table(owner)
        if attr not in methods or (kind == "torch" and attr in GRAD_MODES
                                   and self.mode == EXPRESSION):
            if kind == "torch":
                raise self.fail(f"torch.{attr} is not in the engine's table", at)
            raise self.run_error(AttributeError(
                f"'{kind}' object has no attribute '{attr}'"), at)
        if kind == "torch":
            return self.run(at, getattr, owner.module, attr), attr, methods[attr], at, None
        return self.run(at, getattr, owner, attr), attr, methods[attr], at, owner

    def resolve_name_callee(self, node: ast.Name):
        name, at = node.id, self.offset(node)
        if name in self.variables:
            value = self.variables[name]
            raise self.run_error(TypeError(f"'{_type_name(value)}' object is not callable"), at)
        if self.mode == EXPRESSION and name in FUNCTIONS:
            function = self.run(at, getattr, self.backend.module, name)
            return function, name, FUNCTIONS[name], at, None
        if self.mode == LESSON and name in BUILTINS:
            return getattr(self, "builtin_" + name), name, BUILTINS[name], at, None
        raise self.fail(f"name {excerpt(name)} is not defined", at)

    def eval_Call(self, node):  # noqa: N802
        function, name, predictor, at, owner = self.resolve_callee(node.func)
        args = [self.evaluate_node(arg) for arg in node.args]
        kwargs = {keyword.arg: self.evaluate_node(keyword.value) for keyword in node.keywords}
        self.guard(name, predictor, args if owner is None else [owner, *args], kwargs, at)
        result = self.check_value(self.run(at, function, *args, **kwargs), at)
        if self.after_call is not None:
            self.after_call(at)
        return result

    def eval_Subscript(self, node):  # noqa: N802
        owner = self.evaluate_node(node.value)
        index = self.evaluate_node(node.slice)
        at = self.source.text.find("[", self.source.node_end(node.value),
                                   self.source.node_end(node))
        at = at if at >= 0 else self.offset(node)
        if not isinstance(owner, dict):  # a lesson's dict takes any key (expressions build none)
            self.check_index(index, at)
        return self.check_value(self.run(at, operator.getitem, owner, index), at)

    def check_index(self, index, at: int) -> None:
        items = index if type(index) is tuple else (index,)
        for item in items:
            if not isinstance(item, (int, slice, type(None), type(Ellipsis))):
                raise self.fail(f"indexing with {_kind(item)} is outside the engine's subset "
                                f"(use ints and slices)", at)

    def eval_Slice(self, node):  # noqa: N802
        parts = [None if part is None else self.evaluate_node(part)
                 for part in (node.lower, node.upper, node.step)]
        return slice(*parts)

    def eval_BinOp(self, node):  # noqa: N802
        left = self.evaluate_node(node.left)
        right = self.evaluate_node(node.right)
        function, symbol = BINARY_OPERATORS[type(node.op)]
        at = self.operator_offset(node.left, node.right, symbol)
        return self.binary(function, symbol, left, right, at)

    def binary(self, function, symbol: str, left, right, at: int):
        """``left <symbol> right`` with the size checks made before the work."""
        if isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple)):
            self.guard_sequence_operation(symbol, left, right, at)
        if _is_int(left) and _is_int(right) and symbol == "**":
            _guard_integer_power(left, right, self, at)
        elif symbol == "@":
            self.guard("matmul", matmul, (left, right), {}, at)
        elif _is_array(left) or _is_array(right):  # a list operand broadcasts too (fails closed)
            self.guard(f"'{symbol}'", elementwise, (left, right), {}, at)
        return self.check_value(self.run(at, function, left, right), at)

    def guard_sequence_operation(self, symbol: str, left, right, at: int) -> None:
        if symbol == "%" and isinstance(left, str):
            raise self.fail("%-formatting of strings is not allowed", at)
        if symbol == "*":
            sequence, count = (left, right) if isinstance(left, (str, list, tuple)) else (
                right, left)
            if isinstance(count, (str, list, tuple)) or not _is_int(count):
                return
            try:
                elements = sequence_size(sequence)[0] * max(operator.index(count), 0)
            except GuardError as refusal:
                raise self.fail(str(refusal), at) from None
            if elements > MAX_SEQUENCE_ELEMENTS:
                raise self.fail(f"sequence too large: {elements:,} elements "
                                f"(limit {MAX_SEQUENCE_ELEMENTS:,})", at)

    def eval_UnaryOp(self, node):  # noqa: N802
        operand = self.evaluate_node(node.operand)
        at = self.offset(node)
        if isinstance(node.op, ast.Not):
            return not self.truth(operand, at)
        if _is_array(operand):
            self.guard("unary operator", elementwise, (operand,), {}, at)
        return self.check_value(self.run(at, UNARY_OPERATORS[type(node.op)], operand), at)

    def eval_Compare(self, node):  # noqa: N802
        left_node, left = node.left, self.evaluate_node(node.left)
        result = True
        for position, (op, right_node) in enumerate(zip(node.ops, node.comparators)):
            right = self.evaluate_node(right_node)
            function, symbol = COMPARISONS[type(op)]
            at = self.operator_offset(left_node, right_node, symbol)
            if _is_array(left) or _is_array(right):
                self.guard(f"'{symbol}'", elementwise, (left, right), {}, at)
            result = self.run(at, function, left, right)
            if position < len(node.ops) - 1 and not self.truth(result, at):
                return result
            left_node, left = right_node, right
        return result

    def eval_BoolOp(self, node):  # noqa: N802
        is_and = isinstance(node.op, ast.And)
        value = None
        for position, operand in enumerate(node.values):
            value = self.evaluate_node(operand)
            if position == len(node.values) - 1:
                break
            if self.truth(value, self.offset(operand)) != is_and:
                break
        return value

    def eval_IfExp(self, node):  # noqa: N802
        if self.truth(self.evaluate_node(node.test), self.offset(node.test)):
            return self.evaluate_node(node.body)
        return self.evaluate_node(node.orelse)

    def eval_List(self, node):  # noqa: N802
        return self.check_value([self.evaluate_node(item) for item in node.elts], self.offset(node))

    def eval_Tuple(self, node):  # noqa: N802
        items = tuple(self.evaluate_node(item) for item in node.elts)
        return self.check_value(items, self.offset(node))


def _is_tensor_data(value) -> bool:
    """Numbers, or plain lists/tuples of them (what ``tensor()`` turns into a tensor)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif not isinstance(item, (bool, int, float, np.number)):
            return False
    return True


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer))


def _type_name(value) -> str:
    if isinstance(value, ModuleRef):
        return "module"
    return type(value).__name__


def _kind(value) -> str:
    if value is None:
        return "None"
    name = _type_name(value)
    return ("an " if name[:1] in "aeiou" else "a ") + name


def _guard_integer_power(base, exponent, interpreter: Interpreter, at: int) -> None:
    """Refuse ``2 ** 10 ** 10`` before Python spends minutes and gigabytes on it."""
    base, exponent = int(base), int(exponent)
    if exponent <= 0 or abs(base) <= 1:
        return
    digits = exponent * math.log10(abs(base))
    if digits >= MAX_INT_DIGITS:
        raise interpreter.fail(f"integer power too large: about {digits:.3g} digits "
                               f"(limit {MAX_INT_DIGITS})", at)



