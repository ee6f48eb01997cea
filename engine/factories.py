"""Tensor factories: tensor, arange, zeros, ones, full, linspace, eye, rand, randn.

>>> import engine as torch
>>> torch.arange(4.0)
tensor([0., 1., 2., 3.])
>>> torch.tensor([[1, 2], [3, 4]]).dtype
torch.int64
"""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from engine import dtypes
from engine.device import check_device
from engine.random import generator_of
from engine.tensor import Size, Tensor

__all__ = ["tensor", "as_tensor", "arange", "zeros", "ones", "full", "zeros_like", "ones_like",
           "full_like", "empty", "empty_like", "linspace", "eye", "rand", "randn", "rand_like",
           "randn_like", "randint", "randperm", "normal", "strided", "contiguous_format",
           "preserve_format"]

FACTORY_REQUIRES_GRAD_MESSAGE = (
    "Only Tensors of floating point and complex dtype can require gradients")
COPY_CONSTRUCT_WARNING = (
    "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
    "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).")



class _Token:
    """A named constant printed as torch prints it (``torch.strided``)."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"torch.{self.name}"


strided = _Token("strided")
contiguous_format = _Token("contiguous_format")
preserve_format = _Token("preserve_format")


def _check_options(function: str, device=None, layout=None, pin_memory=False, out=None,
                   memory_format=None) -> None:
    """The keywords every factory takes: the CPU, the strided layout, no pinned memory."""
    check_device(device)
    if layout is not None and layout is not strided:
        raise RuntimeError(f"{function}(...) is not implemented for sparse layout")
    if pin_memory:
        raise RuntimeError("pin_memory=True requires a CUDA or other accelerator backend; no "
                           "pinned memory allocator is available on this system.")
    if out is not None:
        raise RuntimeError(f"{function}(out=...) is outside the engine's subset")
    if memory_format not in (None, contiguous_format, preserve_format):
        raise RuntimeError(f"{function}(memory_format={memory_format!r}) is outside the "
                           "engine's subset")


def _finish(data: np.ndarray, requires_grad: bool) -> Tensor:
    result = Tensor._wrap(data)
    if requires_grad:
        if not result.dtype.is_floating_point:
            raise RuntimeError(FACTORY_REQUIRES_GRAD_MESSAGE)
        result._requires_grad = True
    return result


def _infer_dtype(data) -> dtypes.dtype:
    """torch's inference: Python floats -> float32, ints -> int64, bools -> bool, numpy values
    and tensors keep their dtype; the elements' dtypes are promoted together."""
    found = None
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
            continue
        if isinstance(item, Tensor):
            current = item.dtype
        elif isinstance(item, (np.ndarray, np.generic)):
            current = dtypes.from_numpy_dtype(item.dtype)
        elif isinstance(item, bool):
            current = dtypes.bool_
        elif isinstance(item, int):
            current = dtypes.int64
        elif isinstance(item, float):
            current = dtypes.get_default_dtype()
        else:
            raise TypeError(f"new(): invalid data type '{type(item).__name__}'")
        found = current if found is None else dtypes.promote_types(found, current)
    return found if found is not None else dtypes.get_default_dtype()


def _check_rectangular(data) -> None:
    """torch's ValueError for ragged nested lists ('expected sequence of length 2 at dim 1')."""
    level, depth = [data], 0
    while level and isinstance(level[0], (list, tuple)):
        depth += 1
        length = len(level[0])
        following = []
        for item in level:
            if not isinstance(item, (list, tuple)) or len(item) != length:
                got = len(item) if isinstance(item, (list, tuple)) else type(item).__name__
                if isinstance(item, (list, tuple)):
                    raise ValueError(f"expected sequence of length {length} at dim {depth - 1} "
                                     f"(got {got})")
                raise TypeError("not a sequence")
            following.extend(item)
        if any(isinstance(item, (list, tuple)) for item in following) and not all(
                isinstance(item, (list, tuple)) for item in following):
            raise TypeError("not a sequence")
        level = following


def tensor(data, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (numbers, nested lists, a Tensor or an array)."""
    _check_options("tensor", device, pin_memory=pin_memory)
    if isinstance(data, Tensor):
        warnings.warn(COPY_CONSTRUCT_WARNING, UserWarning, stacklevel=2)
        source = data._data
        target = dtypes.as_dtype(dtype) if dtype is not None else data.dtype
        return _finish(np.array(source, dtype=target.numpy), requires_grad)
    if isinstance(data, str) or data is None:
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    if isinstance(data, (list, tuple)):
        _check_rectangular(data)
    target = dtypes.as_dtype(dtype) if dtype is not None else _infer_dtype(data)
    if isinstance(data, (list, tuple)):
        data = _unwrap_nested(data)
    try:
        array = np.array(data, dtype=target.numpy)
    except OverflowError:  # a Python int beyond 64 bits
        raise ValueError("Overflow when unpacking long long") from None
    return _finish(array, requires_grad)


def _unwrap_nested(data):
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(item) for item in data]
    if isinstance(data, Tensor):
        return data.item() if data._data.size == 1 and data._data.ndim == 0 else data.tolist()
    return data


def as_tensor(data, dtype=None, device=None) -> Tensor:
    check_device(device)
    if isinstance(data, Tensor) and (dtype is None or dtypes.as_dtype(dtype) is data.dtype):
        return data
    return tensor(data, dtype=dtype)


def _flat_size(size) -> tuple:
    """``zeros(2, 3)`` and ``zeros((2, 3))`` alike."""
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        return tuple(size[0])
    return size


def _size_args(size) -> tuple:
    size = _flat_size(size)
    for n in size:
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(f"size must be a sequence of ints, not {type(n).__name__}")
    if any(n < 0 for n in size):
        negative = next(n for n in size if n < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {negative}: "
                           f"[{', '.join(str(n) for n in size)}]")
    return tuple(int(n) for n in size)


def _size_from(function: str, args: tuple, size) -> tuple:
    """The size given positionally (``zeros(2, 3)``, ``zeros((2, 3))``) or as ``size=``."""
    if size is not None:
        if args:
            raise TypeError(f"{function}() got multiple values for argument 'size'")
        args = (tuple(size),) if isinstance(size, (tuple, list, Size)) else (size,)
    elif not args:
        raise TypeError(f'{function}() missing 1 required positional arguments: "size"')
    return _size_args(args)


def _float_dtype(dtype) -> np.dtype:
    return (dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()).numpy


def zeros(*args, size=None, out=None, dtype=None, layout=None, device=None,
          requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    _check_options("zeros", device, layout, pin_memory, out)
    if any(isinstance(n, (int, np.integer)) and n < 0 for n in _flat_size(args)):
        raise RuntimeError("zeros: Dimension size must be non-negative.")
    shape = _size_from("zeros", args, size)
    return _finish(np.zeros(shape, dtype=_float_dtype(dtype)), requires_grad)


def ones(*args, size=None, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    _check_options("ones", device, layout, pin_memory, out)
    shape = _size_from("ones", args, size)
    return _finish(np.ones(shape, dtype=_float_dtype(dtype)), requires_grad)


def empty(*args, size=None, out=None, dtype=None, layout=None, device=None,
          requires_grad: bool = False, pin_memory: bool = False, memory_format=None) -> Tensor:
    """Zeros (torch leaves the memory uninitialised; the engine's is always zero)."""
    _check_options("empty", device, layout, pin_memory, out, memory_format)
    shape = _size_from("empty", args, size)
    return _finish(np.zeros(shape, dtype=_float_dtype(dtype)), requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    _check_options("full", device, layout, pin_memory, out)
    target = dtypes.as_dtype(dtype) if dtype is not None else _infer_dtype(fill_value)
    return _finish(np.full(_size_args((size,)), fill_value, dtype=target.numpy), requires_grad)


def _like(function: str, input: Tensor, dtype, layout, device, memory_format) -> np.dtype:
    _check_options(function, device, layout, memory_format=memory_format)
    return dtypes.as_dtype(dtype).numpy if dtype is not None else input._data.dtype


def zeros_like(input: Tensor, *, dtype=None, layout=None, device=None,
               requires_grad: bool = False, memory_format=None) -> Tensor:
    target = _like("zeros_like", input, dtype, layout, device, memory_format)
    return _finish(np.zeros(input._data.shape, dtype=target), requires_grad)


def ones_like(input: Tensor, *, dtype=None, layout=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    target = _like("ones_like", input, dtype, layout, device, memory_format)
    return _finish(np.ones(input._data.shape, dtype=target), requires_grad)


def empty_like(input: Tensor, *, dtype=None, layout=None, device=None,
               requires_grad: bool = False, memory_format=None) -> Tensor:
    target = _like("empty_like", input, dtype, layout, device, memory_format)
    return _finish(np.zeros(input._data.shape, dtype=target), requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, layout=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    target = _like("full_like", input, dtype, layout, device, memory_format)
    return _finish(np.full(input._data.shape, fill_value, dtype=target), requires_grad)


def _number(value, name: str, function: str = "arange"):
    if isinstance(value, Tensor):
        return value.item()
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{function}(): argument '{name}' must be Number, not "
                        f"{type(value).__name__}")
    return value


def arange(start, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """``arange(end)`` or ``arange(start, end, step)``; float if any argument is a float."""
    _check_options("arange", device, layout, out=out)
    if end is None:
        start, end = 0, start
    start, end, step = _number(start, "start"), _number(end, "end"), _number(step, "step")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        is_float = any(isinstance(v, float) for v in (start, end, step))
        target = dtypes.float32 if is_float else dtypes.int64
    else:
        target = dtypes.as_dtype(dtype)
    count = math.ceil((end - start) / step)
    values = start + np.arange(count, dtype=np.float64) * step
    if not target.is_floating_point:
        values = start + np.arange(count, dtype=np.int64) * int(step)
    return _finish(values.astype(target.numpy), requires_grad)


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, bit for bit as torch's CPU
    kernel computes them: in the result dtype, ``step = (end - start) / (steps - 1)``, then
    ``start + step * i`` for the first half and ``end - step * (steps - i - 1)`` for the
    second, each a fused multiply-add (one rounding) as torch's compiled kernel does it."""
    _check_options("linspace", device, layout, out=out)
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool):
        raise TypeError(f"linspace(): argument 'steps' must be int, not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    target = _float_dtype(dtype)
    start = _number(start, "start", "linspace")
    end = _number(end, "end", "linspace")
    if steps <= 1:
        return _finish(np.full(steps, start, dtype=target), requires_grad)
    first, last = target.type(start), target.type(end)
    step = (last - first) / target.type(steps - 1)
    index = np.arange(steps, dtype=np.float64)
    lower = _fused(np.float64(step), index, np.float64(first))
    upper = _fused(-np.float64(step), steps - 1 - index, np.float64(last))
    values = np.where(index < steps // 2, lower, upper)
    return _finish(values.astype(target), requires_grad)


def _split(a: np.ndarray) -> tuple:
    """Veltkamp's split of float64 values into two halves of 26 bits."""
    scaled = a * 134217729.0  # 2**27 + 1
    high = scaled - (scaled - a)
    return high, a - high


def _fused(a, b: np.ndarray, c) -> np.ndarray:
    """``a * b + c`` rounded once (float64; error-free product and sum, Dekker and Knuth).

    For float32 operands the float64 product is exact already; the float64 result is then
    rounded to float32.
    """
    a = np.broadcast_to(np.float64(a), b.shape)
    product = a * b
    a_high, a_low = _split(a)
    b_high, b_low = _split(b)
    error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low
    total = product + c
    virtual = total - product
    rounding = (product - (total - virtual)) + (c - virtual)
    return total + (rounding + error)


def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad: bool = False) -> Tensor:
    _check_options("eye", device, layout, out=out)
    for name, value in (("n", n), ("m", m)):
        if value is not None and value < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {value}")
    return _finish(np.eye(n, m if m is not None else n, dtype=_float_dtype(dtype)),
                   requires_grad)


def rand(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Uniform on [0, 1) from the engine's generator (other numbers than torch's)."""
    _check_options("rand", device, layout, pin_memory, out)
    shape = _size_from("rand", args, size)
    data = generator_of(generator).random(shape).astype(_float_dtype(dtype))
    return _finish(data, requires_grad)


def randn(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Standard normal from the engine's generator (other numbers than torch's)."""
    _check_options("randn", device, layout, pin_memory, out)
    shape = _size_from("randn", args, size)
    data = generator_of(generator).standard_normal(shape).astype(_float_dtype(dtype))
    return _finish(data, requires_grad)


def rand_like(input: Tensor, *, dtype=None, layout=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    target = _like("rand_like", input, dtype, layout, device, memory_format)
    return rand(input._data.shape, dtype=dtypes.from_numpy_dtype(target),
                requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype=None, layout=None, device=None,
               requires_grad: bool = False, memory_format=None) -> Tensor:
    target = _like("randn_like", input, dtype, layout, device, memory_format)
    return randn(input._data.shape, dtype=dtypes.from_numpy_dtype(target),
                 requires_grad=requires_grad)


def randint(*args, size=None, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """``randint(high, size)`` or ``randint(low, high, size)``: int64 unless ``dtype``."""
    _check_options("randint", device, layout, pin_memory, out)
    if size is None and args:
        args, size = args[:-1], args[-1]
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError("randint() received an invalid combination of arguments")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    shape = _size_from("randint", (), size)
    target = dtypes.as_dtype(dtype) if dtype is not None else dtypes.int64
    data = generator_of(generator).integers(low, high, shape).astype(target.numpy)
    return _finish(data, requires_grad)


def randperm(n: int, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    _check_options("randperm", device, layout, pin_memory, out)
    target = dtypes.as_dtype(dtype) if dtype is not None else dtypes.int64
    return _finish(generator_of(generator).permutation(n).astype(target.numpy), requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None,
           layout=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """``normal(mean, std, size)`` with numbers; with tensors, one draw per element."""
    _check_options("normal", device, layout, pin_memory, out)
    means = mean._data if isinstance(mean, Tensor) else mean
    stds = std._data if isinstance(std, Tensor) else std
    shape = _size_args((size,)) if size is not None else np.broadcast(means, stds).shape
    target = _float_dtype(dtype) if dtype is not None else (
        mean._data.dtype if isinstance(mean, Tensor) else
        std._data.dtype if isinstance(std, Tensor) else _float_dtype(None))
    data = generator_of(generator).normal(means, stds, shape).astype(target)
    return _finish(data, requires_grad)
