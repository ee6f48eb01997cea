"""The application's palettes and text size.

``apply_theme(app, "dark")`` sets Qt's Fusion style, the palette of that name
(``light``, ``dark``, ``high_contrast`` or ``colorblind``: ``gui.picture.palette.PALETTES``;
its Qt palette is ``qt_palette(palette)``) and the small style sheet of its light or dark base from
``resources/style/<base>.qss``; ``set_font_size(app, 14)`` scales every widget's text
for a projector.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette

from gui.picture.palette import PALETTES, Palette, palette_for
from gui.resources import STYLE_DIR

__all__ = ["THEMES", "apply_theme", "qt_palette", "set_font_size", "MIN_FONT_SIZE",
           "MAX_FONT_SIZE", "STYLE_DIR"]

THEMES = tuple(PALETTES)
MIN_FONT_SIZE = 7
MAX_FONT_SIZE = 32

# Fusion draws frames a shade darker than the window: on high contrast's black, nothing.
# White frames, a tick on white for a ticked check box, yellow for the keyboard focus.
HIGH_CONTRAST_SHEET = """
QLineEdit, QPlainTextEdit, QTextBrowser, QTableWidget, QComboBox, QSpinBox,
QDoubleSpinBox { border: 1px solid #ffffff; }
QLineEdit:focus, QPlainTextEdit:focus, QTextBrowser:focus, QComboBox:focus,
QSpinBox:focus, QDoubleSpinBox:focus { border: 2px solid #ffff00; }
QPushButton { border: 2px solid #ffffff; border-radius: 3px; padding: 3px 12px; }
QPushButton:focus { border-color: #ffff00; }
QPushButton:pressed { background: #333333; }
QPushButton:disabled { border-color: #808080; color: #a0a0a0; }
QCheckBox::indicator { width: 13px; height: 13px; border: 2px solid #ffffff; background: #000000; }
QCheckBox::indicator:checked { background: #ffffff; border: 2px solid #ffffff;
                               image: url(%(check)s); }
QCheckBox:focus { color: #ffff00; }
QTabBar::tab { border: 1px solid #ffffff; padding: 3px 10px; }
QTabBar::tab:selected { border: 2px solid #ffff00; font-weight: bold; }
QSplitter::handle { background: #808080; }
"""


def _high_contrast_sheet() -> str:
    return HIGH_CONTRAST_SHEET % {"check": (STYLE_DIR / "check-on-white.svg").as_posix()}


def qt_palette(palette: Palette) -> QPalette:
    """The Qt palette of the window, derived from a ``gui.picture.palette.Palette``."""
    colours = QPalette()
    graph = palette.graph
    roles = {
        QPalette.Window: palette.window, QPalette.WindowText: palette.window_text,
        QPalette.Base: palette.base, QPalette.AlternateBase: palette.alternate_base,
        QPalette.Text: palette.text, QPalette.Button: palette.button,
        QPalette.ButtonText: palette.button_text, QPalette.Highlight: palette.highlight,
        QPalette.HighlightedText: palette.highlighted_text, QPalette.Link: palette.link,
        QPalette.ToolTipBase: palette.base, QPalette.ToolTipText: palette.text,
        QPalette.PlaceholderText: graph.muted, QPalette.BrightText: palette.error,
    }
    for role, colour in roles.items():
        colours.setColor(QPalette.All, role, QColor(colour))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        colours.setColor(QPalette.Disabled, role, QColor(palette.disabled_text))
    return colours


def _style_sheet(theme: str) -> str:
    try:
        return (STYLE_DIR / f"{theme}.qss").read_text(encoding="utf-8")
    except OSError:
        return ""


def apply_theme(app, theme: str) -> str:
    """Use ``theme`` (one of ``THEMES``; anything else means light); returns it."""
    from gui.window.presenter import apply_palette

    theme = theme if theme in THEMES else "light"
    palette = palette_for(theme)
    base = "dark" if palette.is_dark else "light"
    # With a style sheet, Qt stops handing font and palette changes down to child widgets:
    # Ctrl+plus would then only grow the top-level window's own text.
    app.setAttribute(Qt.AA_UseStyleSheetPropagationInWidgetStyles, True)
    app.setStyle("Fusion")
    app.setStyleSheet(_style_sheet(base) + (_high_contrast_sheet() if theme == "high_contrast"
                                             else ""))
    apply_palette(palette, app)
    return theme


def set_font_size(app, points: float) -> float:
    """Set the application's text size (clamped to 7..32 points); returns it."""
    points = float(max(MIN_FONT_SIZE, min(MAX_FONT_SIZE, points)))
    font = app.font()
    font.setPointSizeF(points)
    app.setFont(font)
    return points
