"""Draw the ``matplotlib.pyplot`` figures a lesson cell recorded (Qt-free, never pyplot).

The interpreter records a lesson's ``plt.plot(...)``, ``plt.xlabel(...)``, ... as data
(``engine.interpreter.plots.Figure``); this module replays those calls on a fresh
``matplotlib.figure.Figure`` with the Agg canvas, so no pyplot state exists to leak
from one cell to the next. ``png_bytes`` gives the picture the window shows under the
cell; ``save_figures`` writes ``run --plots DIR``'s files.

>>> from engine.interpreter.plots import PlotRecorder
>>> recorder = PlotRecorder()
>>> recorder.call("plot", ([0, 1, 2], [0, 1, 4]), {"label": "squares"})
>>> recorder.call("legend", (), {})
>>> (figure,) = recorder.take()
>>> png_bytes(figure)[:8]
b'\\x89PNG\\r\\n\\x1a\\n'
"""

from __future__ import annotations

import io
from pathlib import Path

__all__ = ["render", "png_bytes", "save_figures"]

_AXES_CALLS = {"plot": "plot", "scatter": "scatter", "bar": "bar", "hist": "hist",
               "axhline": "axhline", "axvline": "axvline", "xlabel": "set_xlabel",
               "ylabel": "set_ylabel", "title": "set_title", "legend": "legend",
               "grid": "grid", "xlim": "set_xlim", "ylim": "set_ylim"}


def render(figure, *, size=(6.0, 4.0), dpi: float = 100.0):
    """A matplotlib ``Figure`` drawing the recorded calls (errors in a call are skipped)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    picture = Figure(figsize=size, dpi=dpi)
    FigureCanvasAgg(picture)
    axes = picture.add_subplot()
    for call in figure.calls:
        method = _AXES_CALLS.get(call.name)
        if call.name == "tight_layout":
            picture.tight_layout()
            continue
        if method is None:
            continue
        try:
            getattr(axes, method)(*call.args, **call.kwargs)
        except (TypeError, ValueError):
            continue  # what matplotlib refuses is left out of the picture
    return picture


def png_bytes(figure, *, dpi: float = 100.0) -> bytes:
    """The figure as PNG bytes."""
    stream = io.BytesIO()
    render(figure, dpi=dpi).savefig(stream, format="png")
    return stream.getvalue()


def save_figures(figures, directory, stem: str) -> list[Path]:
    """Write each figure as ``DIR/<stem>-<n>.png``; the paths written."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, figure in enumerate(figures, start=1):
        path = directory / f"{stem}-{number}.png"
        path.write_bytes(png_bytes(figure))
        paths.append(path)
    return paths
