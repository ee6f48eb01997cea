"""Presenter mode: palettes that never rely on colour alone, full screen, fonts, key help."""

import dataclasses
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from gui.picture.style import OKABE_ITO
from gui.window import presenter
from gui.window.lesson_session import LessonSession
from gui.window.panels.lessons_panel import LessonsPanel
from gui.window.presenter import (
    PALETTES,
    FontScaler,
    KeyHelpOverlay,
    PresenterControls,
    apply_palette,
    collect_shortcuts,
    palette_for,
    toggle_full_screen,
)

LESSON = Path(__file__).resolve().parents[2] / "resources" / "lessons" / "02_chain_rule.py"
COLOUR_FIELDS = [f.name for f in dataclasses.fields(presenter.Palette)
                 if f.type == "str" and f.name not in ("name", "label")]
GRAPH_COLOURS = [f.name for f in dataclasses.fields(presenter.GraphStyle) if f.type == "str"
                 and f.name != "name"]


@pytest.fixture(autouse=True)
def restore_application(qapp):
    """Palettes and fonts are application-wide: put them back after each test."""
    palette, font = QPalette(qapp.palette()), QFont(qapp.font())
    yield
    apply_palette("light")
    qapp.setPalette(palette)
    qapp.setFont(font)


def luminance(colour: str) -> float:
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
    red, green, blue = (channel(c) for c in QColor(colour).getRgb()[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# ----- palettes ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(PALETTES))
def test_every_colour_is_a_colour(name):
    palette = PALETTES[name]
    assert palette.name == name
    for field in COLOUR_FIELDS:
        assert QColor(getattr(palette, field)).isValid(), field
    for field in GRAPH_COLOURS:
        assert QColor(getattr(palette.graph, field)).isValid(), field


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_no_information_in_colour_alone(name):
    palette = PALETTES[name].graph
    kinds = ("leaf", "output", "function", "accumulate")
    assert len({palette.markers[kind] for kind in kinds}) == len(kinds)
    states = ("edge", "gradient", "freed")
    assert len({palette.line_styles[state] for state in states}) == len(states)
    marks = ("current", "visited", "failed", "freed")
    assert len({palette.marks[mark] for mark in marks}) == len(marks)
    assert palette.current_line_width > palette.line_width


@pytest.mark.parametrize("name", sorted(PALETTES))
def test_text_is_readable(name):
    palette = PALETTES[name]
    assert contrast(palette.text, palette.base) >= 7
    assert contrast(palette.window_text, palette.window) >= 7
    assert contrast(palette.graph.foreground, palette.graph.background) >= 7
    assert contrast(palette.error, palette.base) >= 3
    assert contrast(palette.text, palette.current_cell) >= 4.5


def test_high_contrast_is_black_and_white_with_thick_lines():
    palette = PALETTES["high_contrast"]
    assert contrast(palette.text, palette.base) == pytest.approx(21)
    assert palette.graph.line_width >= 2 and palette.graph.current_line_width >= 4


def test_colorblind_palette_speaks_okabe_ito():
    palette = PALETTES["colorblind"]
    graph = palette.graph
    semantic = [graph.leaf_edge, graph.output_edge, graph.gradient, graph.current,
                graph.visited, graph.failed, graph.selected, palette.error]
    assert set(semantic) <= set(OKABE_ITO.values())
    # the states a step can be in are different Okabe-Ito colours
    assert len({graph.current, graph.visited, graph.failed}) == 3


def test_unknown_palette_names_give_light():
    assert palette_for("no such palette") is PALETTES["light"]


def test_the_graph_style_is_the_one_the_palette_holds():
    from gui.picture.style import STYLES

    for name, palette in PALETTES.items():
        assert presenter.to_graph_style(palette) is palette.graph is STYLES[name]


def test_the_qt_palette_is_derived_from_the_palette():
    from gui.window.theme import qt_palette

    for palette in PALETTES.values():
        colours = qt_palette(palette)
        assert colours.color(QPalette.Window) == QColor(palette.window)
        assert colours.color(QPalette.Base) == QColor(palette.base)
        assert colours.color(QPalette.PlaceholderText) == QColor(palette.graph.muted)
        assert (colours.color(QPalette.Disabled, QPalette.Text)
                == QColor(palette.disabled_text))


def test_apply_palette_colours_the_application_and_the_panels(qtbot, qapp):
    session = LessonSession(watch=False)
    panel = LessonsPanel(session)
    qtbot.addWidget(panel)
    panel.show()
    session.open(LESSON)
    session.run_next()
    qtbot.waitUntil(lambda: "#ffffff" not in panel.cells_view.toHtml().lower())
    apply_palette("high_contrast")
    assert qapp.palette().color(QPalette.Window) == QColor("#000000")
    assert qapp.palette().color(QPalette.Text) == QColor("#ffffff")
    assert presenter.active_palette() is PALETTES["high_contrast"]
    qtbot.waitUntil(lambda: "#ffffff" in panel.cells_view.toHtml().lower())
    apply_palette("colorblind")
    assert qapp.palette().color(QPalette.Highlight) == QColor(OKABE_ITO["blue"])


# ----- full screen, fonts ------------------------------------------------------------------

def test_f11_toggles_full_screen_and_back_to_maximized(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    window.showMaximized()
    assert toggle_full_screen(window) is True
    assert window.isFullScreen()
    assert toggle_full_screen(window) is False
    assert not window.isFullScreen() and window.isMaximized()


def test_font_scaler_steps_up_down_and_back(qtbot, qapp):
    base = qapp.font().pointSizeF()
    scaler = FontScaler(qapp)
    changes = []
    scaler.changed.connect(changes.append)
    assert scaler.bigger() == 1.15
    assert qapp.font().pointSizeF() == pytest.approx(base * 1.15)
    label = QLineEdit()
    qtbot.addWidget(label)
    qtbot.waitUntil(lambda: label.font().pointSizeF() == pytest.approx(base * 1.15))
    for _ in range(20):
        scaler.bigger()
    assert scaler.factor == presenter.FONT_STEPS[-1]
    assert scaler.reset() == 1.0
    assert qapp.font().pointSizeF() == pytest.approx(base)
    for _ in range(20):
        scaler.smaller()
    assert scaler.factor == presenter.FONT_STEPS[0]
    assert changes[0] == 1.15 and changes[-1] == presenter.FONT_STEPS[0]


def test_a_bigger_font_makes_the_lesson_text_bigger(qtbot, qapp):
    session = LessonSession(watch=False)
    panel = LessonsPanel(session)
    qtbot.addWidget(panel)
    before = panel.cells_view.fontMetrics().height()
    FontScaler(qapp).set_factor(2.0)  # fonts reach the widgets through posted events
    qtbot.waitUntil(lambda: panel.cells_view.fontMetrics().height() > before * 1.5)


# ----- key help and the presenter actions --------------------------------------------------

def make_window(qtbot):
    window = QMainWindow()
    central = QWidget()
    layout = QVBoxLayout(central)
    field = QLineEdit()
    layout.addWidget(field)
    session = LessonSession(watch=False)
    layout.addWidget(LessonsPanel(session))
    window.setCentralWidget(central)
    controls = PresenterControls(window, extra_shortcuts=[("Space", "play / pause")])
    qtbot.addWidget(window)
    window.resize(900, 700)
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window, controls, field


def test_collect_shortcuts_lists_every_key(qtbot):
    window, controls, _ = make_window(qtbot)
    rows = dict(collect_shortcuts(window))
    for keys in ("F11", "F1", "Ctrl++, Ctrl+=", "Ctrl+-", "Ctrl+0", "Shift+Return, Shift+Enter",
                 "Ctrl+Shift+Return, Ctrl+Shift+Enter", "Ctrl+Shift+R"):
        assert keys in rows, (keys, rows)
    assert rows["F11"] == "Presenter mode (full screen)"
    assert rows["Shift+Return, Shift+Enter"] == "Run the next cell"


def test_f1_shows_the_key_help_and_esc_gives_the_focus_back(qtbot):
    window, controls, field = make_window(qtbot)
    field.setFocus()
    qtbot.keyClick(field, Qt.Key_F1)
    overlay = controls.overlay
    assert overlay.isVisible()
    assert overlay.geometry() == window.rect()
    text = overlay.text()
    assert "F11: Presenter mode (full screen)" in text and "Space: play / pause" in text
    assert "Shift+Return, Shift+Enter: Run the next cell" in text
    qtbot.keyClick(overlay, Qt.Key_Escape)
    assert not overlay.isVisible()
    assert field.hasFocus()


def test_the_overlay_follows_the_window_size(qtbot):
    window, controls, _ = make_window(qtbot)
    controls.overlay.show_over()
    window.resize(640, 480)
    qtbot.waitUntil(lambda: controls.overlay.geometry() == window.rect())


def test_the_overlay_is_not_modal(qtbot):
    window, controls, field = make_window(qtbot)
    controls.overlay.show_over()
    assert not controls.overlay.isModal()
    assert QApplication.activeModalWidget() is None


def test_presenter_keys_work_from_any_widget(qtbot, qapp):
    window, controls, field = make_window(qtbot)
    field.setFocus()
    qtbot.keyClick(field, Qt.Key_F11)
    assert window.isFullScreen()
    assert controls.full_screen_action.isChecked()
    qtbot.keyClick(field, Qt.Key_F11)
    assert not window.isFullScreen()
    base = qapp.font().pointSizeF()
    qtbot.keyClick(field, Qt.Key_Equal, Qt.ControlModifier)
    assert qapp.font().pointSizeF() > base
    qtbot.keyClick(field, Qt.Key_0, Qt.ControlModifier)
    assert qapp.font().pointSizeF() == pytest.approx(base)


def test_choosing_a_palette_tells_the_window(qtbot, qapp):
    window, controls, _ = make_window(qtbot)
    chosen = []
    controls.palette_changed.connect(chosen.append)
    action = next(a for a in controls.palette_actions if a.data() == "colorblind")
    action.trigger()
    assert chosen == [PALETTES["colorblind"]]
    assert action.isChecked()
    assert sum(a.isChecked() for a in controls.palette_actions) == 1


def test_without_font_actions_the_window_keeps_its_own_keys(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    controls = PresenterControls(window, fonts=False)
    assert controls.bigger_font_action is None
    assert [a.shortcut().toString() for a in controls.actions()] == ["F11", "F1"]
    assert "Ctrl+0" not in dict(collect_shortcuts(window))


def test_an_overlay_with_no_shortcuts_still_opens(qtbot):
    parent = QWidget()
    qtbot.addWidget(parent)
    overlay = KeyHelpOverlay(parent)
    parent.show()
    assert overlay.toggle() is True and overlay.rows == []
    assert overlay.toggle() is False


@pytest.mark.parametrize("name", ["gui.window.presenter", "gui.model.torch_check",
                                  "engine.explain"])
def test_docstring_examples(name):
    import doctest
    import importlib

    failures, attempted = doctest.testmod(importlib.import_module(name))
    assert attempted and not failures
