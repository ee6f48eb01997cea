"""The keyboard belongs to the animation after Backward or a click on the graph: real key
events, sent where the keyboard focus is, as a teacher's keyboard would."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLineEdit


def press(qtbot, window, key, modifier=Qt.NoModifier, text=None):
    """A key pressed on the keyboard: it goes to the widget that has the focus."""
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, key, modifier)


def field(window, name) -> QLineEdit:
    return window.findChild(QLineEdit, name)


def backward_from_the_expression(qtbot, window):
    expression = field(window, "expressionInput")
    expression.setFocus(Qt.MouseFocusReason)
    qtbot.waitUntil(expression.hasFocus)
    press(qtbot, window, Qt.Key_Return, Qt.ControlModifier)
    qtbot.waitUntil(lambda: window.session.steps != [])
    return expression


def test_after_ctrl_enter_space_pauses_instead_of_typing(qtbot, window):
    expression = backward_from_the_expression(qtbot, window)
    text = expression.text()
    assert window.graph_view.canvas.hasFocus()
    assert window.player.is_playing
    press(qtbot, window, Qt.Key_Space)
    assert not window.player.is_playing and expression.text() == text
    press(qtbot, window, Qt.Key_Space)
    assert window.player.is_playing


@pytest.mark.parametrize("key", [Qt.Key_End, Qt.Key_Home, Qt.Key_Right, Qt.Key_Left, Qt.Key_F,
                                 Qt.Key_BracketLeft, Qt.Key_BracketRight])
def test_after_backward_the_animation_keys_never_reach_a_field(qtbot, window, key):
    expression = backward_from_the_expression(qtbot, window)
    window.player.pause()
    before = (expression.text(), field(window, "xInput").text())
    press(qtbot, window, key)
    assert (expression.text(), field(window, "xInput").text()) == before
    if key == Qt.Key_End:
        assert window.session.step == window.session.last_step
    if key == Qt.Key_Home:
        assert window.session.step == -1


def test_end_and_home_move_the_animation(qtbot, window):
    backward_from_the_expression(qtbot, window)
    window.player.pause()
    press(qtbot, window, Qt.Key_End)
    assert window.session.step == window.session.last_step
    press(qtbot, window, Qt.Key_Home)
    assert window.session.step == -1
    press(qtbot, window, Qt.Key_Right)
    assert window.session.step == 0


def test_a_click_on_the_graph_takes_the_keys(qtbot, window):
    window.backward()
    window.player.pause()
    expression = field(window, "expressionInput")
    expression.setFocus(Qt.MouseFocusReason)
    qtbot.waitUntil(expression.hasFocus)
    canvas = window.graph_view.canvas
    qtbot.mouseClick(canvas, Qt.LeftButton, pos=QPoint(5, 5))
    assert canvas.hasFocus()
    text = expression.text()
    press(qtbot, window, Qt.Key_F)
    press(qtbot, window, Qt.Key_End)
    assert expression.text() == text and window.session.step == window.session.last_step


def test_typing_into_a_field_still_works_once_clicked(qtbot, window):
    backward_from_the_expression(qtbot, window)
    expression = field(window, "expressionInput")
    qtbot.mouseClick(expression, Qt.LeftButton)
    assert expression.hasFocus()
    expression.end(False)
    text = expression.text()
    press(qtbot, window, Qt.Key_Space)
    press(qtbot, window, Qt.Key_F)
    assert expression.text() == text + " f"


@pytest.mark.parametrize("name", ["expressionInput", "xInput"])
def test_lesson_cells_run_wherever_the_focus_is(qtbot, window, name):
    from gui.resources import LESSONS_DIR

    window.open_path(str(LESSONS_DIR / "02_chain_rule.py"))
    target = field(window, name)
    target.setFocus(Qt.MouseFocusReason)
    qtbot.waitUntil(target.hasFocus)
    text = target.text()
    press(qtbot, window, Qt.Key_Return, Qt.ShiftModifier)
    assert window.lesson.next_index > 0 and window.lesson.has_run
    press(qtbot, window, Qt.Key_Return, Qt.ControlModifier | Qt.ShiftModifier)
    assert window.lesson.at_end and target.text() == text


def test_a_typing_mistake_keeps_the_keyboard_in_its_field(qtbot, window):
    expression = field(window, "expressionInput")
    expression.setText("x.sum(")
    expression.setFocus(Qt.MouseFocusReason)
    qtbot.waitUntil(expression.hasFocus)
    press(qtbot, window, Qt.Key_Return, Qt.ControlModifier)
    assert window.session.error["kind"] == "input" and expression.hasFocus()
    expression.end(False)  # the mistake is marked (selected); type after it
    press(qtbot, window, Qt.Key_ParenRight)
    assert expression.text() == "x.sum()"


def test_a_pasted_tab_in_the_expression_is_whitespace(qtbot, window):
    field(window, "expressionInput").setText("2 *\tdot(x,\tx)")  # pasted from an editor
    assert window.backward()
    assert window.session.error is None
    assert window.session.history[-1]["after"] == [0.0, 4.0, 8.0, 12.0]
