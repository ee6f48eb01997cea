"""Graphs the picture is tried on, each with its recorded passes (no Qt)."""

from __future__ import annotations

from pathlib import Path

import engine
from engine.graph import to_networkx

LESSONS = Path(__file__).resolve().parents[2] / "resources" / "lessons"

# The graph canvas of the main window at 1920x1080 and 1280x800 (measured offscreen with
# the side panels at their first sizes), and with a lesson open (its cells take a column):
# the picture is tried at these sizes.
CANVASES = {"1920x1080": (1287, 860), "1280x800": (857, 580)}
LESSON_CANVASES = {"1920x1080": (945, 860), "1280x800": (625, 580)}


def _record(build):
    with engine.record_passes() as passes:
        output, names = build()
        output.backward()
    return [(to_networkx(output, names=names, output_name="y"), passes[0])]


def seed():
    x = engine.arange(4.0, requires_grad=True)
    return 2 * engine.dot(x, x), {"x": x}


def square():
    x = engine.tensor([1.0, 2.0, 3.0], requires_grad=True)
    return (x * x).sum(), {"x": x}


def chain10():
    x = engine.tensor([0.5, 1.0, 1.5], requires_grad=True)
    value = x
    for number in range(10):
        value = (value * 1.5, value.sin(), value + 1.0, value.tanh(), value / 2.0)[number % 5]
    return value.sum(), {"x": x}


def mlp():
    x = engine.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    weight = engine.tensor([[0.1, -0.2, 0.3, 0.4], [0.5, 0.6, -0.7, 0.8],
                            [0.9, 1.0, 1.1, -1.2]], requires_grad=True)
    bias = engine.tensor([0.1, 0.2, 0.3, 0.4], requires_grad=True)
    return (x @ weight + bias).relu().sum(), {"x": x, "W": weight, "b": bias}


def two_leaves(branches: int = 4, depth: int = 3, shape=(1,)):
    """About 35 nodes (four branches of six ops over two leaves, summed); ``shape`` is
    the leaves' shape (one number each by default)."""
    x = engine.full(shape, 1.0, requires_grad=True)
    w = engine.full(shape, 0.5, requires_grad=True)
    total = None
    for branch in range(branches):
        value = x
        for level in range(depth):
            value = (value * w).sin() if (branch + level) % 2 else (value + w).tanh()
        total = value.sum() if total is None else total + value.sum()
    return total, {"x": x, "w": w}


def big(branches: int = 5, depth: int = 5):
    """About 60 nodes."""
    return two_leaves(branches, depth, (2,))


BUILT = {"seed": seed, "square": square, "chain10": chain10, "mlp": mlp,
         "two_leaves": two_leaves}


def graph_passes(name: str) -> list:
    """[(graph, BackwardPass)] for a built graph."""
    return _record(BUILT[name])


def lesson_passes(path: Path) -> list:
    """[(graph, BackwardPass)] for every backward pass a built-in lesson runs."""
    from engine.interpreter.lesson import LessonRunner, load_lesson

    runner = LessonRunner(load_lesson(path))
    found = []
    for result in runner.run_all():
        names = {name: value for name, value in result.tensors.items()
                 if isinstance(value, engine.Tensor)}
        for backward in result.passes:
            graph = to_networkx(backward.output, names=names, output_name="y")
            found.append((graph, backward))
    return found
