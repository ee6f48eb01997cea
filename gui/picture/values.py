"""Tensors written for the picture: matrices as matrices, summarised as torch does (Qt-free).

Numbers read as the rest of the app writes them (``engine.explain.format_values``: 4
significant digits, integers without a point). A matrix is one line per row, every
number right-aligned to the widest as torch prints it (draw it in a monospace font);
past ``THRESHOLD`` values each
long dimension keeps its first and last ``EDGE_ITEMS`` entries around ``...``, torch's
summarisation rule with a threshold small enough for a picture.

>>> from functools import lru_cache

import numpy as np
>>> print(tensor_text(np.arange(12.0).reshape(3, 4)))
[[ 0,  1,  2,  3],
 [ 4,  5,  6,  7],
 [ 8,  9, 10, 11]]
>>> tensor_text(np.arange(30.0))
'[0, 1, 2, ..., 27, 28, 29]'
>>> print(tensor_text(np.arange(100.0).reshape(10, 10)))
[[ 0,  1,  2, ...,  7,  8,  9],
 [10, 11, 12, ..., 17, 18, 19],
 [20, 21, 22, ..., 27, 28, 29],
 ...,
 [70, 71, 72, ..., 77, 78, 79],
 [80, 81, 82, ..., 87, 88, 89],
 [90, 91, 92, ..., 97, 98, 99]]
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from engine.explain import format_values

__all__ = ["tensor_text", "THRESHOLD", "EDGE_ITEMS"]

THRESHOLD = 24
EDGE_ITEMS = 3
ELLIPSIS = "..."


def tensor_text(values, threshold: int = THRESHOLD, width: int | None = None) -> str:
    """``values`` (an array, a number or None) as the picture writes it; ``width``
    (characters) wraps a long vector over several lines, as torch's ``linewidth`` does.

    >>> print(tensor_text(np.array([0.005651, 0.0002845, -0.00397]), width=20))
    [0.005651,
     0.0002845,
     -0.00397]
    """
    if values is None:
        return "None"
    array = np.asarray(values)
    if array.ndim == 0:
        return format_values(array)
    if array.size > 4 * threshold:  # only the edges are shown: keep only those
        return _text(array, threshold, width)
    return _cached(array.tobytes(), array.shape, array.dtype.str, threshold, width)


@lru_cache(maxsize=4096)
def _cached(data: bytes, shape: tuple, dtype: str, threshold: int, width) -> str:
    """The same text for the same numbers (a pass shows each gradient several times)."""
    return _text(np.frombuffer(data, dtype=dtype).reshape(shape), threshold, width)


def _text(array: np.ndarray, threshold: int, width) -> str:
    summarise = array.size > threshold
    cells = _cells(array, summarise)
    if array.ndim == 1 and width is not None:
        return _wrapped(cells, width)
    widest = max((len(cell) for cell in _flat(cells) if cell != ELLIPSIS), default=0)
    return _join(cells, array.ndim, widest if array.ndim > 1 else 0, 1)


def _wrapped(cells: list, width: int) -> str:
    lines, line = [], "["
    for number, cell in enumerate(cells):
        piece = cell + ("]" if number == len(cells) - 1 else ",")
        if len(line) > 1 and len(line) + 1 + len(piece) > width:
            lines.append(line)
            line = " " + piece
        else:
            line = line + (" " if len(line) > 1 else "") + piece
    if not cells:
        line += "]"
    return "\n".join(lines + [line])


def _cells(array: np.ndarray, summarise: bool):
    """Nested lists of number strings, ``ELLIPSIS`` where a summary cuts a dimension."""
    if array.ndim == 0:
        return format_values(array)
    size = array.shape[0]
    if summarise and size > 2 * EDGE_ITEMS:
        head = [_cells(array[i], summarise) for i in range(EDGE_ITEMS)]
        tail = [_cells(array[i], summarise) for i in range(size - EDGE_ITEMS, size)]
        return head + [ELLIPSIS] + tail
    return [_cells(array[i], summarise) for i in range(size)]


def _flat(cells):
    if isinstance(cells, str):
        yield cells
        return
    for cell in cells:
        yield from _flat(cell)


def _join(cells, ndim: int, width: int, indent: int) -> str:
    if ndim == 1:
        return "[" + ", ".join(cell.rjust(width) for cell in cells) + "]"
    separator = "," + "\n" * (ndim - 1) + " " * indent
    parts = [ELLIPSIS if cell == ELLIPSIS else _join(cell, ndim - 1, width, indent + 1)
             for cell in cells]
    return "[" + separator.join(parts) + "]"
