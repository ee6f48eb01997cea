"""Evaluate one line of PyTorch safely: ``evaluate("2 * dot(x, x)", {"x": x})``.

The expression is parsed with ``ast`` and interpreted by ``engine.interpreter.evaluator``, which
walks a whitelist of node types and calls only the functions, methods and keyword
arguments in its table; nothing is ever passed to ``eval``, ``exec`` or ``compile``.
The ``torch.`` prefix is optional (``exp(x)`` and ``torch.exp(x)`` are the same).

Every failure is an ``ExpressionError`` (a ``ValueError``) with ``.offset``, the
0-based index of the offending character, token or call, and a one-line message of
at most 200 characters. Errors raised by the engine while evaluating (a shape
mismatch, an integer tensor asked to require grad, ...) keep PyTorch's text, point
at the call that raised, and carry the engine's exception as ``__cause__``.

>>> import engine
>>> x = engine.arange(4.0, requires_grad=True)
>>> evaluate("2 * torch.dot(x, x)", {"x": x})
tensor(28., grad_fn=<MulBackward0>)
>>> evaluate("[1, 2, 3]")
tensor([1, 2, 3])
>>> try:
...     evaluate("x.__class__", {"x": x})
... except ExpressionError as error:
...     print(error.offset, error)
2 attribute '__class__' is not allowed: names starting with '_' are private

Limits, checked before the work they guard (see ``engine.interpreter.limits`` for the rest):
``MAX_EXPRESSION_LENGTH`` characters, ``MAX_DEPTH`` levels of nesting,
``MAX_NODES`` syntax nodes, ``MAX_TENSOR_ELEMENTS`` elements per tensor, Python
integers below 10**400, and ``EXPRESSION_TIME_LIMIT`` seconds.
"""

from __future__ import annotations

import ast

from engine.interpreter.evaluator import Interpreter
from engine.interpreter.source import (
    EXPRESSION_TIME_LIMIT,
    MAX_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_MESSAGE_LENGTH,
    MAX_NODES,
    ExpressionError,
    SourceText,
    check_characters,
    parse_expression,
)
from engine.interpreter.tables import EXPRESSION
from engine.interpreter.validator import Validator

__all__ = ["ExpressionError", "evaluate", "check", "parse_expression", "check_characters",
           "SourceText", "MAX_EXPRESSION_LENGTH", "MAX_DEPTH", "MAX_NODES",
           "EXPRESSION_TIME_LIMIT", "MAX_MESSAGE_LENGTH"]

def check(source: str, names=()) -> None:
    """Refuse ``source`` as ``evaluate`` would before running anything (no evaluation).

    ``names`` are the variables it may use; ``None``: any plain name may be a variable,
    but what is called must be torch's (a saved session, before its variables exist).
    For live feedback while typing.

    >>> check("2 * dot(x, x)", names=["x"])
    >>> try:
    ...     check("x.numpy().tofile('f')", names=["x"])
    ... except ExpressionError as error:
    ...     print(error.offset, error)
    10 method 'tofile' is not allowed: it is not in the engine's table
    """
    tree, text = parse_expression(source)
    if names is None:
        callees = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
        names = {node.id for node in ast.walk(tree)
                 if isinstance(node, ast.Name) and id(node) not in callees}
    Validator(text, mode=EXPRESSION, names=names).run(tree)


def evaluate(source: str, variables: dict | None = None, *, module=None,
             time_limit: float = EXPRESSION_TIME_LIMIT):
    """Evaluate one PyTorch expression and return the Tensor it gives.

    ``variables`` maps names to values (Tensors, numbers). A number, list or tuple
    result becomes a tensor (``"[1, 2, 3]"`` gives ``tensor([1, 2, 3])``). ``module``
    is the torch to call (default ``engine``; tests pass the real ``torch``).

    >>> evaluate("arange(3.0).exp().sum()")
    tensor(11.1073)
    """
    import numpy as np

    tree, text = parse_expression(source)
    interpreter = Interpreter(text, module=module, variables=variables or {},
                                       mode=EXPRESSION, time_limit=time_limit)
    interpreter.validate(tree)
    with np.errstate(all="ignore"):  # inf * 0 is nan without a warning, as in torch
        return interpreter.evaluate_to_tensor(tree.body)
