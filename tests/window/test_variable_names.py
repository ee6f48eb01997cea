"""The window's variables table applies the interpreter's name rule at once (issue 9 move 2)."""

from PySide6.QtWidgets import QLabel, QTableWidget

from engine.interpreter.names import variable_name_problem


def test_a_bad_name_in_the_variables_table_is_refused_at_once(qtbot, window):
    """Before: a variable named 'for' worked in the window until File > Save refused it."""
    window.inputs.add_button.click()
    table = window.findChild(QTableWidget, "variablesTable")
    for name in ("for", "__class__"):
        table.item(0, 0).setText(name)
        qtbot.waitUntil(lambda: window.session.error is not None, timeout=3000)
        message = variable_name_problem(name)
        assert window.session.error["message"] == message
        assert message in window.findChild(QLabel, "errorLabel").text()
        assert name not in window.session.tensors
    table.item(0, 0).setText("w")
    qtbot.waitUntil(lambda: window.session.error is None, timeout=3000)
    assert "w" in window.session.tensors
