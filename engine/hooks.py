"""Hooks: the user's functions of Tensors, adapted to the backward pass's arrays.

The pass (``engine.autograd.graph``) runs array functions only; this module wraps what a
user registers, checks what it returns as torch does, and is attached to ``Tensor``
and ``Node`` by ``engine.methods``. Torch's order at a node: the tensor hooks
(``Tensor.register_hook``), then ``retain_grad``, then ``Node.register_prehook``; the
node runs; then ``Node.register_hook``. At a leaf, ``register_post_accumulate_grad_hook``
runs once ``.grad`` is updated.

>>> import engine as torch
>>> x = torch.ones(2, requires_grad=True)
>>> y = x * 3
>>> seen = []
>>> handle = y.register_hook(lambda grad: seen.append(grad) or grad * 10)
>>> y.sum().backward()
>>> seen, x.grad
([tensor([1., 1.])], tensor([30., 30.]))
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from engine.autograd.graph import NODE_PRE_HOOK, TENSOR_HOOK, Node, RemovableHandle
from engine.dtypes import from_numpy_dtype
from engine.tensor import Tensor

__all__ = ["register_hook", "register_post_accumulate_grad_hook", "register_prehook",
           "register_node_hook"]


def _name(hook) -> str:
    return getattr(hook, "__name__", type(hook).__name__)


def _returned(hook, grad: np.ndarray, result) -> np.ndarray:
    """What a hook returned, as an array of the gradient's size and dtype (or torch's error)."""
    if not isinstance(result, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
    new = result._data
    if new.shape != grad.shape:
        raise RuntimeError(f"hook '{_name(hook)}' has changed the size of value")
    if new.dtype != grad.dtype:
        was, got = (from_numpy_dtype(d).legacy_name for d in (grad.dtype, new.dtype))
        raise RuntimeError(f"hook '{_name(hook)}' has changed the type of value (was "
                           f"torch.{was}Tensor got torch.{got}Tensor)")
    return new


def _wrapped(grad):
    return grad if grad is None or isinstance(grad, Tensor) else Tensor._wrap(grad)


def register_hook(self: Tensor, hook: Callable) -> RemovableHandle:
    """``Tensor.register_hook``: ``hook(grad)`` when this tensor's gradient is computed;
    a Tensor it returns replaces the gradient."""
    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")

    def run(grad):
        graph = isinstance(grad, Tensor)  # a create_graph pass hands tensors around
        result = hook(grad if graph else Tensor._wrap(grad))
        if result is None:
            return None
        checked = _returned(hook, grad._data if graph else grad, result)
        return result if graph else checked

    if self.grad_fn is not None:
        return self.grad_fn.add_pre_hook(TENSOR_HOOK, run)
    if self._hooks is None:
        self._hooks = {}
    return RemovableHandle(self._hooks, run)


def register_post_accumulate_grad_hook(self: Tensor, hook: Callable) -> RemovableHandle:
    """``hook(tensor)`` once a backward pass has added into this leaf's ``.grad``."""
    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")

    def run() -> None:
        result = hook(self)
        if result is not None:
            raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")

    if self._post_accumulate_hooks is None:
        self._post_accumulate_hooks = {}
    return RemovableHandle(self._post_accumulate_hooks, run)


def register_prehook(self: Node, hook: Callable) -> RemovableHandle:
    """``Node.register_prehook``: ``hook(grad_outputs)`` before the node runs, with the
    gradient that reached it as a 1-tuple; a tuple it returns replaces it."""
    def run(grad):
        graph = isinstance(grad, Tensor)
        result = hook((grad if graph else Tensor._wrap(grad),))
        if result is None:
            return None
        if not isinstance(result, tuple):
            raise TypeError(f"expected tuple, but hook returned '{type(result).__name__}'")
        _check_count(hook, result, 1)
        checked = _returned(hook, grad._data if graph else grad, result[0])
        return result[0] if graph else checked

    return self.add_pre_hook(NODE_PRE_HOOK, run)


def register_node_hook(self: Node, hook: Callable) -> RemovableHandle:
    """``Node.register_hook``: ``hook(grad_inputs, grad_outputs)`` after the node ran
    (``grad_inputs``: what it sends along each edge); a tuple it returns replaces them."""
    def run(grads_out: tuple, grads_in: tuple):
        result = hook(tuple(_wrapped(g) for g in grads_out),
                      tuple(_wrapped(g) for g in grads_in))
        if result is None:
            return None
        if not isinstance(result, tuple):
            raise TypeError(f"expected tuple, but hook returned '{type(result).__name__}'")
        _check_count(hook, result, len(grads_out))
        replaced = []
        for old, new in zip(grads_out, result):
            if new is None:
                replaced.append(None)
            elif old is None:
                raise RuntimeError("can't replace a None gradient with a non-None value")
            elif isinstance(old, Tensor):
                _returned(hook, old._data, new)
                replaced.append(new)
            else:
                replaced.append(_returned(hook, old, new))
        return tuple(replaced)

    return self.add_post_hook(run)


def _check_count(hook, result: tuple, expected: int) -> None:
    if len(result) != expected:
        raise RuntimeError(f"hook '{_name(hook)}' has returned an incorrect number of values "
                           f"(got {len(result)}, but expected {expected})")
