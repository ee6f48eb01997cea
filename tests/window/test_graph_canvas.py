"""The graph canvas in the window tells what it shows (CONTRACT section 4), at the two sizes
a class uses; presenter mode gives the graph the room; Ctrl+plus is the text size."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

SIZES = {"1920x1080": (1920, 1080), "1280x800": (1280, 800)}


def overlap(a, b) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 0.5


def shown(qtbot, window, size):
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.backward()
    window.player.pause()
    qtbot.wait(400)  # the resize's refit (debounced) is over
    window.graph_view.draw_now()
    return window.findChild(QWidget, "graphCanvas")


@pytest.mark.parametrize("size", sorted(SIZES))
def test_picture_items_after_every_step_of_the_seed(qtbot, window, size):
    canvas = shown(qtbot, window, SIZES[size])
    width, height = canvas.width(), canvas.height()
    steps = len(window.session.steps)
    for index in range(-1, steps):
        window.session.set_step(index)
        items = canvas.picture_items()
        nodes = [item for item in items if item.kind == "node"]
        labels = [item for item in items if item.kind == "label"]
        assert len(nodes) == window.session.graph.number_of_nodes()
        for item in nodes + labels:
            x0, y0, x1, y1 = item.bbox
            assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, item
            assert item.text_px >= 9
            if size == "1920x1080" and item.kind == "node":
                assert item.text_px >= 24, item
        for label in labels:
            assert not any(overlap(label.bbox, node.bbox) for node in nodes), label
            assert not any(overlap(label.bbox, other.bbox) for other in labels
                           if other is not label), label
    edges = [item for item in canvas.picture_items() if item.kind == "edge"]
    graph = window.session.graph
    dot = next(k for k in graph if graph.nodes[k]["label"] == "DotBackward0")
    assert sorted(e.key[2] for e in edges if e.key[0] == dot) == [0, 1]


def test_the_canvas_describes_itself_and_counts_its_frames(qtbot, window):
    canvas = shown(qtbot, window, SIZES["1280x800"])
    before = canvas.frames_drawn
    window.session.set_step(1)
    assert canvas.frames_drawn > before
    text = canvas.accessibleDescription()
    assert "step 2 of 3: DotBackward0" in text
    assert "DotBackward0 sends [0, 2, 4, 6] to AccumulateGrad (slot 0)" in text
    assert "slot 1" in text


def test_toggles_show_every_gradient_as_it_arrives(qtbot, window):
    canvas = shown(qtbot, window, SIZES["1280x800"])
    window.session.set_step(0)
    grads = [item for item in canvas.picture_items() if item.text.startswith("grad")]
    assert grads == []
    next(a for a in window.actions() if a.objectName() == "showGradsAction").trigger()
    grads = [item.text for item in canvas.picture_items() if item.text.startswith("grad")]
    assert "grad 1" in grads


def test_presenter_mode_gives_the_graph_the_room(qtbot, window):
    canvas = shown(qtbot, window, SIZES["1280x800"])
    app = QApplication.instance()
    share, font = canvas.width() / window.width(), app.font().pointSizeF()
    window.presenter.full_screen_action.trigger()
    qtbot.waitUntil(window.isFullScreen)  # (offscreen, the "screen" is smaller)
    qtbot.waitUntil(lambda: canvas.width() / window.width() > share + 0.2)
    assert not window.side_splitter.isVisible()
    assert app.font().pointSizeF() > font * 1.2
    window.presenter.full_screen_action.trigger()
    qtbot.waitUntil(lambda: not window.isFullScreen())
    assert window.side_splitter.isVisible()
    assert app.font().pointSizeF() == pytest.approx(font)


def test_ctrl_plus_on_a_us_keyboard_is_bigger_text_not_zoom(qtbot, window):
    shown(qtbot, window, SIZES["1280x800"])
    app = QApplication.instance()
    size = app.font().pointSizeF()
    limits = window.graph_view.ax.get_xlim()
    window.graph_view.canvas.setFocus()
    # US layout: the plus sign is Shift and the = key
    qtbot.keyClick(window.graph_view.canvas, Qt.Key_Plus, Qt.ControlModifier | Qt.ShiftModifier)
    assert app.font().pointSizeF() == size + 1
    qtbot.keyClick(window.graph_view.canvas, Qt.Key_Equal,
                   Qt.ControlModifier | Qt.AltModifier)  # the graph's zoom has its own key
    assert window.graph_view.ax.get_xlim() != limits


def test_a_step_forward_moves_and_comes_to_rest(qtbot, window):
    canvas = shown(qtbot, window, SIZES["1280x800"])
    window.session.set_step(0)
    qtbot.wait(700)
    before = canvas.frames_drawn
    window.session.set_step(1)  # DotBackward0: two gradients leave along two arcs
    tokens = [item for item in canvas.picture_items() if item.kind == "token"]
    assert sorted(item.key[2] for item in tokens) == [0, 1]
    qtbot.waitUntil(lambda: not any(i.kind == "token" for i in canvas.picture_items()))
    assert canvas.frames_drawn - before >= 8  # blitted frames of motion
    labels = [i for i in canvas.picture_items() if i.kind == "label" and isinstance(i.key, tuple)]
    assert len(labels) == 2
    window.session.set_step(0)  # back: a jump, no motion
    assert not any(i.kind == "token" for i in canvas.picture_items())
    next(a for a in window.actions() if a.objectName() == "reducedMotionAction").trigger()
    window.session.set_step(1)
    assert not any(i.kind == "token" for i in canvas.picture_items())


def test_the_history_writes_matrices_as_the_graph_does():
    from gui.window.panels.history_view import arithmetic_terms, describe_entry

    entry = {"leaf": "W", "dtype": "float32", "event": "backward", "pass": 1,
             "expression": "y.backward()", "before": None,
             "added": [[5, 5, 5, 0], [7, 7, 7, 0], [9, 9, 9, 0]],
             "after": [[5, 5, 5, 0], [7, 7, 7, 0], [9, 9, 9, 0]]}
    terms = arithmetic_terms(entry)
    assert terms == [("", "None"), ("→", "[[5, 5, 5, 0],\n [7, 7, 7, 0],\n [9, 9, 9, 0]]")]
    assert "values>" not in describe_entry(entry)[1]
