"""The computation graph and one moment of its backward pass, drawn with matplotlib (Qt-free).

``GraphPicture`` draws the static graph once (boxes, labels, edges) and keeps a few
overlay collections that ``show(index)`` rewrites: the node running at step
``index`` ringed, the gradient it sends travelling along each outgoing edge, several
arriving gradients summed, every leaf's ``.grad`` buffer with the arithmetic of an
accumulation written out, nodes already run outlined and freed nodes greyed. No state is
told by colour alone: each node kind has its own box shape (round tensors, square
functions, hexagonal AccumulateGrad), the running, finished, failed and freed nodes
carry a mark (▶ ✓ ✗ ∅) and a line style of their own, and the edges carrying this
step's gradient are dashed. Colours, shapes, marks and line styles come from a
``gui.picture.style.GraphStyle`` (or a theme name). What
``show`` draws depends only on (graph, steps, index): stepping back is
``show(index - 1)``. The window blits the overlay (``animated=True``); export code
uses a plain ``Figure`` and ``savefig`` (the default ``animated=False``).

>>> import engine as torch
>>> from engine.graph import to_networkx
>>> from matplotlib.figure import Figure
>>> x = torch.arange(4.0, requires_grad=True)
>>> y = 2 * torch.dot(x, x)
>>> graph = to_networkx(y, names={"x": x}, output_name="y")
>>> steps = torch.BackwardPass(y).run().steps
>>> picture = GraphPicture(Figure().add_subplot(), graph, steps)
>>> overlay = picture.show(2)
>>> print(picture.leaf_note("leaf0"))
.grad: None
→ [0, 4, 8, 12]
>>> sorted(picture.freed_at(2))
['fn1', 'fn2']
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import networkx as nx
import numpy as np
from matplotlib.path import Path

from engine.explain import format_values, gradients_per_output, sum_as_column
from engine.graph import node_id
from gui.picture.artists import ArrowHeads, EdgeLines, PointsCollection
from gui.picture.layout import layered_positions, node_text
from gui.picture.style import GraphStyle, style_for
from gui.picture.text import LINE_SPACING, MONO, SANS, box_path, shifted, text_path

__all__ = ["GraphPicture", "MIN_FONT_SIZE", "shape_path", "LEGEND"]

MIN_FONT_SIZE = 7.0
COLUMN_GAP_PX = 28
ROW_GAP_PX = 14
BOX_PAD = 4.0
NOTE_PAD = 2.5
RING_PAD = 3.0
MISSING = object()
_NOTHING = Path(np.zeros((1, 2)), [Path.MOVETO])
MAX_TERMS = 4
MAX_GROWTH = 1.4
LEGEND = ("backward runs right to left", "{current} thick ring: the node running now",
          "{visited} ran", "{failed} raised", "dashed edge + box: the gradient it sends",
          "{freed} dotted, faded: saved tensors freed (retain_graph=False)",
          "boxes under a leaf: its .grad")
BADGE_SCALE = 0.85  # a mark's size relative to the label font
SHAPE_EXTRA = {"o": 0.22, "h": 0.32, "D": 0.12}  # extra width (x box height) the shape needs


class GraphPicture:
    """A backward graph on ``ax`` and the state of its backward pass after any step.

    ``steps`` are the ``engine.Step``s of one pass over ``graph`` (from
    ``engine.graph.to_networkx``). Optional, for a pass that is not the first on
    this graph: ``freed_before`` (keys of nodes freed by earlier passes),
    ``grads_before`` (leaf key -> its ``.grad`` before the pass, None for None),
    ``failed`` (key of the node whose error stopped the pass) and ``error`` (its text).
    ``theme`` is a theme name or a ``GraphStyle`` (a presenter palette's, say).
    ``legend`` adds two lines in the corner saying what the marks mean. A graph too
    dense to read at 7 pt is drawn whole (``full_limits``) unless ``crop``: then the
    first view (``home_limits``) shows the output's end at a readable scale, and
    ``ensure_visible``/``fit_all`` move the view.
    ``font_size`` is the preferred text size: dense graphs get smaller text (never below
    7 pt), small graphs on a large axes up to 1.4 times larger.
    """

    def __init__(self, ax, graph: nx.DiGraph, steps: Sequence = (), *,
                 theme: str | GraphStyle = "light",
                 font_size: float = 9.0, animated: bool = False, freed_before: Iterable = (),
                 grads_before: Mapping | None = None, failed=None, error: str | None = None,
                 legend: bool = True, crop: bool = False):
        self.ax = ax
        self._legend = legend
        self._crop = crop
        self.graph = graph
        self.style = style_for(theme)
        self.theme = theme if isinstance(theme, str) else self.style.name
        self.keys = list(graph.nodes)
        self._row = {key: row for row, key in enumerate(self.keys)}
        positions = layered_positions(graph)
        self._xy = np.array([positions[key] for key in self.keys], dtype=float).reshape(-1, 2)
        self.font_size, split = self._fitted_font(font_size)
        self._texts = [node_text(graph, key, split=split) for key in self.keys]
        self._measure()
        self._setup_axes()
        self._static = self._draw_static()
        self._overlay = self._make_overlay(animated)
        self.selected: str | None = None
        self.index = -1
        self.set_steps(steps, freed_before=freed_before, grads_before=grads_before,
                       failed=failed, error=error)

    # ---- public -------------------------------------------------------------------------

    @property
    def overlay_artists(self) -> list:
        """The collections ``show`` rewrites, in drawing order."""
        return list(self._overlay)

    def set_steps(self, steps: Sequence, *, freed_before: Iterable = (),
                  grads_before: Mapping | None = None, failed=None,
                  error: str | None = None) -> None:
        """Use another pass over the same graph (see the class docstring for the options)."""
        self.steps = list(steps)
        self._step_keys = [node_id(self.graph, step.node) for step in self.steps]
        self._freed_before = {key for key in freed_before if key in self._row}
        self._grads_before = dict(grads_before or {})
        if failed is not None and not isinstance(failed, str):
            failed = node_id(self.graph, failed)
        self.failed = failed if failed in self._row else None
        self.error = error
        self._leaf_of = {key: self._leaf_key(key) for key in self.keys
                         if self.graph.nodes[key].get("kind") == "accumulate"}
        self.index = max(-1, min(self.index, len(self.steps) - 1))

    def set_selected(self, key: str | None) -> None:
        """Ring ``key`` (a node the user clicked) from the next ``show`` on."""
        self.selected = key if key in self._row else None

    def show(self, index: int, travel: float = 1.0) -> list:
        """The picture after ``steps[0..index]`` (-1: before the pass); returns the overlay.

        ``travel`` (0..1) is how far this step's gradients have moved along their edges,
        for animating between two steps; 1 is where they rest.
        """
        index = max(-1, min(int(index), len(self.steps) - 1))
        self.index = index
        self._draw_state(index)
        self._draw_marks(index)
        self._draw_notes(index, min(max(float(travel), 0.0), 1.0))
        self._draw_caption(index)
        return self.overlay_artists

    def node_at(self, x: float, y: float) -> str | None:
        """The key of the node whose box contains the data point (x, y), or None."""
        if x is None or y is None or not self.keys:
            return None
        scale = self.ax.figure.dpi / 72.0
        centres = self.ax.transData.transform(self._xy)
        point = self.ax.transData.transform((x, y))
        delta = np.abs(centres - point)
        inside = np.all(delta <= self._half * scale, axis=1)
        if not inside.any():
            return None
        distance = np.where(inside, np.hypot(delta[:, 0], delta[:, 1]), np.inf)
        return self.keys[int(np.argmin(distance))]

    def position(self, key: str) -> tuple:
        """The data coordinates of a node's centre."""
        return tuple(self._xy[self._row[key]])

    def step_key(self, index: int) -> str | None:
        """The graph key of the node that ran at ``steps[index]``."""
        return self._step_keys[index] if 0 <= index < len(self._step_keys) else None

    def freed_at(self, index: int) -> set:
        """Keys of nodes whose saved tensors are freed after ``steps[0..index]``."""
        freed = set(self._freed_before)
        for position in range(min(index, len(self.steps) - 1) + 1):
            if self.steps[position].freed:
                freed.add(self._step_keys[position])
        return freed

    def leaf_grad(self, leaf: str, index: int):
        """A leaf's ``.grad`` after ``steps[0..index]``: an array, None, or MISSING (unknown)."""
        last = first = None
        for position, step in enumerate(self.steps):
            if step.is_accumulation and self._leaf_of.get(self._step_keys[position]) == leaf:
                first = position if first is None else first
                if position <= index:
                    last = position
        if last is not None:
            return self.steps[last].grad_after
        if first is not None:
            return self.steps[first].grad_before
        return self._grads_before.get(leaf, MISSING)

    def leaf_note(self, leaf: str, index: int | None = None) -> str | None:
        """The text under a leaf: its ``.grad``, written as a sum at its accumulation step."""
        index = self.index if index is None else index
        if 0 <= index < len(self.steps):
            step = self.steps[index]
            if step.is_accumulation and self._leaf_of.get(self._step_keys[index]) == leaf:
                after = format_values(step.grad_after)
                if step.grad_before is None:
                    return f".grad: None\n→ {after}"
                return sum_as_column([("", format_values(step.grad_before)),
                                      ("+", format_values(step.grad_in)), ("=", after)])
        value = self.leaf_grad(leaf, index)
        if value is MISSING:
            return None
        return format_values(value)

    def arrival_note(self, index: int | None = None) -> str | None:
        """The note beside the node running at ``index``: how the gradients that reached
        it were summed (or stacked, for a node with several outputs); None if one came."""
        index = self.index if index is None else index
        if not 0 <= index < len(self.steps):
            return None
        step = self.steps[index]
        if len(step.contributions) > 1 or step.node.num_outputs > 1:
            return _sum_text(step)
        return None

    def remove(self) -> None:
        """Take every artist of this picture off the axes."""
        for artist in self._static + self._overlay:
            artist.remove()
        self._static, self._overlay = [], []

    # ---- layout and static drawing ------------------------------------------------------

    def _fitted_font(self, wanted: float) -> tuple:
        """(size, split): the largest text size (up to 1.4x ``wanted``, at least 7 pt) at
        which the whole graph fits the axes with its margins. Names stay on one line
        unless that costs more than 15% of ``wanted`` or splitting them
        (``Mul\nBackward0``) allows text a quarter larger (a projector needs size more
        than one-line names). Nothing fits: 7 pt, split (the view is cropped)."""
        if not self.keys:
            return wanted, False
        whole = self._largest_fitting(wanted, False)
        split = self._largest_fitting(wanted, True)
        if whole is not None and whole >= 0.85 * wanted and (split is None
                                                             or split < 1.25 * whole):
            return whole, False
        if split is not None and (whole is None or split >= whole):
            return split, True
        if whole is not None:
            return whole, False
        return MIN_FONT_SIZE, True

    def _largest_fitting(self, wanted: float, split: bool) -> float | None:
        """The largest size (0.5 pt steps) at which the graph fits, or None below 7 pt."""
        scale = self.ax.figure.dpi / 72.0
        texts = []
        for key in self.keys:
            data = self.graph.nodes[key]
            marker = self.style.marker(data.get("kind"), data.get("role"))
            _, width, height = text_path(node_text(self.graph, key, split=split), wanted)
            texts.append((width, height, SHAPE_EXTRA.get(marker, 0.0)))
        unit = self._unit()
        xs, ys = self._xy[:, 0], self._xy[:, 1]
        span_x = float(xs.max() - xs.min()) / unit if unit else 0.0
        span_y = float(ys.max() - ys.min()) / unit if unit else 0.0
        box_width, box_height = self.ax.bbox.width, self.ax.bbox.height
        size = round(wanted * MAX_GROWTH * 2) / 2
        while size >= MIN_FONT_SIZE:
            factor = size / wanted
            halves = np.array([w * factor / 2 + extra * (h * factor + 2 * BOX_PAD) + BOX_PAD
                               for w, h, extra in texts]) * scale
            first, last, column = self._column_spacing(halves)
            half_y = max(h * factor / 2 + BOX_PAD for w, h, extra in texts) * scale
            left = first + 0.6 * size * 10 * scale
            right = last + 12
            top = half_y + 2.4 * size * scale + 8
            bottom = half_y + 3.6 * size * 1.25 * scale + 8
            if self._legend:
                legend = max(MIN_FONT_SIZE, 0.75 * size)
                lines = self.legend_text(legend).count("\n") + 1
                bottom += lines * LINE_SPACING * legend * scale
            need_x = left + right + span_x * column
            need_y = top + bottom + span_y * (2 * half_y + ROW_GAP_PX)
            if need_x <= box_width and need_y <= box_height:
                return size
            size -= 0.5
        return None

    def _measure(self) -> None:
        self._label_paths, self._box_paths, half = [], [], []
        for key, text in zip(self.keys, self._texts):
            data = self.graph.nodes[key]
            marker = self.style.marker(data.get("kind"), data.get("role"))
            path, width, height = text_path(text, self.font_size, SANS)
            self._label_paths.append(path)
            width += 2 * SHAPE_EXTRA.get(marker, 0.0) * (height + 2 * BOX_PAD)
            self._box_paths.append(shape_path(marker, width, height, BOX_PAD))
            half.append(((width / 2) + BOX_PAD, (height / 2) + BOX_PAD))
        self._half = np.array(half, dtype=float).reshape(-1, 2)

    def _setup_axes(self) -> None:
        ax, style = self.ax, self.style
        ax.set_axis_off()
        ax.set_facecolor(style.background)
        ax.figure.set_facecolor(style.background)
        ax.set_autoscale_on(False)
        if not self.keys:
            self.full_limits = self.home_limits = ((-1.0, 1.0), (-1.0, 1.0))
            ax.set_xlim(-1, 1)
            ax.set_ylim(-1, 1)
            return
        scale = ax.figure.dpi / 72.0
        half_px = self._half * scale
        xs, ys = self._xy[:, 0], self._xy[:, 1]
        note_px = 3.6 * self.font_size * 1.25 * scale
        first, last, column = self._column_spacing(half_px[:, 0])
        left = first + 0.6 * self.font_size * 10 * scale
        right = last + 12
        top = half_px[:, 1].max() + 2.4 * self.font_size * scale + 8
        bottom = half_px[:, 1].max() + note_px + 8
        if self._legend:
            legend = max(MIN_FONT_SIZE, 0.75 * self.font_size)
            bottom += (self.legend_text(legend).count("\n") + 1) * LINE_SPACING * legend * scale
        width, height = ax.bbox.width, ax.bbox.height
        unit = self._unit()
        readable_x = unit / column
        readable_y = unit / (2 * half_px[:, 1].max() + ROW_GAP_PX)
        x_fit, x_per_px = _fit(xs, left, right, width)
        # rows no further apart than they need to be: a second row never drifts to the bottom
        y_fit, y_per_px = _fit(ys, bottom, top, height, most_spread=readable_y)
        self.full_limits = (x_fit, y_fit)
        x_home, y_home = x_fit, y_fit
        if self._crop:  # too dense to read: show the output's end at a readable scale
            if x_per_px > readable_x:
                upper = xs.max() + right * readable_x
                x_home = (upper - width * readable_x, upper)
            if y_per_px > readable_y:
                middle = self._xy[self._row.get("output", 0), 1]
                y_home = (middle - height * readable_y / 2, middle + height * readable_y / 2)
        self.home_limits = (x_home, y_home)
        ax.set_xlim(*x_home)
        ax.set_ylim(*y_home)

    def _column_spacing(self, halves) -> tuple:
        """(half width of the first column, of the last, the centre distance neighbouring
        columns need) for the nodes' half widths ``halves`` (pixels)."""
        xs = np.round(self._xy[:, 0], 9)
        columns = np.unique(xs)
        widest = [float(halves[xs == column].max()) for column in columns]
        pairs = [a + b for a, b in zip(widest, widest[1:])] or [2 * widest[0]]
        return widest[0], widest[-1], max(pairs) + COLUMN_GAP_PX

    def _unit(self) -> float:
        """The data distance between neighbouring layers (and neighbours in a layer)."""
        layers = Counter(self.graph.nodes[key].get("layer", 0) for key in self.keys)
        xs, ys = self._xy[:, 0], self._xy[:, 1]
        if len(layers) > 1:
            return float(xs.max() - xs.min()) / (len(layers) - 1)
        tallest = max(layers.values())
        return float(ys.max() - ys.min()) / (tallest - 1) if tallest > 1 else 1.0

    def fit_all(self) -> None:
        """Show the whole graph, however small its text gets."""
        (x0, x1), (y0, y1) = self.full_limits
        self.ax.set_xlim(x0, x1)
        self.ax.set_ylim(y0, y1)

    def ensure_visible(self, key: str | None) -> bool:
        """Pan (keeping the zoom) so that node ``key`` is in view; True if the view moved."""
        if key not in self._row:
            return False
        x, y = self._xy[self._row[key]]
        moved = False
        for limits, setter, value in ((self.ax.get_xlim(), self.ax.set_xlim, x),
                                      (self.ax.get_ylim(), self.ax.set_ylim, y)):
            low, high = sorted(limits)
            margin = 0.1 * (high - low)
            if not low + margin <= value <= high - margin:
                half = (high - low) / 2
                setter(value - half, value + half)
                moved = True
        return moved

    def _draw_static(self) -> list:
        ax, style, graph = self.ax, self.style, self.graph
        edges = list(graph.edges)
        rows_from = [self._row[u] for u, _ in edges]
        rows_to = [self._row[v] for _, v in edges]
        args = (ax, self._xy[rows_from], self._xy[rows_to], self._half[rows_from],
                self._half[rows_to])
        lines = EdgeLines(*args, colors=style.edge, linewidths=style.line_width * 0.9,
                          linestyles=style.line_style("edge"), zorder=1)
        heads = ArrowHeads(*args, facecolors=style.edge, edgecolors="none", zorder=1.5)
        kinds = [(graph.nodes[key].get("kind"), graph.nodes[key].get("role")) for key in self.keys]
        boxes = PointsCollection(ax, self._box_paths, self._xy, zorder=2, linewidths=1.3,
                                 facecolors=[style.face(*kind) for kind in kinds],
                                 edgecolors=[style.outline(*kind) for kind in kinds])
        labels = PointsCollection(ax, self._label_paths, self._xy, zorder=3,
                                  facecolors=style.foreground, edgecolors="none", linewidths=0)
        artists = [lines, heads, boxes, labels]
        if self._legend:
            artists.append(self._legend_artist())
        for artist in artists:
            ax.add_collection(artist, autolim=False)
        return artists

    def legend_text(self, size: float | None = None) -> str:
        """What the marks mean, with this style's marks, in lines that fit the axes at
        ``size`` points (the legend's own size by default)."""
        style = self.style
        marks = {state: style.mark(state) for state in ("current", "visited", "failed", "freed")}
        items = [item.format(**marks) for item in LEGEND]
        size = size or max(MIN_FONT_SIZE, self.font_size * 0.75)
        room = self.ax.bbox.width * 72.0 / self.ax.figure.dpi - 16
        lines, line = [], ""
        for item in items:
            longer = f"{line} · {item}" if line else item
            if line and text_path(longer, size, SANS, "left")[1] > room:
                lines.append(line)
                line = item
            else:
                line = longer
        return "\n".join(lines + [line])

    def _legend_artist(self):
        """Muted lines in the bottom-left corner saying what the marks mean."""
        size = max(MIN_FONT_SIZE, self.font_size * 0.75)
        path, width, height = text_path(self.legend_text(), size, SANS, "left")
        scale = self.ax.figure.dpi / 72.0
        bbox = self.ax.bbox
        offset = ((width / 2 + 8) * scale / max(bbox.width, 1),
                  (height / 2 + 6) * scale / max(bbox.height, 1))
        return PointsCollection(self.ax, [path, _NOTHING], [offset, offset],
                                offset_transform=self.ax.transAxes, zorder=3,
                                facecolors=[self.style.muted, "none"], edgecolors="none",
                                linewidths=0)

    def _make_overlay(self, animated: bool) -> list:
        ax = self.ax
        state = PointsCollection(ax, zorder=4)
        marks = PointsCollection(ax, zorder=5)
        notes = PointsCollection(ax, zorder=6)
        caption = PointsCollection(ax, offset_transform=ax.transAxes, zorder=7)
        empty = np.zeros((0, 2))
        flow = EdgeLines(ax, empty, empty, empty, empty, colors=self.style.gradient,
                         linewidths=max(2.0, 1.6 * self.style.line_width),
                         linestyles=self.style.line_style("gradient"), zorder=1.8)
        overlay = [state, marks, notes, caption, flow]
        for artist in overlay:
            artist.set_animated(animated)
            ax.add_collection(artist, autolim=False)
        return overlay

    def _leaf_key(self, accumulate_key: str) -> str | None:
        for target in self.graph.successors(accumulate_key):
            if self.graph.nodes[target].get("kind") == "tensor":
                return target
        return None

    # ---- the overlay ----------------------------------------------------------------------

    def _ring(self, key: str, extra: float) -> tuple:
        half = self._half[self._row[key]]
        return box_path(2 * half[0] - 2 * BOX_PAD, 2 * half[1] - 2 * BOX_PAD, BOX_PAD + extra)

    def _draw_state(self, index: int) -> None:
        style = self.style
        items = _Items()
        freed = self.freed_at(index)
        if index >= 0 and self.steps[index].freed:
            freed.discard(self._step_keys[index])  # readable while it runs; grey from the next step
        for position in range(index):
            key = self._step_keys[position]
            if key not in freed:
                items.add(self._ring(key, 1.5), self._xy[self._row[key]], "none", style.visited,
                          max(2.0, style.line_width * 1.5), style.line_style("visited"))
        for key in sorted(freed, key=self._row.get):
            items.add(self._ring(key, 0.5), self._xy[self._row[key]], style.freed_wash,
                      style.muted, max(1.4, style.line_width), style.line_style("freed"))
        items.apply(self._overlay[0])
        self._draw_flow(index)

    def _draw_flow(self, index: int) -> None:
        """Dash the edges that carry this step's gradient."""
        pairs = []
        if index >= 0:
            step, key = self.steps[index], self._step_keys[index]
            if step.contributions and step.contributions[0].source is None:
                pairs += [(source, key) for source in self.graph.predecessors(key)]
            for target in self.graph.successors(key):
                slots = self.graph.edges[key, target].get("slots", ())
                if step.is_accumulation or any(
                        slot < len(step.grads_out) and step.grads_out[slot] is not None
                        for slot in slots):
                    pairs.append((key, target))
        rows_from = [self._row[u] for u, _ in pairs]
        rows_to = [self._row[v] for _, v in pairs]
        self._overlay[4].set_edges(self._xy[rows_from], self._xy[rows_to],
                                   self._half[rows_from], self._half[rows_to])

    def _draw_marks(self, index: int) -> None:
        style = self.style
        items = _Items()
        width = style.current_line_width
        if index >= 0:
            key = self._step_keys[index]
            items.add(self._ring(key, RING_PAD), self._xy[self._row[key]], "none", style.current,
                      width, "solid")
        failed = self.failed is not None and index == len(self.steps) - 1
        if failed:
            items.add(self._ring(self.failed, RING_PAD), self._xy[self._row[self.failed]],
                      "none", style.failed, width, "solid")
        if self.selected is not None:
            items.add(self._ring(self.selected, RING_PAD + 3.5),
                      self._xy[self._row[self.selected]], "none", style.selected, 1.6,
                      (0, (4, 2)))
        for key, state, colour in self._badges(index, failed):
            self._badge(items, key, style.mark(state), colour)
        items.apply(self._overlay[1])

    def _badges(self, index: int, failed: bool) -> list:
        """(key, state, colour) of each node's mark after ``steps[0..index]``."""
        style, marked, badges = self.style, set(), []
        if index >= 0:
            marked.add(self._step_keys[index])
            badges.append((self._step_keys[index], "current", style.current))
        if failed and self.failed not in marked:
            marked.add(self.failed)
            badges.append((self.failed, "failed", style.failed))
        for position in range(max(index, 0)):
            key = self._step_keys[position]
            if key not in marked:
                marked.add(key)
                badges.append((key, "visited", style.visited))
        for key in sorted(self.freed_at(index) - marked, key=self._row.get):
            badges.append((key, "freed", style.muted))
        return badges

    def _badge(self, items, key: str, mark: str, colour) -> None:
        """A round badge holding ``mark`` on the top-right corner of a node's box (the
        gradients a node sends leave from its left)."""
        if not mark:
            return
        size = max(MIN_FONT_SIZE, self.font_size * BADGE_SCALE)
        path, width, height = text_path(mark, size, SANS)
        radius = max(width, height) / 2 + 1.5
        half = self._half[self._row[key]]
        dx, dy = half[0] - radius * 0.4, half[1] + radius * 0.2
        circle = box_path(2 * radius, 2 * radius, 0.0, rounding=radius)
        items.add(shifted(circle, dx, dy), self._xy[self._row[key]], self.style.background,
                  colour, 1.6, "solid")
        items.add(shifted(path, dx, dy), self._xy[self._row[key]], self.style.foreground,
                  "none", 0, "solid")

    def _draw_notes(self, index: int, travel: float) -> None:
        items = _Items()
        for key in self.keys:
            node = self.graph.nodes[key]
            if node.get("kind") == "tensor" and node.get("role") == "leaf":
                self._leaf_grad_note(items, key, index)
        if index >= 0:
            self._step_notes(items, index, travel)
        if self.failed is not None and index == len(self.steps) - 1:
            self._note_beside(items, self.failed, self._error_text(), self.style.failed,
                              self.style.note_face, self.style.failed, above=False)
        items.apply(self._overlay[2])

    def _error_text(self) -> str:
        text = self.error or "this node raised an error"
        if "backward through the graph a second time" in text:
            return "× raised: what it saved was freed"
        if len(text) > 48:
            text = text[:45] + "..."
        return f"× {text}"

    def _leaf_grad_note(self, items, key: str, index: int) -> None:
        text = self.leaf_note(key, index)
        if text is None:
            return
        style = self.style
        active = "\n" in text
        path, width, height = text_path(text, self.font_size, MONO, "left")
        label_path, _, _ = text_path(".grad", self.font_size * 0.85, SANS)
        half = self._half[self._row[key]]
        shift = -(half[1] + height / 2 + NOTE_PAD + 3)
        centre = self._xy[self._row[key]]
        edge = style.note_edge if active else style.leaf_edge
        face = style.note_face if active else style.background
        items.add(shifted(box_path(width, height, NOTE_PAD), 0, shift), centre, face, edge,
                  1.6 if active else 0.8, "solid")
        items.add(shifted(path, 0, shift), centre, style.foreground, "none", 0, "solid")
        if not active:
            label_shift = (-width / 2 - NOTE_PAD - 14, shift)
            items.add(shifted(label_path, *label_shift), centre, style.muted, "none", 0, "solid")

    def _step_notes(self, items, index: int, travel: float) -> None:
        step, key, style = self.steps[index], self._step_keys[index], self.style
        note = self.arrival_note(index)
        summed = note is not None
        if summed:  # above an AccumulateGrad (its leaf's note is below), else below the node
            self._note_beside(items, key, note, style.foreground, style.note_face,
                              style.note_edge, above=step.is_accumulation)
        elif step.contributions and step.contributions[0].source is None:
            for source in self.graph.predecessors(key):
                self._token(items, source, key, format_values(step.grad_in), travel)
        if step.is_accumulation:
            leaf = self._leaf_of.get(key)
            if leaf is not None and not summed:  # else the sum note says it all
                self._token(items, key, leaf, format_values(step.grad_in), travel)
            return
        for target in self.graph.successors(key):
            slots = self.graph.edges[key, target].get("slots", ())
            sent = [step.grads_out[slot] for slot in slots
                    if slot < len(step.grads_out) and step.grads_out[slot] is not None]
            if sent:
                self._token(items, key, target, "\n".join(format_values(g) for g in sent), travel)

    def _token(self, items, source: str, target: str, text: str, travel: float) -> None:
        style = self.style
        start, end = self._xy[self._row[source]], self._xy[self._row[target]]
        where = start + (end - start) * (0.18 + 0.32 * travel)
        path, width, height = text_path(text, self.font_size, MONO)
        lift = max(self._half[self._row[source], 1], self._half[self._row[target], 1])
        lift += height / 2 + NOTE_PAD + 3
        items.add(shifted(box_path(width, height, NOTE_PAD), 0, lift), where,
                  style.gradient_face, style.gradient, 1.4, style.line_style("gradient"))
        items.add(shifted(path, 0, lift), where, style.gradient, "none", 0, "solid")

    def _note_beside(self, items, key: str, text: str, color, face, edge, *,
                     above: bool = True) -> None:
        path, width, height = text_path(text, self.font_size, MONO)
        half = self._half[self._row[key]]
        shift = (half[1] + height / 2 + NOTE_PAD + RING_PAD + 4) * (1 if above else -1)
        centre = self._xy[self._row[key]]
        items.add(shifted(box_path(width, height, NOTE_PAD), 0, shift), centre, face, edge, 1.2,
                  "solid")
        items.add(shifted(path, 0, shift), centre, color, "none", 0, "solid")

    def _draw_caption(self, index: int) -> None:
        items = _Items()
        text = self._caption_text(index)
        if text:
            size = self.font_size + 1
            path, width, height = text_path(text, size, SANS, "left")
            scale = self.ax.figure.dpi / 72.0
            bbox = self.ax.bbox
            offset = ((width / 2 + 8) * scale / max(bbox.width, 1),
                      1 - (height / 2 + 6) * scale / max(bbox.height, 1))
            items.add(path, offset, self.style.foreground, "none", 0, "solid")
        items.apply(self._overlay[3])

    def _caption_text(self, index: int) -> str:
        total = len(self.steps)
        if index < 0:
            text = "before the backward pass" if total or self.failed else ""
        else:
            step = self.steps[index]
            name = step.name
            if step.is_accumulation:
                leaf = self._leaf_of.get(self._step_keys[index])
                label = self.graph.nodes[leaf].get("label", leaf) if leaf else "leaf"
                name = f"AccumulateGrad into {label}.grad"
            text = f"step {index + 1} of {total}: {name}"
        if self.failed is not None and index == total - 1:
            label = self.graph.nodes[self.failed].get("label", self.failed)
            text = (text + "\n" if text else "") + f"then {label} raised an error"
        return text


def shape_path(marker: str, width: float, height: float, pad: float) -> Path:
    """A node's box in the shape of its marker letter, ``width`` x ``height`` plus ``pad``.

    ``o`` round ends, ``s`` square corners, ``h`` pointed ends (a hexagon), ``D`` cut
    corners (an octagon); anything else a rounded rectangle.
    """
    full_width, full_height = width + 2 * pad, height + 2 * pad
    if marker == "o":
        return box_path(width, height, pad, rounding=full_height / 2)
    if marker == "s":
        return box_path(width, height, pad, rounding=0.5)
    x, y = full_width / 2, full_height / 2
    if marker == "h":
        cut = min(SHAPE_EXTRA["h"] * full_height, x)
        points = [(-x, 0), (-x + cut, y), (x - cut, y), (x, 0), (x - cut, -y), (-x + cut, -y)]
    elif marker == "D":
        cut = min(0.3 * full_height, x, 7.0)
        points = [(-x + cut, y), (x - cut, y), (x, y - cut), (x, -y + cut), (x - cut, -y),
                  (-x + cut, -y), (-x, -y + cut), (-x, y - cut)]
    else:
        return box_path(width, height, pad)
    points.append(points[0])
    codes = [Path.MOVETO] + [Path.LINETO] * (len(points) - 2) + [Path.CLOSEPOLY]
    return Path(np.array(points, dtype=float), codes)


def _fit(values, low_px: float, high_px: float, size_px: float,
         most_spread: float | None = None) -> tuple:
    """Limits showing every value with the margins given in pixels, and data per pixel.

    ``most_spread`` (data per pixel) keeps values from being spread further apart than
    that: the limits then grow evenly on both sides around them.
    """
    span = float(values.max() - values.min())
    inner = max(size_px - low_px - high_px, 0.25 * size_px, 40.0)
    per_px = span / inner if span > 0 else 1.0 / max(size_px, 1.0)
    if span > 0 and most_spread is not None and per_px < most_spread:
        per_px = most_spread
        spare = max(size_px - low_px - high_px - span / per_px, 0.0) / 2
        low_px, high_px = low_px + spare, high_px + spare
    return (float(values.min() - low_px * per_px), float(values.max() + high_px * per_px)), per_px


def _sum_text(step) -> str:
    """The gradients that reached a node and what they made: ``a + b`` / ``= c``; for a
    node with several outputs, one line per output and the stacked result."""
    if step.node.num_outputs > 1:
        per_output = gradients_per_output(step)
        lines = [f"out {number}: " + (" + ".join(map(format_values, grads)) or "zeros")
                 for number, grads in enumerate(per_output[:MAX_TERMS])]
        if len(per_output) > MAX_TERMS:
            lines.append(f"... ({len(per_output)} outputs)")
        return "\n".join(lines) + f"\nstacked = {format_values(step.grad_in)}"
    values = [format_values(c.grad) for c in step.contributions]
    if len(values) > MAX_TERMS:
        values = values[:MAX_TERMS - 1] + [f"... ({len(values)} terms)"]
    return " + ".join(values) + f"\n= {format_values(step.grad_in)}"


class _Items:
    """Per-item paths and styles gathered for one PointsCollection."""

    def __init__(self):
        self.paths, self.offsets, self.faces, self.edges = [], [], [], []
        self.widths, self.styles = [], []

    def add(self, path, offset, face, edge, width, style) -> None:
        self.paths.append(path)
        self.offsets.append(tuple(offset))
        self.faces.append(face)
        self.edges.append(edge)
        self.widths.append(width)
        self.styles.append(style)

    def apply(self, collection) -> None:
        if not self.paths:
            collection.set_items([], np.zeros((0, 2)), facecolor="none", edgecolor="none",
                                 linewidth=0, linestyle="solid")
            return
        if len(self.paths) == 1:
            # one path would take matplotlib's single-marker shortcut, which first measures
            # the path's extents curve by curve: 15 ms for a line of text. A second, empty
            # path keeps the ordinary (fast) collection drawing.
            self.add(_NOTHING, self.offsets[0], "none", "none", 0, "solid")
        collection.set_items(self.paths, self.offsets, facecolor=self.faces,
                             edgecolor=self.edges, linewidth=_uniform(self.widths),
                             linestyle=_uniform(self.styles))


def _uniform(values: list):
    """One value for all items when they agree (matplotlib rescales dashes per item)."""
    first = values[0]
    return first if all(value == first for value in values) else values
