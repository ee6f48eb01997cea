"""The arithmetic operators: + - * / ** and unary minus, one node class each.

>>> import engine as torch
>>> x = torch.arange(3.0, requires_grad=True)
>>> (2 * x).grad_fn.name(), (2 - x).grad_fn.name(), (2 / x).grad_fn.name()
('MulBackward0', 'RsubBackward1', 'MulBackward0')
"""

from __future__ import annotations

import numbers

import numpy as np

from engine import dtypes
from engine.autograd.graph import Node
from engine.ops.common import (
    broadcast_shape,
    check_operands,
    check_tensor,
    is_scalar,
    promoted_arrays,
    record,
    saved_input,
    saved_output,
    sum_to_graph,
    sum_to_shape,
)
from engine.tensor import Tensor

__all__ = ["add", "sub", "rsub", "mul", "div", "neg", "pow", "reciprocal"]


_WRAPPED_NUMBERS: dict = {}


def _as_saved(value, dtype: np.dtype):
    """A value a node keeps for backward; Python numbers become 0-d arrays, as torch wraps them.

    The arrays for numbers are shared and read-only (the same ``2`` is saved by many nodes).
    A tensor is kept in the op's dtype, so that backward computes in it as torch does.
    """
    if isinstance(value, Tensor):
        data = value._data
        return data if data.dtype == dtype else data.astype(dtype)
    key = (value, dtype)
    wrapped = _WRAPPED_NUMBERS.get(key)
    if wrapped is None:
        if len(_WRAPPED_NUMBERS) > 1024:
            _WRAPPED_NUMBERS.clear()
        wrapped = _WRAPPED_NUMBERS[key] = np.asarray(value, dtype=dtype)
        wrapped.flags.writeable = False
    return wrapped


def _shape(value) -> tuple:
    return value._data.shape if isinstance(value, Tensor) else ()


_PLAIN_NUMBERS = frozenset((float, int))


def _check_shapes(a, b, function: str = "pow") -> None:
    """Broadcastable tensors, or a tensor and a number (else torch's TypeError)."""
    if type(a) is Tensor and type(b) in _PLAIN_NUMBERS:  # the common case, quickly
        return
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        if a._data.shape != b._data.shape:
            broadcast_shape(a._data.shape, b._data.shape)
    else:
        check_operands(a, b, function)


class AddBackward0(Node):
    """a + alpha * b: the gradient passes through unchanged (scaled by alpha for b)."""

    __slots__ = ("alpha", "shapes")

    def __init__(self, inputs, alpha):
        Node.__init__(self, inputs)
        self.alpha = alpha
        self.shapes = (_shape(inputs[0]), _shape(inputs[1]))

    def backward(self, grad):
        other = grad if self.alpha == 1 else grad * self.alpha
        return (sum_to_shape(grad, self.shapes[0]) if self.needs_input_grad(0) else None,
                sum_to_shape(other, self.shapes[1]) if self.needs_input_grad(1) else None)

    def backward_graph(self, grad):
        other = grad if self.alpha == 1 else scalar_mul(grad, self.alpha)
        return (sum_to_graph(grad, self.shapes[0]) if self.needs_input_grad(0) else None,
                sum_to_graph(other, self.shapes[1]) if self.needs_input_grad(1) else None)


def add(input, other, *, alpha=1) -> Tensor:
    _check_shapes(input, other, "add")
    a, b, _ = promoted_arrays(input, other)
    return record(a + b if alpha == 1 else a + alpha * b, AddBackward0, (input, other), alpha)


class SubBackward0(Node):
    """a - alpha * b: the gradient passes to a, negated to b."""

    __slots__ = ("alpha", "shapes")

    def __init__(self, inputs, alpha):
        Node.__init__(self, inputs)
        self.alpha = alpha
        self.shapes = (_shape(inputs[0]), _shape(inputs[1]))

    def backward(self, grad):
        return (sum_to_shape(grad, self.shapes[0]) if self.needs_input_grad(0) else None,
                sum_to_shape(-grad * self.alpha, self.shapes[1])
                if self.needs_input_grad(1) else None)

    def backward_graph(self, grad):
        other = -grad if self.alpha == 1 else scalar_mul(-grad, self.alpha)
        return (sum_to_graph(grad, self.shapes[0]) if self.needs_input_grad(0) else None,
                sum_to_graph(other, self.shapes[1]) if self.needs_input_grad(1) else None)


def _is_bool(value) -> bool:
    if isinstance(value, Tensor):
        return value.dtype is dtypes.bool_
    return isinstance(value, (bool, np.bool_))


def _check_bool_subtraction(input, other) -> None:
    """torch refuses ``-`` when either side is a bool (a Python bool counts as one)."""
    first, second = _is_bool(input), _is_bool(other)
    if first and second:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if first or second:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


def sub(input, other, *, alpha=1) -> Tensor:
    _check_shapes(input, other, "sub")
    _check_bool_subtraction(input, other)
    a, b, _ = promoted_arrays(input, other)
    return record(a - b if alpha == 1 else a - alpha * b, SubBackward0, (input, other), alpha)


class RsubBackward1(Node):
    """number - alpha * tensor (``2 - x``): one edge, the gradient negated."""

    __slots__ = ("alpha",)

    def __init__(self, inputs, alpha):
        Node.__init__(self, inputs[:1])
        self.alpha = alpha

    def backward(self, grad):
        return (-grad * self.alpha,)

    def backward_graph(self, grad):
        return (-grad if self.alpha == 1 else scalar_mul(-grad, self.alpha),)


def rsub(input: Tensor, other, *, alpha=1) -> Tensor:
    """``other - alpha * input``; with a number ``other`` this is torch's RsubBackward1."""
    if isinstance(other, Tensor):
        return sub(other, input, alpha=alpha)
    _check_bool_subtraction(input, other)
    a, b, _ = promoted_arrays(input, other)
    return record(b - a if alpha == 1 else b - alpha * a, RsubBackward1, (input, other), alpha)


class MulBackward0(Node):
    """a * b: d/da = b, d/db = a. Saves only the factor the other side needs."""

    __slots__ = ("shapes",)

    def __init__(self, inputs, dtype):
        Node.__init__(self, inputs)
        a, b = inputs
        self.shapes = (_shape(a), _shape(b))
        self._saved = (_as_saved(a, dtype) if self.needs_input_grad(1) else None,
                      _as_saved(b, dtype) if self.needs_input_grad(0) else None)

    def backward(self, grad):
        a, b = self.saved
        return (None if b is None else sum_to_shape(grad * b, self.shapes[0]),
                None if a is None else sum_to_shape(grad * a, self.shapes[1]))

    def backward_graph(self, grad):
        a, b = self.saved
        return (None if b is None else sum_to_graph(grad * saved_input(self, 1, b),
                                                    self.shapes[0]),
                None if a is None else sum_to_graph(grad * saved_input(self, 0, a),
                                                    self.shapes[1]))


def mul(input, other) -> Tensor:
    _check_shapes(input, other, "mul")
    a, b, result_dtype = promoted_arrays(input, other)
    return record(a * b, MulBackward0, (input, other), result_dtype.numpy)


class DivBackward0(Node):
    """a / b: d/da = 1/b, d/db = -(a/b)/b (computed in torch's order, so rounding agrees)."""

    __slots__ = ("shapes",)

    def __init__(self, inputs, dtype):
        Node.__init__(self, inputs)
        a, b = inputs
        self.shapes = (_shape(a), _shape(b))
        self._saved = (_as_saved(a, dtype) if self.needs_input_grad(1) else None,
                      _as_saved(b, dtype))

    def backward(self, grad):
        a, b = self.saved
        return (sum_to_shape(grad / b, self.shapes[0]) if self.needs_input_grad(0) else None,
                sum_to_shape(-grad * ((a / b) / b), self.shapes[1])
                if self.needs_input_grad(1) else None)

    def backward_graph(self, grad):
        a, b = self.saved
        divisor = saved_input(self, 1, b)
        first = second = None
        if self.needs_input_grad(0):
            first = sum_to_graph(grad / divisor, self.shapes[0])
        if self.needs_input_grad(1):
            dividend = saved_input(self, 0, a)
            second = sum_to_graph(-grad * ((dividend / divisor) / divisor), self.shapes[1])
        return first, second


def _true_division_dtype(input, other) -> dtypes.dtype:
    result = dtypes.result_type(input, other)
    return result if result.is_floating_point else dtypes.get_default_dtype()


def div(input, other) -> Tensor:
    _check_shapes(input, other, "div")
    a, b, result_dtype = promoted_arrays(input, other, _true_division_dtype(input, other))
    if not isinstance(a, np.ndarray):
        a = np.asarray(a, dtype=result_dtype.numpy)
    with np.errstate(divide="ignore", invalid="ignore"):
        return record(np.true_divide(a, b, dtype=result_dtype.numpy), DivBackward0,
                      (input, other), result_dtype.numpy)


class ReciprocalBackward0(Node):
    """1 / a: d/da = -1/a**2 = -result**2 (saves the result)."""

    __slots__ = ()

    def __init__(self, inputs, result):
        Node.__init__(self, inputs)
        self._saved = (result,)

    def backward(self, grad):
        (result,) = self.saved
        return (-grad * result * result,)

    def backward_graph(self, grad):
        (result,) = self.saved
        result = saved_output(self, result)
        return (-grad * (result * result),)


def reciprocal(input: Tensor) -> Tensor:
    check_tensor(input, "reciprocal")
    data = input._data if input.dtype.is_floating_point else input._data.astype(np.float32)
    with np.errstate(divide="ignore"):
        result = np.reciprocal(data)
    return record(result, ReciprocalBackward0, (input,), result)


def rdiv(input: Tensor, other) -> Tensor:
    """``number / tensor``: torch computes ``reciprocal(tensor) * number``."""
    return mul(reciprocal(input), other)


class NegBackward0(Node):
    """-a: the gradient negated."""

    __slots__ = ()

    def backward(self, grad):
        return (-grad,)

    def backward_graph(self, grad):
        return (-grad,)


def neg(input: Tensor) -> Tensor:
    check_tensor(input, "neg")
    if input.dtype is dtypes.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")
    return record(-input._data, NegBackward0, (input,))


def power_by_number(base: np.ndarray, exponent) -> np.ndarray:
    """``base ** exponent`` as torch computes it: x ** 2 is x * x, x ** 0.5 is sqrt(x),
    x ** -0.5 is 1 / sqrt(x), ... so that infinities and signed zeros come out alike."""
    if exponent == 2:
        return base * base
    if base.dtype.kind == "f":
        if exponent == 0.5:
            return np.sqrt(base)
        if exponent == -0.5:
            return 1 / np.sqrt(base)
        if exponent == -1:
            return 1 / base
        if exponent == 3:
            return base * base * base
        if exponent == -2:
            return 1 / (base * base)
    return np.power(base, exponent)


class PowBackward0(Node):
    """a ** p for a number p: d/da = p * a**(p-1)."""

    __slots__ = ("exponent",)

    def __init__(self, inputs, exponent):
        Node.__init__(self, inputs[:1])
        self.exponent = exponent
        self._saved = (inputs[0]._data,)

    def backward(self, grad):
        (base,) = self.saved
        if self.exponent == 0:
            return (np.zeros_like(grad),)
        return (grad * (self.exponent * power_by_number(base, self.exponent - 1)),)

    def backward_graph(self, grad):
        (base,) = self.saved
        if self.exponent == 0:
            return (grad._wrap(np.zeros_like(grad._data)),)
        power = saved_input(self, 0, base) ** (self.exponent - 1)
        return (grad * scalar_mul(power, self.exponent),)


class PowBackward1(Node):
    """a ** b for tensors: d/da = b * a**(b-1), d/db = a**b * log(a)."""

    __slots__ = ("shapes",)

    def __init__(self, inputs, result):
        Node.__init__(self, inputs)
        self.shapes = (_shape(inputs[0]), _shape(inputs[1]))
        self._saved = (_as_saved(inputs[0], result.dtype), _as_saved(inputs[1], result.dtype),
                       result)

    def backward(self, grad):
        base, exponent, result = self.saved
        grad_base = grad_exponent = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.needs_input_grad(0):
                local = np.where(exponent == 0, 0.0, exponent * base ** (exponent - 1))
                grad_base = sum_to_shape(grad * local, self.shapes[0])
            if self.needs_input_grad(1):
                local = np.where((base == 0) & (exponent >= 0), 0.0, result * np.log(base))
                grad_exponent = sum_to_shape(grad * local, self.shapes[1])
        return grad_base, grad_exponent


class PowBackward2(Node):
    """number ** b: d/db = number**b * log(number)."""

    __slots__ = ("base",)

    def __init__(self, inputs, base, result):
        Node.__init__(self, inputs[:1])
        self.base = base
        self._saved = (result,)

    def backward(self, grad):
        (result,) = self.saved
        if self.base == 0:
            return (np.where(result >= 0, 0.0, grad * result * np.log(0.0 + self.base)),)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (grad * (result * np.log(self.base)),)

    def backward_graph(self, grad):
        (result,) = self.saved
        if self.base == 0:
            raise RuntimeError("create_graph=True through 0 ** x is outside the engine's subset")
        return (grad * scalar_mul(saved_output(self, result), float(np.log(self.base))),)


def _check_integer_power(base_dtype, exponent) -> None:
    """torch refuses an integer tensor to a negative Python int (not to a negative tensor)."""
    if (base_dtype.category != dtypes.CATEGORY_FLOAT and isinstance(exponent, numbers.Integral)
            and exponent < 0):
        raise RuntimeError("Integers to negative integer powers are not allowed.")


def _integer_power(base: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """torch's integer pow: a negative exponent gives 0, except for the bases 1 and -1."""
    negative = exponent < 0
    if not negative.any():
        return np.power(base, exponent)
    result = np.power(base, np.where(negative, 0, exponent))
    odd = (exponent % 2) == 1
    inverse = np.where(base == 1, 1, np.where(base == -1, np.where(odd, -1, 1), 0))
    return np.where(negative, inverse, result).astype(result.dtype, copy=False)


def _check_not_bool(result_dtype) -> None:
    if result_dtype is dtypes.bool_:
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")


def pow(input, exponent) -> Tensor:  # noqa: A001 - torch's name
    if is_scalar(input):
        return _scalar_pow(input, exponent)
    if is_scalar(exponent):
        _check_integer_power(input.dtype, exponent)
        a, b, result_dtype = promoted_arrays(input, exponent)
        if result_dtype is dtypes.bool_:  # torch answers x ** True and x ** False without pow
            result = a.copy() if exponent else np.ones_like(a)
        else:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                result = power_by_number(a, b)
        return record(result, PowBackward0, (input, exponent), exponent)
    _check_shapes(input, exponent)
    a, b, result_dtype = promoted_arrays(input, exponent)
    if not result_dtype.is_floating_point:
        _check_not_bool(result_dtype)
        return record(_integer_power(a, b), PowBackward1, (input, exponent), None)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        result = np.power(a, b)
    return record(result, PowBackward1, (input, exponent), result)


def _scalar_pow(base, exponent: Tensor) -> Tensor:
    a, b, result_dtype = promoted_arrays(base, exponent)
    if not result_dtype.is_floating_point:
        _check_not_bool(result_dtype)
        return Tensor._wrap(_integer_power(np.asarray(a, dtype=b.dtype), b))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        result = np.power(np.asarray(a, dtype=b.dtype), b)
    return record(result, PowBackward2, (exponent, base), base, result)


# ----- a tensor and a C++ scalar, as torch's own formulas combine them -------------------
# (``3 * x`` typed by a user wraps 3 as a tensor: MulBackward0; torch's backward formulas
# multiply by a Scalar: MulBackward1, DivBackward1, AddBackward1. create_graph passes use these.)

class MulBackward1(Node):
    """a * number (a Scalar in torch's C++): d/da = number."""

    __slots__ = ("other",)

    def __init__(self, inputs, other):
        Node.__init__(self, inputs)
        self.other = other

    def backward(self, grad):
        return (grad * self.other,)

    def backward_graph(self, grad):
        return (scalar_mul(grad, self.other),)


class DivBackward1(Node):
    """a / number: d/da = 1 / number."""

    __slots__ = ("other",)

    def __init__(self, inputs, other):
        Node.__init__(self, inputs)
        self.other = other

    def backward(self, grad):
        return (grad / self.other,)

    def backward_graph(self, grad):
        return (scalar_div(grad, self.other),)


class AddBackward1(Node):
    """a + number: the gradient passes through."""

    __slots__ = ()

    def backward(self, grad):
        return (grad,)

    def backward_graph(self, grad):
        return (grad,)


def scalar_mul(input: Tensor, other) -> Tensor:
    data = (input._data * other).astype(input._data.dtype, copy=False)
    return record(data, MulBackward1, (input,), other)


def scalar_div(input: Tensor, other) -> Tensor:
    data = (input._data / other).astype(input._data.dtype, copy=False)
    return record(data, DivBackward1, (input,), other)


def scalar_add(input: Tensor, other) -> Tensor:
    data = (input._data + other).astype(input._data.dtype, copy=False)
    return record(data, AddBackward1, (input,))
