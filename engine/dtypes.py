"""The four dtypes of the subset and PyTorch's type-promotion rules.

>>> from engine.dtypes import float32, int64, result_type
>>> str(float32)
'torch.float32'
>>> result_type(int64, 2.5)          # int tensor * python float -> default float
torch.float32
"""

from __future__ import annotations

import numpy as np

__all__ = ["dtype", "float32", "float64", "int64", "bool_", "as_dtype", "result_type",
           "get_default_dtype", "CATEGORY_BOOL", "CATEGORY_INT", "CATEGORY_FLOAT"]

CATEGORY_BOOL, CATEGORY_INT, CATEGORY_FLOAT = 0, 1, 2


class dtype:  # noqa: N801 - torch spells it this way
    """A tensor element type, printed as torch prints it (``torch.float32``)."""

    __slots__ = ("name", "numpy", "category", "rank", "legacy_name", "is_floating_point")

    def __init__(self, name: str, numpy_type, category: int, rank: int, legacy_name: str):
        self.name = name
        self.numpy = np.dtype(numpy_type)
        self.category = category
        self.rank = rank
        self.legacy_name = legacy_name  # 'Float' as in torch's "found Float and Double"
        self.is_floating_point = category == CATEGORY_FLOAT

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return self.name


bool_ = dtype("bool", np.bool_, CATEGORY_BOOL, 0, "Bool")
int64 = dtype("int64", np.int64, CATEGORY_INT, 1, "Long")
float32 = dtype("float32", np.float32, CATEGORY_FLOAT, 2, "Float")
float64 = dtype("float64", np.float64, CATEGORY_FLOAT, 3, "Double")

_BY_NUMPY = {d.numpy: d for d in (bool_, int64, float32, float64)}
_NUMPY_FALLBACK = {"f": float32, "i": int64, "u": int64, "b": bool_}


def get_default_dtype() -> dtype:
    """The dtype of float data given without a dtype (always float32 here)."""
    return float32


def from_numpy_dtype(numpy_dtype) -> dtype:
    """The engine dtype for a numpy dtype (float16 -> float32, int32 -> int64, ...)."""
    numpy_dtype = np.dtype(numpy_dtype)
    found = _BY_NUMPY.get(numpy_dtype)
    if found is None:
        found = _NUMPY_FALLBACK.get(numpy_dtype.kind)
    if found is None:
        raise TypeError(f"can't convert np.ndarray of type numpy.{numpy_dtype} to a tensor")
    return found


def as_dtype(value) -> dtype:
    """Accept an engine dtype, a numpy dtype or the Python types float/int/bool."""
    if isinstance(value, dtype):
        return value
    if value is float:
        return float64
    if value is int:
        return int64
    if value is bool:
        return bool_
    return from_numpy_dtype(value)


def promote_types(a: dtype, b: dtype) -> dtype:
    """torch.promote_types for the subset: the wider of two dtypes."""
    return a if a.rank >= b.rank else b


def _category_of_scalar(value) -> int:
    if isinstance(value, (bool, np.bool_)):
        return CATEGORY_BOOL
    if isinstance(value, (int, np.integer)):
        return CATEGORY_INT
    return CATEGORY_FLOAT


def _wrapped_scalar_dtype(value) -> dtype:
    return (bool_, int64, float32)[_category_of_scalar(value)]


def _combine_categories(higher: dtype | None, lower: dtype | None) -> dtype | None:
    """torch's rule: a lower priority class only matters when it is a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.category == CATEGORY_FLOAT:
        return higher
    if higher is bool_ or lower.category == CATEGORY_FLOAT:
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> dtype:
    """The dtype torch gives an elementwise op on ``operands``.

    Operands are Tensors or Python scalars. Dimensioned tensors decide first,
    then zero-dim tensors, then Python numbers, each only when it is of a
    higher category (bool < int < float) than what came before.
    """
    dimensioned = zero_dim = wrapped = None
    for operand in operands:
        operand_dtype = getattr(operand, "dtype", None)
        if operand_dtype is None:
            current = _wrapped_scalar_dtype(operand)
            wrapped = current if wrapped is None else promote_types(wrapped, current)
        elif operand.ndim == 0:
            zero_dim = operand_dtype if zero_dim is None else promote_types(zero_dim, operand_dtype)
        else:
            dimensioned = (operand_dtype if dimensioned is None
                           else promote_types(dimensioned, operand_dtype))
    return _combine_categories(dimensioned, _combine_categories(zero_dim, wrapped))
