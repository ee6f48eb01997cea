"""The names docs/CONTRACT.md promises stay where it says (section 4)."""

from PySide6.QtWidgets import QWidget


def test_main_window_is_importable_from_gui_main_window(window):
    from gui.main_window import MainWindow

    assert isinstance(window, MainWindow)


def test_every_object_name_of_the_contract_is_there(window):
    names = ["xInput", "expressionInput", "backwardButton", "stepButton", "stepBackButton",
             "playButton", "finishButton", "zeroGradButton", "retainGraphCheck", "graphCanvas",
             "gradHistory", "errorLabel", "stepSlider", "lessonRunAllButton"]
    missing = [name for name in names if window.findChild(QWidget, name) is None]
    assert missing == []
