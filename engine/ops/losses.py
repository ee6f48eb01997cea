"""Loss functions with torch's own nodes: mse_loss, nll_loss, binary cross entropy (plain and
with logits), and addmm, which ``nn.Linear`` records. ``engine.nn.functional`` builds the
rest (cross_entropy, l1_loss) from these and the other ops, as torch does.

>>> import engine as torch
>>> x = torch.tensor([0.5, 2.0], requires_grad=True)
>>> mse_loss(x, torch.tensor([1.0, 1.0]))
tensor(0.6250, grad_fn=<MseLossBackward0>)
"""

from __future__ import annotations

import numpy as np

from engine.autograd.graph import Node
from engine.ops.common import (
    broadcast_shape,
    check_tensor,
    record,
    saved_input,
    sum_to_graph,
    sum_to_shape,
)
from engine.ops.linalg import MmBackward0, _column_major
from engine.tensor import Tensor

__all__ = ["mse_loss", "nll_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "addmm", "REDUCTIONS"]

REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(values: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        return np.asarray(values.mean(dtype=values.dtype))
    if reduction == "sum":
        return np.asarray(values.sum(dtype=values.dtype))
    return values


def _scale(grad: np.ndarray, reduction: str, count: int) -> np.ndarray:
    """The upstream gradient spread over the elements a reduction combined."""
    if reduction == "mean":
        return grad / max(count, 1)
    return grad


def _same_shape(input: Tensor, target: Tensor, function: str) -> None:
    check_tensor(input, function)
    check_tensor(target, function, "target", 2)
    if input._data.shape != target._data.shape:
        broadcast_shape(input._data.shape, target._data.shape)


class MseLossBackward0(Node):
    """mse_loss: d/dinput = 2 (input - target) * grad (/ n for the mean), minus that for target."""

    __slots__ = ("reduction",)

    def __init__(self, inputs, reduction):
        Node.__init__(self, inputs)
        self.reduction = reduction
        self._saved = (inputs[0]._data, inputs[1]._data)

    def backward(self, grad):
        input, target = self.saved
        difference = input - target
        local = _scale(2 * difference * grad, self.reduction, difference.size)
        return (sum_to_shape(local, input.shape) if self.needs_input_grad(0) else None,
                sum_to_shape(-local, target.shape) if self.needs_input_grad(1) else None)

    def backward_graph(self, grad):
        input, target = self.saved
        data = _scale(2 * (input - target) * grad._data, self.reduction, input.size)
        local = record(data.astype(input.dtype, copy=False), MseLossBackwardBackward0,
                       (grad, saved_input(self, 0, input), saved_input(self, 1, target)),
                       self.reduction)
        return (sum_to_graph(local, input.shape) if self.needs_input_grad(0) else None,
                sum_to_graph(-local, target.shape) if self.needs_input_grad(1) else None)


class MseLossBackwardBackward0(Node):
    """mse_loss_backward(grad, input, target), recorded: 2 (input - target) grad (/ n)."""

    __slots__ = ("reduction",)

    def __init__(self, inputs, reduction):
        Node.__init__(self, inputs)
        self.reduction = reduction
        self._saved = (inputs[0]._data, inputs[1]._data, inputs[2]._data)

    def backward(self, grad):
        grad_output, input, target = self.saved
        count = input.size
        to_grad_output = 2 * grad * (input - target)
        if self.reduction != "none":
            to_grad_output = _scale(np.asarray(to_grad_output.sum()), self.reduction, count)
        to_input = _scale(2 * grad * grad_output, self.reduction, count)
        return (to_grad_output if self.needs_input_grad(0) else None,
                sum_to_shape(to_input, input.shape) if self.needs_input_grad(1) else None,
                sum_to_shape(-to_input, target.shape) if self.needs_input_grad(2) else None)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    _check_reduction(reduction)
    _same_shape(input, target, "mse_loss")
    difference = input._data - target._data
    return record(_reduce(difference * difference, reduction), MseLossBackward0,
                  (input, target), reduction)


class NllLossBackward0(Node):
    """nll_loss: -grad (/ n for the mean) at each row's target class, 0 elsewhere."""

    __slots__ = ("reduction", "input_shape")

    def __init__(self, inputs, target, reduction):
        Node.__init__(self, inputs)
        self.reduction, self.input_shape = reduction, inputs[0]._data.shape
        self._saved = (target,)

    def backward(self, grad):
        (target,) = self.saved
        full = np.zeros(self.input_shape, dtype=grad.dtype)
        if len(self.input_shape) == 1:
            full[int(target)] = -_scale(grad, self.reduction, 1)
            return (full,)
        rows = np.arange(self.input_shape[0])
        full[rows, target] = -_scale(grad, self.reduction, len(rows))
        return (full,)


def nll_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """The negative log likelihood of class indices (``input``: log-probabilities, N x C)."""
    _check_reduction(reduction)
    check_tensor(input, "nll_loss")
    check_tensor(target, "nll_loss", "target", 2)
    if target.dtype.is_floating_point:
        raise RuntimeError(f"expected scalar type Long but found {target.dtype.legacy_name}")
    data, classes = input._data, target._data
    if data.ndim not in (1, 2):
        raise ValueError(f"Expected 2 or fewer dimensions (got {data.ndim})")
    count = data.shape[-1]
    if np.any((classes < 0) | (classes >= count)):
        bad = int(classes[(classes < 0) | (classes >= count)].flat[0])
        raise IndexError(f"Target {bad} is out of bounds.")
    if data.ndim == 1:
        picked = -data[int(classes)]
    else:
        if classes.shape != (data.shape[0],):
            raise ValueError(f"Expected input batch_size ({data.shape[0]}) to match target "
                             f"batch_size ({classes.size}).")
        picked = -data[np.arange(data.shape[0]), classes]
    return record(_reduce(np.asarray(picked), reduction), NllLossBackward0, (input,), classes,
                  reduction)


class BinaryCrossEntropyBackward0(Node):
    """binary_cross_entropy: grad * (p - y) / max(p (1 - p), 1e-12) (/ n for the mean)."""

    __slots__ = ("reduction",)

    def __init__(self, inputs, reduction):
        Node.__init__(self, inputs)
        self.reduction = reduction
        self._saved = (inputs[0]._data, inputs[1]._data)

    def backward(self, grad):
        p, y = self.saved
        local = grad * (p - y) / np.maximum((1 - p) * p, 1e-12)
        return (_scale(local, self.reduction, p.size).astype(p.dtype, copy=False), None)


def binary_cross_entropy(input: Tensor, target: Tensor, weight=None,
                         reduction: str = "mean") -> Tensor:
    _check_reduction(reduction)
    _same_shape(input, target, "binary_cross_entropy")
    if weight is not None:
        raise RuntimeError("binary_cross_entropy(weight=...) is outside the engine's subset")
    p, y = input._data, target._data
    if np.any((p < 0) | (p > 1)):
        raise RuntimeError("all elements of input should be between 0 and 1")
    with np.errstate(divide="ignore"):
        log_p, log_q = np.maximum(np.log(p), -100), np.maximum(np.log(1 - p), -100)
    loss = ((y - 1) * log_q - y * log_p).astype(p.dtype, copy=False)
    return record(_reduce(loss, reduction), BinaryCrossEntropyBackward0, (input, target),
                  reduction)


class BinaryCrossEntropyWithLogitsBackward0(Node):
    """binary_cross_entropy_with_logits: grad * (sigmoid(x) - y) (/ n for the mean)."""

    __slots__ = ("reduction",)

    def __init__(self, inputs, reduction):
        Node.__init__(self, inputs)
        self.reduction = reduction
        self._saved = (inputs[0]._data, inputs[1]._data)

    def backward(self, grad):
        x, y = self.saved
        local = grad * (1 / (1 + np.exp(-x)) - y)
        return (_scale(local, self.reduction, x.size).astype(x.dtype, copy=False), None)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight=None,
                                     reduction: str = "mean", pos_weight=None) -> Tensor:
    _check_reduction(reduction)
    _same_shape(input, target, "binary_cross_entropy_with_logits")
    if weight is not None or pos_weight is not None:
        raise RuntimeError("binary_cross_entropy_with_logits(weight=, pos_weight=) is outside "
                           "the engine's subset")
    x, y = input._data, target._data
    with np.errstate(over="ignore"):
        loss = ((1 - y) * x + np.maximum(-x, 0)
                + np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)
    return record(_reduce(loss, reduction), BinaryCrossEntropyWithLogitsBackward0,
                  (input, target), reduction)


class AddmmBackward0(Node):
    """addmm(bias, a, b) = bias + a @ b: bias gets the gradient summed back to its shape,
    a gets grad @ b^T, b gets a^T @ grad."""

    __slots__ = ("bias_shape", "layouts")

    def __init__(self, inputs):
        Node.__init__(self, inputs)
        self.bias_shape = inputs[0]._data.shape
        self.layouts = (_column_major(inputs[1]._data), _column_major(inputs[2]._data))
        a, b = inputs[1], inputs[2]
        self._saved = (a._data if self.needs_input_grad(2) else None,
                       b._data if self.needs_input_grad(1) else None)

    def backward(self, grad):
        a, b = self.saved
        return (sum_to_shape(grad, self.bias_shape) if self.needs_input_grad(0) else None,
                grad @ b.T if self.needs_input_grad(1) else None,
                a.T @ grad if self.needs_input_grad(2) else None)

    def backward_graph(self, grad):
        a, b = self.saved
        first = second = None
        if self.needs_input_grad(1):
            other = saved_input(self, 2, b)
            first = MmBackward0.mat1_graph(grad, other, self.layouts[0])
        if self.needs_input_grad(2):
            other = saved_input(self, 1, a)
            second = MmBackward0.mat2_graph(grad, other, self.layouts[1])
        return (sum_to_graph(grad, self.bias_shape) if self.needs_input_grad(0) else None,
                first, second)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor) -> Tensor:
    """``input + mat1 @ mat2`` as one node (what ``nn.Linear`` records for a batch)."""
    for tensor, name, position in ((input, "input", 1), (mat1, "mat1", 2), (mat2, "mat2", 3)):
        check_tensor(tensor, "addmm", name, position)
    a, b = mat1._data, mat2._data
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError("mat1 must be a matrix" if a.ndim != 2 else "mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x"
                           f"{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")
    product = a @ b
    broadcast_shape(input._data.shape, product.shape)
    return record((input._data + product).astype(product.dtype, copy=False), AddmmBackward0,
                  (input, mat1, mat2))
