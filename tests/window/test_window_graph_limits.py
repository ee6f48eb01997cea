"""Issue 11 through the window: a graph too large to draw is refused in one line, at once,
the last graph stays on the canvas and the window keeps working."""

import time

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit


def test_a_graph_too_large_to_draw_is_one_line_and_the_window_stays_responsive(window, qtbot):
    shown = window.session.graph
    x_field = window.findChild(QLineEdit, "xInput")
    expression = window.findChild(QLineEdit, "expressionInput")
    started = time.monotonic()
    x_field.setText("ones(20000)")
    expression.setText("stack(x.unbind()).sum()")
    qtbot.keyClick(expression, Qt.Key_Return)
    error = window.findChild(QLabel, "errorLabel")
    qtbot.waitUntil(lambda: "too large to draw" in error.text(), timeout=10_000)
    assert time.monotonic() - started < 10
    assert "\n" not in window.session.error["message"]
    assert window.session.graph is shown  # the last graph that worked stays drawn
    x_field.setText("arange(3.0)")
    expression.setText("x.sum()")
    qtbot.keyClick(expression, Qt.Key_Return)
    qtbot.waitUntil(lambda: window.session.error is None, timeout=10_000)
    assert len(window.session.graph) == 4
