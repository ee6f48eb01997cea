"""The picture at classroom scale, checked through picture_items() on the window's two
canvas sizes, after every step: nothing covers anything, nothing is cut, the text is
large enough, every next_functions slot is an edge of its own (Agg only, no Qt)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gui.picture.drawing import MIN_TEXT_PX, GraphPicture
from tests.picture import cases

TOLERANCE = 0.5  # pixels two boxes may share (anti-aliased borders)


def new_axes(size):
    width, height = size
    figure = Figure(figsize=(width / 100, height / 100), dpi=100)
    FigureCanvasAgg(figure)
    return figure.add_axes((0, 0, 1, 1))


def overlap(a, b) -> bool:
    return (min(a[2], b[2]) - max(a[0], b[0]) > TOLERANCE
            and min(a[3], b[3]) - max(a[1], b[1]) > TOLERANCE)


def check_picture(picture, size, *, whole: bool) -> list:
    """Every problem of the current picture, as text (empty: none)."""
    problems = []
    items = picture.picture_items()
    nodes = [item for item in items if item.kind == "node"]
    labels = [item for item in items if item.kind == "label"]
    width, height = size
    for item in nodes + labels:
        if item.text_px and item.text_px < MIN_TEXT_PX - 1e-6:
            problems.append(f"{item.kind} {item.key} text {item.text_px:.1f} px")
    for label in labels:
        x0, y0, x1, y1 = label.bbox
        if whole and (x0 < 0 or y0 < 0 or x1 > width or y1 > height):
            problems.append(f"label {label.key} {label.text!r} cut by the edge")
        for node in nodes:
            if overlap(label.bbox, node.bbox):
                problems.append(f"label {label.key} {label.text!r} over node {node.key}")
    for first in range(len(labels)):
        for second in range(first + 1, len(labels)):
            if overlap(labels[first].bbox, labels[second].bbox):
                problems.append(f"label {labels[first].text!r} over {labels[second].text!r}")
    for first in range(len(nodes)):
        for second in range(first + 1, len(nodes)):
            if overlap(nodes[first].bbox, nodes[second].bbox):
                problems.append(f"node {nodes[first].key} over {nodes[second].key}")
    if whole:
        shown = {item.key for item in nodes}
        missing = set(picture.keys) - shown
        if missing:
            problems.append(f"nodes outside the first view: {sorted(missing)}")
        for node in nodes:
            x0, y0, x1, y1 = node.bbox
            if x0 < 0 or y0 < 0 or x1 > width or y1 > height:
                problems.append(f"node {node.key} cut by the edge")
    return problems


def every_step(graph, backward, size, **options):
    picture = GraphPicture(new_axes(size), graph, backward, crop=True, **options)
    whole = graph.number_of_nodes() <= 40
    problems = []
    for index in range(-1, len(backward.steps)):
        picture.show(index)
        problems += [f"step {index}: {p}" for p in check_picture(picture, size, whole=whole)]
    return picture, problems


# beside a lesson's cells: every graph but the 36-node one (625 x 580 pixels for 36
# nodes is below 9 px text: it opens readable on the output and follows the pass)
BESIDE_A_LESSON = [(name, f"{canvas} lesson") for name in sorted(cases.BUILT)
                   for canvas in sorted(cases.LESSON_CANVASES)
                   if (name, canvas) != ("two_leaves", "1280x800")]


@pytest.mark.parametrize("name, canvas", [(name, canvas) for name in sorted(cases.BUILT)
                                          for canvas in sorted(cases.CANVASES)]
                         + BESIDE_A_LESSON)
def test_nothing_covers_anything_after_any_step(name, canvas):
    size = (cases.LESSON_CANVASES[canvas.split()[0]] if canvas.endswith("lesson")
            else cases.CANVASES[canvas])
    for graph, backward in cases.graph_passes(name):
        _, problems = every_step(graph, backward, size)
        assert not problems, problems[:5]


@pytest.mark.parametrize("canvas", sorted(cases.CANVASES))
@pytest.mark.parametrize("lesson", sorted(p.name for p in cases.LESSONS.glob("*.py")))
def test_the_built_in_lessons_read_whole(lesson, canvas):
    size = cases.LESSON_CANVASES[canvas]
    passes = cases.lesson_passes(cases.LESSONS / lesson)
    assert passes
    for graph, backward in passes:
        _, problems = every_step(graph, backward, size)
        assert not problems, problems[:5]


def test_small_graphs_are_large_on_a_projector():
    size = cases.CANVASES["1920x1080"]
    for name in ("seed", "square"):
        (graph, backward), = cases.graph_passes(name)
        assert graph.number_of_nodes() <= 8
        picture = GraphPicture(new_axes(size), graph, backward, crop=True)
        picture.show(len(backward.steps) - 1)
        sizes = [item.text_px for item in picture.picture_items() if item.kind == "node"]
        assert min(sizes) >= 24, (name, min(sizes))


def test_dot_x_x_draws_both_slots_each_with_its_gradient():
    (graph, backward), = cases.graph_passes("seed")
    picture = GraphPicture(new_axes(cases.CANVASES["1280x800"]), graph, backward)
    dot = next(k for k in graph if graph.nodes[k]["label"] == "DotBackward0")
    accumulate = next(k for k in graph if graph.nodes[k]["label"] == "AccumulateGrad")
    picture.show(1)  # DotBackward0 runs
    items = picture.picture_items()
    edges = [item for item in items if item.kind == "edge" and item.key[:2] == (dot, accumulate)]
    assert sorted(item.key[2] for item in edges) == [0, 1]
    sent = [item for item in items if item.kind == "label" and isinstance(item.key, tuple)
            and item.key[:2] == (dot, accumulate)]
    assert sorted(item.key[2] for item in sent) == [0, 1]
    assert [item.text for item in sent] == ["[0, 2, 4, 6]", "[0, 2, 4, 6]"]
    picture.show(2)  # both arrive and are summed at the AccumulateGrad
    notes = [item.text for item in picture.picture_items()
             if item.kind == "label" and item.key == accumulate]
    assert notes == ["  [0, 2, 4, 6]\n+ [0, 2, 4, 6]\n= [0, 4, 8, 12]"]


def test_matrices_are_written_as_matrices():
    (graph, backward), = cases.graph_passes("mlp")
    picture = GraphPicture(new_axes(cases.CANVASES["1920x1080"]), graph, backward)
    picture.show(len(backward.steps) - 1)
    texts = [item.text for item in picture.picture_items()]
    assert not any("values>" in text for text in texts)
    weight = next(k for k in graph if graph.nodes[k]["label"] == "W")
    node = next(item for item in picture.picture_items() if item.key == weight
                and item.kind == "node")
    assert node.text == ("W\n[[ 0.1, -0.2,  0.3,  0.4],\n [ 0.5,  0.6, -0.7,  0.8],\n"
                         " [ 0.9,    1,  1.1, -1.2]]")


def test_after_the_pass_every_node_shows_the_gradient_that_reached_it():
    (graph, backward), = cases.graph_passes("seed")
    picture = GraphPicture(new_axes(cases.CANVASES["1280x800"]), graph, backward)
    picture.show(0)
    grads = {item.key: item.text for item in picture.picture_items() if item.kind == "label"
             and item.text.startswith("grad")}
    assert grads == {}
    picture.show(len(backward.steps) - 1)
    grads = {graph.nodes[item.key]["label"]: item.text for item in picture.picture_items()
             if item.kind == "label" and item.text.startswith("grad")}
    assert grads == {"y": "grad 1", "MulBackward0": "grad 1", "DotBackward0": "grad 2"}
    early = GraphPicture(new_axes(cases.CANVASES["1280x800"]), graph, backward, grads=True)
    early.show(1)
    shown = {graph.nodes[item.key]["label"] for item in early.picture_items()
             if item.kind == "label" and item.text.startswith("grad")}
    assert shown == {"y", "MulBackward0", "DotBackward0"}


def test_edges_route_around_the_nodes():
    for name in ("two_leaves", "mlp", "chain10"):
        (graph, backward), = cases.graph_passes(name)
        picture = GraphPicture(new_axes(cases.CANVASES["1920x1080"]), graph, backward)
        scene = picture.scene
        for (source, target, slot), path in scene.edges.items():
            points = np.concatenate(path.to_polygons(closed_only=False))
            for key in scene.keys:
                if key in (source, target):
                    continue
                (cx, cy), (w, h) = scene.centre[key], scene.half[key]
                inside = (np.abs(points[:, 0] - cx) < w - 1) & (np.abs(points[:, 1] - cy) < h - 1)
                assert not inside.any(), (name, (source, target, slot), "through", key)


def test_long_chains_wrap_instead_of_running_off():
    (graph, backward), = cases.graph_passes("chain10")
    picture = GraphPicture(new_axes(cases.CANVASES["1280x800"]), graph, backward, crop=True)
    assert picture.scene.bands > 1
    nodes = [item for item in picture.picture_items() if item.kind == "node"]
    assert len(nodes) == graph.number_of_nodes()


def test_a_sixty_node_graph_opens_readable_and_has_an_overview():
    with cases.engine.record_passes() as passes:
        output, names = cases.big()
        output.backward()
    graph = cases.to_networkx(output, names=names)
    assert graph.number_of_nodes() >= 55
    size = cases.CANVASES["1280x800"]
    picture = GraphPicture(new_axes(size), graph, passes[0], crop=True)
    picture.show(0)
    assert min(i.text_px for i in picture.picture_items() if i.kind == "node") >= MIN_TEXT_PX
    last = picture.step_key(len(passes[0].steps) - 1)
    picture.ensure_visible(last)
    assert last in {i.key for i in picture.picture_items() if i.kind == "node"}
    picture.fit_all()
    assert {i.key for i in picture.picture_items() if i.kind == "node"} == set(graph)


def test_function_nodes_can_show_their_forward_value():
    (graph, backward), = cases.graph_passes("seed")
    picture = GraphPicture(new_axes(cases.CANVASES["1920x1080"]), graph, backward, values=True)
    texts = {graph.nodes[item.key]["label"]: item.text for item in picture.picture_items()
             if item.kind == "node"}
    assert texts["DotBackward0"] == "DotBackward0\n= 14"
    assert texts["MulBackward0"] == "MulBackward0\n= 28"
    assert texts["AccumulateGrad"] == "AccumulateGrad"
    for name in ("seed", "mlp", "chain10"):
        (graph, backward), = cases.graph_passes(name)
        for size in cases.CANVASES.values():
            _, problems = every_step(graph, backward, size, values=True, grads=True)
            assert not problems, (name, problems[:3])


def test_gradients_travel_as_tokens_along_their_own_arcs():
    (graph, backward), = cases.graph_passes("seed")
    picture = GraphPicture(new_axes(cases.CANVASES["1280x800"]), graph, backward)
    scene = picture.scene
    accumulate = next(k for k in graph if graph.nodes[k]["label"] == "AccumulateGrad")

    def tokens(travel):
        picture.show(1, travel)
        return {item.key: item for item in picture.picture_items() if item.kind == "token"}

    def to_target(item):
        x0, y0, x1, y1 = item.bbox
        tx, ty = picture.ax.transData.transform(scene.centre[accumulate])
        height = picture.ax.figure.bbox.height
        return np.hypot((x0 + x1) / 2 - tx, (y0 + y1) / 2 - (height - ty))

    dot = next(k for k in graph if graph.nodes[k]["label"] == "DotBackward0")
    early, late = tokens(0.3), tokens(0.9)
    assert set(early) == set(late) == {(dot, accumulate, 0), (dot, accumulate, 1)}
    assert all(item.text == "[0, 2, 4, 6]" for item in early.values())
    for key in early:
        assert to_target(late[key]) < to_target(early[key])  # on their way to x's buffer
    assert tokens(1.0) == {}  # at rest: the labels again
    assert len([i for i in picture.picture_items() if i.kind == "label"
                and isinstance(i.key, tuple)]) == 2


def test_the_buffer_shows_old_plus_new_before_the_total():
    x = cases.engine.arange(4.0, requires_grad=True)
    (2 * cases.engine.dot(x, x)).backward()
    with cases.engine.record_passes() as passes:
        u = x.sum()
        u.backward()
    graph = cases.to_networkx(u, names={"x": x})
    picture = GraphPicture(new_axes(cases.CANVASES["1280x800"]), graph, passes[0])
    last = len(passes[0].steps) - 1

    def buffer(travel):
        picture.show(last, travel)
        return next(i.text for i in picture.picture_items() if i.kind == "label"
                    and i.key == "leaf0")

    assert buffer(0.2) == "  [0, 4, 8, 12]\n+ [1, 1, 1, 1]"
    assert buffer(1.0) == "  [0, 4, 8, 12]\n+ [1, 1, 1, 1]\n= [1, 5, 9, 13]"


def test_freed_nodes_fade_out_and_the_error_flashes():
    (graph, backward), = cases.graph_passes("seed")
    picture = GraphPicture(new_axes(cases.CANVASES["1280x800"]), graph, backward)
    mul = picture.step_key(0)

    def wash_alpha(travel):  # the freed wash of MulBackward0 while DotBackward0 moves
        picture.show(1, travel)
        state = picture.overlay_artists[0]
        offsets = [tuple(o) for o in state.get_offsets()]
        faces = state.get_facecolor()
        row = [i for i, o in enumerate(offsets) if o == tuple(picture.position(mul))][0]
        return faces[row][3]

    assert wash_alpha(0.1) < wash_alpha(0.6) < wash_alpha(1.0)
    x = cases.engine.arange(4.0, requires_grad=True)
    y = x.sum() + (x * x).sum()  # the second pass runs the sums, then MulBackward0 raises
    with cases.engine.record_passes() as passes:
        y.backward()
        with pytest.raises(RuntimeError):
            y.backward()
    graph = cases.to_networkx(y, names={"x": x})
    failed = GraphPicture(new_axes(cases.CANVASES["1280x800"]), graph, passes[1])
    last = len(passes[1].steps) - 1
    assert last >= 0 and failed.failed is not None
    rings = [len(failed.show(last, travel)[3].get_paths()) for travel in (0.1, 1.0)]
    assert rings[0] > rings[1]  # one ring more while it flashes
