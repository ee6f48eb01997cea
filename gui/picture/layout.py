"""Where each node of a backward graph goes, and what its box says (Qt-free).

Nodes are grouped by their ``layer`` (0 = leaves on the left, the output on the
right): networkx's ``multipartite_layout`` gives each layer its column, and each node
gets a row near the rows of its neighbours (three barycentre sweeps, the nearest
layers weighing most), so chains run straight and most crossings disappear.

>>> import engine as torch
>>> from engine.graph import to_networkx
>>> x = torch.arange(4.0, requires_grad=True)
>>> graph = to_networkx(2 * torch.dot(x, x), names={"x": x}, output_name="y")
>>> positions = layered_positions(graph)
>>> positions["leaf0"][0] < positions["output"][0]
True
>>> node_text(graph, "output")
'y\\n28'
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
import numpy as np

from engine.explain import format_values

__all__ = ["layered_positions", "node_text", "tensor_values", "split_name"]



def layered_positions(graph: nx.DiGraph) -> dict:
    """``{key: (x, y)}``: x from ``multipartite_layout`` over ``layer``, y from row slots.

    multipartite_layout centres every layer on its own, so a chain through layers of
    different sizes zigzags; here each node takes an integer row next to the rows of
    its neighbours (nearest layers first), so chains run straight across.
    """
    if graph.number_of_nodes() == 0:
        return {}
    layers = defaultdict(list)
    for key in graph.nodes:
        layers[graph.nodes[key].get("layer", 0)].append(key)
    numbers = sorted(layers)
    ordered = nx.DiGraph()
    for layer in numbers:
        for key in layers[layer]:
            ordered.add_node(key, layer=layer)
    columns = nx.multipartite_layout(ordered, subset_key="layer")
    rows = _rows(graph, layers, numbers)
    height = max(len(keys) for keys in layers.values())
    span_x = max(len(numbers) - 1, 1)
    scale = (max(columns[key][0] for key in columns) - min(columns[key][0] for key in columns)
             ) / span_x if len(numbers) > 1 else 2.0 / max(height, 2)
    middle = (height - 1) / 2
    return {key: (float(columns[key][0]), float(-(rows[key] - middle) * scale))
            for key in graph.nodes}


def _rows(graph: nx.DiGraph, layers: dict, numbers: list) -> dict:
    """An integer row per node: near its neighbours' rows, distinct within a layer."""
    height = max(len(keys) for keys in layers.values())
    undirected = graph.to_undirected(as_view=True)
    layer_of = {key: layer for layer in numbers for key in layers[layer]}
    rows: dict = {}
    first = layers[numbers[-1]]
    for index, key in enumerate(first):  # the output's layer, centred
        rows[key] = (height - len(first)) // 2 + index
    passes = [numbers[::-1][1:], numbers, numbers[::-1]]
    for order in passes:
        for layer in order:
            wanted = {key: _wanted_row(undirected, key, rows, layer_of) for key in layers[layer]}
            _assign(layers[layer], wanted, rows, height)
    return rows


def _wanted_row(undirected, key, rows, layer_of) -> float | None:
    total = weight = 0.0
    for other in undirected[key]:
        distance = abs(layer_of[other] - layer_of[key])
        if distance and other in rows:
            share = 1.0 / distance ** 2
            total += share * rows[other]
            weight += share
    return total / weight if weight else rows.get(key)


def _assign(keys: list, wanted: dict, rows: dict, height: int) -> None:
    """Give each key its wanted row, pushed down (or up at the bottom) past its neighbours."""
    fallback = (height - len(keys)) / 2
    order = sorted(keys, key=lambda key: (wanted[key] if wanted[key] is not None
                                          else fallback + keys.index(key)))
    placed, previous = [], -1
    for position, key in enumerate(order):
        want = wanted[key] if wanted[key] is not None else fallback + position
        highest = height - (len(order) - position)   # leave room for the rest
        row = min(max(int(round(want)), previous + 1), highest)
        placed.append(row)
        previous = row
    for key, row in zip(order, placed):
        rows[key] = row


def tensor_values(tensor) -> np.ndarray:
    """The values of an engine tensor as a numpy array (never tracked by autograd)."""
    return np.asarray(tensor.detach().numpy())


def node_text(graph: nx.DiGraph, key: str, *, split: bool = False) -> str:
    """The text in a node's box: the torch name of a function, or a tensor's name and value.

    Small tensors show every value; large ones a summary and their shape.
    """
    data = graph.nodes[key]
    if data.get("kind") != "tensor":
        label = str(data.get("label", key))
        return split_name(label) if split else label
    values = tensor_values(data["tensor"])
    text = format_values(values)
    if values.size > 8 or len(text) > 28:
        shape = "x".join(str(n) for n in values.shape)
        text = f"shape {shape}" if values.ndim > 1 else f"{format_values(values, 6)} ({shape})"
    return f"{data.get('label', key)}\n{text}"


def split_name(label: str) -> str:
    """``MulBackward0`` -> ``Mul\\nBackward0``: narrower boxes for dense graphs."""
    head, found, tail = label.partition("Backward")
    if found and head:
        return f"{head}\nBackward{tail}"
    if label == "AccumulateGrad":
        return "Accumulate\nGrad"
    return label
