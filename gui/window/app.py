"""Start the window: ``python main.py [FILE]`` calls ``run_app(args)``.

Only Qt and matplotlib's Qt canvas load before the window shows; the engine's graph
export and networkx load with the first graph, right after.
"""

from __future__ import annotations

import sys

__all__ = ["run_app"]

USAGE = "usage: python main.py [LESSON.py | SESSION.json]"


def run_app(args: list[str]) -> int:
    """Open the window (and FILE if given); returns the exit status."""
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
