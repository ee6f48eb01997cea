"""Where each node of a backward graph goes: a small Sugiyama layered layout (Qt-free).

Every leaf is in layer 0 (the first column) and every other node one layer above the
highest it feeds, so the output is last. An edge spanning several layers gets a *dummy*
point in each layer it crosses, so it is routed through a free slot of that column
instead of through the nodes there. ``order_layers`` orders each layer by barycentre
sweeps (down and up, keeping the order with the fewest crossings); ``place`` then gives
every block (a node box and the room reserved under it for its labels) its place, column
by column, each block as near the blocks it is joined to as the order allows, so chains
run straight. A long chain wraps: ``place(..., bands=3)`` folds the layers into three
bands read as a serpentine (leaves top left, the output at the end of the last band),
whose direction alternates; ``best_bands`` picks the fold that lets the picture be
largest on a canvas of a given shape. Networkx is the graph library; nothing here needs Graphviz.

>>> import engine as torch
>>> from engine.graph import to_networkx
>>> x = torch.arange(4.0, requires_grad=True)
>>> graph = to_networkx(2 * torch.dot(x, x), names={"x": x}, output_name="y")
>>> order = order_layers(graph)
>>> order.layers[0], order.layers[-1]
(['leaf0'], ['output'])
>>> placed = place(order, {key: (60.0, 20.0) for key in graph})
>>> placed.centre["leaf0"][0] < placed.centre["output"][0]
True
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

__all__ = ["LayerOrder", "Placement", "order_layers", "place", "best_bands", "crossings",
           "DUMMY", "leaf_layers", "estimate", "choose_bands"]

DUMMY = "~"          # first item of a dummy point's key: ("~", source, target, number)
SWEEPS = 6
COLUMN_GAP = 28.0     # units (points at the reference text size) between two columns
ROW_GAP = 13.0
BAND_GAP = 30.0
DUMMY_HEIGHT = 4.0
DUMMY_GAP = 3.0


@dataclass
class LayerOrder:
    """The items of each layer in order (node keys and dummy keys), and each edge's
    chain of items from its source down to its target."""

    layers: list
    chains: dict
    layer_of: dict


@dataclass
class Placement:
    """Block geometry in units, y growing downwards: ``centre[key]`` is a node box's
    centre; ``columns[layer]`` = (left, right) of that layer's column; ``side[layer]`` is
    +1 where layers grow to the right in its band, -1 where the serpentine runs back;
    ``dummy_y[item]`` the height of a dummy point; ``band_of[layer]``."""

    centre: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)
    side: dict = field(default_factory=dict)
    dummy_y: dict = field(default_factory=dict)
    band_of: dict = field(default_factory=dict)
    gap_y: list = field(default_factory=list)   # the middle of the gap under each band
    size: tuple = (0.0, 0.0)


def order_layers(graph: nx.DiGraph) -> LayerOrder:
    """Each layer's items in an order with few crossings (barycentre sweeps)."""
    layer_of = leaf_layers(graph)
    count = max(layer_of.values(), default=-1) + 1
    layers = [[] for _ in range(count)]
    for key in graph.nodes:  # depth-first order from the output: a good first order
        layers[layer_of[key]].append(key)
    chains = {}
    for source, target in graph.edges:
        chain = [source]
        for layer in range(layer_of[source] - 1, layer_of[target], -1):
            dummy = (DUMMY, source, target, layer)
            layer_of[dummy] = layer
            layers[layer].append(dummy)
            chain.append(dummy)
        chain.append(target)
        chains[(source, target)] = chain
    up, down = defaultdict(list), defaultdict(list)  # neighbours one layer up / down
    for chain in chains.values():
        for upper, lower in zip(chain, chain[1:]):
            down[upper].append(lower)
            up[lower].append(upper)
    best = [list(layer) for layer in layers]
    best_count = _total_crossings(best, down)
    for sweep in range(SWEEPS):
        if sweep % 2 == 0:   # from the output's layer down to the leaves
            for number in range(count - 2, -1, -1):
                _sort_by(layers[number], layers[number + 1], up)
        else:
            for number in range(1, count):
                _sort_by(layers[number], layers[number - 1], down)
        total = _total_crossings(layers, down)
        if total < best_count:
            best, best_count = [list(layer) for layer in layers], total
    return LayerOrder(best, chains, layer_of)


def leaf_layers(graph: nx.DiGraph) -> dict:
    """Each node's layer: 0 for every node without successors (the leaves, in one column),
    else one more than the highest layer it feeds (the output is last)."""
    layer_of = {}
    for key in reversed(list(nx.topological_sort(graph))):
        layer_of[key] = 1 + max((layer_of[child] for child in graph.successors(key)),
                                default=-1)
    return layer_of


def _sort_by(layer: list, fixed: list, neighbours: dict) -> None:
    position = {item: index for index, item in enumerate(fixed)}
    current = {item: index for index, item in enumerate(layer)}

    def barycentre(item):
        linked = [position[other] for other in neighbours[item] if other in position]
        return (sum(linked) / len(linked) if linked else current[item], current[item])

    layer.sort(key=barycentre)


def crossings(upper: list, lower: list, down: dict) -> int:
    """Edge crossings between two neighbouring layers."""
    position = {item: index for index, item in enumerate(lower)}
    pairs = [(index, position[other]) for index, item in enumerate(upper)
             for other in down.get(item, ()) if other in position]
    if len(pairs) < 2:
        return 0
    a = np.array(pairs, dtype=float)
    da = a[:, 0][:, None] - a[:, 0][None, :]
    db = a[:, 1][:, None] - a[:, 1][None, :]
    return int(np.count_nonzero(da * db < 0) // 2)


def _total_crossings(layers: list, down: dict) -> int:
    return sum(crossings(layers[n + 1], layers[n], down) for n in range(len(layers) - 1))


def _bands_of(widths: list, bands: int) -> list:
    """Which band each layer is in: ``bands`` runs of consecutive layers (``widths`` wide),
    each about as wide as the others."""
    count = len(widths)
    bands = max(1, min(bands, count))
    total = float(sum(widths)) or 1.0
    result, band, start = [], 0, 0.0
    for number, width in enumerate(widths):
        if number and band < bands - 1 and result[-1] == band and (
                start + width / 2 > total * (band + 1) / bands
                or count - number == bands - 1 - band):
            band += 1
        result.append(band)
        start += width
    return result


def place(order: LayerOrder, sizes: dict, *, bands: int = 1, gaps: dict | None = None,
          box_heights: dict | None = None) -> Placement:
    """Blocks placed column by column (see the module docstring).

    ``sizes[key]`` = (width, height) of a node's block; the box sits at the top of it
    (its height ``box_heights[key]``, the whole block by default), its labels under it.
    ``gaps[layer]`` widens the gap between column ``layer`` and the next one (room for
    an edge's label).
    """
    gaps = gaps or {}
    box_heights = box_heights or {}
    layers = order.layers
    height_of = {}
    width_of = {}
    for layer in layers:
        for item in layer:
            if item in sizes:
                width_of[item], height_of[item] = sizes[item]
            else:
                width_of[item], height_of[item] = 0.0, DUMMY_HEIGHT
    widths = [max((width_of[item] for item in layer), default=0.0) + COLUMN_GAP
              + gaps.get(number, 0.0) for number, layer in enumerate(layers)]
    band_of = _bands_of(widths, bands)
    placed = Placement(band_of=dict(enumerate(band_of)))
    neighbours = defaultdict(list)
    for chain in order.chains.values():
        for upper, lower in zip(chain, chain[1:]):
            neighbours[upper].append(lower)
            neighbours[lower].append(upper)
    band_count = max(band_of, default=0) + 1
    local = []
    for band in range(band_count):
        numbers = [n for n in range(len(layers)) if band_of[n] == band]
        x, columns = 0.0, []
        for number in numbers:
            width = max((width_of[item] for item in layers[number]), default=0.0)
            columns.append([x, x + width])
            x += width + COLUMN_GAP + gaps.get(number, 0.0)
        local.append((numbers, columns, columns[-1][1] if columns else 0.0))
    widest = max((width for _, _, width in local), default=0.0)
    top = 0.0
    for band, (numbers, columns, width) in enumerate(local):
        side = 1 if band % 2 == 0 else -1
        spare = widest - width
        last = band == band_count - 1
        for position, (left, right) in enumerate(columns):
            if not last and len(columns) > 1:   # justified: the turns line up
                shift = spare * position / (len(columns) - 1)
            else:  # the last band starts where the turn is (flipped below when side < 0)
                shift = 0.0
            left, right = left + shift, right + shift
            if side < 0:
                left, right = widest - right, widest - left
            placed.columns[numbers[position]] = (left, right)
            placed.side[numbers[position]] = side
        tops = _rows(layers, numbers, height_of, neighbours)
        bottom = 0.0
        for number in numbers:
            left, right = placed.columns[number]
            for item in layers[number]:
                y = top + tops[item]
                if isinstance(item, tuple):
                    placed.dummy_y[item] = y + DUMMY_HEIGHT / 2
                else:
                    box = box_heights.get(item, height_of[item])
                    placed.centre[item] = ((left + right) / 2, y + box / 2)
                bottom = max(bottom, tops[item] + height_of[item])
        placed.gap_y.append(top + bottom + BAND_GAP / 2)
        top += bottom + BAND_GAP
    placed.size = (widest, max(top - BAND_GAP, 0.0))
    return placed


def _rows(layers, numbers, height_of, neighbours) -> dict:
    """The top of each item within its band: stacked in order, each as near the centre of
    the items it is joined to in the layers already placed (sweeps both ways)."""
    tops = {}
    for number in numbers:  # first guess: stacked from the top
        y, previous = 0.0, None
        for item in layers[number]:
            y += _gap(previous, item) if previous is not None else 0.0
            tops[item] = y
            y += height_of[item]
            previous = item
    for sweep in range(4):
        sequence = numbers if sweep % 2 == 0 else numbers[::-1]
        for number in sequence[1:] if sweep == 0 else sequence:
            items = layers[number]
            wanted = []
            for item in items:
                known = [other for other in neighbours[item] if other in tops]
                if not isinstance(item, tuple):  # nodes follow nodes; edges make way
                    known = [other for other in known if not isinstance(other, tuple)] or known
                linked = [tops[other] + height_of[other] / 2 for other in known]
                centre = sum(linked) / len(linked) if linked else tops[item] + height_of[item] / 2
                wanted.append(centre - height_of[item] / 2)
            _pack(items, wanted, height_of, tops)
    lowest = min(tops.values(), default=0.0)
    return {item: value - lowest for item, value in tops.items()}


def _gap(above, below) -> float:
    """Room between two neighbours in a column: less where an edge passes (a dummy)."""
    if isinstance(above, tuple) or isinstance(below, tuple):
        return DUMMY_GAP
    return ROW_GAP


def _pack(items: list, wanted: list, height_of: dict, tops: dict) -> None:
    """Tops as near ``wanted`` as the order and the gaps allow (push down, then pull
    the whole run back up to balance the error)."""
    placed = []
    previous_bottom, previous = -np.inf, None
    for item, want in zip(items, wanted):
        y = max(want, previous_bottom + _gap(previous, item))
        placed.append(y)
        previous_bottom, previous = y + height_of[item], item
    if placed:  # shift the run so that the mean error is zero (the push only goes down)
        shift = float(np.mean(np.array(wanted) - np.array(placed)))
        placed = [y + shift for y in placed]
    for item, y in zip(items, placed):
        tops[item] = y


def _columns(order: LayerOrder, sizes: dict, gaps: dict | None) -> tuple:
    """(widths, heights) of each layer's column, its items stacked."""
    gaps = gaps or {}
    widths, heights = [], []
    for number, layer in enumerate(order.layers):
        width, height, previous = 0.0, 0.0, None
        for item in layer:
            w, h = sizes.get(item, (0.0, DUMMY_HEIGHT))
            width = max(width, w)
            height += h + (_gap(previous, item) if previous is not None else 0.0)
            previous = item
        widths.append(width + COLUMN_GAP + gaps.get(number, 0.0))
        heights.append(height)
    return widths, heights


def estimate(order: LayerOrder, sizes: dict, bands: int, gaps: dict | None = None,
             columns: tuple | None = None) -> tuple:
    """(width, height) ``place`` would give about, without placing: each band as wide as
    its columns and as tall as its tallest stacked column."""
    widths, heights = columns or _columns(order, sizes, gaps)
    band_of = _bands_of(widths, bands)
    count = max(band_of, default=0) + 1
    band_widths, band_heights = [0.0] * count, [0.0] * count
    for width, height, band in zip(widths, heights, band_of):
        band_widths[band] += width
        band_heights[band] = max(band_heights[band], height)
    return max(band_widths) - COLUMN_GAP, sum(band_heights) + BAND_GAP * (count - 1)


def choose_bands(order: LayerOrder, sizes: dict, aspect: float, *, gaps=None,
                 preference: float = 0.85, most: int = 12) -> tuple:
    """(bands, scale): the fold that lets the picture be largest on a canvas of
    width/height ``aspect`` (each extra band must win by more than ``1/preference``), and
    the canvas heights per unit it reaches (estimated)."""
    best = None
    columns = _columns(order, sizes, gaps)
    for bands in range(1, max(1, min(most, len(order.layers) // 2)) + 1):
        width, height = estimate(order, sizes, bands, gaps, columns)
        scale = min(aspect / max(width, 1e-9), 1.0 / max(height, 1e-9))
        score = scale * preference ** (bands - 1)
        if best is None or score > best[0]:
            best = (score, bands, scale)
    return best[1], best[2]


def best_bands(order: LayerOrder, sizes: dict, aspect: float, *, box_heights=None,
               gaps=None) -> tuple:
    """(bands, placement) for the fold ``choose_bands`` picks."""
    bands, _ = choose_bands(order, sizes, aspect, gaps=gaps)
    return bands, place(order, sizes, bands=bands, gaps=gaps, box_heights=box_heights)
