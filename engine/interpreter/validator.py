"""Refuse, before anything runs, every node, name, attribute and keyword outside the tables.

``Validator`` checks one-line expressions; ``LessonValidator`` the statements of a lesson.

>>> from engine.interpreter.source import parse_expression
>>> tree, text = parse_expression("x.numpy().tofile('f')")
>>> try:
...     Validator(text, names=["x"]).run(tree)
... except ExpressionError as error:
...     print(error.offset, error)
10 method 'tofile' is not allowed: it is not in the engine's table
"""

from __future__ import annotations

import ast

from engine.interpreter import library
from engine.interpreter.limits import MAX_INT, MAX_INT_DIGITS
from engine.interpreter.objects import SPECIAL_METHODS
from engine.interpreter.source import MAX_DEPTH, MAX_NODES, ExpressionError, SourceText, excerpt
from engine.interpreter.tables import (
    ATTRIBUTE_NAMES,
    BINARY_SYMBOLS,
    BUILTINS,
    CALLABLE_NAMES,
    EXPRESSION,
    FUNCTIONS,
    GRAD_MODES,
    KEYWORDS,
    LESSON,
    LESSON_IN_PLACE_OPERATORS,
    SETTABLE_ATTRIBUTES,
    TORCH_SUBMODULES,
    VALUES,
    operator_offset,
)

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
            child_in_loop = self.child_in_loop(node, in_loop)
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

    def child_in_loop(self, node: ast.AST, in_loop: bool) -> bool:
        """Whether ``break`` and ``continue`` are fine inside ``node``'s children."""
        return in_loop or isinstance(node, ast.For)

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


FORBIDDEN_NAMES = frozenset(
    "eval exec compile open input breakpoint globals locals vars getattr setattr delattr "
    "hasattr dir help exit quit memoryview object type id hash iter next callable "
    "classmethod staticmethod property issubclass format bytes bytearray".split())

_STATEMENTS = {
    "Module", "Import", "ImportFrom", "alias", "Assign", "AugAssign", "AnnAssign", "Expr",
    "With", "withitem", "For", "While", "If", "Pass", "Break", "Continue", "Assert",
    "FunctionDef", "Lambda", "arguments", "arg", "Return", "ClassDef", "Try",
    "ExceptHandler", "Raise", "ListComp", "SetComp", "DictComp", "GeneratorExp",
    "comprehension", "JoinedStr", "FormattedValue", "Dict", "Set", "Starred", "Delete", "Del",
    "BitOr", "BitAnd", "In", "NotIn",
}

# ----- static checks ---------------------------------------------------------------------

class LessonValidator(Validator):
    """The expression whitelist plus the statements a lesson may use.

    In a lesson, what a name or attribute is depends on what runs (a lesson's own
    functions and objects), so this checks the shape of the code and refuses private
    names, the builtins that reach the interpreter (``eval``, ``open``, ``getattr``, ...)
    and statements outside the subset; the interpreter checks each value at run time.
    """

    allowed = _EXPRESSION_NODES | _STATEMENTS

    def __init__(self, source, *, mode: str = LESSON, names=(), max_nodes: int = 100_000):
        super().__init__(source, mode=mode, names=names, max_nodes=max_nodes)
        self.returns_allowed: set[int] = set()

    def run(self, tree: ast.AST, *, base_offset: int = 0) -> None:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.Lambda)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Return):
                        self.returns_allowed.add(id(inner))
        super().run(tree, base_offset=base_offset)

    def child_in_loop(self, node, in_loop: bool) -> bool:
        if isinstance(node, (ast.For, ast.While)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.Lambda, ast.ClassDef)):
            return False
        return in_loop

    def _private(self, name: str, offset: int, what: str = "name"):
        if name.startswith("_") and name != "_" and name not in SPECIAL_METHODS:
            raise self.fail(f"{what} {excerpt(name)} is not allowed: names starting with '_' "
                            f"are private", offset)

    def check_Name(self, node, offset, in_loop):  # noqa: N802 - ast's names
        name = node.id
        if name.startswith("_") and name != "_":
            raise self.fail(f"name {excerpt(name)} is not allowed: names starting with '_' are "
                            f"private", offset)
        if name in FORBIDDEN_NAMES and isinstance(node.ctx, ast.Load):
            raise self.fail(f"{excerpt(name)} is not available in a lesson: it reaches the "
                            f"interpreter itself", offset)

    def check_Attribute(self, node, offset, in_loop):  # noqa: N802
        attr = node.attr
        at = self.source.node_end(node) - len(attr)
        if attr == "__version__" and isinstance(node.ctx, ast.Load):
            return
        if attr.startswith("_") and not (attr in SPECIAL_METHODS and id(node) in self.callees):
            raise self.fail(f"attribute {excerpt(attr)} is not allowed: names starting with "
                            f"'_' are private", at)

    def check_Call(self, node, offset, in_loop):  # noqa: N802
        self.callees.add(id(node.func))
        for keyword in node.keywords:
            at = self.source.node_offset(keyword) if hasattr(keyword, "lineno") else offset
            if keyword.arg is None:
                raise self.fail("**keyword arguments are not allowed", at)
            if keyword.arg.startswith("_"):
                raise self.fail(f"keyword argument {excerpt(keyword.arg)} is not allowed", at)

    def check_BinOp(self, node, offset, in_loop):  # noqa: N802
        if isinstance(node.op, (ast.LShift, ast.RShift, ast.BitXor)):
            super().check_BinOp(node, offset, in_loop)

    def check_Compare(self, node, offset, in_loop):  # noqa: N802
        return None  # 'in' and 'not in' are fine in a lesson

    def check_Import(self, node, offset, in_loop):  # noqa: N802
        for alias in node.names:
            if not (alias.name in library.IMPORTABLE or alias.name.startswith("torch.")
                    and alias.name[6:] in TORCH_SUBMODULES):
                raise self.fail(f"module {excerpt(alias.name)} is not available in a lesson "
                                f"(only torch, math, numpy, pprint and matplotlib.pyplot)",
                                offset)
            if alias.asname:
                self._private(alias.asname, offset)

    def check_ImportFrom(self, node, offset, in_loop):  # noqa: N802
        module = node.module or ""
        if node.level or not (module in library.IMPORTABLE or module.startswith("torch.")
                              and module[6:] in TORCH_SUBMODULES):
            raise self.fail(f"module {excerpt(module or '.')} is not available in a lesson "
                            f"(only torch, math, numpy, pprint and matplotlib.pyplot)", offset)
        for alias in node.names:
            if alias.name == "*":
                raise self.fail("'from ... import *' is not allowed: name what you import",
                                offset)
            self._private(alias.name, offset)
            if alias.asname:
                self._private(alias.asname, offset)

    def check_AugAssign(self, node, offset, in_loop):  # noqa: N802
        if type(node.op) not in LESSON_IN_PLACE_OPERATORS:
            raise self.fail("only += -= *= /= //= %= **= @= are supported", offset)

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
        if node.orelse:
            raise self.fail("'for ... else' is not supported", offset)
        self._target(node.target, offset)

    def check_While(self, node, offset, in_loop):  # noqa: N802
        if node.orelse:
            raise self.fail("'while ... else' is not supported", offset)

    def check_comprehension(self, node, offset, in_loop):  # noqa: N802
        if node.is_async:
            raise self.fail("async comprehensions are not allowed", offset)
        self._target(node.target, offset)

    def _target(self, target, offset):
        for item in ast.walk(target):
            if not isinstance(item, (ast.Name, ast.Tuple, ast.List, ast.Store)):
                raise self.fail("a loop variable must be a name or a tuple of names", offset)

    def check_Break(self, node, offset, in_loop):  # noqa: N802
        if not in_loop:
            raise self.fail("'break' outside loop", offset)

    def check_Continue(self, node, offset, in_loop):  # noqa: N802
        if not in_loop:
            raise self.fail("'continue' not properly in loop", offset)

    def check_Return(self, node, offset, in_loop):  # noqa: N802
        if id(node) not in self.returns_allowed:
            raise self.fail("'return' outside function", offset)

    def check_FunctionDef(self, node, offset, in_loop):  # noqa: N802
        self._private(node.name, offset, "function name")
        if getattr(node, "type_params", None):
            raise self.fail("type parameters are not supported", offset)

    def check_arguments(self, node, offset, in_loop):  # noqa: N802
        for argument in (*node.posonlyargs, *node.args, *node.kwonlyargs,
                         *(a for a in (node.vararg, node.kwarg) if a is not None)):
            self._private(argument.arg, offset, "argument")

    def check_ClassDef(self, node, offset, in_loop):  # noqa: N802
        self._private(node.name, offset, "class name")
        if node.keywords:
            raise self.fail("class keywords (metaclass=...) are not allowed", offset)
        for statement in node.body:
            if not isinstance(statement, (ast.FunctionDef, ast.Assign, ast.Pass, ast.Expr,
                                          ast.AnnAssign)):
                raise self.fail("a class body may hold methods, assignments and a docstring",
                                self.source.node_offset(statement))

    def check_Try(self, node, offset, in_loop):  # noqa: N802
        if node.orelse and not node.handlers:
            raise self.fail("'try ... else' needs an except clause", offset)

    def check_Delete(self, node, offset, in_loop):  # noqa: N802
        for target in node.targets:
            if not isinstance(target, (ast.Name, ast.Subscript)):
                raise self.fail("del works on names and items only", offset)
