"""A lesson's backward passes, animated in the graph one after another.

A lesson cell may call ``backward()`` several times (``Run all`` runs many cells at
once); ``LessonSession`` hands over every pass it recorded, in order. ``PassQueue``
shows the first at once (``Session.show_pass``) and plays it; when the animation
reaches the last step of a pass, the next one follows after a short pause. The
passes are finished when they arrive, so what each pass must be drawn with is taken
when it arrives: the nodes earlier passes freed, and each leaf's ``.grad`` before it.

>>> # queue = PassQueue(session, player); lesson.passes_recorded.connect(queue.enqueue)
>>> # queue.show_next()    # do not wait for the animation; queue.skip_to_last()
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

__all__ = ["PassQueue", "HOLD_MS"]

HOLD_MS = 1200  # the finished pass stays this long (at least) before the next one


class PassQueue(QObject):
    """Passes waiting to be animated, for one ``Session`` and its ``Player``.

    ``pass_shown(number)`` comes each time a pass is drawn (1 = the lesson's first
    since it was opened or restarted); ``waiting_changed(count)`` when the number of
    passes still to show changes.
    """

    pass_shown = Signal(int)
    waiting_changed = Signal(int)

    def __init__(self, session, player, parent: QObject | None = None, *,
                 hold_ms: int = HOLD_MS):
        super().__init__(parent)
        self.session = session
        self.player = player
        self.hold_ms = hold_ms
        self.pending: list[tuple] = []
        self.shown = 0
        self.showing = False  # the graph shows one of the lesson's passes
        self.muted = False    # passes arrive but are only tracked (restoring a session)
        self._freed: dict = {}   # id(node) -> node, freed by a pass already recorded
        self._grads: dict = {}   # id(leaf) -> (leaf, .grad after the last pass reaching it)
        self._last = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_hold_over)
        session.step_changed.connect(self._on_step_changed)

    @property
    def waiting(self) -> int:
        return len(self.pending)

    def enqueue(self, passes, tensors) -> None:
        """Take the passes a cell recorded (in order); show the first if nothing plays."""
        for backward_pass in passes:
            item = (backward_pass, dict(tensors), dict(self._freed),
                    {key: grad for key, (_, grad) in self._grads.items()})
            for step in backward_pass.steps:
                if step.freed:
                    self._freed[id(step.node)] = step.node
                if step.is_accumulation:
                    self._grads[id(step.leaf)] = (step.leaf, step.grad_after)
            if self.muted:
                self._last = item
            else:
                self.pending.append(item)
        self.waiting_changed.emit(len(self.pending))
        if self.pending and not self._busy():
            self.show_next()

    def show_next(self, *, play: bool = True) -> bool:
        """Draw the next waiting pass now (and play it); False when none waits."""
        self._timer.stop()
        if not self.pending:
            return False
        backward_pass, tensors, freed, grads = self.pending.pop(0)
        self.showing = True
        self.shown += 1
        self.session.show_pass(backward_pass, tensors, freed_nodes=set(freed),
                               known_grads=grads)
        self.waiting_changed.emit(len(self.pending))
        self.pass_shown.emit(self.shown)
        if play:
            self.player.play()
            self._hold_if_done()
        return True

    def skip_to_last(self) -> bool:
        """Show every waiting pass at once (their ``.grad`` states fill the history) and
        stop at the end of the last; False when none waits."""
        if not self.pending:
            return False
        while self.pending:
            self.show_next(play=False)
        self.player.pause()
        self.session.set_step(self.session.last_step)
        return True

    def show_last_quietly(self) -> bool:
        """Draw the last pass that arrived while muted, without recording its states."""
        item, self._last = self._last, None
        if item is None:
            return False
        backward_pass, tensors, freed, grads = item
        history, passes = list(self.session.history), self.session.passes_run
        self.session.show_pass(backward_pass, tensors, freed_nodes=set(freed),
                               known_grads=grads)
        self.session.restore_history(history, passes)
        self.showing = True
        return True

    def clear(self) -> None:
        """Forget the passes still waiting (the user ran something else)."""
        self._timer.stop()
        self.pending = []
        self.showing = False
        self.waiting_changed.emit(0)

    def reset(self) -> None:
        """A new lesson, or the same from the top: nothing is known about earlier passes."""
        self.clear()
        self._freed, self._grads, self._last = {}, {}, None
        self.shown = 0

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
