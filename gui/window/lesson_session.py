"""The open lesson in the window: ``gui.model.lesson.LessonModel`` with Qt signals, reloaded
when its file changes on disk (so a teacher can edit the lesson in their own editor).

A ``LessonSession`` is the model behind the lessons panel (views subscribe to its
signals and keep no state of their own); the cells, results and running are the
model's (see ``gui.model.lesson`` for the signals and their order).

>>> # session = LessonSession(); session.open("resources/lessons/02_chain_rule.py")
>>> # session.run_next()      # -> CellResult of the first code cell, cell_ran emitted
>>> # session.run_all(); session.restart()
"""

from __future__ import annotations

import os

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal

from gui.model.lesson import (
    LESSONS_DIR,
    LessonModel,
    builtin_lessons,
    has_code,
    leaf_names,
    load_error_line,
    names_for_pass,
    read_text,
)

__all__ = ["LessonSession", "load_error_line", "leaf_names", "names_for_pass", "has_code",
           "builtin_lessons", "LESSONS_DIR"]

RELOAD_DELAY_MS = 250


class LessonSession(QObject, LessonModel):
    """One open lesson, run cell by cell in one namespace, with the window's signals."""

    cell_ran = Signal(int, object)
    passes_recorded = Signal(object, object)
    position_changed = Signal(int)
    reloaded = Signal()
    restarted = Signal()
    error_changed = Signal(str)

    def __init__(self, parent: QObject | None = None, *, watch: bool = True,
                 reload_delay_ms: int = RELOAD_DELAY_MS, module=None):
        super().__init__(parent, module=module)  # QObject passes module= to LessonModel
        self._watcher = QFileSystemWatcher(self) if watch else None
        if self._watcher is not None:
            self._watcher.fileChanged.connect(self._on_file_changed)
            self._watcher.directoryChanged.connect(self._on_directory_changed)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(reload_delay_ms)
        self._reload_timer.timeout.connect(self._reload_if_changed)

    def _changed(self, signal: str, *args) -> None:
        getattr(self, signal).emit(*args)

    def open(self, path: str | os.PathLike) -> bool:
        """Load the lesson at ``path`` and watch its file; False (and ``error``) if refused."""
        self.path = os.path.abspath(os.fspath(path))
        self._watch()
        return self._load()

    def close(self) -> None:
        """Forget the lesson (and stop watching its file)."""
        self._unwatch()
        LessonModel.close(self)

    # ----- watching the file ---------------------------------------------------------------

    def _watch(self) -> None:
        if self._watcher is None:
            return
        self._unwatch()
        directory = os.path.dirname(self.path)
        if os.path.isdir(directory):
            self._watcher.addPath(directory)
        if os.path.exists(self.path):
            self._watcher.addPath(self.path)

    def _unwatch(self) -> None:
        if self._watcher is None:
            return
        paths = self._watcher.files() + self._watcher.directories()
        if paths:
            self._watcher.removePaths(paths)

    def _on_file_changed(self, path: str) -> None:
        self._reload_timer.start()

    def _on_directory_changed(self, directory: str) -> None:
        # Editors save by writing a new file and renaming it over the old one: the
        # watcher then drops the path, and only the directory tells us.
        if self.path and os.path.exists(self.path) and self.path not in self._watcher.files():
            self._reload_timer.start()

    def _reload_if_changed(self) -> None:
        if self.path is None:
            return
        if self._watcher is not None and os.path.exists(self.path) and (
                self.path not in self._watcher.files()):
            self._watcher.addPath(self.path)
        if not os.path.exists(self.path):
            return  # replaced in two moves: the directory will tell us when it is back
        text = read_text(self.path)
        if text is not None and text == self.source and self.lesson is not None:
            return
        self._load()
