"""A lesson's backward passes, waiting to be shown one after another (no Qt here).

A lesson cell may call ``backward()`` several times (``Run all`` runs many cells at
once); every pass it recorded arrives here, in order, finished. ``show_next`` hands the
next one to the session (``SessionModel.show_pass``), which reads what the pass started
from (nodes freed by earlier passes, each leaf's ``.grad``) from the pass's own record.
The window's ``PassQueue`` adds the timing: it plays each pass and shows the next after
a pause.

>>> import engine
>>> from gui.model.session import SessionModel
>>> x = engine.arange(3.0, requires_grad=True)
>>> with engine.record_passes() as passes:
...     (x * x).sum().backward()
...     x.sum().backward()
>>> queue = PassQueueModel(SessionModel())
>>> queue.enqueue(passes, {"x": x})
>>> queue.waiting, queue.show_next(), queue.waiting, queue.session.steps[0].name
(2, True, 1, 'SumBackward0')
>>> queue.skip_to_last(), queue.shown, [e["after"] for e in queue.session.history][-1]
(True, 2, [1.0, 3.0, 5.0])

Changes are announced through ``_changed(name, *args)``: ``pass_shown(number)`` each
time a pass is drawn (1 = the lesson's first since it was opened or restarted),
``waiting_changed(count)`` when the number of passes still to show changes.
"""

from __future__ import annotations

__all__ = ["PassQueueModel"]


class PassQueueModel:
    """Passes waiting to be shown in one session (see the module docstring)."""

    def __init__(self, session):
        self.session = session
        self.pending: list[tuple] = []
        self.shown = 0
        self.showing = False  # the graph shows one of the lesson's passes
        self.muted = False    # passes arrive but are only kept (restoring a session)
        self._last = None

    def _changed(self, signal: str, *args) -> None:
        """Announce a change (the window emits the Qt signal of that name)."""

    @property
    def waiting(self) -> int:
        return len(self.pending)

    def enqueue(self, passes, tensors, code: str = "") -> None:
        """Take the passes a cell recorded (in order), with the lesson's names after it and
        the cell's source (``SessionModel.show_pass`` names the output from it)."""
        for backward_pass in passes:
            item = (backward_pass, dict(tensors), code)
            if self.muted:
                self._last = item
            else:
                self.pending.append(item)
        self._changed("waiting_changed", len(self.pending))

    def show_next(self) -> bool:
        """Draw the next waiting pass now; False when none waits."""
        if not self.pending:
            return False
        item = self.pending.pop(0)
        self.showing = True
        self.shown += 1
        self.session.show_pass(*item)
        self._changed("waiting_changed", len(self.pending))
        self._changed("pass_shown", self.shown)
        return True

    def skip_to_last(self) -> bool:
        """Show every waiting pass at once (their ``.grad`` states fill the history) and
        stand at the end of the last; False when none waits."""
        if not self.pending:
            return False
        while self.pending:
            PassQueueModel.show_next(self)
        self.session.set_step(self.session.last_step)
        return True

    def show_last_quietly(self) -> bool:
        """Draw the last pass that arrived while muted, without recording its states."""
        item, self._last = self._last, None
        if item is None:
            return False
        history, passes = list(self.session.history), self.session.passes_run
        self.session.show_pass(*item)
        self.session.restore_history(history, passes)
        self.showing = True
        return True

    def clear(self) -> None:
        """Forget the passes still waiting (the user ran something else)."""
        self.pending = []
        self.showing = False
        self._changed("waiting_changed", 0)

    def reset(self) -> None:
        """A new lesson, or the same from the top: nothing is known about earlier passes."""
        self.clear()
        self._last = None
        self.shown = 0
