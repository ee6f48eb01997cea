"""GraphPicture without Qt: a pure picture of (graph, steps, index) on a plain Figure."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import engine
from engine.graph import to_networkx
from gui.picture.drawing import MIN_TEXT_PX, GraphPicture
from gui.picture.text import text_path


def lesson_pass():
    x = engine.arange(4.0, requires_grad=True)
    y = 2 * engine.dot(x, x)
    graph = to_networkx(y, names={"x": x}, output_name="y")
    return graph, engine.BackwardPass(y).run().steps, x, y


def new_axes(size=(9, 5)):
    figure = Figure(figsize=size, dpi=100)
    FigureCanvasAgg(figure)
    return figure.add_axes((0, 0, 1, 1))


def overlay_state(picture):
    """Everything the overlay draws: paths, offsets and colours of each collection."""
    state = []
    for collection in picture.overlay_artists:
        state.append((tuple(p.vertices.tobytes() for p in collection.get_paths()),
                      collection.get_offsets().tobytes(),
                      collection.get_facecolor().tobytes(),
                      collection.get_edgecolor().tobytes()))
    return state


def pixels(figure):
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba()).copy()


def test_show_is_a_pure_function_of_the_index():
    graph, steps, _, _ = lesson_pass()
    picture = GraphPicture(new_axes(), graph, steps)
    fresh = {}
    for index in range(-1, len(steps)):
        picture.show(index)
        fresh[index] = overlay_state(picture)
    assert len({str(state) for state in fresh.values()}) == len(fresh)  # every step differs
    for index in (2, 0, -1, 1, 2, 1, -1):
        picture.show(index)
        assert overlay_state(picture) == fresh[index]


def test_the_overlay_tells_the_lesson():
    graph, steps, _, _ = lesson_pass()
    picture = GraphPicture(new_axes(), graph, steps)
    labels = {graph.nodes[k]["label"]: k for k in graph}
    picture.show(-1)
    assert picture.leaf_note(labels["x"]) == "None"
    picture.show(0)
    assert picture.step_key(0) == labels["MulBackward0"]
    assert picture.freed_at(0) == {labels["MulBackward0"]}
    picture.show(2)
    assert picture.leaf_note(labels["x"]) == ".grad: None\n→ [0, 4, 8, 12]"
    assert picture.freed_at(2) == {labels["MulBackward0"], labels["DotBackward0"]}
    assert picture.leaf_grad(labels["x"], 1) is None
    assert picture.leaf_grad(labels["x"], 2).tolist() == [0, 4, 8, 12]


def test_accumulation_is_written_out():
    x = engine.arange(4.0, requires_grad=True)
    (2 * engine.dot(x, x)).backward()
    u = x.sum()
    graph = to_networkx(u, names={"x": x})
    steps = engine.BackwardPass(u).run().steps
    picture = GraphPicture(new_axes(), graph, steps)
    leaf = next(k for k in graph if graph.nodes[k].get("role") == "leaf")
    assert picture.leaf_note(leaf, -1) == "[0, 4, 8, 12]"
    assert picture.leaf_note(leaf, 1) == "  [0, 4, 8, 12]\n+ [1, 1, 1, 1]\n= [1, 5, 9, 13]"


def test_arrivals_are_summed_or_for_unbind_stacked():
    graph, steps, _, _ = lesson_pass()
    picture = GraphPicture(new_axes(), graph, steps)
    assert picture.arrival_note(0) is None                       # MulBackward0: one gradient
    assert picture.arrival_note(2) == "  [0, 2, 4, 6]\n+ [0, 2, 4, 6]\n= [0, 4, 8, 12]"
    x = engine.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    first, second = x                                           # one UnbindBackward0
    y = (first * 2 + first).sum() + second.sum() * 0
    steps = engine.BackwardPass(y).run().steps
    unbind = next(i for i, step in enumerate(steps) if step.name == "UnbindBackward0")
    picture = GraphPicture(new_axes(), to_networkx(y, names={"x": x}), steps)
    assert picture.arrival_note(unbind) == ("out 0: [1, 1] + [2, 2]\nout 1: [0, 0]\n"
                                            "stacked = [[3, 3],\n           [0, 0]]")
    second_only = x.unbind()[1].sum()
    graph = to_networkx(second_only, names={"x": x})
    picture = GraphPicture(new_axes(), graph, engine.BackwardPass(second_only).run().steps)
    assert picture.arrival_note(1) == ("out 0: zeros\nout 1: [1, 1]\n"
                                       "stacked = [[0, 0],\n           [1, 1]]")


def test_a_small_graph_in_a_huge_view_keeps_a_sane_text_size():
    from gui.picture.view import MAX_TEXT_PX

    graph, steps, _, _ = lesson_pass()
    ax = new_axes(size=(30, 20))
    picture = GraphPicture(ax, graph, steps)
    assert picture.view.scale_home * 10 == pytest.approx(MAX_TEXT_PX)


def test_grads_before_and_failure_for_a_pass_that_stopped():
    graph, steps, x, y = lesson_pass()
    freed = {k for k in graph if graph.nodes[k].get("node") is not None
             and graph.nodes[k]["node"].is_freed}
    leaf = next(k for k in graph if graph.nodes[k].get("role") == "leaf")
    picture = GraphPicture(new_axes(), graph, [], freed_before=freed,
                           grads_before={leaf: np.array([0.0, 4.0, 8.0, 12.0])},
                           failed=y.grad_fn, error="RuntimeError: Trying to backward twice")
    picture.show(-1)
    assert picture.failed == graph.graph["ids"][id(y.grad_fn)]
    assert picture.freed_at(-1) == freed
    assert picture.leaf_note(leaf) == "[0, 4, 8, 12]"


def test_plain_figures_draw_the_overlay_for_export():
    graph, steps, _, _ = lesson_pass()
    ax = new_axes()
    picture = GraphPicture(ax, graph, steps)
    picture.show(-1)
    before = pixels(ax.figure)
    picture.show(1)
    assert not np.array_equal(before, pixels(ax.figure))


def test_animated_overlay_is_left_out_of_full_draws():
    graph, steps, _, _ = lesson_pass()
    ax = new_axes()
    picture = GraphPicture(ax, graph, steps, animated=True)
    picture.show(-1)
    before = pixels(ax.figure)
    picture.show(1)
    assert np.array_equal(before, pixels(ax.figure))


def test_node_at_finds_the_box_under_a_point():
    graph, steps, _, _ = lesson_pass()
    ax = new_axes()
    picture = GraphPicture(ax, graph, steps)
    ax.figure.canvas.draw()
    for key in graph:
        assert picture.node_at(*picture.position(key)) == key
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    assert picture.node_at(x0 + 0.001 * (x1 - x0), y0 + 0.001 * (y1 - y0)) is None
    assert picture.node_at(None, None) is None


def test_a_hundred_nodes_stay_readable():
    graph, steps = chains()
    assert graph.number_of_nodes() >= 95
    ax = new_axes((12.8, 7.2))
    picture = GraphPicture(ax, graph, steps, crop=True)
    picture.show(len(steps) - 1)
    ax.figure.canvas.draw()
    sizes = [item.text_px for item in picture.picture_items() if item.kind == "node"]
    assert min(sizes) >= MIN_TEXT_PX
    picture.fit_all()  # the overview: every box in view
    assert {i.key for i in picture.picture_items() if i.kind == "node"} == set(graph)


def test_dark_theme_and_removal():
    graph, steps, _, _ = lesson_pass()
    ax = new_axes()
    picture = GraphPicture(ax, graph, steps, theme="dark")
    assert ax.figure.get_facecolor()[:3] == pytest.approx((0x1b / 255, 0x1f / 255, 0x24 / 255))
    picture.remove()
    assert not ax.collections


def test_text_paths_never_go_through_mathtext():
    for text in ("$x^$", "$$", r"$\nosuchmacro$", "日本", "", "a\nb\n"):
        path, width, height = text_path(text, 9.0)
        assert width >= 0 and height > 0


def chains(branches=6, depth=6):
    x = engine.arange(4.0, requires_grad=True)
    total, names = None, {"x": x}
    for branch in range(branches):
        w = engine.full((4,), 0.5 + 0.1 * branch, requires_grad=True)
        names[f"w{branch}"] = w
        value = x
        for _ in range(depth):
            value = (value * w).sin()
        total = value.sum() if total is None else total + value.sum()
    graph = to_networkx(total, names=names)
    return graph, engine.BackwardPass(total).run().steps


def test_chains_run_straight_across():
    graph, steps = chains()
    picture = GraphPicture(new_axes((19.2, 10.8)), graph, steps)
    centre = picture.scene.centre

    def chain(key):
        return graph.nodes[key]["label"].startswith(("Sin", "Mul"))

    chain_edges = [(u, v) for u, v in graph.edges if chain(u) and chain(v)]
    straight = [(u, v) for u, v in chain_edges if abs(centre[u][1] - centre[v][1]) < 6]
    assert len(straight) >= 0.6 * len(chain_edges)  # a shared weight's edges pull a little
    places = {}
    for key, place in centre.items():  # no two nodes share a place
        assert place not in places, (key, places.get(place))
        places[place] = key


def test_a_dense_graph_opens_readable_and_follows_the_pass():
    graph, steps = chains()
    ax = new_axes((8.6, 6.0))
    picture = GraphPicture(ax, graph, steps, crop=True)
    assert picture.home_limits != picture.full_limits       # cropped to stay readable
    assert ax.get_xlim() == pytest.approx(picture.home_limits[0])
    output_x = picture.position("output")[0]
    assert ax.get_xlim()[0] < output_x < ax.get_xlim()[1]   # starts at the output's end
    last = picture.step_key(len(steps) - 1)
    assert picture.ensure_visible(last)
    x0, x1 = ax.get_xlim()
    assert x0 < picture.position(last)[0] < x1
    assert not picture.ensure_visible(last)                  # already in view
    picture.fit_all()
    assert ax.get_xlim() == pytest.approx(picture.full_limits[0])
    uncropped = GraphPicture(new_axes((8.6, 6.0)), graph, steps)
    assert uncropped.home_limits == uncropped.full_limits   # export draws everything
