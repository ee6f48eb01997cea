"""Where each node of a backward graph goes, and what its box says (Qt-free).

networkx does the layout: nodes are grouped by their ``layer`` (0 = leaves on the
left, the output on the right) and placed by ``multipartite_layout``. Before that,
the nodes of each layer are ordered by the mean position of their neighbours
(two barycentre sweeps), which removes most edge crossings.

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

SWEEPS = 2


def layered_positions(graph: nx.DiGraph) -> dict:
    """``{key: (x, y)}`` from ``multipartite_layout`` over the graph's ``layer`` attribute."""
    if graph.number_of_nodes() == 0:
        return {}
    ordered = nx.DiGraph()
    for key in _ordered_nodes(graph):
        ordered.add_node(key, layer=graph.nodes[key].get("layer", 0))
    positions = nx.multipartite_layout(ordered, subset_key="layer")
    return {key: (float(x), float(-y)) for key, (x, y) in positions.items()}


def _ordered_nodes(graph: nx.DiGraph) -> list:
    layers = defaultdict(list)
    for key in graph.nodes:
        layers[graph.nodes[key].get("layer", 0)].append(key)
    numbers = sorted(layers)
    rank = {key: index for layer in numbers for index, key in enumerate(layers[layer])}
    undirected = graph.to_undirected(as_view=True)
    for sweep in range(SWEEPS):
        order = numbers[::-1] if sweep % 2 == 0 else numbers
        for layer in order[1:]:
            keys = layers[layer]
            keys.sort(key=lambda key: _barycentre(undirected, key, rank, layer, graph))
            for index, key in enumerate(keys):
                rank[key] = index
    return [key for layer in numbers for key in layers[layer]]


def _barycentre(undirected, key, rank, layer, graph) -> float:
    neighbours = [rank[other] for other in undirected[key]
                  if graph.nodes[other].get("layer", 0) != layer]
    return sum(neighbours) / len(neighbours) if neighbours else rank[key]


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
