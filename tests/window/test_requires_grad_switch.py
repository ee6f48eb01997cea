"""Every variable has the requires_grad switch x has: a tensor defined without
requires_grad=True no longer vanishes from the graph unexplained."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget


def switch(window, row: int):
    return window.inputs.table.item(row, 2)


def test_a_new_variable_has_its_switch_on(window):
    window.inputs.add_button.click()
    assert switch(window, 0).checkState() == Qt.Checked
    assert window.session.grad_switches == {"w": True}


def test_the_switch_puts_a_plain_tensor_in_the_graph(window):
    window.inputs.add_button.click()
    window.inputs.table.item(0, 1).setText("tensor([1., 2., 3., 4.])")  # no requires_grad
    window.inputs.expression_input.setText("(w * x).sum()")
    assert window.backward()
    session = window.session
    w = session.tensors["w"]
    assert w.requires_grad and w.grad.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert any(data.get("label") == "w" for _, data in session.graph.nodes(data=True))
    switch(window, 0).setCheckState(Qt.Unchecked)  # as the definition says: no grad
    assert window.backward()
    w = session.tensors["w"]
    assert not w.requires_grad and w.grad is None
    assert all(data.get("label") != "w" for _, data in session.graph.nodes(data=True))
    assert "w is not in the graph: it does not require grad" in session.outside_graph()["w"]


def test_the_switch_is_saved_and_opened_again(window, tmp_path):
    window.inputs.add_button.click()
    window.inputs.table.item(0, 1).setText("ones(4)")
    path = tmp_path / "s.json"
    assert window.files.save_to(path)
    window.inputs.table.setRowCount(0)
    window.inputs.commit()
    assert window.open_path(str(path))
    assert window.session.grad_switches == {"w": True}
    assert switch(window, 0).checkState() == Qt.Checked
    assert window.session.tensors["w"].requires_grad


def test_an_integer_tensor_cannot_require_grad_and_says_so_in_its_row(window):
    window.inputs.add_button.click()
    window.inputs.table.item(0, 1).setText("arange(4)")
    window.inputs.expression_input.setText("x.sum()")
    assert not window.backward()
    error = window.session.error
    assert error["field"] == "w" and "floating point" in error["message"]


def test_the_canvas_says_why_a_variable_is_not_in_the_graph(window, qtbot):
    window.inputs.add_button.click()
    window.inputs.table.item(0, 1).setText("tensor([1., 2., 3., 4.])")
    switch(window, 0).setCheckState(Qt.Unchecked)
    window.inputs.expression_input.setText("(w * x).sum()")
    assert window.backward()
    note = window.canvas_note
    assert note.isVisible() and note.parent() is window.graph_view.canvas
    assert "w is not in the graph: it does not require grad" in note.text()
    switch(window, 0).setCheckState(Qt.Checked)
    assert window.backward()
    assert not note.isVisible()


def test_a_stale_graph_says_so_on_the_canvas(window):
    window.backward()
    window.inputs.expression_input.setText("x.sum(")
    window.forward()
    note = window.canvas_note
    assert window.session.graph is not None and note.isVisible()
    assert note.text().startswith("Stale graph")
    veil = window.graph_view.canvas.findChild(QWidget, "staleVeil")
    assert veil.isVisible() and veil.geometry() == window.graph_view.canvas.rect()
    window.inputs.expression_input.setText("x.sum()")
    window.forward()
    assert not note.isVisible() and not veil.isVisible()
