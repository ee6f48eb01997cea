"""What every op shares: recording a node, dtype promotion, broadcasting rules."""

from __future__ import annotations

import numbers

import numpy as np

from engine import dtypes
from engine.autograd.graph import VALUE_LIMIT, AccumulateGrad
from engine.grad_mode import _state as _grad_state
from engine.tensor import Tensor

__all__ = ["record", "sum_to_shape", "broadcast_shape", "promoted_arrays", "is_scalar",
           "check_tensor", "check_operands", "saved_input", "saved_output", "sum_to_graph"]


def record(data, node_class, inputs: tuple, *extra) -> Tensor:
    """Wrap ``data`` as the output of ``node_class`` applied to ``inputs``.

    The node is built (and saves what its ``__init__`` chooses to save) only
    when grad mode is on and some input requires grad.
    """
    output = Tensor._wrap(data)
    if _grad_state["enabled"]:
        for operand in inputs:
            if getattr(operand, "_requires_grad", False):
                node = output.grad_fn = node_class(inputs, *extra)
                output._requires_grad = True
                if output._data.size <= VALUE_LIMIT:
                    node._value = output._data
                if node._saved:
                    node.watch_saved(inputs, output)
                break
    return output


def is_scalar(value) -> bool:
    """A Python (or numpy) number, which torch treats as a 'wrapped number'."""
    return isinstance(value, numbers.Number) and not isinstance(value, Tensor)


def check_tensor(value, function: str, argument: str = "input", position: int = 1) -> Tensor:
    """torch's TypeError when a function is given something else than a tensor."""
    if not isinstance(value, Tensor):
        raise TypeError(f"{function}(): argument '{argument}' (position {position}) must be "
                        f"Tensor, not {type(value).__name__}")
    return value


_PYTHON_NUMBERS = (float, int, bool)


def check_operands(input, other, function: str) -> None:
    """Tensors or numbers (torch.add(2, 3) is fine); anything else gets torch's TypeError."""
    for value, argument, position in ((input, "input", 1), (other, "other", 2)):
        if type(value) not in _PYTHON_NUMBERS and not isinstance(value, (Tensor, numbers.Number)):
            check_tensor(value, function, argument, position)


def sum_to_shape(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a broadcast gradient back to an input's ``shape``."""
    if grad.shape == shape:
        return grad
    leading = grad.ndim - len(shape)
    axes = tuple(range(leading)) + tuple(
        leading + i for i, n in enumerate(shape) if n == 1 and grad.shape[leading + i] != 1)
    summed = grad.sum(axis=axes, keepdims=True) if axes else grad
    return summed.reshape(shape)


def broadcast_shape(a: tuple, b: tuple) -> tuple:
    """numpy's broadcast of two shapes, failing with torch's message."""
    if a == b:
        return a
    ndim = max(len(a), len(b))
    padded_a = (1,) * (ndim - len(a)) + tuple(a)
    padded_b = (1,) * (ndim - len(b)) + tuple(b)
    for dim in reversed(range(ndim)):  # torch reports the last mismatching dimension
        m, n = padded_a[dim], padded_b[dim]
        if m != n and m != 1 and n != 1:
            raise RuntimeError(f"The size of tensor a ({m}) must match the size of tensor b ({n}) "
                               f"at non-singleton dimension {dim}")
    return tuple(n if m == 1 else m for m, n in zip(padded_a, padded_b))


def promoted_arrays(a, b, result_dtype: dtypes.dtype | None = None):
    """Both operands as numpy values of torch's result dtype, and that dtype.

    Python numbers stay Python numbers (numpy treats them as weak, like torch).
    """
    if result_dtype is None:
        fast = _same_dtype_fast_path(a, b)
        if fast is not None:
            return fast
        result_dtype = dtypes.result_type(a, b)
    target = result_dtype.numpy
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):  # torch.mul(2.0, 3)
        return np.asarray(a, dtype=target), b, result_dtype
    return _as_array(a, target), _as_array(b, target), result_dtype


def _same_dtype_fast_path(a, b):
    """The common cases (float tensor with a Python number, two tensors of one dtype), quickly."""
    if type(a) is Tensor:
        if type(b) is Tensor:
            if a.dtype is b.dtype:
                return a._data, b._data, a.dtype
        elif type(b) in (float, int) and a.dtype.is_floating_point:
            return a._data, b, a.dtype
    elif type(b) is Tensor and type(a) in (float, int) and b.dtype.is_floating_point:
        return a, b._data, b.dtype
    return None


def _as_array(value, target: np.dtype):
    if isinstance(value, Tensor):
        data = value._data
        return data if data.dtype == target else data.astype(target)
    if isinstance(value, (bool, np.bool_)) and target.kind != "b":
        return int(value)
    if target.kind in "iub" and isinstance(value, float):
        return value
    return value


# ----- what a node's create_graph backward works on ---------------------------------------

def saved_input(node, index: int, array: np.ndarray) -> Tensor:
    """Input ``index`` of ``node`` as a tensor again, from the array the node saved (torch's
    SavedVariable): the leaf itself, or a tensor whose ``grad_fn`` is the input's node, so
    that a graph built from it leads back to where the input came from."""
    target, output_nr = node.next_functions[index]
    if target is None:
        return Tensor._wrap(array)
    if type(target) is AccumulateGrad:
        leaf = target.variable
        return leaf if leaf._data.dtype == array.dtype else leaf.to(Tensor._wrap(array))
    tensor = Tensor._wrap(array, requires_grad=True, grad_fn=target)
    tensor._output_nr = output_nr
    return tensor


def saved_output(node, array: np.ndarray) -> Tensor:
    """The node's own output as a tensor again (its ``grad_fn`` is the node)."""
    return Tensor._wrap(array, requires_grad=True, grad_fn=node)


def sum_to_graph(grad: Tensor, shape: tuple) -> Tensor:
    """``sum_to_shape`` with engine ops, so that it records (torch's ``sum_to``)."""
    shape = tuple(shape)
    if tuple(grad._data.shape) == shape:
        return grad
    leading = grad._data.ndim - len(shape)
    dims = tuple(range(leading)) + tuple(
        leading + i for i, n in enumerate(shape) if n == 1 and grad._data.shape[leading + i] != 1)
    if dims:
        grad = grad.sum(dims, keepdim=True)
    return grad.reshape(shape) if leading else grad
