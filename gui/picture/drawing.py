"""The computation graph and one moment of its backward pass, drawn with matplotlib (Qt-free).

``GraphPicture(ax, graph, steps)`` lays the graph out once (``gui.picture.scene``: boxes,
the room their labels need, one curve per ``next_functions`` slot), fits it to the axes
(``gui.picture.view``) and draws the static part; ``show(index)`` rewrites a few overlay
collections: the node running at step ``index`` ringed, the edges carrying its gradients
dashed with each gradient written beside its own edge, two arrivals summed, every leaf's
``.grad`` with the arithmetic of an accumulation, the gradient that reached each node
once the pass is over (or all along with ``grads=True``), nodes already run outlined and
freed nodes greyed. No state is told by colour alone: each node kind has its own box
shape, the running, finished, failed and freed nodes carry a mark (▶ ✓ ✗ ∅) and a line
style of their own. What ``show`` draws depends only on the pass's state at ``index``
(``gui.picture.moment``): stepping back is ``show(index - 1)``. The window blits the
overlay (``animated=True``); export uses a plain ``Figure`` and ``savefig``.
``picture_items()`` lists what is drawn, with pixel boxes, for tests and screen readers.

>>> import engine as torch
>>> from engine.graph import to_networkx
>>> from matplotlib.figure import Figure
>>> x = torch.arange(4.0, requires_grad=True)
>>> y = 2 * torch.dot(x, x)
>>> graph = to_networkx(y, names={"x": x}, output_name="y")
>>> steps = torch.BackwardPass(y).run().steps
>>> picture = GraphPicture(Figure(figsize=(12, 7)).add_subplot(), graph, steps)
>>> overlay = picture.show(2)
>>> print(picture.leaf_note("leaf0"))
.grad: None
→ [0, 4, 8, 12]
>>> len([item for item in picture.picture_items() if item.kind == "edge"
...      and item.key[:2] == ("fn2", "fn3")])
2
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import networkx as nx
import numpy as np
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.path import Path

from gui.picture.artists import PointsCollection, ScaledCollection
from gui.picture.moment import MISSING, PassStates
from gui.picture.scene import (
    BOX_PAD,
    NOTE_PAD,
    TEXT,
    Label,
    build_scene,
    error_text,
    label_size,
    note_text,
    shape_path,
)
from gui.picture.style import GraphStyle, style_for
from gui.picture.text import MONO, SANS, box_path, text_path
from gui.picture.view import View

__all__ = ["GraphPicture", "PictureItem", "MIN_TEXT_PX", "shape_path",
           "LEGEND", "MISSING"]

MIN_TEXT_PX = 9.0
FLASH = 0.3           # of a step's motion: the running node's flash
STAGGER = 0.25        # of a step's motion between two tokens along parallel arcs
BUFFER_SETTLES = 0.7  # of a step's motion: a leaf's buffer shows its new total from here
WRAP_WIDTH = 22  # characters per line of a vector, when that is what lets a graph fit
WRAP_GAIN = 0.35  # ... which it cannot when the graph needs text below this times 9 px
RING_PAD = 3.0
BADGE_SCALE = 0.85
_NOTHING = Path(np.zeros((1, 2)), [Path.MOVETO])
LEGEND = ("backward runs from the output to the leaves, along the arrows",
          "{current} thick ring: the node running now", "{visited} ran", "{failed} raised",
          "dashed edge + box: the gradient it sends",
          "{freed} dotted, faded: saved tensors freed (retain_graph=False)",
          "boxes under a leaf: its .grad")


@dataclass(frozen=True)
class PictureItem:
    """One thing drawn: ``kind`` (node, label, edge, token), ``key`` (node key or edge
    tuple), ``text`` (lines joined by newlines), ``bbox`` (x0, y0, x1, y1 in canvas
    pixels, origin top-left) and ``text_px`` (pixel height of one line's font)."""

    kind: str
    key: object
    text: str
    bbox: tuple
    text_px: float


class GraphPicture:
    """A backward graph on ``ax`` and the state of its backward pass after any step.

    ``steps`` are the ``engine.Step``s of one pass over ``graph``. For a pass that is
    not the first on this graph: ``freed_before``, ``grads_before``, ``failed`` and
    ``error`` (see ``gui.picture.moment.PassStates``). ``theme`` is a theme name or a
    ``GraphStyle``. ``font_size`` (points, 9 by default) scales the text the fit allows:
    never below 9 px times ``font_size / 9`` on screen; a graph too large for that opens
    (with ``crop``) on its output at that size, and ``ensure_visible`` / ``fit_all`` move
    the view. ``values`` writes each function's forward value in its box (when the graph
    carries it), ``grads`` the gradient that reached each node as soon as it did (always
    at the end of the pass). ``legend`` adds what the marks mean under the graph.
    """

    def __init__(self, ax, graph: nx.DiGraph, steps: Sequence = (), *,
                 theme: str | GraphStyle = "light",
                 font_size: float = 9.0, animated: bool = False, freed_before: Iterable = (),
                 grads_before: Mapping | None = None, failed=None, error: str | None = None,
                 legend: bool = True, crop: bool = False, values: bool = False,
                 grads: bool = False):
        self.ax = ax
        self.graph = graph
        self.style = style_for(theme)
        self.theme = theme if isinstance(theme, str) else self.style.name
        self.keys = list(graph.nodes)
        self._legend = legend
        self._crop = crop
        self._animated = animated
        self.values = values
        self.grads = grads
        self.factor = max(float(font_size), 1.0) / 9.0
        self.selected: str | None = None
        self.index = -1
        self._static: list = []
        self._overlay: list = []
        self._notes: list = []
        self.view = View(ax, legend=legend, factor=self.factor, legend_text=self.legend_text)
        self.states = PassStates(graph, steps, freed_before=freed_before,
                                 grads_before=grads_before, failed=failed, error=error)
        self._build()

    # ---- public -------------------------------------------------------------------------

    @property
    def steps(self) -> list:
        return self.states.steps

    @property
    def failed(self):
        return self.states.failed

    @property
    def error(self):
        return self.states.error

    @property
    def overlay_artists(self) -> list:
        """The collections ``show`` rewrites, in drawing order."""
        return list(self._overlay)

    @property
    def font_size(self) -> float:
        """The node text's size in points in the first view."""
        return self.view.text_px_home(TEXT) * 72.0 / self.ax.figure.dpi

    @property
    def home_limits(self):
        return self.view.home_limits

    @property
    def full_limits(self):
        return self.view.full_limits

    def set_steps(self, steps: Sequence, *, freed_before: Iterable = (),
                  grads_before: Mapping | None = None, failed=None,
                  error: str | None = None) -> None:
        """Use another pass over the same graph: the labels it brings get room (the
        picture is laid out and fitted again)."""
        self.states = PassStates(self.graph, steps, freed_before=freed_before,
                                 grads_before=grads_before, failed=failed, error=error)
        self.index = max(-1, min(self.index, len(self.steps) - 1))
        self._build()

    def set_options(self, *, values: bool | None = None, grads: bool | None = None) -> None:
        """Show forward values in function boxes / every node's gradient as it arrives."""
        if values is not None:
            self.values = values
        if grads is not None:
            self.grads = grads
        self._build()

    def set_selected(self, key: str | None) -> None:
        """Ring ``key`` (a node the user clicked) from the next ``show`` on."""
        self.selected = key if key in self.scene.centre else None

    def show(self, index: int, travel: float = 1.0) -> list:
        """The picture after ``steps[0..index]`` (-1: before the pass); returns the overlay.

        ``travel`` (0..1) is how far step ``index`` has got: below 1 each gradient it sends
        is a token on its way along its own arc (eased), the node that runs flashes as it
        starts, and a leaf's buffer shows ``old + new`` before ``= total``; at 1 everything
        rests where it was placed (the default: what a still picture shows).
        """
        return self._render(index, travel)

    def _render(self, index: int, travel: float = 1.0) -> list:
        index = self.states.clamp(index)
        self.index = index
        self.travel = min(max(float(travel), 0.0), 1.0) if index >= 0 else 1.0
        self._notes = []
        self._tokens = []
        self._draw_state(index)
        self._draw_flow(index)
        self._draw_notes(index)
        self._draw_marks(index)
        self._draw_caption(index)
        return self.overlay_artists

    def step_key(self, index: int) -> str | None:
        return self.states.step_key(index)

    def freed_at(self, index: int) -> set:
        return self.states.freed_at(index)

    def leaf_grad(self, leaf: str, index: int):
        return self.states.leaf_grad(leaf, index)

    def leaf_note(self, leaf: str, index: int | None = None) -> str | None:
        return self.states.leaf_note(leaf, self.index if index is None else index)

    def arrival_note(self, index: int | None = None) -> str | None:
        return self.states.arrival_note(self.index if index is None else index)

    def node_at(self, x: float, y: float) -> str | None:
        """The key of the node whose box contains the data point (x, y), or None."""
        if x is None or y is None:
            return None
        best, distance = None, np.inf
        for key in self.keys:
            (cx, cy), (w, h) = self.scene.centre[key], self.scene.half[key]
            if abs(x - cx) <= w and abs(y - cy) <= h and np.hypot(x - cx, y - cy) < distance:
                best, distance = key, np.hypot(x - cx, y - cy)
        return best

    def position(self, key: str) -> tuple:
        """The data coordinates of a node's centre."""
        return tuple(self.scene.centre[key])

    def fit_all(self) -> None:
        """Show the whole graph, however small its text gets (the overview)."""
        self.view.set_limits(self.view.full_limits)

    def ensure_visible(self, key: str | None) -> bool:
        """Pan (keeping the zoom) so that node ``key`` and its labels are in view; True
        if the view moved."""
        if key not in self.scene.centre:
            return False
        (cx, cy), (w, h) = self.scene.centre[key], self.scene.half[key]
        rect = (cx - w, cy - h - self._note_height(key), cx + w, cy + h)
        return self.view.ensure_visible(rect)

    def remove(self) -> None:
        """Take every artist of this picture off the axes."""
        for artist in self._static + self._overlay:
            artist.remove()
        self._static, self._overlay = [], []
        self.view.remove()

    def legend_text(self, size: float | None = None, room: float | None = None) -> str:
        """What the marks mean, with this style's marks, in lines ``room`` points wide."""
        style = self.style
        marks = {state: style.mark(state) for state in ("current", "visited", "failed", "freed")}
        items = [item.format(**marks) for item in LEGEND]
        size = size or self.view.legend_points()
        if room is None:
            room = self.ax.figure.bbox.width * 72.0 / self.ax.figure.dpi - 16
        lines, line = [], ""
        for item in items:
            longer = f"{line} · {item}" if line else item
            if line and text_path(longer, size, SANS, "left")[1] > room:
                lines.append(line)
                line = item
            else:
                line = longer
        return "\n".join(lines + [line])

    def picture_items(self) -> list:
        """Every node, label and edge drawn in the current view (``PictureItem``s)."""
        figure = self.ax.figure
        height = figure.bbox.height
        transform = self.ax.transData.transform
        (x0, y0), (x1, y1) = transform([(0.0, 0.0), (1.0, 1.0)])
        scale = abs(y1 - y0)
        text_px = round(TEXT * scale, 2)
        view = self.ax.bbox

        def pixels(rect):
            (a, b), (c, d) = transform([(rect[0], rect[1]), (rect[2], rect[3])])
            return (min(a, c), height - max(b, d), max(a, c), height - min(b, d))

        def visible(box):
            return (box[0] < view.x1 and box[2] > view.x0 and box[1] < height - view.y0
                    and box[3] > height - view.y1)

        items = []
        for key in self.keys:
            (cx, cy), (w, h) = self.scene.centre[key], self.scene.half[key]
            box = pixels((cx - w, cy - h, cx + w, cy + h))
            if visible(box):
                items.append(PictureItem("node", key, self.scene.text[key], box, text_px))
        for edge, path in self.scene.edges.items():
            extents = path.get_extents()
            box = pixels((extents.x0, extents.y0, extents.x1, extents.y1))
            if visible(box):
                items.append(PictureItem("edge", edge, "", box, 0.0))
        for label in self._notes:
            box = pixels(label.rect)
            if visible(box):
                items.append(PictureItem("label", label.key, label.text, box, text_px))
        for token in self._tokens:
            box = pixels(token.rect)
            if visible(box):
                items.append(PictureItem("token", token.key, token.text, box, text_px))
        for key, text, box, px in self.view.chrome_items(self._caption_text(self.index)):
            items.append(PictureItem("label", key, text, box, px))
        return items

    def describe(self) -> str:
        """The current picture in words (for a screen reader)."""
        lines = []
        total = len(self.steps)
        lines.append(self._caption_text(self.index).replace("\n", "; ") or "the graph")
        names = []
        for key in self.keys:
            names.append(self.scene.text[key].replace("\n", " "))
        lines.append(f"{len(self.keys)} nodes: " + ", ".join(names))
        running = self.step_key(self.index)
        if running is not None:
            lines.append("running: " + self.scene.text[running].replace("\n", " "))
        for label in self._notes + self._tokens:
            if label.kind in ("edge", "token"):
                source, target, slot = label.key
                lines.append(f"{self._name(source)} sends {label.text.replace(chr(10), ' ')} "
                             f"to {self._name(target)} (slot {slot})")
            else:
                lines.append(f"{self._name(label.key)}: {label.text.replace(chr(10), ' ')}")
        if total == 0:
            lines.append("no backward pass yet")
        return ". ".join(lines)

    def _name(self, key) -> str:
        return str(self.graph.nodes[key].get("label", key))

    # ---- building -----------------------------------------------------------------------

    def _build(self) -> None:
        for artist in self._static + self._overlay:
            artist.remove()
        self.view.prepare(self.style)
        self.states.text_width = None
        self.scene = self._scene()
        self.view.fit(self.scene, crop=self._crop, focus=self._focus_key())
        smallest = self.view.smallest_scale()
        if self._crop and WRAP_GAIN * smallest <= self.view.scale_full < smallest:
            # just too large to read whole: long vectors wrapped over lines may let it fit
            wide, scale = self.scene, self.view.scale_full
            self.states.text_width = WRAP_WIDTH
            self.scene = self._scene()
            self.view.fit(self.scene, crop=self._crop, focus=self._focus_key())
            if self.view.scale_full <= scale:
                self.states.text_width = None
                self.scene = wide
                self.view.fit(self.scene, crop=self._crop, focus=self._focus_key())
        self._static = self._draw_static()
        self._overlay = self._make_overlay(self._animated)
        if self.selected not in self.scene.centre:
            self.selected = None
        self._render(self.index)

    def _scene(self):
        return build_scene(self.graph, self.states, self.view.aspect(), theme=self.style,
                           values=self.values, grads=self.grads,
                           fit_scale=self.view.readable_units() if self._crop else None)

    def _focus_key(self) -> str | None:
        return "output" if "output" in self.scene.centre else (self.keys[0] if self.keys else None)

    def _note_height(self, key) -> float:
        heights = [label.half[1] * 2 for label in self._notes if label.key == key]
        return sum(heights) + 8.0 * len(heights)

    def _draw_static(self) -> list:
        ax, style, scene = self.ax, self.style, self.scene
        edges = list(scene.edges)
        lines = PathCollection([scene.edges[e] for e in edges], facecolors="none",
                               edgecolors=style.edge, linewidths=style.line_width,
                               linestyles=style.line_style("edge"), zorder=1)
        heads = PolyCollection([scene.heads[e] for e in edges], facecolors=style.edge,
                               edgecolors="none", zorder=1.5)
        kinds = [(self.graph.nodes[k].get("kind"), self.graph.nodes[k].get("role"))
                 for k in self.keys]
        centres = [scene.centre[k] for k in self.keys]
        boxes = ScaledCollection(ax, [scene.box_path[k] for k in self.keys], centres, zorder=2,
                                 linewidths=1.3, facecolors=[style.face(*k) for k in kinds],
                                 edgecolors=[style.outline(*k) for k in kinds])
        labels = ScaledCollection(ax, [scene.text_path[k] for k in self.keys] + [_NOTHING],
                                  centres + [centres[0] if centres else (0, 0)], zorder=3,
                                  facecolors=style.foreground, edgecolors="none", linewidths=0)
        artists = [lines, heads, boxes, labels]
        for artist in artists:
            ax.add_collection(artist, autolim=False)
        return artists + self.view.static_artists()

    def _make_overlay(self, animated: bool) -> list:
        ax, style = self.ax, self.style
        state = ScaledCollection(ax, zorder=4)
        flow = PathCollection([], facecolors="none", edgecolors=style.gradient,
                              linewidths=max(2.0, 1.6 * style.line_width),
                              linestyles=style.line_style("gradient"), zorder=1.8)
        notes = ScaledCollection(ax, zorder=6)
        marks = ScaledCollection(ax, zorder=5)
        sent = ScaledCollection(ax, zorder=6.5)
        caption = PointsCollection(ax, offset_transform=ax.figure.transFigure, zorder=7)
        overlay = [state, flow, notes, marks, sent]
        for artist in overlay:
            artist.set_animated(animated)
            ax.add_collection(artist, autolim=False)
        caption.set_animated(animated)
        ax.figure.add_artist(caption)
        caption.set_clip_on(False)
        return overlay[:4] + [caption, sent]

    # ---- the overlay ----------------------------------------------------------------------

    def _ring(self, key: str, extra: float) -> Path:
        w, h = self.scene.half[key]
        return box_path(2 * w - 2 * BOX_PAD, 2 * h - 2 * BOX_PAD, BOX_PAD + extra)

    def _draw_state(self, index: int) -> None:
        style, items = self.style, _Items()
        freed = self.freed_at(index)
        if index >= 0 and self.steps[index].freed:
            freed.discard(self.step_key(index))  # readable while it runs; grey afterwards
        for position in range(max(index, 0)):
            key = self.step_key(position)
            if key not in freed:
                items.add(self._ring(key, 1.5), self.scene.centre[key], "none", style.visited,
                          max(2.0, style.line_width * 1.5), style.line_style("visited"))
        # the node that freed its saved tensors at the step before fades out as this one moves
        fading = self.step_key(index - 1) if index >= 1 and self.steps[index - 1].freed else None
        for key in sorted(freed, key=self.keys.index):
            wash = style.freed_wash
            if key == fading and self.travel < 1.0:
                red, green, blue, alpha = to_rgba(wash)
                wash = (red, green, blue, alpha * _eased(self.travel))
            items.add(self._ring(key, 0.5), self.scene.centre[key], wash,
                      style.muted, max(1.4, style.line_width), style.line_style("freed"))
        items.apply(self._overlay[0])

    def _draw_flow(self, index: int) -> None:
        moving = self.states.edge_grads(index)
        self._overlay[1].set_paths([self.scene.edges[e] for e in moving if e in self.scene.edges])

    def _draw_notes(self, index: int) -> None:
        style, items = self.style, _Items()
        for key in self.keys:
            text, kind = note_text(self.states, key, index, self.grads)
            if text and kind == "buffer" and self.travel < BUFFER_SETTLES:
                text = _landing(text)  # old + new first; the sum settles at the end
            top = self.scene.note_top[key]
            if text:
                active = kind == "sum" or (kind == "buffer" and "\n" in text)
                face = style.note_face if active else style.background
                edge = style.note_edge if active else style.outline(
                    *(self.graph.nodes[key].get(k) for k in ("kind", "role")))
                label = self._note(items, key, text, kind, top, face, edge,
                                   style.foreground, 1.6 if active else 0.8)
                top -= 2 * label.half[1] + 3.0
            if self.states.failed == key and self.states.failed_now(index):
                self._note(items, key, error_text(self.states), "error", top,
                           style.note_face, style.failed, style.failed, 1.4)
        items.apply(self._overlay[2])
        sent = _Items()  # dashed boxes (their own collection: one line style each)
        dashes = style.line_style("gradient")
        labels = self.scene.edge_labels.get(index, ())
        if self.travel < 1.0:  # on their way: tokens along the arcs, no resting labels
            parallel = {}
            for label in labels:  # the parts of one sum leave one after the other
                parallel.setdefault(label.key[:2], []).append(label.key)
            for label in labels:
                group = parallel[label.key[:2]]
                lag = STAGGER * group.index(label.key)
                share = max(1.0 - STAGGER * (len(group) - 1), 0.2)
                moved = min(max((self.travel - lag) / share, 0.0), 1.0)
                centre = self._inside(self.scene.point_along(label.key, _eased(moved)),
                                      label.half)
                token = Label(label.key, label.text, centre, label.half, label.path, "token")
                sent.add(box_path(2 * label.half[0] - 2 * NOTE_PAD,
                                  2 * label.half[1] - 2 * NOTE_PAD, NOTE_PAD), centre,
                         style.gradient_face, style.gradient, 1.4, dashes)
                sent.add(label.path, centre, style.gradient, "none", 1.4, dashes)
                self._tokens.append(token)
            labels = ()
        for label in labels:  # leaders first: no box is crossed by another's leader
            dx = label.anchor[0] - label.centre[0]
            dy = label.anchor[1] - label.centre[1]
            if abs(dx) > label.half[0] or abs(dy) > label.half[1]:  # moved off its edge
                leader = Path([(0.0, 0.0), (dx, dy)], [Path.MOVETO, Path.LINETO])
                sent.add(leader, label.centre, "none", style.gradient, 1.4, dashes)
        for label in labels:
            sent.add(box_path(2 * label.half[0] - 2 * NOTE_PAD, 2 * label.half[1] - 2 * NOTE_PAD,
                              NOTE_PAD), label.centre, style.gradient_face, style.gradient, 1.4,
                     dashes)
            sent.add(label.path, label.centre, style.gradient, "none", 1.4, dashes)
            self._notes.append(label)
        sent.apply(self._overlay[5])

    def _inside(self, centre, half) -> tuple:
        """``centre`` moved so that a box of ``half`` size stays within the picture."""
        x0, y0, x1, y1 = self.scene.bounds
        x = min(max(centre[0], x0 + half[0]), max(x1 - half[0], x0 + half[0]))
        y = min(max(centre[1], y0 + half[1]), max(y1 - half[1], y0 + half[1]))
        return (x, y)

    def _note(self, items, key, text, kind, top, face, edge, colour, width) -> Label:
        half = label_size(text)
        centre = (self.scene.centre[key][0], top - half[1])
        path = text_path(text, TEXT, MONO, "left")[0]
        items.add(box_path(2 * half[0] - 2 * NOTE_PAD, 2 * half[1] - 2 * NOTE_PAD, NOTE_PAD),
                  centre, face, edge, width, "solid")
        items.add(path, centre, colour, "none", width, "solid")
        label = Label(key, text, centre, half, path, kind)
        self._notes.append(label)
        return label

    def _draw_marks(self, index: int) -> None:
        style, items = self.style, _Items()
        width = style.current_line_width
        running = self.step_key(index)
        if running is not None:
            items.add(self._ring(running, RING_PAD), self.scene.centre[running], "none",
                      style.current, width, "solid")
            if self.travel < FLASH:  # its gradient is complete: it flashes as it starts
                spread = RING_PAD + 14.0 * (1.0 - self.travel / FLASH)
                items.add(self._ring(running, spread), self.scene.centre[running], "none",
                          style.current, width, "solid")
        failed = self.states.failed_now(index)
        if failed:
            items.add(self._ring(self.failed, RING_PAD), self.scene.centre[self.failed], "none",
                      style.failed, width, "solid")
            if self.travel < FLASH:  # the error flashes where the pass stops
                spread = RING_PAD + 14.0 * (1.0 - self.travel / FLASH)
                items.add(self._ring(self.failed, spread), self.scene.centre[self.failed],
                          "none", style.failed, width, "solid")
        if self.selected is not None:
            items.add(self._ring(self.selected, RING_PAD + 3.5), self.scene.centre[self.selected],
                      "none", style.selected, 1.6, (0, (4, 2)))
        for key, state, colour in self._badges(index, failed):
            self._badge(items, key, style.mark(state), colour)
        items.apply(self._overlay[3])

    def _badges(self, index: int, failed: bool) -> list:
        style, marked, badges = self.style, set(), []
        running = self.step_key(index)
        if running is not None:
            marked.add(running)
            badges.append((running, "current", style.current))
        if failed and self.failed not in marked:
            marked.add(self.failed)
            badges.append((self.failed, "failed", style.failed))
        for position in range(max(index, 0)):
            key = self.step_key(position)
            if key not in marked:
                marked.add(key)
                badges.append((key, "visited", style.visited))
        for key in sorted(self.freed_at(index) - marked, key=self.keys.index):
            badges.append((key, "freed", style.muted))
        return badges

    def _badge(self, items, key: str, mark: str, colour) -> None:
        """A round badge holding ``mark`` on the top-right corner of a node's box."""
        if not mark:
            return
        path, width, height = text_path(mark, TEXT * BADGE_SCALE, SANS)
        radius = max(width, height) / 2 + 1.5
        w, h = self.scene.half[key]
        cx, cy = self.scene.centre[key]
        centre = (cx + w - radius * 0.25, cy + h + radius * 0.15)  # clear of the name
        items.add(box_path(2 * radius, 2 * radius, 0.0, rounding=radius), centre,
                  self.style.background, colour, 1.6, "solid")
        items.add(path, centre, self.style.foreground, "none", 0, "solid")

    def _draw_caption(self, index: int) -> None:
        self.view.draw_caption(self._overlay[4], self._caption_text(index), self.style)

    def _caption_text(self, index: int) -> str:
        total = len(self.steps)
        if index < 0:
            text = "before the backward pass" if total or self.failed else ""
        else:
            step = self.steps[index]
            name = step.name
            if step.is_accumulation:
                leaf = self.states.leaf_of.get(self.step_key(index))
                label = self.graph.nodes[leaf].get("label", leaf) if leaf else "leaf"
                name = f"AccumulateGrad into {label}.grad"
            text = f"step {index + 1} of {total}: {name}"
        if self.failed is not None and index == total - 1:
            label = self.graph.nodes[self.failed].get("label", self.failed)
            text = (text + "\n" if text else "") + f"then {label} raised an error"
        return text


class _Items:
    """Per-item paths and styles gathered for one collection."""

    def __init__(self):
        self.paths, self.offsets, self.faces, self.edges = [], [], [], []
        self.widths, self.styles = [], []

    def add(self, path, offset, face, edge, width, style) -> None:
        self.paths.append(path)
        self.offsets.append(tuple(offset))
        self.faces.append(_rgba(face))
        self.edges.append(_rgba(edge))
        self.widths.append(width)
        self.styles.append(style)

    def apply(self, collection) -> None:
        if not self.paths:
            collection.set_items([], np.zeros((0, 2)), facecolor="none", edgecolor="none",
                                 linewidth=0, linestyle="solid")
            return
        if len(self.paths) == 1:
            # one path takes matplotlib's single-marker shortcut, which measures the path
            # curve by curve (15 ms for a line of text); an empty second path avoids it
            self.add(_NOTHING, self.offsets[0], "none", "none", 0, "solid")
        collection.set_items(self.paths, self.offsets, facecolor=np.array(self.faces),
                             edgecolor=np.array(self.edges), linewidth=_uniform(self.widths),
                             linestyle=_uniform(self.styles))


def _eased(t: float) -> float:
    """Slow out, fast across, slow in (smoothstep)."""
    return t * t * (3.0 - 2.0 * t)


def _landing(text: str) -> str:
    """A buffer's note while the new part lands: the sum without its result line."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if line.startswith(("= ", "→ ")):
            return "\n".join(lines[:number])
    return text


@lru_cache(maxsize=256)
def _rgba_cached(colour) -> tuple:
    return to_rgba(colour)


def _rgba(colour) -> tuple:
    """A colour as an RGBA tuple, converted once per colour (matplotlib's conversion of
    a list of names costs more than drawing them)."""
    if isinstance(colour, list):
        colour = tuple(colour)
    return _rgba_cached(colour)


def _uniform(values: list):
    """One value for all items when they agree (matplotlib rescales dashes per item)."""
    first = values[0]
    return first if all(value == first for value in values) else values
