"""Start the window: ``python main.py [FILE]`` calls ``run_app(args)``.

Only Qt and matplotlib's Qt canvas load before the window shows; the engine's graph
export and networkx load with the first graph, right after.
"""

from __future__ import annotations

import sys

__all__ = ["run_app", "display_problem"]

USAGE = "usage: python main.py [LESSON.py | SESSION.json]"


NO_DISPLAY = ("error: no display to open the window on ({why}); the headless commands need "
              "none: python main.py trace|run|export|check --help")
NO_XCB_CURSOR = ("error: Qt needs libxcb-cursor0 to open a window on X11 (on Debian/Ubuntu: "
                 "sudo apt-get install libxcb-cursor0); the headless commands need none: "
                 "python main.py trace --help")


def display_problem(environ=None, platform: str | None = None, find_library=None) -> str | None:
    """Why Qt could not open a window here, as one line, or None when it can try.

    Qt itself aborts the process (exit 134) when there is no display or its X11 plugin
    misses a library; this is checked first, where it can be told.

    >>> display_problem({}, "linux").split(";")[0]
    'error: no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set)'
    >>> display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    True
    >>> display_problem({}, "darwin") is None
    True
    """
    import os

    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux") or environ.get("QT_QPA_PLATFORM"):
        return None
    if not environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        return NO_DISPLAY.format(why="neither DISPLAY nor WAYLAND_DISPLAY is set")
    if environ.get("DISPLAY") and not environ.get("WAYLAND_DISPLAY"):
        if find_library is None:
            from ctypes.util import find_library
        if find_library("xcb-cursor") is None:
            return NO_XCB_CURSOR
    return None


def run_app(args: list[str]) -> int:
    """Open the window (and FILE if given); returns the exit status (2: no display)."""
    problem = display_problem()
    if problem is not None:
        sys.stderr.write(problem + "\n")
        return 2
    from PySide6.QtWidgets import QApplication

    from gui.window.excepthook import install_exception_hook
    from gui.window.main_window import APPLICATION, ORGANIZATION, MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "autograd-viz"])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    window = MainWindow()
    install_exception_hook(window.session.report_unexpected)
    window.show()
    files = [arg for arg in args if not arg.startswith("-")]
    options = [arg for arg in args if arg.startswith("-")]
    if options or len(files) > 1:
        window.after_first_draw(lambda: window.session.report(
            f"Unknown option {options[0]}; {USAGE}" if options else
            f"One file at a time, please; {USAGE}"))
    elif files:
        window.after_first_draw(lambda: window.open_path(files[0]))
    return app.exec()
