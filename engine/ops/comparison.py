"""Comparisons (bool tensors, never recorded), equal and allclose, and dtype conversion.

>>> import engine as torch
>>> torch.arange(3) == torch.tensor([0, 5, 2])
tensor([ True, False,  True])
"""

from __future__ import annotations

import builtins

import numpy as np

from engine import dtypes
from engine.autograd.graph import Node
from engine.ops.common import broadcast_shape, check_tensor, promoted_arrays, record
from engine.tensor import Tensor

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "equal", "allclose", "to_dtype", "logical_and",
           "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or",
           "bitwise_xor", "bitwise_not", "all", "any"]


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

    def backward_graph(self, grad):
        return (grad,)  # the pass converts it to the input's dtype at the edge


def to_dtype(input: Tensor, dtype, copy: bool = False) -> Tensor:
    target = dtypes.as_dtype(dtype)
    if target is input.dtype and not copy:
        return input
    result = record(input._data.astype(target.numpy), ToCopyBackward0, (input,))
    if not target.is_floating_point and result.grad_fn is not None:
        result.grad_fn, result._requires_grad = None, False
    return result


def _logical(ufunc, input: Tensor, other) -> Tensor:
    check_tensor(input, ufunc.__name__)
    b = other._data if isinstance(other, Tensor) else other
    if isinstance(other, Tensor):
        broadcast_shape(input._data.shape, other._data.shape)
    return Tensor._wrap(np.asarray(ufunc(input._data, b)))


def logical_and(input: Tensor, other: Tensor) -> Tensor:
    return _logical(np.logical_and, input, other)


def logical_or(input: Tensor, other: Tensor) -> Tensor:
    return _logical(np.logical_or, input, other)


def logical_xor(input: Tensor, other: Tensor) -> Tensor:
    return _logical(np.logical_xor, input, other)


def logical_not(input: Tensor) -> Tensor:
    check_tensor(input, "logical_not")
    return Tensor._wrap(np.logical_not(input._data))


def _bitwise(ufunc, name: str):
    def operator(input: Tensor, other) -> Tensor:
        """``&``, ``|``, ``^`` on bool or integer tensors (never recorded)."""
        if isinstance(other, Tensor):
            broadcast_shape(input._data.shape, other._data.shape)
            kinds = (input.dtype, other.dtype)
        else:
            kinds = (input.dtype,)
        if builtins.any(kind.is_floating_point for kind in kinds):
            raise RuntimeError(f'"{name}_cpu" not implemented for \'Float\'')
        a, b, _ = promoted_arrays(input, other)
        return Tensor._wrap(np.asarray(ufunc(a, b)))
    operator.__name__ = name
    return operator


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input: Tensor) -> Tensor:
    """``~x``: logical not of a bool tensor, bitwise not of an integer one."""
    if input.dtype.is_floating_point:
        raise RuntimeError("\"bitwise_not_cpu\" not implemented for 'Float'")
    return Tensor._wrap(np.invert(input._data))


def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where every element is nonzero (a bool tensor)."""
    return Tensor._wrap(np.asarray(np.all(input._data, axis=dim, keepdims=keepdim)))


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where some element is nonzero (a bool tensor)."""
    return Tensor._wrap(np.asarray(np.any(input._data, axis=dim, keepdims=keepdim)))
