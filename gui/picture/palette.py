"""The app's palettes: the window's colours and the graph's style in one type (Qt-free).

A ``Palette`` names the colours of the window (its Qt palette is derived from it in
``gui.window.theme``) and holds the ``GraphStyle`` the graph is drawn with, so the
command line's ``export --theme`` and the window draw the same picture. No colour
carries information alone: the graph style also names a box shape per node kind, a
line style per edge state and a text mark per step state.

>>> PALETTES["colorblind"].graph.leaf_edge          # Okabe-Ito blue
'#0072B2'
>>> PALETTES["high_contrast"].graph.markers["accumulate"], PALETTES["dark"].is_dark
('h', True)
>>> sorted(PALETTES)
['colorblind', 'dark', 'high_contrast', 'light']
"""

from __future__ import annotations

from dataclasses import dataclass

from gui.picture.style import OKABE_ITO, STYLES, GraphStyle

__all__ = ["Palette", "PALETTES", "palette_for", "WINDOW_FIELDS"]

WINDOW_FIELDS = ("window", "window_text", "base", "alternate_base", "text", "button",
                 "button_text", "highlight", "highlighted_text", "link", "error",
                 "current_cell", "disabled_text")


@dataclass(frozen=True)
class Palette:
    """The colours of the window (``WINDOW_FIELDS``) and the ``graph`` style."""

    name: str
    label: str
    window: str
    window_text: str
    base: str
    alternate_base: str
    text: str
    button: str
    button_text: str
    highlight: str
    highlighted_text: str
    link: str
    error: str
    current_cell: str
    disabled_text: str
    graph: GraphStyle

    @property
    def is_dark(self) -> bool:
        """Whether the window is dark (its style sheet is ``resources/style/dark.qss``)."""
        red, green, blue = (int(self.window[i:i + 2], 16) for i in (1, 3, 5))
        return (max(red, green, blue) + min(red, green, blue)) / 2 < 128


PALETTES = {
    "light": Palette(
        name="light", label="Light",
        window="#f6f8fa", window_text="#1f2328", base="#ffffff", alternate_base="#f3f4f6",
        text="#1f2328", button="#eef1f4", button_text="#1f2328", highlight="#2563eb",
        highlighted_text="#ffffff", link="#1d4ed8", error="#b3261e", current_cell="#fff4d6",
        disabled_text="#6b7280", graph=STYLES["light"],
    ),
    "dark": Palette(
        name="dark", label="Dark",
        window="#1b1f24", window_text="#e6edf3", base="#0d1117", alternate_base="#161b22",
        text="#e6edf3", button="#21262d", button_text="#e6edf3", highlight="#388bfd",
        highlighted_text="#ffffff", link="#79c0ff", error="#ff7b72", current_cell="#3a2e05",
        disabled_text="#8b949e", graph=STYLES["dark"],
    ),
    # Black, white and a few saturated colours; thicker lines for a projector.
    "high_contrast": Palette(
        name="high_contrast", label="High contrast",
        window="#000000", window_text="#ffffff", base="#000000", alternate_base="#1a1a1a",
        text="#ffffff", button="#000000", button_text="#ffffff", highlight="#ffff00",
        highlighted_text="#000000", link="#00ffff", error="#ff6060", current_cell="#333300",
        disabled_text="#d0d0d0", graph=STYLES["high_contrast"],
    ),
    # Okabe-Ito on white: the eight colours every colour-vision type tells apart.
    "colorblind": Palette(
        name="colorblind", label="Colour-blind safe (Okabe-Ito)",
        window="#f7f7f7", window_text="#000000", base="#ffffff", alternate_base="#f0f0f0",
        text="#000000", button="#ececec", button_text="#000000",
        highlight=OKABE_ITO["blue"], highlighted_text="#ffffff", link=OKABE_ITO["blue"],
        error=OKABE_ITO["vermillion"], current_cell="#fbf7cf", disabled_text="#595959",
        graph=STYLES["colorblind"],
    ),
}


def palette_for(name) -> Palette:
    """The palette called ``name`` (a Palette is returned as it is); unknown names give
    ``light``."""
    if isinstance(name, Palette):
        return name
    return PALETTES.get(name, PALETTES["light"])
