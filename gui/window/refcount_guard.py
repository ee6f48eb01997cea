"""Keep PySide6 6.12 on Python 3.11 from crashing the app after a few thousand Qt calls.

Measured here (PySide6-Essentials 6.12.0, CPython 3.11.7): every call of a Qt method
that returns nothing takes one reference from ``None`` (``QWidget.setText``,
``QApplication.processEvents``, ...) and every call returning a bool one from
``True``/``False``. An animation step makes ~16 such calls, and ``None`` starts with
~41,000 references, so after ~2,500 steps CPython aborts with "Fatal Python error:
none_dealloc". Since Python 3.12 these objects are immortal and nothing happens;
on older versions ``pin_singletons()`` gives them a reference count no session can
use up, which is what 3.12 does.

>>> pin_singletons() in (True, False)
True
"""

from __future__ import annotations

import ctypes
import sys

__all__ = ["pin_singletons"]

PINNED_REFERENCES = 1 << 40
_pinned = []


def pin_singletons() -> bool:
    """Make None, True and False immortal on Python < 3.12; True if it did anything."""
    if _pinned or sys.version_info >= (3, 12) or hasattr(sys, "getobjects"):
        return bool(_pinned)  # 3.12+: immortal already; debug builds: another object layout
    if sys.implementation.name != "cpython":
        return False
    for singleton in (None, True, False):
        count = ctypes.c_ssize_t.from_address(id(singleton))  # ob_refcnt, first field
        if count.value != sys.getrefcount(singleton) - 1:
            return False  # not the layout we expect: leave it alone
        count.value += PINNED_REFERENCES
    _pinned.append(True)
    return True
