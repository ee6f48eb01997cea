"""Presenter mode: palettes, full screen, large fonts and a key-help overlay.

The four palettes (``light``, ``dark``, ``high_contrast``, ``colorblind``) are
``gui.picture.palette.PALETTES`` (Qt-free: the window and the graph in one type);
``apply_palette`` colours the application with one.

>>> PALETTES["colorblind"].graph.leaf_edge          # Okabe-Ito blue
'#0072B2'

The window typically builds one ``PresenterControls(window)`` and puts its actions in
a View menu: F11 full screen, F1 key help, Ctrl++ / Ctrl+- / Ctrl+0 font size, and
the four palettes; ``palette_changed`` tells it to redraw the graph with
``to_graph_style(palette)``.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QColor,
    QFont,
    QFontMetrics,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QFrame,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from gui.picture.palette import PALETTES, Palette, palette_for
from gui.picture.style import GraphStyle
from gui.window.theme import qt_palette

__all__ = ["Palette", "PALETTES", "palette_for", "active_palette", "apply_palette",
           "to_graph_style", "toggle_full_screen", "FontScaler", "KeyHelpOverlay",
           "collect_shortcuts", "PresenterControls", "FONT_STEPS", "monospace_font"]

_active = {"palette": PALETTES["light"]}


def active_palette() -> Palette:
    """The palette last given to ``apply_palette`` (``light`` before that)."""
    return _active["palette"]


def apply_palette(palette: Palette | str, app: QApplication | None = None) -> Palette:
    """Colour the whole application with ``palette`` (a Palette or its name).

    Widgets get a ``QEvent.PaletteChange``; the lesson, explanation and check panels
    re-render themselves on it. Returns the palette applied.
    """
    if isinstance(palette, str):
        palette = palette_for(palette)
    app = app or QApplication.instance()
    _active["palette"] = palette
    if app is None:
        return palette
    app.setPalette(qt_palette(palette))
    return palette


def to_graph_style(palette: Palette | str) -> GraphStyle:
    """The graph style a palette holds (``palette.graph``)."""
    return palette_for(palette).graph


def monospace_font(base: QFont) -> QFont:
    """A fixed-width font of ``base``'s size (for code and tensor output)."""
    font = QFont(base)
    font.setFamilies(["DejaVu Sans Mono", "Menlo", "Consolas", "monospace"])
    font.setStyleHint(QFont.TypeWriter)
    font.setFixedPitch(True)
    return font


# ----- full screen ------------------------------------------------------------------------

def toggle_full_screen(window: QWidget) -> bool:
    """F11: full screen on, or back to the window's previous state; returns True when on."""
    if window.isFullScreen():
        if window.property("presenterWasMaximized"):
            window.showMaximized()
        else:
            window.showNormal()
        return False
    window.setProperty("presenterWasMaximized", window.isMaximized())
    window.showFullScreen()
    return True


# ----- font size --------------------------------------------------------------------------

FONT_STEPS = (0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0, 2.5, 3.0)


class FontScaler(QObject):
    """The application's font size as a factor of the size it started with.

    >>> # scaler = FontScaler(app); scaler.bigger(); scaler.factor -> 1.15
    """

    changed = Signal(float)

    def __init__(self, app: QApplication | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._app = app or QApplication.instance()
        self._base = QFont(self._app.font())
        self._factor = 1.0

    @property
    def factor(self) -> float:
        return self._factor

    def set_factor(self, factor: float) -> None:
        factor = min(max(float(factor), FONT_STEPS[0]), FONT_STEPS[-1])
        if factor == self._factor:
            return
        self._factor = factor
        font = QFont(self._base)
        size = self._base.pointSizeF()
        if size > 0:
            font.setPointSizeF(size * factor)
        else:
            font.setPixelSize(max(1, round(self._base.pixelSize() * factor)))
        self._app.setFont(font)
        self.changed.emit(factor)

    def bigger(self) -> float:
        self.set_factor(next((s for s in FONT_STEPS if s > self._factor + 1e-9), FONT_STEPS[-1]))
        return self._factor

    def smaller(self) -> float:
        below = [s for s in FONT_STEPS if s < self._factor - 1e-9]
        self.set_factor(below[-1] if below else FONT_STEPS[0])
        return self._factor

    def reset(self) -> float:
        self.set_factor(1.0)
        return self._factor


# ----- key help -----------------------------------------------------------------------------

def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").replace("...", "").strip()


def collect_shortcuts(root: QWidget) -> list[tuple[str, str]]:
    """(keys, what) for every shortcut under ``root``: actions, QShortcuts and buttons.

    Keys read as Qt writes them for this platform (``Shift+Return``, ``F11``).
    """
    rows: dict[str, str] = {}

    def add(sequences, what):
        keys = ", ".join(s.toString(QKeySequence.NativeText) for s in sequences if not s.isEmpty())
        if keys and what and keys not in rows:
            rows[keys] = what

    for action in root.findChildren(QAction) + list(root.actions()):
        add(action.shortcuts(), _plain(action.toolTip() or action.text()))
    for shortcut in root.findChildren(QShortcut):
        add([shortcut.key()], shortcut.whatsThis() or _plain(shortcut.objectName()))
    for button in root.findChildren(QAbstractButton):
        add([button.shortcut()], _plain(button.text()) or _plain(button.toolTip()))
    return sorted(rows.items(), key=lambda row: _key_order(row[0]))


# The key help lists the keys of the animation first, in the order a teacher uses them,
# then the other single keys, then each family of modified keys together.
_ANIMATION_KEYS = ("Space", "Right", "Left", "Home", "End", "[", "]")
_MODIFIER_ORDER = ((), ("Shift",), ("Ctrl",), ("Ctrl", "Shift"), ("Alt",))


def _key_order(keys: str) -> tuple:
    """Where ``keys`` (``"Ctrl+Shift+S"``, ``"Space"``) goes in the key help."""
    first = keys.split(", ")[0]
    modifiers = []
    rest = first
    for name in ("Ctrl", "Shift", "Alt", "Meta"):
        if rest.startswith(name + "+") and len(rest) > len(name) + 1:
            modifiers.append(name)
            rest = rest[len(name) + 1:]
    family = tuple(modifiers)
    rank = _MODIFIER_ORDER.index(family) if family in _MODIFIER_ORDER else len(_MODIFIER_ORDER)
    animation = _ANIMATION_KEYS.index(rest) if not family and rest in _ANIMATION_KEYS else 99
    return rank, animation, len(rest) > 3, rest


class KeyHelpOverlay(QWidget):
    """A non-modal sheet over its parent listing every shortcut; F1 or Esc hides it.

    ``show_over(window)`` collects the shortcuts of ``window`` (plus ``extra``
    rows) each time it opens, so it never goes stale. Clicking it hides it too.
    """

    def __init__(self, parent: QWidget, extra: list[tuple[str, str]] | None = None):
        super().__init__(parent)
        self.setObjectName("keyHelpOverlay")
        self.setAttribute(Qt.WA_StyledBackground, True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setAccessibleName("Keyboard shortcuts")
        self.extra = list(extra or [])
        self._previous_focus = None
        self._card = QFrame(self)
        self._card.setObjectName("keyHelpCard")
        self._title = QLabel("Keyboard shortcuts  (F1 or Esc closes)")
        title_font = QFont(self.font())
        title_font.setBold(True)
        self._title.setFont(title_font)
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(24)
        card_layout = QVBoxLayout(self._card)
        card_layout.addWidget(self._title)
        card_layout.addLayout(self._grid)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self._card, 0, Qt.AlignHCenter)
        layout.addStretch(1)
        self.rows: list[tuple[str, str]] = []
        self._restyle()
        parent.installEventFilter(self)
        self.hide()

    def set_rows(self, rows: list[tuple[str, str]]) -> None:
        """Show these (keys, what) rows."""
        while self._grid.count():
            item = self._grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.rows = list(rows)
        bold = QFont(self.font())
        bold.setBold(True)
        per_column = self._rows_per_column()  # more rows than fit: side by side
        for index, (keys, what) in enumerate(self.rows):
            column, row = divmod(index, per_column)
            key_label = QLabel(keys)
            key_label.setFont(bold)
            key_label.setTextFormat(Qt.PlainText)
            what_label = QLabel(what)
            what_label.setTextFormat(Qt.PlainText)
            self._grid.addWidget(key_label, row, 2 * column, Qt.AlignRight)
            self._grid.addWidget(what_label, row, 2 * column + 1, Qt.AlignLeft)

    def _rows_per_column(self) -> int:
        parent = self.parentWidget()
        height = parent.height() if parent is not None else 600
        line = QFontMetrics(self.font()).height() + 6
        return max(6, int((height - 140) // line))

    def text(self) -> str:
        """The rows as plain text, one ``keys: what`` per line."""
        return "\n".join(f"{keys}: {what}" for keys, what in self.rows)

    def show_over(self, window: QWidget | None = None) -> None:
        window = window or self.parentWidget()
        rows = collect_shortcuts(window)
        known = {keys for keys, _ in rows}
        self.set_rows(rows + [row for row in self.extra if row[0] not in known])
        self.setGeometry(self.parentWidget().rect())
        self._previous_focus = QApplication.focusWidget()
        self.show()
        self.raise_()
        self.setFocus(Qt.OtherFocusReason)

    def toggle(self) -> bool:
        """Show or hide; returns True when it is now shown."""
        if self.isVisible():
            self.hide()
            return False
        self.show_over()
        return True

    def hideEvent(self, event):  # noqa: N802 - Qt's name
        previous, self._previous_focus = self._previous_focus, None
        if previous is not None:
            try:
                previous.setFocus(Qt.OtherFocusReason)
            except RuntimeError:  # deleted meanwhile
                pass
        super().hideEvent(event)

    def keyPressEvent(self, event):  # noqa: N802
        if event.key() in (Qt.Key_Escape, Qt.Key_F1):
            self.hide()
            event.accept()
            return
        super().keyPressEvent(event)

    def mousePressEvent(self, event):  # noqa: N802
        self.hide()
        event.accept()

    def eventFilter(self, watched, event):  # noqa: N802
        if watched is self.parentWidget() and event.type() == QEvent.Resize:
            self.setGeometry(watched.rect())
        return False

    def changeEvent(self, event):  # noqa: N802
        if event.type() in (QEvent.PaletteChange, QEvent.FontChange):
            self._restyle()
        super().changeEvent(event)

    def _restyle(self) -> None:
        palette = active_palette()
        shade = QColor(palette.window)
        shade.setAlpha(200)
        rgba = f"rgba({shade.red()}, {shade.green()}, {shade.blue()}, {shade.alpha()})"
        style = (f"#keyHelpOverlay {{ background-color: {rgba}; }}"
                 f"#keyHelpCard {{ background-color: {palette.base}; color: {palette.text};"
                 f" border: 2px solid {palette.text}; border-radius: 8px; padding: 12px; }}"
                 f"#keyHelpCard QLabel {{ color: {palette.text}; }}")
        if self.styleSheet() != style:
            self.setStyleSheet(style)


# ----- all of it, as actions ------------------------------------------------------------

class PresenterControls(QObject):
    """The presenter actions of one window, added to it so their keys work everywhere.

    ``full_screen_action`` (F11), ``key_help_action`` (F1), ``bigger_font_action``
    (Ctrl++, Ctrl+=), ``smaller_font_action`` (Ctrl+-), ``reset_font_action``
    (Ctrl+0; none of the three with ``fonts=False``) and ``palette_actions``
    (checkable, one per palette, no keys). Put them in a View menu with ``actions()``
    and ``palette_actions``; connect ``palette_changed(Palette)`` to redraw the graph.
    """

    palette_changed = Signal(object)

    def __init__(self, window: QWidget, app: QApplication | None = None,
                 extra_shortcuts: list[tuple[str, str]] | None = None, *, fonts: bool = True):
        super().__init__(window)
        self.window = window
        self.scaler = FontScaler(app, parent=self)
        self.overlay = KeyHelpOverlay(window, extra_shortcuts)
        self.full_screen_action = self._action("&Presenter mode (full screen)",
                                               [QKeySequence("F11")], self.toggle_presenter)
        self.full_screen_action.setCheckable(True)
        self.key_help_action = self._action("&Keyboard shortcuts", [QKeySequence("F1")],
                                            self.overlay.toggle)
        self.bigger_font_action = self.smaller_font_action = self.reset_font_action = None
        if fonts:  # fonts=False: the window keeps its own text-size actions
            self.bigger_font_action = self._action(
                "&Larger text", [QKeySequence("Ctrl++"), QKeySequence("Ctrl+=")],
                self.scaler.bigger)
            self.smaller_font_action = self._action("&Smaller text", [QKeySequence("Ctrl+-")],
                                                    self.scaler.smaller)
            self.reset_font_action = self._action("&Normal text size",
                                                  [QKeySequence("Ctrl+0")], self.scaler.reset)
        self.palette_group = QActionGroup(self)
        self.palette_actions = []
        for palette in PALETTES.values():
            action = QAction(palette.label, self)
            action.setCheckable(True)
            action.setData(palette.name)
            action.setChecked(palette is active_palette())
            action.triggered.connect(lambda _=False, name=palette.name: self.set_palette(name))
            self.palette_group.addAction(action)
            self.palette_actions.append(action)
        window.installEventFilter(self)

    def _action(self, text, keys, slot) -> QAction:
        action = QAction(text, self.window)
        action.setShortcuts(keys)
        action.setShortcutContext(Qt.WindowShortcut)
        action.setToolTip(_plain(text))
        action.triggered.connect(lambda _=False: slot())
        self.window.addAction(action)
        return action

    def toggle_presenter(self) -> bool:
        """F11: full screen, and the window's presenter mode (``set_presenter_mode``, where
        it has one: the graph enlarged, the fonts a large step up); again to go back."""
        on = toggle_full_screen(self.window)
        if hasattr(self.window, "set_presenter_mode"):
            self.window.set_presenter_mode(on)
        return on

    def actions(self) -> list[QAction]:
        """The presenter actions with keys, for a View menu (no font actions if fonts=False)."""
        return [action for action in (self.full_screen_action, self.key_help_action,
                                      self.bigger_font_action, self.smaller_font_action,
                                      self.reset_font_action) if action is not None]

    def set_palette(self, name: str) -> Palette:
        palette = apply_palette(name)
        for action in self.palette_actions:
            action.setChecked(action.data() == palette.name)
        self.palette_changed.emit(palette)
        return palette

    def eventFilter(self, watched, event):  # noqa: N802
        if watched is self.window and event.type() == QEvent.WindowStateChange:
            self.full_screen_action.setChecked(self.window.isFullScreen())
            if not self.window.isFullScreen() and hasattr(self.window, "set_presenter_mode"):
                self.window.set_presenter_mode(False)  # left full screen some other way
        return False
