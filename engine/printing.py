"""Format tensors exactly as PyTorch prints them (``repr(t)`` / ``str(t)``).

Only torch's default print options are supported: precision 4, threshold
1000 elements, 3 edge items, line width 80 and automatic scientific mode.

>>> import numpy as np
>>> format_tensor(np.arange(0, 16, 4, dtype=np.float32), "float32")
'tensor([ 0.,  4.,  8., 12.])'
>>> format_tensor(np.array(28.0, dtype=np.float32), "float32", grad_fn_name="MulBackward0")
'tensor(28., grad_fn=<MulBackward0>)'
>>> format_tensor(np.array([1.0, 2.0]), "float64")
'tensor([1., 2.], dtype=torch.float64)'
>>> format_tensor(np.zeros((0, 3), dtype=np.float32), "float32")
'tensor([], size=(0, 3))'

How torch chooses the element format (all from ``torch/_tensor_str.py``):

* Every printed element of a tensor shares one format and is right-aligned
  to the widest printed element.
* Floating tensors look only at their nonzero finite values: if all are
  whole numbers they print as ``12.`` ("int mode"); if the magnitudes span
  more than a factor 1000, exceed 1e8 or go below 1e-4 they print as
  ``1.2346e+05`` ("sci mode"); otherwise as ``0.1000``.  Values are
  formatted after conversion to a Python float, so float32 ``0.1`` is
  formatted from ``0.10000000149011612``.
* Tensors with more than 1000 elements are summarised: every dimension
  longer than 6 shows only its first and last 3 entries around ``...``,
  and only the shown values decide the format.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

__all__ = ["format_tensor"]

PRECISION = 4
THRESHOLD = 1000
EDGE_ITEMS = 3
LINE_WIDTH = 80

_PREFIX = "tensor("
_INDENT = len(_PREFIX)

_NUMPY_DTYPES = {
    "float32": np.float32,
    "float64": np.float64,
    "int64": np.int64,
    "bool": np.bool_,
}
_FLOAT_DTYPES = ("float32", "float64")
_DEFAULT_FLOAT_DTYPE = "float32"
# dtypes torch leaves implicit for non-empty tensors: they are what
# torch.tensor() infers from Python floats, ints and bools.
_IMPLICIT_DTYPES = (_DEFAULT_FLOAT_DTYPE, "int64", "bool")


def format_tensor(data: np.ndarray, dtype_name: str, *, requires_grad: bool = False,
                  grad_fn_name: str | None = None) -> str:
    """repr of a tensor holding `data`; dtype_name is one of 'float32','float64','int64','bool'."""
    if dtype_name not in _NUMPY_DTYPES:
        raise ValueError(f"unsupported dtype {dtype_name!r}; expected one of {list(_NUMPY_DTYPES)}")
    array = np.asarray(data, dtype=_NUMPY_DTYPES[dtype_name])
    suffixes = _shape_and_dtype_suffixes(array, dtype_name)
    suffixes += _autograd_suffixes(requires_grad, grad_fn_name)
    return _append_suffixes(_PREFIX + _format_contents(array, dtype_name), suffixes)


# ---------------------------------------------------------------- suffixes

def _shape_and_dtype_suffixes(array: np.ndarray, dtype_name: str) -> list[str]:
    suffixes = []
    if array.size == 0:
        # An empty tensor shows its shape (unless 1-D) and, having no values
        # to infer it from, every dtype except the default float one.
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if dtype_name != _DEFAULT_FLOAT_DTYPE:
            suffixes.append(f"dtype=torch.{dtype_name}")
    elif dtype_name not in _IMPLICIT_DTYPES:
        suffixes.append(f"dtype=torch.{dtype_name}")
    return suffixes


def _autograd_suffixes(requires_grad: bool, grad_fn_name: str | None) -> list[str]:
    if grad_fn_name is not None:
        return [f"grad_fn=<{grad_fn_name}>"]
    if requires_grad:
        return ["requires_grad=True"]
    return []


def _append_suffixes(text: str, suffixes: list[str]) -> str:
    """Join suffixes with ', ', moving one to a new line if it would pass the line width."""
    pieces = [text]
    # torch's own line-length estimate, two more than the real last line.
    line_length = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_length + len(suffix) + 2 > LINE_WIDTH:
            pieces.append(",\n" + " " * _INDENT + suffix)
            line_length = _INDENT + len(suffix)
        else:
            pieces.append(", " + suffix)
            line_length += len(suffix) + 2
    pieces.append(")")
    return "".join(pieces)


# ---------------------------------------------------------------- contents

def _format_contents(array: np.ndarray, dtype_name: str) -> str:
    if array.size == 0:
        return "[]"
    summarize = array.size > THRESHOLD
    element_format = _choose_element_format(_shown_values(array, summarize), dtype_name)
    return _format_nested(array, _INDENT, summarize, element_format)


def _shown_positions(length: int, summarize: bool) -> list[int | None]:
    """Indices printed along one dimension; None marks the '...' gap."""
    if summarize and length > 2 * EDGE_ITEMS:
        return [*range(EDGE_ITEMS), None, *range(length - EDGE_ITEMS, length)]
    return list(range(length))


def _shown_values(array: np.ndarray, summarize: bool) -> np.ndarray:
    """The elements that will be printed, flattened."""
    if array.ndim == 0:
        return array.reshape(-1)
    shown = [i for i in _shown_positions(len(array), summarize) if i is not None]
    if array.ndim == 1:
        return array[shown]
    return np.concatenate([_shown_values(array[i], summarize) for i in shown])


def _format_nested(array: np.ndarray, indent: int, summarize: bool,
                   element_format: _ElementFormat) -> str:
    if array.ndim == 0:
        return element_format(array.item())
    if array.ndim == 1:
        return _format_row(array, indent, summarize, element_format)
    blocks = [
        "..." if i is None
        else _format_nested(array[i], indent + 1, summarize, element_format)
        for i in _shown_positions(len(array), summarize)
    ]
    # Sub-blocks are separated by one blank line per dimension beyond the second.
    separator = "," + "\n" * (array.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(blocks) + "]"


def _format_row(row: np.ndarray, indent: int, summarize: bool,
                element_format: _ElementFormat) -> str:
    values = row.tolist()
    items = [
        " ..." if i is None else element_format(values[i])
        for i in _shown_positions(len(row), summarize)
    ]
    chars_per_item = element_format.width + len(", ")
    items_per_line = max(1, math.floor((LINE_WIDTH - indent) / chars_per_item))
    lines = [", ".join(items[start:start + items_per_line])
             for start in range(0, len(items), items_per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


# ---------------------------------------------------------------- elements

@dataclass(frozen=True)
class _ElementFormat:
    """How every element of one tensor is printed."""

    is_float: bool
    int_mode: bool = True
    sci_mode: bool = False
    width: int = 1

    def __call__(self, value: float) -> str:
        return self.text(value).rjust(self.width)

    def text(self, value: float) -> str:
        if not self.is_float:
            return str(value)
        if self.sci_mode:
            return f"{value:.{PRECISION}e}"
        if self.int_mode:
            whole = f"{value:.0f}"
            return whole if math.isinf(value) or math.isnan(value) else whole + "."
        return f"{value:.{PRECISION}f}"


def _choose_element_format(values: np.ndarray, dtype_name: str) -> _ElementFormat:
    if dtype_name not in _FLOAT_DTYPES:
        return _ElementFormat(is_float=False, width=_widest(_ElementFormat(is_float=False), values))
    informative = values[np.isfinite(values) & (values != 0)]
    if informative.size == 0:
        return _ElementFormat(is_float=True)
    mode = _ElementFormat(is_float=True,
                          int_mode=_all_whole(informative),
                          sci_mode=_needs_sci_mode(informative))
    # Zeros and non-finite values don't count towards the width.
    return replace(mode, width=_widest(mode, informative))


def _widest(element_format: _ElementFormat, values: np.ndarray) -> int:
    return max(len(element_format.text(v)) for v in values.tolist())


def _all_whole(values: np.ndarray) -> bool:
    return bool(np.all(values == np.ceil(values)))


def _needs_sci_mode(values: np.ndarray) -> bool:
    magnitudes = np.abs(values.astype(np.float64))
    smallest, largest = float(magnitudes.min()), float(magnitudes.max())
    # (A ratio that overflows implies one of the first two tests holds.)
    return largest > 1.0e8 or smallest < 1.0e-4 or largest / smallest > 1000.0
