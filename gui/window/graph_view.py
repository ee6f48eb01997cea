"""The computation graph in the window: an embedded matplotlib canvas that blits each step.

``GraphView(session, player)`` holds a ``Figure`` on a ``FigureCanvasQTAgg`` (objectName
``graphCanvas``; never pyplot) with matplotlib's navigation toolbar for zoom and pan
(the mouse wheel zooms too).
A graph too dense to read whole opens at a readable scale on its output's end, and the
view follows the node being run; ``fit_all`` shows everything.
A new graph is drawn once; each step only rewrites the picture's overlay and blits
it over the kept background (``gui.picture.blit.Blitter``). Clicking a node selects it in
the session (the inspector shows it). The canvas tells what it shows:
``canvas.picture_items()``, ``canvas.accessibleDescription()`` and ``canvas.frames_drawn``.
"""

from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg, NavigationToolbar2QT
from matplotlib.figure import Figure
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gui.picture.blit import Blitter

__all__ = ["GraphView", "GraphToolbar", "GraphCanvas"]

RESIZE_DEBOUNCE_MS = 250
MOTION_MS = 450   # a step's gradients travelling along their arcs
FRAME_MS = 16
WHEEL_ZOOM = 1.25


class GraphCanvas(FigureCanvasQTAgg):
    """The Agg canvas of the graph, counting the frames it paints (full draws and blits)
    and listing what its picture draws."""

    def __init__(self, figure):
        super().__init__(figure)
        self.frames_drawn = 0
        self.view = None

    def draw(self):
        self.frames_drawn += 1
        super().draw()

    def blit(self, bbox=None):
        self.frames_drawn += 1
        super().blit(bbox)

    def picture_items(self) -> list:
        """What is drawn now (``gui.picture.drawing.PictureItem``s, canvas pixels)."""
        picture = self.view.picture if self.view is not None else None
        if picture is None:
            return []
        scale = self.devicePixelRatioF() or 1.0
        items = picture.picture_items()
        if scale == 1.0:
            return items
        return [type(item)(item.kind, item.key, item.text,
                           tuple(value / scale for value in item.bbox), item.text_px / scale)
                for item in items]


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
        self.canvas = GraphCanvas(self.figure)
        self.canvas.view = self
        self.show_values = False
        self.show_grads = False
        self.canvas.setObjectName("graphCanvas")
        self.canvas.setAccessibleName("computation graph")
        self.canvas.setMinimumSize(200, 150)
        self.ax = self.figure.add_axes((0, 0, 1, 1))
        self.ax.set_axis_off()
        self.toolbar = GraphToolbar(self.canvas, self, self)
        self.blitter = Blitter(self.canvas)
        self._home_limits = None
        self._drawn_pass = None
        self.motion = True
        self._motion_index = None
        self._motion_ms = MOTION_MS
        self._motion_clock = QElapsedTimer()
        self._motion_timer = QTimer(self, interval=FRAME_MS)
        self._motion_timer.timeout.connect(self._on_motion_frame)
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

    def set_show_values(self, on: bool) -> None:
        """Write each function's forward value in its box (where the graph has it)."""
        self.show_values = bool(on)
        self.rebuild()

    def set_show_grads(self, on: bool) -> None:
        """Show the gradient that reached each node as soon as it does (always at the end)."""
        self.show_grads = bool(on)
        self.rebuild()

    def rebuild(self) -> None:
        """Draw ``session.graph`` from scratch (a new graph, theme, size or font)."""
        self._motion_timer.stop()
        self._motion_index = None
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

        self.picture = GraphPicture(self.ax, session.graph, self._pass(), theme=self.theme,
                                    font_size=self.font_size, animated=True, crop=True,
                                    values=self.show_values, grads=self.show_grads,
                                    **self._pass_options())
        self.picture.set_selected(session.selected)
        self._drawn_pass = self._pass_identity()
        self._home_limits = (self.ax.get_xlim(), self.ax.get_ylim())
        self.toolbar.update()  # the Home button returns to this view
        self.blitter.set_artists(self.picture.overlay_artists)
        self.blitter.invalidate()
        self.picture.show(session.step)
        self._describe()
        self.canvas.draw_idle()

    def _describe(self) -> None:
        if self.picture is not None:
            self.canvas.setAccessibleDescription(self.picture.describe())

    def draw_now(self) -> None:
        """Draw synchronously (benchmarks and screenshots)."""
        self.canvas.draw()

    # ---- session signals -------------------------------------------------------------------

    def _pass(self):
        """The session's recorded pass (the picture reads its ``state_at``), or its steps."""
        backward = getattr(self.session, "backward_pass", None)
        return backward if backward is not None else self.session.steps

    def _pass_options(self) -> dict:
        """What the picture needs beside the pass when there is none to ask."""
        session = self.session
        if getattr(session, "backward_pass", None) is not None:
            return {}
        return {"freed_before": session.freed_before, "grads_before": session.grads_before,
                "failed": session.failed_key, "error": session.error_text}

    def _apply_pass(self) -> None:
        self.picture.set_steps(self._pass(), **self._pass_options())
        self.picture.set_selected(self.session.selected)

    def _pass_identity(self) -> tuple:
        """What the picture was drawn from: a pass_changed that brings the same is no news
        (a new graph sends graph_changed, then pass_changed)."""
        session, backward = self.session, getattr(self.session, "backward_pass", None)
        return (id(backward) if backward is not None else tuple(map(id, session.steps)),
                session.failed_key, session.error_text, frozenset(session.freed_before))

    def _on_pass_changed(self) -> None:
        if self.picture is None or self.picture.graph is not self.session.graph:
            return  # graph_changed rebuilds
        if self._pass_identity() == self._drawn_pass:
            if self.picture.index != self.session.step:
                self._show(self.session.step)
            return  # drawn already (the draw rebuild asked for is on its way)
        self._drawn_pass = self._pass_identity()
        self._apply_pass()  # new labels get room: laid out and fitted again
        self._home_limits = (self.ax.get_xlim(), self.ax.get_ylim())
        self.toolbar.update()
        self.blitter.set_artists(self.picture.overlay_artists)
        self.blitter.invalidate()
        self.picture.show(self.session.step)
        self._describe()
        self.canvas.draw_idle()

    def _on_step_changed(self, index: int) -> None:
        if self.picture is None:
            return
        previous = self.picture.index
        self._motion_timer.stop()
        if self.motion and index == previous + 1 and index >= 0 and self.isVisible():
            # a step forward moves: its gradients travel along their arcs (back jumps)
            self._motion_index = index
            self._motion_ms = MOTION_MS
            if self.player is not None and self.player.is_playing:
                self._motion_ms = max(120, min(MOTION_MS, int(self.player.interval_ms * 0.7)))
            self._motion_clock.start()
            self._show(index, 0.0)
            self._motion_timer.start()
            return
        self._motion_index = None
        self._show(index)

    def _on_motion_frame(self) -> None:
        if self.picture is None or self.picture.index != self._motion_index:
            self._motion_timer.stop()
            return
        travel = self._motion_clock.elapsed() / max(self._motion_ms, 1)
        if travel >= 1.0:
            self._motion_timer.stop()
            self._motion_index = None
            travel = 1.0
        self.picture.show(self.picture.index, travel)
        if travel >= 1.0:
            self._describe()
        self.blitter.update()

    def set_motion(self, on: bool) -> None:
        """Animate each step forward (off: reduced motion, every step a still picture)."""
        self.motion = bool(on)

    def _on_selection_changed(self) -> None:
        if self.picture is not None:
            self.picture.set_selected(self.session.selected)
            self._show(self.picture.index)

    def _show(self, index: int, travel: float = 1.0) -> None:
        self.picture.show(index, travel)
        self._describe()
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
        if self.picture is None or self.toolbar.mode:
            return
        if event.inaxes is not self.ax:  # the caption or legend strip: nothing there
            self.session.select(None)
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
