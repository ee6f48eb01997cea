"""Export a backward graph to a networkx ``DiGraph`` for drawing.

Edges point the way gradients flow: from the output tensor to its
``grad_fn``, along ``next_functions``, into each ``AccumulateGrad`` and on
to the leaf tensor whose ``.grad`` it fills. Every node has a ``layer``
(0 for the leaves, growing towards the output) from networkx's topological
generations, ready for ``multipartite_layout``.

>>> import engine as torch
>>> x = torch.arange(4.0, requires_grad=True)
>>> graph = to_networkx(2 * torch.dot(x, x), names={"x": x})
>>> [graph.nodes[n]["label"] for n in graph]
['output', 'MulBackward0', 'DotBackward0', 'AccumulateGrad', 'x']
>>> graph.nodes["leaf0"]["layer"], graph.nodes["output"]["layer"]
(0, 4)

A graph over ``MAX_GRAPH_NODES`` nodes or ``MAX_GRAPH_EDGES`` edges is not built (drawing it
would take minutes and gigabytes): ``graph_too_large(output)`` says so in one line, counting
cheaply and stopping at the limit, and ``to_networkx`` raises ``GraphTooLargeError``.

>>> graph_too_large(torch.stack(torch.ones(20_000, requires_grad=True).unbind()).sum())
'the graph is too large to draw: more than 10,000 edges (the limit is 2,000 nodes and 10,000 edges)'
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx

from engine.autograd.graph import AccumulateGrad, Node
from engine.tensor import Tensor

__all__ = ["to_networkx", "node_id", "graph_too_large", "GraphTooLargeError",
           "MAX_GRAPH_NODES", "MAX_GRAPH_EDGES"]

MAX_GRAPH_NODES = 2_000  # graph nodes: functions, AccumulateGrads, leaves and the output
MAX_GRAPH_EDGES = 10_000  # next_functions entries followed (dot(x, x) counts 2)

KIND_TENSOR, KIND_FUNCTION, KIND_ACCUMULATE = "tensor", "function", "accumulate"


class GraphTooLargeError(ValueError):
    """The graph is over ``MAX_GRAPH_NODES`` or ``MAX_GRAPH_EDGES``: not drawn."""


def graph_too_large(output: Tensor, max_nodes: int = MAX_GRAPH_NODES,
                    max_edges: int = MAX_GRAPH_EDGES) -> str | None:
    """One line saying why ``output``'s graph is too large to draw, or None if it fits.

    Walks ``next_functions`` once, stopping as soon as a limit is passed: at most about
    ``max_nodes + max_edges`` steps whatever the graph's size.
    """
    root = output.grad_fn
    if root is None:
        return None
    seen = {id(root)}
    nodes, edges = 2, 1  # the output, its grad_fn and the edge between them
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, AccumulateGrad):
            nodes += 1  # its leaf
            edges += 1
        else:
            for child, _ in node.next_functions:
                if child is None:
                    continue
                edges += 1
                if edges > max_edges:
                    return _too_large(f"more than {max_edges:,} edges", max_nodes, max_edges)
                if id(child) not in seen:
                    seen.add(id(child))
                    nodes += 1
                    stack.append(child)
        if edges > max_edges:
            return _too_large(f"more than {max_edges:,} edges", max_nodes, max_edges)
        if nodes > max_nodes:
            return _too_large(f"more than {max_nodes:,} nodes", max_nodes, max_edges)
    return None


def _too_large(what: str, max_nodes: int, max_edges: int) -> str:
    return (f"the graph is too large to draw: {what} (the limit is {max_nodes:,} nodes and "
            f"{max_edges:,} edges)")


def to_networkx(output: Tensor, names: Mapping[str, Tensor] | None = None,
                output_name: str = "output") -> nx.DiGraph:
    """The graph behind ``output``: node attributes ``kind``, ``label``, ``layer`` and
    ``node`` (the grad_fn) or ``tensor`` (a leaf or the output); edge attribute ``slots``
    (the indices in ``next_functions`` it stands for: ``(0, 1)`` for ``dot(x, x)``)
    and ``input_nr``.

    ``graph.graph["ids"]`` maps each grad_fn node and tensor (by ``id``) to its graph node.
    Raises ``GraphTooLargeError`` (the ``graph_too_large`` line) for a graph over the limits.
    """
    problem = graph_too_large(output)
    if problem is not None:
        raise GraphTooLargeError(problem)
    names_by_id = {id(tensor): name for name, tensor in (names or {}).items()}
    graph = nx.DiGraph()
    ids: dict[int, str] = {}
    graph.graph["ids"] = ids
    _add_tensor(graph, ids, "output", output, names_by_id.get(id(output), output_name), "output")
    root = output.grad_fn
    if root is None and output.requires_grad:
        root = output._grad_accumulator()
    if root is not None:
        _add_function(graph, ids, root)
        graph.add_edge("output", ids[id(root)], slots=(0,), input_nr=0)
        _add_reachable(graph, ids, root, names_by_id)
    _assign_layers(graph)
    return graph


def node_id(graph: nx.DiGraph, item: Node | Tensor) -> str | None:
    """The graph node standing for a grad_fn node or a tensor, or None if it is not drawn."""
    return graph.graph["ids"].get(id(item))


def _add_tensor(graph, ids, key, tensor, label, role) -> None:
    ids[id(tensor)] = key
    graph.add_node(key, kind=KIND_TENSOR, role=role, label=label, tensor=tensor,
                   shape=tuple(tensor.shape))


def _add_function(graph, ids, node: Node) -> str:
    key = f"fn{len(ids)}"
    ids[id(node)] = key
    is_sink = isinstance(node, AccumulateGrad)
    value = node.variable._data if is_sink else node.value  # the forward value, if kept
    graph.add_node(key, kind=KIND_ACCUMULATE if is_sink else KIND_FUNCTION,
                   label="AccumulateGrad" if is_sink else node.name(), node=node, value=value)
    return key


def _add_reachable(graph, ids, root: Node, names_by_id) -> None:
    """Depth-first over next_functions without recursion (100,000-node chains are fine)."""
    stack = [root]
    leaf_count = 0
    while stack:
        node = stack.pop()
        source = ids[id(node)]
        if isinstance(node, AccumulateGrad):
            leaf = node.variable
            key = f"leaf{leaf_count}"
            leaf_count += 1
            _add_tensor(graph, ids, key, leaf, names_by_id.get(id(leaf), key), "leaf")
            graph.add_edge(source, key, slots=(0,), input_nr=0)
            continue
        for slot, (child, input_nr) in enumerate(node.next_functions):
            if child is None:
                continue
            if id(child) not in ids:
                _add_function(graph, ids, child)
                stack.append(child)
            target = ids[id(child)]
            if graph.has_edge(source, target):  # dot(x, x): one edge carrying two slots
                graph.edges[source, target]["slots"] += (slot,)
            else:
                graph.add_edge(source, target, slots=(slot,), input_nr=input_nr)


def _assign_layers(graph: nx.DiGraph) -> None:
    """Leaves on the left (layer 0), the output on the right."""
    generations = list(nx.topological_generations(graph))
    last = len(generations) - 1
    for depth, generation in enumerate(generations):
        for key in generation:
            graph.nodes[key]["layer"] = last - depth
