"""Writing to a terminal that cannot show every character, without crashing.

A lesson may print any text (``"café"``, an arrow, a lone surrogate such as ``"\\ud800"``)
and a file name may hold bytes that are not UTF-8 (Python keeps them as surrogates).
A Windows console redirected to a file is often cp1252, a bare container ASCII: writing
such text there raises ``UnicodeEncodeError``. ``make_streams_safe`` makes stdout and
stderr write what they cannot encode as a backslash escape instead, and ``shown_name``
turns a file name into text any terminal can print.

>>> shown_name("caf\\udcc3\\udca9.py")  # the bytes of "café" read under an ASCII locale
'café.py'
>>> shown_name("\\udcff.py")  # the byte 0xFF, which is no UTF-8
'\\\\xff.py'
"""

from __future__ import annotations

import os
import sys

__all__ = ["make_streams_safe", "shown_name"]


def make_streams_safe() -> None:
    """Make ``sys.stdout`` and ``sys.stderr`` escape what their encoding cannot write
    (``errors="backslashreplace"``), keeping their encoding."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None or getattr(stream, "errors", None) == "backslashreplace":
            continue
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError, TypeError):  # a closed or unusual stream: leave it
            pass


def shown_name(name) -> str:
    """A file name as printable text: undecodable bytes as ``\\xNN``, never a surrogate."""
    text = os.fspath(name)
    if isinstance(text, bytes):
        raw = text
    else:
        try:
            raw = text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a lone surrogate that no byte gave: escape it
            return text.encode("utf-8", "backslashreplace").decode("ascii")
    return raw.decode("utf-8", "backslashreplace")
