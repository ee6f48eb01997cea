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
from engine.tensor import Size, Tensor

__all__ = ["tensor", "as_tensor", "arange", "zeros", "ones", "full", "zeros_like", "ones_like",
           "full_like", "linspace", "eye", "rand", "randn", "manual_seed", "empty"]

FACTORY_REQUIRES_GRAD_MESSAGE = (
    "Only Tensors of floating point and complex dtype can require gradients")
COPY_CONSTRUCT_WARNING = (
    "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
    "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor).")

_generator = {"rng": np.random.default_rng(0)}


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


def tensor(data, dtype=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (numbers, nested lists, a Tensor or an array)."""
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


def as_tensor(data, dtype=None) -> Tensor:
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


def _float_dtype(dtype) -> np.dtype:
    return (dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()).numpy


def zeros(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    if any(isinstance(n, (int, np.integer)) and n < 0 for n in _flat_size(size)):
        raise RuntimeError("zeros: Dimension size must be non-negative.")
    return _finish(np.zeros(_size_args(size), dtype=_float_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.ones(_size_args(size), dtype=_float_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    target = dtypes.as_dtype(dtype) if dtype is not None else _infer_dtype(fill_value)
    return _finish(np.full(_size_args((size,)), fill_value, dtype=target.numpy), requires_grad)


def zeros_like(input: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    target = dtypes.as_dtype(dtype).numpy if dtype is not None else input._data.dtype
    return _finish(np.zeros(input._data.shape, dtype=target), requires_grad)


def ones_like(input: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    target = dtypes.as_dtype(dtype).numpy if dtype is not None else input._data.dtype
    return _finish(np.ones(input._data.shape, dtype=target), requires_grad)


def full_like(input: Tensor, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    target = dtypes.as_dtype(dtype).numpy if dtype is not None else input._data.dtype
    return _finish(np.full(input._data.shape, fill_value, dtype=target), requires_grad)


def _number(value, name: str):
    if isinstance(value, Tensor):
        return value.item()
    if not isinstance(value, numbers.Real):
        raise TypeError(f"arange(): argument '{name}' must be Number, not {type(value).__name__}")
    return value


def arange(start, end=None, step=1, *, dtype=None, requires_grad: bool = False) -> Tensor:
    """``arange(end)`` or ``arange(start, end, step)``; float if any argument is a float."""
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


def linspace(start, end, steps: int, *, dtype=None, requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` (computed as torch does)."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    target = _float_dtype(dtype)
    start, end = float(_number(start, "start")), float(_number(end, "end"))
    if steps == 1:
        return _finish(np.array([start], dtype=target), requires_grad)
    index = np.arange(steps, dtype=np.float64)
    step = (end - start) / max(steps - 1, 1)
    halfway = steps // 2
    values = np.where(index < halfway, start + step * index, end - step * (steps - index - 1))
    return _finish(values.astype(target), requires_grad)


def eye(n: int, m: int | None = None, *, dtype=None, requires_grad: bool = False) -> Tensor:
    for name, value in (("n", n), ("m", m)):
        if value is not None and value < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {value}")
    return _finish(np.eye(n, m if m is not None else n, dtype=_float_dtype(dtype)),
                   requires_grad)


def manual_seed(seed: int) -> None:
    """Reset the engine's own generator (values differ from torch's for the same seed)."""
    _generator["rng"] = np.random.default_rng(int(seed))


def rand(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    data = _generator["rng"].random(_size_args(size)).astype(_float_dtype(dtype))
    return _finish(data, requires_grad)


def randn(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    data = _generator["rng"].standard_normal(_size_args(size)).astype(_float_dtype(dtype))
    return _finish(data, requires_grad)
