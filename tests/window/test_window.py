"""The window driven through its widgets, as a learner would use it (pytest-qt, offscreen)."""

import numpy as np
import pytest
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

import engine

CONTRACT = {
    "xInput": QLineEdit, "expressionInput": QLineEdit, "backwardButton": QPushButton,
    "stepButton": QPushButton, "stepBackButton": QPushButton, "playButton": QPushButton,
    "finishButton": QPushButton, "zeroGradButton": QPushButton, "retainGraphCheck": QCheckBox,
    "graphCanvas": FigureCanvasQTAgg, "gradHistory": QWidget, "errorLabel": QLabel,
}


def child(win, name, kind=QWidget):
    widget = win.findChild(kind, name)
    assert widget is not None, name
    return widget


def type_into(qtbot, win, name, text, enter=False):
    field = child(win, name, QLineEdit)
    field.clear()
    qtbot.keyClicks(field, text)
    if enter:
        qtbot.keyClick(field, Qt.Key_Return)


def click(qtbot, win, name):
    button = child(win, name)
    assert button.isEnabled(), name
    qtbot.mouseClick(button, Qt.LeftButton)


def backward_to_end(qtbot, win):
    click(qtbot, win, "backwardButton")
    if child(win, "finishButton").isEnabled():
        click(qtbot, win, "finishButton")


def error(win):
    return child(win, "errorLabel", QLabel).text()


def x_grad(win):
    grad = win.session.tensors["x"].grad
    return None if grad is None else grad.tolist()


def test_contract_object_names(window):
    for name, kind in CONTRACT.items():
        assert isinstance(child(window, name), kind), name
    assert error(window) == ""
    assert child(window, "xInput").text() == "arange(4.0)"
    assert child(window, "expressionInput").text() == "2 * dot(x, x)"


def test_the_source_lesson_through_the_widgets(qtbot, window, history_text):
    """In [70]-[77]: y = 2 * dot(x, x), backward, u = x.sum() twice, zero_ in between."""
    assert child(window, "requiresGradCheck", QCheckBox).isChecked()
    assert "None" in history_text(window)                       # print(x.grad): None
    backward_to_end(qtbot, window)
    assert window.session.output.item() == 28.0             # tensor(28., grad_fn=<MulBackward0>)
    assert window.session.output.grad_fn.name() == "MulBackward0"
    assert x_grad(window) == [0.0, 4.0, 8.0, 12.0]
    x = window.session.tensors["x"]
    assert (x.grad == 4 * x).tolist() == [True] * 4       # x.grad == 4 * x
    assert "None → [0, 4, 8, 12]" in history_text(window)

    type_into(qtbot, window, "expressionInput", "x.sum()")
    backward_to_end(qtbot, window)
    assert window.session.output.item() == 6.0
    assert x_grad(window) == [1.0, 5.0, 9.0, 13.0]          # accumulated, not replaced
    assert "[0, 4, 8, 12] + [1, 1, 1, 1] = [1, 5, 9, 13]" in history_text(window)

    click(qtbot, window, "zeroGradButton")                 # x.grad.zero_()
    assert x_grad(window) == [0.0, 0.0, 0.0, 0.0]
    assert "x.grad.zero_()" in history_text(window)
    assert "[1, 5, 9, 13] → [0, 0, 0, 0]" in history_text(window)
    backward_to_end(qtbot, window)
    assert x_grad(window) == [1.0, 1.0, 1.0, 1.0]
    assert "[0, 0, 0, 0] + [1, 1, 1, 1] = [1, 1, 1, 1]" in history_text(window)
    states = [None if s is None else s.tolist() for s in window.session.grad_history["x"]]
    assert states == [None, [0, 4, 8, 12], [1, 5, 9, 13], [0, 0, 0, 0], [1, 1, 1, 1]]
    assert error(window) == ""


def test_a_sum_too_wide_for_the_history_is_stacked_as_on_paper(qtbot, window):
    backward_to_end(qtbot, window)
    type_into(qtbot, window, "expressionInput", "x.sum()")
    backward_to_end(qtbot, window)
    view = child(window, "gradHistory")
    view.resize(900, view.height())
    qtbot.waitUntil(lambda: "[0, 4, 8, 12] + [1, 1, 1, 1] = [1, 5, 9, 13]"
                    in view.toPlainText())
    view.resize(260, view.height())
    qtbot.waitUntil(lambda: "  [0, 4, 8, 12]\n+ [1, 1, 1, 1]\n= [1, 5, 9, 13]"
                    in view.toPlainText())
    assert view.horizontalScrollBar().maximum() == 0   # nothing cut, nothing to scroll to


def test_a_two_digit_history_number_stays_on_one_line(qtbot, window):
    type_into(qtbot, window, "expressionInput", "x.sum()")
    for _ in range(11):
        window.backward()
        window.player.to_end()
    view = child(window, "gradHistory")
    document = view.document()
    block = document.begin()
    numbers = {}
    while block.isValid():
        if block.text().isdigit():
            numbers[block.text()] = block.layout().lineCount()
        block = block.next()
    assert numbers["12"] == 1 and numbers["1"] == 1  # "12" is not drawn as "1" over "2"


def test_the_lesson_buffer_states_match_torch(qtbot, window):
    torch = pytest.importorskip("torch")
    x = torch.arange(4.0).requires_grad_(True)
    expected = [None]
    (2 * torch.dot(x, x)).backward()
    expected.append(x.grad.tolist())
    x.sum().backward()
    expected.append(x.grad.tolist())
    x.grad.zero_()
    expected.append(x.grad.tolist())
    x.sum().backward()
    expected.append(x.grad.tolist())
    backward_to_end(qtbot, window)
    type_into(qtbot, window, "expressionInput", "x.sum()")
    backward_to_end(qtbot, window)
    click(qtbot, window, "zeroGradButton")
    backward_to_end(qtbot, window)
    states = [None if s is None else s.tolist() for s in window.session.grad_history["x"]]
    assert states == expected


def test_stepping_forward_and_back(qtbot, window, history_text):
    click(qtbot, window, "backwardButton")
    click(qtbot, window, "stepButton")                     # pauses the playback, then steps
    session, view = window.session, window.graph_view
    assert not window.player.is_playing
    first = session.step
    assert first >= 0
    click(qtbot, window, "stepBackButton")
    assert session.step == first - 1
    session.set_step(-1)
    assert not child(window, "stepBackButton").isEnabled()
    labels = []
    for expected in range(len(session.steps)):
        click(qtbot, window, "stepButton")
        assert session.step == expected
        assert view.picture.index == expected
        labels.append(child(window, "stepLabel", QLabel).text())
    assert labels == ["step 1 of 3: MulBackward0", "step 2 of 3: DotBackward0",
                      "step 3 of 3: AccumulateGrad"]
    assert not child(window, "stepButton").isEnabled()
    assert not child(window, "finishButton").isEnabled()
    # the .grad entry is faded until the animation reaches AccumulateGrad
    click(qtbot, window, "stepBackButton")
    assert "when the animation gets there" in history_text(window)
    click(qtbot, window, "finishButton")
    assert "when the animation gets there" not in history_text(window)


def test_stepping_back_redraws_exactly_the_earlier_picture(qtbot, window):
    canvas = child(window, "graphCanvas")
    click(qtbot, window, "backwardButton")
    window.player.pause()

    def picture_at(index):
        window.session.set_step(index)
        qtbot.wait(50)
        return np.asarray(canvas.buffer_rgba()).copy()

    before = picture_at(1)
    after = picture_at(2)
    again = picture_at(1)
    assert not np.array_equal(before, after)
    assert np.array_equal(before, again)


def test_animation_keys(qtbot, window):
    click(qtbot, window, "backwardButton")
    canvas = child(window, "graphCanvas")
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key_Space)                   # pause the playback
    assert not window.player.is_playing
    window.session.set_step(-1)
    qtbot.keyClick(canvas, Qt.Key_Right)
    qtbot.keyClick(canvas, Qt.Key_Right)
    assert window.session.step == 1
    qtbot.keyClick(canvas, Qt.Key_Left)
    assert window.session.step == 0
    qtbot.keyClick(canvas, Qt.Key_End)
    assert window.session.step == window.session.last_step
    qtbot.keyClick(canvas, Qt.Key_Space)                   # play again from the start
    assert window.player.is_playing
    qtbot.waitUntil(lambda: not window.player.is_playing, timeout=10000)
    assert window.session.step == window.session.last_step


def test_play_runs_the_whole_pass(qtbot, window):
    child(window, "speedSlider").setValue(10)
    click(qtbot, window, "backwardButton")
    assert window.player.is_playing
    qtbot.waitUntil(lambda: window.session.step == window.session.last_step, timeout=5000)
    assert child(window, "playButton").text().endswith("Play")


def test_ctrl_enter_runs_backward_from_the_field(qtbot, window):
    field = child(window, "expressionInput", QLineEdit)
    field.setFocus()
    qtbot.keyClick(field, Qt.Key_Return, Qt.ControlModifier)
    assert window.session.passes_run == 1
    assert QApplication.focusWidget() is window.graph_view.canvas  # Space now pauses


@pytest.mark.parametrize("text, message, marked", [
    ("2 * dot(x, y)", "name 'y' is not defined", "y"),
    ("2 * dot(x, x", "syntax error", ""),
    ("x.__class__", "names starting with '_' are private", "__class__"),
    ("dot(x, ones(3))", "RuntimeError: ", "dot"),
])
def test_bad_expression_is_shown_inline(qtbot, window, text, message, marked):
    type_into(qtbot, window, "expressionInput", text, enter=True)
    label = child(window, "errorLabel", QLabel)
    assert message in label.text()
    assert label.isVisible()
    assert "Traceback" not in label.text()
    field = child(window, "expressionInput", QLineEdit)
    assert field.property("invalid")
    if marked:
        assert field.selectedText() == marked
    assert "column" in child(window, "errorDetail", QLabel).text()
    assert QApplication.activeModalWidget() is None
    caption = child(window, "stepLabel", QLabel)
    assert "the graph is the last one that worked" in caption.text()
    type_into(qtbot, window, "expressionInput", "x.sum()", enter=True)
    assert label.text() == ""
    assert not field.property("invalid")
    assert "last one that worked" not in caption.text()


def test_bad_x_is_shown_under_x(qtbot, window):
    type_into(qtbot, window, "xInput", "arange(4)", enter=True)
    assert error(window) == ("RuntimeError: only Tensors of floating point dtype can require "
                             "gradients")
    field = child(window, "xInput", QLineEdit)
    assert field.property("invalid")
    grid = window.inputs._grid
    bar_row = grid.getItemPosition(grid.indexOf(window.inputs.error_bar))[0]
    x_row = grid.getItemPosition(grid.indexOf(field))[0]
    assert bar_row == x_row + 1
    child(window, "requiresGradCheck", QCheckBox).setChecked(False)
    type_into(qtbot, window, "xInput", "arange(4)", enter=True)
    assert error(window) == ""
    click(qtbot, window, "backwardButton")
    assert "does not require grad" in error(window)


def test_non_scalar_output_offers_ones(qtbot, window):
    type_into(qtbot, window, "expressionInput", "x * 2")
    click(qtbot, window, "backwardButton")
    assert error(window) == "RuntimeError: grad can be implicitly created only for scalar outputs"
    ones = child(window, "onesButton", QPushButton)
    assert ones.isVisible()
    assert "not a scalar" in child(window, "stepLabel", QLabel).text()
    qtbot.mouseClick(ones, Qt.LeftButton)
    assert error(window) == ""
    assert not ones.isVisible()
    window.player.to_end()
    assert x_grad(window) == [2.0, 2.0, 2.0, 2.0]


def test_reusing_a_dot_graph_gives_torchs_freed_error(qtbot, window):
    backward_to_end(qtbot, window)
    child(window, "reuseGraphCheck", QCheckBox).setChecked(True)
    click(qtbot, window, "backwardButton")
    assert error(window).startswith("RuntimeError: Trying to backward through the graph a "
                                    "second time (or directly access saved tensors after they "
                                    "have already been freed).")
    picture, session = window.graph_view.picture, window.session
    graph = session.graph
    freed = {graph.nodes[key]["label"] for key in picture.freed_at(picture.index)}
    assert freed == {"MulBackward0", "DotBackward0"}
    assert graph.nodes[picture.failed]["label"] == "MulBackward0"
    assert x_grad(window) == [0.0, 4.0, 8.0, 12.0]         # nothing accumulated
    assert "retain_graph" in child(window, "errorDetail", QLabel).text()


def test_retain_graph_lets_the_reused_graph_run_again(qtbot, window):
    child(window, "retainGraphCheck", QCheckBox).setChecked(True)
    backward_to_end(qtbot, window)
    child(window, "reuseGraphCheck", QCheckBox).setChecked(True)
    backward_to_end(qtbot, window)
    assert error(window) == ""
    assert x_grad(window) == [0.0, 8.0, 16.0, 24.0]


def test_reusing_a_sum_graph_just_accumulates(qtbot, window):
    type_into(qtbot, window, "expressionInput", "x.sum()")
    backward_to_end(qtbot, window)
    child(window, "reuseGraphCheck", QCheckBox).setChecked(True)
    backward_to_end(qtbot, window)
    assert error(window) == ""
    assert x_grad(window) == [2.0, 2.0, 2.0, 2.0]
    assert window.graph_view.picture.freed_at(window.session.step) == set()


def test_zero_grad_before_any_backward_says_why(qtbot, window):
    click(qtbot, window, "zeroGradButton")
    assert error(window).startswith("AttributeError: 'NoneType' object has no attribute 'zero_'")
    backward_to_end(qtbot, window)
    assert error(window) == ""


def test_more_variables(qtbot, window, history_text):
    click(qtbot, window, "addVariableButton")
    table = child(window, "variablesTable")
    assert table.rowCount() == 1
    assert table.item(0, 0).text() == "w"
    type_into(qtbot, window, "expressionInput", "dot(w, x)")
    backward_to_end(qtbot, window)
    assert window.session.tensors["w"].grad.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert x_grad(window) == [1.0, 2.0, 3.0, 4.0]
    assert "w.grad" in history_text(window) and "x.grad" in history_text(window)
    table.item(0, 1).setText("tensor([1., 2.], requires_grad=True)")
    click(qtbot, window, "backwardButton")
    assert "RuntimeError" in error(window)
    table.item(0, 1).setText("zeros(4, requires_grad=True) +")
    assert "syntax error" in error(window)


def test_click_a_node_to_inspect_it(qtbot, window):
    backward_to_end(qtbot, window)
    canvas = child(window, "graphCanvas")
    picture = window.graph_view.picture
    graph = window.session.graph
    dot = next(key for key in graph if graph.nodes[key].get("label") == "DotBackward0")
    x_pixels, y_pixels = picture.ax.transData.transform(picture.position(dot))
    ratio = canvas.devicePixelRatioF()
    point = QPoint(int(x_pixels / ratio), int(canvas.height() - y_pixels / ratio))
    qtbot.mouseClick(canvas, Qt.LeftButton, pos=point)
    assert window.session.selected == dot
    text = child(window, "nodeInspector").toPlainText()
    assert "next_functions" in text
    accumulate = "<torch::autograd::AccumulateGrad>"
    assert f"(({accumulate}, 0), ({accumulate}, 0))" in text
    assert "grad * b\n      = 2 * [0, 1, 2, 3]\n      = [0, 2, 4, 6]" in text
    assert "freed" in text
    window.session.set_step(0)
    assert "runs at step 2" in child(window, "nodeInspector").toPlainText()
    qtbot.mouseClick(canvas, Qt.LeftButton, pos=QPoint(3, canvas.height() - 3))
    assert window.session.selected is None


def test_inspect_from_the_keyboard(qtbot, window):
    backward_to_end(qtbot, window)
    chooser = child(window, "nodeChooser")
    leaf = [chooser.itemText(i) for i in range(chooser.count())].index("x")
    chooser.setFocus()
    chooser.setCurrentIndex(leaf)
    chooser.activated.emit(leaf)
    text = child(window, "nodeInspector").toPlainText()
    assert "tensor([0., 1., 2., 3.], requires_grad=True)" in text
    assert "tensor([ 0.,  4.,  8., 12.])" in text


def test_settings_are_restored(qtbot, settings, window):
    from gui.window.main_window import MainWindow

    type_into(qtbot, window, "xInput", "linspace(0, 1, 5)")
    type_into(qtbot, window, "expressionInput", "exp(x).sum()")
    child(window, "retainGraphCheck", QCheckBox).setChecked(True)
    window.side_splitter.setSizes([150, 450])
    window.close()
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    assert child(again, "xInput").text() == "linspace(0, 1, 5)"
    assert child(again, "expressionInput").text() == "exp(x).sum()"
    assert child(again, "retainGraphCheck").isChecked()
    qtbot.waitUntil(lambda: again.session.graph is not None)
    saved, restored = window.side_splitter.sizes(), again.side_splitter.sizes()
    assert restored[0] / sum(restored) == pytest.approx(saved[0] / sum(saved), abs=0.03)


def test_garbage_in_settings_falls_back_to_defaults(qtbot, settings):
    from gui.window.main_window import MainWindow

    settings.setValue("inputs/variables", "{not json")
    settings.setValue("window/geometry", "nonsense")
    settings.setValue("view/fontSize", "huge")
    settings.setValue("view/speed", "fast")
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    assert child(win, "xInput").text() == "arange(4.0)"


def test_dark_theme_and_text_size(qtbot, window):
    app = QApplication.instance()
    size = app.font().pointSizeF()
    window.findChild(QWidget, "graphCanvas").setFocus()
    qtbot.keyClick(window, Qt.Key_D, Qt.ControlModifier | Qt.ShiftModifier)
    assert window.theme == "dark"
    assert window.graph_view.picture.theme == "dark"
    qtbot.keyClick(window, Qt.Key_Plus, Qt.ControlModifier)
    assert app.font().pointSizeF() == size + 1
    assert window.graph_view.picture.font_size > 0
    qtbot.keyClick(window, Qt.Key_0, Qt.ControlModifier)
    assert app.font().pointSizeF() == size
    window.set_theme("light")


def test_unexpected_errors_become_a_message(qtbot, window, capfd):
    import sys

    from gui.window.excepthook import install_exception_hook

    previous = install_exception_hook(window.session.report_unexpected)
    try:
        try:
            raise KeyError("surprise")
        except KeyError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        sys.excepthook = previous
    assert error(window).startswith("Unexpected error")
    assert "KeyError" in error(window)
    assert "Traceback" in capfd.readouterr().err           # the log keeps the details


def test_open_file_messages(window, tmp_path):
    lesson = tmp_path / "lesson.py"
    lesson.write_text("import torch\n")
    window.open_path(str(lesson))
    assert window.lesson.path == str(lesson)
    assert error(window) == ""
    window.open_path(str(tmp_path / "missing.json"))
    assert "no such file" in error(window)


def test_engine_is_the_only_calculator(window):
    """The window's numbers are the engine's: the same pass run directly agrees."""
    x = engine.arange(4.0, requires_grad=True)
    (2 * engine.dot(x, x)).backward()
    window.backward()
    window.player.to_end()
    assert x_grad(window) == x.grad.tolist()


def test_wheel_and_menu_zoom_the_graph(qtbot, window):
    view = window.graph_view
    before = view.ax.get_xlim()
    view.zoom(2.0)
    assert (view.ax.get_xlim()[1] - view.ax.get_xlim()[0]) == pytest.approx(
        (before[1] - before[0]) / 2)
    view.fit_all()
    assert view.ax.get_xlim() == pytest.approx(view.picture.full_limits[0])


def test_run_app_opens_the_window_and_explains_a_file(qtbot, tmp_path, run_app_and_look):
    seen = {}

    def look(opened):
        seen["error"] = opened.findChild(QLabel, "errorLabel").text()

    assert run_app_and_look([tmp_path / "missing.json"], look) == 0
    assert "missing.json" in seen["error"] and "no such file" in seen["error"]


def test_showing_the_window_leaves_the_engine_and_networkx_for_later(tmp_path):
    """Start-up imports only what the empty window needs (bench/bench_gui.py times it)."""
    import subprocess
    import sys
    from pathlib import Path

    code = ("import os, sys\n"
            "from PySide6.QtCore import QStandardPaths\n"
            "from PySide6.QtWidgets import QApplication\n"
            "QStandardPaths.setTestModeEnabled(True)\n"
            "app = QApplication([])\n"
            "from gui.window.main_window import MainWindow\n"
            "window = MainWindow()\n"
            "window.show()\n"
            "app.processEvents()\n"
            "loaded = [m for m in ('engine', 'networkx') "
            "if m in sys.modules]\n"
            "print(loaded)\n"
            "sys.stdout.flush()\n"
            "os._exit(0)\n")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                          text=True, timeout=120,
                          env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen",
                               "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)})
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
