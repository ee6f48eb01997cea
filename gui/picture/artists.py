"""Collections of many paths drawn in one call, placed at offsets (Qt-free).

``PointsCollection`` measures its paths in points (the caption and the legend keep
their size whatever the view); ``ScaledCollection`` in data units, so that the graph's
boxes and labels zoom with its edges and nothing that did not cover anything starts to.
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.transforms import Affine2D, IdentityTransform

__all__ = ["PointsCollection", "ScaledCollection"]



class PointsCollection(PathCollection):
    """Paths in points, each at one offset in data coordinates (or ``offset_transform``)."""

    def __init__(self, ax, paths=(), offsets=None, offset_transform=None, **kwargs):
        offsets = np.zeros((0, 2)) if offsets is None or not len(offsets) else offsets
        super().__init__(list(paths), offsets=offsets,
                         offset_transform=offset_transform or ax.transData, **kwargs)
        self.set_transform(IdentityTransform())

    def set_items(self, paths, offsets, **properties) -> None:
        """Replace every path and offset (and any per-item colours given)."""
        self.set_paths(list(paths))
        self.set_offsets(np.asarray(offsets, dtype=float).reshape(-1, 2))
        widths = properties.pop("linewidth", None)
        style = properties.get("linestyle")
        if isinstance(widths, list) and style in ("solid", "-"):
            # solid lines of several widths: matplotlib would rescale a dash pattern per
            # item (about 4 ms a step for a 60-node graph); solid lines have none to scale
            properties.pop("linestyle")
            self._us_lw = np.asarray(widths, dtype=float)
            self._us_ls = [(0, None)]
            self._linewidths = [float(width) for width in widths]
            self._linestyles = [(0, None)]
            self.stale = True
        elif widths is not None:
            # matplotlib pairs widths and line styles by their least common multiple:
            # start both from one value, or a new list meets the old one's length
            self.set_linestyle("solid")
            self.set_linewidth(1.0)
            if "linestyle" in properties:
                self.set_linestyle(properties.pop("linestyle"))
            properties["linewidth"] = widths
        for name, value in properties.items():
            getattr(self, f"set_{name}")(value)

    def draw(self, renderer):
        self.set_transform(Affine2D().scale(renderer.points_to_pixels(1.0)))
        super().draw(renderer)


class ScaledCollection(PointsCollection):
    """Paths in units at offsets in data coordinates, scaled with the data: a unit is
    one data unit, so boxes and text grow and shrink with the view as the edges do."""

    def draw(self, renderer):
        ax = self.axes
        (x0, y0), (x1, y1) = ax.transData.transform([(0.0, 0.0), (1.0, 1.0)])
        self.set_transform(Affine2D().scale(x1 - x0, y1 - y0))
        PathCollection.draw(self, renderer)
