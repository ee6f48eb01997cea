"""``matplotlib.pyplot`` in a lesson, recorded as data (the engine never imports matplotlib).

A lesson's ``plt.plot(x.detach(), y.detach())``, ``plt.xlabel(...)``, ``plt.title(...)``
and ``plt.show()`` become ``Figure`` records: plain numbers and text, one list per
figure. ``gui.picture.lesson_plot`` draws them (the window shows them under the cell,
``run --plots DIR`` saves them as PNG); nothing leaks from one cell to the next.

>>> recorder = PlotRecorder()
>>> recorder.call("plot", ([0, 1, 2], [0, 1, 4]), {"label": "x²"})
>>> recorder.call("title", ("squares",), {})
>>> recorder.call("show", (), {})
>>> [figure.calls[0].name for figure in recorder.figures], recorder.figures[0].calls[1].args
(['plot'], ('squares',))
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.interpreter.limits import GuardError

__all__ = ["PlotCall", "Figure", "PlotRecorder", "plot_namespace", "PLOT_FUNCTIONS",
           "MAX_PLOT_POINTS", "MAX_FIGURES"]

MAX_PLOT_POINTS = 200_000   # numbers in the plots of one cell
MAX_FIGURES = 20            # figures one cell may show

# pyplot functions a lesson may call: name -> keyword arguments kept (others are refused).
PLOT_FUNCTIONS = {
    "plot": {"label", "color", "linestyle", "linewidth", "marker", "alpha"},
    "scatter": {"label", "color", "marker", "alpha", "s"},
    "bar": {"label", "color", "alpha", "width"},
    "hist": {"bins", "label", "color", "alpha"},
    "axhline": {"color", "linestyle", "linewidth", "y"},
    "axvline": {"color", "linestyle", "linewidth", "x"},
    "xlabel": set(), "ylabel": set(), "title": set(), "legend": set(), "grid": set(),
    "xlim": set(), "ylim": set(), "figure": {"figsize"}, "show": set(), "tight_layout": set(),
    "close": set(),
}
_TEXT_KEYWORDS = {"label", "color", "linestyle", "marker"}


@dataclass(frozen=True)
class PlotCall:
    """One pyplot call: its name, its arguments as numbers, lists of numbers or text."""

    name: str
    args: tuple
    kwargs: dict = field(default_factory=dict)


@dataclass
class Figure:
    """The calls that draw one figure, in order."""

    calls: list = field(default_factory=list)


def _plain(value, budget: list):
    """A tensor, array, list or number as plain data (lists of floats); refuse anything else."""
    if isinstance(value, str):
        if len(value) > 200:
            raise GuardError("plot text too long (limit 200 characters)")
        return value
    if isinstance(value, (bool, int, float, np.number)):
        return float(value)
    numpy = getattr(value, "numpy", None)
    if callable(numpy) and hasattr(value, "requires_grad"):  # a tensor: as matplotlib sees it
        value = np.asarray(numpy())
    if isinstance(value, (list, tuple, np.ndarray)):
        array = np.asarray(value, dtype=float)
        budget[0] -= array.size
        if budget[0] < 0:
            raise GuardError(f"plots too large: more than {MAX_PLOT_POINTS:,} numbers in a cell")
        return array.tolist()
    if value is None:
        return None
    raise TypeError(f"a plot takes numbers, lists, arrays and tensors, not "
                    f"{type(value).__name__}")


class PlotRecorder:
    """The figures a cell draws; ``show()`` (or the cell's end) closes the current one."""

    def __init__(self):
        self.figures: list[Figure] = []
        self.current: Figure | None = None
        self.budget = [MAX_PLOT_POINTS]

    def call(self, name: str, args: tuple, kwargs: dict):
        allowed = PLOT_FUNCTIONS[name]
        for key in kwargs:
            if key not in allowed:
                raise TypeError(f"{name}() got an unexpected keyword argument '{key}'")
        if name == "show":
            self.current = None
            return None
        if name == "close":
            self.current = None
            return None
        if name == "figure":
            self.current = None
        if self.current is None:
            if len(self.figures) >= MAX_FIGURES:
                raise GuardError(f"too many figures: more than {MAX_FIGURES} in a cell")
            self.current = Figure()
            self.figures.append(self.current)
        if name != "figure":
            plain_args = tuple(_plain(arg, self.budget) for arg in args)
            plain_kwargs = {key: (_plain(value, self.budget) if key not in _TEXT_KEYWORDS
                                  or not isinstance(value, str) else value[:200])
                            for key, value in kwargs.items()}
            self.current.calls.append(PlotCall(name, plain_args, plain_kwargs))
        return None

    def take(self) -> tuple:
        """The cell's figures (those left open count), and a fresh start for the next cell."""
        figures = tuple(figure for figure in self.figures if figure.calls)
        self.figures, self.current, self.budget = [], None, [MAX_PLOT_POINTS]
        return figures


def plot_namespace(interpreter):
    """``matplotlib.pyplot`` for a lesson: each function records into the cell's figures."""
    from engine.interpreter.library import Namespace
    from engine.interpreter.limits import nothing

    if interpreter.plots is None:
        interpreter.plots = PlotRecorder()

    def function(name):
        def record(*args, **kwargs):
            return interpreter.plots.call(name, args, kwargs)
        record.__name__ = name
        return record

    return Namespace("matplotlib.pyplot", {name: function(name) for name in PLOT_FUNCTIONS},
                     dict.fromkeys(PLOT_FUNCTIONS, nothing))
