"""Grad mode: ``no_grad()`` and ``enable_grad()``, as context managers and decorators.

>>> import engine as torch
>>> x = torch.ones(2, requires_grad=True)
>>> with torch.no_grad():
...     (x * 2).requires_grad
False
"""

from __future__ import annotations

import functools

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]

_state = {"enabled": True}


def is_grad_enabled() -> bool:
    """True when new operations are recorded in the graph."""
    return _state["enabled"]


class set_grad_enabled:  # noqa: N801 - torch's name
    """Turn recording on or off; usable as a context manager or a plain call."""

    def __init__(self, mode: bool):
        self.previous = _state["enabled"]
        self.mode = bool(mode)
        _state["enabled"] = self.mode

    def __enter__(self):
        return None

    def __exit__(self, *exc_info):
        _state["enabled"] = self.previous
        return False


class _GradModeContext:
    enabled = True

    def __enter__(self):
        self.previous = _state["enabled"]
        _state["enabled"] = self.enabled
        return None

    def __exit__(self, *exc_info):
        _state["enabled"] = self.previous
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with type(self)():
                return function(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):  # noqa: N801 - torch's name
    """Operations inside do not record a graph (and in-place ops on leaves are allowed)."""

    enabled = False


class enable_grad(_GradModeContext):  # noqa: N801 - torch's name
    """Turn recording back on inside a ``no_grad`` block."""

    enabled = True
