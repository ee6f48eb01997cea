"""Redraw only what moves: matplotlib's blitting recipe for any Agg canvas (Qt-free).

The static picture is drawn once; its pixels are kept, and each frame restores them
and draws the ``animated`` overlay artists on top. The kept pixels are grabbed again
on every full draw (resize, zoom, pan), as matplotlib's ``BlitManager`` example does.

>>> from matplotlib.figure import Figure
>>> from matplotlib.backends.backend_agg import FigureCanvasAgg
>>> figure = Figure()
>>> canvas = FigureCanvasAgg(figure)
>>> line, = figure.add_subplot().plot([0, 1], [0, 1], animated=True)
>>> blitter = Blitter(canvas, [line])
>>> blitter.update()
>>> blitter.has_background
True
"""

from __future__ import annotations

__all__ = ["Blitter"]


class Blitter:
    """Keeps the figure's static pixels and blits ``artists`` over them on ``update()``."""

    def __init__(self, canvas, artists=()):
        self.canvas = canvas
        self._artists: list = []
        self._background = None
        self._connection = canvas.mpl_connect("draw_event", self._on_draw)
        self.set_artists(artists)

    @property
    def has_background(self) -> bool:
        return self._background is not None

    def set_artists(self, artists) -> None:
        """Blit these (they become ``animated``, so full draws leave them out)."""
        self._artists = list(artists)
        for artist in self._artists:
            artist.set_animated(True)

    def invalidate(self) -> None:
        """Forget the kept pixels: the next update draws everything."""
        self._background = None

    def disconnect(self) -> None:
        self.canvas.mpl_disconnect(self._connection)

    def _on_draw(self, event) -> None:
        if event is not None and event.canvas is not self.canvas:
            return
        self._background = self.canvas.copy_from_bbox(self.canvas.figure.bbox)
        self._draw_artists()

    def _draw_artists(self) -> None:
        figure = self.canvas.figure
        for artist in self._artists:
            if artist.get_visible() and artist.axes is not None:
                artist.axes.draw_artist(artist)
            elif artist.get_visible() and artist.figure is figure:
                figure.draw_artist(artist)

    def update(self) -> None:
        """Show the artists' current state: a blit when possible, else a full draw."""
        if self._background is None:
            self.canvas.draw()  # the draw_event grabs the background and draws the artists
        else:
            self.canvas.restore_region(self._background)
            self._draw_artists()
            self.canvas.blit(self.canvas.figure.bbox)
        self.canvas.flush_events()
