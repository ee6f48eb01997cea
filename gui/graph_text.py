"""Text as vector paths measured in points, for drawing many labels fast (Qt-free).

Drawing a matplotlib ``Text`` costs 1-3 ms here, a glyph path a few microseconds, so
the graph draws its labels as ``Path``s inside one collection. Paths never go through
mathtext: a ``$`` in user text is drawn as a dollar sign.

>>> path, width, height = text_path("MulBackward0", 9.0)
>>> round(height, 1), width > 40
(11.2, True)
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.patches import BoxStyle
from matplotlib.path import Path
from matplotlib.textpath import TextPath

__all__ = ["text_path", "box_path", "shifted", "LINE_SPACING", "MONO", "SANS"]

LINE_SPACING = 1.25
SANS = "sans-serif"
MONO = "monospace"
_EMPTY = Path(np.zeros((1, 2)), [Path.MOVETO])


@lru_cache(maxsize=8192)
def text_path(text: str, size: float, family: str = SANS, align: str = "center") -> tuple:
    """``(path, width, height)``: the lines of ``text`` centred on (0, 0), in points.

    ``align`` ("center" or "left") places each line within the block.
    """
    lines = text.split("\n")
    prop = FontProperties(family=family, size=size)
    line_height = size * LINE_SPACING
    parts, widths = [], []
    with warnings.catch_warnings():  # a glyph missing from the font is drawn as a box
        warnings.simplefilter("ignore")
        for line in lines:
            glyphs = TextPath((0, 0), line.replace("$", r"\$"), prop=prop) if line else _EMPTY
            parts.append(glyphs)
            widths.append(_advance(glyphs, line, size))
    width = max(widths) if widths else 0.0
    height = line_height * len(lines)
    placed = []
    for number, (glyphs, line_width) in enumerate(zip(parts, widths)):
        if not len(glyphs.vertices):
            continue
        x = -line_width / 2 if align == "center" else -width / 2
        baseline = height / 2 - (number + 1) * line_height + 0.28 * size
        placed.append(shifted(glyphs, x, baseline))
    path = Path.make_compound_path(*placed) if placed else _EMPTY
    return path, width, height


def _advance(glyphs: Path, line: str, size: float) -> float:
    if not line.strip():
        return 0.3 * size * len(line)
    extents = glyphs.get_extents()
    return float(extents.x1) if np.isfinite(extents.x1) else 0.0


def shifted(path: Path, dx: float, dy: float) -> Path:
    """A copy of ``path`` moved by (dx, dy)."""
    if not len(path.vertices):
        return path
    return Path(path.vertices + (dx, dy), path.codes)


@lru_cache(maxsize=4096)
def box_path(width: float, height: float, pad: float = 4.0, rounding: float = 4.0) -> Path:
    """A rounded rectangle of ``width`` x ``height`` plus ``pad`` on each side, centred."""
    full_width, full_height = width + 2 * pad, height + 2 * pad
    style = BoxStyle.Round(pad=0.0, rounding_size=min(rounding, full_height / 2))
    return style(-full_width / 2, -full_height / 2, full_width, full_height, 1.0)
