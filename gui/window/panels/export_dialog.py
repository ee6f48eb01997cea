"""The Export dialogs: where to write the graph or the animation, and at what resolution.

``ExportDialog(kind, export, parent)`` asks for a file (``Browse…`` opens a save
dialog with the formats this computer can write), the resolution and, for an
animation, the frame rate. ``Export`` calls ``export(path, dpi=..., fps=...)``; when
that raises ``gui.picture.export.ExportError`` the message shows inside the dialog, under the
fields, and the dialog stays open. Without ffmpeg the animation dialog says that MP4
needs it and offers GIF only.

>>> # dialog = ExportDialog("graph", window.files.export_graph_to, window)
>>> # dialog.path_edit.setText("/tmp/graph.png"); dialog.export_button.click()
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

__all__ = ["ExportDialog", "DEFAULT_DPI", "DEFAULT_FPS"]

DEFAULT_DPI = {"graph": 150, "animation": 100}
DEFAULT_FPS = 2.0
SUFFIX = {"graph": ".png", "animation": ".gif"}


class ExportDialog(QDialog):
    """Ask where and how to export; errors stay inside the dialog (see the module docstring).

    ``kind`` is ``"graph"`` or ``"animation"``; ``size_of(dpi)`` (optional) gives the
    picture's size in pixels, shown beside the resolution.
    """

    def __init__(self, kind: str, export, parent: QWidget | None = None, *,
                 folder: str = "", name: str = "graph", size_of=None):
        super().__init__(parent)
        from gui.picture.export import MP4_UNAVAILABLE, file_filters, mp4_available

        self.kind = kind
        self._export = export
        self._size_of = size_of
        self._filters = file_filters(animations=True) if kind == "animation" else \
            file_filters(animations=False)
        if kind == "animation":  # only the animation formats
            self._filters = ";;".join(f for f in self._filters.split(";;")
                                      if "*.gif" in f or "*.mp4" in f)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export the graph" if kind == "graph" else
                            "Export the backward animation")
        self.path_edit = QLineEdit(objectName="exportPath")
        self.path_edit.setText(os.path.join(folder, name + SUFFIX[kind]) if folder else
                               name + SUFFIX[kind])
        self.path_edit.setToolTip(".png, .svg or .pdf" if kind == "graph" else
                                  ".gif" + (" or .mp4" if mp4_available() else ""))
        browse = QPushButton("&Browse…", objectName="exportBrowse")
        browse.setAutoDefault(False)  # Enter in the file field exports, never browses
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        self.dpi_spin = QSpinBox(objectName="exportDpi")
        self.dpi_spin.setRange(50, 600)
        self.dpi_spin.setSingleStep(25)
        self.dpi_spin.setSuffix(" dpi")
        self.dpi_spin.setValue(DEFAULT_DPI[kind])
        self.size_label = QLabel(objectName="exportSize")
        self.dpi_spin.valueChanged.connect(self._update_size)
        dpi_row = QHBoxLayout()
        dpi_row.addWidget(self.dpi_spin)
        dpi_row.addWidget(self.size_label, 1)
        form = QFormLayout()
        form.addRow(_label("&File:", self.path_edit), path_row)
        form.addRow(_label("&Resolution:", self.dpi_spin), dpi_row)
        self.fps_spin = None
        if kind == "animation":
            self.fps_spin = QDoubleSpinBox(objectName="exportFps")
            self.fps_spin.setRange(0.5, 30.0)
            self.fps_spin.setSingleStep(0.5)
            self.fps_spin.setDecimals(1)
            self.fps_spin.setSuffix(" steps per second")
            self.fps_spin.setValue(DEFAULT_FPS)
            form.addRow(_label("&Speed:", self.fps_spin), self.fps_spin)
        self.note_label = QLabel(objectName="exportNote")
        self.note_label.setWordWrap(True)
        self.note_label.setTextFormat(Qt.PlainText)
        if kind == "animation" and not mp4_available():
            self.note_label.setText(MP4_UNAVAILABLE + ".")
        elif kind == "animation":
            self.note_label.setText("GIF (every viewer) or MP4 (smaller; needs a video player).")
        else:
            self.note_label.setText("PNG at the chosen resolution; SVG and PDF stay sharp at "
                                    "any size.")
        self.error_label = QLabel(objectName="exportError")
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.PlainText)
        self.error_label.setStyleSheet("color: palette(bright-text); font-weight: bold;")
        self.error_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.Cancel)
        self.export_button = buttons.addButton("&Export", QDialogButtonBox.AcceptRole)
        self.export_button.setObjectName("exportButton")
        self.export_button.setDefault(True)
        buttons.accepted.connect(self._on_export)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note_label)
        layout.addWidget(self.error_label)
        layout.addWidget(buttons)
        self.path_edit.textEdited.connect(lambda _text: self.error_label.hide())
        self._update_size()
        self.resize(520, self.sizeHint().height())

    @property
    def path(self) -> str:
        return self.path_edit.text().strip()

    def _update_size(self, *_args) -> None:
        if self._size_of is None:
            return
        try:
            width, height = self._size_of(self.dpi_spin.value())
        except Exception:  # noqa: BLE001 - a size estimate must never stop the dialog
            self.size_label.clear()
            return
        self.size_label.setText(f"{width} × {height} pixels")

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.windowTitle(), self.path,
                                              self._filters)
        if path:
            self.path_edit.setText(path)
            self.error_label.hide()

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()

    def _on_export(self) -> None:
        from gui.picture.export import ExportError

        if not self.path:
            self.show_error("Choose a file to export to.")
            return
        options = {"dpi": float(self.dpi_spin.value())}
        if self.fps_spin is not None:
            options["fps"] = float(self.fps_spin.value())
        try:
            done = self._export(os.path.expanduser(self.path), **options)
        except ExportError as error:
            self.show_error(" ".join(str(error).split()))
            return
        if done:
            self.accept()
        else:
            self.show_error("Export cancelled: nothing was written.")


def _label(text: str, buddy: QWidget) -> QLabel:
    """A form label whose Alt+letter moves to its field."""
    label = QLabel(text)
    label.setBuddy(buddy)
    return label
