"""The public entry for one-line expressions (``docs/CONTRACT.md`` section 3).

The interpreter lives in ``engine.interpreter``; this module keeps the documented
names where users and outside tests import them.

>>> import engine
>>> evaluate("2 * dot(x, x)", {"x": engine.arange(4.0, requires_grad=True)})
tensor(28., grad_fn=<MulBackward0>)
"""

from engine.interpreter.expression import check, evaluate
from engine.interpreter.source import ExpressionError

__all__ = ["ExpressionError", "check", "evaluate"]
