"""Sessions through the window: save, open, recent files, the unsaved-changes marker and
question, and bad files refused inline with the session left as it was."""

import json
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QLineEdit, QMessageBox

from gui.model.session_file import FORMAT_NAME, FORMAT_VERSION
from gui.window.lesson_session import builtin_lessons

SOURCE_LESSON = next(path for _, path in builtin_lessons() if path.name.startswith("01_"))


def error(window) -> str:
    return window.findChild(QLabel, "errorLabel").text()


def field(window, name) -> str:
    return window.findChild(QLineEdit, name).text()


def snapshot(window) -> dict:
    """Everything an Open must not touch when it refuses a file."""
    session = window.session
    return {"variables": dict(session.variables), "expression": session.expression,
            "history": json.dumps(session.history), "passes": session.passes_run,
            "step": session.step, "graph": id(session.graph), "output": id(session.output),
            "x": field(window, "xInput"), "y": field(window, "expressionInput"),
            "lesson": window.lesson.path, "file": window.files.path,
            "modified": window.isWindowModified()}


def run_story(window):
    """Backward on 2 * dot(x, x), then twice on x.sum(), stopping in the middle."""
    window.backward()
    window.player.to_end()
    window.session.set_inputs(expression="x.sum()")
    window.inputs.load_from_session()
    window.backward()
    window.player.to_end()
    window.backward()
    window.player.pause()
    window.session.set_step(0)


def new_window(qtbot, settings):
    from gui.window.main_window import MainWindow

    win = MainWindow(settings=settings)
    win.files.unsaved_answer = "discard"
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.session.graph is not None, timeout=5000)
    return win


def test_save_and_open_round_trip(qtbot, window, settings, tmp_path):
    run_story(window)
    path = tmp_path / "where-i-was.json"
    assert window.files.save_to(path)
    assert not window.isWindowModified()
    assert "where-i-was.json" in window.windowTitle()
    saved = window.session
    other = new_window(qtbot, settings)
    assert other.open_path(str(path))
    session = other.session
    assert field(other, "expressionInput") == "x.sum()" and field(other, "xInput") == "arange(4.0)"
    assert session.history == saved.history
    assert session.passes_run == 3 and session.step == 0
    assert session.tensors["x"].grad.tolist() == [2.0, 6.0, 10.0, 14.0]
    assert len(session.steps) == len(saved.steps)          # the last pass, replayed
    assert session.grad_at(session.graph.graph["ids"][id(session.tensors["x"])], -1).tolist() \
        == [1.0, 5.0, 9.0, 13.0]
    assert "x.sum()" in other.history.toPlainText()
    assert not other.isWindowModified() and other.files.path == str(path)
    other.backward()                          # carries on: the buffer keeps accumulating
    other.player.to_end()
    assert session.tensors["x"].grad.tolist() == [3.0, 7.0, 11.0, 15.0]
    assert other.isWindowModified()


def test_save_as_from_the_menu_and_the_dirty_marker(qtbot, window, tmp_path, monkeypatch):
    target = tmp_path / "menu"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *args, **kwargs: (str(target), "")))
    assert not window.isWindowModified()
    assert "[*]" in window.windowTitle()
    window.backward()
    assert window.isWindowModified()
    window.findChild(type(window.menuBar().actions()[0]), "saveAsAction").trigger()
    assert (tmp_path / "menu.json").is_file()                # .json added
    assert not window.isWindowModified()
    document = json.loads((tmp_path / "menu.json").read_text())
    assert document["format"] == FORMAT_NAME and document["version"] == FORMAT_VERSION
    window.zero_grad()
    assert window.isWindowModified()
    window.findChild(type(window.menuBar().actions()[0]), "saveAction").trigger()
    assert not window.isWindowModified()                     # saved to the same file
    assert json.loads((tmp_path / "menu.json").read_text())["grad_history"][-1]["event"] == "zero"


def test_a_lesson_session_opens_at_the_same_cell(qtbot, window, settings, tmp_path):
    window.open_path(str(SOURCE_LESSON))
    for _ in range(6):
        window.lessons.next_button.click()
    window.passes.skip_to_last()
    cell, history = window.lesson.next_index, list(window.session.history)
    path = tmp_path / "lesson-session.json"
    assert window.files.save_to(path)
    other = new_window(qtbot, settings)
    assert other.open_path(str(path))
    assert other.lesson.path == str(SOURCE_LESSON) and other.lesson.next_index == cell
    assert other.lessons.isVisible()
    assert other.session.history == history
    assert other.session.output is not None and other.session.steps
    assert other.passes.waiting == 0
    assert not other.isWindowModified()


BAD_FILES = {
    "empty": b"",
    "truncated": b'{"format": "autograd-viz-session", "version": 1, "vari',
    "top-level list": b"[1, 2, 3]",
    "not utf-8": b'{"format": "\xff\xfe"}',
    "pickle": b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00}\x94.",
    "newer version": json.dumps({"format": FORMAT_NAME, "version": 99}).encode(),
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
}


def good_document() -> dict:
    return {"format": FORMAT_NAME, "version": 1,
            "variables": [{"name": "x", "source": "arange(4.0)"}],
            "expression": "x.sum()", "lesson": None,
            "position": {"cell": 0, "passes": 0, "step": -1},
            "options": {"retain_graph": False}, "grad_history": []}


def hostile(**changes) -> bytes:
    return json.dumps({**good_document(), **changes}).encode()


BAD_FILES.update({
    "hostile expression": hostile(expression="x.__class__.__bases__"),
    "hostile variable name": hostile(variables=[{"name": "__import__", "source": "1"}]),
    "huge tensor": hostile(grad_history=[{
        "leaf": "x", "event": "zero", "pass": None, "step": None, "expression": None,
        "dtype": "float32", "shape": [10_000, 10_000], "before": None, "added": None,
        "after": None}]),
    "missing field": json.dumps({k: v for k, v in good_document().items()
                                 if k != "position"}).encode(),
})


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_file_is_refused_inline_and_nothing_changes(window, tmp_path, kind):
    window.backward()
    window.player.to_end()
    before = snapshot(window)
    path = tmp_path / "bad.json"
    path.write_bytes(BAD_FILES[kind])
    assert not window.open_path(str(path))
    message = error(window)
    assert message.startswith("Could not open bad.json: ") and "\n" not in message
    assert snapshot(window) == before
    assert QApplication.activeModalWidget() is None          # no dialog for an error


def test_a_50_mb_file_is_refused_quickly(window, tmp_path):
    import time

    path = tmp_path / "big.json"
    with path.open("wb") as stream:
        stream.truncate(50 * 1024 * 1024)
    before = snapshot(window)
    start = time.perf_counter()
    assert not window.open_path(str(path))
    assert time.perf_counter() - start < 1.0
    assert "too large" in error(window)
    assert snapshot(window) == before


def test_a_session_whose_lesson_has_a_refused_cell_opens_it_and_runs_nothing(window, tmp_path):
    lesson = tmp_path / "evil.py"
    lesson.write_text("import os\nos.system('true')\n")
    path = tmp_path / "evil.json"
    path.write_bytes(hostile(lesson="evil.py", expression=None))
    assert window.open_path(str(path))
    assert window.lesson.lesson is not None
    (refusal,) = window.lesson.lesson.refusals
    assert (refusal.lineno, refusal.col) == (1, 1)
    (result,) = window.lesson.run_all()
    assert result.error.startswith("ExpressionError: module 'os' is not available")


def test_recent_files_in_the_file_menu(qtbot, window, tmp_path):
    path = tmp_path / "recent.json"
    window.backward()
    window.files.save_to(path)
    window.open_path(str(SOURCE_LESSON))
    assert window.files.recent_files()[:2] == [str(SOURCE_LESSON), str(path)]
    window.recent_menu.aboutToShow.emit()
    entries = [a for a in window.recent_menu.actions() if a.data()]
    assert [a.data() for a in entries][:2] == [str(SOURCE_LESSON), str(path)]
    entries[1].trigger()                                       # opens the session again
    assert window.files.path == str(path) and window.lesson.lesson is None
    assert not window.lessons.isVisible()
    path.unlink()
    window.recent_menu.aboutToShow.emit()
    next(a for a in window.recent_menu.actions() if a.data() == str(path)).trigger()
    assert "no such file" in error(window)
    assert str(path) not in window.files.recent_files()


def test_closing_with_unsaved_changes_asks(qtbot, window):
    window.files.unsaved_answer = None
    window.backward()
    assert window.isWindowModified()
    window.close()
    box = window.files.question
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert window.isVisible()                                  # not closed yet
    box.button(QMessageBox.Cancel).click()
    qtbot.waitUntil(lambda: window.files.question is None)
    assert window.isVisible()
    window.close()
    window.files.question.button(QMessageBox.Discard).click()
    qtbot.waitUntil(lambda: not window.isVisible())


def test_closing_saved_work_does_not_ask(qtbot, window, tmp_path):
    window.files.unsaved_answer = None
    window.backward()
    window.files.save_to(tmp_path / "saved.json")
    window.close()
    assert window.files.question is None and not window.isVisible()


def test_python_main_py_session_json_opens_it(qtbot, window, tmp_path, run_app_and_look):
    window.session.set_inputs(expression="(x * x).sum()")
    window.inputs.load_from_session()
    window.backward()
    path = tmp_path / "cli.json"
    window.files.save_to(path)
    seen = {}

    def look(opened):
        seen.update(expression=field(opened, "expressionInput"), file=opened.files.path)

    assert run_app_and_look([path], look, besides=window) == 0
    assert seen == {"expression": "(x * x).sum()", "file": str(path)}


def test_history_round_trips_values_exactly(qtbot, window, settings, tmp_path):
    window.session.set_inputs(variables={"x": "linspace(0, 1, 5)", "w": "ones(5) / 3"},
                              expression="(w * exp(x)).sum()")
    window.inputs.load_from_session()
    window.backward()
    window.player.to_end()
    path = tmp_path / "values.json"
    window.files.save_to(path)
    other = new_window(qtbot, settings)
    other.open_path(str(path))
    for leaf, states in window.session.grad_history.items():
        again = other.session.grad_history[leaf]
        assert len(again) == len(states)
        for a, b in zip(states, again):
            assert (a is None and b is None) or np.array_equal(a, b)
    assert Path(other.files.path) == path
