"""A short note on the graph canvas itself, for what the picture alone does not say: that the
graph shown is stale (the input has an error; this is the last graph that worked), and why
a variable is not in the graph (it does not require grad).

``CanvasNote(session, canvas)`` is a label laid over the canvas's top right corner; it
follows the session's signals and hides itself when there is nothing to say.

>>> # note = CanvasNote(window.session, window.graph_view.canvas); note.text()
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QLabel

__all__ = ["CanvasNote", "note_lines", "STALE_TEXT"]

STALE_TEXT = "Stale graph: the last one that worked. Fix the input above to draw it again."


def note_lines(session) -> list[str]:
    """What the note says for ``session`` (no line: no note)."""
    lines = []
    error = session.error
    if error and error["kind"] == "input" and session.graph is not None:
        lines.append(STALE_TEXT)
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
        for signal in (session.graph_changed, session.pass_changed, session.error_changed,
                       session.inputs_changed):
            signal.connect(self._on_session_changed)
        canvas.installEventFilter(self)

    def _on_session_changed(self, *_args) -> None:
        lines = note_lines(self.session)
        self.setText("\n".join(lines))
        self.setVisible(bool(lines))
        if lines:
            self._place()
            self.raise_()

    def eventFilter(self, watched: QObject, event) -> bool:  # noqa: N802 - Qt's name
        if watched is self.canvas and event.type() == QEvent.Resize and self.isVisible():
            self._place()
        return False

    def _place(self) -> None:
        width = max(min(self.canvas.width() // 2, 460), 160)
        self.setFixedWidth(width)
        self.adjustSize()
        self.move(self.canvas.width() - width - self.MARGIN, self.MARGIN)
