"""Each function node of an exported graph carries its forward value (small outputs)."""

from __future__ import annotations

import engine
from engine.autograd.graph import VALUE_LIMIT
from engine.graph import to_networkx


def test_function_nodes_carry_their_forward_value():
    x = engine.arange(4.0, requires_grad=True)
    y = 2 * engine.dot(x, x)
    graph = to_networkx(y, names={"x": x})
    values = {data["label"]: data["value"] for _, data in graph.nodes(data=True)
              if data.get("kind") in ("function", "accumulate")}
    assert float(values["DotBackward0"]) == 14.0
    assert float(values["MulBackward0"]) == 28.0
    assert values["AccumulateGrad"].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_an_in_place_op_moves_the_value_with_the_memory():
    x = engine.ones(2, requires_grad=True)
    y = x * 2
    y.add_(1)
    assert y.grad_fn.value.tolist() == [3.0, 3.0]


def test_large_outputs_are_not_kept():
    x = engine.ones(VALUE_LIMIT + 1, requires_grad=True)
    assert (x * 2).grad_fn.value is None
    assert (x[:VALUE_LIMIT] * 2).grad_fn.value.shape == (VALUE_LIMIT,)
