"""Reductions (sum, mean, max, min) and the softmax family.

>>> import engine as torch
>>> A = torch.ones(2, 3, requires_grad=True)
>>> A.sum().grad_fn.name(), A.sum(0).grad_fn.name(), A.mean(dim=1, keepdim=True).shape
('SumBackward0', 'SumBackward1', torch.Size([2, 1]))
"""

from __future__ import annotations

import builtins
import warnings

import numpy as np

from engine import dtypes
from engine.autograd.graph import Node
from engine.dims import normalize_dim
from engine.ops.arithmetic import scalar_div
from engine.ops.common import check_tensor, record, saved_input, saved_output
from engine.ops.comparison import to_dtype
from engine.ops.elementwise import maximum, minimum
from engine.tensor import Tensor

__all__ = ["sum", "mean", "max", "min", "softmax", "log_softmax", "ReturnTypes"]


def _dims(dim, ndim: int) -> tuple:
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    if not dims:  # torch reads an empty list of dims as every dim
        return tuple(range(ndim))
    normalized = tuple(normalize_dim(d, ndim) for d in dims)
    return normalized if ndim else ()


def _expand_back(grad: np.ndarray, input_shape: tuple, dims: tuple, keepdim: bool):
    """Broadcast a reduced gradient back over the reduced dims."""
    if not keepdim and dims:
        grad = np.expand_dims(grad, dims)
    return np.broadcast_to(grad, input_shape)


class SumBackward0(Node):
    """sum(): every element gets the gradient."""

    __slots__ = ("input_shape",)

    def __init__(self, inputs):
        Node.__init__(self, inputs)
        self.input_shape = inputs[0]._data.shape

    def backward(self, grad):
        return (np.full(self.input_shape, grad, dtype=grad.dtype),)

    def backward_graph(self, grad):
        return (grad.expand(*self.input_shape),)


class SumBackward1(Node):
    """sum(dim, keepdim): the gradient broadcast back over the summed dims."""

    __slots__ = ("input_shape", "dims", "keepdim")

    def __init__(self, inputs, dims, keepdim):
        Node.__init__(self, inputs)
        self.input_shape, self.dims, self.keepdim = inputs[0]._data.shape, dims, keepdim

    def backward(self, grad):
        return (_expand_back(grad, self.input_shape, self.dims, self.keepdim),)

    def backward_graph(self, grad):
        return (_expand_back_graph(grad, self.input_shape, self.dims, self.keepdim),)


def _expand_back_graph(grad, input_shape: tuple, dims: tuple, keepdim: bool):
    if not keepdim:
        for dim in sorted(dims):
            grad = grad.unsqueeze(dim)
    return grad.expand(*input_shape)


def _sum_dtype(input: Tensor, dtype) -> np.dtype:
    if dtype is not None:
        return dtypes.as_dtype(dtype).numpy
    return input._data.dtype if input.dtype.is_floating_point else np.dtype(np.int64)


def _keepdim_without_dim(name: str) -> TypeError:
    """torch's argument-parser error for ``x.sum(keepdim=True)`` (method form)."""
    if name in ("sum", "mean"):
        expected = (" * (*, torch.dtype dtype = None)\n"
                    " * (tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)\n")
    else:
        unused = "      didn't match because some of the keywords were incorrect: keepdim\n"
        expected = f" * ()\n{unused} * (Tensor other)\n{unused} * (int dim, bool keepdim = False)\n"
    return TypeError(f"{name}() received an invalid combination of arguments - got "
                     f"(keepdim=bool, ), but expected one of:\n{expected}")


def _check_keepdim(name: str, dim, keepdim) -> bool:
    """``keepdim`` only makes sense with ``dim``: torch refuses it alone."""
    if dim is None and keepdim is not None:
        raise _keepdim_without_dim(name)
    return bool(keepdim)


def sum(input: Tensor, dim=None, keepdim=None, *, dtype=None) -> Tensor:  # noqa: A001
    check_tensor(input, "sum")
    keepdim = _check_keepdim("sum", dim, keepdim)
    target = _sum_dtype(input, dtype)
    if dim is None:
        return record(np.asarray(input._data.sum(dtype=target)), SumBackward0, (input,))
    dims = _dims(dim, input._data.ndim)
    data = np.asarray(input._data.sum(axis=dims, keepdims=keepdim, dtype=target))
    return record(data, SumBackward1, (input,), dims, keepdim)


class MeanBackward0(Node):
    """mean(): every element gets grad / n."""

    __slots__ = ("input_shape",)

    def __init__(self, inputs):
        Node.__init__(self, inputs)
        self.input_shape = inputs[0]._data.shape

    def backward(self, grad):
        count = builtins.max(int(np.prod(self.input_shape, dtype=np.int64)), 1)
        return (np.broadcast_to(grad / count, self.input_shape),)

    def backward_graph(self, grad):
        count = builtins.max(int(np.prod(self.input_shape, dtype=np.int64)), 1)
        return (scalar_div(grad.expand(*self.input_shape), count),)


class MeanBackward1(Node):
    """mean(dim, keepdim): grad / (elements averaged), broadcast back."""

    __slots__ = ("input_shape", "dims", "keepdim")

    def __init__(self, inputs, dims, keepdim):
        Node.__init__(self, inputs)
        self.input_shape, self.dims, self.keepdim = inputs[0]._data.shape, dims, keepdim

    def backward(self, grad):
        count = int(np.prod([self.input_shape[d] for d in self.dims], dtype=np.int64))
        grad = grad / builtins.max(count, 1)
        return (_expand_back(grad, self.input_shape, self.dims, self.keepdim),)

    def backward_graph(self, grad):
        count = int(np.prod([self.input_shape[d] for d in self.dims], dtype=np.int64))
        expanded = _expand_back_graph(grad, self.input_shape, self.dims, self.keepdim)
        return (scalar_div(expanded, builtins.max(count, 1)),)


def mean(input: Tensor, dim=None, keepdim=None, *, dtype=None) -> Tensor:
    check_tensor(input, "mean")
    keepdim = _check_keepdim("mean", dim, keepdim)
    target = dtypes.as_dtype(dtype) if dtype is not None else input.dtype
    if not target.is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {target.legacy_name}")
    data = input._data.astype(target.numpy, copy=False)
    if dim is None:
        return record(_numpy_mean(data, None, False, target.numpy), MeanBackward0, (input,))
    dims = _dims(dim, input._data.ndim)
    result = _numpy_mean(data, dims, keepdim, target.numpy)
    return record(result, MeanBackward1, (input,), dims, keepdim)


def _numpy_mean(data: np.ndarray, axis, keepdims: bool, dtype) -> np.ndarray:
    if data.size:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return np.asarray(data.mean(axis=axis, keepdims=keepdims, dtype=dtype))
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # torch gives nan without a warning
        return np.asarray(data.mean(axis=axis, keepdims=keepdims, dtype=dtype))


class ReturnTypes(tuple):
    """The ``(values, indices)`` pair that ``max(dim)``/``min(dim)`` return, as torch prints it."""

    def __new__(cls, function: str, values: Tensor, indices: Tensor):
        pair = tuple.__new__(cls, (values, indices))
        pair.function = function
        return pair

    @property
    def values(self) -> Tensor:
        return self[0]

    @property
    def indices(self) -> Tensor:
        return self[1]

    def __repr__(self) -> str:
        return (f"torch.return_types.{self.function}(\nvalues={self[0]!r},\n"
                f"indices={self[1]!r})")


class _EvenlyDistributed(Node):
    """max()/min() of everything: the gradient is shared evenly among the tied extremes."""

    __slots__ = ()

    def __init__(self, inputs, result):
        Node.__init__(self, inputs)
        self._saved = (inputs[0]._data, result)

    def backward(self, grad):
        data, result = self.saved
        mask = np.isnan(data) if np.isnan(result) else data == result  # a nan takes it all
        return (np.where(mask, grad / mask.sum(), 0).astype(grad.dtype, copy=False),)


class MaxBackward1(_EvenlyDistributed):
    """max() of all elements."""

    __slots__ = ()


class MinBackward1(_EvenlyDistributed):
    """min() of all elements."""

    __slots__ = ()


class _IndexSelecting(Node):
    """max(dim)/min(dim): the gradient goes to the chosen index along dim (saves the indices)."""

    __slots__ = ("input_shape", "dim", "keepdim")

    def __init__(self, inputs, indices, dim, keepdim):
        Node.__init__(self, inputs)
        self.input_shape, self.dim, self.keepdim = inputs[0]._data.shape, dim, keepdim
        self._saved = (indices,)

    def backward(self, grad):
        (indices,) = self.saved
        if not self.keepdim and len(self.input_shape):
            grad = np.expand_dims(grad, self.dim)
            indices = np.expand_dims(indices, self.dim)
        full = np.zeros(self.input_shape, dtype=grad.dtype)
        if len(self.input_shape):
            np.put_along_axis(full, indices, grad, axis=self.dim)
        else:
            full[...] = grad
        return (full,)


class MaxBackward0(_IndexSelecting):
    """max(dim)."""

    __slots__ = ()


class MinBackward0(_IndexSelecting):
    """min(dim)."""

    __slots__ = ()


def _extreme(name: str, pick, arg_pick, whole_node, dim_node, input: Tensor, dim, keepdim):
    data = input._data
    if dim is None:
        if data.size == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                f"Specify the reduction dim with the 'dim' argument.")
        result = np.asarray(pick(data))
        return record(result, whole_node, (input,), result)
    if isinstance(dim, Tensor):
        return (maximum if name == "max" else minimum)(input, dim)
    dim = normalize_dim(dim, data.ndim)
    if data.ndim == 0:
        indices = np.zeros((), dtype=np.int64)
        values = data.copy()
    else:
        indices = np.asarray(arg_pick(data, axis=dim, keepdims=keepdim)).astype(np.int64)
        values = np.asarray(pick(data, axis=dim, keepdims=keepdim))
    values_tensor = record(values, dim_node, (input,), indices, dim, keepdim)
    return ReturnTypes(name, values_tensor, Tensor._wrap(indices))


def max(input: Tensor, dim=None, keepdim=None):  # noqa: A001 - torch's name
    check_tensor(input, "max")
    keepdim = _check_keepdim("max", dim, keepdim)
    return _extreme("max", np.max, np.argmax, MaxBackward1, MaxBackward0, input, dim, keepdim)


def min(input: Tensor, dim=None, keepdim=None):  # noqa: A001 - torch's name
    check_tensor(input, "min")
    keepdim = _check_keepdim("min", dim, keepdim)
    return _extreme("min", np.min, np.argmin, MinBackward1, MinBackward0, input, dim, keepdim)


def _check_softmax_input(input: Tensor, name: str) -> None:
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f'"{name}_lastdim_kernel_impl" not implemented for \'{input.dtype.legacy_name}\'')


class SoftmaxBackward0(Node):
    """softmax(dim): d = s * (grad - sum(grad * s)) along dim."""

    __slots__ = ("dim",)

    def __init__(self, inputs, dim, result):
        Node.__init__(self, inputs)
        self.dim = dim
        self._saved = (result,)

    def backward(self, grad):
        (result,) = self.saved
        return (result * (grad - (grad * result).sum(axis=self.dim, keepdims=True)),)

    def backward_graph(self, grad):
        (result,) = self.saved
        return (_backward_data(SoftmaxBackwardDataBackward0, grad, saved_output(self, result),
                               self.dim),)


def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    check_tensor(input, "softmax")
    if dtype is not None:  # torch converts first (a ToCopyBackward0 node)
        input = to_dtype(input, dtype)
    _check_softmax_input(input, "softmax")
    dim = normalize_dim(dim, input._data.ndim)
    data = input._data
    with np.errstate(invalid="ignore"):  # inf - inf is nan, without a warning as in torch
        shifted = np.exp(data - data.max(axis=dim, keepdims=True))
        result = shifted / shifted.sum(axis=dim, keepdims=True)
    return record(result, SoftmaxBackward0, (input,), dim, result)


class LogSoftmaxBackward0(Node):
    """log_softmax(dim): d = grad - softmax * sum(grad) along dim."""

    __slots__ = ("dim",)

    def __init__(self, inputs, dim, result):
        Node.__init__(self, inputs)
        self.dim = dim
        self._saved = (result,)

    def backward(self, grad):
        (result,) = self.saved
        return (grad - np.exp(result) * grad.sum(axis=self.dim, keepdims=True),)

    def backward_graph(self, grad):
        (result,) = self.saved
        return (_backward_data(LogSoftmaxBackwardDataBackward0, grad,
                               saved_output(self, result), self.dim),)


def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    check_tensor(input, "log_softmax")
    if dtype is not None:  # torch converts first (a ToCopyBackward0 node)
        input = to_dtype(input, dtype)
    _check_softmax_input(input, "log_softmax")
    dim = normalize_dim(dim, input._data.ndim)
    data = input._data
    with np.errstate(invalid="ignore", divide="ignore"):
        shifted = data - data.max(axis=dim, keepdims=True)
        result = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
    return record(result, LogSoftmaxBackward0, (input,), dim, result)


# ----- softmax's backward as a create_graph pass records it (torch's _softmax_backward_data) -

class _BackwardData(Node):
    __slots__ = ("dim",)

    def __init__(self, inputs, dim):
        Node.__init__(self, inputs)
        self.dim = dim
        self._saved = (inputs[0]._data, inputs[1]._data)


class SoftmaxBackwardDataBackward0(_BackwardData):
    """y * (g - sum(g * y)): d/dg is the same map; d/dy = g gg - sum(y g) gg - g sum(y gg)."""

    __slots__ = ()

    @staticmethod
    def value(grad_output, output, dim):
        return output * (grad_output - (grad_output * output).sum(axis=dim, keepdims=True))

    def backward(self, grad):
        grad_output, output = self.saved
        dim = self.dim
        return (self.value(grad, output, dim) if self.needs_input_grad(0) else None,
                grad_output * grad - (output * grad_output).sum(axis=dim, keepdims=True) * grad
                - grad_output * (output * grad).sum(axis=dim, keepdims=True)
                if self.needs_input_grad(1) else None)

    def backward_graph(self, grad):
        grad_output, output = (saved_input(self, i, a) for i, a in enumerate(self.saved))
        dim = self.dim
        return (_backward_data(SoftmaxBackwardDataBackward0, grad, output, dim)
                if self.needs_input_grad(0) else None,
                grad_output * grad - sum(output * grad_output, dim, True) * grad
                - grad_output * sum(output * grad, dim, True)
                if self.needs_input_grad(1) else None)


class LogSoftmaxBackwardDataBackward0(_BackwardData):
    """g - exp(y) sum(g): d/dg is its transpose, gg - sum(gg exp(y)); d/dy = -sum(g) exp(y) gg."""

    __slots__ = ()

    @staticmethod
    def value(grad_output, output, dim):
        return grad_output - np.exp(output) * grad_output.sum(axis=dim, keepdims=True)

    def backward(self, grad):
        grad_output, output = self.saved
        dim = self.dim
        return (grad - (grad * np.exp(output)).sum(axis=dim, keepdims=True)
                if self.needs_input_grad(0) else None,
                -grad_output.sum(axis=dim, keepdims=True) * np.exp(output) * grad
                if self.needs_input_grad(1) else None)

    def backward_graph(self, grad):
        grad_output, output = (saved_input(self, i, a) for i, a in enumerate(self.saved))
        dim = self.dim
        return (grad - sum(grad * output.exp(), dim, True) if self.needs_input_grad(0) else None,
                -sum(grad_output, dim, True) * output.exp() * grad
                if self.needs_input_grad(1) else None)


def _backward_data(node_class, grad_output: Tensor, output: Tensor, dim: int) -> Tensor:
    data = node_class.value(grad_output._data, output._data, dim)
    return record(np.asarray(data, dtype=grad_output._data.dtype), node_class,
                  (grad_output, output), dim)
