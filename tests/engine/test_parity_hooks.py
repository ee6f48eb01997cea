"""Hooks against torch: the order they fire in, what a returned value replaces, the errors."""

from __future__ import annotations

import pytest
from test_parity import check

pytest.importorskip("torch")


def _every_kind_in_order(t):
    """Tensor hook, retain_grad, node pre-hook, node hook; leaf hook, accumulator hooks,
    post-accumulate hook: torch's order, each seeing torch's values."""
    x = t.ones(2, requires_grad=True)
    y = x * 3
    z = y.sum()
    seen = []
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.append(
        ("node hook", grad_inputs, grad_outputs)))
    y.grad_fn.register_prehook(lambda grad_outputs: seen.append(("pre-hook", grad_outputs)))
    y.retain_grad()
    y.register_hook(lambda grad: seen.append(("tensor hook", grad, y.grad)))
    x.register_hook(lambda grad: seen.append(("leaf hook", grad)))
    accumulator = y.grad_fn.next_functions[0][0]
    accumulator.register_prehook(lambda grad_outputs: seen.append(("acc pre", grad_outputs)))
    accumulator.register_hook(lambda gi, go: seen.append(("acc hook", gi, go)))
    x.register_post_accumulate_grad_hook(lambda leaf: seen.append(("post acc", leaf.grad)))
    z.backward()
    return tuple(seen), y.grad, x.grad


def _returned_values_replace(t):
    x = t.ones(2, requires_grad=True)
    y = x * 3
    y.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] * 10,))
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (grad_inputs[0] + 1, None))
    x.register_hook(lambda grad: grad * 2)
    y.sum().backward()
    return x.grad


def _removed_hooks_do_not_fire(t):
    x = t.ones(2, requires_grad=True)
    y = x * 3
    first = y.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] * 10,))
    second = x.register_post_accumulate_grad_hook(lambda leaf: leaf.grad.mul_(100))
    first.remove()
    second.remove()
    y.sum().backward()
    return x.grad


def _post_accumulate_hook_steps_like_an_optimizer(t):
    x = t.ones(2, requires_grad=True)

    def step(leaf):
        with t.no_grad():
            leaf -= 0.5 * leaf.grad
    x.register_post_accumulate_grad_hook(step)
    (x * x).sum().backward()
    return x, x.grad


def _wrong_count(t):
    x = t.ones(2, requires_grad=True)
    y = x * 3
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (grad_inputs[0],))
    y.sum().backward()


def _none_replaced(t):
    x = t.ones(2, requires_grad=True)
    y = x * 3
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (grad_inputs[0], t.ones(2)))
    y.sum().backward()


def _pre_hook_not_a_tuple(t):
    x = t.ones(2, requires_grad=True)
    y = x * 3
    y.grad_fn.register_prehook(lambda grad_outputs: grad_outputs[0])
    y.sum().backward()


def _pre_hook_changes_size(t):
    x = t.ones(2, requires_grad=True)
    y = x * 3
    y.grad_fn.register_prehook(lambda grad_outputs: (t.ones(3),))
    y.sum().backward()


def _tensor_hook_returns_a_number(t):
    x = t.ones(2, requires_grad=True)
    y = x * 3
    y.register_hook(lambda grad: 5)
    y.sum().backward()


def _post_accumulate_on_non_leaf(t):
    (t.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(lambda leaf: None)


def _post_accumulate_without_grad(t):
    t.ones(2).register_post_accumulate_grad_hook(lambda leaf: None)


def _hooks_in_a_create_graph_pass(t):
    """Hooks see (and may replace) gradients that carry a graph of their own."""
    x = t.tensor([0.5, -1.0], requires_grad=True)
    y = x * x
    seen = []
    y.register_hook(lambda grad: seen.append(grad) or grad * 2)
    y.grad_fn.register_prehook(lambda grad_outputs: seen.append(grad_outputs) or None)
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (grad_inputs[0] + 1,))
    (g,) = t.autograd.grad(y.tanh().sum(), x, create_graph=True)
    (h,) = t.autograd.grad(g.sum(), x)
    return g, h, tuple(seen)


SNIPPETS = {
    "hooks_in_a_create_graph_pass": _hooks_in_a_create_graph_pass,
    "every_kind_in_order": _every_kind_in_order,
    "returned_values_replace": _returned_values_replace,
    "removed_hooks_do_not_fire": _removed_hooks_do_not_fire,
    "post_accumulate_hook_steps_like_an_optimizer": _post_accumulate_hook_steps_like_an_optimizer,
    "wrong_count": _wrong_count,
    "none_replaced": _none_replaced,
    "pre_hook_not_a_tuple": _pre_hook_not_a_tuple,
    "pre_hook_changes_size": _pre_hook_changes_size,
    "tensor_hook_returns_a_number": _tensor_hook_returns_a_number,
    "post_accumulate_on_non_leaf": _post_accumulate_on_non_leaf,
    "post_accumulate_without_grad": _post_accumulate_without_grad,
}


@pytest.mark.parametrize("name", SNIPPETS)
def test_hooks_as_torch(name):
    check(SNIPPETS[name])
