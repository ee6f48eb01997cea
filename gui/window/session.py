"""The window's session: ``gui.model.session.SessionModel`` with Qt signals.

Views take a ``Session``, connect to its signals and read its attributes; they never
compute gradients. The state and every rule are the model's (see ``gui.model.session``,
which the command line runs too); this class only turns its announcements into signals:

- ``inputs_changed``, ``graph_changed``, ``pass_changed``, ``history_changed``,
  ``error_changed``, ``selection_changed``; ``step_changed(index)``.

>>> # session = Session(window); session.step_changed.connect(view._on_step_changed)
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from gui.model.session import (
    DEFAULT_EXPRESSION,
    DEFAULT_X,
    NON_SCALAR_MESSAGE,
    SessionModel,
)

__all__ = ["Session", "DEFAULT_X", "DEFAULT_EXPRESSION", "NON_SCALAR_MESSAGE"]


class Session(QObject, SessionModel):
    """The session of one window (a QObject: Qt owns it with its parent)."""

    inputs_changed = Signal()
    graph_changed = Signal()
    pass_changed = Signal()
    step_changed = Signal(int)
    history_changed = Signal()
    error_changed = Signal()
    selection_changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)  # PySide6 calls SessionModel.__init__ (cooperative)

    def _changed(self, signal: str, *args) -> None:
        getattr(self, signal).emit(*args)
