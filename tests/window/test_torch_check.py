"""Check with PyTorch: the comparison, the worker, and the panel (torch where installed)."""

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from engine.interpreter.lesson import LessonRunner, load_lesson
from gui.window.lesson_session import LessonSession, has_code
from gui.window.panels.torch_check import (
    INSTALL_HINT,
    TorchCheckPanel,
    compare_shown,
    diff_lines,
    run_both,
    torch_available,
)

ROOT = Path(__file__).resolve().parents[2]
FREEING = ROOT / "resources" / "lessons" / "04_freeing_and_retain_graph.py"
NEURON = ROOT / "resources" / "lessons" / "06_one_neuron.py"
RANDOM_LESSON = """# %%
import torch
torch.manual_seed(0)
x = torch.rand(3)
print("same line")
x
# %%
torch.ones(2)
"""


@pytest.fixture
def session(qtbot):
    lesson_session = LessonSession(watch=False)
    yield lesson_session
    lesson_session.close()


def make_panel(qtbot, session, **kwargs):
    panel = TorchCheckPanel(session, **kwargs)
    qtbot.addWidget(panel)
    panel.resize(800, 300)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


# ----- the comparison ----------------------------------------------------------------------

def test_identical_output_counts_cells_and_lines():
    report = compare_shown(["a\nb\n", None, "c\n", ""], ["a\nb\n", None, "c\n", ""],
                           [1, 4, 6, 9], "2.13.0")
    assert report.identical
    assert (report.cells, report.lines) == (3, 3)
    assert report.summary() == "identical: 3 cells, 3 lines (PyTorch 2.13.0)"


def test_a_changed_line_is_one_difference_side_by_side():
    report = compare_shown(["same\nours\n"], ["same\ntheirs\n"], [7])
    [difference] = report.differences
    assert (difference.cell, difference.lineno, difference.line) == (0, 7, 2)
    assert (difference.engine, difference.torch) == ("ours", "theirs")
    assert report.summary() == "1 line differs in 1 of 1 cells"


def test_an_extra_line_on_one_side_does_not_shift_the_rest():
    assert diff_lines(["a", "b", "c"], ["a", "extra", "b", "c"]) == [(2, None, "extra")]
    assert diff_lines(["a", "gone", "b"], ["a", "b"]) == [(2, "gone", None)]
    assert diff_lines([], []) == []


def test_run_both_shows_a_refused_cell_on_both_sides_and_runs_nothing(tmp_path):
    canary = tmp_path / "canary"
    report = run_both(f"# %%\nimport torch\n# %%\nopen({str(canary)!r}, 'w')\n",
                      module_name="engine")
    refused = ("ExpressionError: 'open' is not available in a lesson: it reaches the "
               "interpreter itself\n")
    assert report["engine"] == report["torch"] == ["", refused]
    assert not canary.exists()


def test_run_both_without_the_module_says_it_is_missing():
    report = run_both("import torch\n", module_name="no_such_torch_module")
    assert report["missing"] is True
    assert "no_such_torch_module" in report["error"]


# ----- the panel -------------------------------------------------------------------------

def test_without_torch_the_panel_says_how_to_install_it(qtbot, session):
    panel = make_panel(qtbot, session, module_name="no_such_torch_module")
    session.open(FREEING)
    assert not torch_available("no_such_torch_module")
    assert "pip install torch==2.13.0" in panel.summary_label.text()
    with qtbot.waitSignal(panel.failed) as signal:
        qtbot.mouseClick(panel.check_button, Qt.LeftButton)
    assert signal.args == [INSTALL_HINT]
    assert not panel.running and panel.report is None


def test_no_lesson_no_check(qtbot, session):
    panel = make_panel(qtbot, session)
    assert not panel.check_button.isEnabled()
    assert not panel.check()
    assert "Open a lesson" in panel.message


def test_a_lesson_with_a_refused_cell_can_still_be_checked(qtbot, session, tmp_path):
    panel = make_panel(qtbot, session)
    path = tmp_path / "hostile.py"
    path.write_text("import os\n", encoding="utf-8")
    assert session.open(path)
    assert session.lesson.refusals  # shown in its cell; the other cells compare as usual
    assert panel.check_button.isEnabled() == torch_available()


def test_a_builtin_lesson_is_identical_under_pytorch(qtbot, session, capfd):
    pytest.importorskip("torch")
    panel = make_panel(qtbot, session)
    session.open(NEURON)
    with qtbot.waitSignal(panel.checked, timeout=120_000) as signal:
        assert panel.check()
        assert panel.running
        assert not panel.check_button.text().startswith("Check")  # it cancels now
    report = signal.args[0]
    assert report.identical, report.differences
    cells = [cell for cell in session.cells if has_code(cell)]
    assert report.cells == len(cells)
    expected_lines = sum(len(result.shown.splitlines())
                         for result in LessonRunner(load_lesson(NEURON)).run_all())
    assert report.lines == expected_lines
    assert panel.summary_label.text().startswith(
        f"✓ identical: {len(cells)} cells, {expected_lines} lines (PyTorch 2.")
    assert not panel.table.isVisible()
    assert panel.check_button.text() == "Check with &PyTorch"
    assert "Traceback" not in capfd.readouterr().err


def test_differing_lines_are_listed_side_by_side(qtbot, session, tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "random.py"
    path.write_text(RANDOM_LESSON, encoding="utf-8")
    panel = make_panel(qtbot, session)
    session.open(path)
    with qtbot.waitSignal(panel.checked, timeout=120_000) as signal:
        panel.check()
    report = signal.args[0]
    ours = LessonRunner(load_lesson(path)).run_cell(0).shown.splitlines()
    theirs = LessonRunner(load_lesson(path), module=torch).run_cell(0).shown.splitlines()
    assert ours[0] == theirs[0] == "same line"
    assert panel.rows() == [("2", "2", ours[1], theirs[1])]
    assert not report.identical and panel.table.isVisible()
    assert panel.summary_label.text().startswith("✗ 1 line differs in 1 of 2 cells")
    assert "rand and randn" in panel.summary_label.text()


def test_opening_another_lesson_cancels_a_running_check(qtbot, session):
    pytest.importorskip("torch")
    panel = make_panel(qtbot, session)
    session.open(NEURON)
    reports = []
    panel.checked.connect(reports.append)
    panel.check()
    assert panel.running
    session.open(FREEING)
    assert not panel.running
    qtbot.wait(300)
    assert reports == [] and panel.report is None


def test_the_button_cancels_a_running_check(qtbot, session):
    pytest.importorskip("torch")
    panel = make_panel(qtbot, session)
    session.open(FREEING)
    panel.check()
    qtbot.mouseClick(panel.check_button, Qt.LeftButton)
    assert not panel.running
    assert panel.message == "Check cancelled."


def test_a_check_that_takes_too_long_is_stopped(qtbot, session):
    pytest.importorskip("torch")
    panel = make_panel(qtbot, session, time_limit_ms=1)
    session.open(FREEING)
    with qtbot.waitSignal(panel.failed, timeout=10_000) as signal:
        panel.check()
    assert "took longer" in signal.args[0]
    assert not panel.running
