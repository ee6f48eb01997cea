"""Check with PyTorch: run the lesson under real torch and compare what every cell shows.

The engine promises to print exactly what PyTorch prints. This panel runs the open
lesson twice, once with ``engine`` and once with the real ``torch``
(``LessonRunner(lesson, module=torch)``), and compares each cell's shown text line by
line. Differing lines are listed side by side; when none differ it says
``identical: N cells, M lines``. Without torch it says how to install it.

Both runs happen in a separate process (``python -m gui.window.panels.torch_check --worker``, the
lesson on stdin, JSON on stdout), so importing torch (seconds) and running the lesson
never block the window, and the window's own engine state is untouched. The worker
validates the lesson with the same whitelist before anything runs.

>>> compare_shown(["a\\nb\\n"], ["a\\nc\\n"], [3]).summary()
'1 line differs in 1 of 1 cells'
>>> compare_shown(["x\\n", None], ["x\\n", None], [3, 7]).summary()
'identical: 1 cells, 1 lines'
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import json
import os
import re
import sys
from dataclasses import dataclass

from PySide6.QtCore import QProcess, QProcessEnvironment, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.resources import PROJECT_ROOT as ROOT
from gui.window.presenter import monospace_font

__all__ = ["TorchCheckPanel", "CheckReport", "LineDifference", "compare_shown", "diff_lines",
           "torch_available", "run_both", "INSTALL_HINT", "TORCH_VERSION"]

TORCH_VERSION = "2.13.0"
INSTALL_HINT = (f"PyTorch is not installed, so the lesson cannot be checked against it. "
                f"Install it with:  pip install torch=={TORCH_VERSION}")
TIME_LIMIT_MS = 300_000
_RANDOM = re.compile(r"\brandn?(_like)?\(")
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,99}")


# ----- comparing (plain Python) ---------------------------------------------------------

@dataclass(frozen=True)
class LineDifference:
    """One line shown differently: ``cell`` index, the cell's file ``lineno``, the
    1-based ``line`` within what the cell shows, and each side's text (None: no line)."""

    cell: int
    lineno: int
    line: int
    engine: str | None
    torch: str | None


@dataclass(frozen=True)
class CheckReport:
    """The comparison of a whole lesson."""

    cells: int
    lines: int
    differences: tuple
    torch_version: str = ""

    @property
    def identical(self) -> bool:
        return not self.differences

    def summary(self) -> str:
        version = f" (PyTorch {self.torch_version})" if self.torch_version else ""
        if self.identical:
            return f"identical: {self.cells} cells, {self.lines} lines{version}"
        count = len(self.differences)
        cells = len({difference.cell for difference in self.differences})
        verb = "line differs" if count == 1 else "lines differ"
        return f"{count} {verb} in {cells} of {self.cells} cells{version}"


def diff_lines(engine_lines: list[str], torch_lines: list[str]) -> list[tuple]:
    """(1-based line, engine text or None, torch text or None) for each differing line.

    Lines are aligned with difflib, so one extra line on a side is one difference.
    """
    differences = []
    matcher = difflib.SequenceMatcher(a=engine_lines, b=torch_lines, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for offset in range(max(a1 - a0, b1 - b0)):
            left = engine_lines[a0 + offset] if a0 + offset < a1 else None
            right = torch_lines[b0 + offset] if b0 + offset < b1 else None
            differences.append((min(a0, b0) + offset + 1, left, right))
    return differences


def compare_shown(engine_shown: list, torch_shown: list, linenos: list,
                  torch_version: str = "") -> CheckReport:
    """Compare two runs cell by cell; ``None`` marks a cell with no code (not counted)."""
    differences = []
    cells = lines = 0
    for index, (left, right) in enumerate(zip(engine_shown, torch_shown)):
        if left is None and right is None:
            continue
        cells += 1
        left_lines = (left or "").splitlines()
        right_lines = (right or "").splitlines()
        lines += max(len(left_lines), len(right_lines))
        for line, a, b in diff_lines(left_lines, right_lines):
            differences.append(LineDifference(index, linenos[index], line, a, b))
    return CheckReport(cells, lines, tuple(differences), torch_version)


def torch_available(module_name: str = "torch") -> bool:
    """True when ``module_name`` can be imported (checked without importing it)."""
    try:
        return importlib.util.find_spec(module_name) is not None
    except (ImportError, ValueError):
        return False


def run_both(source: str, filename: str | None = None, module_name: str = "torch") -> dict:
    """Run a lesson under the engine and under ``module_name``; what the worker prints.

    ``{"engine": [...], "torch": [...], "linenos": [...], "torch_version": "..."}`` with
    each code cell's shown text (None for text-only cells), or ``{"error": ...}`` (and
    ``"missing": true`` when the module cannot be imported).
    """
    from engine.interpreter.expression import ExpressionError
    from engine.interpreter.lesson import LessonRunner, parse_lesson

    try:
        lesson = parse_lesson(source, filename)
    except ExpressionError as error:
        return {"error": f"line {error.lineno}, column {error.col}: {error}"}
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        return {"error": f"{type(error).__name__}: {error}", "missing": True}
    sides = {}
    for side, backend in (("engine", None), ("torch", module)):
        runner = LessonRunner(lesson, module=backend)
        sides[side] = [runner.run_cell(cell.index).shown if cell.kind == "code" and
                       cell.statements else None for cell in lesson.cells]
    return {**sides, "linenos": [cell.lineno for cell in lesson.cells],
            "torch_version": str(getattr(module, "__version__", ""))}


def _worker(argv: list[str]) -> int:
    """``python -m gui.window.panels.torch_check --worker [--module M]``: stdin lesson -> JSON."""
    module_name = argv[1] if len(argv) == 2 and argv[0] == "--module" else "torch"
    if argv and len(argv) != 2 or not _MODULE_NAME.fullmatch(module_name):
        print(json.dumps({"error": "bad module name"}))
        return 2
    source = sys.stdin.buffer.read(4_000_000).decode("utf-8-sig", errors="replace")
    try:
        report = run_both(source, None, module_name)
    except Exception as error:  # noqa: BLE001 - the window shows it as one line
        report = {"error": f"{type(error).__name__}: {error}"}
    sys.stdout.write(json.dumps(report))
    sys.stdout.flush()
    return 0


# ----- the panel -----------------------------------------------------------------------

class TorchCheckPanel(QWidget):
    """"Check with PyTorch" for the lesson open in a ``LessonSession``.

    ``module_name`` is the torch to import (tests name a missing one to see the
    install hint). ``checked(CheckReport)`` comes when a check ends with a
    comparison, ``failed(str)`` when it could not run.
    """

    checked = Signal(object)
    failed = Signal(str)

    def __init__(self, session, parent: QWidget | None = None, *, module_name: str = "torch",
                 time_limit_ms: int = TIME_LIMIT_MS):
        super().__init__(parent)
        self.session = session
        self.module_name = module_name
        self.report: CheckReport | None = None
        self.message = ""
        self._process: QProcess | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(time_limit_ms)
        self._timer.timeout.connect(self._on_time_out)
        self.setObjectName("torchCheckPanel")

        self.check_button = QPushButton("Check with &PyTorch")
        self.check_button.setObjectName("torchCheckButton")
        self.check_button.setToolTip("Run this lesson under real PyTorch and compare every "
                                     "printed line")
        self.check_button.setAutoDefault(True)
        self.check_button.clicked.connect(self._on_button)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("torchCheckSummary")
        self.summary_label.setTextFormat(Qt.PlainText)
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextSelectableByMouse
                                                   | Qt.TextSelectableByKeyboard)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("torchCheckTable")
        self.table.setHorizontalHeaderLabels(["Cell at line", "Output line", "engine shows",
                                              "PyTorch shows"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.Stretch)
        header.setSectionResizeMode(3, QHeaderView.Stretch)
        self.table.hide()

        top = QHBoxLayout()
        top.addWidget(self.check_button)
        top.addWidget(self.summary_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self._apply_fonts()

        session.reloaded.connect(self._on_lesson_changed)
        self._on_lesson_changed()

    # ----- state -----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._process is not None

    def _set_message(self, text: str) -> None:
        self.message = text
        self.summary_label.setText(text)

    def _on_lesson_changed(self) -> None:
        self.cancel()
        self.report = None
        self.table.setRowCount(0)
        self.table.hide()
        has_lesson = self.session.lesson is not None
        if self.check_button.hasFocus() and not has_lesson:
            # keep the keyboard focus on a live widget (a disabled focus widget is lost)
            self.summary_label.setFocus(Qt.OtherFocusReason)
        self.check_button.setEnabled(has_lesson)
        if not has_lesson:
            self._set_message("Open a lesson to check it against PyTorch.")
        elif not torch_available(self.module_name):
            self._set_message(INSTALL_HINT)
        else:
            self._set_message("Compare every printed line with real PyTorch.")

    # ----- running ---------------------------------------------------------------------

    def _on_button(self) -> None:
        if self.running:
            self.cancel()
            self._set_message("Check cancelled.")
        else:
            self.check()

    def check(self) -> bool:
        """Start a check in the background; False when it cannot start (message says why)."""
        if self.running:
            return True
        lesson = self.session.lesson
        if lesson is None:
            self._fail("Open a lesson to check it against PyTorch.")
            return False
        if not torch_available(self.module_name):
            self._fail(INSTALL_HINT)
            return False
        process = QProcess(self)
        process.setWorkingDirectory(str(ROOT))
        environment = QProcessEnvironment.systemEnvironment()
        path = environment.value("PYTHONPATH", "")
        environment.insert("PYTHONPATH", str(ROOT) + (os.pathsep + path if path else ""))
        process.setProcessEnvironment(environment)
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_process_error)
        arguments = ["-m", "gui.window.panels.torch_check", "--worker",
                     "--module", self.module_name]
        self._process = process
        self._source = lesson.source
        self.table.setRowCount(0)
        self.table.hide()
        self._set_message("Running the lesson under the engine and under PyTorch…")
        self.check_button.setText("Cancel &PyTorch check")
        process.start(sys.executable, arguments)
        process.write(lesson.source.encode("utf-8"))
        process.closeWriteChannel()
        self._timer.start()
        return True

    def cancel(self) -> None:
        """Stop a running check (nothing happens when none runs)."""
        process, self._process = self._process, None
        self._timer.stop()
        self.check_button.setText("Check with &PyTorch")
        if process is not None:
            process.finished.disconnect(self._on_finished)
            process.errorOccurred.disconnect(self._on_process_error)
            if process.state() != QProcess.NotRunning:
                process.kill()
                process.waitForFinished(2000)
            process.deleteLater()

    def _on_time_out(self) -> None:
        self.cancel()
        self._fail(f"The PyTorch check took longer than {self._timer.interval() // 1000} s "
                   f"and was stopped.")

    def _on_process_error(self, error) -> None:
        if error == QProcess.FailedToStart:
            self.cancel()
            self._fail(f"Could not start {sys.executable} for the PyTorch check.")

    def _on_finished(self, exit_code: int, exit_status) -> None:
        process = self._process
        if process is None:
            return
        output = bytes(process.readAllStandardOutput()).decode("utf-8", errors="replace")
        errors = bytes(process.readAllStandardError()).decode("utf-8", errors="replace")
        self.cancel()
        try:
            data = json.loads(output)
        except ValueError:
            last = errors.strip().splitlines()[-1] if errors.strip() else f"exit {exit_code}"
            self._fail(f"The PyTorch check failed: {last}")
            return
        if not isinstance(data, dict):
            self._fail("The PyTorch check failed: unexpected output")
            return
        if "error" in data:
            self._fail(INSTALL_HINT if data.get("missing") else
                       f"The PyTorch check failed: {data['error']}")
            return
        report = compare_shown(data["engine"], data["torch"], data["linenos"],
                               data.get("torch_version", ""))
        self.show_report(report)
        self.checked.emit(report)

    def _fail(self, message: str) -> None:
        self.report = None
        self._set_message(message)
        self.failed.emit(message)

    # ----- showing ---------------------------------------------------------------------

    def show_report(self, report: CheckReport) -> None:
        """Show a comparison: the summary, and each differing line side by side."""
        self.report = report
        mark = "✓" if report.identical else "✗"
        note = ""
        lesson = self.session.lesson
        if not report.identical and lesson is not None and _RANDOM.search(lesson.source):
            note = (" (rand and randn use the engine's own generator: their numbers are "
                    "not PyTorch's)")
        self._set_message(f"{mark} {report.summary()}{note}")
        self.table.setRowCount(len(report.differences))
        for row, difference in enumerate(report.differences):
            cells = [f"{difference.lineno}", f"{difference.line}",
                     _shown(difference.engine), _shown(difference.torch)]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, column, item)
        self.table.setVisible(not report.identical)

    def rows(self) -> list[tuple[str, ...]]:
        """The table's rows as text (cell's file line, output line, engine, torch)."""
        return [tuple(self.table.item(row, column).text() for column in range(4))
                for row in range(self.table.rowCount())]

    def _apply_fonts(self) -> None:
        self.table.setFont(monospace_font(self.font()))

    def changeEvent(self, event):  # noqa: N802 - Qt's name
        if event.type() == event.Type.FontChange:
            self._apply_fonts()
        super().changeEvent(event)

    def closeEvent(self, event):  # noqa: N802
        self.cancel()
        super().closeEvent(event)


def _shown(text: str | None) -> str:
    return "(no line)" if text is None else text


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    sys.exit(_worker(sys.argv[2:]))
