"""``nn.Parameter``: a leaf tensor that a Module registers as one of its parameters.

>>> import engine as torch
>>> torch.nn.Parameter(torch.ones(2))
Parameter containing:
tensor([1., 1.], requires_grad=True)
"""

from __future__ import annotations

import numpy as np

from engine.tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A tensor that shares ``data``'s memory, requires grad (by default) and prints as
    torch prints a parameter."""

    def __new__(cls, data=None, requires_grad: bool = True):
        if data is None:
            data = Tensor._wrap(np.zeros(0, dtype=np.float32))
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): data must be a Tensor, not {type(data).__name__}")
        parameter = Tensor._wrap.__func__(cls, data._data)
        parameter._counter = data._version_counter()
        if requires_grad:
            parameter.requires_grad_(True)
        return parameter

    def __init__(self, *_args, **_kwargs):
        pass  # everything happened in __new__ (Tensor.__init__ builds from Python data)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__
