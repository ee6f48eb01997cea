"""Export speed: the backward animation of a 30-node graph to GIF, with progress shown.

    python bench/bench_export.py

Goals: (issue 6) a 40-step animation of a 30-node graph exported to GIF in under 15 s;
(issue 14) the same with motion, 8 frames per step, to GIF in under 30 s and MP4 in under
20 s (MP4 where ffmpeg is found).
One pass runs each node of a graph at most once, so 40 steps need more than 30 nodes:
this script times a 30-node graph (every step it has) and 40-step graphs (42-45 nodes,
harder than the goal), at the export's default size and dpi: once end to end as
``python main.py export`` in a fresh process (cold: imports and fonts included), then
in-process, each against the goal and against a baseline from the same run (drawing
the same frames without encoding a GIF).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import engine  # noqa: E402
from engine.graph import to_networkx  # noqa: E402
from gui.picture import export  # noqa: E402

GOAL_SECONDS = 15.0
MOTION_FRAMES = 8           # per step (issue 14: at least 8 at the default speed)
MOTION_GOALS = {".gif": 30.0, ".mp4": 20.0}


def layered_graph(blocks: int):
    """A small network: blocks of (w * h + b).tanh() over two parameters and x, then a loss.

    Each block adds four function nodes; the leaves are shared, so the graph stays wide.
    """
    x = engine.linspace(-1.0, 1.0, 4, requires_grad=True)
    w = engine.full((4,), 0.5, requires_grad=True)
    b = engine.full((4,), 0.1, requires_grad=True)
    h = x
    for _ in range(blocks):
        h = (w * h + b).tanh() * 1.5
    y = (h * h).mean()
    graph = to_networkx(y, names={"x": x, "w": w, "b": b}, output_name="loss")
    steps = engine.BackwardPass(y).run().steps
    return graph, steps


def chain_graph(length: int):
    x = engine.linspace(0.1, 1.0, 4, requires_grad=True)
    h = x
    for number in range(length):
        h = h.sin() if number % 2 else h * 1.01
    y = h.sum()
    graph = to_networkx(y, names={"x": x}, output_name="y")
    return graph, engine.BackwardPass(y).run().steps


def pick(builder, nodes=None, steps=None):
    """The smallest graph of ``builder`` with at least ``nodes`` nodes / ``steps`` steps."""
    for size in range(1, 200):
        graph, recorded = builder(size)
        if (nodes is None or graph.number_of_nodes() >= nodes) and (
                steps is None or len(recorded) >= steps):
            return graph, recorded
    raise RuntimeError("no graph large enough")


class Bar:
    """The progress bar the command line shows, on stderr."""

    def __init__(self, label: str):
        self.label = label

    def __call__(self, done: int, total: int) -> bool:
        filled = int(30 * done / total)
        sys.stderr.write(f"\r  {self.label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()
        return True


def draw_only(graph, steps) -> float:
    """Baseline: the same frames drawn, without encoding a GIF."""
    started = time.perf_counter()
    picture = export._Picture(graph, steps, theme="light", size=None, dpi=100.0)
    for index in range(-1, len(steps)):
        picture.show(index)
        picture.rgb()
    picture.close()
    return time.perf_counter() - started


def bench(name: str, graph, steps, folder: Path) -> float:
    path = folder / f"{name}.gif"
    width, height = export.figure_size(graph)
    print(f"{name}: {graph.number_of_nodes()} nodes, {len(steps)} steps, "
          f"{len(steps) + 1} frames of {int(width * 100)} x {int(height * 100)} px")
    baseline = draw_only(graph, steps)
    started = time.perf_counter()
    export.export_animation(path, graph, steps, progress=Bar(name))
    elapsed = time.perf_counter() - started
    size = path.stat().st_size / 1024
    print(f"  GIF written in {elapsed:.2f} s ({size:.0f} KB): {elapsed / GOAL_SECONDS:.2f} of "
          f"the {GOAL_SECONDS:.0f} s goal -> {'OK' if elapsed < GOAL_SECONDS else 'TOO SLOW'}")
    print(f"  drawing the same frames alone: {baseline:.2f} s (export / draw = "
          f"{elapsed / baseline:.2f}); {1000 * elapsed / (len(steps) + 1):.0f} ms per frame")
    return elapsed


def bench_motion(graph, steps, folder: Path) -> list:
    """The 40-step animation with 8 frames of motion per step, GIF and MP4: seconds over goal."""
    ratios = []
    frames = len(steps) * MOTION_FRAMES + 1
    print(f"with motion: {graph.number_of_nodes()} nodes, {len(steps)} steps x {MOTION_FRAMES} "
          f"frames = {frames} frames")
    for suffix, goal in MOTION_GOALS.items():
        if suffix == ".mp4" and not export.mp4_available():
            print("  MP4: no ffmpeg here, not measured")
            continue
        path = folder / f"motion{suffix}"
        fps = 12.0 if suffix == ".gif" else 30.0
        started = time.perf_counter()
        export.export_animation(path, graph, steps, fps=fps, step_frames=MOTION_FRAMES,
                                progress=Bar(suffix))
        elapsed = time.perf_counter() - started
        print(f"  {suffix[1:].upper()} at {fps:g} fps written in {elapsed:.2f} s "
              f"({path.stat().st_size / 1024:.0f} KB; goal < {goal:.0f} s) -> "
              f"{'OK' if elapsed < goal else 'TOO SLOW'}; "
              f"{1000 * elapsed / frames:.0f} ms per frame")
        ratios.append(elapsed / goal)
    return ratios


def command_line(folder: Path, length: int = 38) -> float:
    """``python main.py export`` in a fresh process (imports, fonts, everything cold)."""
    expression = "x"
    for number in range(length):
        expression = f"({expression}).sin()" if number % 2 else f"({expression} * 1.01)"
    expression += ".sum()"
    command = [sys.executable, str(ROOT / "main.py"), "export", "--x", "linspace(0.1, 1, 4)",
               "--expr", expression, "--out", str(folder / "cli.gif"),
               "--fps", "2"]  # one frame a step: the motion goals are measured above
    print(f"command line, fresh process: a {length + 2}-step chain "
          f"({length + 4} nodes), progress bar on stderr:")
    started = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"main.py export failed with status {result.returncode}")
    print(f"  {result.stdout.strip()}")
    print(f"  end to end {elapsed:.2f} s: {elapsed / GOAL_SECONDS:.2f} of the "
          f"{GOAL_SECONDS:.0f} s goal -> {'OK' if elapsed < GOAL_SECONDS else 'TOO SLOW'}")
    return elapsed


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        results = [command_line(folder)]
        results += [
            bench("30-node graph", *pick(layered_graph, nodes=30), folder),
            bench("40-step graph", *pick(layered_graph, steps=40), folder),
            bench("40-step chain", *pick(chain_graph, steps=40), folder),
        ]
        motion = bench_motion(*pick(layered_graph, steps=40), folder)
    worst = max(results)
    print(f"worst: {worst:.2f} s = {worst / GOAL_SECONDS:.2f} of the goal; with motion, "
          f"the worst is {max(motion, default=0):.2f} of its goal")
    return 0 if worst < GOAL_SECONDS and all(r < 1 for r in motion) else 1


if __name__ == "__main__":
    sys.exit(main())
