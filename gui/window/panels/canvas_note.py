"""A short note on the graph canvas itself, for what the picture alone does not say: that the
graph shown is stale (the input has an error; this is the last graph that worked), and why
a variable is not in the graph (it does not require grad).

``CanvasNote(session, canvas)`` is a label laid over the canvas's top right corner; it
follows the session's signals and hides itself when there is nothing to say. While the
graph is stale, a translucent veil in the canvas's own background colour greys the
whole picture under the note, so nobody mistakes it for the graph of what is typed.

>>> class Quiet:  # a session with a good input and every variable in the graph
...     error, graph = None, object()
...     def outside_graph(self):
...         return {}
>>> note_lines(Quiet())
[]
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QLabel, QWidget

__all__ = ["CanvasNote", "StaleVeil", "note_lines", "graph_is_stale", "STALE_TEXT"]

STALE_TEXT = "Stale graph: the last one that worked. Fix the input above to draw it again."


VEIL_ALPHA = 150  # of 255: the graph stays legible, plainly not current


def graph_is_stale(session) -> bool:
    """True while the input has an error and the canvas still shows the last graph."""
    error = session.error
    return bool(error and error["kind"] == "input" and session.graph is not None)


def note_lines(session) -> list[str]:
    """What the note says for ``session`` (no line: no note)."""
    lines = [STALE_TEXT] if graph_is_stale(session) else []
    lines += list(session.outside_graph().values())
    return lines


class CanvasNote(QLabel):
    """The note over the graph canvas (see the module docstring)."""

    MARGIN = 8

    def __init__(self, session, canvas):
        super().__init__(canvas)
        self.session = session
        self.canvas = canvas
        self.setObjectName("canvasNote")
        self.setWordWrap(True)
        self.setTextFormat(Qt.PlainText)
        self.setAttribute(Qt.WA_TransparentForMouseEvents)  # clicks reach the graph
        self.setStyleSheet("QLabel#canvasNote { background: palette(tool-tip-base); "
                           "color: palette(tool-tip-text); border: 2px solid palette(mid); "
                           "border-radius: 4px; padding: 4px 8px; font-weight: bold; }")
        self.hide()
        self.veil = StaleVeil(canvas)
        for signal in (session.graph_changed, session.pass_changed, session.error_changed,
                       session.inputs_changed):
            signal.connect(self._on_session_changed)
        canvas.installEventFilter(self)

    def _on_session_changed(self, *_args) -> None:
        lines = note_lines(self.session)
        self.setText("\n".join(lines))
        self.setVisible(bool(lines))
        self.veil.setVisible(graph_is_stale(self.session))
        if self.veil.isVisible():
            self.veil.setGeometry(self.canvas.rect())
            self.veil.raise_()
        if lines:
            self._place()
            self.raise_()

    def eventFilter(self, watched: QObject, event) -> bool:  # noqa: N802 - Qt's name
        if watched is self.canvas and event.type() == QEvent.Resize:
            self.veil.setGeometry(self.canvas.rect())
            if self.isVisible():
                self._place()
        return False

    def _place(self) -> None:
        width = max(min(self.canvas.width() // 2, 460), 160)
        self.setFixedWidth(width)
        self.adjustSize()
        self.move(self.canvas.width() - width - self.MARGIN, self.MARGIN)


class StaleVeil(QWidget):
    """A translucent layer over the whole canvas, in its background colour: greys the picture."""

    def __init__(self, canvas):
        super().__init__(canvas)
        self.setObjectName("staleVeil")
        self.setAttribute(Qt.WA_TransparentForMouseEvents)  # the graph still pans and clicks
        self.hide()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
        colour = self.palette().color(QPalette.Window)
        colour.setAlpha(VEIL_ALPHA)
        painter = QPainter(self)
        painter.fillRect(self.rect(), colour)
        painter.end()
