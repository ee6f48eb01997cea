"""The picture's geometry in units, before anything is drawn (Qt-free).

A unit is a point of text at the reference size ``TEXT``: the whole picture (boxes,
labels, edges, gaps) is measured in units, so that fitting it to a canvas is one scale
factor and zooming never makes one thing cover another. ``build_scene`` measures every
node's box and reserves room under it for the largest label it will carry during the
pass (a leaf's ``.grad`` written as a sum, the gradient that reached a node, the sum of
two arrivals, an error), widens the gaps between columns for the gradients that travel
along the edges, lays the blocks out (``gui.picture.layout``, folding a long chain into a
serpentine when the canvas's shape asks for it), routes one curve per ``next_functions``
slot through free slots of the columns it crosses, and finds each edge label a place
where it covers no node and no other label shown at the same step.

>>> import engine as torch
>>> from engine.graph import to_networkx
>>> from gui.picture.moment import PassStates
>>> x = torch.arange(4.0, requires_grad=True)
>>> y = 2 * torch.dot(x, x)
>>> graph = to_networkx(y, names={"x": x}, output_name="y")
>>> scene = build_scene(graph, PassStates(graph, torch.BackwardPass(y).run().steps), 16 / 9)
>>> sorted(edge for edge in scene.edges if edge[0] == "fn2")
[('fn2', 'fn3', 0), ('fn2', 'fn3', 1)]
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np
from matplotlib.path import Path

from gui.picture.layout import COLUMN_GAP, DUMMY, best_bands, choose_bands, order_layers
from gui.picture.moment import PassStates, drawn_edges
from gui.picture.style import GraphStyle, style_for
from gui.picture.text import LINE_SPACING, MONO, SANS, box_path, stacked, text_path
from gui.picture.values import tensor_text

__all__ = ["Scene", "Label", "build_scene", "shape_path", "TEXT", "BOX_PAD", "NOTE_PAD",
           "node_parts", "SHAPE_EXTRA"]

TEXT = 10.0            # the reference text size: one unit = one point of it
BOX_PAD = 4.0
NOTE_PAD = 3.0
NOTE_GAP = 3.5         # between a box and the labels under it
LABEL_MARGIN = 3.0     # kept free around every label
HEAD_LENGTH = 7.0
HEAD_WIDTH = 5.5
PORT_SPREAD = 0.28     # of a box's half height, between the ports of parallel edges
BULGE = 14.0           # units between the arcs of parallel edges
SHAPE_EXTRA = {"o": 0.22, "h": 0.32, "D": 0.12}
_orders: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass
class Label:
    """A text box: its ``key`` (node key, or edge tuple), text, centre and half size."""

    key: object
    text: str
    centre: tuple
    half: tuple
    path: Path
    kind: str = "note"   # note, grad, sum, buffer, error, edge
    anchor: tuple | None = None  # where on its edge an edge label belongs

    @property
    def rect(self) -> tuple:
        (x, y), (w, h) = self.centre, self.half
        return (x - w, y - h, x + w, y + h)


@dataclass
class Scene:
    """Everything ``GraphPicture`` draws, in units (y up)."""

    keys: list
    centre: dict = field(default_factory=dict)       # key -> box centre
    half: dict = field(default_factory=dict)         # key -> box half size (with padding)
    box_path: dict = field(default_factory=dict)     # key -> shape, centred
    text_path: dict = field(default_factory=dict)    # key -> box text, centred
    text: dict = field(default_factory=dict)         # key -> box text
    note_top: dict = field(default_factory=dict)     # key -> top of the room under the box
    edges: dict = field(default_factory=dict)        # (source, target, slot) -> Path
    heads: dict = field(default_factory=dict)        # edge -> triangle (3 x 2)
    edge_labels: dict = field(default_factory=dict)  # step index -> [Label]
    bounds: tuple = (0.0, 0.0, 1.0, 1.0)
    bands: int = 1
    _polylines: dict = field(default_factory=dict)

    def point_along(self, edge, fraction: float) -> tuple:
        """The point ``fraction`` (0..1) of the way along an edge's arc, by length, from
        the node that sends to the one that receives."""
        if edge not in self._polylines:
            points = np.concatenate(self.edges[edge].to_polygons(closed_only=False))
            steps = np.hypot(*np.diff(points, axis=0).T)
            self._polylines[edge] = (points, np.concatenate([[0.0], np.cumsum(steps)]))
        points, lengths = self._polylines[edge]
        at = min(max(fraction, 0.0), 1.0) * lengths[-1]
        return (float(np.interp(at, lengths, points[:, 0])),
                float(np.interp(at, lengths, points[:, 1])))


def node_parts(graph, key, *, values: bool = False, width: int | None = None) -> list:
    """The ``(text, family)`` blocks in a node's box: a function's torch name (and, with
    ``values``, the forward value when the graph carries one); a tensor's name and value."""
    data = graph.nodes[key]
    if data.get("kind") != "tensor":
        parts = [(str(data.get("label", key)), SANS)]
        value = data.get("value")  # an AccumulateGrad's is its leaf's, drawn beside it
        if values and value is not None and data.get("kind") == "function":
            parts.append(("= " + _indented(tensor_text(value, width=width), 2), MONO))
        return parts
    tensor = data["tensor"]
    return [(str(data.get("label", key)), SANS),
            (tensor_text(np.asarray(tensor.detach().numpy()), width=width), MONO)]


def _indented(text: str, spaces: int) -> str:
    first, *rest = text.split("\n")
    return "\n".join([first] + [" " * spaces + line for line in rest])


def grad_text(value, width: int | None = None) -> str:
    """``grad 4`` (a node's gradient, as micrograd writes it beside the data)."""
    return "grad " + _indented(tensor_text(value, width=width), 5)


def note_text(states: PassStates, key: str, index: int, grads: bool) -> tuple:
    """(text, kind) of the label under node ``key`` at ``index`` (text None: nothing)."""
    data = states.graph.nodes[key]
    if data.get("kind") == "tensor" and data.get("role") == "leaf":
        text = states.leaf_note(key, index)
        return text, "buffer"
    if states.ran_at(key) == index:
        summed = states.arrival_note(index)
        if summed is not None:
            return summed, "sum"
    if grads or states.is_done(index):
        value = states.grad_reached(key, index)
        if value is not None:
            return grad_text(value, states.text_width), "grad"
    return None, "grad"


def error_text(states: PassStates) -> str:
    text = states.error or "this node raised an error"
    if "backward through the graph a second time" in text:
        return "× raised: what it saved was freed"
    if len(text) > 48:
        text = text[:45] + "..."
    return f"× {text}"


def _note_indices(states: PassStates, key: str) -> list:
    """The positions at which a node's label can differ (to reserve its largest)."""
    last = len(states) - 1
    indices = {-1, last}
    ran = states.ran_at(key)
    if ran is not None:
        indices.update((ran, ran + 1 if ran < last else ran))
    for position in states.accumulations.get(key, ()):
        indices.update((position, min(position + 1, last)))
    return sorted(i for i in indices if -1 <= i <= last)


def label_size(text: str) -> tuple:
    _, width, height = text_path(text, TEXT, MONO, "left")
    return width / 2 + NOTE_PAD, height / 2 + NOTE_PAD


def build_scene(graph, states: PassStates, aspect: float, *,
                theme: str | GraphStyle = "light", values: bool = False,
                grads: bool = False, fit_scale: float | None = None) -> Scene:
    """The geometry of ``graph`` during the pass ``states`` for a canvas ``aspect`` wide.

    ``fit_scale`` (canvas height in units of the smallest readable text) lets a graph that
    would not fit give up the room reserved for edge labels between the columns.
    """
    style = style_for(theme)
    keys = list(graph.nodes)
    scene = Scene(keys)
    if not keys:
        return scene
    sizes, box_heights, notes = {}, {}, {}
    for key in keys:
        data = graph.nodes[key]
        marker = style.marker(data.get("kind"), data.get("role"))
        parts = node_parts(graph, key, values=values, width=states.text_width)
        path, width, height = stacked(parts, TEXT)
        scene.text[key] = "\n".join(text for text, _ in parts)
        scene.text_path[key] = path
        width += 2 * SHAPE_EXTRA.get(marker, 0.0) * min(height + 2 * BOX_PAD, 30.0)
        scene.box_path[key] = shape_path(marker, width, height, BOX_PAD)
        half = (width / 2 + BOX_PAD, height / 2 + BOX_PAD)
        scene.half[key] = half
        note_w = note_h = 0.0
        for index in _note_indices(states, key):
            text, _ = note_text(states, key, index, True)
            if text:
                w, h = label_size(text)
                note_w, note_h = max(note_w, 2 * w), max(note_h, 2 * h)
        if states.failed == key:
            w, h = label_size(error_text(states))
            note_w, note_h = max(note_w, 2 * w), note_h + 2 * h + LABEL_MARGIN
        notes[key] = note_h
        block_h = 2 * half[1] + (NOTE_GAP + note_h if note_h else 0.0)
        sizes[key] = (max(2 * half[0], note_w) + 2 * LABEL_MARGIN, block_h)
        box_heights[key] = 2 * half[1]
    order = _orders.get(graph)
    if order is None or order[0] != graph.number_of_edges():
        order = (graph.number_of_edges(), order_layers(graph))
        _orders[graph] = order
    order = order[1]
    sending = {}
    for index in range(len(states)):
        for edge, value in states.edge_grads(index).items():
            sending[edge] = (index, states.text(value))
    gaps = {}
    layer_of = order.layer_of
    for (source, _target, _slot), (_, text) in sending.items():
        w, _ = label_size(text)
        gap = max(0.0, 2 * w + 2 * LABEL_MARGIN - COLUMN_GAP)
        number = layer_of[source] - 1
        gaps[number] = max(gaps.get(number, 0.0), gap)
    if fit_scale is not None and choose_bands(order, sizes, aspect, gaps=gaps)[1] * fit_scale < 1:
        gaps = {}  # too large to be read whole: the gradients on the edges find room elsewhere
    bands, placed = best_bands(order, sizes, aspect, box_heights=box_heights, gaps=gaps)
    scene.bands = bands
    for key in keys:
        x, y = placed.centre[key]
        scene.centre[key] = (x, -y)
        scene.note_top[key] = -y - scene.half[key][1] - NOTE_GAP
    _route(scene, graph, order, placed)
    obstacles = [_box_rect(scene, key) for key in keys]
    obstacles += [_note_rect(scene, key, sizes[key][0], notes[key]) for key in keys
                  if notes[key]]
    _place_edge_labels(scene, sending, obstacles, placed, layer_of)
    scene.bounds = _bounds(scene, obstacles)
    return scene


def _box_rect(scene, key) -> tuple:
    (x, y), (w, h) = scene.centre[key], scene.half[key]
    return (x - w, y - h, x + w, y + h)


def _note_rect(scene, key, width, height) -> tuple:
    x, top = scene.centre[key][0], scene.note_top[key]
    return (x - width / 2, top - height, x + width / 2, top)


# ---- edges ----------------------------------------------------------------------------

def _route(scene: Scene, graph, order, placed) -> None:
    """One curve per drawn edge, box border to box border, through its dummy slots."""
    layer_of = order.layer_of
    per_pair = {}
    for edge in drawn_edges(graph):
        per_pair.setdefault(edge[:2], []).append(edge)
    for (source, target), edges in per_pair.items():
        chain = order.chains[(source, target)]
        count = len(edges)
        for number, edge in enumerate(edges):
            offset = number - (count - 1) / 2
            points = _chain_points(scene, placed, layer_of, chain, offset)
            scene.edges[edge] = _curve(points, offset * BULGE)
            scene.heads[edge] = _head(points[-1][:2], points[-1][2])


def _side(placed, layer_of, item) -> int:
    return placed.side[layer_of[item]]


def _chain_points(scene, placed, layer_of, chain, offset) -> list:
    """[(x, y, dx, kind)]: where the edge leaves and enters each item and which way it
    travels there (``dx`` = +1 right, -1 left); ``kind`` says how it goes on."""
    points = []
    last = len(chain) - 1
    for position, item in enumerate(chain):
        layer = layer_of[item]
        side = placed.side[layer]
        left, right = placed.columns[layer]
        # entering from the higher layer on side +side, leaving towards -side
        enter_x, leave_x = (right, left) if side > 0 else (left, right)
        travel = -side
        if isinstance(item, tuple) and item[0] == DUMMY:
            y = -placed.dummy_y[item] + offset * 1.5
            points.append((enter_x, y, travel, "line"))
            points.append((leave_x, y, travel, "gap"))
            continue
        (cx, cy), (hw, hh) = scene.centre[item], scene.half[item]
        port = cy + offset * PORT_SPREAD * hh * 2
        if position == 0:
            points.append((cx - side * hw, port, travel, "line"))
            points.append((leave_x, port, travel, "gap"))
        elif position == last:
            points.append((enter_x, port, travel, "line"))
            points.append((cx + side * hw, port, travel, "end"))
    return points


def _curve(points, bulge: float = 0.0) -> Path:
    """Straight runs inside columns, cubic curves across gaps (horizontal tangents)."""
    vertices = [points[0][:2]]
    codes = [Path.MOVETO]
    for (x0, y0, dx0, kind), (x1, y1, dx1, _) in zip(points, points[1:]):
        if kind == "line":
            vertices.append((x1, y1))
            codes.append(Path.LINETO)
            continue
        reach = max(abs(x1 - x0) / 2, 14.0)
        if dx0 == -dx1:   # a turn of the serpentine: out and back
            reach = max(24.0, abs(y1 - y0) * 0.45)
        vertices += [(x0 + dx0 * reach, y0 + bulge), (x1 - dx1 * reach, y1 + bulge), (x1, y1)]
        codes += [Path.CURVE4] * 3
    return Path(np.array(vertices, dtype=float), codes)


def _head(tip, direction: float) -> np.ndarray:
    """An arrow head at ``tip`` pointing the way ``direction`` (+1 right, -1 left)."""
    x, y = tip
    base = x - direction * HEAD_LENGTH
    return np.array([(x, y), (base, y + HEAD_WIDTH / 2), (base, y - HEAD_WIDTH / 2)])


def _gap_midpoint(path: Path) -> tuple:
    """The middle of the first curve of an edge (where it crosses the first gap) and
    whether that curve is a turn of the serpentine (it runs out and back)."""
    vertices, codes = path.vertices, path.codes
    for index in range(1, len(codes) - 2):
        if codes[index] == Path.CURVE4:
            p0, p1, p2, p3 = vertices[index - 1:index + 3]
            middle = 0.125 * p0 + 0.375 * p1 + 0.375 * p2 + 0.125 * p3
            turn = np.sign(p1[0] - p0[0]) != np.sign(p3[0] - p2[0])
            return middle, bool(turn), p0, p3
    middle = vertices.mean(axis=0)
    return middle, False, vertices[0], vertices[-1]


# ---- labels ---------------------------------------------------------------------------

def _overlaps(rect, rects: np.ndarray) -> bool:
    if not len(rects):
        return False
    x0, y0, x1, y1 = rect
    return bool(np.any((x0 < rects[:, 2]) & (x1 > rects[:, 0]) & (y0 < rects[:, 3])
                       & (y1 > rects[:, 1])))


def free_spot(anchor, half, rects: np.ndarray, *, sideways: float = 0.0) -> tuple:
    """The centre nearest ``anchor`` (searched up and down, then sideways by
    ``sideways``) where a box of ``half`` size plus a margin covers none of ``rects``."""
    w, h = half[0] + LABEL_MARGIN, half[1] + LABEL_MARGIN
    x, y = float(anchor[0]), float(anchor[1])
    step = max(h / 2, 3.0)
    shifts = np.zeros(159)
    shifts[1::2] = np.arange(1, 80) * step
    shifts[2::2] = -np.arange(1, 80) * step
    ys = y + shifts
    for dx in (0.0, sideways, -sideways, 2 * sideways, -2 * sideways) if sideways else (0.0,):
        if not len(rects):
            return (x + dx, y)
        x0, x1 = x + dx - w, x + dx + w
        across = (x0 < rects[:, 2]) & (x1 > rects[:, 0])
        if not across.any():
            return (x + dx, y)
        near = rects[across]
        hits = ((ys[:, None] - h < near[None, :, 3]) & (ys[:, None] + h > near[None, :, 1]))
        free = ~hits.any(axis=1)
        if free.any():
            return (x + dx, float(ys[int(np.argmax(free))]))
    return (x, y - 80 * step - h)


def _place_edge_labels(scene, sending, obstacles, placed, layer_of) -> None:
    fixed = np.array(obstacles, dtype=float).reshape(-1, 4)
    by_step = {}
    for edge, (index, text) in sending.items():
        by_step.setdefault(index, []).append((edge, text))
    for index, items in by_step.items():
        taken = []
        labels = []
        for edge, text in sorted(items, key=lambda item: item[0][2]):
            path = scene.edges.get(edge)
            if path is None:
                continue
            half = label_size(text)
            middle, turn, start, _ = _gap_midpoint(path)
            anchor = middle
            if turn:  # in the gap between the two bands, just inside the turn
                outward = np.sign(middle[0] - start[0]) or 1.0
                band = placed.band_of[layer_of[edge[1]]]
                anchor = (start[0] - outward * (half[0] + LABEL_MARGIN), -placed.gap_y[band])
            rects = np.vstack([fixed, np.array(taken).reshape(-1, 4)]) if taken else fixed
            centre = None
            if turn:  # side by side along the gap between the bands, inwards
                for number in range(4):
                    x = anchor[0] - outward * number * (2 * half[0] + 3 * LABEL_MARGIN)
                    w, h = half[0] + LABEL_MARGIN, half[1] + LABEL_MARGIN
                    if not _overlaps((x - w, anchor[1] - h, x + w, anchor[1] + h), rects):
                        centre = (x, anchor[1])
                        break
            if centre is None:
                centre = free_spot(anchor, half, rects, sideways=half[0])
            label = Label(edge, text, centre, half,
                          text_path(text, TEXT, MONO, "left")[0], "edge", tuple(middle))
            taken.append(_grown(label.rect))
            labels.append(label)
        scene.edge_labels[index] = labels


def _grown(rect, margin: float = LABEL_MARGIN) -> tuple:
    return (rect[0] - margin, rect[1] - margin, rect[2] + margin, rect[3] + margin)


def _bounds(scene, obstacles) -> tuple:
    rects = list(obstacles)
    for labels in scene.edge_labels.values():
        rects += [label.rect for label in labels]
    for path in scene.edges.values():  # a curve stays inside its control points
        low, high = path.vertices.min(axis=0), path.vertices.max(axis=0)
        rects.append((low[0], low[1], high[0], high[1]))
    array = np.array(rects, dtype=float).reshape(-1, 4)
    return (float(array[:, 0].min()), float(array[:, 1].min()),
            float(array[:, 2].max()), float(array[:, 3].max()))


def shape_path(marker: str, width: float, height: float, pad: float) -> Path:
    """A node's box in the shape of its marker letter, ``width`` x ``height`` plus ``pad``.

    ``o`` round ends, ``s`` square corners, ``h`` pointed ends (a hexagon), ``D`` cut
    corners (an octagon); anything else a rounded rectangle.
    """
    full_width, full_height = width + 2 * pad, height + 2 * pad
    if marker == "o":
        return box_path(width, height, pad, rounding=min(full_height / 2, 14.0))
    if marker == "s":
        return box_path(width, height, pad, rounding=0.5)
    x, y = full_width / 2, full_height / 2
    if marker == "h":
        cut = min(SHAPE_EXTRA["h"] * min(full_height, 30.0), x)
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


LINE = TEXT * LINE_SPACING
