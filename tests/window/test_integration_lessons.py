"""Lessons in the window: opened every way a user opens them, run cell by cell, every
backward pass animated in the graph one after another, the .grad history filled and the
chain rule explained at each step (pytest-qt, offscreen)."""

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QLabel

from engine.interpreter.lesson import LessonRunner, load_lesson
from gui.window.lesson_session import builtin_lessons

LESSONS = builtin_lessons()
SOURCE_LESSON = next(path for _, path in LESSONS if path.name.startswith("01_"))


def headless_shown(path) -> list:
    """What each cell shows when the lesson runs without a window."""
    lesson = load_lesson(path)
    runner = LessonRunner(lesson)
    return [runner.run_cell(index).shown for index in range(len(lesson.cells))]


def recorded_passes(window) -> list:
    return [p for result in window.lesson.results if result is not None for p in result.passes]


def accumulations(passes) -> int:
    return sum(step.is_accumulation for p in passes for step in p.steps)


@pytest.mark.parametrize("path", [path for _, path in LESSONS], ids=lambda p: p.stem)
def test_each_builtin_lesson_runs_whole_in_the_window(window, path):
    assert window.open_path(str(path))
    assert window.lessons.isVisible()
    window.lessons.run_all_button.click()
    lesson = window.lesson
    assert lesson.at_end
    shown = [result.shown if result is not None else None for result in lesson.results]
    assert shown == headless_shown(path)            # the same text as without a window
    passes = recorded_passes(window)
    assert passes, "every built-in lesson calls backward()"
    window.passes.skip_to_last()
    session = window.session
    assert window.passes.shown == len(passes) and window.passes.waiting == 0
    # numbered: the passes that changed a .grad (a failed one takes no number)
    assert session.passes_run == sum(any(s.is_accumulation for s in p.steps) for p in passes)
    assert session.output is passes[-1].output       # the graph is the last pass's
    assert [s.index for s in session.steps] == [s.index for s in passes[-1].steps]
    backward_states = [e for e in session.history if e["event"] == "backward"]
    assert len(backward_states) == accumulations(passes)
    assert session.error is None or session.error["kind"] != "unexpected"
    assert window.findChild(QLabel, "errorLabel").text() == ""


def test_passes_are_animated_one_after_another(qtbot, window, history_text):
    """The source lesson: three backward() calls, played in order, each to its last step."""
    window.playback.speed_slider.setValue(10)            # the fastest speed
    window.passes.hold_ms = 50
    session, log, outputs = window.session, [], []
    session.step_changed.connect(lambda index: log.append(
        (window.passes.shown, index, session.last_step)))
    window.passes.pass_shown.connect(lambda number: (log.append(("shown", number)),
                                                     outputs.append(session.output)))
    explained = []
    session.step_changed.connect(lambda index: explained.append(
        (session.steps[index].name, window.explain.explanation.title)
        if 0 <= index < len(session.steps) else None))
    window.open_path(str(SOURCE_LESSON))
    window.lessons.run_all_action.trigger()
    passes = recorded_passes(window)
    assert len(passes) == 3
    qtbot.waitUntil(lambda: window.passes.shown == 3 and not window.player.is_playing
                    and session.step == session.last_step, timeout=20_000)
    assert [p.output for p in passes] == outputs            # in the order they ran
    for number in (2, 3):  # the pass before was played to its end before the next came
        at = log.index(("shown", number))
        before = [entry for entry in log[:at] if entry[0] == number - 1]
        assert before and before[-1][1] == before[-1][2]
        assert [entry[1] for entry in before if entry[1] >= 0] == list(
            range(len(passes[number - 2].steps)))
    assert all(name.endswith(title) for name, title in filter(None, explained))
    # the states of the source lesson's .grad buffer from None, zero_() included
    states = [None if s is None else s.tolist() for s in session.grad_history["x"]]
    assert states == [None, [0, 4, 8, 12], [1, 5, 9, 13], [0, 0, 0, 0], [1, 1, 1, 1]]
    assert [e["event"] for e in session.history] == ["backward", "backward", "zero", "backward"]
    history = history_text(window)
    assert "[0, 4, 8, 12] + [1, 1, 1, 1] = [1, 5, 9, 13]" in history
    assert "x.grad.zero_()" in history


def test_shift_enter_next_and_restart(qtbot, window):
    menu_action = next(a for a in window.findChild(type(window.menuBar().actions()[0].menu()),
                                                   "lessonsMenu").actions()
                       if a.data() and Path(a.data()).name.startswith("02_"))
    menu_action.trigger()                                   # File > Lessons > 2
    lesson = window.lesson
    assert lesson.lesson is not None and lesson.next_index == 0
    window.graph_view.canvas.setFocus()
    qtbot.keyClick(window.graph_view.canvas, Qt.Key_Return, Qt.ShiftModifier)
    assert lesson.counts.count(None) < len(lesson.counts)   # a cell ran
    while not lesson.at_end and not recorded_passes(window):
        window.lessons.next_button.click()
    assert window.passes.shown == 1 and window.session.steps
    assert window.explain.explanation is not None or window.session.step == -1
    window.player.to_end()
    assert window.explain.explanation is not None
    assert window.session.history
    window.lessons.restart_button.click()
    assert lesson.next_index == 0
    assert window.session.history == [] and window.passes.shown == 0
    assert window.history.toPlainText().startswith("No leaf yet")


def test_a_manual_backward_drops_the_waiting_passes(window):
    window.open_path(str(SOURCE_LESSON))
    window.lessons.run_all_action.trigger()
    assert window.passes.waiting == 2
    window.backward()
    assert window.passes.waiting == 0
    assert window.session.output.grad_fn.name() == "MulBackward0"


def test_next_pass_and_skip_actions(window):
    window.open_path(str(SOURCE_LESSON))
    assert not window.next_pass_action.isEnabled()
    window.lessons.run_all_action.trigger()
    assert window.next_pass_action.isEnabled() and window.passes.shown == 1
    window.next_pass_action.trigger()
    assert window.passes.shown == 2 and window.passes.waiting == 1
    window.skip_passes_action.trigger()
    assert window.passes.shown == 3 and not window.next_pass_action.isEnabled()
    assert window.session.step == window.session.last_step


def test_freed_nodes_of_an_earlier_pass_are_greyed(window):
    """Lesson 4: the second dot backward fails on nodes the first one freed."""
    path = next(path for _, path in LESSONS if path.name.startswith("04_"))
    window.open_path(str(path))
    window.lessons.next_button.click()                      # x.sum() twice
    window.lessons.next_button.click()                      # dot: once, then the error
    window.passes.skip_to_last()
    session = window.session
    assert session.error_text.startswith("RuntimeError: Trying to backward through the graph")
    assert session.failed_key is not None
    assert session.failed_key in session.freed_before   # freed by the pass before
    caption = window.graph_view.picture._caption_text(session.step)
    assert "raised an error" in caption


def test_a_refused_cell_shows_where_in_the_panel_and_nothing_of_it_runs(window, tmp_path):
    """Notebook semantics: the lesson opens; the refused cell shows its error, line and column."""
    path = tmp_path / "hostile.py"
    path.write_text("# %%\nimport torch\nx = torch.arange(3.0)\n# %%\nopen('/etc/passwd')\n"
                    "# %%\nprint(x)\n")
    assert window.open_path(str(path))
    assert window.lessons.isVisible()
    results = window.lesson.run_all()
    assert results[1].error == ("ExpressionError: 'open' is not available in a lesson: it "
                                "reaches the interpreter itself")
    assert (results[1].exception.lineno, results[1].exception.col) == (5, 1)
    assert results[2].output == "tensor([0., 1., 2.])\n"
    assert not any(result.passes for result in results)


def drag_events(path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPointF(400, 300), Qt.CopyAction, mime, Qt.LeftButton,
                            Qt.NoModifier)
    drop = QDropEvent(QPointF(400, 300), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    return enter, drop, mime  # the events only point at the mime data: keep it alive


def test_lessons_open_by_drag_and_drop(qtbot, window):
    enter, drop, _mime = drag_events(SOURCE_LESSON)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    window.dropEvent(drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: window.lesson.path == str(SOURCE_LESSON))
    assert window.lessons.isVisible()
    enter, drop, _mime = drag_events("/tmp/picture.png")
    window.dragEnterEvent(enter)
    assert not enter.isAccepted()


def test_the_lesson_reloads_when_its_file_changes(qtbot, window, tmp_path):
    path = tmp_path / "mine.py"
    path.write_text("import torch\nx = torch.ones(2, requires_grad=True)\n"
                    "x.sum().backward()\nx.grad\n")
    window.open_path(str(path))
    window.lessons.run_all_action.trigger()
    window.passes.skip_to_last()
    assert window.session.history
    path.write_text("import torch\nx = torch.ones(3, requires_grad=True)\n"
                    "(2 * x).sum().backward()\nx.grad\n")
    qtbot.waitUntil(lambda: "ones(3" in (window.lesson.source or ""), timeout=5000)
    assert window.session.history == [] and window.lesson.next_index == 0
    window.lessons.run_all_action.trigger()
    window.passes.skip_to_last()
    assert window.session.history[-1]["after"] == [2.0, 2.0, 2.0]


def test_check_with_pytorch_from_the_lesson_menu(window):
    window.open_path(str(SOURCE_LESSON))
    window.check_action.trigger()
    assert window.side_tabs.currentWidget() is window.torch_check
    assert window.torch_check.running or window.torch_check.message
    window.torch_check.cancel()


def test_python_main_py_lesson_opens_it(qtbot, run_app_and_look):
    seen = {}

    def look(opened):
        seen.update(lesson=opened.lesson.path, visible=opened.lessons.isVisible(),
                    keys_drive_the_graph=opened.graph_view.canvas.hasFocus())

    assert run_app_and_look([SOURCE_LESSON], look) == 0
    assert seen == {"lesson": str(SOURCE_LESSON), "visible": True, "keys_drive_the_graph": True}


def test_zero_grad_leaves_the_lessons_tensors_alone(window):
    window.open_path(str(SOURCE_LESSON))
    window.lessons.run_all_action.trigger()
    window.passes.skip_to_last()
    x = window.session.tensors["x"]                      # the lesson's own x
    assert x is window.lesson.results[-1].tensors["x"]
    before = x.grad.tolist()
    window.zero_grad()
    assert x.grad.tolist() == before
    assert "lesson" in window.findChild(QLabel, "errorLabel").text()
    window.backward()                     # the inputs' own x: zero grad works on it again
    window.player.to_end()
    window.zero_grad()
    assert window.session.tensors["x"].grad.tolist() == [0.0, 0.0, 0.0, 0.0]
    assert x.grad.tolist() == before
