"""torch.autograd.grad, torch.autograd.backward and create_graph=True against torch (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest
from test_parity import check

import engine

torch = pytest.importorskip("torch")


def _leaves(t):
    return (t.tensor([0.5, -1.0, 2.0], requires_grad=True),
            t.tensor([1.5, 0.25, -0.75], requires_grad=True))


# ----------------------------------------------------------------- autograd.grad

def _grad_leaves_grad_untouched(t):
    a, b = _leaves(t)
    (ga,) = t.autograd.grad((a * b).sum(), a)
    return ga, a.grad, b.grad


def _grad_of_several_inputs(t):
    a, b = _leaves(t)
    return t.autograd.grad((a * b.exp()).sum(), [a, b])


def _grad_of_several_outputs(t):
    a, _ = _leaves(t)
    return t.autograd.grad([(a * 2).sum(), (a * a).sum()], a)


def _grad_outputs(t):
    a, _ = _leaves(t)
    return t.autograd.grad(a * 3, a, grad_outputs=t.tensor([1.0, 2.0, 3.0]))


def _grad_outputs_list(t):
    a, _ = _leaves(t)
    return t.autograd.grad([(a * 2).sum()], [a], grad_outputs=[t.tensor(3.0)])


def _grad_of_a_non_leaf(t):
    a, _ = _leaves(t)
    h = a * 2
    return t.autograd.grad((h * h).sum(), [h, a])


def _retain_graph_twice(t):
    a, _ = _leaves(t)
    y = (a * a).sum()
    first = t.autograd.grad(y, a, retain_graph=True)
    return first, t.autograd.grad(y, a)


def _twice_without_retain(t):
    a, _ = _leaves(t)
    y = (a * a).sum()
    t.autograd.grad(y, a)
    return t.autograd.grad(y, a)


def _hooks_fire_in_grad(t):
    a, _ = _leaves(t)
    h = a * 2
    seen = []
    h.register_hook(lambda grad: seen.append(grad))
    result = t.autograd.grad((h * h).sum(), a)
    return result, tuple(seen)


def _unused(t):
    a, b = _leaves(t)
    return t.autograd.grad((a * 2).sum(), b)


GRADS = {
    "leaves_grad_untouched": _grad_leaves_grad_untouched,
    "several_inputs": _grad_of_several_inputs,
    "several_outputs": _grad_of_several_outputs,
    "grad_outputs": _grad_outputs,
    "grad_outputs_list": _grad_outputs_list,
    "non_leaf_input": _grad_of_a_non_leaf,
    "input_tuple": lambda t: t.autograd.grad((_leaves(t)[0] * 2).sum(), (_leaves(t)[0],)),
    "retain_graph_twice": _retain_graph_twice,
    "hooks_fire": _hooks_fire_in_grad,
    "allow_unused": lambda t: t.autograd.grad((_leaves(t)[0] * 2).sum(),
                                              [_leaves(t)[0], _leaves(t)[1]], allow_unused=True),
    "materialize_grads": lambda t: (lambda a, b: t.autograd.grad(
        (a * 2).sum(), [a, b], allow_unused=True, materialize_grads=True))(*_leaves(t)),
    "error_unused": _unused,
    "error_twice": _twice_without_retain,
    "error_non_scalar": lambda t: t.autograd.grad(_leaves(t)[0] * 2, _leaves(t)[0]),
    "error_input_without_grad": lambda t: t.autograd.grad((_leaves(t)[0] * 2).sum(),
                                                          t.ones(2)),
    "error_output_without_grad": lambda t: t.autograd.grad(t.ones(2).sum(), _leaves(t)[0]),
    "error_grad_outputs_shape": lambda t: t.autograd.grad((_leaves(t)[0] * 2).sum(),
                                                          _leaves(t)[0],
                                                          grad_outputs=t.ones(3)),
    "error_materialize_without_unused": lambda t: t.autograd.grad(
        (_leaves(t)[0] * 2).sum(), _leaves(t)[0], allow_unused=False, materialize_grads=True),
}


@pytest.mark.parametrize("name", GRADS)
def test_autograd_grad(name):
    check(GRADS[name])


def _backward_function(t):
    a, b = _leaves(t)
    t.autograd.backward([(a * b).sum(), (a * 2).sum()])
    return a.grad, b.grad


def _backward_inputs(t):
    a, b = _leaves(t)
    t.autograd.backward((a * b).sum(), inputs=[a])
    (a * b).sum().backward(inputs=[b])
    return a.grad, b.grad


def _backward_grad_tensors(t):
    a, _ = _leaves(t)
    t.autograd.backward(a * 2, grad_tensors=t.tensor([1.0, 0.0, -1.0]))
    return a.grad


BACKWARDS = {"function": _backward_function, "inputs": _backward_inputs,
             "grad_tensors": _backward_grad_tensors}


@pytest.mark.parametrize("name", BACKWARDS)
def test_autograd_backward(name):
    check(BACKWARDS[name])


def test_autograd_grad_pass_is_recorded_as_returned():
    """The window animates an autograd.grad pass like any other; its input's step says the
    gradient was returned and .grad is what it was."""
    a = engine.tensor([1.0, 2.0], requires_grad=True)
    b = engine.tensor([3.0, 4.0], requires_grad=True)
    with engine.record_passes() as passes:
        (ga,) = engine.autograd.grad((a * b).sum(), a)
    steps = passes[0].steps
    assert [step.name for step in steps] == ["SumBackward0", "MulBackward0",
                                             "torch::autograd::AccumulateGrad"]
    last = steps[-1]
    assert last.returned and last.leaf is a and last.grad_before is None
    assert last.grad_in.tolist() == ga.tolist() == [3.0, 4.0]
    assert a.grad is None and b.grad is None


# ----------------------------------------------------------------- create_graph

def _derivatives(function, order, value):
    def snippet(t):
        x = t.tensor(value, requires_grad=True)
        y = function(t, x)
        results = []
        for number in range(order):
            (y,) = t.autograd.grad(y.sum(), x, create_graph=number < order - 1)
            results.append(y)
        return tuple(results)
    return snippet


HIGHER = {
    "cube_three_times": (lambda t, x: x ** 3, 3, 2.0),
    "cube_vector": (lambda t, x: x ** 3, 3, [0.5, -1.0, 2.0]),
    "tanh_three_times": (lambda t, x: x.tanh(), 3, [0.5, -1.0]),
    "sigmoid_twice": (lambda t, x: x.sigmoid(), 2, [0.5, -1.0]),
    "relu_twice": (lambda t, x: x.relu() * x, 2, [0.5, -1.0]),
    "exp_three_times": (lambda t, x: x.exp(), 3, [0.5, -1.0]),
    "sin_cos_three_times": (lambda t, x: x.sin() * x.cos(), 3, [0.5, -1.0, 2.0]),
    "log_twice": (lambda t, x: x.log(), 2, [0.5, 2.0]),
    "sqrt_twice": (lambda t, x: x.sqrt(), 2, [0.5, 2.0]),
    "division_twice": (lambda t, x: 1 / x + x / (x + 3), 2, [0.5, 2.0]),
    "reciprocal_twice": (lambda t, x: x.reciprocal(), 2, [0.5, 2.0]),
    "mean_sum_twice": (lambda t, x: (x * x).mean() + (x ** 3).sum(), 2, [0.5, -1.0, 2.0]),
    "dot_twice": (lambda t, x: t.dot(x, x) * x.sum(), 2, [0.5, -1.0, 2.0]),
    "broadcast_twice": (lambda t, x: (x.reshape(3, 1) * x - x).sum(), 2, [0.5, -1.0, 2.0]),
    "matmul_twice": (lambda t, x: (x.reshape(1, 3).t() @ x.reshape(1, 3)).tanh(), 2,
                     [0.5, -1.0, 2.0]),
    "mv_twice": (lambda t, x: (t.outer(x, x).tanh() @ x), 2, [0.5, -1.0]),
}


@pytest.mark.parametrize("name", HIGHER)
def test_higher_order_derivatives(name):
    function, order, value = HIGHER[name]
    check(_derivatives(function, order, value))


def _hessian_vector_product(t):
    x = t.tensor([0.5, -1.0, 2.0], requires_grad=True)
    v = t.tensor([1.0, 2.0, -1.0])
    (g,) = t.autograd.grad((x ** 3).sum() + (x[0] * x).sum() if False else
                           (x ** 3).sum() + t.dot(x, x) * x.sum(), x, create_graph=True)
    (hv,) = t.autograd.grad(g, x, grad_outputs=v)
    return g, hv


def _backward_create_graph(t):
    x = t.tensor(2.0, requires_grad=True)
    (x ** 3).backward(create_graph=True)
    first = x.grad
    (x ** 3).backward(create_graph=True)
    second = x.grad
    (g,) = t.autograd.grad(second, x)
    return first, second, g


def _grad_of_grad_norm(t):
    """The gradient penalty pattern: differentiate the norm of a gradient."""
    w = t.tensor([0.5, -1.0, 2.0], requires_grad=True)
    (g,) = t.autograd.grad((w.tanh() * w).sum(), w, create_graph=True)
    penalty = (g * g).sum()
    penalty.backward()
    return g, penalty, w.grad


CREATE_GRAPH = {
    "hessian_vector_product": _hessian_vector_product,
    "backward_create_graph": _backward_create_graph,
    "grad_penalty": _grad_of_grad_norm,
    "no_graph_where_nothing_needs_it": lambda t: t.autograd.grad(
        (_leaves(t)[0] * 2).sum(), _leaves(t)[0], create_graph=True),
}


@pytest.mark.parametrize("name", CREATE_GRAPH)
def test_create_graph(name):
    check(CREATE_GRAPH[name])


# ----------------------------------------------------------------- gradcheck of second order

def _numeric_hessian(function, x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Central differences of the engine's first derivative (float64)."""
    def first(values):
        leaf = engine.tensor(values, dtype=engine.float64, requires_grad=True)
        (g,) = engine.autograd.grad(function(leaf).sum(), leaf)
        return g.numpy()
    rows = []
    for index in range(x.size):
        step = np.zeros_like(x)
        step[index] = eps
        rows.append((first(x + step) - first(x - step)) / (2 * eps))
    return np.array(rows)


SECOND_ORDER = {
    "cube": lambda x: x ** 3,
    "tanh": lambda x: x.tanh(),
    "sigmoid_times_x": lambda x: x.sigmoid() * x,
    "exp_sin": lambda x: x.exp() * x.sin(),
    "log_sqrt": lambda x: (x * x + 1).log() + (x * x + 1).sqrt(),
    "dot_mean": lambda x: engine.dot(x, x) * x.mean(),
    "outer_matmul": lambda x: (engine.outer(x, x) @ x).tanh(),
    "division": lambda x: x / (x * x + 2),
}


@pytest.mark.parametrize("name", SECOND_ORDER)
def test_second_derivatives_against_finite_differences(name):
    function = SECOND_ORDER[name]
    x = np.array([0.7, -1.3, 0.4])
    leaf = engine.tensor(x, dtype=engine.float64, requires_grad=True)
    (g,) = engine.autograd.grad(function(leaf).sum(), leaf, create_graph=True)
    rows = [engine.autograd.grad(g[i], leaf, retain_graph=True)[0].numpy() for i in range(3)]
    np.testing.assert_allclose(np.array(rows), _numeric_hessian(function, x), rtol=1e-5,
                               atol=1e-6)


def test_the_second_order_check_can_fail():
    """A wrong second derivative (a hook doubling the recorded gradient) is caught."""
    x = np.array([0.7, -1.3, 0.4])
    leaf = engine.tensor(x, dtype=engine.float64, requires_grad=True)
    (g,) = engine.autograd.grad((leaf ** 3).sum(), leaf, create_graph=True)
    g.register_hook(lambda grad: grad * 2)
    rows = [engine.autograd.grad(g[i], leaf, retain_graph=True)[0].numpy() for i in range(3)]
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(np.array(rows), _numeric_hessian(lambda v: v ** 3, x),
                                   rtol=1e-5)


# ----------------------------------------------------------------- autograd.functional

def _x(t):
    return t.tensor([1.0, 2.0, 3.0])


FUNCTIONAL = {
    "jacobian": lambda t, fn: fn.jacobian(lambda x: x ** 2 * x.sum(), _x(t)),
    "jacobian_two_inputs": lambda t, fn: fn.jacobian(lambda a, b: a * b, (_x(t), _x(t) + 1)),
    "jacobian_two_outputs": lambda t, fn: fn.jacobian(lambda x: (x * 2, x.sum()), _x(t)),
    "jacobian_scalar_output": lambda t, fn: fn.jacobian(lambda x: x.sum(), _x(t)),
    "jacobian_matrix": lambda t, fn: fn.jacobian(lambda x: (x.reshape(1, 3).t() @ x.reshape(1, 3))
                                               * 0.5, _x(t)),
    "hessian": lambda t, fn: fn.hessian(lambda x: (x ** 3).sum() + t.dot(x, x) * x.sum(), _x(t)),
    "hessian_tanh": lambda t, fn: fn.hessian(lambda x: x.tanh().sum(), _x(t)),
    "vjp": lambda t, fn: fn.vjp(lambda x: x ** 2 * x.sum(), _x(t), t.tensor([1.0, -1.0, 0.5])),
    "vjp_scalar": lambda t, fn: fn.vjp(lambda x: x.sum(), _x(t)),
    "vjp_needs_v": lambda t, fn: fn.vjp(lambda x: x ** 2, _x(t)),
    "jvp": lambda t, fn: fn.jvp(lambda x: x ** 2 * x.sum(), _x(t), t.tensor([1.0, -1.0, 0.5])),
    "hvp": lambda t, fn: fn.hvp(lambda x: (x ** 3).sum(), _x(t), t.tensor([1.0, -1.0, 0.5])),
    "vhp": lambda t, fn: fn.vhp(lambda x: (x.sin() * x).sum(), _x(t), t.ones(3)),
}


@pytest.mark.parametrize("name", FUNCTIONAL)
def test_autograd_functional(name):
    import importlib

    def snippet(t):
        functional = importlib.import_module(
            "torch.autograd.functional" if t is torch else "engine.autograd.functional")
        return FUNCTIONAL[name](t, functional)
    check(snippet)


# ----------------------------------------------------------------- autograd.Function

def _legendre(t):
    class LegendrePolynomial3(t.autograd.Function):
        """PyTorch's tutorial 'Defining new autograd functions'."""

        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)
    return LegendrePolynomial3


def _scale_and_split(t):
    class ScaleAndSplit(t.autograd.Function):
        @staticmethod
        def forward(ctx, input, factor):
            ctx.factor = factor
            ctx.flags = ctx.needs_input_grad
            return input * factor, input + 1

        @staticmethod
        def backward(ctx, grad_scaled, grad_shifted):
            return grad_scaled * ctx.factor + grad_shifted, None
    return ScaleAndSplit


def _function_tutorial(t):
    p3 = _legendre(t).apply
    c = t.tensor(0.1, requires_grad=True)
    d = t.tensor(0.3, requires_grad=True)
    x = t.linspace(-1.0, 1.0, 5)
    y = (p3(c + d * x) * 2).sum()
    y.backward()
    return p3(c + d * x), c.grad, d.grad


def _function_two_outputs(t):
    fn = _scale_and_split(t)
    x = t.tensor([1.0, 2.0], requires_grad=True)
    scaled, shifted = fn.apply(x, 3.0)
    (scaled.sum() + 2 * shifted.sum()).backward()
    return scaled, shifted, x.grad


def _function_one_output_used(t):
    fn = _scale_and_split(t)
    x = t.tensor([1.0, 2.0], requires_grad=True)
    scaled, _ = fn.apply(x, 3.0)
    scaled.sum().backward()
    return x.grad


def _function_saved_after_free(t):
    p3 = _legendre(t).apply
    x = t.tensor([0.5], requires_grad=True)
    y = p3(x).sum()
    y.backward()
    y.backward()


def _function_wrong_count(t):
    class Wrong(t.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad
    x = t.tensor([1.0], requires_grad=True)
    Wrong.apply(x, x).sum().backward()


def _function_create_graph(t):
    p3 = _legendre(t).apply
    x = t.tensor([0.5, -0.25], requires_grad=True)
    (g,) = t.autograd.grad(p3(x).sum(), x, create_graph=True)
    (h,) = t.autograd.grad(g.sum(), x)
    return g, h


def _function_without_grad(t):
    p3 = _legendre(t).apply
    return p3(t.tensor([0.5, 2.0]))


FUNCTIONS = {
    "tutorial": _function_tutorial,
    "two_outputs": _function_two_outputs,
    "one_output_used": _function_one_output_used,
    "saved_after_free": _function_saved_after_free,
    "wrong_count": _function_wrong_count,
    "create_graph": _function_create_graph,
    "without_grad": _function_without_grad,
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_custom_autograd_function(name):
    check(FUNCTIONS[name])


# ----------------------------------------------------------------- create_graph through more ops

def _second_order_through(function):
    """The first derivative's graph (names, values) and the derivative of its square."""
    def snippet(t):
        x = t.tensor([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]], requires_grad=True)
        (g,) = t.autograd.grad(function(t, x), x, create_graph=True)
        (h,) = t.autograd.grad((g * g).sum(), x)
        return g, h
    return snippet


_W = [[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]]

THROUGH = {
    "clamp": lambda t, x: x.clamp(-0.5, 1.0).mul(x).sum(),
    "select": lambda t, x: (x[0] * x[0]).sum(),
    "slice": lambda t, x: (x[:, 1:] ** 2).sum(),
    "softmax": lambda t, x: (x.softmax(1) * x).sum(),
    "log_softmax": lambda t, x: (x.log_softmax(1) * x).sum(),
    "linear": lambda t, x: t.nn.functional.linear(
        x, t.tensor(_W, requires_grad=True), t.tensor([0.1, 0.2], requires_grad=True)
    ).tanh().sum(),
    "mse_loss": lambda t, x: t.nn.functional.mse_loss(x, t.zeros(2, 3)),
    "mse_loss_sum": lambda t, x: t.nn.functional.mse_loss(x * x, t.ones(2, 3),
                                                          reduction="sum"),
    "number_to_the_x": lambda t, x: (2 ** x).sum(),
    "where": lambda t, x: t.where(x > 0, x * x, -x).sum(),
    "abs_first_order": lambda t, x: (x.abs() * x).sum(),
    "cat": lambda t, x: (t.cat([x, x * x], 1) ** 2).sum(),
    "stack": lambda t, x: (t.stack([x, x * x]) ** 2).sum(),
}


def test_create_graph_through_norm_gives_torchs_values():
    """p = 2 norms, full and along a dim: values of the first and second derivative (the
    first derivative's graph has the same nodes as torch's, wired in another order)."""
    def snippet(t, function):
        x = t.tensor([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]], requires_grad=True)
        (g,) = t.autograd.grad(function(t, x), x, create_graph=True)
        weights = t.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])  # |g| is 1: weigh it
        (h,) = t.autograd.grad((g * weights).sum(), x)
        return g.detach(), h
    for function in (lambda t, x: x.norm(), lambda t, x: x.norm(dim=1).sum()):
        check(lambda t, function=function: snippet(t, function))


@pytest.mark.parametrize("name", THROUGH)
def test_create_graph_through(name):
    check(_second_order_through(THROUGH[name]))


def test_create_graph_outside_the_subset_says_so():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="create_graph=True through MaxBackward1 is outside"):
        engine.autograd.grad(x.max(), x, create_graph=True)
