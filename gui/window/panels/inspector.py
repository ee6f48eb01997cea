"""What a clicked node is, holds and did at the current step, chain rule included.

``NodeInspector(session)`` has a chooser (objectName ``nodeChooser``, so nodes can be
picked from the keyboard) and a text view (``nodeInspector``). For a tensor: name,
shape, dtype, value as torch prints it, and ``.grad`` at this step. For a grad_fn:
its ``next_functions``, what it saved (or that it was freed) and, once it has run,
the chain rule with this step's numbers (incoming grad x local derivative =
outgoing grad; old + new = total for an AccumulateGrad).
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtWidgets import QComboBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

__all__ = ["NodeInspector", "inspect_lines"]


def _tensor_text(array, dtype: str = "float32") -> str:
    from engine.printing import format_tensor

    if array is None:
        return "None"
    return format_tensor(np.asarray(array), dtype)


def _next_functions(node) -> str:
    parts = []
    for child, input_nr in node.next_functions:
        name = "None" if child is None else f"<{child.name()}>"
        parts.append(f"({name}, {input_nr})")
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def inspect_lines(session, key: str) -> list[tuple[str, str]]:
    """``[(heading, text), ...]`` describing node ``key`` at ``session.step``."""
    graph = session.graph
    if graph is None or key not in graph:
        return []
    data = graph.nodes[key]
    if data.get("kind") == "tensor":
        return _tensor_lines(session, key, data)
    return _function_lines(session, key, data)


def _tensor_lines(session, key, data) -> list:
    tensor = data["tensor"]
    role = data.get("role")
    dtype = str(tensor.dtype).replace("torch.", "")
    lines = [("tensor", f"{data.get('label', key)}: {role} tensor"),
             ("value", repr(tensor)),
             ("shape", f"{tuple(tensor.shape)}, dtype {tensor.dtype}"),
             ("requires_grad", f"{tensor.requires_grad}, is_leaf {tensor.is_leaf}")]
    if tensor.grad_fn is not None:
        lines.append(("grad_fn", f"<{tensor.grad_fn.name()}>"))
    if role == "leaf":
        grad = session.grad_at(key)
        where = "before backward" if session.step < 0 else f"after step {session.step + 1}"
        lines.append((f".grad ({where})", _tensor_text(grad, dtype)))
    else:
        lines.append((".grad", "None: torch keeps .grad only for leaves "
                      "(call retain_grad() to keep it for this tensor)"))
    return lines


def _function_lines(session, key, data) -> list:
    node = data["node"]
    lines = [("grad_fn", data.get("label", key)),
             ("next_functions", _next_functions(node))]
    if data.get("kind") == "accumulate":
        variable = graph_label_of(session, node.variable)
        lines.append(("variable", f"{variable} (the leaf whose .grad this node fills)"))
    index = session.step_of(key)
    freed = key in session.freed_at()
    lines.append(("saved", _saved_text(session, node, index, freed)))
    if index is None:
        ran = "did not run in the last backward pass" if session.steps else "no backward yet"
        lines.append(("chain rule", ran))
    elif index > session.step:
        lines.append(("chain rule", f"runs at step {index + 1}: step forward to see its numbers"))
    else:
        lines.append((f"chain rule (step {index + 1})", _chain_rule(session, index)))
    return lines


def graph_label_of(session, tensor) -> str:
    key = session.graph.graph["ids"].get(id(tensor))
    return session.graph.nodes[key].get("label", key) if key else "leaf"


def _saved_text(session, node, index, freed) -> str:
    from engine.explain import format_values

    if freed:
        return ("freed: backward ran without retain_graph=True, so another backward through "
                "this node raises torch's \"Trying to backward through the graph a second "
                "time\" error")
    saved = session.steps[index].saved if index is not None else node._saved
    shown = [format_values(np.asarray(value.detach().numpy() if hasattr(value, "detach")
                                      else value)) if value is not None else "None"
             for value in saved]
    return ", ".join(shown) if shown else "nothing (its backward needs no saved tensor)"


def _chain_rule(session, index) -> str:
    from engine.explain import explain

    step = session.steps[index]
    explanation = explain(step)
    if step.is_accumulation:
        name = graph_label_of(session, step.leaf)
        lines = [f"AccumulateGrad: {name}.grad += incoming"] + [
            "  " + line.replace(".grad:", f"{name}.grad:") for line in explanation.lines]
    else:
        lines = explanation.text().split("\n")
    # one equation per line: "grad * b", "= 2 * [0, 1, 2, 3]", "= [0, 2, 4, 6]"
    return "\n".join(lines[:1] + [line.replace(" = ", "\n      = ") for line in lines[1:]])


# numbers and code read best unwrapped (the view scrolls sideways); prose wraps
_UNWRAPPED = ("value", "next_functions", "grad_fn", ".grad (")


def _block(head: str, text: str) -> str:
    wrap = "pre" if head.startswith(_UNWRAPPED) else "pre-wrap"
    return (f"<p style='margin:2px 0'><b>{html.escape(head)}</b></p>"
            f"<p style='white-space:{wrap}; margin:0 0 4px 0; font-family:monospace'>"
            f"{html.escape(text)}</p>")


class NodeInspector(QWidget):
    """The selected node of ``session`` (see the module docstring)."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.chooser = QComboBox(objectName="nodeChooser")
        self.chooser.setAccessibleName("node to inspect")
        self.chooser.setToolTip("Pick a node to inspect (or click it in the graph)")
        self.text = QTextBrowser(objectName="nodeInspector")
        self.text.setAccessibleName("node details")
        label = QLabel("&Inspect")
        label.setBuddy(self.chooser)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(self.chooser)
        layout.addWidget(self.text, 1)
        self._keys: list = []
        self._last_html = None
        self.chooser.activated.connect(self._on_chosen)
        session.graph_changed.connect(self._on_graph_changed)
        session.selection_changed.connect(self.refresh)
        session.step_changed.connect(self.refresh)
        session.pass_changed.connect(self.refresh)
        self._on_graph_changed()

    def _on_graph_changed(self) -> None:
        graph = self.session.graph
        self._keys = [None] + (list(graph.nodes) if graph is not None else [])
        self.chooser.blockSignals(True)
        self.chooser.clear()
        self.chooser.addItem("(click a node)")
        for key in self._keys[1:]:
            self.chooser.addItem(str(graph.nodes[key].get("label", key)).replace("\n", " "))
        self.chooser.blockSignals(False)
        self.refresh()

    def _on_chosen(self, row: int) -> None:
        if 0 <= row < len(self._keys):
            self.session.select(self._keys[row])

    def refresh(self, *_args) -> None:
        key = self.session.selected
        row = self._keys.index(key) if key in self._keys else 0
        if self.chooser.currentIndex() != row:
            self.chooser.setCurrentIndex(row)
        lines = inspect_lines(self.session, key) if key is not None else []
        if not lines:
            body = ("<p><i>Click a node of the graph to see its value, gradient, "
                    "next_functions and the chain rule at the current step.</i></p>")
        else:
            body = "".join(_block(head, text) for head, text in lines)
        if body != self._last_html:
            self._last_html = body
            self.text.setHtml(body)
