"""How the picture sits on its figure: the fit, the first view, panning, caption and legend.

The graph's axes fill the figure between two strips of their own: the caption on top
(which step this is) and the legend at the bottom (what the marks mean), so that neither
ever covers the graph. ``View.fit(scene)`` scales the scene (measured in units, see
``gui.picture.scene``) to fill the axes: the text grows up to ``MAX_TEXT_PX`` and, for a
graph too large to be read whole, the first view (``home_limits``) shows the output's end
with text of ``MIN_TEXT_PX`` while ``full_limits`` is the overview (times ``factor``, the
user's text size). Units are square: a unit is as wide as it is high on screen (Qt-free).
"""

from __future__ import annotations

from gui.picture.artists import PointsCollection
from gui.picture.text import LINE_SPACING, SANS, text_path

__all__ = ["View", "MIN_TEXT_PX", "MAX_TEXT_PX", "MARGIN_PX"]

MIN_TEXT_PX = 9.0
MAX_TEXT_PX = 44.0
MARGIN_PX = 14.0
REFERENCE = 10.0  # the scene's text size in units (gui.picture.scene.TEXT)


class View:
    """The axes' place on the figure and the limits that show a scene."""

    def __init__(self, ax, *, legend: bool = True, factor: float = 1.0, legend_text=None):
        self.ax = ax
        self.legend = legend
        self.factor = factor
        self._legend_text = legend_text
        self._legend_artist = None
        self.scale_home = self.scale_full = 1.0
        self.home_limits = self.full_limits = ((-1.0, 1.0), (-1.0, 1.0))
        self._caption_box = None

    # ---- the figure's strips ------------------------------------------------------------

    def _pixels(self) -> tuple:
        bbox = self.ax.figure.bbox
        return max(bbox.width, 1.0), max(bbox.height, 1.0)

    def caption_px(self) -> float:
        _, height = self._pixels()
        return max(12.0, min(22.0, 0.02 * height)) * min(self.factor, 2.0)

    def legend_px(self) -> float:
        return max(MIN_TEXT_PX, 0.8 * self.caption_px())

    def legend_points(self) -> float:
        return self.legend_px() * 72.0 / self.ax.figure.dpi

    def _legend_lines(self) -> str:
        if not self.legend or self._legend_text is None:
            return ""
        width, _ = self._pixels()
        room = (width - 2 * MARGIN_PX) * 72.0 / self.ax.figure.dpi
        return self._legend_text(self.legend_points(), room)

    def prepare(self, style) -> None:
        """Colour the figure and give the axes the room between the two strips."""
        ax = self.ax
        self.style = style
        ax.set_axis_off()
        ax.set_facecolor(style.background)
        ax.figure.set_facecolor(style.background)
        ax.set_autoscale_on(False)
        _, height = self._pixels()
        top = 2 * LINE_SPACING * self.caption_px() + 10
        lines = self._legend_lines()
        bottom = (lines.count("\n") + 1) * LINE_SPACING * self.legend_px() + 10 if lines else 6
        top, bottom = min(top, 0.3 * height), min(bottom, 0.3 * height)
        ax.set_position((0.0, bottom / height, 1.0, max(height - top - bottom, 1.0) / height))
        self._strips = (top, bottom)

    def aspect(self) -> float:
        bbox = self.ax.get_position().transformed(self.ax.figure.transFigure)
        return max(bbox.width, 1.0) / max(bbox.height, 1.0)

    def readable_units(self) -> float:
        """The axes' height in units when the text is as small as it may be."""
        _, height = self._axes_pixels()
        return (height - 2 * MARGIN_PX) / (MIN_TEXT_PX * self.factor / REFERENCE)

    def _axes_pixels(self) -> tuple:
        bbox = self.ax.get_position().transformed(self.ax.figure.transFigure)
        return max(bbox.width, 1.0), max(bbox.height, 1.0)

    # ---- limits ---------------------------------------------------------------------------

    def fit(self, scene, *, crop: bool, focus: str | None) -> None:
        width, height = self._axes_pixels()
        x0, y0, x1, y1 = scene.bounds
        span_x, span_y = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
        fit = min((width - 2 * MARGIN_PX) / span_x, (height - 2 * MARGIN_PX) / span_y)
        fit = max(fit, 1e-3)
        largest = MAX_TEXT_PX * self.factor / REFERENCE
        smallest = MIN_TEXT_PX * self.factor / REFERENCE
        self.scale_full = min(fit, largest)
        centre = ((x0 + x1) / 2, (y0 + y1) / 2)
        self.full_limits = self._limits(centre, self.scale_full)
        self.scale_home, self.home_limits = self.scale_full, self.full_limits
        if crop and self.scale_full < smallest:
            self.scale_home = smallest
            cx, cy = scene.centre.get(focus, centre)
            half_x = width / (2 * smallest)
            half_y = height / (2 * smallest)
            cx = _clamped(cx, x0, x1, half_x)
            cy = _clamped(cy, y0, y1, half_y)
            self.home_limits = self._limits((cx, cy), smallest)
        self.set_limits(self.home_limits)

    def _limits(self, centre, scale) -> tuple:
        width, height = self._axes_pixels()
        cx, cy = centre
        return ((cx - width / (2 * scale), cx + width / (2 * scale)),
                (cy - height / (2 * scale), cy + height / (2 * scale)))

    def set_limits(self, limits) -> None:
        (x0, x1), (y0, y1) = limits
        self.ax.set_xlim(x0, x1)
        self.ax.set_ylim(y0, y1)

    def smallest_scale(self) -> float:
        """Pixels per unit at the smallest text allowed."""
        return MIN_TEXT_PX * self.factor / REFERENCE

    def text_px_home(self, size: float) -> float:
        return size * self.scale_home

    def ensure_visible(self, rect) -> bool:
        """Pan, keeping the zoom, so that ``rect`` (units) is in view; True if it moved."""
        (x0, x1), (y0, y1) = sorted(self.ax.get_xlim()), sorted(self.ax.get_ylim())
        margin_x, margin_y = 0.06 * (x1 - x0), 0.06 * (y1 - y0)
        moved = False
        if not (x0 + margin_x <= rect[0] and rect[2] <= x1 - margin_x):
            middle, half = (rect[0] + rect[2]) / 2, (x1 - x0) / 2
            self.ax.set_xlim(middle - half, middle + half)
            moved = True
        if not (y0 + margin_y <= rect[1] and rect[3] <= y1 - margin_y):
            middle, half = (rect[1] + rect[3]) / 2, (y1 - y0) / 2
            self.ax.set_ylim(middle - half, middle + half)
            moved = True
        return moved

    # ---- caption and legend ------------------------------------------------------------------

    def static_artists(self) -> list:
        if self._legend_artist is not None:
            self._legend_artist.remove()
            self._legend_artist = None
        lines = self._legend_lines()
        if not lines:
            return []
        figure = self.ax.figure
        path, width, height = text_path(lines, self.legend_points(), SANS, "left")
        fig_w, fig_h = self._pixels()
        scale = figure.dpi / 72.0
        offset = ((MARGIN_PX + width * scale / 2) / fig_w, (5 + height * scale / 2) / fig_h)
        artist = PointsCollection(self.ax, [path, _empty()], [offset, offset],
                                  offset_transform=figure.transFigure, zorder=3,
                                  facecolors=[self.style.muted, "none"], edgecolors="none",
                                  linewidths=0)
        figure.add_artist(artist)
        self._legend_artist = artist
        self._legend_box = (MARGIN_PX, fig_h - 5 - height * scale, MARGIN_PX + width * scale,
                            fig_h - 5)
        self._legend_lines_text = lines
        return []

    def draw_caption(self, collection, text: str, style) -> None:
        if not text:
            collection.set_items([], [], facecolor="none", edgecolor="none")
            self._caption_box = None
            return
        figure = self.ax.figure
        points = self.caption_px() * 72.0 / figure.dpi
        path, width, height = text_path(text, points, SANS, "left")
        fig_w, fig_h = self._pixels()
        scale = figure.dpi / 72.0
        offset = ((MARGIN_PX + width * scale / 2) / fig_w, 1 - (5 + height * scale / 2) / fig_h)
        collection.set_items([path, _empty()], [offset, offset],
                             facecolor=[style.foreground, "none"], edgecolor="none",
                             linewidth=0)
        self._caption_box = (MARGIN_PX, 5, MARGIN_PX + width * scale, 5 + height * scale)

    def chrome_items(self, caption: str) -> list:
        """(key, text, box, text_px) of the caption and the legend (key None)."""
        items = []
        if self._caption_box is not None and caption:
            items.append((None, caption, self._caption_box, self.caption_px()))
        if self._legend_artist is not None:
            items.append((None, self._legend_lines_text, self._legend_box, self.legend_px()))
        return items

    def remove(self) -> None:
        if self._legend_artist is not None:
            self._legend_artist.remove()
            self._legend_artist = None


def _clamped(value: float, low: float, high: float, half: float) -> float:
    """A view centre near ``value`` that shows as much of low..high as a view of half
    width ``half`` can: the middle when it all fits, else no empty side."""
    if high - low <= 2 * half:
        return (low + high) / 2
    return min(max(value, low + half), high - half)


def _empty():
    import numpy as np
    from matplotlib.path import Path

    return Path(np.zeros((1, 2)), [Path.MOVETO])
