"""The window's File menu: open a lesson or a session, save, recent files, export.

``FileActions(window)`` works on the window's ``session``, ``lesson``, ``passes``
and ``graph_view``. Every problem with a file (it does not exist, it is not a
session, a lesson outside the safe subset, a disk that refuses) shows as one line
under the inputs (``errorLabel``) or, for a lesson, in the lessons panel, and leaves
the current session as it was: ``gui.model.session_file.load_session`` validates the
whole file before anything is touched. Dialogs only ask what the user asked for
(a file name, whether to save before closing).

>>> # files = FileActions(window); files.open_path("resources/lessons/02_chain_rule.py")
>>> # files.save_to("/tmp/where-i-was.json"); files.open_path("/tmp/where-i-was.json")
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QProgressDialog

__all__ = ["FileActions", "APP_TITLE", "MAX_RECENT", "OPEN_FILTER"]

APP_TITLE = "Autograd, step by step"
MAX_RECENT = 8
RECENT_KEY = "files/recent"
EXPORT_FOLDER_KEY = "export/folder"
OPEN_FILTER = ("Lessons and sessions (*.py *.ipynb *.json);;Lessons (*.py *.ipynb);;"
               "Sessions (*.json)")


class FileActions(QObject):
    """Open, save, recent files and export for one ``MainWindow``.

    ``path`` is the session file the window was last saved to or opened from.
    ``unsaved_answer`` ("save", "discard" or "cancel"; None asks with a message box)
    answers the question asked before closing with unsaved changes.
    """

    recent_changed = Signal()
    exported = Signal(str)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.lesson = window.lesson
        self.path: str | None = None
        self.unsaved_answer: str | None = None
        self._clean = None
        self._closing = False
        self.question = None  # the open "save before closing?" box, if any

    # ---- opening -------------------------------------------------------------------------

    def open_path(self, path) -> bool:
        """Open a lesson (.py) or a saved session (.json); False (and a message) if refused."""
        path = os.fspath(path)
        name = os.path.basename(path) or path
        if path.lower().endswith(".json"):
            return self.open_session(path)
        if not os.path.isfile(path):
            self.session.report(f"Cannot open {name}: no such file")
            return False
        if path.lower().endswith((".py", ".ipynb")):
            return self.open_lesson(path)
        self.session.report(f"Cannot open {name}: expected a lesson (.py) or a session (.json)")
        return False

    def open_lesson(self, path) -> bool:
        """Open a lesson in the lessons panel (a refused lesson shows why there)."""
        self.window.player.pause()
        self.session.clear_error()
        ok = self.lesson.open(path)
        self.path = None
        self.add_recent(path)
        self.mark_clean()
        return ok

    def open_session(self, path) -> bool:
        """Open a session file: validated whole before the current session changes."""
        from engine.interpreter.lesson import load_lesson
        from gui.model.session_file import SessionFileError, load_session
        from gui.window.lesson_session import load_error_line

        name = os.path.basename(path) or path
        try:
            data = load_session(path)
            if data.lesson is not None:
                load_lesson(data.lesson)  # refused lessons never get as far as the window
        except SessionFileError as error:
            self.session.report(f"Could not open {name}: {error.problem}")
            return False
        except Exception as error:  # noqa: BLE001 - the lesson's validator: one line
            error.__traceback__ = None
            self.session.report(f"Could not open {name}: "
                                f"{load_error_line(error, data.lesson)}")
            return False
        self.window.player.pause()
        self.window.passes.clear()
        if data.lesson is not None:
            self._restore_lesson(data)
        else:
            if self.lesson.path is not None:
                self.lesson.close()
            self.session.restore(data)
        self.path = os.path.abspath(path)
        self.add_recent(self.path)
        self.mark_clean()
        return True

    def _restore_lesson(self, data) -> None:
        session, passes = self.session, self.window.passes
        session.apply_inputs(data)
        self.lesson.open(data.lesson)  # the window resets the history and the passes
        passes.muted = True
        try:
            while not self.lesson.at_end and self.lesson.next_index < data.cell:
                self.lesson.run_next()
        finally:
            passes.muted = False
        if not passes.show_last_quietly():
            session.forward()
        session.restore_history(data.history, data.passes)
        session.set_step(data.step)

    def choose_and_open(self) -> None:
        """File > Open: ask for a file (after asking about unsaved changes)."""
        if not self.confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(self.window, "Open a lesson or a session",
                                              self._folder(), OPEN_FILTER)
        if path:
            self.open_path(path)

    def open_interactively(self, path) -> bool:
        """Open from a menu or a drop: ask about unsaved changes first."""
        if not self.confirm_discard():
            return False
        return self.open_path(path)

    # ---- saving --------------------------------------------------------------------------

    def session_data(self):
        """What a session file holds about the window now."""
        self.window.inputs.commit()
        lesson = self.lesson.path if self.lesson.lesson is not None else None
        return self.session.session_data(lesson=lesson, cell=self.lesson.next_index)

    def save(self) -> bool:
        """File > Save: to the file it came from, else ask (Save As)."""
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        from gui.model.session_file import FILE_FILTER

        start = self.path or os.path.join(self._folder(), "session.json")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save the session", start,
                                              FILE_FILTER)
        if not path:
            return False
        if not path.lower().endswith(".json"):
            path += ".json"
        return self.save_to(path)

    def save_to(self, path) -> bool:
        """Write the session to ``path``; a refusal shows under the inputs (still unsaved)."""
        from gui.model.session_file import SessionFileError, save_session

        path = os.path.abspath(os.fspath(path))
        try:
            save_session(path, self.session_data())
        except SessionFileError as error:
            self.session.report(f"Could not save {os.path.basename(path)}: {error.problem}")
            self.refresh_title()
            return False
        self.path = path
        self.add_recent(path)
        self.mark_clean()
        self.window.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    # ---- unsaved changes -------------------------------------------------------------------

    def fingerprint(self) -> tuple:
        session, lesson = self.session, self.lesson
        # what the user made: inputs, options, passes and zero_grad() of their own; a
        # lesson's cells and passes come back by running it again, so they never ask
        return (tuple(session.variables.items()), session.expression, session.x_requires_grad,
                session.retain_graph, session.reuse_graph, session.edits, lesson.path)

    def mark_clean(self) -> None:
        self._clean = self.fingerprint()
        self.refresh_title()

    def is_dirty(self) -> bool:
        return self._clean is not None and self.fingerprint() != self._clean

    def refresh_title(self, *_args) -> None:
        if self.path:
            name = os.path.basename(self.path)
        elif self.lesson.path:
            name = self.lesson.title
        else:
            name = "untitled"
        self.window.setWindowTitle(f"{name}[*] — {APP_TITLE}")
        self.window.setWindowModified(self.is_dirty())

    def confirm_discard(self) -> bool:
        """Before replacing the session: True to go on (saved, or changes discarded)."""
        if not self.is_dirty():
            return True
        answer = self.unsaved_answer or self._ask_blocking()
        if answer == "save":
            return self.save()
        return answer == "discard"

    def _ask_blocking(self) -> str:
        button = QMessageBox.question(
            self.window, "Unsaved changes", self._question_text(),
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        return _ANSWERS.get(button, "cancel")

    def _question_text(self) -> str:
        name = os.path.basename(self.path) if self.path else "this session"
        return f"Save the changes to {name}?"

    def ask_before_close(self) -> bool:
        """True when the window may close now; else a question is asked (without blocking)
        and the window closes once it is answered with Save (and saved) or Discard."""
        if self._closing or not self.is_dirty():
            return True
        if self.unsaved_answer is not None:
            return self._after_answer(self.unsaved_answer, close=False)
        if self.question is not None:
            self.question.raise_()
            return False
        box = QMessageBox(QMessageBox.Question, "Unsaved changes", self._question_text(),
                          QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel,
                          self.window)
        box.setObjectName("unsavedQuestion")
        box.setInformativeText("Closing the window loses what is not saved.")
        box.setDefaultButton(QMessageBox.Save)
        box.setWindowModality(Qt.WindowModal)
        box.buttonClicked.connect(
            lambda button: self._after_answer(_ANSWERS.get(box.standardButton(button),
                                                           "cancel")))
        box.finished.connect(self._forget_question)
        self.question = box
        box.open()
        return False

    def _forget_question(self, *_args) -> None:
        box, self.question = self.question, None
        if box is not None:
            box.deleteLater()

    def _after_answer(self, answer: str, close: bool = True) -> bool:
        if answer == "save" and not self.save():
            return False
        if answer not in ("save", "discard"):
            return False
        if close:
            self._closing = True
            self.window.close()
        return True

    # ---- recent files ----------------------------------------------------------------------

    def recent_files(self) -> list[str]:
        value = self.window.settings.value(RECENT_KEY)
        try:
            paths = json.loads(value) if isinstance(value, str) and len(value) < 100_000 else []
        except ValueError:
            paths = []
        if not isinstance(paths, list):
            return []
        return [path for path in paths if isinstance(path, str) and path][:MAX_RECENT]

    def add_recent(self, path) -> None:
        path = os.path.abspath(os.fspath(path))
        paths = [path] + [other for other in self.recent_files() if other != path]
        self._set_recent(paths[:MAX_RECENT])

    def forget_recent(self, path=None) -> None:
        """Take ``path`` off the list (None: clear the list)."""
        paths = [] if path is None else [p for p in self.recent_files() if p != path]
        self._set_recent(paths)

    def _set_recent(self, paths: list) -> None:
        self.window.settings.setValue(RECENT_KEY, json.dumps(paths))
        self.recent_changed.emit()

    def open_recent(self, path: str) -> bool:
        if not os.path.exists(path):
            self.forget_recent(path)
            self.session.report(f"Cannot open {os.path.basename(path)}: no such file "
                                f"(taken off the recent files)")
            return False
        return self.open_interactively(path)

    def export_folder(self) -> str:
        """Where an export is proposed: the last export's folder, else the user's documents,
        else the current folder (never the folder of a built-in lesson, inside the app)."""
        documents = QStandardPaths.writableLocation(QStandardPaths.DocumentsLocation)
        last = self.window.settings.value(EXPORT_FOLDER_KEY)
        for folder in (last if isinstance(last, str) else "", documents, os.getcwd()):
            if folder and os.path.isdir(folder) and os.access(folder, os.W_OK):
                return folder
        return str(Path.home())

    def _folder(self) -> str:
        for path in [self.path, self.lesson.path] + self.recent_files():
            if path and os.path.isdir(os.path.dirname(path)):
                return os.path.dirname(path)
        return str(Path.home())

    # ---- export ---------------------------------------------------------------------------

    def picture_options(self) -> dict:
        """What the window's GraphPicture is given, for the exported picture."""
        return {"theme": self.window.graph_view.theme, **self.session.picture_context()}

    def _require_graph(self) -> None:
        from gui.picture.export import ExportError

        if self.session.graph is None:
            raise ExportError("there is no graph yet: draw one (Enter in the expression) or "
                              "run a lesson cell first")

    def export_graph_to(self, path, *, dpi: float = 150.0) -> bool:
        """The graph as the window shows it now (the current step) as PNG, SVG or PDF."""
        from gui.picture.export import export_graph

        self._require_graph()
        session = self.session
        export_graph(path, session.graph, session.steps, session.step, dpi=dpi,
                     **self.picture_options())
        self._done(path)
        return True

    def export_animation_to(self, path, *, fps: float = 2.0, dpi: float = 100.0,
                            progress=None) -> bool:
        """The backward animation as GIF or MP4, with a cancellable progress dialog;
        False when cancelled (nothing is written)."""
        from gui.picture.export import ExportError, export_animation

        self._require_graph()
        session = self.session
        if not session.steps:
            raise ExportError("there is no backward pass to animate: run backward first")
        dialog = None
        if progress is None:
            dialog = QProgressDialog("Exporting the backward animation…", "Cancel", 0,
                                     len(session.steps) + 2, self.window)
            dialog.setObjectName("exportProgress")
            dialog.setWindowTitle("Export")
            dialog.setWindowModality(Qt.WindowModal)
            dialog.setMinimumDuration(0)
            dialog.setValue(0)
            self.progress_dialog = dialog

            def progress(done, total):
                dialog.setMaximum(total)
                dialog.setValue(done)
                QApplication.processEvents()
                return not dialog.wasCanceled()
        try:
            written = export_animation(path, session.graph, session.steps, fps=fps, dpi=dpi,
                                       progress=progress, **self.picture_options())
        finally:
            if dialog is not None:
                dialog.reset()
                dialog.deleteLater()
                self.progress_dialog = None
        if written:
            self._done(path)
        return written

    def _done(self, path) -> None:
        path = os.path.abspath(os.fspath(path))
        self.window.settings.setValue(EXPORT_FOLDER_KEY, os.path.dirname(path))
        self.window.statusBar().showMessage(f"Exported {path}", 8000)
        self.exported.emit(path)

    def export_dialog(self, kind: str):
        """The Export dialog for ``"graph"`` or ``"animation"`` (not shown yet)."""
        from gui.picture.export import figure_size
        from gui.window.panels.export_dialog import ExportDialog

        export = self.export_graph_to if kind == "graph" else self.export_animation_to
        graph = self.session.graph

        def size_of(dpi):
            width, height = figure_size(graph)
            return int(width * dpi), int(height * dpi)  # as matplotlib rounds

        name = (Path(self.path).stem if self.path else
                Path(self.lesson.path).stem if self.lesson.path else "graph")
        if kind == "animation":
            name += "-backward"
        return ExportDialog(kind, export, self.window, folder=self.export_folder(), name=name,
                            size_of=size_of if graph is not None else None)

    def ask_export(self, kind: str) -> None:
        """File > Export graph / animation: the dialog (errors show inside it)."""
        if self.session.graph is None:
            self.session.report("Nothing to export yet: draw a graph first (Enter in the "
                                "expression, or run a lesson cell)")
            return
        if kind == "animation" and not self.session.steps:
            self.session.report("Nothing to animate yet: run backward first (Ctrl+Enter)")
            return
        self.window.player.pause()
        dialog = self.export_dialog(kind)
        dialog.exec()
        dialog.deleteLater()
        self.window.activateWindow()  # the window's keys work again at once


_ANSWERS = {QMessageBox.Save: "save", QMessageBox.Discard: "discard",
            QMessageBox.Cancel: "cancel"}

