"""The main window: inputs on top, the graph and its animation controls, history and inspector.

``MainWindow()`` builds everything once a ``QApplication`` exists. Widgets carry the
objectNames of CONTRACT section 4 (``xInput``, ``expressionInput``, ``backwardButton``,
``stepButton``, ``stepBackButton``, ``playButton``, ``finishButton``,
``zeroGradButton``, ``retainGraphCheck``, ``graphCanvas``, ``gradHistory``,
``errorLabel``). Every action has a menu entry and a shortcut; the animation keys
(Space, Right, Left, End, Home) work whenever the keyboard focus is not in a field
that needs them. Size, splitters, inputs, the palette and the recent files persist in
``QSettings``.

The classroom: a lesson (File > Open, File > Lessons, a drop, ``python main.py
LESSON.py``) opens in the lessons panel on the left; every ``backward()`` its cells run
is animated in the graph, one pass after another (``gui.window.pass_queue``), and the
Explain tab writes out the chain rule of the current step. Sessions and export are
in the File menu (``gui.window.file_actions``); presenter mode (F11, F1, four palettes) in
the View menu.
"""

from __future__ import annotations

import json
import os

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QLabel,
    QMainWindow,
    QSlider,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gui.window.file_actions import APP_TITLE, FileActions
from gui.window.graph_view import GraphView
from gui.window.lesson_session import LessonSession, builtin_lessons
from gui.window.panels.canvas_note import CanvasNote
from gui.window.panels.explain_panel import ExplainPanel
from gui.window.panels.history_view import GradHistoryView
from gui.window.panels.inputs_panel import MAX_INPUT_LENGTH, MAX_VARIABLES, InputsPanel
from gui.window.panels.inspector import NodeInspector
from gui.window.panels.lessons_panel import LessonsPanel
from gui.window.panels.playback_bar import PlaybackBar
from gui.window.panels.torch_check import TorchCheckPanel
from gui.window.pass_queue import PassQueue
from gui.window.player import SPEEDS_MS, Player
from gui.window.presenter import PALETTES, PresenterControls, palette_for, to_graph_style
from gui.window.session import DEFAULT_EXPRESSION, DEFAULT_X, Session
from gui.window.theme import apply_theme, set_font_size

__all__ = ["MainWindow", "ORGANIZATION", "APPLICATION"]

ORGANIZATION = "autograd-viz"
APPLICATION = "autograd-viz"
GRAPH_FONT = 9.0
FIRST_DRAW_DELAY_MS = 30
ANIMATION_KEYS = (Qt.Key_Space, Qt.Key_Left, Qt.Key_Right, Qt.Key_End, Qt.Key_Home)
PAGE_KEYS = (Qt.Key_PageUp, Qt.Key_PageDown)
OPENABLE = (".py", ".ipynb", ".json")
LESSONS_WIDTH = 340
KEY_HELP_EXTRA = [
    ("after Backward, or a click on the graph",
     "Space, arrows, Home/End, F, [ ] drive the animation (click a field to type)"),
    ("Enter", "in x: define x and draw · in y: draw the graph"),
    ("Tab, Shift+Tab", "move between fields, buttons and panels"),
    ("Alt+underlined letter", "press that button, open that menu"),
]


class _KeepKeys(QObject):
    """Lets a focused button, slider, list or text view keep the keys it uses itself."""

    def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
        if event.type() == QEvent.ShortcutOverride and event.modifiers() in (
                Qt.NoModifier, Qt.KeypadModifier):
            key = event.key()
            if (key == Qt.Key_Space and isinstance(watched, (QAbstractButton, QComboBox))) or (
                    key in ANIMATION_KEYS and isinstance(watched, (QSlider, QAbstractItemView))
            ) or (key in PAGE_KEYS and isinstance(watched, QTextBrowser)):
                event.accept()
                return True
        return False


class MainWindow(QMainWindow):
    """The whole application window (see the module docstring)."""

    def __init__(self, settings: QSettings | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(f"untitled[*] — {APP_TITLE}")
        self.settings = settings if settings is not None else QSettings(ORGANIZATION,
                                                                       APPLICATION)
        app = QApplication.instance()
        self._base_font = app.font().pointSizeF() if app.font().pointSizeF() > 0 else 10.0
        self.font_size = self._base_font
        self.theme = "light"
        self.session = Session(self)
        self.player = Player(self.session, self)
        self.lesson = LessonSession(self)            # parent=self: Qt owns it
        self.lessons = LessonsPanel(self.lesson)     # its keys are window-wide
        self.explain = ExplainPanel()
        self.torch_check = TorchCheckPanel(self.lesson)
        self.passes = PassQueue(self.session, self.player, self)
        self.presenter = PresenterControls(self, fonts=False, extra_shortcuts=KEY_HELP_EXTRA)
        self.files = FileActions(self)
        self.inputs = InputsPanel(self.session)
        self.graph_view = GraphView(self.session, self.player)
        self.canvas_note = CanvasNote(self.session, self.graph_view.canvas)
        self.playback = PlaybackBar(self.session, self.player)
        self.history = GradHistoryView(self.session)
        self.inspector = NodeInspector(self.session)
        self._build_layout()
        self._make_actions()
        # a click on the graph gives it the keyboard (the animation keys), as Tab does
        self.graph_view.canvas.setFocusPolicy(Qt.StrongFocus)
        self._keep_keys = _KeepKeys(self)
        for widget in self.findChildren(QWidget):
            if isinstance(widget, (QAbstractButton, QComboBox, QSlider, QAbstractItemView,
                                   QTextBrowser)):
                widget.installEventFilter(self._keep_keys)
            if isinstance(widget, QAbstractButton):
                # a click leaves the keyboard focus where it was (Tab still reaches buttons),
                # so Space after clicking a button plays/pauses instead of clicking it again
                widget.setFocusPolicy(Qt.TabFocus)
        self._connect()
        self.setAcceptDrops(True)
        self._restore_settings()
        self._drawn_once = False
        self._after_first_draw: list = []
        self._first_draw_done = False
        self.started = False

    def _connect(self) -> None:
        self.inputs.define_requested.connect(self.define)
        self.inputs.forward_requested.connect(self.forward)
        self.inputs.backward_requested.connect(self.backward)
        self.inputs.zero_grad_requested.connect(self.zero_grad)
        self.inputs.error_bar.ones_requested.connect(self.backward_with_ones)
        self.lesson.passes_recorded.connect(
            lambda passes, tensors: self.passes.enqueue(passes, tensors, self.lesson.last_code))
        self.lesson.reloaded.connect(self._on_lesson_reloaded)
        self.lesson.restarted.connect(self._on_lesson_restarted)
        self.passes.pass_shown.connect(self._on_lesson_pass_shown)
        self.passes.waiting_changed.connect(self._on_waiting_changed)
        self.session.step_changed.connect(self._explain_step)
        self.session.selection_changed.connect(self._on_selection_changed)
        self.presenter.palette_changed.connect(self._on_palette_changed)
        for signal in (self.session.history_changed, self.session.inputs_changed,
                       self.lesson.position_changed, self.lesson.reloaded):
            signal.connect(self.files.refresh_title)

    # ---- layout -----------------------------------------------------------------------------

    def _build_layout(self) -> None:
        graph_area = QWidget()
        graph_layout = QVBoxLayout(graph_area)
        graph_layout.setContentsMargins(0, 0, 0, 0)
        graph_layout.setSpacing(0)
        graph_layout.addWidget(self.graph_view, 1)
        graph_layout.addWidget(self.playback)
        history_box = QWidget()
        history_layout = QVBoxLayout(history_box)
        history_layout.setContentsMargins(0, 0, 0, 0)
        history_label = QLabel("&.grad history")
        history_label.setBuddy(self.history)
        history_layout.addWidget(history_label)
        history_layout.addWidget(self.history, 1)
        self.side_tabs = QTabWidget(objectName="sideTabs")
        self.side_tabs.addTab(self.explain, "Explain")
        self.side_tabs.addTab(self.inspector, "Node")
        self.side_tabs.addTab(self.torch_check, "PyTorch check")
        self.side_tabs.setTabToolTip(0, "The chain rule of the current backward step")
        self.side_tabs.setTabToolTip(1, "The node you clicked: value, grad, what it saved")
        self.side_tabs.setTabToolTip(2, "Run the lesson under real PyTorch and compare")
        self.side_splitter = QSplitter(Qt.Vertical, objectName="sideSplitter")
        self.side_splitter.addWidget(history_box)
        self.side_splitter.addWidget(self.side_tabs)
        self.side_splitter.setSizes([300, 300])
        self.main_splitter = QSplitter(Qt.Horizontal, objectName="mainSplitter")
        self.main_splitter.addWidget(self.lessons)
        self.main_splitter.addWidget(graph_area)
        self.main_splitter.addWidget(self.side_splitter)
        self.main_splitter.setStretchFactor(0, 0)
        self.main_splitter.setStretchFactor(1, 3)
        self.main_splitter.setStretchFactor(2, 1)
        self.main_splitter.setChildrenCollapsible(False)
        self.main_splitter.splitterMoved.connect(self._on_splitter_moved)
        self.lessons.hide()  # until a lesson is opened
        self.main_splitter.setSizes([0, 860, 420])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.inputs)
        layout.addWidget(self.main_splitter, 1)
        self.setCentralWidget(central)
        self.resize(1280, 800)

    def _action(self, menu, text: str, slot, shortcuts=(), *, checkable=False, name=None):
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setShortcutContext(Qt.WindowShortcut)
        action.setCheckable(checkable)
        if name:
            action.setObjectName(name)
        if checkable:
            action.triggered.connect(lambda *_args: slot(action.isChecked()))
        else:
            action.triggered.connect(lambda *_args: slot())
        menu.addAction(action)
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        bar = self.menuBar()
        self._make_file_menu(bar.addMenu("&File"))
        run = bar.addMenu("&Run")
        self._action(run, "&Draw graph (forward)", self.forward, ["Ctrl+D"])
        self._action(run, "&Backward", self.backward,
                     ["Ctrl+Return", "Ctrl+Enter", "Ctrl+B"], name="backwardAction")
        self._action(run, "Backward with &ones_like(y)", self.backward_with_ones,
                     ["Ctrl+Shift+B"])
        self._action(run, "&Zero grad", self.zero_grad, ["Ctrl+G"], name="zeroGradAction")
        run.addSeparator()
        self.retain_action = self._action(
            run, "&retain_graph", self.inputs.retain_graph_check.setChecked, ["Ctrl+R"],
            checkable=True)
        self.reuse_action = self._action(
            run, "Re&use graph", self.inputs.reuse_graph_check.setChecked, [],
            checkable=True)  # Alt+U (the check box's key): a text field on Linux eats Ctrl+U
        self.inputs.retain_graph_check.toggled.connect(self.retain_action.setChecked)
        self.inputs.reuse_graph_check.toggled.connect(self.reuse_action.setChecked)
        run.addSeparator()
        self._action(run, "Edit &x", self._focus(self.inputs.x_input), ["Ctrl+1"])
        self._action(run, "Edit the &expression", self._focus(self.inputs.expression_input),
                     ["Ctrl+2", "Ctrl+L"])
        self._action(run, "Add a &variable", self.inputs.add_button.click, ["Ctrl+Shift+N"])
        animation = bar.addMenu("&Animation")
        self._action(animation, "&Play / pause", self._on_space, ["Space"], name="playAction")
        self._action(animation, "&Step forward", self.player.step_forward, ["Right"])
        self._action(animation, "Step &back", self.player.step_back, ["Left"])
        self._action(animation, "To the &end", self.player.to_end, ["End"])
        self._action(animation, "To the s&tart", self.player.to_start, ["Home"])
        animation.addSeparator()
        self._action(animation, "&Faster", lambda: self._change_speed(1), ["]"])
        self._action(animation, "S&lower", lambda: self._change_speed(-1), ["["])
        self._action(animation, "&Graph has focus (keys drive the animation)",
                     self._on_escape, ["Escape"])
        self._make_lesson_menu(bar.addMenu("L&esson"))
        self._make_view_menu(bar.addMenu("&View"))

    def _make_file_menu(self, menu) -> None:
        self._action(menu, "&Open lesson or session…", self.files.choose_and_open, ["Ctrl+O"],
                     name="openAction")
        self.recent_menu = menu.addMenu("Open &recent")
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.files.recent_changed.connect(self._fill_recent_menu)
        self._fill_recent_menu()
        lessons = menu.addMenu("&Lessons")
        lessons.setObjectName("lessonsMenu")
        for number, (title, path) in enumerate(builtin_lessons(), start=1):
            action = lessons.addAction(f"&{number}  {title[:1].upper()}{title[1:]}")
            action.setData(str(path))
            action.triggered.connect(
                lambda _checked=False, path=str(path): self.files.open_interactively(path))
        menu.addSeparator()
        self._action(menu, "&Save session", self.files.save, ["Ctrl+S"], name="saveAction")
        self._action(menu, "Save session &as…", self.files.save_as, ["Ctrl+Shift+S"],
                     name="saveAsAction")
        menu.addSeparator()
        self._action(menu, "&Export graph (PNG, SVG, PDF)…",
                     lambda: self.files.ask_export("graph"), ["Ctrl+Shift+G"],
                     name="exportGraphAction")
        self._action(menu, "Export a&nimation (GIF, MP4)…",
                     lambda: self.files.ask_export("animation"), ["Ctrl+Shift+E"],
                     name="exportAnimationAction")
        menu.addSeparator()
        self._action(menu, "&Quit", self.close, ["Ctrl+Q"])

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        paths = self.files.recent_files()
        for number, path in enumerate(paths, start=1):
            folder = os.path.basename(os.path.dirname(path))
            action = menu.addAction(f"&{number}  {os.path.basename(path)}   ({folder})")
            action.setToolTip(path)
            action.setData(path)
            action.triggered.connect(
                lambda _checked=False, path=path: self.files.open_recent(path))
        if paths:
            menu.addSeparator()
            menu.addAction("&Clear the list", self.files.forget_recent)
        else:
            menu.addAction("(no recent files)").setEnabled(False)

    def _make_lesson_menu(self, menu) -> None:
        for action in self.lessons.actions_for_menu():  # window-wide already
            menu.addAction(action)
        menu.addSeparator()
        self.next_pass_action = self._action(
            menu, "Show the next &backward pass now", self.passes.show_next,
            ["Ctrl+PgDown"], name="nextPassAction")
        self.skip_passes_action = self._action(
            menu, "&Skip to the last backward pass", self.passes.skip_to_last,
            ["Ctrl+Shift+PgDown"], name="skipPassesAction")
        self._on_waiting_changed(0)
        menu.addSeparator()
        self.check_action = self._action(menu, "Check with &PyTorch", self.check_with_torch,
                                         ["Ctrl+Shift+P"], name="checkTorchAction")
        self._action(menu, "&Close the lesson", self.close_lesson, [], name="closeLessonAction")

    def _make_view_menu(self, view) -> None:
        for action in self.presenter.palette_actions:
            view.addAction(action)
        self.dark_action = self._action(view, "&Dark theme (light / dark)",
                                        self._on_dark_toggled, ["Ctrl+Shift+D"],
                                        checkable=True)
        view.addSeparator()
        self._action(view, "&Bigger text", lambda: self.scale_font(1),
                     ["Ctrl++", "Ctrl+=", "Ctrl+Shift++"])  # the last: plus as Shift+= types it
        self._action(view, "&Smaller text", lambda: self.scale_font(-1),
                     ["Ctrl+-"])
        self._action(view, "&Normal text size", lambda: self.scale_font(0), ["Ctrl+0"])
        view.addSeparator()
        for action in self.presenter.actions():  # F11, F1 (window-wide already)
            view.addAction(action)
        view.addSeparator()
        self._action(view, "&Fit the whole graph", self.graph_view.fit_all, ["F"])
        # not Ctrl+Shift+=: on a US keyboard that is Ctrl+plus, the bigger-text key
        self._action(view, "Zoom &in on the graph", lambda: self.graph_view.zoom(1.25),
                     ["Shift+Up", "Ctrl+Alt+="])
        self._action(view, "Zoom &out of the graph", lambda: self.graph_view.zoom(0.8),
                     ["Shift+Down", "Ctrl+Alt+-"])
        self._action(view, "Show forward &values in the graph", self.graph_view.set_show_values,
                     ["Ctrl+Alt+V"], checkable=True, name="showValuesAction")
        self._action(view, "Show every node's &gradient as it arrives",
                     self.graph_view.set_show_grads, ["Ctrl+Alt+G"], checkable=True,
                     name="showGradsAction")
        self._action(view, "&Reduced motion (steps without travelling gradients)",
                     lambda on: self.graph_view.set_motion(not on), ["Ctrl+Alt+M"],
                     checkable=True, name="reducedMotionAction")

    def _focus(self, widget):
        def focus():
            widget.setFocus(Qt.ShortcutFocusReason)
            if hasattr(widget, "selectAll"):
                widget.selectAll()
        return focus

    # ---- what the user runs -------------------------------------------------------------------

    def define(self) -> None:
        """Enter in x or a variable: define it and draw the expression with it."""
        self.passes.clear()
        if self.session.define():
            self.forward()

    def forward(self) -> None:
        self.passes.clear()
        self.inputs.commit()
        self.session.forward()

    def backward(self) -> bool:
        """Run the expression again and backward from it, then animate the pass."""
        self.passes.clear()
        self.inputs.commit()
        ok = self.session.backward()
        self.player.play()
        self._focus_graph_unless_input_error()
        return ok

    def backward_with_ones(self) -> None:
        self.passes.clear()
        self.inputs.commit()
        self.session.backward(ones=True)
        self.player.play()
        self._focus_graph_unless_input_error()

    def zero_grad(self) -> None:
        self.inputs.commit()
        self.session.zero_grad()

    def _focus_graph_unless_input_error(self) -> None:
        """Space, the arrows, Home/End, F and [ ] drive the animation after a backward; a
        typing mistake keeps the keyboard in its field, to be fixed."""
        error = self.session.error
        if error is None or error["kind"] != "input":
            self._focus_graph()

    def _focus_graph(self) -> None:
        """After a backward (from a key, a button or a menu) the animation keys act at once."""
        self.graph_view.canvas.setFocus(Qt.OtherFocusReason)

    def _on_space(self) -> None:
        focus = QApplication.focusWidget()
        if isinstance(focus, QAbstractButton) and focus.isEnabled() and focus.isVisible():
            focus.animateClick()
        else:
            self.player.toggle()

    def _on_escape(self) -> None:
        """Esc closes the key help when it is open, else gives the graph the keys."""
        if self.presenter.overlay.isVisible():
            self.presenter.overlay.hide()
        else:
            self.graph_view.canvas.setFocus(Qt.ShortcutFocusReason)

    def _change_speed(self, delta: int) -> None:
        slider = self.playback.speed_slider
        slider.setValue(max(1, min(len(SPEEDS_MS), slider.value() + delta)))

    # ---- files ----------------------------------------------------------------------------

    def open_path(self, path: str) -> bool:
        """Open a lesson (.py) or a saved session (.json); problems show in the window."""
        return self.files.open_path(path)

    def dragEnterEvent(self, event):  # noqa: N802 - Qt's name
        if _dropped_file(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event):  # noqa: N802 - Qt's name
        self.dragEnterEvent(event)

    def dropEvent(self, event):  # noqa: N802 - Qt's name
        path = _dropped_file(event.mimeData())
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        # after the drop is over: opening may ask a question
        QTimer.singleShot(0, lambda: self.files.open_interactively(path))

    # ---- the lesson ---------------------------------------------------------------------------

    def _on_lesson_reloaded(self) -> None:
        """A lesson was opened, reloaded from disk or closed: start again from the top, on a
        clean canvas and history (closed: the inputs' own graph, defined afresh)."""
        self.passes.reset()
        if self.lesson.lesson is not None or self.lesson.path is None:  # not a refused one
            self.player.pause()
            self.session.clear()
            if self.lesson.path is None and self._first_draw_done:
                self.inputs.commit()
                self.session.forward()
        self._show_lessons(self.lesson.path is not None)
        if self.lesson.path is not None:
            self._focus_graph()  # Space and the arrows drive the animation, not type into x

    def _on_lesson_restarted(self) -> None:
        self.passes.reset()
        self.session.clear_history()

    def _show_lessons(self, visible: bool) -> None:
        if visible == self.lessons.isVisible():
            return
        self.lessons.setVisible(visible)
        if visible:
            sizes = self.main_splitter.sizes()
            total = sum(sizes)
            width = max(200, min(self.lessons_width, total * 2 // 3))  # as last dragged
            side = min(sizes[2], max(total - width - 200, 0))
            self.main_splitter.setSizes([width, max(total - width - side, 200), side])

    def _on_splitter_moved(self, *_args) -> None:
        """Dragging the lessons panel wider or narrower: remembered (here and in settings)."""
        if self.lessons.isVisible():
            self.lessons_width = self.main_splitter.sizes()[0]

    def _on_lesson_pass_shown(self, _number: int) -> None:
        if self.side_tabs.currentWidget() is self.inspector:
            self.side_tabs.setCurrentWidget(self.explain)

    def _on_waiting_changed(self, count: int) -> None:
        self.next_pass_action.setEnabled(count > 0)
        self.skip_passes_action.setEnabled(count > 0)
        text = f"{count} more backward pass{'es' if count != 1 else ''} to show" if count else ""
        if text:
            self.statusBar().showMessage(text + " (Ctrl+PgDown: the next one now)")
        else:
            self.statusBar().clearMessage()

    def check_with_torch(self) -> None:
        self.side_tabs.setCurrentWidget(self.torch_check)
        self.torch_check.check()

    def close_lesson(self) -> None:
        if self.lesson.path is not None:
            self.lesson.close()

    def _explain_step(self, index: int) -> None:
        session = self.session
        if 0 <= index < len(session.steps):
            step = session.steps[index]
            self.explain.show_step(step, session.leaf_name(step.leaf) if step.is_accumulation
                                   else "x")
        else:
            self.explain.clear()

    def _on_selection_changed(self) -> None:
        if self.session.selected is not None:
            self.side_tabs.setCurrentWidget(self.inspector)

    def _first_draw(self) -> None:
        sizes = self._splitter_sizes.get("window/sideSplitter")
        if sizes:  # proportions are kept when the window is smaller than last time
            self.side_splitter.setSizes(sizes)
        sizes = self._splitter_sizes.get("window/mainSplitter")
        if sizes:
            self._graph_and_side = sizes
            current = self.main_splitter.sizes()
            self.main_splitter.setSizes([current[0]] + _scaled(sizes, sum(current[1:])))
        if self.session.graph is None:
            self.inputs.commit()
            self.session.forward()
        self._first_draw_done = True
        self.files.mark_clean()
        callbacks, self._after_first_draw = self._after_first_draw, []
        for callback in callbacks:
            callback()
        self.started = True  # drawn, and the file it was started with opened

    def after_first_draw(self, callback) -> None:
        """Run ``callback`` once the first graph is drawn (at once if it is)."""
        if self._first_draw_done:
            callback()
        else:
            self._after_first_draw.append(callback)

    # ---- view options -----------------------------------------------------------------------

    def set_theme(self, theme: str) -> None:
        """Use one of the palettes: light, dark, high_contrast or colorblind."""
        self.presenter.set_palette(theme if theme in PALETTES else "light")

    def _on_palette_changed(self, palette) -> None:
        apply_theme(QApplication.instance(), palette.name)  # style, palette, style sheet
        self.theme = palette.name
        self.dark_action.setChecked(palette.name == "dark")
        self.graph_view.set_theme(to_graph_style(palette), self._graph_font())

    def _on_dark_toggled(self, checked: bool) -> None:
        self.set_theme("dark" if checked else "light")

    def scale_font(self, direction: int) -> None:
        """+1 bigger, -1 smaller, 0 back to normal (Ctrl+plus / Ctrl+minus / Ctrl+0)."""
        size = self._base_font if direction == 0 else self.font_size + direction
        self.font_size = set_font_size(QApplication.instance(), size)
        self.graph_view.set_theme(self.graph_view.theme, self._graph_font())

    def _graph_font(self) -> float:
        return GRAPH_FONT * self.font_size / self._base_font

    def set_presenter_mode(self, on: bool) -> None:
        """F11 (with full screen): the graph takes the room of the history and explanation
        panels, and every font is one large step up; off puts both back."""
        if on == getattr(self, "_presenting", False):
            return
        self._presenting = on
        if on:
            self._font_before_presenting = self.font_size
            self.side_splitter.hide()
            self.font_size = set_font_size(QApplication.instance(), self.font_size * 1.3)
        else:
            self.side_splitter.show()
            self.font_size = set_font_size(QApplication.instance(), self._font_before_presenting)
        self.graph_view.set_theme(self.graph_view.theme, self._graph_font())

    # ---- settings ---------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        settings = self.settings
        geometry = settings.value("window/geometry")
        if geometry is not None:
            try:
                self.restoreGeometry(geometry)
            except TypeError:
                pass
        self._splitter_sizes = {key: _sizes_setting(settings.value(key))
                                for key in ("window/mainSplitter", "window/sideSplitter")}
        self.lessons_width = _int(settings.value("window/lessonsWidth"), LESSONS_WIDTH, 200,
                                  4000)
        variables = _variables_setting(settings.value("inputs/variables"))
        expression = settings.value("inputs/expression", DEFAULT_EXPRESSION)
        expression = expression if isinstance(expression, str) else DEFAULT_EXPRESSION
        self.session.set_inputs(variables=variables or {"x": DEFAULT_X},
                                expression=expression[:MAX_INPUT_LENGTH],
                                x_requires_grad=_bool(settings.value("inputs/xRequiresGrad"),
                                                      True))
        self.session.retain_graph = _bool(settings.value("options/retainGraph"), False)
        self.session.reuse_graph = _bool(settings.value("options/reuseGraph"), False)
        self.inputs.load_from_session()
        self.playback.speed_slider.setValue(_int(settings.value("view/speed"), 4, 1,
                                                 len(SPEEDS_MS)))
        size = _float(settings.value("view/fontSize"), self._base_font)
        if abs(size - self._base_font) > 0.01:
            self.font_size = set_font_size(QApplication.instance(), size)
        theme = settings.value("view/theme", "light")
        palette = palette_for(theme if isinstance(theme, str) else "light")
        self.presenter.set_palette(palette.name)  # applies it and draws the graph with it

    def save_settings(self) -> None:
        settings = self.settings
        self.inputs.commit()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/mainSplitter", json.dumps(self.main_splitter.sizes()[1:]))
        settings.setValue("window/sideSplitter", json.dumps(self.side_splitter.sizes()))
        settings.setValue("window/lessonsWidth", self.lessons_width)
        settings.setValue("inputs/variables", json.dumps(self.session.variables))
        settings.setValue("inputs/expression", self.session.expression)
        settings.setValue("inputs/xRequiresGrad", self.session.x_requires_grad)
        settings.setValue("options/retainGraph", self.session.retain_graph)
        settings.setValue("options/reuseGraph", self.session.reuse_graph)
        settings.setValue("view/speed", self.playback.speed_slider.value())
        settings.setValue("view/fontSize", self.font_size)
        settings.setValue("view/theme", self.theme)
        settings.sync()

    def showEvent(self, event):  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._drawn_once:  # the window paints first; the engine and graph follow
            self._drawn_once = True
            QTimer.singleShot(FIRST_DRAW_DELAY_MS, self._first_draw)

    def closeEvent(self, event):  # noqa: N802 - Qt's name
        if not self.files.ask_before_close():
            event.ignore()  # a question is open; the answer closes the window (or not)
            return
        self.player.pause()
        self.torch_check.cancel()
        self.save_settings()
        super().closeEvent(event)


def _dropped_file(mime) -> str | None:
    """The one local lesson or session file being dragged, or None."""
    if mime is None or not mime.hasUrls():
        return None
    urls = mime.urls()
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = urls[0].toLocalFile()
    return path if path.lower().endswith(OPENABLE) else None


def _scaled(sizes: list, total: int) -> list:
    """``sizes`` in the same proportions, adding up to ``total``."""
    whole = sum(sizes) or 1
    first = round(sizes[0] * total / whole)
    return [first, max(total - first, 0)]


def _bool(value, default: bool) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return default


def _int(value, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value)))
    except (TypeError, ValueError):
        return default


def _float(value, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if 5 <= number <= 40 else default


def _sizes_setting(value) -> list | None:
    """Saved splitter sizes (two non-negative ints), or None."""
    try:
        sizes = json.loads(value) if isinstance(value, str) and len(value) < 100 else None
    except ValueError:
        return None
    if (isinstance(sizes, list) and len(sizes) == 2
            and all(isinstance(n, int) and 0 <= n < 100_000 for n in sizes) and sum(sizes) > 0):
        return sizes
    return None


def _variables_setting(value) -> dict:
    """The saved ``{name: definition}``, or {} if it is missing or malformed."""
    if not isinstance(value, str) or len(value) > 100_000:
        return {}
    try:
        data = json.loads(value)
    except ValueError:
        return {}
    if not isinstance(data, dict) or "x" not in data or len(data) > MAX_VARIABLES + 1:
        return {}
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        return {}
    return {name: source[:MAX_INPUT_LENGTH] for name, source in data.items()}
