"""Check with PyTorch: run the lesson under real torch and compare what every cell shows.

The engine promises to print exactly what PyTorch prints. This panel runs the open
lesson twice, once with ``engine`` and once with the real ``torch``, and lists the
lines that differ side by side; when none differ it says ``identical: N cells, M
lines``. Without torch it says how to install it. The runs and the comparison are
``gui.model.torch_check`` (Qt-free), in a worker process this panel starts.

>>> # panel = TorchCheckPanel(lesson_session); panel.check(); panel.report.summary()
"""

from __future__ import annotations

import json
import os
import re
import sys

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

from gui.model.torch_check import (
    INSTALL_HINT,
    TORCH_VERSION,
    CheckReport,
    LineDifference,
    compare_shown,
    diff_lines,
    run_both,
    torch_available,
    worker_arguments,
)
from gui.resources import PROJECT_ROOT as ROOT
from gui.window.presenter import monospace_font

__all__ = ["TorchCheckPanel", "CheckReport", "LineDifference", "compare_shown", "diff_lines",
           "torch_available", "run_both", "INSTALL_HINT", "TORCH_VERSION"]

TIME_LIMIT_MS = 300_000
_RANDOM = re.compile(r"\brandn?(_like)?\(")


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
        arguments = worker_arguments(self.module_name)
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
