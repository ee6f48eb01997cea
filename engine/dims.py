"""Dimension arguments, checked and normalised as torch does (a leaf: numpy only).

>>> normalize_dim(-1, 3)
2
>>> normalize_dim(3, 3)
Traceback (most recent call last):
...
IndexError: Dimension out of range (expected to be in range of [-3, 2], but got 3)
"""

from __future__ import annotations

import numpy as np

__all__ = ["normalize_dim"]


def normalize_dim(dim: int, ndim: int) -> int:
    """A dim in ``[-ndim, ndim)`` as a non-negative index, or torch's IndexError."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"dim must be an int, not {type(dim).__name__}")
    low, high = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not low <= dim <= high:
        raise IndexError(f"Dimension out of range (expected to be in range of [{low}, {high}], "
                         f"but got {dim})")
    return int(dim) % max(ndim, 1)
