"""The whitelist interpreter behind ``interpreter.expression`` and ``interpreter.lesson``.

Nothing here hands code to ``eval``, ``exec`` or ``compile``. ``Validator`` walks a
parsed ``ast`` and refuses, before anything runs, every node type, name, attribute
and keyword argument outside the tables below; ``Interpreter`` then evaluates the
tree itself, calling only what the tables name, and checks sizes before each call
(elements per tensor, Python integer size, sequence length and nesting) and the
clock at every node.

>>> from engine.interpreter.expression import parse_expression
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

from engine.interpreter.source import (
    MAX_DEPTH,
    MAX_NODES,
    ExpressionError,
    SourceText,
    excerpt,
)

__all__ = [
    "Interpreter", "Validator", "ModuleRef", "GuardError", "sequence_size", "exception_text",
    "EXPRESSION", "LESSON", "FUNCTIONS", "VALUES", "TENSOR_METHODS", "TENSOR_ATTRIBUTES",
    "SETTABLE_ATTRIBUTES", "KEYWORDS", "MAX_TENSOR_ELEMENTS", "MAX_RUN_ELEMENTS",
    "MAX_INT_DIGITS", "MAX_SEQUENCE_ELEMENTS", "MAX_NESTING",
]

EXPRESSION = "expression"
LESSON = "lesson"

MAX_TENSOR_ELEMENTS = 1_000_000
MAX_RUN_ELEMENTS = 20_000_000      # all tensors made by one expression (a lesson cell: 50M)
MAX_MATMUL_WORK = 1_000_000_000    # multiply-adds of one matrix product
MAX_INT_DIGITS = 400
MAX_INT = 10 ** MAX_INT_DIGITS
MAX_SEQUENCE_ELEMENTS = 1_000_000  # numbers, characters and tensor elements in a list/str
MAX_NESTING = 32
MAX_ITERATED = 10_000              # list(t)/tuple(t) over a tensor's first dimension


class GuardError(Exception):
    """A guard said no; the interpreter turns it into an ExpressionError at the node."""


# ----- sizes, predicted before the work ----------------------------------------------------

def _shape_of(value):
    if isinstance(value, (bool, int, float)):
        return ()
    shape = getattr(value, "shape", None) if _is_array(value) else None
    if shape is None:
        return None
    return tuple(int(n) for n in shape)


def _is_array(value) -> bool:
    return isinstance(value, np.ndarray) or type(value).__name__ in ("Tensor", "Parameter")


def _numel(shape) -> int:
    return math.prod(shape)


def _broadcast(shapes) -> tuple | None:
    ndim = max((len(shape) for shape in shapes), default=0)
    result = []
    for axis in range(-ndim, 0):
        sizes = {shape[axis] for shape in shapes if len(shape) >= -axis} - {1}
        if len(sizes) > 1:
            return None
        result.append(sizes.pop() if sizes else 1)
    return tuple(result)


def _arrays(args, kwargs) -> list:
    shapes = []
    for value in (*args, *kwargs.values()):
        shape = _shape_of(value) if not isinstance(value, (bool, int, float)) else None
        if shape is not None:
            shapes.append(shape)
    return shapes


def elementwise(args, kwargs) -> int:
    """Elements of the broadcast result (the largest input when shapes do not broadcast)."""
    shapes = _arrays(args, kwargs)
    if not shapes:
        return 0
    shape = _broadcast(shapes)
    if shape is None:
        return max(_numel(s) for s in shapes)
    return _numel(shape)


def nothing(args, kwargs) -> int:
    return 0


def _int(value) -> int:
    return operator.index(value)


def sizes(args, kwargs) -> int:
    size = args if args else (kwargs.get("size", ()),)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return _product_of_dims(size)


def _product_of_dims(size) -> int:
    dims = [_int(n) for n in size]
    if any(n < 0 for n in dims):
        return 0
    return math.prod(dims)


def full(args, kwargs) -> int:
    size = args[0] if args else kwargs.get("size", ())
    if isinstance(size, (tuple, list)):
        return _product_of_dims(size)
    return _product_of_dims((size,))


def _number(value) -> float:
    return float(value)  # Python numbers and one-element tensors, as arange accepts them


def arange(args, kwargs) -> int:
    values = list(args) + [None] * (3 - len(args))
    start, end, step = values[:3]
    start = kwargs.get("start", start)
    end = kwargs.get("end", end)
    step = kwargs.get("step", step if step is not None else 1)
    if end is None:
        start, end = 0, start
    start, end, step = _number(start), _number(end), _number(step)
    if step == 0 or not all(map(math.isfinite, (start, end, step))):
        return 0
    return max(math.ceil((end - start) / step), 0)


def linspace(args, kwargs) -> int:
    steps = args[2] if len(args) > 2 else kwargs.get("steps", 0)
    return max(_int(steps), 0)


def eye(args, kwargs) -> int:
    n = args[0] if args else kwargs.get("n", 0)
    m = args[1] if len(args) > 1 else kwargs.get("m", n)
    m = n if m is None else m
    return max(_int(n), 0) * max(_int(m), 0)


def data(args, kwargs) -> int:
    value = args[0] if args else kwargs.get("data")
    return sequence_size(value)[0]


def outer(args, kwargs) -> int:
    shapes = _arrays(args, kwargs)
    return math.prod(_numel(shape) for shape in shapes[:2]) if len(shapes) >= 2 else 0


def concat(args, kwargs) -> int:
    tensors = args[0] if args else kwargs.get("tensors", ())
    if not isinstance(tensors, (tuple, list)):
        return 0
    return sum(_numel(_shape_of(t) or ()) for t in tensors if _shape_of(t) is not None)


def matmul(args, kwargs) -> int:
    """Elements of a matrix product; refuses products whose work would be too large."""
    shapes = _arrays(args, kwargs)
    if len(shapes) < 2:
        return 0
    a, b = shapes[0], shapes[1]
    if not a or not b:
        return 0
    a2 = (1,) + a if len(a) == 1 else a
    b2 = b + (1,) if len(b) == 1 else b
    if len(a2) < 2 or len(b2) < 2:
        return 0
    batch = _broadcast([a2[:-2], b2[:-2]])
    if batch is None:
        return 0
    rows, inner, columns = a2[-2], a2[-1], b2[-1]
    work = _numel(batch) * rows * inner * columns
    if work > MAX_MATMUL_WORK:
        raise GuardError(f"matrix product too large: {work:,} multiply-adds "
                      f"(limit {MAX_MATMUL_WORK:,})")
    return _numel(batch) * rows * columns


def sequence_size(value, _memo=None, _depth=0) -> tuple[int, int]:
    """(elements, nesting) of a value: tensors count their elements, strings their length."""
    if isinstance(value, str):
        return len(value), 0
    if not isinstance(value, (list, tuple)):
        shape = _shape_of(value)
        return (_numel(shape) if shape is not None else 1), 0
    if _depth >= MAX_NESTING:
        raise GuardError(f"lists nested more than {MAX_NESTING} levels deep")
    memo = {} if _memo is None else _memo
    known = memo.get(id(value))
    if known is not None:
        return known
    elements, depth = 0, 0
    for item in value:
        if type(item) in (int, float, bool):
            elements += 1
            continue
        count, nested = sequence_size(item, memo, _depth + 1)
        elements += count
        depth = max(depth, nested)
    result = (elements, depth + 1)
    memo[id(value)] = result
    return result


def check_sequence(value) -> None:
    elements, _ = sequence_size(value)
    if elements > MAX_SEQUENCE_ELEMENTS:
        raise GuardError(f"sequence too large: {elements:,} elements "
                      f"(limit {MAX_SEQUENCE_ELEMENTS:,})")


# ----- the table -------------------------------------------------------------------------

_ELEMENTWISE = ("add sub mul div neg pow reciprocal exp log sqrt abs sin cos tanh sigmoid relu "
                "clamp clip maximum minimum sum mean max min softmax log_softmax eq ne lt le gt "
                "ge allclose clone reshape flatten").split()
_VIEWS = "transpose t permute unsqueeze squeeze unbind equal".split()

# torch.<name>(...): the functions an expression or lesson may call, with their size guard.
FUNCTIONS = {
    "tensor": data, "as_tensor": data, "arange": arange, "linspace": linspace, "eye": eye,
    "zeros": sizes, "ones": sizes, "empty": sizes, "rand": sizes, "randn": sizes, "full": full,
    "zeros_like": elementwise, "ones_like": elementwise, "full_like": elementwise,
    "manual_seed": nothing, "is_tensor": nothing, "numel": nothing, "is_grad_enabled": nothing,
    "dot": matmul, "mv": matmul, "mm": matmul, "matmul": matmul, "outer": outer,
    "cat": concat, "stack": concat,
    **dict.fromkeys(_ELEMENTWISE, elementwise),
    **dict.fromkeys(_VIEWS, nothing),
}
# Only as ``with torch.no_grad():`` (and calls) in lessons: they change the global grad mode.
GRAD_MODES = {"no_grad": nothing, "enable_grad": nothing, "set_grad_enabled": nothing}
VALUES = {"float32", "float64", "int64", "bool", "float", "double", "long"}

TENSOR_METHODS = {
    **dict.fromkeys(_ELEMENTWISE, elementwise),
    **dict.fromkeys(_VIEWS, nothing),
    "dot": matmul, "mv": matmul, "mm": matmul, "matmul": matmul, "outer": outer,
    "view": nothing, "float": elementwise, "double": elementwise, "long": elementwise,
    "bool": elementwise, "to": elementwise, "type_as": elementwise,
    "add_": elementwise, "sub_": elementwise, "mul_": elementwise, "div_": elementwise,
    "pow_": elementwise, "clamp_": elementwise, "neg_": elementwise, "relu_": elementwise,
    "zero_": nothing, "detach": nothing, "requires_grad_": nothing, "retain_grad": nothing,
    "backward": nothing, "item": nothing, "tolist": elementwise, "numpy": nothing,
    "size": nothing, "dim": nothing, "numel": nothing, "is_floating_point": nothing,
}
TENSOR_ATTRIBUTES = {"grad", "data", "requires_grad", "is_leaf", "grad_fn", "retains_grad",
                     "shape", "dtype", "ndim", "T"}
SETTABLE_ATTRIBUTES = {"grad", "requires_grad", "data"}
NODE_METHODS = {"name": nothing}
NODE_ATTRIBUTES = {"next_functions", "variable"}
PAIR_ATTRIBUTES = {"values", "indices"}
KEYWORDS = {
    "dtype", "requires_grad", "dim", "keepdim", "start", "end", "step", "steps", "size",
    "fill_value", "data", "input", "other", "exponent", "alpha", "min", "max", "tensors",
    "mat2", "vec", "vec2", "tensor", "dim0", "dim1", "start_dim", "end_dim", "rtol", "atol",
    "equal_nan", "gradient", "retain_graph", "create_graph", "mode", "n", "m", "seed",
    "sep", "flush",
}
# Python builtins a lesson may call (``print`` and ``range`` are handled by the interpreter).
BUILTINS = {"print": nothing, "range": nothing, "len": nothing, "float": nothing,
            "int": nothing, "bool": nothing, "abs": elementwise, "str": nothing,
            "list": nothing, "tuple": nothing}

CALLABLE_NAMES = set(FUNCTIONS) | set(GRAD_MODES) | set(TENSOR_METHODS) | set(NODE_METHODS)
ATTRIBUTE_NAMES = (VALUES | TENSOR_ATTRIBUTES | NODE_ATTRIBUTES | PAIR_ATTRIBUTES)

BINARY_OPERATORS = {
    ast.Add: (operator.add, "+"), ast.Sub: (operator.sub, "-"), ast.Mult: (operator.mul, "*"),
    ast.Div: (operator.truediv, "/"), ast.FloorDiv: (operator.floordiv, "//"),
    ast.Mod: (operator.mod, "%"), ast.Pow: (operator.pow, "**"),
    ast.MatMult: (operator.matmul, "@"),
}
BINARY_SYMBOLS = {kind: symbol for kind, (_, symbol) in BINARY_OPERATORS.items()}
IN_PLACE_OPERATORS = {
    ast.Add: operator.iadd, ast.Sub: operator.isub, ast.Mult: operator.imul,
    ast.Div: operator.itruediv, ast.Pow: operator.ipow,
}
COMPARISONS = {
    ast.Eq: (operator.eq, "=="), ast.NotEq: (operator.ne, "!="), ast.Lt: (operator.lt, "<"),
    ast.LtE: (operator.le, "<="), ast.Gt: (operator.gt, ">"), ast.GtE: (operator.ge, ">="),
    ast.Is: (operator.is_, "is"), ast.IsNot: (operator.is_not, "is"),
}
UNARY_OPERATORS = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}


class ModuleRef:
    """What ``torch`` (or its alias) names: the module, reachable only through the table."""

    __slots__ = ("module",)

    def __init__(self, module):
        self.module = module

    def __repr__(self) -> str:
        return "<module 'torch'>"


def operator_offset(source: SourceText, left: ast.AST, right: ast.AST, symbol: str) -> int:
    """Where the operator between two operands is (ast does not record it)."""
    start, end = source.node_end(left), source.node_offset(right)
    found = source.text.find(symbol, start, end)
    return found if found >= 0 else start


# ----- static checks ---------------------------------------------------------------------

_REFUSED = {
    "Lambda": "lambda is not allowed", "ListComp": "comprehensions are not allowed",
    "SetComp": "comprehensions are not allowed", "DictComp": "comprehensions are not allowed",
    "GeneratorExp": "generator expressions are not allowed",
    "JoinedStr": "f-strings are not allowed", "FormattedValue": "f-strings are not allowed",
    "NamedExpr": "the walrus operator := is not allowed",
    "Starred": "starred arguments (*args) are not allowed",
    "Yield": "yield is not allowed", "YieldFrom": "yield is not allowed",
    "Await": "await is not allowed", "Dict": "dict literals are not allowed",
    "Set": "set literals are not allowed", "FunctionDef": "def is not allowed",
    "AsyncFunctionDef": "def is not allowed", "ClassDef": "class is not allowed",
    "Global": "global is not allowed", "Nonlocal": "nonlocal is not allowed",
    "While": "while loops are not allowed: use 'for _ in range(n):'",
    "Try": "try is not allowed", "TryStar": "try is not allowed",
    "Raise": "raise is not allowed", "Delete": "del is not allowed",
    "Return": "return is not allowed", "AsyncFor": "async is not allowed",
    "AsyncWith": "async is not allowed", "Match": "match is not allowed",
    "ImportFrom": "only 'import torch' (or 'import torch as NAME') is allowed",
    "AnnAssign": "annotated assignments are not allowed",
    "Del": "del is not allowed", "TypeAlias": "type aliases are not allowed",
}
_REFUSED_OPERATORS = {ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&",
                      ast.BitXor: "^", ast.Invert: "~", ast.In: "in", ast.NotIn: "not in"}
_EXPRESSION_NODES = {
    "Expression", "Constant", "Name", "Attribute", "Call", "keyword", "Subscript", "Slice",
    "BinOp", "UnaryOp", "Compare", "BoolOp", "IfExp", "List", "Tuple", "Load", "Store",
    "And", "Or", "Add", "Sub", "Mult", "Div", "FloorDiv", "Mod", "Pow", "MatMult", "USub",
    "UAdd", "Not", "Eq", "NotEq", "Lt", "LtE", "Gt", "GtE", "Is", "IsNot",
    # refused by the node that holds them, which knows where the operator is
    "LShift", "RShift", "BitOr", "BitAnd", "BitXor", "Invert", "In", "NotIn",
}


class Validator:
    """Refuse, before anything runs, whatever lies outside the whitelist.

    Walks the tree without recursion, counting nodes and nesting depth. Subclasses
    (``engine.interpreter.lesson``) allow statements by adding ``check_<NodeType>`` methods.
    """

    allowed = _EXPRESSION_NODES

    def __init__(self, source: SourceText, *, mode: str = EXPRESSION, names=(),
                 max_nodes: int = MAX_NODES):
        self.source = source
        self.mode = mode
        self.names = set(names)
        self.max_nodes = max_nodes
        self.nodes = 0
        self.callees: set[int] = set()
        self.loop_ranges: set[int] = set()

    def fail(self, message: str, offset: int) -> ExpressionError:
        return self.source.error(message, offset)

    def run(self, tree: ast.AST, *, base_offset: int = 0) -> None:
        """Check every node; raise the refusal that comes first in the text."""
        first = None
        stack = [(tree, 0, base_offset, False)]
        while stack:
            node, depth, offset, in_loop = stack.pop()
            if hasattr(node, "lineno"):
                offset = self.source.node_offset(node)
            self.nodes += 1
            if self.nodes > self.max_nodes:
                raise self.fail(f"too long: more than {self.max_nodes} syntax nodes", offset)
            if depth > MAX_DEPTH:
                raise self.fail(f"too deeply nested: more than {MAX_DEPTH} levels",
                                self.position(node, offset))
            try:
                self.check(node, offset, in_loop)
            except ExpressionError as error:  # keep looking: report the leftmost refusal
                if first is None or error.offset < first.offset:
                    first = error
            child_in_loop = in_loop or isinstance(node, ast.For)
            children = list(ast.iter_child_nodes(node))
            for child in reversed(children):
                stack.append((child, depth + 1, offset, child_in_loop))
        if first is not None:
            # Raise a fresh copy: the caught error's traceback holds this frame, and this
            # frame's local would hold the error again (a cycle that keeps callers alive).
            refusal, first = first, None
            try:
                raise refusal.with_traceback(None)
            finally:
                del refusal

    def position(self, node: ast.AST, offset: int) -> int:
        """Where to point for a node: its operator, attribute name or bracket, else its start."""
        source = self.source
        if isinstance(node, ast.BinOp):
            return operator_offset(source, node.left, node.right, BINARY_SYMBOLS.get(
                type(node.op), ""))
        if isinstance(node, ast.Attribute):
            return source.node_end(node) - len(node.attr)
        if isinstance(node, (ast.Call, ast.Subscript)):
            inner = node.func if isinstance(node, ast.Call) else node.value
            return source.node_end(inner)
        return offset

    def check(self, node: ast.AST, offset: int, in_loop: bool) -> None:
        kind = type(node).__name__
        if kind not in self.allowed:
            raise self.fail(self._refusal(node, kind), offset)
        check = getattr(self, "check_" + kind, None)
        if check is not None:
            check(node, offset, in_loop)

    def _refusal(self, node: ast.AST, kind: str) -> str:
        if type(node) in _REFUSED_OPERATORS:
            return f"operator '{_REFUSED_OPERATORS[type(node)]}' is not supported"
        if kind in _REFUSED:
            return _REFUSED[kind]
        if isinstance(node, ast.stmt):
            return f"statement '{kind}' is not allowed" + (
                " in an expression" if self.mode == EXPRESSION else "")
        return f"'{kind}' is not allowed"

    # -- expression nodes --
    def check_Constant(self, node, offset, in_loop):  # noqa: N802 - ast's names
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            return
        if isinstance(value, int):
            if abs(value) >= MAX_INT:
                raise self.fail(f"integer too large: more than {MAX_INT_DIGITS} digits", offset)
        elif isinstance(value, complex):
            raise self.fail("complex numbers are outside the engine's subset", offset)
        elif isinstance(value, bytes):
            raise self.fail("bytes literals are not allowed", offset)
        elif not isinstance(value, (float, str)):
            raise self.fail(f"constant of type {type(value).__name__} is not allowed", offset)

    def check_Name(self, node, offset, in_loop):  # noqa: N802
        name = node.id
        if name.startswith("_") and name != "_":
            raise self.fail(f"name {excerpt(name)} is not allowed: names starting with '_' are "
                            f"private", offset)
        if self.mode != EXPRESSION or isinstance(node.ctx, ast.Store):
            return
        if name in self.names or name == "torch" or name in VALUES:
            return
        if name in FUNCTIONS:
            if id(node) not in self.callees:
                raise self.fail(f"{name} is a function: call it, as in {name}(x)", offset)
            return
        if name in GRAD_MODES:
            raise self.fail(f"{name} is only available in lessons, as 'with torch.{name}():'",
                            offset)
        raise self.fail(f"name {excerpt(name)} is not defined", offset)

    def check_Attribute(self, node, offset, in_loop):  # noqa: N802
        attr = node.attr
        at = self.source.node_end(node) - len(attr)
        if attr.startswith("_"):
            raise self.fail(f"attribute {excerpt(attr)} is not allowed: names starting with "
                            f"'_' are private", at)
        if isinstance(node.ctx, ast.Store):
            if attr not in SETTABLE_ATTRIBUTES:
                raise self.fail(f"setting attribute {excerpt(attr)} is not allowed "
                                f"(only .grad, .requires_grad, .data)", at)
            return
        if id(node) in self.callees:
            if attr not in CALLABLE_NAMES:
                raise self.fail(f"method {excerpt(attr)} is not allowed: it is not in the "
                                f"engine's table", at)
            if attr in GRAD_MODES and self.mode == EXPRESSION:
                raise self.fail(f"{attr} is only available in lessons, as "
                                f"'with torch.{attr}():'", at)
            return
        if attr not in ATTRIBUTE_NAMES:
            if attr in CALLABLE_NAMES:
                raise self.fail(f"{attr} is a method or function: call it, as in .{attr}()", at)
            raise self.fail(f"attribute {excerpt(attr)} is not allowed: it is not in the "
                            f"engine's table", at)

    def check_UnaryOp(self, node, offset, in_loop):  # noqa: N802
        if type(node.op) in _REFUSED_OPERATORS:
            raise self.fail(f"operator '{_REFUSED_OPERATORS[type(node.op)]}' is not supported",
                            offset)

    def check_Compare(self, node, offset, in_loop):  # noqa: N802
        left = node.left
        for op, right in zip(node.ops, node.comparators):
            if type(op) in _REFUSED_OPERATORS:
                symbol = _REFUSED_OPERATORS[type(op)].split()[-1]
                raise self.fail(f"operator '{_REFUSED_OPERATORS[type(op)]}' is not supported",
                                operator_offset(self.source, left, right, symbol))
            left = right

    def check_Call(self, node, offset, in_loop):  # noqa: N802
        function = node.func
        if not isinstance(function, (ast.Name, ast.Attribute)):
            raise self.fail("only torch functions and tensor methods can be called", offset)
        self.callees.add(id(function))
        if isinstance(function, ast.Name) and self.mode == EXPRESSION and (
                function.id in self.names):
            raise self.fail(f"{excerpt(function.id)} is a variable, not a function", offset)
        if isinstance(function, ast.Name) and self.mode == LESSON:
            name = function.id
            if name.startswith("_"):
                raise self.fail(f"name {excerpt(name)} is not allowed: names starting with '_' "
                                f"are private", offset)
            if name in FUNCTIONS and name not in BUILTINS:
                raise self.fail(f"{excerpt(name)} cannot be called: call torch functions as "
                                f"torch.{name}(...) or tensor methods", offset)
            if name not in BUILTINS:
                raise self.fail(f"{excerpt(name)} cannot be called: a lesson calls torch "
                                f"functions, tensor methods and {', '.join(sorted(BUILTINS))}",
                                offset)
            if name == "range" and id(node) not in self.loop_ranges:
                raise self.fail("range() is allowed only as 'for _ in range(n):'", offset)
        for keyword in node.keywords:
            at = self.source.node_offset(keyword) if hasattr(keyword, "lineno") else offset
            if keyword.arg is None:
                raise self.fail("**keyword arguments are not allowed", at)
            if keyword.arg not in KEYWORDS:
                raise self.fail(f"keyword argument {excerpt(keyword.arg)} is not allowed", at)

    def check_BinOp(self, node, offset, in_loop):  # noqa: N802
        if type(node.op) in _REFUSED_OPERATORS:
            symbol = _REFUSED_OPERATORS[type(node.op)]
            raise self.fail(f"operator '{symbol}' is not supported",
                            operator_offset(self.source, node.left, node.right, symbol))
        if isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant) and isinstance(
                node.left.value, str):
            at = operator_offset(self.source, node.left, node.right, "%")
            raise self.fail("%-formatting of strings is not allowed", at)


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
            elements = predictor(args, kwargs)
        except GuardError as refusal:
            raise self.fail(str(refusal), offset) from None
        except (TypeError, ValueError, OverflowError, AttributeError, IndexError, KeyError):
            return  # the engine will refuse these arguments with torch's own message
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
        elif _is_int(left) and _is_int(right) and symbol == "**":
            _guard_integer_power(left, right, self, at)
        elif symbol == "@":
            self.guard("matmul", matmul, (left, right), {}, at)
        elif _is_array(left) or _is_array(right):
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


