"""A lesson's backward passes, animated in the graph one after another.

``gui.model.pass_queue.PassQueueModel`` keeps the passes waiting; this QObject adds the
timing: it shows the first at once and plays it; when the animation reaches the last
step of a pass, the next one follows after a short pause.

>>> # queue = PassQueue(session, player); lesson.passes_recorded.connect(queue.enqueue)
>>> # queue.show_next()    # do not wait for the animation; queue.skip_to_last()
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from gui.model.pass_queue import PassQueueModel

__all__ = ["PassQueue", "HOLD_MS"]

HOLD_MS = 1200  # the finished pass stays this long (at least) before the next one


class PassQueue(QObject, PassQueueModel):
    """Passes waiting to be animated, for one ``Session`` and its ``Player``.

    ``pass_shown(number)`` comes each time a pass is drawn (1 = the lesson's first
    since it was opened or restarted); ``waiting_changed(count)`` when the number of
    passes still to show changes.
    """

    pass_shown = Signal(int)
    waiting_changed = Signal(int)

    def __init__(self, session, player, parent: QObject | None = None, *,
                 hold_ms: int = HOLD_MS):
        super().__init__(parent, session=session)  # QObject passes session= to the model
        self.player = player
        self.hold_ms = hold_ms
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_hold_over)
        session.step_changed.connect(self._on_step_changed)

    def _changed(self, signal: str, *args) -> None:
        getattr(self, signal).emit(*args)

    def enqueue(self, passes, tensors, code: str = "") -> None:
        """Take the passes a cell recorded (in order); show the first if nothing plays."""
        PassQueueModel.enqueue(self, passes, tensors, code)
        if self.pending and not self._busy():
            self.show_next()

    def show_next(self, *, play: bool = True) -> bool:
        """Draw the next waiting pass now (and play it); False when none waits."""
        self._timer.stop()
        if not PassQueueModel.show_next(self):
            return False
        if play:
            self.player.play()
            self._hold_if_done()
        return True

    def skip_to_last(self) -> bool:
        """Show every waiting pass at once and stop at the end of the last."""
        self._timer.stop()
        if not self.pending:
            return False
        self.player.pause()
        return PassQueueModel.skip_to_last(self)

    def clear(self) -> None:
        self._timer.stop()
        PassQueueModel.clear(self)

    # ---- following the animation -------------------------------------------------------------

    def _busy(self) -> bool:
        """A lesson pass is being played (new passes wait for it)."""
        return self.showing and (self.player.is_playing or self._timer.isActive())

    def _at_end(self) -> bool:
        return self.session.step >= self.session.last_step

    def _hold_if_done(self) -> None:
        if self.pending and self.showing and self._at_end() and not self._timer.isActive():
            # never 0: drawing a step flushes Qt's events, and a due timer would then show
            # the next pass while the views still handle this step
            self._timer.start(max(self.hold_ms, 2 * self.player.interval_ms, 20))

    def _on_step_changed(self, _index: int) -> None:
        self._hold_if_done()

    def _on_hold_over(self) -> None:
        if self.pending and self.showing and self._at_end():
            self.show_next()
