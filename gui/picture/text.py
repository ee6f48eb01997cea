"""Text as vector paths measured in points, for drawing many labels fast (Qt-free).

Drawing a matplotlib ``Text`` costs 1-3 ms here, a glyph path a few microseconds, so
the graph draws its labels as ``Path``s inside one collection. Each glyph's outline
is made once (by ``TextPath``, at a reference size) and reused for every label and
size; a line is its glyphs placed one advance apart. Paths never go through
mathtext: a ``$`` in user text is drawn as a dollar sign.

>>> path, width, height = text_path("MulBackward0", 9.0)
>>> round(height, 2), 60 < width < 75
(11.25, True)
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.ft2font import LoadFlags
from matplotlib.patches import BoxStyle
from matplotlib.path import Path
from matplotlib.textpath import TextPath

__all__ = ["text_path", "stacked", "box_path", "shifted", "LINE_SPACING", "MONO", "SANS"]

LINE_SPACING = 1.25
SANS = "sans-serif"
MONO = "monospace"
REFERENCE_SIZE = 100.0
_EMPTY = Path(np.zeros((1, 2)), [Path.MOVETO])


@lru_cache(maxsize=2048)
def _glyph(character: str, family: str) -> tuple:
    """(vertices, codes, advance) of one character at the reference size."""
    prop = FontProperties(family=family, size=REFERENCE_SIZE)
    font = get_font(findfont(prop))
    font.set_size(REFERENCE_SIZE, 72)
    vertices, codes = np.zeros((0, 2)), np.zeros(0, dtype=Path.code_type)
    if not character.isspace():
        with warnings.catch_warnings():  # a glyph missing from every font is drawn as a box
            warnings.simplefilter("ignore")
            outline = TextPath((0, 0), character.replace("$", r"\$"), prop=prop)
        if len(outline.vertices):
            vertices, codes = outline.vertices, outline.codes
    if font.get_char_index(ord(character)):
        glyph = font.load_char(ord(character), flags=LoadFlags.NO_HINTING)
        advance = glyph.linearHoriAdvance / 65536
    else:  # drawn from a fallback font: advance by its ink
        ink = float(vertices[:, 0].max()) if len(vertices) else 0.0
        advance = max(ink, 0.3 * REFERENCE_SIZE) + 0.08 * REFERENCE_SIZE
    return vertices, codes, advance


@lru_cache(maxsize=8192)
def _line(line: str, family: str) -> tuple:
    """(vertices, codes, width) of one line at the reference size, starting at x = 0."""
    parts, part_codes, x = [], [], 0.0
    for character in line:
        vertices, codes, advance = _glyph(character, family)
        if len(vertices):
            parts.append(vertices + (x, 0.0))
            part_codes.append(codes)
        x += advance
    if not parts:
        return np.zeros((0, 2)), np.zeros(0, dtype=Path.code_type), x
    return np.concatenate(parts), np.concatenate(part_codes), x


@lru_cache(maxsize=8192)
def text_path(text: str, size: float, family: str = SANS, align: str = "center") -> tuple:
    """``(path, width, height)``: the lines of ``text`` centred on (0, 0), in points.

    ``align`` ("center" or "left") places each line within the block.
    """
    scale = size / REFERENCE_SIZE
    lines = [_line(line, family) for line in text.split("\n")]
    line_height = size * LINE_SPACING
    width = max(line[2] for line in lines) * scale
    height = line_height * len(lines)
    vertices, codes = [], []
    for number, (line_vertices, line_codes, line_width) in enumerate(lines):
        if not len(line_vertices):
            continue
        x = -line_width * scale / 2 if align == "center" else -width / 2
        baseline = height / 2 - (number + 1) * line_height + 0.28 * size
        vertices.append(line_vertices * scale + (x, baseline))
        codes.append(line_codes)
    if not vertices:
        return _EMPTY, width, height
    return Path(np.concatenate(vertices), np.concatenate(codes)), width, height


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


def stacked(parts, size: float) -> tuple:
    """``(path, width, height)`` of several ``(text, family)`` blocks stacked top to
    bottom, each centred on the vertical axis, the whole centred on (0, 0)."""
    blocks = [text_path(text, size, family, "left" if family == MONO else "center")
              for text, family in parts if text]
    if not blocks:
        return _EMPTY, 0.0, size * LINE_SPACING
    width = max(block[1] for block in blocks)
    height = sum(block[2] for block in blocks)
    top = height / 2
    vertices, codes = [], []
    for path, _, block_height in blocks:
        centre = top - block_height / 2
        if len(path.vertices):
            vertices.append(path.vertices + (0.0, centre))
            codes.append(path.codes)
        top -= block_height
    if not vertices:
        return _EMPTY, width, height
    return Path(np.concatenate(vertices), np.concatenate(codes)), width, height
