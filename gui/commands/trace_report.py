"""The text and JSON a trace is reported in: the step table of each backward pass,
where a pass stopped, and the ``--json`` document for other tools (autograders, slides).

Qt-free, like every headless command. ``step_table`` lays out one pass:

>>> import engine
>>> x = engine.arange(3.0, requires_grad=True)
>>> steps = engine.BackwardPass(x.exp().sum()).run().steps
>>> print(step_table(steps, NodeNames({"x": x})), end="")
step  node               gradient in        saved  gradient out, per next_functions edge
0     SumBackward0       1                  -      [0] [1, 1, 1] -> ExpBackward0
1     ExpBackward0       [1, 1, 1]          freed  [0] [1, 2.718, 7.389] -> AccumulateGrad(x)
2     AccumulateGrad(x)  [1, 2.718, 7.389]  -      x.grad: None -> [1, 2.718, 7.389]
"""

from __future__ import annotations

import sys

__all__ = ["TRACE_FORMAT", "TRACE_VERSION", "NodeNames", "step_table", "step_rows",
           "stopped_text", "error_text", "indented", "print_trace", "trace_json", "graph_json",
           "graph_leaves", "failed_ref", "as_lists", "MAX_EDGES_SHOWN"]

MAX_EDGES_SHOWN = 20  # of one step's row: the rest is "… (N more edges)"
TRACE_FORMAT = "autograd-viz-trace"
TRACE_VERSION = 1


def graph_leaves(graph) -> dict:
    """Leaf name -> leaf tensor, for every leaf the graph reaches (unnamed ones: leafK)."""
    leaves = {}
    for _, data in graph.nodes(data=True):
        if data.get("role") == "leaf":
            leaves[data["label"]] = data["tensor"]
    return leaves


def print_trace(problem, graph, records, history, count, leaves) -> None:
    write = sys.stdout.write
    for name, source in problem.sources.items():
        write(f"{name} = {source}\n  {indented(repr(problem.tensors[name]))}\n")
    write(f"{problem.output_name} = {problem.expression}\n"
          f"  {indented(repr(problem.output))}\n")
    names = NodeNames(leaves)
    for record in records:
        write(f"\nbackward pass {record.number} of {count}: {problem.output_name}.backward()\n")
        write(step_table(record.steps, names, indent="  "))
        if record.error is not None:
            write(stopped_text(graph, record, indent="  "))
            continue
        for name in leaves:
            write(f"  {name}.grad = {indented(record.shown[name])}\n")
    if records and history:
        from engine.explain import format_values

        write("\n.grad history (each state of the buffer, in order)\n")
        for name, states in history.items():
            write(f"  {name}: {' -> '.join(format_values(state) for state in states)}\n")


def stopped_text(graph, record, indent: str = "") -> str:
    """Where a pass (a record with ``steps`` and ``error``) stopped, when it can be told,
    and the error as Python prints it."""
    node = record.failed_node  # recorded by the pass (BackwardPass.failed_node)
    where = ""
    if node is not None:
        why = " (its saved tensors were freed by an earlier backward)" if node.is_freed else ""
        where = f"{indent}stopped at {node.name()}{why}:\n"
    return f"{where}{indent}{error_text(record.error)}\n"


def indented(text: str, prefix: str = "  ") -> str:
    return text.replace("\n", "\n" + prefix)


def error_text(error: BaseException) -> str:
    message = " ".join(str(error).split())
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


class NodeNames:
    """How the trace names a node: its torch name, AccumulateGrad(x) for a leaf's sink."""

    def __init__(self, leaves: dict):
        self.by_id = {id(leaf): name for name, leaf in leaves.items()}

    def leaf(self, tensor) -> str:
        return self.by_id.get(id(tensor), "leaf")

    def node(self, node) -> str:
        variable = getattr(node, "variable", None)
        if variable is not None:
            return f"AccumulateGrad({self.leaf(variable)})"
        return node.name()


def step_rows(steps, names: NodeNames) -> list[tuple[str, str, str, str, str]]:
    from engine.explain import format_values

    rows = []
    for step in steps:
        if step.is_accumulation:
            leaf = names.leaf(step.leaf)
            sends = (f"{leaf}.grad: {format_values(step.grad_before)} -> "
                     f"{format_values(step.grad_after)}")
            saved = "-"
        else:
            parts = []
            edges = len(step.node.next_functions)
            for slot, ((target, _), grad) in enumerate(zip(step.node.next_functions,
                                                            step.grads_out)):
                if slot == MAX_EDGES_SHOWN and edges > MAX_EDGES_SHOWN + 1:
                    parts.append(f"\u2026 ({edges - slot:,} more edges)")
                    break
                if target is None:
                    parts.append(f"[{slot}] none (needs no grad)")
                else:
                    parts.append(f"[{slot}] {format_values(grad)} -> {names.node(target)}")
            sends = "; ".join(parts) or "(no inputs)"
            has_saved = any(value is not None for value in step.saved)
            saved = "freed" if step.freed else ("kept" if has_saved else "-")
        rows.append((str(step.index), names.node(step.node), format_values(step.grad_in),
                     saved, sends))
    return rows


def step_table(steps, names: NodeNames, indent: str = "") -> str:
    if not steps:
        return f"{indent}(no step ran)\n"
    header = ("step", "node", "gradient in", "saved", "gradient out, per next_functions edge")
    rows = [header] + step_rows(steps, names)
    widths = [max(len(row[column]) for row in rows) for column in range(len(header) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)] + [row[-1]]
        lines.append(indent + "  ".join(cells).rstrip() + "\n")
    return "".join(lines)


def as_lists(array):
    if array is None:
        return None
    return array.tolist()


def trace_json(problem, graph, records, history, options) -> dict:
    """The recorded passes for other tools (autograders, slides)."""
    ids = graph.graph["ids"]
    names = NodeNames(graph_leaves(graph))

    def node_ref(node):
        return {"id": ids.get(id(node)), "name": node.name()}

    passes = []
    for record in records:
        steps = []
        for step in record.steps:
            entry = {"index": step.index, "node": node_ref(step.node),
                     "grad_in": as_lists(step.grad_in),
                     "contributions": [{"from": None if c.source is None else node_ref(c.source),
                                        "grad": as_lists(c.grad), "output_nr": c.output_nr}
                                       for c in step.contributions]}
            if step.is_accumulation:
                entry.update(leaf=names.leaf(step.leaf), grad_before=as_lists(step.grad_before),
                             grad_after=as_lists(step.grad_after))
            else:
                entry["grads_out"] = [
                    {"slot": slot, "to": None if target is None else node_ref(target),
                     "grad": as_lists(grad)}
                    for slot, ((target, _), grad) in enumerate(zip(step.node.next_functions,
                                                                    step.grads_out))]
                entry["freed"] = bool(step.freed)
            steps.append(entry)
        passes.append({
            "number": record.number, "steps": steps,
            "error": None if record.error is None else {
                "type": type(record.error).__name__, "message": str(record.error),
                "node": failed_ref(graph, record.failed_node)},
            "grads": {name: as_lists(value) for name, value in record.grads.items()}})
    output = problem.output
    return {
        "format": TRACE_FORMAT, "version": TRACE_VERSION,
        "variables": [{"name": name, "source": source}
                      for name, source in problem.sources.items()],
        "expression": problem.expression,
        "retain_graph": bool(options.retain_graph),
        "output": {"name": problem.output_name, "repr": repr(output),
                   "value": output.detach().numpy().tolist(), "shape": list(output.shape),
                   "dtype": str(output.dtype).removeprefix("torch."),
                   "grad_fn": None if output.grad_fn is None else output.grad_fn.name()},
        "graph": graph_json(graph),
        "passes": passes,
        "grad_history": {name: [as_lists(state) for state in states]
                         for name, states in history.items()},
    }


def failed_ref(graph, node) -> dict | None:
    """``{"id", "name"}`` of the node whose step raised, or None."""
    if node is None:
        return None
    return {"id": graph.graph["ids"].get(id(node)), "name": node.name()}


def graph_json(graph) -> dict:
    nodes = [{"id": key, "kind": data["kind"], "label": data["label"], "layer": data["layer"]}
             for key, data in graph.nodes(data=True)]
    edges = [{"from": source, "to": target, "slots": list(data["slots"])}
             for source, target, data in graph.edges(data=True)]
    return {"nodes": nodes, "edges": edges}
