"""A recorded backward pass, read in the graph's keys: what holds after step i (Qt-free).

``PassStates(graph, steps, ...)`` answers what the picture shows at position ``i`` (-1:
before the first step): the node running, the nodes run before, those freed, each
leaf's ``.grad``, the gradient that reached each node and what travels along each drawn
edge (one per ``next_functions`` slot). It only reads the engine's recorded steps;
nothing here computes a gradient.

>>> import engine as torch
>>> from engine.graph import to_networkx
>>> x = torch.arange(4.0, requires_grad=True)
>>> y = 2 * torch.dot(x, x)
>>> graph = to_networkx(y, names={"x": x}, output_name="y")
>>> states = PassStates(graph, torch.BackwardPass(y).run().steps)
>>> sorted(states.freed_at(2))
['fn1', 'fn2']
>>> print(states.leaf_note("leaf0", 2))
.grad: None
→ [0, 4, 8, 12]
>>> sorted(states.edge_grads(1))          # dot(x, x): one gradient per slot
[('fn2', 'fn3', 0), ('fn2', 'fn3', 1)]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import networkx as nx

from engine.explain import gradients_per_output
from engine.graph import node_id
from gui.picture.values import tensor_text

__all__ = ["PassStates", "MISSING", "drawn_edges", "column", "MAX_TERMS"]

MISSING = object()
MAX_TERMS = 4


def drawn_edges(graph: nx.DiGraph) -> list:
    """One ``(source, target, slot)`` per ``next_functions`` slot: ``dot(x, x)`` has two
    edges from ``DotBackward0`` into x's ``AccumulateGrad``."""
    return [(source, target, slot) for source, target, data in graph.edges(data=True)
            for slot in data.get("slots", (0,))]


class PassStates:
    """The state of one pass over ``graph`` at each step (see the module docstring).

    ``freed_before`` (keys freed by earlier passes), ``grads_before`` (leaf key -> its
    ``.grad`` before the pass), ``failed`` (the node, or its key, whose error stopped the
    pass) and ``error`` (its text) describe a pass that is not the first on the graph.
    """

    def __init__(self, graph: nx.DiGraph, steps: Sequence = (), *, freed_before: Iterable = (),
                 grads_before: Mapping | None = None, failed=None, error: str | None = None):
        self.graph = graph
        self.backward = steps if hasattr(steps, "state_at") else None
        if self.backward is not None:  # the engine's recorded pass answers for itself
            steps = self.backward.steps
            start = self.backward.state_at(-1)
            end = self.backward.state_at(len(steps) - 1)
            freed_before = [node_id(graph, node) for node in start.freed]
            grads_before = {node_id(graph, leaf): grad
                            for leaf, grad in zip(start.leaves, start.grads_before)}
            if end.failed_node is not None:
                failed, error = end.failed_node, end.error_text
        self.steps = list(steps)
        self.text_width: int | None = None  # characters: wrap long vectors (tensor_text)
        self.keys = [node_id(graph, step.node) for step in self.steps]
        self._position = {key: index for index, key in enumerate(self.keys)}
        self.freed_before = {key for key in freed_before if key in graph}
        self.grads_before = dict(grads_before or {})
        if failed is not None and not isinstance(failed, str):
            failed = node_id(graph, failed)
        self.failed = failed if failed in graph else None
        self.error = error
        self.leaf_of = {}
        for key, data in graph.nodes(data=True):
            if data.get("kind") == "accumulate":
                self.leaf_of[key] = next((t for t in graph.successors(key)
                                          if graph.nodes[t].get("kind") == "tensor"), None)
        self.accumulations = {}  # leaf key -> positions of the steps that fill its .grad
        for position, step in enumerate(self.steps):
            if step.is_accumulation:
                leaf = self.leaf_of.get(self.keys[position])
                self.accumulations.setdefault(leaf, []).append(position)

    def __len__(self) -> int:
        return len(self.steps)

    def clamp(self, index: int) -> int:
        return max(-1, min(int(index), len(self.steps) - 1))

    def step_key(self, index: int) -> str | None:
        """The graph key of the node that ran at ``steps[index]``."""
        return self.keys[index] if 0 <= index < len(self.keys) else None

    def ran_at(self, key: str) -> int | None:
        """The index of the step at which ``key`` ran, or None."""
        return self._position.get(key)

    def is_done(self, index: int) -> bool:
        """Whether ``index`` is the last step of a pass that has steps."""
        return bool(self.steps) and index >= len(self.steps) - 1

    def failed_now(self, index: int) -> bool:
        return self.failed is not None and index >= len(self.steps) - 1

    def freed_at(self, index: int) -> set:
        """Keys of nodes whose saved tensors are freed after ``steps[0..index]``."""
        if self.backward is not None:
            state = self.backward.state_at(self.clamp(index))
            return {key for key in (node_id(self.graph, node) for node in state.freed)
                    if key is not None}
        freed = set(self.freed_before)
        for position in range(min(index, len(self.steps) - 1) + 1):
            if self.steps[position].freed:
                freed.add(self.keys[position])
        return freed

    def leaf_grad(self, leaf: str, index: int):
        """A leaf's ``.grad`` after ``steps[0..index]``: an array, None, or MISSING."""
        last = first = None
        for position in self.accumulations.get(leaf, ()):
            first = position if first is None else first
            if position <= index:
                last = position
        if last is not None:
            return self.steps[last].grad_after
        if first is not None:
            return self.steps[first].grad_before
        return self.grads_before.get(leaf, MISSING)

    def leaf_note(self, leaf: str, index: int) -> str | None:
        """The text under a leaf: its ``.grad``, written as a sum at its accumulation step."""
        if 0 <= index < len(self.steps):
            step = self.steps[index]
            if step.is_accumulation and self.leaf_of.get(self.keys[index]) == leaf:
                after = self.text(step.grad_after)
                if step.grad_before is None:
                    return f".grad: None\n→ {after}"
                return column([("", self.text(step.grad_before)),
                               ("+", self.text(step.grad_in)), ("=", after)])
        value = self.leaf_grad(leaf, index)
        return None if value is MISSING else self.text(value)

    def arrival_note(self, index: int) -> str | None:
        """How the gradients that reached the node running at ``index`` were summed (or
        stacked, for a node with several outputs); None when only one came."""
        if not 0 <= index < len(self.steps):
            return None
        step = self.steps[index]
        if len(step.contributions) > 1 or step.node.num_outputs > 1:
            return _sum_text(step, self.text)
        return None

    def text(self, value) -> str:
        """A value as the picture writes it (``tensor_text``, wrapped at ``text_width``)."""
        return tensor_text(value, width=self.text_width)

    def grad_reached(self, key: str, index: int):
        """The gradient that reached node ``key`` by step ``index`` (None: not yet)."""
        data = self.graph.nodes[key]
        if data.get("kind") == "tensor":
            if data.get("role") == "output":
                first = self.steps[0] if self.steps and index >= 0 else None
                if first is not None and first.contributions:
                    return first.contributions[0].grad
                return None
            return None
        position = self._position.get(key)
        if position is None or position > index:
            return None
        return self.steps[position].grad_in

    def edge_grads(self, index: int) -> dict:
        """``{(source, target, slot): gradient}`` travelling along edges at step ``index``."""
        if not 0 <= index < len(self.steps):
            return {}
        step, key = self.steps[index], self.keys[index]
        moving = {}
        if step.contributions and step.contributions[0].source is None:
            for source in self.graph.predecessors(key):
                moving[(source, key, 0)] = step.grad_in
        if step.is_accumulation:
            leaf = self.leaf_of.get(key)
            if leaf is not None:
                moving[(key, leaf, 0)] = step.grad_in
            return moving
        for target in self.graph.successors(key):
            for slot in self.graph.edges[key, target].get("slots", ()):
                if slot < len(step.grads_out) and step.grads_out[slot] is not None:
                    moving[(key, target, slot)] = step.grads_out[slot]
        return moving


def _sum_text(step, tensor_text=tensor_text) -> str:
    """``a + b`` / ``= c``; for a node with several outputs one line per output and the
    stacked result."""
    if step.node.num_outputs > 1:
        per_output = gradients_per_output(step)
        lines = [f"out {number}: " + (" + ".join(map(tensor_text, grads)) or "zeros")
                 for number, grads in enumerate(per_output[:MAX_TERMS])]
        if len(per_output) > MAX_TERMS:
            lines.append(f"... ({len(per_output)} outputs)")
        stacked = tensor_text(step.grad_in).replace("\n", "\n" + " " * len("stacked = "))
        return "\n".join(lines) + f"\nstacked = {stacked}"
    values = [tensor_text(c.grad) for c in step.contributions]
    if len(values) > MAX_TERMS:
        values = values[:MAX_TERMS - 1] + [f"... ({len(values)} terms)"]
    return column([("", values[0])] + [("+", v) for v in values[1:]]
                  + [("=", tensor_text(step.grad_in))])


def column(terms: list) -> str:
    """``(operator, text)`` terms written as a column, as on paper (``  a`` / ``+ b`` /
    ``= c``); a matrix's further rows stay under its first.

    >>> print(column([("", "[0, 4]"), ("+", "[1, 1]"), ("=", "[1, 5]")]))
      [0, 4]
    + [1, 1]
    = [1, 5]
    """
    lines = []
    for operator, text in terms:
        first, *rest = text.split("\n")
        lines.append(f"{operator or ' '} {first}")
        lines.extend(f"  {line}" for line in rest)
    return "\n".join(lines)
