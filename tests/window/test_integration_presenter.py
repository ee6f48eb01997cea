"""Presenter mode in the window: F11, F1, the four palettes (persisted, never colour alone
in the graph) and not one key sequence that means two things."""

from collections import defaultdict

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QKeySequence, QPalette
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from gui.window.lesson_session import builtin_lessons
from gui.window.presenter import PALETTES

LESSON = builtin_lessons()[0][1]

COLOUR_WORDS = ("orange", "magenta", "grey", "gray", "red", "green", "blue", "purple",
                "yellow", "pink")


@pytest.fixture(autouse=True)
def light_again(qapp):
    yield
    from gui.window.theme import apply_theme

    apply_theme(qapp, "light")


def every_key(window) -> dict:
    """key sequence -> what it triggers, for every shortcut, mnemonic and buddy."""
    keys = defaultdict(set)
    for action in set(window.findChildren(QAction)) | set(window.actions()):
        for sequence in action.shortcuts():
            keys[sequence.toString()].add(("action", id(action)))
    for action in window.menuBar().actions():
        mnemonic = QKeySequence.mnemonic(action.text()).toString()
        if mnemonic:
            keys[mnemonic].add(("menu", action.text()))
    for button in window.findChildren(QAbstractButton):
        if not button.shortcut().isEmpty():
            keys[button.shortcut().toString()].add(("button", id(button)))
    for label in window.findChildren(QLabel):
        mnemonic = QKeySequence.mnemonic(label.text()).toString()
        if label.buddy() is not None and mnemonic:
            keys[mnemonic].add(("buddy", id(label)))
    return keys


def test_no_key_means_two_things(window):
    keys = every_key(window)
    clashes = {key: owners for key, owners in keys.items() if len(owners) > 1}
    assert not clashes
    for key in ("F11", "F1", "Shift+Return", "Shift+Enter", "Ctrl+Shift+Return",
                "Ctrl+Shift+R", "Alt+N", "Alt+L", "Alt+T", "Alt+P", "Ctrl+S", "Ctrl+Shift+S",
                "Ctrl+O", "Ctrl+Shift+G", "Ctrl+Shift+E", "Space", "Right", "Left", "End",
                "Ctrl+Shift+D", "Alt+R", "Alt+A", "Alt+F", "Alt+V", "Alt+U"):
        assert key in keys, key


# Keys a focused text field keeps for itself: Qt's bindings for editing on Linux (X11:
# Ctrl+E end of line, Ctrl+U clear the line, Ctrl+K), Windows (Ctrl+Y redo) and everywhere.
TEXT_FIELD_KEYS = {"Ctrl+A", "Ctrl+C", "Ctrl+E", "Ctrl+K", "Ctrl+U", "Ctrl+V", "Ctrl+X",
                   "Ctrl+Y", "Ctrl+Z", "Ctrl+Shift+Z"}


def test_no_window_key_is_one_a_text_field_keeps(window):
    """A window key the focused x or y field takes over would do nothing there, or worse
    (Ctrl+U clears the field on Linux): none of the window's keys is one of those."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QLineEdit

    field = window.findChild(QLineEdit, "xInput")
    for key in every_key(window):
        assert key not in TEXT_FIELD_KEYS, key
        combination = QKeySequence(key)[0]
        override = QKeyEvent(QEvent.ShortcutOverride, combination.key(),
                             combination.keyboardModifiers())
        override.ignore()
        QApplication.sendEvent(field, override)  # this platform's own bindings
        assert not override.isAccepted() or combination.keyboardModifiers() in (
            Qt.NoModifier, Qt.ShiftModifier, Qt.KeypadModifier), key


def test_the_key_help_starts_with_the_animation_and_groups_modifiers(window):
    import re

    from gui.window.presenter import collect_shortcuts

    keys = [key for key, _ in collect_shortcuts(window)]
    assert keys[:7] == ["Space", "Right", "Left", "Home", "End", "[", "]"]
    families = [re.match(r"(?:(?:Ctrl|Shift|Alt|Meta)\+(?=.))*", key)[0] for key in keys]
    seen = []
    for family in families:  # each family of modifiers in one block
        if not seen or seen[-1] != family:
            assert family not in seen, (family, keys)
            seen.append(family)


def test_f11_full_screen_and_back(qtbot, window):
    window.graph_view.canvas.setFocus()
    qtbot.keyClick(window.graph_view.canvas, Qt.Key_F11)
    qtbot.waitUntil(window.isFullScreen)
    assert window.presenter.full_screen_action.isChecked()
    qtbot.keyClick(window.graph_view.canvas, Qt.Key_F11)
    qtbot.waitUntil(lambda: not window.isFullScreen())


def test_f1_lists_every_key_and_esc_closes_it(qtbot, window):
    window.graph_view.canvas.setFocus()
    qtbot.keyClick(window.graph_view.canvas, Qt.Key_F1)
    overlay = window.presenter.overlay
    assert overlay.isVisible()
    text = overlay.text()
    for key in ("F11", "Shift+Return", "Ctrl+S", "Ctrl+Shift+E", "Space", "Enter"):
        assert f"\n{key}" in "\n" + text, key
    qtbot.keyClick(overlay, Qt.Key_Escape)
    assert not overlay.isVisible()


@pytest.mark.parametrize("name", list(PALETTES))
def test_palettes_from_the_view_menu_persist(qtbot, window, settings, name):
    action = next(a for a in window.presenter.palette_actions if a.data() == name)
    assert action in window.menuBar().actions()[-1].menu().actions()
    window.backward()
    window.player.to_end()
    action.trigger()
    palette = PALETTES[name]
    app = QApplication.instance()
    assert app.palette().color(QPalette.Window) == QColor(palette.window)
    assert window.theme == name and action.isChecked()
    picture = window.graph_view.picture
    assert picture.style.name == name and picture.style.background == palette.graph.background
    window.save_settings()
    from gui.window.main_window import MainWindow

    again = MainWindow(settings=settings)
    again.files.unsaved_answer = "discard"
    qtbot.addWidget(again)
    assert again.theme == name
    assert next(a for a in again.presenter.palette_actions if a.data() == name).isChecked()


def test_a_ticked_box_in_high_contrast_shows_a_tick_not_just_white(window):
    import re
    from pathlib import Path

    window.set_theme("high_contrast")
    sheet = QApplication.instance().styleSheet()
    ticked = re.search(r"QCheckBox::indicator:checked \{[^}]*image: url\(([^)]+)\)", sheet)
    assert ticked and Path(ticked[1]).is_file()
    assert "<path" in Path(ticked[1]).read_text()


def test_ctrl_shift_d_toggles_light_and_dark(qtbot, window):
    window.set_theme("colorblind")
    window.graph_view.canvas.setFocus()
    qtbot.keyClick(window.graph_view.canvas, Qt.Key_D, Qt.ControlModifier | Qt.ShiftModifier)
    assert window.theme == "dark"
    qtbot.keyClick(window.graph_view.canvas, Qt.Key_D, Qt.ControlModifier | Qt.ShiftModifier)
    assert window.theme == "light"


@pytest.mark.parametrize("name", ["colorblind", "high_contrast"])
def test_the_graph_never_says_it_in_colour_alone(window, name):
    window.set_theme(name)
    window.backward()
    session = window.session
    session.set_step(1)
    picture = window.graph_view.picture
    legend = picture.legend_text()
    assert not any(word in legend.lower() for word in COLOUR_WORDS)
    style = picture.style
    for mark in (style.mark("current"), style.mark("visited"), style.mark("freed")):
        assert mark and mark in legend
    # every node kind has its own box shape
    shapes = {}
    for key in picture.keys:
        data = session.graph.nodes[key]
        path, (half_x, half_y) = picture.scene.box_path[key], picture.scene.half[key]
        corner = path.contains_point((half_x - 0.5, half_y - 0.5))
        shapes.setdefault((data.get("kind"), data.get("role")), set()).add(
            (len(path.vertices), corner))
    assert len({frozenset(v) for v in shapes.values()}) == len(shapes) == 4
    # a badge (a circle and its mark) beside each node that ran and the running one
    marks = picture.overlay_artists[3]
    assert len(marks.get_paths()) >= 2 * 2 + 1
    # this step's gradient edges are dashed, not only coloured
    flow = picture.overlay_artists[1]
    assert len(flow.get_paths()) >= 1 and flow.get_linestyle()[0][1] is not None


def test_bigger_text_reaches_every_panel(qtbot, window):
    """Ctrl+plus grows the text of the lesson, the history, the fields and the explanation
    (a style sheet stops Qt handing fonts down unless told), in every palette."""
    window.open_path(str(LESSON))
    views = {"cells": window.lessons.cells_view, "history": window.history,
             "x": window.inputs.x_input, "explain": window.explain.lines_view,
             "inspector": window.inspector.text}
    before = {name: view.fontMetrics().height() for name, view in views.items()}
    window.set_theme("high_contrast")
    window.graph_view.canvas.setFocus()
    for _ in range(4):
        qtbot.keyClick(window.graph_view.canvas, Qt.Key_Plus, Qt.ControlModifier)
    qtbot.waitUntil(lambda: all(view.fontMetrics().height() > before[name] * 1.25
                                for name, view in views.items()))
    window.scale_font(0)
    qtbot.waitUntil(lambda: all(view.fontMetrics().height() == before[name]
                                for name, view in views.items()))
