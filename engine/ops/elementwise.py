"""Elementwise functions (exp, log, relu, ...), each with its local derivative.

>>> import engine as torch
>>> x = torch.tensor([0.0, 1.0], requires_grad=True)
>>> x.exp().sum().backward()
>>> x.grad
tensor([1.0000, 2.7183])
"""

from __future__ import annotations

import numpy as np

from engine import dtypes
from engine.autograd.graph import Node
from engine.ops.arithmetic import scalar_add, scalar_mul
from engine.ops.common import (
    broadcast_shape,
    check_tensor,
    promoted_arrays,
    record,
    saved_input,
    saved_output,
    sum_to_graph,
    sum_to_shape,
)
from engine.tensor import Tensor

__all__ = ["exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "clamp",
           "maximum", "minimum", "sign", "sgn", "where", "masked_fill"]


def _floating(input: Tensor) -> np.ndarray:
    """Integer and bool inputs compute in the default float dtype, as in torch."""
    data = input._data
    return data if input.dtype.is_floating_point else data.astype(np.float32)


def _nearer_torch(ufunc, data: np.ndarray) -> np.ndarray:
    """``ufunc`` of float32 data computed in float64 and rounded once to float32.

    torch's CPU kernels (SLEEF, within 1 ulp) are not correctly rounded; numpy's float32
    kernels err differently. Rounding the float64 result agrees with torch far more often
    (sin of ``linspace(0, 2*pi, 25)``: 1 value of 25 differs in the last bit, not 3; tanh
    and exp of 100,001 values: 0.1% and 1% differ, not 38% and 39%), but not always:
    matching every bit would need SLEEF's own polynomial kernels.
    """
    if data.dtype == np.float32:
        return ufunc(data, dtype=np.float64).astype(np.float32)
    return ufunc(data)


class _SavesResult(Node):
    __slots__ = ()

    def __init__(self, inputs, result):
        Node.__init__(self, inputs)
        self._saved = (result,)


class _SavesInput(Node):
    __slots__ = ()

    def __init__(self, inputs, *_):
        Node.__init__(self, inputs)
        self._saved = (inputs[0]._data,)


class ExpBackward0(_SavesResult):
    """exp(a): d/da = exp(a), the saved result."""

    __slots__ = ()

    def backward(self, grad):
        (result,) = self.saved
        return (grad * result,)

    def backward_graph(self, grad):
        (result,) = self.saved
        return (grad * saved_output(self, result),)


def exp(input: Tensor) -> Tensor:
    check_tensor(input, "exp")
    with np.errstate(over="ignore"):
        result = _nearer_torch(np.exp, _floating(input))
    return record(result, ExpBackward0, (input,), result)


class LogBackward0(_SavesInput):
    """log(a): d/da = 1 / a."""

    __slots__ = ()

    def backward(self, grad):
        (a,) = self.saved
        with np.errstate(divide="ignore", invalid="ignore"):
            return (grad / a,)

    def backward_graph(self, grad):
        (a,) = self.saved
        return (grad / saved_input(self, 0, a),)


def log(input: Tensor) -> Tensor:
    check_tensor(input, "log")
    with np.errstate(divide="ignore", invalid="ignore"):
        return record(_nearer_torch(np.log, _floating(input)), LogBackward0, (input,))


class SqrtBackward0(_SavesResult):
    """sqrt(a): d/da = 1 / (2 sqrt(a))."""

    __slots__ = ()

    def backward(self, grad):
        (result,) = self.saved
        with np.errstate(divide="ignore", invalid="ignore"):
            return (grad / (2 * result),)

    def backward_graph(self, grad):
        (result,) = self.saved
        return (grad / scalar_mul(saved_output(self, result), 2),)


def sqrt(input: Tensor) -> Tensor:
    check_tensor(input, "sqrt")
    with np.errstate(invalid="ignore"):
        result = np.sqrt(_floating(input))
    return record(result, SqrtBackward0, (input,), result)


class AbsBackward0(_SavesInput):
    """|a|: d/da = sign(a), which torch takes as 0 at 0 and at nan."""

    __slots__ = ()

    def backward(self, grad):
        (a,) = self.saved
        return (grad * np.sign(np.nan_to_num(a, nan=0.0, posinf=1.0, neginf=-1.0)),)

    def backward_graph(self, grad):
        (a,) = self.saved
        return (grad * sgn(saved_input(self, 0, a)),)


def abs(input: Tensor) -> Tensor:  # noqa: A001 - torch's name
    check_tensor(input, "abs")
    if input.dtype is dtypes.bool_:
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return record(np.abs(input._data), AbsBackward0, (input,))


class SinBackward0(_SavesInput):
    """sin(a): d/da = cos(a)."""

    __slots__ = ()

    def backward(self, grad):
        (a,) = self.saved
        return (grad * _nearer_torch(np.cos, a),)

    def backward_graph(self, grad):
        (a,) = self.saved
        return (grad * saved_input(self, 0, a).cos(),)


def sin(input: Tensor) -> Tensor:
    check_tensor(input, "sin")
    with np.errstate(invalid="ignore"):  # sin(inf) is nan, without a warning as in torch
        return record(_nearer_torch(np.sin, _floating(input)), SinBackward0, (input,))


class CosBackward0(_SavesInput):
    """cos(a): d/da = -sin(a)."""

    __slots__ = ()

    def backward(self, grad):
        (a,) = self.saved
        return (grad * -_nearer_torch(np.sin, a),)

    def backward_graph(self, grad):
        (a,) = self.saved
        return (grad * -saved_input(self, 0, a).sin(),)


def cos(input: Tensor) -> Tensor:
    check_tensor(input, "cos")
    with np.errstate(invalid="ignore"):  # cos(inf) is nan, without a warning as in torch
        return record(_nearer_torch(np.cos, _floating(input)), CosBackward0, (input,))


class TanhBackward0(_SavesResult):
    """tanh(a): d/da = 1 - tanh(a)**2."""

    __slots__ = ()

    def backward(self, grad):
        (result,) = self.saved
        return (grad * (1 - result * result),)

    def backward_graph(self, grad):
        (result,) = self.saved
        return (tanh_backward(grad, saved_output(self, result)),)


def tanh(input: Tensor) -> Tensor:
    check_tensor(input, "tanh")
    result = _nearer_torch(np.tanh, _floating(input))
    return record(result, TanhBackward0, (input,), result)


class SigmoidBackward0(_SavesResult):
    """sigmoid(a): d/da = s * (1 - s) with s the saved result."""

    __slots__ = ()

    def backward(self, grad):
        (result,) = self.saved
        return (grad * (result * (1 - result)),)

    def backward_graph(self, grad):
        (result,) = self.saved
        return (sigmoid_backward(grad, saved_output(self, result)),)


def sigmoid(input: Tensor) -> Tensor:
    check_tensor(input, "sigmoid")
    data = _floating(input)
    with np.errstate(over="ignore"):
        result = (1 / (1 + np.exp(-data))).astype(data.dtype, copy=False)
    return record(result, SigmoidBackward0, (input,), result)


class ReluBackward0(_SavesResult):
    """relu(a): the gradient where the result is positive, else 0 (never inf * 0)."""

    __slots__ = ()

    def backward(self, grad):
        (result,) = self.saved
        return (np.where(result <= 0, 0, grad),)

    def backward_graph(self, grad):
        (result,) = self.saved
        return (threshold_backward(grad, saved_output(self, result), 0),)


def relu(input: Tensor) -> Tensor:
    check_tensor(input, "relu")
    if input.dtype is dtypes.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    result = np.maximum(input._data, 0).astype(input._data.dtype, copy=False)
    return record(result, ReluBackward0, (input,), result)


class ClampBackward1(_SavesInput):
    """clamp(a, min, max): d/da = 1 inside [min, max], 0 where clamped."""

    __slots__ = ("min", "max")

    def __init__(self, inputs, low, high):
        _SavesInput.__init__(self, inputs)
        self.min, self.max = low, high

    def backward(self, grad):
        (a,) = self.saved
        return (np.where(self._inside(a), grad, 0),)

    def _inside(self, a: np.ndarray) -> np.ndarray:
        inside = np.ones(a.shape, dtype=bool)
        if self.min is not None:
            inside &= a >= self.min
        if self.max is not None:
            inside &= a <= self.max
        return inside

    def backward_graph(self, grad):
        (a,) = self.saved
        return (where(Tensor._wrap(self._inside(a)), grad, 0),)


class ClampBackward0(Node):
    """clamp(a, min, max) with tensor bounds: the gradient goes to whichever of a, min and
    max gave each element (torch's rule: where min > max, max wins)."""

    __slots__ = ("shapes",)

    def __init__(self, inputs):
        Node.__init__(self, inputs)
        self.shapes = tuple(None if bound is None else bound._data.shape for bound in inputs)
        self._saved = tuple(None if bound is None else bound._data for bound in inputs)

    def backward(self, grad):
        a, low, high = self.saved
        above_low = np.ones(a.shape, dtype=bool) if low is None else a >= low
        below_high = np.ones(a.shape, dtype=bool) if high is None else a <= high
        from_a = above_low & below_high
        from_low = ~above_low
        from_high = ~below_high
        if low is not None and high is not None:
            from_low &= low < high
            from_high |= high < low
        grads = []
        for index, picked in enumerate((from_a, from_low, from_high)):
            needed = self.needs_input_grad(index)
            grads.append(sum_to_shape(np.where(picked, grad, 0), self.shapes[index])
                         if needed else None)
        return tuple(grads)


def clamp(input: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 - torch's names
    """torch.clamp: numbers as bounds record ClampBackward1; tensors, ClampBackward0.

    >>> import engine as torch
    >>> x = torch.tensor([-2., 0.5, 3.], requires_grad=True)
    >>> x.clamp(torch.tensor([0., 0., 0.]), torch.tensor(1.))
    tensor([0.0000, 0.5000, 1.0000], grad_fn=<ClampBackward0>)
    >>> x.clamp(0., 1.)
    tensor([0.0000, 0.5000, 1.0000], grad_fn=<ClampBackward1>)
    """
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    bounds = [bound for bound in (min, max) if bound is not None]
    if len(bounds) == 2 and isinstance(min, Tensor) != isinstance(max, Tensor):
        _check_mixed_bounds(min, max)
    result = input._data.astype(dtypes.result_type(input, *bounds).numpy, copy=False)
    if min is not None:
        result = np.maximum(result, min._data if isinstance(min, Tensor) else min)
    if max is not None:
        result = np.minimum(result, max._data if isinstance(max, Tensor) else max)
    result = np.asarray(result, dtype=result.dtype)
    if all(isinstance(bound, Tensor) for bound in bounds):
        return record(result, ClampBackward0, (input, min, max))
    return record(result, ClampBackward1, (input,), *(
        bound.item() if isinstance(bound, Tensor) else bound for bound in (min, max)))


def _check_mixed_bounds(low, high) -> None:
    """A tensor and a number as bounds: torch accepts it only for a 0-dim tensor (a Number)."""
    if all(not isinstance(bound, Tensor) or bound._data.ndim == 0 for bound in (low, high)):
        return
    got = ", ".join("Tensor" if isinstance(b, Tensor) else type(b).__name__ for b in (low, high))
    marked = ", ".join(f"!{part}!" for part in got.split(", "))
    unmatched = f"      didn't match because some of the arguments have invalid types: ({marked})\n"
    raise TypeError(f"clamp() received an invalid combination of arguments - got ({got}), but "
                    f"expected one of:\n * (Tensor min = None, Tensor max = None)\n{unmatched}"
                    f" * (Number min = None, Number max = None)\n{unmatched}")


class _PairwiseExtreme(Node):
    """maximum/minimum of two tensors: the gradient goes to the winner, halved on ties
    (torch's masked formula: a nan on either side lets the gradient through to both)."""

    __slots__ = ("shapes",)

    def __init__(self, inputs):
        Node.__init__(self, inputs)
        self.shapes = (inputs[0]._data.shape, inputs[1]._data.shape)
        self._saved = (inputs[0]._data, inputs[1]._data)

    def backward(self, grad):
        a, b = self.saved
        shared = np.where(a == b, grad / 2, grad)
        return (sum_to_shape(np.where(self._wins(b, a), 0, shared), self.shapes[0])
                if self.needs_input_grad(0) else None,
                sum_to_shape(np.where(self._wins(a, b), 0, shared), self.shapes[1])
                if self.needs_input_grad(1) else None)


class MaximumBackward0(_PairwiseExtreme):
    """maximum(a, b) (also max(a, b))."""

    __slots__ = ()

    @staticmethod
    def _wins(a, b):
        return a > b


class MinimumBackward0(_PairwiseExtreme):
    """minimum(a, b) (also min(a, b))."""

    __slots__ = ()

    @staticmethod
    def _wins(a, b):
        return a < b


def maximum(input: Tensor, other: Tensor) -> Tensor:
    check_tensor(input, "maximum")
    check_tensor(other, "maximum", "other", 2)
    broadcast_shape(input._data.shape, other._data.shape)
    a, b, _ = promoted_arrays(input, other)
    return record(np.maximum(a, b), MaximumBackward0, (input, other))


def minimum(input: Tensor, other: Tensor) -> Tensor:
    check_tensor(input, "minimum")
    check_tensor(other, "minimum", "other", 2)
    broadcast_shape(input._data.shape, other._data.shape)
    a, b, _ = promoted_arrays(input, other)
    return record(np.minimum(a, b), MinimumBackward0, (input, other))


# ----- the backward functions a create_graph pass records (torch's *BackwardBackward0) ------

class TanhBackwardBackward0(Node):
    """tanh_backward(grad, y) = grad * (1 - y**2), as a create_graph pass records it."""

    __slots__ = ()

    def __init__(self, inputs):
        Node.__init__(self, inputs)
        self._saved = (inputs[0]._data, inputs[1]._data)

    def backward(self, grad):
        grad_output, output = self.saved
        return (grad * (1 - output * output), grad * (-2 * output * grad_output))

    def backward_graph(self, grad):
        grad_output, output = self.saved
        output_tensor = saved_input(self, 1, output)
        return (tanh_backward(grad, output_tensor) if self.needs_input_grad(0) else None,
                grad * (scalar_mul(output_tensor, -2) * saved_input(self, 0, grad_output))
                if self.needs_input_grad(1) else None)


def tanh_backward(grad: Tensor, output: Tensor) -> Tensor:
    data = grad._data * (1 - output._data * output._data)
    return record(data.astype(grad._data.dtype, copy=False), TanhBackwardBackward0,
                  (grad, output))


class SigmoidBackwardBackward0(Node):
    """sigmoid_backward(grad, y) = grad * y * (1 - y), as a create_graph pass records it."""

    __slots__ = ()

    def __init__(self, inputs):
        Node.__init__(self, inputs)
        self._saved = (inputs[0]._data, inputs[1]._data)

    def backward(self, grad):
        grad_output, output = self.saved
        return (grad * (output * (1 - output)), grad * grad_output * (-2 * output + 1))

    def backward_graph(self, grad):
        grad_output, output = self.saved
        output_tensor = saved_input(self, 1, output)
        return (sigmoid_backward(grad, output_tensor) if self.needs_input_grad(0) else None,
                grad * saved_input(self, 0, grad_output)
                * scalar_add(scalar_mul(output_tensor, -2), 1)
                if self.needs_input_grad(1) else None)


def sigmoid_backward(grad: Tensor, output: Tensor) -> Tensor:
    data = grad._data * (output._data * (1 - output._data))
    return record(data.astype(grad._data.dtype, copy=False), SigmoidBackwardBackward0,
                  (grad, output))


class ThresholdBackwardBackward0(Node):
    """threshold_backward(grad, x, t): grad where x > t, else 0 (relu's backward, recorded)."""

    __slots__ = ("threshold",)

    def __init__(self, inputs, threshold):
        Node.__init__(self, inputs)
        self.threshold = threshold
        self._saved = (inputs[1]._data,)

    def backward(self, grad):
        (x,) = self.saved
        return (np.where(x <= self.threshold, 0, grad),
                np.zeros_like(grad) if self.needs_input_grad(1) else None)

    def backward_graph(self, grad):
        (x,) = self.saved
        return (threshold_backward(grad, saved_input(self, 1, x), self.threshold)
                if self.needs_input_grad(0) else None,
                grad._wrap(np.zeros_like(grad._data)) if self.needs_input_grad(1) else None)


def threshold_backward(grad: Tensor, input: Tensor, threshold) -> Tensor:
    data = np.where(input._data <= threshold, 0, grad._data).astype(grad._data.dtype)
    return record(data, ThresholdBackwardBackward0, (grad, input), threshold)


class SgnBackward0(Node):
    """sgn(a): flat almost everywhere, so the gradient is 0."""

    __slots__ = ()

    def backward(self, grad):
        return (np.zeros_like(grad),)

    def backward_graph(self, grad):
        return (Tensor._wrap(np.zeros_like(grad._data)),)


class SignBackward0(SgnBackward0):
    """sign(a): as sgn for real numbers."""

    __slots__ = ()


def sgn(input: Tensor) -> Tensor:
    check_tensor(input, "sgn")
    return record(np.sign(input._data), SgnBackward0, (input,))


def sign(input: Tensor) -> Tensor:
    check_tensor(input, "sign")
    return record(np.sign(input._data), SignBackward0, (input,))


class WhereBackward0(Node):
    """where(condition, a, b): the gradient goes to a where condition holds, else to b."""

    __slots__ = ("shapes",)

    def __init__(self, inputs, condition):
        Node.__init__(self, inputs)
        self.shapes = tuple(getattr(v, "_data", np.zeros(())).shape for v in inputs)
        self._saved = (condition,)

    def backward(self, grad):
        (condition,) = self.saved
        return (sum_to_shape(np.where(condition, grad, 0), self.shapes[0])
                if self.needs_input_grad(0) else None,
                sum_to_shape(np.where(condition, 0, grad), self.shapes[1])
                if self.needs_input_grad(1) else None)

    def backward_graph(self, grad):
        (condition,) = self.saved
        mask = Tensor._wrap(condition)
        return (sum_to_graph(where(mask, grad, 0), self.shapes[0])
                if self.needs_input_grad(0) else None,
                sum_to_graph(where(mask, 0, grad), self.shapes[1])
                if self.needs_input_grad(1) else None)


def where(condition: Tensor, input, other) -> Tensor:
    """``input`` where ``condition`` holds, ``other`` elsewhere (tensors or numbers).

    >>> import engine as torch
    >>> torch.where(torch.tensor([True, False]), torch.tensor([1., 2.]), 0.)
    tensor([1., 0.])
    """
    check_tensor(condition, "where", "condition")
    if condition.dtype is not dtypes.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {condition.dtype.legacy_name}")
    a, b, result_dtype = promoted_arrays(input, other)
    data = np.asarray(np.where(condition._data, a, b)).astype(result_dtype.numpy, copy=False)
    return record(data, WhereBackward0, (input, other), condition._data)


class MaskedFillBackward0(Node):
    """masked_fill(mask, value): the gradient is 0 where the mask filled."""

    __slots__ = ()

    def __init__(self, inputs, mask):
        Node.__init__(self, inputs)
        self._saved = (mask,)

    def backward(self, grad):
        (mask,) = self.saved
        return (np.where(mask, 0, grad),)

    def backward_graph(self, grad):
        (mask,) = self.saved
        return (masked_fill(grad, Tensor._wrap(mask), 0),)


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    check_tensor(input, "masked_fill")
    if mask.dtype is not dtypes.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{mask.dtype.legacy_name}")
    broadcast_shape(input._data.shape, mask._data.shape)
    fill = value._data if isinstance(value, Tensor) else value
    data = np.where(mask._data, fill, input._data).astype(input._data.dtype, copy=False)
    return record(data, MaskedFillBackward0, (input,), np.broadcast_to(mask._data,
                                                                        data.shape))
