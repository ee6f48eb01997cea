"""Collections whose shapes are measured in points but placed in data coordinates.

Like scatter markers and text, node boxes and labels keep their size on screen when
the view is zoomed or panned; edges are clipped to the boxes at draw time, so their
arrow heads always touch the box they point at. Everything here is a matplotlib
collection: one draw call for all nodes, all labels or all edges (Qt-free).
"""

from __future__ import annotations

import numpy as np
from matplotlib.collections import LineCollection, PathCollection, PolyCollection
from matplotlib.transforms import Affine2D, IdentityTransform

__all__ = ["PointsCollection", "EdgeLines", "ArrowHeads", "edge_geometry"]

EDGE_GAP = 2.0  # points between an edge's end and the box it touches
HEAD_LENGTH = 7.0
HEAD_WIDTH = 5.0


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
        for name, value in properties.items():
            getattr(self, f"set_{name}")(value)

    def draw(self, renderer):
        self.set_transform(Affine2D().scale(renderer.points_to_pixels(1.0)))
        super().draw(renderer)


def edge_geometry(ax, renderer, starts, ends, start_half, end_half):
    """Edge segments in pixels clipped to the node boxes, and the unit direction of each.

    ``starts``/``ends`` are data points, ``*_half`` the boxes' half sizes in points.
    """
    if not len(starts):
        empty = np.zeros((0, 2))
        return empty, empty, empty
    scale = renderer.points_to_pixels(1.0)
    a = ax.transData.transform(starts)
    b = ax.transData.transform(ends)
    delta = b - a
    length = np.hypot(delta[:, 0], delta[:, 1])
    length[length == 0] = 1.0
    unit = delta / length[:, None]
    a_cut = _exit_distance(unit, start_half * scale) + EDGE_GAP * scale
    b_cut = _exit_distance(unit, end_half * scale) + EDGE_GAP * scale
    visible = length > a_cut + b_cut
    a_clip = np.where(visible[:, None], a + unit * a_cut[:, None], a)
    b_clip = np.where(visible[:, None], b - unit * b_cut[:, None], a)
    return a_clip, b_clip, unit


def _exit_distance(unit, half):
    """How far a ray from a box's centre travels before it leaves the box."""
    with np.errstate(divide="ignore", invalid="ignore"):
        along_x = np.where(np.abs(unit[:, 0]) > 1e-9, half[:, 0] / np.abs(unit[:, 0]), np.inf)
        along_y = np.where(np.abs(unit[:, 1]) > 1e-9, half[:, 1] / np.abs(unit[:, 1]), np.inf)
    return np.minimum(along_x, along_y)


class _EdgeArtist:
    """Shared state of the edge lines and their heads."""

    def _init_edges(self, ax, starts, ends, start_half, end_half):
        self._ax = ax
        self._starts = np.asarray(starts, dtype=float).reshape(-1, 2)
        self._ends = np.asarray(ends, dtype=float).reshape(-1, 2)
        self._start_half = np.asarray(start_half, dtype=float).reshape(-1, 2)
        self._end_half = np.asarray(end_half, dtype=float).reshape(-1, 2)
        self.set_transform(IdentityTransform())

    def set_edges(self, starts, ends, start_half, end_half) -> None:
        """Replace the edges (data points and box half sizes in points, as in __init__)."""
        self._init_edges(self._ax, starts, ends, start_half, end_half)
        self.stale = True

    def _geometry(self, renderer):
        return edge_geometry(self._ax, renderer, self._starts, self._ends,
                             self._start_half, self._end_half)


class EdgeLines(_EdgeArtist, LineCollection):
    """All edges as one LineCollection, from box border to box border."""

    def __init__(self, ax, starts, ends, start_half, end_half, **kwargs):
        LineCollection.__init__(self, [], **kwargs)
        self._init_edges(ax, starts, ends, start_half, end_half)

    def draw(self, renderer):
        a, b, _ = self._geometry(renderer)
        self.set_segments(np.stack([a, b], axis=1) if len(a) else [])
        super().draw(renderer)


class ArrowHeads(_EdgeArtist, PolyCollection):
    """A filled triangle at the end of each edge, pointing the way gradients flow."""

    def __init__(self, ax, starts, ends, start_half, end_half, **kwargs):
        PolyCollection.__init__(self, [], **kwargs)
        self._init_edges(ax, starts, ends, start_half, end_half)

    def draw(self, renderer):
        a, tip, unit = self._geometry(renderer)
        if len(tip):
            scale = renderer.points_to_pixels(1.0)
            normal = np.stack([-unit[:, 1], unit[:, 0]], axis=1)
            base = tip - unit * HEAD_LENGTH * scale
            half = normal * HEAD_WIDTH * scale / 2
            drawn = np.hypot(*(tip - a).T) > 0
            triangles = np.stack([tip, base + half, base - half], axis=1)[drawn]
            self.set_verts(list(triangles))
        else:
            self.set_verts([])
        super().draw(renderer)
