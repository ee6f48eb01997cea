"""Play/pause for the backward animation: a timer that only moves ``session.step``.

Like napari's animation worker, the player never draws: each tick asks the session
for the next step, and the views redraw themselves from the session's signal.

>>> from PySide6.QtWidgets import QApplication
>>> app = QApplication.instance() or QApplication([])
>>> from gui.window.session import Session
>>> session = Session(); _ = session.backward()
>>> player = Player(session)
>>> player.play(); player.is_playing
True
>>> player.tick(); session.step
0
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

__all__ = ["Player", "SPEEDS_MS", "DEFAULT_SPEED"]

# speed slider position (1..len) -> milliseconds per step
SPEEDS_MS = (2400, 1600, 1100, 800, 600, 450, 320, 220, 140, 80)
DEFAULT_SPEED = 4


class Player(QObject):
    """Advances ``session.step`` every ``interval_ms`` while playing; stops at the end."""

    playing_changed = Signal(bool)
    interval_changed = Signal(int)

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)
        self.speed = DEFAULT_SPEED
        self._timer.setInterval(SPEEDS_MS[self.speed - 1])
        session.pass_changed.connect(self._on_pass_changed)

    @property
    def is_playing(self) -> bool:
        return self._timer.isActive()

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def set_speed(self, speed: int) -> None:
        """1 (slow) .. 10 (fast)."""
        self.speed = max(1, min(int(speed), len(SPEEDS_MS)))
        self._timer.setInterval(SPEEDS_MS[self.speed - 1])
        self.interval_changed.emit(self._timer.interval())

    def play(self) -> None:
        session = self.session
        if not session.steps:
            return
        if session.step >= session.last_step:
            session.set_step(-1)
        if not self._timer.isActive():
            self._timer.start()
            self.playing_changed.emit(True)

    def pause(self) -> None:
        if self._timer.isActive():
            self._timer.stop()
            self.playing_changed.emit(False)

    def toggle(self) -> None:
        self.pause() if self.is_playing else self.play()

    def tick(self) -> None:
        session = self.session
        if session.step >= session.last_step:
            self.pause()
            return
        session.set_step(session.step + 1)
        if session.step >= session.last_step:
            self.pause()

    # the buttons: each one pauses, then moves
    def step_forward(self) -> None:
        self.pause()
        self.session.set_step(self.session.step + 1)

    def step_back(self) -> None:
        self.pause()
        self.session.set_step(self.session.step - 1)

    def to_end(self) -> None:
        self.pause()
        self.session.set_step(self.session.last_step)

    def to_start(self) -> None:
        self.pause()
        self.session.set_step(-1)

    def _on_pass_changed(self) -> None:
        self.pause()
