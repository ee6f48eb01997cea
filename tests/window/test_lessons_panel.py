"""The lesson session and the lessons panel: cells run one by one, as a notebook shows them."""

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

import engine
from engine.interpreter.lesson import LessonRunner, load_lesson
from gui.window.lesson_session import (
    builtin_lessons,
    has_code,
    leaf_names,
    names_for_pass,
)
from gui.window.panels.lessons_panel import LessonsPanel

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted((ROOT / "resources" / "lessons").glob("*.py"))
BASICS = ROOT / "resources" / "lessons" / "01_autograd_basics.py"
FREEING = ROOT / "resources" / "lessons" / "04_freeing_and_retain_graph.py"


def headless(path):
    return LessonRunner(load_lesson(path)).run_all()


def shown_lines(text):
    return [line for line in text.splitlines() if line.strip()]


def test_next_runs_one_code_cell_at_a_time(qtbot, session, panel):
    assert session.open(BASICS)
    expected = headless(BASICS)
    code_cells = [cell.index for cell in session.cells if has_code(cell)]
    ran = []
    session.cell_ran.connect(lambda index, result: ran.append(index))
    for number, index in enumerate(code_cells, start=1):
        assert panel.next_button.isEnabled()
        qtbot.mouseClick(panel.next_button, Qt.LeftButton)
        assert ran[-1] == index
        assert session.results[index].shown == expected[index].shown
        assert session.counts[index] == number
        text = panel.plain_text()
        for line in shown_lines(expected[index].shown):
            assert line in text
        assert f"In [{number}]:" in text
    assert session.at_end
    assert not panel.next_button.isEnabled()
    assert "All" in panel.status_label.text()


def test_shift_enter_runs_the_next_cell_from_anywhere_in_the_window(qtbot, session):
    window = QWidget()
    field = QLineEdit()
    lessons = LessonsPanel(session)
    layout = QVBoxLayout(window)
    layout.addWidget(field)
    layout.addWidget(lessons)
    qtbot.addWidget(window)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    session.open(BASICS)
    field.setFocus()
    qtbot.keyClick(field, Qt.Key_Return, Qt.ShiftModifier)
    first = next(cell.index for cell in session.cells if has_code(cell))
    assert session.results[first] is not None
    assert session.next_index == first + 1
    qtbot.keyClick(lessons.cells_view, Qt.Key_Return, Qt.ShiftModifier | Qt.ControlModifier)
    assert session.at_end
    qtbot.keyClick(lessons.cells_view, Qt.Key_R, Qt.ShiftModifier | Qt.ControlModifier)
    assert session.next_index == 0
    assert all(result is None for result in session.results)


def test_keyboard_only_tab_reaches_the_buttons_and_space_presses_them(qtbot, session, panel):
    with qtbot.waitActive(panel):
        panel.activateWindow()
    session.open(BASICS)
    panel.cells_view.setFocus()
    qtbot.keyClick(panel.cells_view, Qt.Key_Tab)
    assert panel.next_button.hasFocus()
    qtbot.keyClick(panel.next_button, Qt.Key_Space)
    assert any(result is not None for result in session.results)
    qtbot.keyClick(panel.next_button, Qt.Key_Tab)
    assert panel.run_all_button.hasFocus()
    qtbot.keyClick(panel.run_all_button, Qt.Key_Space)
    assert session.at_end
    # Next and Run all are disabled now: the focus moved to the one button left
    assert panel.restart_button.hasFocus()
    qtbot.keyClick(panel.restart_button, Qt.Key_Space)
    assert session.next_index == 0


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.stem)
def test_every_builtin_lesson_runs_in_the_panel_as_headless(qtbot, session, panel, path):
    assert session.open(path), session.error
    qtbot.mouseClick(panel.run_all_button, Qt.LeftButton)
    expected = headless(path)
    text = panel.plain_text()
    for index, result in enumerate(session.results):
        assert result is not None
        assert result.shown == expected[index].shown
        assert result.error == expected[index].error
        for line in shown_lines(result.shown):
            assert line in text


def test_passes_come_in_order_with_the_lesson_tensors(qtbot, session, panel):
    received = []
    session.passes_recorded.connect(lambda passes, tensors: received.append((passes, tensors)))
    session.open(FREEING)
    session.run_all()
    expected = [len(result.passes) for result in headless(FREEING) if result.passes]
    assert [len(passes) for passes, _ in received] == expected
    flat = [p for passes, _ in received for p in passes]
    assert all(isinstance(p, engine.BackwardPass) for p in flat)
    failed = [p for p in flat if p.error is not None]
    assert len(failed) == 1 and "second time" in str(failed[0].error)
    passes, tensors = received[0]
    names = leaf_names(tensors)
    leaf = passes[0].steps[-1].leaf
    assert names[id(leaf)] == "x"


def test_each_pass_can_be_drawn_with_the_lesson_names(qtbot, session):
    from engine.graph import to_networkx

    received = []
    session.passes_recorded.connect(lambda passes, tensors: received.append((passes, tensors)))
    session.open(ROOT / "resources" / "lessons" / "06_one_neuron.py")
    session.run_all()
    first_passes, first_tensors = received[0]
    names, output_name = names_for_pass(first_passes[0], first_tensors)
    assert set(names) == {"w", "b"} and output_name == "loss"
    graph = to_networkx(first_passes[0].output, names=names, output_name=output_name)
    labels = {data.get("label") for _, data in graph.nodes(data=True)}
    assert {"w", "b", "loss"} <= labels
    anonymous = type("Pass", (), {"output": object()})()
    assert names_for_pass(anonymous, first_tensors)[1] == "output"


def test_restart_clears_every_output(qtbot, session, panel):
    session.open(FREEING)
    session.run_all()
    assert "Out[" in panel.plain_text()
    restarted = []
    session.restarted.connect(lambda: restarted.append(True))
    qtbot.mouseClick(panel.restart_button, Qt.LeftButton)
    assert restarted
    text = panel.plain_text()
    assert "Out[" not in text and "RuntimeError" not in text
    assert "▶ next" in text
    assert panel.next_button.isEnabled()
    # the namespace is new: the first cell runs again as the first time
    result = session.run_next()
    assert result.shown == headless(FREEING)[result.index].shown


def test_the_next_cell_and_the_error_line_are_marked(qtbot, session, panel):
    session.open(FREEING)
    first = session.run_next()
    marked = [line for line in panel.plain_text().splitlines() if line.startswith("▶ ")]
    upcoming = next(c for c in session.cells if c.index > first.index and has_code(c))
    assert marked and marked[-1].split()[1] == str(upcoming.lineno)
    session.run_next()
    failed = session.results[upcoming.index]
    assert failed.error.startswith("RuntimeError: Trying to backward")
    text = panel.plain_text()
    assert f"✗ {failed.exception.lineno}" in text
    assert failed.error in text.replace("\n", " ") or failed.error[:60] in text


def test_markdown_cells_read_as_text(qtbot, session, panel):
    session.open(BASICS)
    text = panel.plain_text()
    assert "PyTorch autograd basics" in text
    assert "# # PyTorch" not in text
    assert "<sup>" not in text and "&lt;" not in text


def test_hostile_cell_is_refused_and_only_it_fails(qtbot, session, panel, tmp_path):
    canary = tmp_path / "canary"
    path = tmp_path / "hostile.py"
    path.write_text(f"# %%\nimport torch\nprint('hello')\n# %%\nimport os\n"
                    f"os.system('touch {canary}')\n# %%\nprint('after')\n", encoding="utf-8")
    assert session.open(path)
    assert panel.run_all_button.isEnabled()
    results = session.run_all()
    assert [result.shown for result in results] == [
        "hello\n", "ExpressionError: module 'os' is not available in a lesson (only torch, "
        "math, numpy, pprint and matplotlib.pyplot)\n", "after\n"]
    assert not canary.exists()
    text = panel.plain_text()
    assert "✗ 5" in text and "module 'os' is not available" in text


def test_unreadable_and_binary_files_are_one_line_errors(qtbot, session, panel, tmp_path):
    assert not session.open(tmp_path / "missing.py")
    assert session.error.startswith("missing.py: cannot read the file")
    binary = tmp_path / "binary.py"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert not session.open(binary)
    assert "\n" not in session.error and session.error.startswith("binary.py")


def replace_file(path, text):
    """Save as editors do: write a new file, then rename it over the old one."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def test_reloads_when_the_file_changes_on_disk(qtbot, session, panel, tmp_path):
    path = tmp_path / "lesson.py"
    path.write_text("# %%\nimport torch\nx = torch.ones(2)\nx\n", encoding="utf-8")
    session.open(path)
    session.run_next()
    with qtbot.waitSignal(session.reloaded, timeout=5000):
        replace_file(path, "# %%\nimport torch\nx = torch.zeros(3)\nx\n")
    assert "torch.zeros(3)" in panel.plain_text()
    assert session.next_index == 0
    # the watcher lost the replaced file: it must have been added again
    with qtbot.waitSignal(session.reloaded, timeout=5000):
        path.write_text("# %%\nimport torch\ny = torch.arange(5.0)\ny\n", encoding="utf-8")
    assert session.run_next().shown == "tensor([0., 1., 2., 3., 4.])\n"


def test_a_broken_save_shows_the_error_and_a_fix_recovers(qtbot, session, panel, tmp_path):
    path = tmp_path / "lesson.py"
    path.write_text("import torch\nx = torch.ones(2)\n", encoding="utf-8")
    session.open(path)
    with qtbot.waitSignal(session.reloaded, timeout=5000):
        replace_file(path, "import torch\nx = torch.ones(2\n")
    (refusal,) = session.lesson.refusals  # the cell shows the syntax error where it is
    assert refusal.lineno == 2 and "syntax error" in str(refusal)
    assert session.run_next().error.startswith("ExpressionError: syntax error")
    with qtbot.waitSignal(session.reloaded, timeout=5000):
        replace_file(path, "import torch\nx = torch.ones(2)\nx\n")
    assert session.run_next().shown == "tensor([1., 1.])\n"


def test_an_unchanged_save_does_not_restart(qtbot, session, tmp_path):
    path = tmp_path / "lesson.py"
    text = "# %%\nimport torch\n# %%\nx = torch.ones(2)\n"
    path.write_text(text, encoding="utf-8")
    session.open(path)
    session.run_next()
    reloads = []
    session.reloaded.connect(lambda: reloads.append(True))
    replace_file(path, text)
    qtbot.wait(400)
    assert not reloads and session.next_index == 1


def test_an_engine_failure_in_a_cell_is_shown_not_raised(qtbot, session, panel, monkeypatch):
    session.open(BASICS)

    def broken(index):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(session.runner, "run_cell", broken)
    result = session.run_next()
    assert result.error == "ZeroDivisionError: boom"
    assert "ZeroDivisionError: boom" in panel.plain_text()


def test_unicode_in_comments_and_strings_is_shown(qtbot, session, panel, tmp_path):
    path = tmp_path / "unicode.py"
    path.write_text("# %%\n# café 日本 ∂y/∂x\nimport torch\nprint('∂ <b>not bold</b>')\n",
                    encoding="utf-8")
    session.open(path)
    session.run_next()
    text = panel.plain_text()
    assert "café 日本 ∂y/∂x" in text
    assert "∂ <b>not bold</b>" in text


def test_builtin_lessons_have_titles():
    lessons = builtin_lessons()
    assert [path for _, path in lessons] == LESSONS
    titles = [title for title, _ in lessons]
    assert titles[1] == "the chain rule on scalars"
    assert all(titles)


def test_the_panel_draws_something(qtbot, session, panel, tmp_path):
    session.open(FREEING)
    session.run_all()
    panel.refresh()
    image = panel.grab().toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)}
    assert len(colours) > 5
