"""Turn an unexpected Python error into a message in the window instead of a crash.

``install_exception_hook(report)`` replaces ``sys.excepthook``: the traceback still
goes to stderr (for the log), and ``report(exception)`` shows one line in the window.
Qt calls the hook for exceptions escaping slots, event handlers and timers.
"""

from __future__ import annotations

import sys
import traceback

__all__ = ["install_exception_hook"]


def install_exception_hook(report) -> object:
    """Install the hook; returns the previous one (to restore it)."""
    previous = sys.excepthook
    reporting = []

    def hook(kind, error, trace):
        if issubclass(kind, (KeyboardInterrupt, SystemExit)):
            previous(kind, error, trace)
            return
        traceback.print_exception(kind, error, trace, file=sys.stderr)
        if reporting:  # an error while reporting an error: the log has it
            return
        reporting.append(True)
        try:
            report(error)
        except Exception:  # noqa: BLE001 - nothing more can be done than the log
            traceback.print_exc(file=sys.stderr)
        finally:
            reporting.clear()

    sys.excepthook = hook
    return previous
