"""Comparisons (bool tensors, never recorded), equal and allclose, and dtype conversion.

>>> import engine as torch
>>> torch.arange(3) == torch.tensor([0, 5, 2])
tensor([ True, False,  True])
"""

from __future__ import annotations

import numpy as np

from engine import dtypes
from engine.autograd.graph import Node
from engine.ops.common import broadcast_shape, check_tensor, promoted_arrays, record
from engine.tensor import Tensor

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "equal", "allclose", "to_dtype"]


def _compare(ufunc, input: Tensor, other) -> Tensor:
    if isinstance(other, Tensor):
        broadcast_shape(input._data.shape, other._data.shape)
    elif not isinstance(other, (int, float, bool, np.number, np.bool_)):
        return NotImplemented
    a, b, _ = promoted_arrays(input, other)
    return Tensor._wrap(np.asarray(ufunc(a, b)))


def eq(input, other):
    return _compare(np.equal, input, other)


def ne(input, other):
    return _compare(np.not_equal, input, other)


def lt(input, other):
    return _compare(np.less, input, other)


def le(input, other):
    return _compare(np.less_equal, input, other)


def gt(input, other):
    return _compare(np.greater, input, other)


def ge(input, other):
    return _compare(np.greater_equal, input, other)


def equal(input: Tensor, other: Tensor) -> bool:
    """True when both have the same shape and the same values."""
    check_tensor(input, "equal")
    check_tensor(other, "equal", "other", 2)
    return input._data.shape == other._data.shape and bool(np.array_equal(input._data,
                                                                           other._data))


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    check_tensor(input, "allclose")
    check_tensor(other, "allclose", "other", 2)
    broadcast_shape(input._data.shape, other._data.shape)
    a, b, _ = promoted_arrays(input, other)
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


class ToCopyBackward0(Node):
    """A dtype conversion: the gradient converted back (the engine casts it at the edge)."""

    __slots__ = ()

    def backward(self, grad):
        return (grad,)


def to_dtype(input: Tensor, dtype) -> Tensor:
    target = dtypes.as_dtype(dtype)
    if target is input.dtype:
        return input
    result = record(input._data.astype(target.numpy), ToCopyBackward0, (input,))
    if not target.is_floating_point and result.grad_fn is not None:
        result.grad_fn, result._requires_grad = None, False
    return result
