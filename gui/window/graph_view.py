"""The computation graph in the window: an embedded matplotlib canvas that blits each step.

``GraphView(session, player)`` holds a ``Figure`` on a ``FigureCanvasQTAgg`` (objectName
``graphCanvas``; never pyplot) with matplotlib's navigation toolbar for zoom and pan
(the mouse wheel zooms too).
A graph too dense to read whole opens at a readable scale on its output's end, and the
view follows the node being run; ``fit_all`` shows everything.
A new graph is drawn once; each step only rewrites the picture's overlay and blits
it over the kept background (``gui.picture.blit.Blitter``). Stepping forward moves the
gradients along their edges in a few blitted frames. Clicking a node selects it in
the session (the inspector shows it).
"""

from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT
from matplotlib.figure import Figure
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.picture.blit import Blitter

__all__ = ["GraphView", "GraphToolbar"]

TRAVEL_FRAMES = 4
TRAVEL_MS = 220
RESIZE_DEBOUNCE_MS = 250
WHEEL_ZOOM = 1.25


class GraphToolbar(NavigationToolbar2QT):
    """matplotlib's toolbar with the buttons that make sense here (no subplot settings)."""

    toolitems = [item for item in NavigationToolbar2QT.toolitems
                 if item[0] in (None, "Home", "Back", "Forward", "Pan", "Zoom", "Save")]

    def __init__(self, canvas, parent, view):
        super().__init__(canvas, parent, coordinates=False)
        self._view = view
        self.setObjectName("graphToolbar")

    def save_figure(self, *args):
        """Save what is on screen, the animated overlay included."""
        overlay = self._view.overlay_artists()
        for artist in overlay:
            artist.set_animated(False)
        try:
            return super().save_figure(*args)
        finally:
            for artist in overlay:
                artist.set_animated(True)
            self.canvas.draw_idle()


class GraphView(QWidget):
    """The graph of ``session.graph`` at ``session.step`` (see the module docstring)."""

    def __init__(self, session, player=None, parent=None):
        super().__init__(parent)
        self.session = session
        self.player = player
        self.theme = "light"
        self.font_size = 9.0
        self.picture = None
        self.figure = Figure()
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setObjectName("graphCanvas")
        self.canvas.setAccessibleName("computation graph")
        self.canvas.setMinimumSize(200, 150)
        self.ax = self.figure.add_axes((0, 0, 1, 1))
        self.ax.set_axis_off()
        self.toolbar = GraphToolbar(self.canvas, self, self)
        self.blitter = Blitter(self.canvas)
        self._home_limits = None
        self._travel_index = -1
        self._travel_frame = TRAVEL_FRAMES
        self._travel_timer = QTimer(self)
        self._travel_timer.timeout.connect(self._on_travel_frame)
        self._resize_timer = QTimer(self, singleShot=True, interval=RESIZE_DEBOUNCE_MS)
        self._resize_timer.timeout.connect(self._on_resized)
        self._size = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.canvas, 1)
        self.canvas.mpl_connect("button_press_event", self._on_click)
        self.canvas.mpl_connect("resize_event", self._on_resize_event)
        self.canvas.mpl_connect("scroll_event", self._on_scroll)
        session.graph_changed.connect(self.rebuild)
        session.pass_changed.connect(self._on_pass_changed)
        session.step_changed.connect(self._on_step_changed)
        session.selection_changed.connect(self._on_selection_changed)

    # ---- public -------------------------------------------------------------------------

    def overlay_artists(self) -> list:
        return self.picture.overlay_artists if self.picture is not None else []

    def set_theme(self, theme: str, font_size: float | None = None) -> None:
        """Redraw in another palette (and text size)."""
        self.theme = theme
        if font_size is not None:
            self.font_size = font_size
        self.rebuild()

    def rebuild(self) -> None:
        """Draw ``session.graph`` from scratch (a new graph, theme, size or font)."""
        self._travel_timer.stop()
        if self.picture is not None:
            self.picture.remove()
            self.picture = None
        session = self.session
        if session.graph is None:
            self.figure.set_facecolor(_background(self.theme))
            self.blitter.set_artists([])
            self.canvas.draw_idle()
            return
        from gui.picture.drawing import GraphPicture  # networkx: only once a graph exists

        self.picture = GraphPicture(self.ax, session.graph, session.steps, theme=self.theme,
                                    font_size=self.font_size, animated=True, crop=True)
        self._apply_pass()
        self._home_limits = (self.ax.get_xlim(), self.ax.get_ylim())
        self.toolbar.update()  # the Home button returns to this view
        self.blitter.set_artists(self.picture.overlay_artists)
        self.blitter.invalidate()
        self.picture.show(session.step)
        self.canvas.draw_idle()

    def draw_now(self) -> None:
        """Draw synchronously (benchmarks and screenshots)."""
        self.canvas.draw()

    # ---- session signals -------------------------------------------------------------------

    def _apply_pass(self) -> None:
        session = self.session
        self.picture.set_steps(session.steps, freed_before=session.freed_before,
                               grads_before=session.grads_before, failed=session.failed_key,
                               error=session.error_text)
        self.picture.set_selected(session.selected)

    def _on_pass_changed(self) -> None:
        if self.picture is None or self.picture.graph is not self.session.graph:
            return  # graph_changed rebuilds
        self._travel_timer.stop()
        self._apply_pass()
        self._show(self.session.step, 1.0)

    def _on_step_changed(self, index: int) -> None:
        if self.picture is None:
            return
        previous = self.picture.index
        self._travel_timer.stop()
        if index == previous + 1 and index >= 0 and self.isVisible():
            self._travel_index = index
            self._travel_frame = 0
            self._show(index, 0.0)
            interval = TRAVEL_MS
            if self.player is not None and self.player.is_playing:
                interval = min(TRAVEL_MS, self.player.interval_ms // 2)
            self._travel_timer.start(max(interval // TRAVEL_FRAMES, 10))
        else:
            self._show(index, 1.0)

    def _on_travel_frame(self) -> None:
        self._travel_frame += 1
        done = self._travel_frame >= TRAVEL_FRAMES
        if done:
            self._travel_timer.stop()
        if self.picture is not None and self.picture.index == self._travel_index:
            self._show(self._travel_index, 1.0 if done else self._travel_frame / TRAVEL_FRAMES)

    def _on_selection_changed(self) -> None:
        if self.picture is not None:
            self.picture.set_selected(self.session.selected)
            self._show(self.picture.index, 1.0)

    def _show(self, index: int, travel: float) -> None:
        self.picture.show(index, travel)
        if self.picture.ensure_visible(self.picture.step_key(index)):
            self.canvas.draw()  # the view followed the pass: new background, overlay on top
        else:
            self.blitter.update()

    def fit_all(self) -> None:
        """Zoom out to the whole graph (Home returns to the readable first view)."""
        if self.picture is not None:
            self.toolbar.push_current()
            self.picture.fit_all()
            self.toolbar.push_current()
            self.canvas.draw_idle()

    def zoom(self, factor: float, x: float | None = None, y: float | None = None) -> None:
        """Zoom by ``factor`` (>1 zooms in) around the data point (x, y), or the centre."""
        if self.picture is None:
            return
        self.toolbar.push_current()
        for get, set_limits, centre in ((self.ax.get_xlim, self.ax.set_xlim, x),
                                        (self.ax.get_ylim, self.ax.set_ylim, y)):
            low, high = get()
            centre = (low + high) / 2 if centre is None else centre
            set_limits(centre - (centre - low) / factor, centre + (high - centre) / factor)
        self.toolbar.push_current()
        self.canvas.draw_idle()

    def _on_scroll(self, event) -> None:
        if event.inaxes is self.ax:
            self.zoom(WHEEL_ZOOM if event.button == "up" else 1 / WHEEL_ZOOM,
                      event.xdata, event.ydata)

    # ---- mouse and resize ----------------------------------------------------------------------

    def _on_click(self, event) -> None:
        if self.picture is None or self.toolbar.mode or event.inaxes is not self.ax:
            return
        self.session.select(self.picture.node_at(event.xdata, event.ydata))

    def _on_resize_event(self, _event) -> None:
        self._resize_timer.start()

    def _on_resized(self) -> None:
        size = (self.canvas.width(), self.canvas.height())
        if self.picture is None or size == self._size:
            return
        self._size = size
        at_home = self._home_limits == (self.ax.get_xlim(), self.ax.get_ylim())
        if at_home:  # refit text and margins unless the user zoomed or panned
            self.rebuild()


def _background(theme: str) -> str:
    from gui.picture.style import style_for

    return style_for(theme).background
