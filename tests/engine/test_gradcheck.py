"""Every differentiable op's backward against central finite differences, in float64.

For each case, ``output = f(*leaves)`` is contracted with random weights ``w``; the
gradient that ``output.backward(w)`` leaves in each ``leaf.grad`` must equal
``(L(x + eps) - L(x - eps)) / (2 eps)`` for ``L = sum(f(x) * w)``, element by element.
Inputs stay away from kinks (``abs`` and ``relu`` at 0, ``clamp`` bounds, ties of
``max``) where a derivative is not defined. No torch needed.
"""

from __future__ import annotations

import numpy as np
import pytest

import engine

EPS = 1e-6


def _values(shape, low=-2.0, high=2.0, seed=0, gap=0.15):
    """Distinct values in [low, high], at least ``gap`` from 0, from one another and ties."""
    rng = np.random.default_rng(seed)
    count = int(np.prod(shape, dtype=np.int64))
    while True:
        values = rng.uniform(low, high, size=count)
        spaced = np.all(np.diff(np.sort(values)) > gap / 4) if count > 1 else True
        if spaced and np.all(np.abs(values) > gap):
            return values.reshape(shape)


def _positive(shape, seed=0):
    return _values(shape, 0.3, 2.5, seed)


def _output_tensor(result):
    return result[0] if isinstance(result, tuple) else result


def _loss(function, arrays, weights) -> float:
    with engine.no_grad():
        output = _output_tensor(function(*[engine.tensor(a, dtype=engine.float64)
                                           for a in arrays]))
    return float(np.sum(output.numpy() * weights))


def numerical_gradients(function, arrays, weights) -> list:
    gradients = []
    for position, array in enumerate(arrays):
        gradient = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            shifted = [a.copy() for a in arrays]
            shifted[position][index] += EPS
            plus = _loss(function, shifted, weights)
            shifted[position][index] -= 2 * EPS
            minus = _loss(function, shifted, weights)
            gradient[index] = (plus - minus) / (2 * EPS)
        gradients.append(gradient)
    return gradients


def analytic_gradients(function, arrays, weights) -> list:
    leaves = [engine.tensor(a, dtype=engine.float64, requires_grad=True) for a in arrays]
    output = _output_tensor(function(*leaves))
    assert output.dtype is engine.float64
    assert output.requires_grad, "the op recorded no graph"
    output.backward(engine.tensor(weights, dtype=engine.float64))
    return [np.zeros(a.shape) if leaf.grad is None else leaf.grad.numpy() for leaf, a
            in zip(leaves, arrays)]


def gradcheck(function, *arrays, seed=1) -> None:
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    with engine.no_grad():
        shape = _output_tensor(function(*[engine.tensor(a, dtype=engine.float64)
                                          for a in arrays])).shape
    weights = np.random.default_rng(seed).standard_normal(tuple(shape))
    analytic = analytic_gradients(function, arrays, weights)
    numeric = numerical_gradients(function, arrays, weights)
    for position, (got, expected) in enumerate(zip(analytic, numeric)):
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6,
                                   err_msg=f"gradient of input {position}")


M23, M23b, V3, V2, S = (2, 3), (2, 3), (3,), (2,), ()

CASES = {
    # arithmetic, with broadcasting and Python numbers
    "add": (lambda a, b: a + b, [_values(M23), _values(M23, seed=2)]),
    "add_alpha": (lambda a, b: engine.add(a, b, alpha=2.5), [_values(M23), _values(M23, seed=2)]),
    "add_row": (lambda a, b: a + b, [_values(M23), _values(V3, seed=2)]),
    "add_column_row": (lambda a, b: a + b, [_values((2, 1)), _values((1, 3), seed=2)]),
    "add_zero_dim": (lambda a, b: a + b, [_values(M23), _values(S, seed=2)]),
    "add_number": (lambda a: 2 + a, [_values(M23)]),
    "sub": (lambda a, b: a - b, [_values(M23), _values(M23, seed=2)]),
    "sub_alpha": (lambda a, b: a.sub(b, alpha=3), [_values(M23), _values(V3, seed=2)]),
    "sub_broadcast": (lambda a, b: b - a, [_values(M23), _values((2, 1), seed=2)]),
    "rsub_number": (lambda a: 2 - a, [_values(M23)]),
    "mul": (lambda a, b: a * b, [_values(M23), _values(M23, seed=2)]),
    "mul_row": (lambda a, b: a * b, [_values(M23), _values(V3, seed=2)]),
    "mul_zero_dim": (lambda a, b: b * a, [_values(M23), _values(S, seed=2)]),
    "mul_number": (lambda a: a * 1.5, [_values(M23)]),
    "mul_self": (lambda a: a * a, [_values(M23)]),
    "div": (lambda a, b: a / b, [_values(M23), _values(M23, seed=2)]),
    "div_row": (lambda a, b: a / b, [_values(M23), _values(V3, seed=2)]),
    "div_zero_dim": (lambda a, b: b / a, [_values(M23), _values(S, seed=2)]),
    "div_number": (lambda a: a / 4, [_values(M23)]),
    "rdiv_number": (lambda a: 2 / a, [_values(M23)]),
    "reciprocal": (lambda a: engine.reciprocal(a), [_values(M23)]),
    "neg": (lambda a: -a, [_values(M23)]),
    "neg_function": (lambda a: engine.neg(a), [_values(V3)]),
    # powers
    "pow_square": (lambda a: a ** 2, [_values(M23)]),
    "pow_cube": (lambda a: engine.pow(a, 3), [_values(M23)]),
    "pow_half": (lambda a: a ** 0.5, [_positive(M23)]),
    "pow_negative": (lambda a: a ** -1.5, [_positive(M23)]),
    "pow_zero": (lambda a: a ** 0, [_values(M23)]),
    "pow_tensor": (lambda a, b: a ** b, [_positive(M23), _values(M23, seed=2)]),
    "pow_tensor_broadcast": (lambda a, b: a.pow(b), [_positive(M23), _values(V3, seed=2)]),
    "rpow": (lambda a: 2 ** a, [_values(M23)]),
    "rpow_fraction": (lambda a: 0.5 ** a, [_values(V3)]),
    # elementwise
    "exp": (lambda a: engine.exp(a), [_values(M23)]),
    "log": (lambda a: engine.log(a), [_positive(M23)]),
    "sqrt": (lambda a: engine.sqrt(a), [_positive(M23)]),
    "abs": (lambda a: engine.abs(a), [_values(M23)]),
    "sin": (lambda a: engine.sin(a), [_values(M23)]),
    "cos": (lambda a: a.cos(), [_values(M23)]),
    "tanh": (lambda a: engine.tanh(a), [_values(M23)]),
    "sigmoid": (lambda a: engine.sigmoid(a), [_values(M23)]),
    "relu": (lambda a: engine.relu(a), [_values(M23)]),
    "clamp": (lambda a: engine.clamp(a, min=-1.0, max=1.0), [_values((3, 4))]),
    "clamp_min": (lambda a: a.clamp(min=0.5), [_values((3, 4))]),
    "clamp_max": (lambda a: a.clamp(max=-0.5), [_values((3, 4))]),
    "unbind": (lambda a: (lambda c: c[0] * c[1] + c[2])(a.unbind(1)), [_values(M23)]),
    "unbind_one_used": (lambda a: a.unbind()[1].exp(), [_values(M23)]),
    "iterate_rows": (lambda a: sum(row * (i + 1) for i, row in enumerate(a)), [_values(M23)]),
    "clamp_tensor_bounds": (lambda a, low, high: a.clamp(low, high),
                            [_values(M23), _values(V3, seed=2), _values(M23, seed=3)]),
    "maximum": (lambda a, b: engine.maximum(a, b), [_values(M23), _values(M23, seed=2)]),
    "maximum_broadcast": (lambda a, b: engine.maximum(a, b), [_values(M23), _values(V3, seed=2)]),
    "minimum": (lambda a, b: engine.minimum(a, b), [_values(M23), _values(M23, seed=2)]),
    "max_pairwise": (lambda a, b: engine.max(a, b), [_values(M23), _values(M23, seed=2)]),
    "min_pairwise": (lambda a, b: engine.min(a, b), [_values(M23), _values(M23, seed=2)]),
    # reductions: dim and keepdim
    "sum": (lambda a: a.sum(), [_values(M23)]),
    "sum_dim0": (lambda a: a.sum(0), [_values(M23)]),
    "sum_dim1_keepdim": (lambda a: a.sum(1, keepdim=True), [_values(M23)]),
    "sum_negative_dim": (lambda a: engine.sum(a, -1), [_values((2, 3, 2))]),
    "sum_dims": (lambda a: a.sum((0, 2)), [_values((2, 3, 2))]),
    "sum_dims_keepdim": (lambda a: a.sum(dim=(0, 2), keepdim=True), [_values((2, 3, 2))]),
    "sum_zero_dim": (lambda a: a.sum(), [_values(S)]),
    "mean": (lambda a: a.mean(), [_values(M23)]),
    "mean_dim0": (lambda a: a.mean(0), [_values(M23)]),
    "mean_dim1_keepdim": (lambda a: engine.mean(a, 1, keepdim=True), [_values(M23)]),
    "mean_dims": (lambda a: a.mean((1, 2)), [_values((2, 3, 2))]),
    "mean_dims_keepdim": (lambda a: a.mean(dim=(-1, 0), keepdim=True), [_values((2, 3, 2))]),
    "max": (lambda a: a.max(), [_values(M23)]),
    "max_dim0": (lambda a: a.max(0), [_values(M23)]),
    "max_dim1_keepdim": (lambda a: a.max(dim=1, keepdim=True).values, [_values(M23)]),
    "max_dim_3d": (lambda a: engine.max(a, -2)[0], [_values((2, 3, 2))]),
    "min": (lambda a: engine.min(a), [_values(M23)]),
    "min_dim0": (lambda a: a.min(0).values, [_values(M23)]),
    "min_dim1_keepdim": (lambda a: a.min(1, keepdim=True)[0], [_values(M23)]),
    "softmax": (lambda a: engine.softmax(a, 0), [_values(M23)]),
    "softmax_dim1": (lambda a: a.softmax(dim=1), [_values(M23)]),
    "softmax_3d": (lambda a: engine.softmax(a, -2), [_values((2, 3, 2))]),
    "log_softmax": (lambda a: engine.log_softmax(a, 0), [_values(M23)]),
    "log_softmax_dim1": (lambda a: a.log_softmax(-1), [_values(M23)]),
    # products
    "dot": (lambda a, b: engine.dot(a, b), [_values(V3), _values(V3, seed=2)]),
    "dot_self": (lambda a: 2 * engine.dot(a, a), [_values((4,))]),
    "mv": (lambda a, b: engine.mv(a, b), [_values(M23), _values(V3, seed=2)]),
    "mm": (lambda a, b: engine.mm(a, b), [_values(M23), _values((3, 4), seed=2)]),
    "matmul_vectors": (lambda a, b: a @ b, [_values(V3), _values(V3, seed=2)]),
    "matmul_matrix_vector": (lambda a, b: a @ b, [_values(M23), _values(V3, seed=2)]),
    "matmul_vector_matrix": (lambda a, b: engine.matmul(a, b), [_values(V2), _values(M23, seed=2)]),
    "matmul_matrices": (lambda a, b: a.matmul(b), [_values(M23), _values((3, 2), seed=2)]),
    "outer": (lambda a, b: engine.outer(a, b), [_values(V2), _values(V3, seed=2)]),
    # shapes
    "reshape": (lambda a: a.reshape(3, 2) * engine.arange(6.0).reshape(3, 2), [_values(M23)]),
    "reshape_transposed": (lambda a: a.t().reshape(-1) ** 2, [_values(M23)]),
    "view": (lambda a: a.view(6) ** 2, [_values(M23)]),
    "flatten": (lambda a: a.flatten(1) ** 2, [_values((2, 3, 2))]),
    "transpose": (lambda a: a.transpose(0, 2) ** 2, [_values((2, 3, 2))]),
    "t": (lambda a: engine.t(a) @ engine.arange(2.0, dtype=engine.float64), [_values(M23)]),
    "T": (lambda a: a.T ** 2, [_values(M23)]),
    "permute": (lambda a: a.permute(2, 0, 1) ** 2, [_values((2, 3, 2))]),
    "unsqueeze": (lambda a: a.unsqueeze(1) * engine.arange(2.0).reshape(1, 2, 1), [_values(M23)]),
    "squeeze": (lambda a: a.squeeze() ** 2, [_values((1, 3, 1))]),
    "squeeze_dim": (lambda a: a.squeeze(0) ** 2, [_values((1, 3))]),
    "cat": (lambda a, b: engine.cat([a, b, a]) ** 2, [_values(M23), _values((1, 3), seed=2)]),
    "cat_dim1": (lambda a, b: engine.cat((a, b), dim=1) ** 2, [_values(M23), _values((2, 1), 1)]),
    "stack": (lambda a, b: engine.stack([a, b]) ** 2, [_values(M23), _values(M23, seed=2)]),
    "stack_last": (lambda a, b: engine.stack([a, b], -1) ** 3, [_values(V3), _values(V3, seed=2)]),
    "clone": (lambda a: a.clone() ** 2, [_values(M23)]),
    # indexing
    "index_int": (lambda a: a[1] ** 2, [_values(M23)]),
    "index_negative": (lambda a: a[-1, -2] ** 2, [_values(M23)]),
    "index_slice": (lambda a: a[:, 1:] ** 2, [_values(M23)]),
    "index_step": (lambda a: a[::2] ** 2, [_values((5,))]),
    "index_none_ellipsis": (lambda a: a[None, ..., 1] ** 2, [_values(M23)]),
    "index_repeated": (lambda a: a[0] * a[0, 1] + a[:, 2].sum(), [_values(M23)]),
    # in place on non-leaves, and chains
    "in_place": (lambda a, b: _in_place(a, b), [_values(M23), _values(M23, seed=2)]),
    "chain_neuron": (lambda w, x: engine.sigmoid(w @ x + 0.5).sum() ** 2,
                     [_values(M23), _values(V3, seed=2)]),
    "chain_softmax_loss": (lambda a, b: -engine.log_softmax(a @ b, 1)[:, 0].mean(),
                           [_values(M23), _values((3, 4), seed=2)]),
    "chain_shared": (lambda a, b: (a * b + a.exp() * b).tanh().mean(0),
                     [_values(M23), _values(M23, seed=2)]),
}


def _in_place(a, b):
    y = a * 1
    y += b
    y *= b
    y /= 3
    y -= a
    return y


@pytest.mark.parametrize("name", CASES)
def test_gradcheck(name):
    function, arrays = CASES[name]
    gradcheck(function, *arrays)


def test_gradcheck_can_fail():
    """A wrong backward (a hook that doubles the gradient) is caught."""
    def doubled(a):
        if a.requires_grad:
            a.register_hook(lambda grad: grad * 2)
        return a.exp()

    with pytest.raises(AssertionError):
        gradcheck(doubled, _values(V3))


def test_every_differentiable_function_is_checked():
    """Each function of the subset appears in some case (by the node its backward runs)."""
    names = set()
    for function, arrays in CASES.values():
        leaves = [engine.tensor(a, dtype=engine.float64, requires_grad=True) for a in arrays]
        stack = [_output_tensor(function(*leaves)).grad_fn]
        while stack:
            node = stack.pop()
            names.add(node.name())
            stack.extend(child for child, _ in node.next_functions if child is not None)
    expected = {
        "AddBackward0", "SubBackward0", "RsubBackward1", "MulBackward0", "DivBackward0",
        "NegBackward0", "PowBackward0", "PowBackward1", "PowBackward2", "ReciprocalBackward0",
        "ExpBackward0", "LogBackward0", "SqrtBackward0", "AbsBackward0", "SinBackward0",
        "CosBackward0", "TanhBackward0", "SigmoidBackward0", "ReluBackward0",
        "ClampBackward0", "ClampBackward1",
        "MaximumBackward0", "MinimumBackward0", "SumBackward0", "SumBackward1", "MeanBackward0",
        "MeanBackward1", "MaxBackward0", "MaxBackward1", "MinBackward0", "MinBackward1",
        "SoftmaxBackward0", "LogSoftmaxBackward0", "DotBackward0", "MvBackward0", "MmBackward0",
        "ViewBackward0", "UnsafeViewBackward0", "TransposeBackward0", "TBackward0",
        "PermuteBackward0", "UnsqueezeBackward0", "SqueezeBackward0", "SqueezeBackward1",
        "SqueezeBackward4", "CatBackward0", "StackBackward0", "CloneBackward0",
        "SelectBackward0", "SliceBackward0", "UnbindBackward0",
    }
    assert expected <= names, sorted(expected - names)
