"""Qt tests run headless: the offscreen platform, private settings, no tracebacks on stderr.

The ``window`` fixture answers "discard" when it closes with unsaved changes (a test that
wants the question sets ``window.files.unsaved_answer = None``).
"""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import pytest  # noqa: E402
from PySide6.QtCore import QSettings, QStandardPaths  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

import gui.window  # noqa: E402, F401 - first: applies the binding workaround (pin_singletons)

QStandardPaths.setTestModeEnabled(True)  # never touch the user's own settings


def pytest_configure(config):
    # matplotlib's Qt toolbar asks Qt about a deprecated attribute on every construction
    config.addinivalue_line(
        "filterwarnings", "ignore::DeprecationWarning:matplotlib.backends.backend_qt")


@pytest.fixture(autouse=True, scope="session")
def _windows_closing_never_quit(qapp):
    """A test that closes its last window must not leave a Quit event posted: after it,
    every event loop (qtbot.wait, waitUntil) would return at once and timers never fire."""
    qapp.setQuitOnLastWindowClosed(False)


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)


@pytest.fixture
def window(qtbot, capfd, settings):
    """The whole window, shown offscreen, with its first graph drawn."""
    from PySide6.QtWidgets import QApplication

    from gui.window.main_window import MainWindow

    app_font = QApplication.font()  # a test's Ctrl+plus must not reach the next test
    win = MainWindow(settings=settings)
    win.files.unsaved_answer = "discard"  # closing never waits for a question
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: win.session.graph is not None, timeout=5000)
    yield win
    win.player.pause()
    QApplication.setFont(app_font)
    # matplotlib's Qt canvas prints (and swallows) exceptions raised while drawing
    err = capfd.readouterr().err
    assert "Traceback (most recent call last)" not in err, err


@pytest.fixture
def history_text():
    """``history_text(window)``: the .grad history as text, each sum on one line."""
    return _history_text


def _history_text(win) -> str:
    """A sum stacked for a narrow panel (``  a`` / ``+ b`` / ``= c``) is read back as one line."""
    lines: list[str] = []
    for line in win.findChild(QWidget, "gradHistory").toPlainText().split("\n"):
        if line[:2] in ("+ ", "= ", "→ ") and lines:
            lines[-1] = f"{lines[-1].strip()} {line}"
        else:
            lines.append(line)
    return "\n".join(lines)


@pytest.fixture
def run_app_and_look():
    """``run_app_and_look(args, look, besides=None)``: start the app as ``python main.py ARGS``
    would, call ``look(window)`` on the window it opened (not ``besides``) once it is ready,
    close it and return ``run_app``'s exit status."""
    return _run_app_and_look


def _run_app_and_look(args, look, besides=None, *, timeout_s: float = 20.0) -> int:
    import sys
    import time

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from gui.window import app as app_module
    from gui.window.main_window import MainWindow

    deadline = time.monotonic() + timeout_s

    def opened() -> list:
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)
                and w.isVisible() and w is not besides]

    def ready(windows) -> bool:
        """The window drew its first graph, opened its file (drawing flushes Qt's events, so
        this timer also fires while the file opens) and is the active window (so the focus
        it gave is real): under load all this takes longer than any fixed wait."""
        return bool(windows) and all(w.started for w in windows) and (
            QApplication.activeWindow() in windows)

    def look_when_ready():
        windows = opened()
        if not ready(windows) and time.monotonic() < deadline:
            return  # the timer comes back in 50 ms
        timer.stop()
        if windows:
            look(windows[-1])
        for win in windows:
            win.files.unsaved_answer = "discard"
            win.close()
        QApplication.instance().quit()

    previous_hook = sys.excepthook  # run_app installs the window's hook
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(look_when_ready)
    timer.start()
    try:
        return app_module.run_app([str(arg) for arg in args])
    finally:
        timer.stop()
        sys.excepthook = previous_hook


# ---- the lessons panel over its own lesson session (test_lessons_panel*.py; other files
# ---- that need a `session` or `panel` of another kind define their own)

@pytest.fixture
def session(qtbot):
    from gui.window.lesson_session import LessonSession

    lesson_session = LessonSession(reload_delay_ms=50)
    yield lesson_session
    lesson_session.close()


@pytest.fixture
def panel(qtbot, session, capfd):
    from gui.window.panels.lessons_panel import LessonsPanel

    widget = LessonsPanel(session)
    qtbot.addWidget(widget)
    widget.resize(700, 800)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    assert "Traceback (most recent call last)" not in capfd.readouterr().err
