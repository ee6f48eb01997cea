"""The main window: inputs on top, the graph and its animation controls, history and inspector.

``MainWindow()`` builds everything once a ``QApplication`` exists. Widgets carry the
objectNames of CONTRACT section 4 (``xInput``, ``expressionInput``, ``backwardButton``,
``stepButton``, ``stepBackButton``, ``playButton``, ``finishButton``,
``zeroGradButton``, ``retainGraphCheck``, ``graphCanvas``, ``gradHistory``,
``errorLabel``). Every action has a menu entry and a shortcut; the animation keys
(Space, Right, Left, End, Home) work whenever the keyboard focus is not in a field
that needs them. Size, splitters, inputs and view options persist in ``QSettings``.
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
    QFileDialog,
    QLabel,
    QMainWindow,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.graph_view import GraphView
from gui.history_view import GradHistoryView
from gui.inputs_panel import MAX_INPUT_LENGTH, MAX_VARIABLES, InputsPanel
from gui.inspector import NodeInspector
from gui.playback_bar import PlaybackBar
from gui.player import SPEEDS_MS, Player
from gui.refcount_guard import pin_singletons
from gui.session import DEFAULT_EXPRESSION, DEFAULT_X, Session
from gui.theme import apply_theme, set_font_size

__all__ = ["MainWindow", "ORGANIZATION", "APPLICATION"]

ORGANIZATION = "autograd-viz"
APPLICATION = "autograd-viz"
GRAPH_FONT = 9.0
FIRST_DRAW_DELAY_MS = 30
ANIMATION_KEYS = (Qt.Key_Space, Qt.Key_Left, Qt.Key_Right, Qt.Key_End, Qt.Key_Home)


class _KeepKeys(QObject):
    """Lets a focused button, slider, list or combo box keep the keys it uses itself."""

    def eventFilter(self, watched, event):  # noqa: N802 - Qt's name
        if event.type() == QEvent.ShortcutOverride and event.modifiers() in (
                Qt.NoModifier, Qt.KeypadModifier):
            key = event.key()
            if (key == Qt.Key_Space and isinstance(watched, (QAbstractButton, QComboBox))) or (
                    key in ANIMATION_KEYS and isinstance(watched, (QSlider, QAbstractItemView))):
                event.accept()
                return True
        return False


class MainWindow(QMainWindow):
    """The whole application window (see the module docstring)."""

    def __init__(self, settings: QSettings | None = None, parent=None):
        pin_singletons()  # PySide6 6.12 on Python 3.11 would abort after ~2,500 steps
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Autograd, step by step")
        self.settings = settings if settings is not None else QSettings(ORGANIZATION,
                                                                       APPLICATION)
        app = QApplication.instance()
        self._base_font = app.font().pointSizeF() if app.font().pointSizeF() > 0 else 10.0
        self.font_size = self._base_font
        self.theme = "light"
        self.session = Session(self)
        self.player = Player(self.session, self)
        self.inputs = InputsPanel(self.session)
        self.graph_view = GraphView(self.session, self.player)
        self.playback = PlaybackBar(self.session, self.player)
        self.history = GradHistoryView(self.session)
        self.inspector = NodeInspector(self.session)
        self._build_layout()
        self._make_actions()
        self._keep_keys = _KeepKeys(self)
        for widget in self.findChildren(QWidget):
            if isinstance(widget, (QAbstractButton, QComboBox, QSlider, QAbstractItemView)):
                widget.installEventFilter(self._keep_keys)
            if isinstance(widget, QAbstractButton):
                # a click leaves the keyboard focus where it was (Tab still reaches buttons),
                # so Space after clicking a button plays/pauses instead of clicking it again
                widget.setFocusPolicy(Qt.TabFocus)
        self.inputs.define_requested.connect(self.define)
        self.inputs.forward_requested.connect(self.forward)
        self.inputs.backward_requested.connect(self.backward)
        for button in (self.inputs.backward_button, self.inputs.error_bar.ones_button):
            button.clicked.connect(self._focus_graph)  # after the backward it asked for
        self.inputs.zero_grad_requested.connect(self.zero_grad)
        self.inputs.error_bar.ones_requested.connect(self.backward_with_ones)
        self._restore_settings()
        self._drawn_once = False
        self._after_first_draw: list = []
        self._first_draw_done = False

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
        self.side_splitter = QSplitter(Qt.Vertical, objectName="sideSplitter")
        self.side_splitter.addWidget(history_box)
        self.side_splitter.addWidget(self.inspector)
        self.side_splitter.setSizes([300, 300])
        self.main_splitter = QSplitter(Qt.Horizontal, objectName="mainSplitter")
        self.main_splitter.addWidget(graph_area)
        self.main_splitter.addWidget(self.side_splitter)
        self.main_splitter.setStretchFactor(0, 3)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([860, 420])
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
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&Open lesson or session…", self._on_open, ["Ctrl+O"])
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, ["Ctrl+Q"])
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
            run, "Re&use graph", self.inputs.reuse_graph_check.setChecked, ["Ctrl+U"],
            checkable=True)
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
                     self.graph_view.canvas.setFocus, ["Escape"])
        view = bar.addMenu("&View")
        self.dark_action = self._action(view, "&Dark theme", self._on_dark_toggled,
                                        ["Ctrl+Shift+D"], checkable=True)
        self._action(view, "&Bigger text", lambda: self.scale_font(1),
                     ["Ctrl++", "Ctrl+="])
        self._action(view, "&Smaller text", lambda: self.scale_font(-1),
                     ["Ctrl+-"])
        self._action(view, "&Normal text size", lambda: self.scale_font(0), ["Ctrl+0"])
        view.addSeparator()
        self._action(view, "&Fit the whole graph", self.graph_view.fit_all, ["F"])
        self._action(view, "Zoom &in on the graph", lambda: self.graph_view.zoom(1.25),
                     ["Shift+Up", "Ctrl+Shift+="])
        self._action(view, "Zoom &out of the graph", lambda: self.graph_view.zoom(0.8),
                     ["Shift+Down", "Ctrl+Shift+-"])

    def _focus(self, widget):
        def focus():
            widget.setFocus(Qt.ShortcutFocusReason)
            if hasattr(widget, "selectAll"):
                widget.selectAll()
        return focus

    # ---- what the user runs -------------------------------------------------------------------

    def define(self) -> None:
        """Enter in x or a variable: define it and draw the expression with it."""
        if self.session.define():
            self.forward()

    def forward(self) -> None:
        self.inputs.commit()
        self.session.forward()

    def backward(self) -> bool:
        """Run the expression again and backward from it, then animate the pass."""
        self.inputs.commit()
        ok = self.session.backward()
        self.player.play()
        return ok

    def backward_with_ones(self) -> None:
        self.inputs.commit()
        self.session.backward(ones=True)
        self.player.play()

    def zero_grad(self) -> None:
        self.inputs.commit()
        self.session.zero_grad()

    def _focus_graph(self) -> None:
        """After a clicked backward the animation keys act at once."""
        self.graph_view.canvas.setFocus(Qt.OtherFocusReason)

    def _on_space(self) -> None:
        focus = QApplication.focusWidget()
        if isinstance(focus, QAbstractButton) and focus.isEnabled() and focus.isVisible():
            focus.animateClick()
        else:
            self.player.toggle()

    def _change_speed(self, delta: int) -> None:
        slider = self.playback.speed_slider
        slider.setValue(max(1, min(len(SPEEDS_MS), slider.value() + delta)))

    def open_path(self, path: str) -> None:
        """Open a lesson (.py) or a saved session (.json): for now, explain in the window."""
        name = os.path.basename(path)
        if not os.path.isfile(path):
            self.session.report(f"Cannot open {name}: no such file")
        elif path.endswith(".json"):
            self.session.report(f"Opening sessions in the window is not ready yet; "
                                f"`python main.py check {name}` validates {name}.")
        elif path.endswith(".py"):
            self.session.report(f"Opening lessons in the window is not ready yet; "
                                f"`python main.py run {name}` shows what {name} prints.")
        else:
            self.session.report(f"Cannot open {name}: expected a lesson (.py) or a "
                                f"session (.json)")

    def _on_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a lesson or a session", "",
                                              "Lessons and sessions (*.py *.json)")
        if path:
            self.open_path(path)

    def _first_draw(self) -> None:
        for key, splitter in (("window/mainSplitter", self.main_splitter),
                              ("window/sideSplitter", self.side_splitter)):
            sizes = self._splitter_sizes.get(key)
            if sizes:  # proportions are kept when the window is smaller than last time
                splitter.setSizes(sizes)
        self.inputs.commit()
        self.session.forward()
        self._first_draw_done = True
        callbacks, self._after_first_draw = self._after_first_draw, []
        for callback in callbacks:
            callback()

    def after_first_draw(self, callback) -> None:
        """Run ``callback`` once the first graph is drawn (at once if it is)."""
        if self._first_draw_done:
            callback()
        else:
            self._after_first_draw.append(callback)

    # ---- view options -----------------------------------------------------------------------

    def set_theme(self, theme: str) -> None:
        self.theme = apply_theme(QApplication.instance(), theme)
        self.dark_action.setChecked(self.theme == "dark")
        self.graph_view.set_theme(self.theme, self._graph_font())

    def _on_dark_toggled(self, checked: bool) -> None:
        self.set_theme("dark" if checked else "light")

    def scale_font(self, direction: int) -> None:
        """+1 bigger, -1 smaller, 0 back to normal (Ctrl+plus / Ctrl+minus / Ctrl+0)."""
        size = self._base_font if direction == 0 else self.font_size + direction
        self.font_size = set_font_size(QApplication.instance(), size)
        self.graph_view.set_theme(self.theme, self._graph_font())

    def _graph_font(self) -> float:
        return GRAPH_FONT * self.font_size / self._base_font

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
        self.theme = apply_theme(QApplication.instance(),
                                 theme if isinstance(theme, str) else "light")
        self.dark_action.setChecked(self.theme == "dark")
        self.graph_view.theme = self.theme
        self.graph_view.font_size = self._graph_font()

    def save_settings(self) -> None:
        settings = self.settings
        self.inputs.commit()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/mainSplitter", json.dumps(self.main_splitter.sizes()))
        settings.setValue("window/sideSplitter", json.dumps(self.side_splitter.sizes()))
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
        self.player.pause()
        self.save_settings()
        super().closeEvent(event)


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
