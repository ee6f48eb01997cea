"""The same snippets under real torch and under ``engine``, compared field by field.

Each snippet is a function of one argument, the module to use as ``torch``. It
returns what should be compared: tensors (repr, dtype, shape, values,
``requires_grad``, ``is_leaf``, the whole ``grad_fn`` graph with names and
``input_nr``), numbers, strings, dtypes, nodes and nested tuples of them. The
warnings it triggers and the exception it raises (type and text) are compared
too.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import engine

torch = pytest.importorskip("torch")

LIBRARIES = {"torch": torch, "engine": engine}


# ----------------------------------------------------------------- the harness

def _node_graph(root) -> tuple:
    """Every node reachable from ``root`` in depth-first order, as (name, edges, extra).

    Edges point at the index of the child in this list, so shared nodes (``dot(x, x)``)
    are compared as shared.
    """
    if root is None:
        return ()
    order: dict[int, int] = {}
    nodes: list = []
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in order:
            continue
        order[id(node)] = len(nodes)
        nodes.append(node)
        for child, _ in reversed(node.next_functions):
            if child is not None and id(child) not in order:
                stack.append(child)
    described = []
    for node in nodes:
        edges = tuple(None if child is None else (order[id(child)], input_nr)
                      for child, input_nr in node.next_functions)
        extra = None
        if "AccumulateGrad" in node.name():
            variable = node.variable
            extra = (tuple(variable.shape), str(variable.dtype), variable.is_leaf,
                     variable.requires_grad)
        described.append((node.name(), edges, extra))
    return tuple(described)


def describe(value, lib):
    """A comparable description of what a snippet returned."""
    if isinstance(value, lib.Tensor):
        return {
            "kind": "tensor",
            "repr": repr(value),
            "str": str(value),
            "dtype": str(value.dtype),
            "shape": tuple(value.shape),
            "requires_grad": value.requires_grad,
            "is_leaf": value.is_leaf,
            "retains_grad": value.retains_grad,
            "graph": _node_graph(value.grad_fn),
            "values": np.array(value.detach().numpy(), copy=True),
        }
    if isinstance(value, lib.dtype):
        return ("dtype", str(value), repr(value))
    if hasattr(value, "next_functions") and hasattr(value, "name"):
        return ("node", _node_graph(value))
    if isinstance(value, np.ndarray):
        return ("ndarray", str(value.dtype), np.array(value, copy=True))
    if isinstance(value, (tuple, list)):
        items = tuple(describe(item, lib) for item in value)
        if type(value) in (tuple, list):
            return (type(value).__name__, items)
        return ("structseq", repr(value), items)  # torch.Size, torch.return_types.max
    if value is None or isinstance(value, (bool, int, float, str)):
        return (type(value).__name__, value)
    raise TypeError(f"the harness cannot describe {type(value).__name__}")


def run(snippet, lib):
    """(description of the result or None, (error type, text) or None, warnings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result, error = describe(snippet(lib), lib), None
        except Exception as exc:  # noqa: BLE001 - the error is what we compare
            result, error = None, (type(exc).__name__, str(exc))
    shown = tuple((w.category.__name__, str(w.message)) for w in caught)
    return result, error, shown


def assert_same(expected, actual, path="result"):
    """Deep comparison; float arrays within a few ulps, everything else exactly."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), path
        assert expected.keys() == actual.keys(), path
        for key in expected:
            assert_same(expected[key], actual[key], f"{path}.{key}")
    elif isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray), path
        assert expected.shape == actual.shape, f"{path}: shape {actual.shape} != {expected.shape}"
        if expected.dtype.kind == "f":
            tolerance = 1e-5 if expected.dtype == np.float32 else 1e-12
            np.testing.assert_allclose(actual, expected, rtol=tolerance, atol=tolerance,
                                       equal_nan=True, err_msg=path)
        else:
            np.testing.assert_array_equal(actual, expected, err_msg=path)
    elif isinstance(expected, tuple):
        assert isinstance(actual, tuple) and len(actual) == len(expected), (
            f"{path}: {actual!r} != {expected!r}")
        for index, (e, a) in enumerate(zip(expected, actual)):
            assert_same(e, a, f"{path}[{index}]")
    elif isinstance(expected, float) and isinstance(actual, float):
        assert math.isclose(actual, expected, rel_tol=1e-6, abs_tol=1e-7) or (
            math.isnan(actual) and math.isnan(expected)), f"{path}: {actual} != {expected}"
    else:
        assert type(actual) is type(expected) and actual == expected, (
            f"{path}: {actual!r} != {expected!r}")


def check(snippet):
    """Run ``snippet`` under both libraries and assert that everything matches."""
    expected_result, expected_error, expected_warnings = run(snippet, torch)
    result, error, shown = run(snippet, engine)
    assert error == expected_error
    assert shown == expected_warnings
    assert_same(expected_result, result)
    return expected_result, expected_error


def test_harness_can_fail():
    """The comparison notices a wrong value, a wrong name and a wrong error."""
    with pytest.raises(AssertionError):
        check(lambda t: t.tensor([1.0]) if t is torch else t.tensor([2.0]))
    with pytest.raises(AssertionError):
        check(lambda t: t.arange(3.0, requires_grad=True) * (2 if t is torch else 2.0 + 1e-3))
    with pytest.raises(AssertionError):
        check(lambda t: t.arange(3.0, requires_grad=True).exp() if t is torch
              else t.arange(3.0, requires_grad=True).sin())
    with pytest.raises(AssertionError):
        check(lambda t: t.ones(2).item() if t is torch else t.ones(3).item())


# ----------------------------------------------------------------- inputs

def _matrix(t, dtype=None):
    """2x3, distinct values of mixed sign (no ties for max/min)."""
    return t.tensor([[0.5, -1.5, 2.0], [3.0, -0.25, 1.0]], dtype=dtype, requires_grad=True)


def _positive(t, dtype=None):
    return t.tensor([[0.5, 1.5, 2.0], [3.0, 0.25, 1.25]], dtype=dtype, requires_grad=True)


def _other(t, dtype=None):
    return t.tensor([[1.5, 0.75, -2.0], [-0.5, 2.5, 4.0]], dtype=dtype, requires_grad=True)


def _vector(t, dtype=None):
    return t.tensor([1.0, -2.0, 0.5], dtype=dtype, requires_grad=True)


def _vector2(t, dtype=None):
    return t.tensor([0.25, 1.5], dtype=dtype, requires_grad=True)


def _square(t, dtype=None):
    return t.tensor([[1.0, 2.0, -1.0], [0.5, -3.0, 2.0], [1.5, 0.0, -0.5]], dtype=dtype,
                    requires_grad=True)


def _scalar(t, dtype=None):
    return t.tensor(1.5, dtype=dtype, requires_grad=True)


def _constant(t):
    """A tensor that needs no gradient (its edge is ``(None, 0)``)."""
    return t.tensor([[2.0, -1.0, 0.5], [1.0, 3.0, -2.0]])


def unary(function, make=_matrix):
    def build(t):
        x = make(t)
        return (x,), function(t, x)
    return build


def binary(function, make_a=_matrix, make_b=_other):
    def build(t):
        a, b = make_a(t), make_b(t)
        return (a, b), function(t, a, b)
    return build


def _in_place_chain(t):
    a, b = _matrix(t), _other(t)
    y = a * 1
    y += b
    y -= 2
    y *= b
    y /= 4
    y **= 2
    return (a, b), +y


def _in_place_methods(t):
    a, b = _matrix(t), _other(t)
    y = a + 0
    y.add_(b)
    y.mul_(2)
    y.sub_(b, alpha=0.5)
    y.div_(b)
    return (a, b), y


OPS = {
    # elementwise
    "exp": unary(lambda t, x: t.exp(x)),
    "exp_method": unary(lambda t, x: x.exp()),
    "log": unary(lambda t, x: t.log(x), _positive),
    "log_method": unary(lambda t, x: x.log(), _positive),
    "sqrt": unary(lambda t, x: t.sqrt(x), _positive),
    "sqrt_method": unary(lambda t, x: x.sqrt(), _positive),
    "abs": unary(lambda t, x: t.abs(x)),
    "abs_builtin": unary(lambda t, x: abs(x)),
    "abs_method": unary(lambda t, x: x.abs()),
    "sin": unary(lambda t, x: t.sin(x)),
    "sin_method": unary(lambda t, x: x.sin()),
    "cos": unary(lambda t, x: t.cos(x)),
    "cos_method": unary(lambda t, x: x.cos()),
    "tanh": unary(lambda t, x: t.tanh(x)),
    "tanh_method": unary(lambda t, x: x.tanh()),
    "sigmoid": unary(lambda t, x: t.sigmoid(x)),
    "sigmoid_method": unary(lambda t, x: x.sigmoid()),
    "relu": unary(lambda t, x: t.relu(x)),
    "relu_method": unary(lambda t, x: x.relu()),
    "neg": unary(lambda t, x: t.neg(x)),
    "neg_operator": unary(lambda t, x: -x),
    "neg_method": unary(lambda t, x: x.neg()),
    "clamp": unary(lambda t, x: t.clamp(x, min=-1.0, max=1.0)),
    "clamp_min": unary(lambda t, x: t.clamp(x, min=0.0)),
    "clamp_max": unary(lambda t, x: x.clamp(max=0.5)),
    "clamp_positional": unary(lambda t, x: x.clamp(-1, 1)),
    "clamp_int_bounds": unary(lambda t, x: t.clamp(x, 0, 2)),
    "clamp_tensor_min": binary(lambda t, a, b: a.clamp(min=b)),
    "clamp_tensor_max": binary(lambda t, a, b: t.clamp(a, max=b)),
    "clamp_tensor_bounds_broadcast": binary(
        lambda t, a, b: a.clamp(b, t.tensor([[1.0], [2.0]], requires_grad=True)),
        make_b=_vector),
    "clamp_tensor_bounds_constant": unary(
        lambda t, x: x.clamp(t.tensor([-1.0, 0.0, 0.5]), t.tensor(1.0))),
    "clamp_tensor_min_above_max": binary(lambda t, a, b: a.clamp(b + 1, b)),
    "clamp_zero_dim_tensor_and_number": unary(lambda t, x: x.clamp(t.tensor(0.0), 1.0)),
    # powers
    "pow_square": unary(lambda t, x: x ** 2),
    "pow_cube_function": unary(lambda t, x: t.pow(x, 3)),
    "pow_method": unary(lambda t, x: x.pow(2)),
    "pow_half": unary(lambda t, x: x ** 0.5, _positive),
    "pow_zero": unary(lambda t, x: x ** 0),
    "pow_negative": unary(lambda t, x: x ** -1),
    "pow_float": unary(lambda t, x: x ** 2.0),
    "rpow": unary(lambda t, x: 2 ** x),
    "rpow_float": unary(lambda t, x: 0.5 ** x),
    "pow_tensor": binary(lambda t, a, b: a ** b, _positive, _other),
    "pow_tensor_function": binary(lambda t, a, b: t.pow(a, b), _positive, _other),
    "pow_tensor_broadcast": binary(lambda t, a, b: a ** b, _positive, _vector),
    "pow_tensor_constant_exponent": unary(lambda t, x: x ** t.tensor([[1.0], [2.0]]), _positive),
    "pow_constant_base": unary(lambda t, x: t.tensor([[2.0], [3.0]]) ** x),
    # arithmetic between tensors
    "add": binary(lambda t, a, b: a + b),
    "add_function": binary(lambda t, a, b: t.add(a, b)),
    "add_method": binary(lambda t, a, b: a.add(b)),
    "add_alpha": binary(lambda t, a, b: t.add(a, b, alpha=2)),
    "sub": binary(lambda t, a, b: a - b),
    "sub_function": binary(lambda t, a, b: t.sub(a, b)),
    "sub_method": binary(lambda t, a, b: a.sub(b)),
    "sub_alpha": binary(lambda t, a, b: a.sub(b, alpha=3)),
    "mul": binary(lambda t, a, b: a * b),
    "mul_function": binary(lambda t, a, b: t.mul(a, b)),
    "mul_method": binary(lambda t, a, b: a.mul(b)),
    "div": binary(lambda t, a, b: a / b),
    "div_function": binary(lambda t, a, b: t.div(a, b)),
    "div_method": binary(lambda t, a, b: a.div(b)),
    "mul_same": unary(lambda t, x: x * x),
    "add_same": unary(lambda t, x: x + x),
    "sub_same": unary(lambda t, x: x - x),
    "div_same": unary(lambda t, x: x / x, _positive),
    # one side needs no gradient
    "add_constant": unary(lambda t, x: x + _constant(t)),
    "radd_constant": unary(lambda t, x: _constant(t) + x),
    "sub_constant": unary(lambda t, x: _constant(t) - x),
    "mul_constant": unary(lambda t, x: _constant(t) * x),
    "div_constant": unary(lambda t, x: x / _constant(t)),
    "rdiv_constant": unary(lambda t, x: _constant(t) / x),
    # with Python numbers
    "add_number": unary(lambda t, x: x + 2),
    "radd_number": unary(lambda t, x: 2 + x),
    "add_float": unary(lambda t, x: x + 0.5),
    "sub_number": unary(lambda t, x: x - 2),
    "rsub_number": unary(lambda t, x: 2 - x),
    "rsub_float": unary(lambda t, x: 0.5 - x),
    "mul_number": unary(lambda t, x: x * 3),
    "rmul_number": unary(lambda t, x: 3 * x),
    "mul_float": unary(lambda t, x: x * 0.5),
    "div_number": unary(lambda t, x: x / 4),
    "rdiv_number": unary(lambda t, x: 4 / x),
    "rdiv_float": unary(lambda t, x: 0.5 / x),
    "add_bool": unary(lambda t, x: x + True),
    "mul_bool": unary(lambda t, x: x * False),
    # broadcasting
    "add_row": binary(lambda t, a, b: a + b, _matrix, _vector),
    "add_row_reflected": binary(lambda t, a, b: b + a, _matrix, _vector),
    "sub_row": binary(lambda t, a, b: b - a, _matrix, _vector),
    "mul_row": binary(lambda t, a, b: a * b, _matrix, _vector),
    "div_row": binary(lambda t, a, b: a / b, _matrix, _vector),
    "mul_column": binary(lambda t, a, b: a * b.reshape(2, 1), _matrix, _vector2),
    "outer_broadcast": binary(lambda t, a, b: a.reshape(2, 1) * b.reshape(1, 3),
                              _vector2, _vector),
    "mul_zero_dim": binary(lambda t, a, b: a * b, _matrix, _scalar),
    "add_zero_dim": binary(lambda t, a, b: b + a, _matrix, _scalar),
    "div_zero_dim": binary(lambda t, a, b: b / a, _positive, _scalar),
    "maximum_broadcast": binary(lambda t, a, b: t.maximum(a, b), _matrix, _vector),
    # pairwise max/min
    "max_pairwise": binary(lambda t, a, b: t.max(a, b)),
    "min_pairwise": binary(lambda t, a, b: t.min(a, b)),
    "maximum": binary(lambda t, a, b: t.maximum(a, b)),
    "minimum": binary(lambda t, a, b: t.minimum(a, b)),
    "maximum_method": binary(lambda t, a, b: a.maximum(b)),
    "maximum_ties": unary(lambda t, x: t.maximum(x, t.tensor([[0.5, 0.0, 2.0], [0.0, 0.0, 1.0]]))),
    # reductions
    "sum": unary(lambda t, x: x.sum()),
    "sum_function": unary(lambda t, x: t.sum(x)),
    "sum_dim0": unary(lambda t, x: x.sum(0)),
    "sum_dim1": unary(lambda t, x: t.sum(x, 1)),
    "sum_negative_dim_keepdim": unary(lambda t, x: x.sum(-1, keepdim=True)),
    "sum_dim_keyword": unary(lambda t, x: x.sum(dim=0, keepdim=True)),
    "sum_dims_tuple": unary(lambda t, x: x.sum(dim=(0, 1))),
    "sum_dims_tuple_keepdim": unary(lambda t, x: x.sum((1, 0), keepdim=True)),
    "sum_vector_dim": unary(lambda t, x: x.sum(0), _vector),
    "sum_zero_dim": unary(lambda t, x: x.sum(), _scalar),
    "mean": unary(lambda t, x: x.mean()),
    "mean_function": unary(lambda t, x: t.mean(x)),
    "mean_dim0": unary(lambda t, x: x.mean(0)),
    "mean_dim1_keepdim": unary(lambda t, x: t.mean(x, 1, keepdim=True)),
    "mean_negative_dim": unary(lambda t, x: x.mean(dim=-1)),
    "mean_dims_tuple": unary(lambda t, x: x.mean((0, 1))),
    "mean_dims_tuple_keepdim": unary(lambda t, x: x.mean(dim=(0, 1), keepdim=True)),
    "max": unary(lambda t, x: x.max()),
    "max_function": unary(lambda t, x: t.max(x)),
    "max_dim0": unary(lambda t, x: x.max(0)),
    "max_dim1_keepdim": unary(lambda t, x: x.max(1, keepdim=True)),
    "max_negative_dim": unary(lambda t, x: t.max(x, dim=-1)),
    "max_dim_values": unary(lambda t, x: x.max(dim=0).values),
    "max_dim_indices": unary(lambda t, x: x.max(dim=1)[1]),
    "max_ties": unary(lambda t, x: t.tensor([2.0, 1.0, 2.0]) * x.reshape(-1)[:3].max()),
    "max_ties_all": unary(lambda t, x: (x * 0 + 1).max()),
    "min": unary(lambda t, x: x.min()),
    "min_function": unary(lambda t, x: t.min(x)),
    "min_dim0": unary(lambda t, x: x.min(0)),
    "min_dim1_keepdim": unary(lambda t, x: t.min(x, 1, keepdim=True)),
    "min_dim_values": unary(lambda t, x: x.min(dim=-1).values),
    "min_vector_dim": unary(lambda t, x: x.min(0), _vector),
    "softmax": unary(lambda t, x: t.softmax(x, 0)),
    "softmax_dim1": unary(lambda t, x: t.softmax(x, dim=1)),
    "softmax_method": unary(lambda t, x: x.softmax(-1)),
    "softmax_vector": unary(lambda t, x: t.softmax(x, 0), _vector),
    "log_softmax": unary(lambda t, x: t.log_softmax(x, 0)),
    "log_softmax_dim1": unary(lambda t, x: t.log_softmax(x, dim=1)),
    "log_softmax_method": unary(lambda t, x: x.log_softmax(dim=-1)),
    # products
    "dot": binary(lambda t, a, b: t.dot(a, b), _vector, lambda t: _vector(t) * 1),
    "dot_method": binary(lambda t, a, b: a.dot(b), _vector, _vector),
    "dot_same": unary(lambda t, x: t.dot(x, x), _vector),
    "lesson": unary(lambda t, x: 2 * t.dot(x, x), lambda t: t.arange(4.0, requires_grad=True)),
    "dot_constant": unary(lambda t, x: t.dot(x, t.tensor([1.0, 2.0, 3.0])), _vector),
    "mv": binary(lambda t, a, b: t.mv(a, b), _matrix, _vector),
    "mv_method": binary(lambda t, a, b: a.mv(b), _matrix, _vector),
    "mv_constant_matrix": unary(lambda t, x: t.mv(_constant(t), x), _vector),
    "mm": binary(lambda t, a, b: t.mm(a, b.t()), _matrix, _other),
    "mm_method": binary(lambda t, a, b: a.mm(b), _matrix, _square),
    "mm_constant": unary(lambda t, x: t.mm(x, _constant(t).t())),
    "matmul_vectors": binary(lambda t, a, b: t.matmul(a, b), _vector, _vector),
    "matmul_matrix_vector": binary(lambda t, a, b: t.matmul(a, b), _matrix, _vector),
    "matmul_vector_matrix": binary(lambda t, a, b: t.matmul(a, b), _vector2, _matrix),
    "matmul_matrices": binary(lambda t, a, b: a.matmul(b), _matrix, _square),
    "matmul_operator": binary(lambda t, a, b: a @ b, _matrix, _square),
    "matmul_operator_vector": binary(lambda t, a, b: a @ b, _matrix, _vector),
    "matmul_operator_vectors": unary(lambda t, x: x @ x, _vector),
    "outer": binary(lambda t, a, b: t.outer(a, b), _vector2, _vector),
    "outer_method": binary(lambda t, a, b: a.outer(b), _vector, _vector2),
    # shapes
    "reshape": unary(lambda t, x: x.reshape(3, 2)),
    "reshape_tuple": unary(lambda t, x: t.reshape(x, (6,))),
    "reshape_infer": unary(lambda t, x: x.reshape(-1, 2)),
    "reshape_of_transpose": unary(lambda t, x: x.t().reshape(6)),
    "view": unary(lambda t, x: x.view(3, 2)),
    "view_infer": unary(lambda t, x: x.view(-1)),
    "view_tuple": unary(lambda t, x: x.view((6, 1))),
    "flatten": unary(lambda t, x: x.flatten()),
    "flatten_function": unary(lambda t, x: t.flatten(x)),
    "flatten_range": unary(lambda t, x: x.reshape(1, 2, 3).flatten(1)),
    "flatten_vector": unary(lambda t, x: x.flatten(), _vector),
    "flatten_zero_dim": unary(lambda t, x: x.flatten(), _scalar),
    "transpose": unary(lambda t, x: x.transpose(0, 1)),
    "transpose_function": unary(lambda t, x: t.transpose(x, 1, 0)),
    "transpose_negative": unary(lambda t, x: x.transpose(-1, -2)),
    "t": unary(lambda t, x: x.t()),
    "t_function": unary(lambda t, x: t.t(x)),
    "t_vector": unary(lambda t, x: x.t(), _vector),
    "T": unary(lambda t, x: x.T),
    "unsqueeze": unary(lambda t, x: x.unsqueeze(0)),
    "unsqueeze_negative": unary(lambda t, x: x.unsqueeze(-1)),
    "unsqueeze_function": unary(lambda t, x: t.unsqueeze(x, 1)),
    "squeeze_all": unary(lambda t, x: x.reshape(1, 2, 1, 3).squeeze()),
    "squeeze_dim": unary(lambda t, x: x.unsqueeze(1).squeeze(1)),
    "squeeze_function": unary(lambda t, x: t.squeeze(x.unsqueeze(0), 0)),
    "squeeze_not_one": unary(lambda t, x: x.squeeze(0)),
    "cat": binary(lambda t, a, b: t.cat([a, b])),
    "cat_dim1": binary(lambda t, a, b: t.cat((a, b), dim=1)),
    "cat_negative_dim": binary(lambda t, a, b: t.cat([a, b, a], -1)),
    "cat_constant": unary(lambda t, x: t.cat([_constant(t), x])),
    "stack": binary(lambda t, a, b: t.stack([a, b])),
    "stack_dim1": binary(lambda t, a, b: t.stack((a, b), dim=1)),
    "stack_last": binary(lambda t, a, b: t.stack([a, b], -1)),
    "stack_constant": unary(lambda t, x: t.stack([x, _constant(t)], 2)),
    "clone": unary(lambda t, x: x.clone()),
    "clone_function": unary(lambda t, x: t.clone(x)),
    # indexing
    "index_int": unary(lambda t, x: x[0]),
    "index_negative": unary(lambda t, x: x[-1]),
    "index_pair": unary(lambda t, x: x[0, 1]),
    "index_negative_pair": unary(lambda t, x: x[-1, -2]),
    "index_twice": unary(lambda t, x: x[1][2]),
    "index_column": unary(lambda t, x: x[:, 1]),
    "index_slice": unary(lambda t, x: x[1:]),
    "index_slice_step": unary(lambda t, x: x[:, ::2]),
    "index_slice_negative": unary(lambda t, x: x[:, -2:]),
    "index_slice_both": unary(lambda t, x: x[0:1, 1:3]),
    "index_slice_empty": unary(lambda t, x: x[:, 2:1]),
    "index_full_slice": unary(lambda t, x: x[:]),
    "index_full_slice_tuple": unary(lambda t, x: x[:, :]),
    "index_none": unary(lambda t, x: x[None]),
    "index_none_middle": unary(lambda t, x: x[:, None, 1]),
    "index_ellipsis": unary(lambda t, x: x[..., 0]),
    "index_ellipsis_alone": unary(lambda t, x: x[...]),
    "index_ellipsis_after": unary(lambda t, x: x[1, ...]),
    "index_vector": unary(lambda t, x: x[2], _vector),
    "index_vector_slice": unary(lambda t, x: x[::2], _vector),
    "index_int_tensor": unary(lambda t, x: x[t.tensor(1)]),
    # unbind and iteration: one UnbindBackward0 for all the slices
    "unbind_rows_combined": unary(lambda t, x: (lambda r: r[0] * 2 + r[1] * 3)(x.unbind())),
    "unbind_columns": unary(lambda t, x: (lambda c: c[0] - c[2])(t.unbind(x, 1))),
    "unbind_one_used": unary(lambda t, x: x.unbind()[1].exp()),
    "unbind_tuple": unary(lambda t, x: t.unbind(x, -1)),
    "iterate_rows": unary(lambda t, x: t.stack([row * (i + 1) for i, row in enumerate(x)])),
    "unpack_rows": unary(lambda t, x: (lambda a, b: a * b)(*x)),
    "iterate_vector": unary(lambda t, x: sum(x), _vector),
    # dtype conversions
    "double": unary(lambda t, x: x.double()),
    "float_of_double": unary(lambda t, x: x.float(), lambda t: _matrix(t, t.float64)),
    "to_dtype": unary(lambda t, x: x.to(t.float64)),
    "to_same_dtype": unary(lambda t, x: x.to(t.float32) * 2),
    # in place on non-leaves
    "in_place_operators": _in_place_chain,
    "in_place_methods": _in_place_methods,
    "in_place_neg_relu_clamp": unary(
        lambda t, x: (x * 1).neg_().relu_().clamp_(max=0.5)),
    "in_place_pow": unary(lambda t, x: (x + 0).pow_(2)),
    # chains
    "chain_exp_sum": unary(lambda t, x: (x * 2).exp().sum(1)),
    "chain_softmax_loss": unary(lambda t, x: -t.log_softmax(x @ _square(t), 1)[:, 0].mean()),
    "chain_neuron": binary(lambda t, w, v: t.sigmoid(t.mv(w, v) + 0.5).sum() ** 2,
                           _matrix, _vector),
    "chain_shared_inputs": binary(lambda t, a, b: (a * b + a.exp() * b).tanh().mean(0)),
}


def _weights(t, output):
    """A gradient for ``output.backward``: distinct values, so no two paths look alike."""
    values = (np.arange(output.numel()) * 0.25 + 1.0).reshape(tuple(output.shape))
    return t.tensor(values.tolist(), dtype=output.dtype)


def _differentiable(output):
    return output[0] if isinstance(output, tuple) else output


@pytest.mark.parametrize("name", OPS)
def test_forward_values_names_and_graph(name):
    def snippet(t):
        _, output = OPS[name](t)
        return output
    check(snippet)


@pytest.mark.parametrize("name", OPS)
def test_backward_gradients(name):
    def snippet(t):
        leaves, output = OPS[name](t)
        target = _differentiable(output)
        target.backward(_weights(t, target))
        return tuple(leaf.grad for leaf in leaves)
    check(snippet)


@pytest.mark.parametrize("name", OPS)
def test_second_backward_raises_only_where_torch_does(name):
    """Lazy freeing: torch raises only if a node on the way needs a freed saved tensor."""
    def snippet(t):
        leaves, output = OPS[name](t)
        target = _differentiable(output)
        target.backward(_weights(t, target))
        target.backward(_weights(t, target))
        return tuple(leaf.grad for leaf in leaves)
    check(snippet)


@pytest.mark.parametrize("name", OPS)
def test_retain_graph_allows_second_backward(name):
    def snippet(t):
        leaves, output = OPS[name](t)
        target = _differentiable(output)
        target.backward(_weights(t, target), retain_graph=True)
        first = tuple(leaf.grad.clone() for leaf in leaves)
        target.backward(_weights(t, target))
        return first, tuple(leaf.grad for leaf in leaves)
    check(snippet)


# ----------------------------------------------------------------- errors

def _leaf(t):
    return t.arange(3.0, requires_grad=True)


def _backward_twice(t):
    x = _leaf(t)
    y = (x * x).sum()
    y.backward()
    y.backward()


def _in_place_under_no_grad(t):
    x = _leaf(t)
    with t.no_grad():
        x += 1
        x.mul_(2)
        x[0] = 5.0
    return x


ERRORS = {
    # backward
    "backward_non_scalar": lambda t: (_leaf(t) * 2).backward(),
    "backward_non_scalar_leaf": lambda t: _leaf(t).backward(),
    "backward_without_grad": lambda t: t.ones(2).sum().backward(),
    "backward_without_grad_under_no_grad": lambda t: _no_grad_sum(t).backward(),
    "backward_gradient_shape": lambda t: (_leaf(t) * 2).backward(t.ones(2)),
    "backward_twice": _backward_twice,
    # requires_grad of integer tensors
    "factory_tensor_int": lambda t: t.tensor([1, 2], requires_grad=True),
    "factory_tensor_int_overflow": lambda t: t.tensor([2 ** 100]),
    "in_place_pow_leaf": lambda t: _ipow(_leaf(t), 2),
    "factory_tensor_bool": lambda t: t.tensor([True], requires_grad=True),
    "factory_tensor_int_dtype": lambda t: t.tensor([1.0], dtype=t.long, requires_grad=True),
    "factory_arange_int": lambda t: t.arange(3, requires_grad=True),
    "factory_zeros_int": lambda t: t.zeros(2, dtype=t.int64, requires_grad=True),
    "factory_ones_bool": lambda t: t.ones(2, dtype=t.bool, requires_grad=True),
    "factory_full_int": lambda t: t.full((2,), 3, requires_grad=True),
    "factory_zeros_like_int": lambda t: t.zeros_like(t.arange(2), requires_grad=True),
    "setter_int": lambda t: setattr(t.arange(3), "requires_grad", True),
    "setter_bool": lambda t: setattr(t.tensor([True]), "requires_grad", True),
    "method_int": lambda t: t.arange(3).requires_grad_(),
    "method_int_explicit": lambda t: t.arange(3).requires_grad_(True),
    "method_int_false_is_fine": lambda t: t.arange(3).requires_grad_(False),
    "setter_int_false_is_fine": lambda t: _set_requires_grad(t.arange(3), False),
    # requires_grad of non-leaves
    "non_leaf_setter_false": lambda t: setattr(_leaf(t) * 2, "requires_grad", False),
    "non_leaf_setter_true": lambda t: _set_requires_grad(_leaf(t) * 2, True),
    "non_leaf_method_false": lambda t: (_leaf(t) * 2).requires_grad_(False),
    "non_leaf_method_true": lambda t: (_leaf(t) * 2).requires_grad_(),
    # retain_grad and hooks
    "retain_grad_without_grad": lambda t: t.ones(2).retain_grad(),
    "retain_grad_int": lambda t: t.arange(2).retain_grad(),
    "hook_without_grad": lambda t: t.ones(2).register_hook(lambda g: g),
    # in place on leaves
    "in_place_add_leaf": lambda t: _leaf(t).add_(1),
    "in_place_operator_leaf": lambda t: _iadd(_leaf(t), 1),
    "in_place_mul_leaf": lambda t: _leaf(t).mul_(2),
    "in_place_zero_leaf": lambda t: _leaf(t).zero_(),
    "in_place_setitem_leaf": lambda t: _setitem(_leaf(t), 0, 1.0),
    "in_place_tensor_operand_leaf": lambda t: _iadd(_leaf(t), t.ones(3)),
    "in_place_leaf_under_no_grad": _in_place_under_no_grad,
    "in_place_leaf_without_grad": lambda t: _iadd(t.arange(3.0), 1),
    "in_place_int_float": lambda t: _iadd(t.arange(3), 0.5),
    "in_place_int_times_float": lambda t: t.arange(3).mul_(1.5),
    "in_place_int_div": lambda t: t.arange(3).div_(2),
    "in_place_float_plus_double": lambda t: _iadd(t.ones(2), t.ones(2, dtype=t.float64)),
    "in_place_float_plus_int": lambda t: _iadd(t.ones(2), t.arange(2)),
    "in_place_broadcast_into_smaller": lambda t: _iadd(t.ones(3), t.ones(2, 3)),
    # shapes
    "add_shapes": lambda t: t.ones(2) + t.ones(3),
    "sub_shapes": lambda t: t.ones(2, 3) - t.ones(2),
    "mul_shapes": lambda t: t.mul(t.ones(2, 3), t.ones(3, 2)),
    "div_shapes": lambda t: t.ones(4) / t.ones(3),
    "pow_shapes": lambda t: t.ones(4) ** t.ones(3),
    "eq_shapes": lambda t: t.ones(4) == t.ones(3),
    "maximum_shapes": lambda t: t.maximum(t.ones(4), t.ones(3)),
    "dot_sizes": lambda t: t.dot(t.ones(2), t.ones(3)),
    "dot_matrix": lambda t: t.dot(t.ones(2, 2), t.ones(2)),
    "dot_dtypes": lambda t: t.dot(t.ones(2), t.ones(2, dtype=t.float64)),
    "dot_int_float": lambda t: t.dot(t.arange(2), t.ones(2)),
    "mm_shapes": lambda t: t.mm(t.ones(2, 3), t.ones(2, 3)),
    "mm_vector": lambda t: t.mm(t.ones(3), t.ones(3, 3)),
    "mm_vector_second": lambda t: t.mm(t.ones(3, 3), t.ones(3)),
    "mm_dtypes": lambda t: t.mm(t.ones(2, 2), t.ones(2, 2, dtype=t.float64)),
    "mv_shapes": lambda t: t.mv(t.ones(2, 3), t.ones(2)),
    "mv_matrix": lambda t: t.mv(t.ones(2, 3), t.ones(3, 1)),
    "mv_dtypes": lambda t: t.mv(t.ones(2, 3), t.ones(3, dtype=t.float64)),
    "matmul_shapes": lambda t: t.matmul(t.ones(2, 3), t.ones(2, 3)),
    "matmul_matrix_vector_shapes": lambda t: t.ones(2, 3) @ t.ones(2),
    "matmul_vector_matrix_shapes": lambda t: t.ones(3) @ t.ones(2, 3),
    "matmul_vectors_shapes": lambda t: t.ones(3) @ t.ones(2),
    "matmul_zero_dim": lambda t: t.matmul(t.tensor(2.0), t.ones(2)),
    "matmul_dtypes": lambda t: t.ones(2, 2) @ t.ones(2, 2, dtype=t.float64),
    "matmul_number": lambda t: t.ones(2) @ 2,
    "outer_matrix": lambda t: t.outer(t.ones(2, 2), t.ones(2)),
    "view_non_contiguous": lambda t: t.ones(2, 3).t().view(6),
    "view_invalid": lambda t: t.ones(2, 3).view(4),
    "reshape_invalid": lambda t: t.ones(2, 3).reshape(5, -1),
    "reshape_two_unknown": lambda t: t.ones(2, 3).reshape(-1, -1),
    "reshape_negative": lambda t: t.ones(2, 3).reshape(-2, 3),
    "cat_sizes": lambda t: t.cat([t.ones(2, 3), t.ones(3, 2)]),
    "cat_dims": lambda t: t.cat([t.ones(2, 3), t.ones(3)]),
    "cat_empty": lambda t: t.cat([]),
    "cat_tensor": lambda t: t.cat(t.ones(2, 3)),
    "stack_sizes": lambda t: t.stack([t.ones(2), t.ones(3)]),
    "t_3d": lambda t: t.ones(1, 2, 3).t(),
    "flatten_order": lambda t: t.ones(2, 3).flatten(1, 0),
    # scalars
    "item_non_scalar": lambda t: t.ones(2).item(),
    "item_empty": lambda t: t.ones(0).item(),
    "float_non_scalar": lambda t: float(t.ones(2)),
    "bool_non_scalar": lambda t: bool(t.ones(2)),
    "len_zero_dim": lambda t: len(t.tensor(1.0)),
    "iter_zero_dim": lambda t: list(t.tensor(1.0)),
    "numpy_requires_grad": lambda t: _leaf(t).numpy(),
    # dtypes
    "mean_int": lambda t: t.arange(3).mean(),
    "mean_int_dim": lambda t: t.arange(6).reshape(2, 3).mean(dim=0),
    "mean_bool": lambda t: t.tensor([True, False]).mean(),
    "softmax_int": lambda t: t.softmax(t.arange(3), 0),
    "log_softmax_int": lambda t: t.arange(3).log_softmax(0),
    "bool_minus_bool": lambda t: t.tensor([True]) - t.tensor([False]),
    "bool_negation": lambda t: -t.tensor([True]),
    "int_negative_power": lambda t: t.arange(3) ** -1,
    "int_negative_power_tensor": lambda t: t.arange(3) ** t.tensor([-1, 2, 1]),
    "clamp_without_bounds": lambda t: t.ones(2).clamp(),
    "clamp_tensor_and_number": lambda t: t.ones(3).clamp(t.zeros(3), 1.0),
    "unbind_zero_dim": lambda t: t.tensor(1.0).unbind(),
    "unbind_dim_out_of_range": lambda t: t.ones(2).unbind(1),
    "iterate_zero_dim_requiring_grad": lambda t: list(_scalar(t)),
    "clamp_number_and_tensor": lambda t: t.ones(3).clamp(0, t.ones(3)),
    "sum_keepdim_without_dim": lambda t: t.ones(3).sum(keepdim=True),
    "mean_keepdim_without_dim": lambda t: t.ones(3).mean(keepdim=False),
    "max_keepdim_without_dim": lambda t: t.ones(3).max(keepdim=True),
    "min_keepdim_without_dim": lambda t: t.ones(3).min(keepdim=False),
    "max_of_empty": lambda t: t.ones(0).max(),
    "min_of_empty": lambda t: t.min(t.ones(2, 0)),
    "tensor_of_string": lambda t: t.tensor("abc"),
    "tensor_ragged": lambda t: t.tensor([[1.0, 2.0], [3.0]]),
    "zeros_negative": lambda t: t.zeros(-1),
    "arange_zero_step": lambda t: t.arange(0, 3, 0),
    "arange_wrong_sign": lambda t: t.arange(3, 0, 1),
    # indexing and dims
    "index_out_of_range": lambda t: t.ones(2, 3)[2],
    "index_out_of_range_negative": lambda t: t.ones(2, 3)[-3],
    "index_out_of_range_second_dim": lambda t: t.ones(2, 3)[0, 3],
    "index_out_of_range_column": lambda t: t.ones(2, 3)[:, -4],
    "index_too_many": lambda t: t.ones(2, 3)[0, 0, 0],
    "index_zero_dim": lambda t: t.tensor(1.0)[0],
    "index_float": lambda t: t.ones(3)[1.0],
    "index_negative_step": lambda t: t.ones(3)[::-1],
    "dim_sum": lambda t: t.ones(2, 3).sum(2),
    "dim_sum_negative": lambda t: t.ones(2, 3).sum(-3),
    "dim_mean": lambda t: t.ones(2, 3).mean(dim=(0, 5)),
    "dim_max": lambda t: t.ones(2, 3).max(dim=2),
    "dim_min": lambda t: t.ones(2, 3).min(-3),
    "dim_softmax": lambda t: t.ones(2, 3).softmax(2),
    "dim_transpose": lambda t: t.ones(2, 3).transpose(0, 2),
    "dim_unsqueeze": lambda t: t.ones(2, 3).unsqueeze(4),
    "dim_squeeze": lambda t: t.ones(2, 3).squeeze(2),
    "dim_cat": lambda t: t.cat([t.ones(2), t.ones(2)], 1),
    "dim_stack": lambda t: t.stack([t.ones(2), t.ones(2)], 2),
    "dim_size": lambda t: t.ones(2, 3).size(2),
    "dim_zero_dim_sum": lambda t: t.tensor(1.0).sum(1),
    "permute_wrong_count": lambda t: t.ones(2, 3).permute(0),
    "grad_assign_shape": lambda t: setattr(_leaf(t), "grad", t.ones(2)),
    "grad_assign_type": lambda t: setattr(_leaf(t), "grad", [1.0, 2.0, 3.0]),
}


def _no_grad_sum(t):
    x = _leaf(t)
    with t.no_grad():
        return (x * 2).sum()


def _set_requires_grad(tensor, value):
    tensor.requires_grad = value
    return tensor


def _ipow(tensor, other):
    tensor **= other
    return tensor


def _iadd(tensor, other):
    tensor += other
    return tensor


def _setitem(tensor, key, value):
    tensor[key] = value
    return tensor


@pytest.mark.parametrize("name", ERRORS)
def test_errors_and_edge_cases(name):
    check(ERRORS[name])


def test_error_cases_raise_somewhere():
    """Most of ERRORS raise in torch; the table is not a list of no-ops."""
    raised = sum(run(snippet, torch)[1] is not None for snippet in ERRORS.values())
    assert raised >= len(ERRORS) - 10


# ----------------------------------------------------------------- autograd semantics

def _grad_is_none_until_first_backward(t):
    x = t.arange(4.0, requires_grad=True)
    before = x.grad
    (x * 3).sum().backward()
    return before, x.grad


def _accumulates_in_place(t):
    x = t.arange(4.0, requires_grad=True)
    y = 2 * t.dot(x, x)
    y.backward()
    g = x.grad
    first = g.clone()
    x.sum().backward()
    (x ** 3).mean().backward()
    return first, g, x.grad, g is x.grad


def _zero_in_place(t):
    x = t.arange(4.0, requires_grad=True)
    x.sum().backward()
    g = x.grad
    returned = x.grad.zero_()
    zeroed = g.clone()
    (x * x).sum().backward()
    return returned is g, zeroed, g, x.grad is g


def _grad_set_to_none(t):
    x = t.arange(3.0, requires_grad=True)
    x.sum().backward()
    old = x.grad
    x.grad = None
    (2 * x).sum().backward()
    return old, x.grad, x.grad is old


def _grad_assigned(t):
    x = t.arange(3.0, requires_grad=True)
    x.grad = t.ones(3)
    x.sum().backward()
    return x.grad


def _sum_accumulates_without_retain(t):
    x = t.arange(3.0, requires_grad=True)
    u = x.sum()
    u.backward()
    u.backward()
    u.backward()
    return u, x.grad


def _lesson_flow(t):
    x = t.arange(4.0)
    x.requires_grad_(True)
    y = 2 * t.dot(x, x)
    y.backward()
    first = x.grad.clone()
    u = x.sum()
    u.backward()
    second = x.grad.clone()
    x.grad.zero_()
    u = x.sum()
    u.backward()
    return y, first, x.grad == 4 * x, second, u, x.grad


def _freed_then_retained(t):
    x = t.arange(3.0, requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward(retain_graph=True)
    y.backward()
    return x.grad


def _freed_part_of_graph(t):
    """A graph shared by two outputs: the shared part is freed by the first backward."""
    x = t.arange(3.0, requires_grad=True)
    h = x * x
    a, b = h.sum(), (h + 1).sum()
    a.backward()
    b.backward()


def _separate_graphs_share_leaf(t):
    x = t.arange(3.0, requires_grad=True)
    (x * x).sum().backward()
    (x * x).sum().backward()
    return x.grad


def _backward_with_gradient(t):
    x = t.arange(3.0, requires_grad=True)
    y = x * x
    y.backward(t.tensor([1.0, 0.5, 2.0]))
    return y, x.grad


def _backward_of_leaf(t):
    x = t.tensor(3.0, requires_grad=True)
    x.backward()
    x.backward(t.tensor(2.0))
    return x.grad


def _backward_returns_none(t):
    x = t.arange(3.0, requires_grad=True)
    return x.sum().backward()


def _dot_two_contributions(t):
    x = t.arange(3.0, requires_grad=True)
    y = t.dot(x, x)
    return y, y.grad_fn, y.grad_fn.next_functions[0][0] is y.grad_fn.next_functions[1][0]


def _accumulate_grad_variable(t):
    x = t.arange(3.0, requires_grad=True)
    y = x * 2
    node = y.grad_fn.next_functions[0][0]
    return node.variable is x, node.name(), node.next_functions, node.variable


def _same_accumulator_across_graphs(t):
    x = t.arange(3.0, requires_grad=True)
    a, b = x * 2, x.exp()
    return a.grad_fn.next_functions[0][0] is b.grad_fn.next_functions[0][0]


def _grad_fn_of_leaf_and_constant(t):
    x = t.arange(3.0, requires_grad=True)
    return x.grad_fn, t.ones(2).grad_fn, x.is_leaf, t.ones(2).is_leaf, (x * 2).is_leaf


def _requires_grad_flags(t):
    x = t.arange(3.0)
    before = x.requires_grad
    same = x.requires_grad_()
    c = t.ones(3)
    mixed = x * c
    x.requires_grad = False
    return before, same is x, mixed.requires_grad, (c * 2).requires_grad, x.requires_grad


def _requires_grad_false_on_leaf_stops_tracking(t):
    x = t.arange(3.0, requires_grad=True)
    x.requires_grad_(False)
    return x, x * 2


def _hook_on_leaf(t):
    x = t.arange(3.0, requires_grad=True)
    seen = []
    x.register_hook(lambda grad: seen.append(grad.clone()))
    x.register_hook(lambda grad: grad * 10)
    (x * x).sum().backward()
    return tuple(seen), x.grad


def _hook_on_non_leaf(t):
    x = t.arange(3.0, requires_grad=True)
    y = x * 2
    seen = []
    y.register_hook(lambda grad: seen.append(grad.clone()))
    y.register_hook(lambda grad: grad + 1)
    z = y * y
    z.sum().backward()
    return tuple(seen), x.grad


def _hook_removed(t):
    x = t.arange(3.0, requires_grad=True)
    handle = x.register_hook(lambda grad: grad * 100)
    handle.remove()
    handle.remove()
    y = x * 2
    handle_y = y.register_hook(lambda grad: grad * 100)
    handle_y.remove()
    y.sum().backward()
    return x.grad


def _hook_removed_between_backwards(t):
    x = t.arange(3.0, requires_grad=True)
    handle = x.register_hook(lambda grad: grad * 2)
    x.sum().backward()
    first = x.grad.clone()
    handle.remove()
    x.sum().backward()
    return first, x.grad


def _hook_order_with_retain_grad(t):
    x = t.arange(3.0, requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda grad: grad * 3)
    (y * y).sum().backward()
    return y.grad, x.grad


def _retain_grad(t):
    x = t.arange(3.0, requires_grad=True)
    y = x * 2
    before = y.retains_grad
    y.retain_grad()
    y.retain_grad()
    z = (y * y).sum()
    z.backward()
    return before, y.retains_grad, y.grad, x.grad, x.retains_grad


def _retain_grad_accumulates(t):
    x = t.arange(3.0, requires_grad=True)
    y = x * 2
    y.retain_grad()
    s = y.sum()
    s.backward(retain_graph=True)
    s.backward()
    return y.grad


def _retain_grad_on_leaf(t):
    x = t.arange(3.0, requires_grad=True)
    x.retain_grad()
    x.sum().backward()
    return x.retains_grad, x.grad


def _non_leaf_grad_warning(t):
    x = t.arange(3.0, requires_grad=True)
    y = x * 2
    y.sum().backward()
    return y.grad


def _non_leaf_grad_no_warning_after_retain(t):
    x = t.arange(3.0, requires_grad=True)
    y = x * 2
    y.retain_grad()
    return y.grad


def _no_grad(t):
    x = t.arange(3.0, requires_grad=True)
    with t.no_grad():
        inside = t.is_grad_enabled()
        y = x * 2
        z = x.exp()
        with t.enable_grad():
            w = x * 3
            nested = t.is_grad_enabled()
        after_nested = t.is_grad_enabled()
    return t.is_grad_enabled(), inside, nested, after_nested, y, z, w, y.is_leaf


def _no_grad_decorator(t):
    @t.no_grad()
    def double(v):
        return v * 2, t.is_grad_enabled()

    x = t.arange(3.0, requires_grad=True)
    return double(x), t.is_grad_enabled()


def _enable_grad_decorator(t):
    @t.enable_grad()
    def double(v):
        return v * 2

    x = t.arange(3.0, requires_grad=True)
    with t.no_grad():
        y = double(x)
    return y


def _no_grad_restores_after_error(t):
    try:
        with t.no_grad():
            raise KeyError("boom")
    except KeyError:
        pass
    return t.is_grad_enabled()


def _no_grad_comparisons(t):
    x = t.arange(3.0, requires_grad=True)
    return x > 1, x == x, x != 2, x < 1.5, x <= 1, x >= 1, (x * 2) > 1


def _detach(t):
    x = t.arange(3.0, requires_grad=True)
    y = x * 2
    d = y.detach()
    d2 = x.detach()
    d2[0] = 10.0
    return d, d.requires_grad, d.is_leaf, d.grad_fn, x, d2


def _detach_blocks_gradient(t):
    x = t.arange(3.0, requires_grad=True)
    y = x * x.detach()
    y.sum().backward()
    return y, x.grad


def _data(t):
    x = t.arange(3.0, requires_grad=True)
    d = x.data
    with t.no_grad():
        pass
    d.mul_(2)
    y = x * 2
    return d, d.requires_grad, d.is_leaf, x, y, (y.data, y.data.grad_fn)


def _data_update_like_sgd(t):
    w = t.tensor([1.0, -2.0], requires_grad=True)
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        w.data -= 0.1 * w.grad.data
        w.grad.zero_()
    return w, loss


def _sgd_with_no_grad(t):
    w = t.tensor([1.0, -2.0], requires_grad=True)
    for _ in range(3):
        loss = ((w - 1) ** 2).mean()
        loss.backward()
        with t.no_grad():
            w -= 0.5 * w.grad
        w.grad = None
    return w, loss, w.grad


def _clone_keeps_graph(t):
    x = t.arange(3.0, requires_grad=True)
    c = x.clone()
    c.sum().backward()
    return c, x.grad


def _tensor_state(t):
    x = t.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    return (x.shape, x.size(), x.size(0), x.size(-1), x.dim(), x.ndim, x.numel(), x.dtype,
            x.shape[1], len(x), x.T.shape, x.tolist(), x.detach().numpy(), x.sum().item(),
            t.tensor(3).item(), t.tensor(True).item(), t.tensor([2.5]).item())


def _isinstance(t):
    return isinstance(t.ones(2), t.Tensor), isinstance(t.ones(2) * 2, t.Tensor), t.is_tensor(1)


def _dtype_names(t):
    return (t.float32, t.float64, t.int64, t.bool, t.float, t.double, t.long,
            str(t.float32), repr(t.float64), t.float is t.float32, t.double is t.float64,
            t.long is t.int64, t.ones(1).dtype is t.float32)


def _equal_allclose(t):
    a = t.tensor([1.0, 2.0])
    return (t.equal(a, a.clone()), t.equal(a, t.tensor([1.0, 2.5])), a.equal(a),
            t.equal(a, t.tensor([1.0, 2.0, 3.0])), t.allclose(a, a + 1e-9),
            t.allclose(a, a + 1e-3), a.allclose(a * 1.0000001), t.allclose(a, a + 0.5, atol=1))


def _item_and_conversions(t):
    x = t.tensor([2.5])
    return x.item(), float(x), int(x), bool(x), t.tensor(3).item(), f"{t.tensor(2.25):.1f}"


SEMANTICS = {
    name.lstrip("_"): function for name, function in list(globals().items())
    if name.startswith("_") and callable(function) and name in {
        "_grad_is_none_until_first_backward", "_accumulates_in_place", "_zero_in_place",
        "_grad_set_to_none", "_grad_assigned", "_sum_accumulates_without_retain",
        "_lesson_flow", "_freed_then_retained", "_freed_part_of_graph",
        "_separate_graphs_share_leaf", "_backward_with_gradient", "_backward_of_leaf",
        "_backward_returns_none", "_dot_two_contributions", "_accumulate_grad_variable",
        "_same_accumulator_across_graphs", "_grad_fn_of_leaf_and_constant",
        "_requires_grad_flags", "_requires_grad_false_on_leaf_stops_tracking", "_hook_on_leaf",
        "_hook_on_non_leaf", "_hook_removed", "_hook_removed_between_backwards",
        "_hook_order_with_retain_grad", "_retain_grad", "_retain_grad_accumulates",
        "_retain_grad_on_leaf", "_non_leaf_grad_warning", "_non_leaf_grad_no_warning_after_retain",
        "_no_grad", "_no_grad_decorator", "_enable_grad_decorator",
        "_no_grad_restores_after_error", "_no_grad_comparisons", "_detach",
        "_detach_blocks_gradient", "_data", "_data_update_like_sgd", "_sgd_with_no_grad",
        "_clone_keeps_graph", "_tensor_state", "_isinstance", "_dtype_names", "_equal_allclose",
        "_item_and_conversions",
    }
}


@pytest.mark.parametrize("name", SEMANTICS)
def test_autograd_semantics(name):
    check(SEMANTICS[name])


def test_non_leaf_grad_warning_is_compared():
    _, _, shown = run(_non_leaf_grad_warning, torch)
    assert shown and shown[0][0] == "UserWarning"


# ----------------------------------------------------------------- factories

FACTORIES = {
    "tensor_floats": lambda t: t.tensor([1.0, 2.5, -3.0]),
    "tensor_ints": lambda t: t.tensor([[1, 2], [3, 4]]),
    "tensor_bools": lambda t: t.tensor([True, False]),
    "tensor_mixed": lambda t: t.tensor([1, 2.5, True]),
    "tensor_int_and_bool": lambda t: t.tensor([1, True]),
    "tensor_scalar_float": lambda t: t.tensor(3.5),
    "tensor_scalar_int": lambda t: t.tensor(7),
    "tensor_scalar_bool": lambda t: t.tensor(False),
    "tensor_empty": lambda t: t.tensor([]),
    "tensor_empty_nested": lambda t: t.tensor([[], []]),
    "tensor_tuple": lambda t: t.tensor((1.0, 2.0)),
    "tensor_dtype": lambda t: t.tensor([1, 2], dtype=t.float64),
    "tensor_dtype_float": lambda t: t.tensor([1, 2], dtype=t.float),
    "tensor_dtype_long": lambda t: t.tensor([1.7, -2.7], dtype=t.long),
    "tensor_dtype_bool": lambda t: t.tensor([0.0, 2.0], dtype=t.bool),
    "tensor_requires_grad": lambda t: t.tensor([1.0, 2.0], requires_grad=True),
    "tensor_double_requires_grad": lambda t: t.tensor([1, 2], dtype=t.double,
                                                      requires_grad=True),
    "tensor_of_tensor": lambda t: t.tensor(t.arange(3.0)),
    "tensor_of_tensors": lambda t: t.tensor([t.tensor(1.0), t.tensor(2.0)]),
    "tensor_large": lambda t: t.tensor([float(i) / 7 for i in range(2000)]),
    "tensor_sci": lambda t: t.tensor([1e-5, 1.0, 1e6]),
    "arange_end": lambda t: t.arange(5),
    "arange_float_end": lambda t: t.arange(4.0),
    "arange_start_end": lambda t: t.arange(2, 7),
    "arange_step": lambda t: t.arange(0, 10, 3),
    "arange_float_step": lambda t: t.arange(0, 1, 0.25),
    "arange_negative_step": lambda t: t.arange(5, 0, -2),
    "arange_dtype": lambda t: t.arange(3, dtype=t.float64),
    "arange_requires_grad": lambda t: t.arange(3.0, requires_grad=True),
    "arange_empty": lambda t: t.arange(0),
    "zeros": lambda t: t.zeros(2, 3),
    "zeros_tuple": lambda t: t.zeros((2, 3)),
    "zeros_list": lambda t: t.zeros([3]),
    "zeros_scalar": lambda t: t.zeros(()),
    "zeros_dtype": lambda t: t.zeros(2, dtype=t.int64),
    "zeros_requires_grad": lambda t: t.zeros(2, requires_grad=True),
    "ones": lambda t: t.ones(3),
    "ones_dtype": lambda t: t.ones(2, 2, dtype=t.bool),
    "ones_requires_grad": lambda t: t.ones(2, dtype=t.float64, requires_grad=True),
    "full": lambda t: t.full((2, 2), 1.5),
    "full_int": lambda t: t.full((3,), 7),
    "full_bool": lambda t: t.full((2,), True),
    "full_dtype": lambda t: t.full((2,), 7, dtype=t.float32),
    "full_requires_grad": lambda t: t.full((2,), 0.5, requires_grad=True),
    "zeros_like": lambda t: t.zeros_like(t.arange(3)),
    "zeros_like_dtype": lambda t: t.zeros_like(t.arange(3), dtype=t.float32),
    "zeros_like_requires_grad": lambda t: t.zeros_like(t.ones(2), requires_grad=True),
    "zeros_like_of_graph": lambda t: t.zeros_like(t.ones(2, requires_grad=True) * 2),
    "ones_like": lambda t: t.ones_like(t.ones(2, 3, dtype=t.float64)),
    "ones_like_requires_grad": lambda t: t.ones_like(t.ones(2), requires_grad=True),
    "linspace": lambda t: t.linspace(0, 1, 5),
    "linspace_negative": lambda t: t.linspace(-1, 1, 4),
    "linspace_many": lambda t: t.linspace(-3.7, 11.3, 37),
    "linspace_one": lambda t: t.linspace(2, 3, 1),
    "linspace_dtype": lambda t: t.linspace(0, 1, 3, dtype=t.float64),
    "linspace_requires_grad": lambda t: t.linspace(0, 1, 3, requires_grad=True),
    "eye": lambda t: t.eye(3),
    "eye_rectangular": lambda t: t.eye(2, 3),
    "eye_dtype": lambda t: t.eye(2, dtype=t.int64),
    "eye_requires_grad": lambda t: t.eye(2, requires_grad=True),
    "rand_shape": lambda t: _shape_and_range(t.rand(2, 3)),
    "rand_dtype": lambda t: _shape_and_range(t.rand(4, dtype=t.float64)),
    "randn_shape": lambda t: tuple(t.randn(3, 2, requires_grad=True).shape),
    "randn_requires_grad": lambda t: t.randn((2,), requires_grad=True).requires_grad,
    "manual_seed_repeats": lambda t: _seeded_twice(t),
}


def _shape_and_range(tensor):
    values = tensor.tolist()
    flat = values if not values or not isinstance(values[0], list) else sum(values, [])
    return tuple(tensor.shape), str(tensor.dtype), all(0 <= v < 1 for v in flat)


def _seeded_twice(t):
    t.manual_seed(3)
    first = t.rand(4).tolist()
    t.manual_seed(3)
    return first == t.rand(4).tolist()


@pytest.mark.parametrize("name", FACTORIES)
def test_factories(name):
    check(FACTORIES[name])


# ----------------------------------------------------------------- type promotion

OPERANDS = {
    "f32": lambda t: t.tensor([1.5, -2.0, 3.0]),
    "f64": lambda t: t.tensor([0.25, 2.0, -1.0], dtype=t.float64),
    "i64": lambda t: t.tensor([3, -2, 2]),
    "bool": lambda t: t.tensor([True, False, True]),
    "f32_0d": lambda t: t.tensor(2.5),
    "f64_0d": lambda t: t.tensor(-1.5, dtype=t.float64),
    "i64_0d": lambda t: t.tensor(3),
    "bool_0d": lambda t: t.tensor(True),
    "int": lambda t: 2,
    "float": lambda t: 0.5,
    "bool_scalar": lambda t: True,
}

BINARY_OPERATORS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}

PYTHON_SCALARS = ("int", "float", "bool_scalar")
PAIRS = [(a, b) for a in OPERANDS for b in OPERANDS
         if not (a in PYTHON_SCALARS and b in PYTHON_SCALARS)]


@pytest.mark.parametrize("operator", BINARY_OPERATORS)
@pytest.mark.parametrize(("left", "right"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_type_promotion(operator, left, right):
    def snippet(t):
        return BINARY_OPERATORS[operator](OPERANDS[left](t), OPERANDS[right](t))
    check(snippet)


@pytest.mark.parametrize(("left", "right"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_type_promotion_of_functions_and_gradients(left, right):
    """The function forms promote alike; gradients come back in each input's own dtype."""
    def snippet(t):
        a, b = OPERANDS[left](t), OPERANDS[right](t)
        results = [t.add(a, b) if isinstance(a, t.Tensor) else None,
                   t.mul(a, b) if isinstance(a, t.Tensor) else None]
        leaves = [v for v in (a, b) if isinstance(v, t.Tensor) and v.dtype.is_floating_point]
        for leaf in leaves:
            leaf.requires_grad_()
        if leaves:
            (a * b + a / b - b).sum().backward()
        return tuple(results), tuple(leaf.grad for leaf in leaves)
    check(snippet)


@pytest.mark.parametrize("operand", [name for name in OPERANDS if name != "bool_scalar"])
@pytest.mark.parametrize("function", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid",
                                      "relu", "abs", "neg", "sum", "mean", "max", "min",
                                      "softmax", "clamp", "double", "float", "long", "bool"])
def test_dtypes_of_unary_functions(function, operand):
    def snippet(t):
        value = OPERANDS[operand](t)
        if not isinstance(value, t.Tensor):
            value = t.tensor(value)
        if function == "softmax":
            return t.softmax(value, 0)
        if function == "clamp":
            return value.clamp(min=0), value.clamp(max=1.5), value.clamp(0, 2)
        if function in ("double", "float", "long", "bool"):
            return getattr(value, function)()
        return getattr(t, function)(value)
    check(snippet)


# ----------------------------------------------------------------- in place and versions

def _modified_saved_leaf(t):
    x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    with t.no_grad():
        x += 1
    y.sum().backward()


def _modified_saved_output(t):
    x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.exp()
    y += 1
    y.sum().backward()


def _modified_saved_input(t):
    x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    z = y.pow(2)
    y.mul_(2)
    z.sum().backward()


def _modified_input_current_name(t):
    x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    z = y.max()
    y.add_(1)
    z.backward()


def _modified_through_view(t):
    x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
    z = (x * 2).tanh()
    w = z.view(3)
    with t.no_grad():
        w.add_(1)
    z.sum().backward()


def _modified_constant(t):
    x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = t.ones(3)
    z = x * c
    c.zero_()
    z.sum().backward()


def _modified_constant_setitem(t):
    x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = t.ones(2, 3)
    z = t.mv(c, x) + (c * x).sum()
    c[1, 2] = 4.0
    z.sum().backward()


def _modified_through_detach(t):
    x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    z = y * y
    y.detach().zero_()
    z.sum().backward()


def _modified_through_data_is_allowed(t):
    x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    z = y * y
    y.data.zero_()
    z.sum().backward()
    return x.grad, z


def _modified_unsaved_is_allowed(t):
    x = t.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    z = y.sum() + (y + 1).sum()
    y.add_(1)
    z.backward()
    return x.grad, y


def _in_place_chain_versions(t):
    x = t.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x * 1
    y.neg_()
    y.relu_()
    y.clamp_(max=0.5)
    y.sum().backward()


def _in_place_needs_original_self(t):
    """y.mul_(b) needs y's old values for b's gradient (torch keeps a copy)."""
    x = t.tensor([1.0, -2.0, 3.0], requires_grad=True)
    b = t.tensor([0.5, 2.0, -1.0], requires_grad=True)
    y = x + 1
    y.mul_(b)
    y.div_(b + 3)
    y.sum().backward()
    return y, x.grad, b.grad


def _in_place_then_new_graph(t):
    w = t.tensor([1.0, -2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    with t.no_grad():
        w -= 0.1 * w.grad
    w.grad.zero_()
    loss = (w * w).sum()
    loss.backward()
    return w, w.grad


def _in_place_on_view_without_grad(t):
    c = t.zeros(2, 3)
    row = c[1]
    row += 1
    c[0, 1:] = 5.0
    column = c.t()[2]
    column *= 2
    return c, row, column


def _in_place_on_leaf_view(t):
    x = t.ones(2, 3, requires_grad=True)
    x.t().add_(1)


def _in_place_on_leaf_view_index(t):
    x = t.ones(2, 3, requires_grad=True)
    v = x[0]
    v.mul_(2)


def _in_place_on_unbind_output(t):
    rows = (t.ones(2, 3, requires_grad=True) * 2).unbind()
    rows[1].add_(1)


def _in_place_on_unbound_leaf(t):
    first, _ = t.ones(2, 3, requires_grad=True)
    first.mul_(2)


def _in_place_retain_graph_then_modify(t):
    x = t.tensor([1.0, 2.0], requires_grad=True)
    y = x.sigmoid()
    z = y * 1
    z.sum().backward(retain_graph=True)
    y.mul_(2)
    z.sum().backward()


def _version_error_keeps_earlier_gradients(t):
    x = t.tensor([1.0, 2.0], requires_grad=True)
    a = t.tensor([3.0, 4.0], requires_grad=True)
    y = x.exp()
    out = (y * 1).sum() + a.sum()
    y.add_(1)
    try:
        out.backward()
    except RuntimeError:
        pass
    return a.grad, x.grad


IN_PLACE = {name.lstrip("_"): function for name, function in list(globals().items())
            if name.startswith(("_modified", "_in_place_", "_version_")) and callable(function)
            and name != "_in_place_chain"}


@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_and_version_checks(name):
    check(IN_PLACE[name])


# ----------------------------------------------------------------- arguments that are not tensors

UNARY_FUNCTIONS = ["exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "neg",
                   "sum", "mean", "max", "min", "flatten", "clone", "t", "squeeze"]



def _given_a_number(name):
    return lambda t: getattr(t, name)(2.0)


ARGUMENTS = {
    **{f"{name}_of_number": _given_a_number(name) for name in UNARY_FUNCTIONS},
    "softmax_of_number": lambda t: t.softmax(2.0, 0),
    "log_softmax_of_list": lambda t: t.log_softmax([1.0], 0),
    "reshape_of_number": lambda t: t.reshape(2.0, (1,)),
    "transpose_of_number": lambda t: t.transpose(1.0, 0, 0),
    "unsqueeze_of_number": lambda t: t.unsqueeze(1.0, 0),
    "permute_of_number": lambda t: t.permute(1.0, (0,)),
    "dot_number_second": lambda t: t.dot(t.ones(2), 2),
    "dot_number_first": lambda t: t.dot(2, t.ones(2)),
    "mm_list": lambda t: t.mm(t.ones(2, 2), [1]),
    "mv_number": lambda t: t.mv(t.ones(2, 2), 1.0),
    "matmul_number": lambda t: t.matmul(t.ones(2), 1),
    "outer_number": lambda t: t.outer(t.ones(2), 1),
    "maximum_number": lambda t: t.maximum(t.ones(2), 2.0),
    "minimum_number_first": lambda t: t.minimum(1, t.ones(2)),
    "equal_number": lambda t: t.equal(t.ones(1), 1),
    "allclose_number": lambda t: t.allclose(t.ones(1), 1.0),
    "add_string": lambda t: t.add(t.ones(2), "a"),
    "mul_none": lambda t: t.mul(t.ones(2), None),
    "sub_string_first": lambda t: t.sub("a", t.ones(2)),
    "add_numbers": lambda t: t.add(2, 3),
    "mul_numbers": lambda t: t.mul(2.0, 3),
    "div_numbers": lambda t: t.div(1, 2),
    "mul_number_first": lambda t: t.mul(2.0, t.arange(3)),
    "sub_number_first": lambda t: t.sub(2, t.ones(2)),
    "div_number_first": lambda t: t.div(2, t.arange(1, 3)),
    "pow_number_first": lambda t: t.pow(2, t.arange(3)),
    "operator_string": lambda t: t.ones(1) + "a",
    "operator_none": lambda t: t.ones(1) * None,
    "compare_string_equal": lambda t: t.ones(1) == "a",
    "compare_string_less": lambda t: t.ones(1) < "a",
    "matmul_operator_reflected": lambda t: 2 @ t.ones(2),
    "cat_number": lambda t: t.cat([t.ones(2), 1]),
    "stack_number": lambda t: t.stack([t.ones(2), 1.0]),
    "cat_tensor": lambda t: t.cat(t.ones(2)),
}


@pytest.mark.parametrize("name", ARGUMENTS)
def test_arguments_that_are_not_tensors(name):
    check(ARGUMENTS[name])


RESHAPES = {
    "contiguous": lambda t, a: a.reshape(12),
    "slice_of_rows": lambda t, a: a[1:].reshape(8),
    "transposed_copy": lambda t, a: a.t().reshape(12),
    "transposed_alias": lambda t, a: a.t().reshape(4, 3),
    "strided_columns": lambda t, a: a[:, ::2].reshape(-1),
    "column": lambda t, a: a[:, 1].reshape(3, 1),
    "narrow_copy": lambda t, a: a[:, :2].reshape(6),
    "narrow_alias": lambda t, a: a[:, :2].reshape(3, 2),
    "flatten_strided": lambda t, a: a[:, ::2].flatten(),
    "flatten_transposed": lambda t, a: a.t().flatten(),
    "flatten_strided_vector": lambda t, a: a.reshape(-1)[::2].flatten(),
    "view_strided_vector": lambda t, a: a.reshape(-1)[::2].view(2, 3),
    "unsqueezed_transpose": lambda t, a: a.t().unsqueeze(0).reshape(4, 3),
    "double_transpose": lambda t, a: a.t().t().reshape(12),
}


@pytest.mark.parametrize("name", RESHAPES)
def test_reshape_view_alias_or_copy(name):
    """torch's reshape is a view, an alias of a non-contiguous input, or a copy."""
    def snippet(t):
        x = t.arange(12.0, requires_grad=True)
        result = RESHAPES[name](t, x.reshape(3, 4))
        result.backward(t.arange(float(result.numel())).reshape(result.shape))
        return result, x.grad
    check(snippet)


# ----------------------------------------------------------------- corners

def _hook_changes_size(t):
    x = t.ones(3, requires_grad=True)
    x.register_hook(lambda grad: t.ones(2))
    x.sum().backward()


def _hook_changes_dtype(t):
    x = t.ones(3, requires_grad=True)
    y = x * 2

    def to_double(grad):
        return grad.double()

    y.register_hook(to_double)
    y.sum().backward()


def _retain_grad_of_shared_input(t):
    x = t.arange(3.0, requires_grad=True)
    y = x * 2
    y.retain_grad()
    t.dot(y, y).backward()
    return y.grad, x.grad


CORNERS = {
    "T_zero_dim_is_a_permute": lambda t: _quiet(lambda: t.tensor(2.0, requires_grad=True).T),
    "T_vector": lambda t: _quiet(lambda: t.ones(3, requires_grad=True).T),
    "T_3d_shape": lambda t: _quiet(lambda: t.ones(2, 3, 4).T.shape),
    "grad_assign_double": lambda t: setattr(t.ones(3, requires_grad=True), "grad",
                                            t.ones(3, dtype=t.float64)),
    "grad_assign_long": lambda t: setattr(t.ones(3, requires_grad=True), "grad",
                                          t.ones(3, dtype=t.int64)),
    "grad_assign_float_to_double": lambda t: setattr(
        t.ones(3, dtype=t.float64, requires_grad=True), "grad", t.ones(3)),
    "hook_changes_size": _hook_changes_size,
    "hook_changes_dtype": _hook_changes_dtype,
    "retain_grad_of_shared_input": _retain_grad_of_shared_input,
    "pow_by_int_zero_dim": lambda t: t.tensor([1.0, 2.0], requires_grad=True) ** t.tensor(2),
    "size_of_zero_dim": lambda t: (t.tensor(1.0).size(), t.tensor(1.0).shape,
                                   t.tensor(1.0).numel(), t.tensor(1.0).dim()),
    "squeeze_tuple": lambda t: t.ones(1, 3, 1, requires_grad=True).squeeze((0, 2)),
    "squeeze_list_partial": lambda t: t.ones(1, 3, 1, requires_grad=True).squeeze([0, 1]),
    "squeeze_zero_dim": lambda t: t.tensor(1.0, requires_grad=True).squeeze(),
    "unsqueeze_zero_dim": lambda t: t.tensor(1.0, requires_grad=True).unsqueeze(0),
    "view_zero_dim": lambda t: t.tensor(1.0, requires_grad=True).view(-1),
    "stack_zero_dim": lambda t: t.stack([t.tensor(1.0, requires_grad=True), t.tensor(2.0)]),
    "stack_zero_dim_bad_dim": lambda t: t.stack([t.tensor(1.0), t.tensor(2.0)], 1),
    "cat_zero_dim": lambda t: t.cat([t.ones(2), t.tensor(1.0)]),
    "cat_mixed_dtypes": lambda t: t.cat([t.ones(2), t.arange(2)]),
    "sum_empty_dims": lambda t: t.ones(2, 3, requires_grad=True).sum(dim=()),
    "mean_empty_dims": lambda t: t.ones(2, 3, requires_grad=True).mean(dim=[]),
    "mean_of_empty": lambda t: t.ones(0).mean(),
    "softmax_dtype": lambda t: t.softmax(t.ones(3, requires_grad=True), 0, dtype=t.float64),
    "log_softmax_dtype": lambda t: t.ones(3, requires_grad=True).log_softmax(0,
                                                                              dtype=t.float64),
    "max_int_dim": lambda t: t.tensor([[1, 5], [7, 2]]).max(1),
    "min_bool": lambda t: t.tensor([True, False]).min(),
    "matmul_ints": lambda t: t.arange(6).reshape(2, 3) @ t.arange(3),
    "dot_bools": lambda t: t.dot(t.tensor([True, False]), t.tensor([True, True])),
    "mm_bools": lambda t: t.mm(t.ones(2, 2, dtype=t.bool), t.ones(2, 2, dtype=t.bool)),
    "mv_bools": lambda t: t.mv(t.ones(2, 2, dtype=t.bool), t.ones(2, dtype=t.bool)),
    "outer_bools": lambda t: t.outer(t.ones(2, dtype=t.bool), t.ones(2, dtype=t.bool)),
    "outer_ints": lambda t: t.outer(t.arange(2), t.arange(3)),
    "abs_of_neg": lambda t: abs(-t.arange(3.0, requires_grad=True)),
    "int_true_div": lambda t: t.arange(4) / t.arange(1, 5),
    "detach_then_requires_grad": lambda t: t.ones(2, requires_grad=True).detach().requires_grad_(),
    "to_long_drops_grad": lambda t: (t.ones(2, requires_grad=True) * 2).long(),
    "to_bool_drops_grad": lambda t: (t.ones(2, requires_grad=True) * 2).bool(),
    "transpose_zero_dim": lambda t: t.tensor(1.0, requires_grad=True).transpose(0, -1),
    "t_zero_dim": lambda t: t.tensor(1.0, requires_grad=True).t(),
    "t_vector": lambda t: t.ones(3, requires_grad=True).t(),
    "permute_negative": lambda t: t.ones(2, 3, requires_grad=True).permute(-1, 0),
    "permute_duplicate": lambda t: t.ones(2, 3).permute(0, 0),
    "index_none_of_zero_dim": lambda t: t.tensor(1.0, requires_grad=True)[None],
    "index_ellipsis_of_zero_dim": lambda t: t.tensor(1.0, requires_grad=True)[...],
    "index_float_tensor": lambda t: t.ones(3)[t.tensor(1.0)],
    "index_step_zero": lambda t: t.ones(3)[::0],
    "numpy_of_view": lambda t: t.ones(2, 3)[0].numpy(),
    "tolist_zero_dim": lambda t: t.tensor(2.5).tolist(),
    "full_third": lambda t: t.full((2,), 1 / 3, dtype=t.float64),
    "linspace_int_arguments": lambda t: t.linspace(0, 10, 5),
    "arange_tenths": lambda t: t.arange(0, 1, 0.1),
    "arange_negative_start": lambda t: t.arange(-1, 1.3, 0.3),
    "eye_zero": lambda t: t.eye(0),
    "eye_negative": lambda t: t.eye(-1),
    "linspace_negative_steps": lambda t: t.linspace(0, 1, -1),
    "zeros_like_bool": lambda t: t.zeros_like(t.tensor([True])),
    "tensor_nested_tensors": lambda t: t.tensor([[t.tensor(1.0), 2.0]]),
    "tensor_of_double_tensors": lambda t: t.tensor([t.tensor(1.0, dtype=t.float64), 2.0]),
    "tensor_numpy_ints": lambda t: t.tensor(np.arange(3)),
    "tensor_numpy_doubles": lambda t: t.tensor(np.ones(2)),
    "tensor_numpy_double_scalar": lambda t: t.tensor(np.float64(2.5)),
    "tensor_numpy_scalars_in_list": lambda t: t.tensor([np.float64(1.0), 2.0]),
    "tensor_numpy_float32_in_list": lambda t: t.tensor([np.float32(1.0), 2]),
    "tensor_numpy_with_dtype": lambda t: t.tensor(np.ones(2), dtype=t.float32),
    "tensor_big_int": lambda t: t.tensor([2 ** 40]),
    "tensor_negative_zero": lambda t: t.tensor([-0.0, 0.0]),
    "tensor_inf_nan": lambda t: t.tensor([float("inf"), float("nan"), 1.5]),
    "log_of_zero": lambda t: t.log(t.tensor([0.0, 1.0], requires_grad=True)),
    "sqrt_of_negative": lambda t: t.sqrt(t.tensor([-1.0, 4.0])),
    "div_by_zero": lambda t: t.tensor([1.0, -1.0, 0.0]) / 0,
    "int_div_by_zero": lambda t: t.arange(3) / 0,
    "zero_to_zero": lambda t: t.tensor([0.0]) ** 0,
    "int_mul_bool_in_place": lambda t: t.arange(3).mul_(True),
    "sum_of_ints_needs_no_grad": lambda t: t.arange(3).sum().requires_grad,
    "exp_of_ints": lambda t: t.exp(t.arange(3)),
    "sqrt_of_bools": lambda t: t.sqrt(t.tensor([True, False])),
    "sigmoid_of_ints": lambda t: t.sigmoid(t.arange(3)),
    "relu_of_ints": lambda t: t.relu(t.tensor([-1, 2])),
    "neg_of_ints": lambda t: -t.arange(3),
    "clone_of_ints": lambda t: t.arange(3).clone(),
    "allclose_shapes": lambda t: t.allclose(t.ones(2), t.ones(3)),
    "equal_dtypes": lambda t: t.equal(t.ones(2), t.ones(2, dtype=t.float64)),
    "equal_int_float": lambda t: t.equal(t.ones(2), t.ones(2, dtype=t.int64)),
    "eq_method_number": lambda t: t.arange(3).eq(1),
}


def _quiet(function):
    """torch warns about ``.T`` once per process; compare what ``.T`` returns, not that."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return function()


@pytest.mark.parametrize("name", CORNERS)
def test_corners(name):
    check(CORNERS[name])


T_WARNINGS = """
import sys, warnings
sys.path.insert(0, {root!r})
import {module} as torch
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    torch.ones(3).T
    torch.ones(2, 3, 4).T
    torch.ones(2, 3).T
    torch.tensor(1.0).T
    torch.tensor(2.0).T
for warning in caught:
    print(warning.category.__name__, str(warning.message))
"""


def test_transpose_property_warns_once_per_process_as_torch_does():
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[2])
    shown = {}
    for module in ("torch", "engine"):
        completed = subprocess.run(
            [sys.executable, "-c", T_WARNINGS.format(root=root, module=module)],
            capture_output=True, text=True, timeout=120, check=True)
        shown[module] = completed.stdout.splitlines()
    assert len(shown["torch"]) == 2
    assert shown["engine"] == shown["torch"]


# ----------------------------------------------------------------- infinities and nans

def _nonfinite_leaf(t):
    return t.tensor([0.0, 1.0, -2.0, float("inf"), float("-inf"), float("nan")],
                    requires_grad=True)


NONFINITE_OPS = {
    "relu_reciprocal": lambda t, x: 1.0 / x.relu(),
    "relu_sqrt": lambda t, x: x.relu() ** 0.5,
    "maximum_nan": lambda t, x: t.maximum(x, t.zeros(6)),
    "max_with_nan": lambda t, x: x.max(),
    "min_with_nan": lambda t, x: t.min(x),
    "max_without_nan": lambda t, x: x[:5].max(),
    "max_dim_with_nan": lambda t, x: x.reshape(2, 3).max(1).values,
    "reciprocal": lambda t, x: 1 / x,
    "div_by": lambda t, x: t.ones(6) / x,
    "log": lambda t, x: t.log(x),
    "sqrt": lambda t, x: x.sqrt(),
    "exp": lambda t, x: x.exp(),
    "tanh": lambda t, x: x.tanh(),
    "sigmoid": lambda t, x: t.sigmoid(x),
    "pow_half": lambda t, x: x ** 0.5,
    "pow_negative": lambda t, x: x ** -1,
    "abs": lambda t, x: x.abs(),
    "softmax": lambda t, x: t.softmax(x[:3], 0) * t.tensor([1.0, 2.0, 4.0]),
    "mean": lambda t, x: x.mean(),
    "relu_then_max": lambda t, x: (1.0 / x[:2].relu()).max(),
}


NONFINITE_OPS.update({
    "sin": lambda t, x: x.sin(),
    "cos": lambda t, x: t.cos(x),
    "softmax_of_infinities": lambda t, x: t.softmax(x[2:5], 0) * t.tensor([1.0, 2.0, 4.0]),
    "log_softmax_of_infinities": lambda t, x: x[2:5].log_softmax(0) * t.tensor([1.0, 2.0, 4.0]),
})


@pytest.mark.parametrize("name", NONFINITE_OPS)
def test_infinities_and_nans_backward(name):
    """Gradients through infinities and nans, with no warning (torch gives none)."""
    def snippet(t):
        x = _nonfinite_leaf(t)
        with t.no_grad():
            forward = NONFINITE_OPS[name](t, x.detach())
        y = NONFINITE_OPS[name](t, x)
        y.sum().backward()
        return forward, x.grad
    check(snippet)


OVERFLOW_SCRIPT = """
import {module} as torch
big = torch.tensor([1e30, 0.0], requires_grad=True)
outputs = [big * big, big + big * 1e9, big * float("inf"), big ** 50.0, torch.exp(big),
           2.0 ** (big * 1e9), big - big * float("inf")]
sum(output.sum() for output in outputs).backward()
print(big.grad)
"""


@pytest.mark.parametrize("module", ["torch", "engine"])
def test_overflow_and_nan_in_a_script_warn_nothing_as_in_torch(module):
    """A user's script (Python's default warning filters, shown on stderr): float overflow
    and 0 * inf give inf and nan silently. (pytest resets filters set at import time, so
    this runs in a process of its own.)"""
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, "-W", "default", "-c",
                           OVERFLOW_SCRIPT.format(module=module)],
                          capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.startswith("tensor([")


MASKING_OPS = {
    "relu": lambda t, x: x.relu(),
    "clamp": lambda t, x: x.clamp(-0.75, 1.0),
    "clamp_min": lambda t, x: t.clamp(x, min=0.5),
    "maximum": lambda t, x: t.maximum(t.ones(6), x),
    "minimum": lambda t, x: t.minimum(x, t.ones(6)),
    "max_dim": lambda t, x: x.reshape(2, 3).max(0)[0],
    "index": lambda t, x: x[1:4],
    "abs": lambda t, x: x.abs(),
}


@pytest.mark.parametrize("name", MASKING_OPS)
@pytest.mark.parametrize("upstream", [float("inf"), float("nan")])
def test_masked_gradients_under_infinite_upstream_gradients(name, upstream):
    """Where a node sends no gradient, torch sends 0 even when inf or nan arrives."""
    def snippet(t):
        x = _nonfinite_leaf(t)
        y = MASKING_OPS[name](t, x)
        y.backward(t.full(tuple(y.shape), upstream))
        return x.grad
    check(snippet)


# ----------------------------------------------------------------- the order nodes run in

def _torch_execution_order(output, gradient) -> list:
    """Names of torch's nodes in the order its engine runs them (seen by pre-hooks)."""
    order, stack, seen = [], [output.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        node.register_prehook(lambda grad_outputs, node=node: order.append(node.name()))
        stack.extend(child for child, _ in node.next_functions)
    try:
        output.backward(gradient)
    except RuntimeError as error:
        # torch's pre-hook saw the node that then failed; a pass records no step for it
        order[-1:] = [type(error).__name__]
    return order


def _engine_execution_order(output, gradient) -> list:
    with engine.record_passes() as passes:
        try:
            output.backward(gradient)
        except RuntimeError as error:
            return [step.name for step in passes[0].steps] + [type(error).__name__]
    return [step.name for step in passes[0].steps]


@pytest.mark.parametrize("name", OPS)
def test_backward_runs_nodes_in_torchs_order(name):
    """The recorded pass (what the window animates) visits nodes as torch's engine does,
    up to the error that stops it, if any."""
    orders = []
    for lib, execution_order in ((torch, _torch_execution_order),
                                 (engine, _engine_execution_order)):
        _, output = OPS[name](lib)
        target = _differentiable(output)
        if target.grad_fn is None:
            pytest.skip("no graph: the output is a leaf or needs no grad")
        orders.append(execution_order(target, _weights(lib, target)))
    assert orders[1] == orders[0]
