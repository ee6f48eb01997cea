"""The animation controls: step back, play/pause, step, end, a scrubber and the speed.

``PlaybackBar(session, player)`` holds ``stepBackButton``, ``playButton``,
``stepButton``, ``finishButton``, ``stepSlider`` (scrub through the pass),
``speedSlider`` and ``stepLabel`` ("step 2 of 3: DotBackward0"). Buttons are enabled
only when they can do something.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from gui.window.player import SPEEDS_MS

__all__ = ["PlaybackBar", "ElidedLabel", "step_caption", "short_step_caption"]


def step_caption(session) -> str:
    """What the animation shows now, in words."""
    error = session.error
    if error and error["kind"] == "input" and session.graph is not None:
        return "the graph is the last one that worked: fix the input above"
    if error and error.get("non_scalar"):
        return "no backward pass: y is not a scalar (see above)"
    if not session.steps:
        if session.error_text:
            return "backward stopped before its first step"
        return "no backward pass yet: press Backward" if session.graph is not None else ""
    total = len(session.steps)
    if session.step < 0:
        return f"before backward ({total} steps)"
    step = session.steps[session.step]
    name = "AccumulateGrad" if step.is_accumulation else step.name
    return f"step {session.step + 1} of {total}: {name}"


def short_step_caption(session) -> str:
    """The caption where "step 3 of 5: AccumulateGrad" has no room: "3/5 AccumulateGrad"."""
    if not session.steps or session.step < 0 or session.error:
        return step_caption(session)
    step = session.steps[session.step]
    name = "AccumulateGrad" if step.is_accumulation else step.name
    return f"{session.step + 1}/{len(session.steps)} {name}"


class ElidedLabel(QLabel):
    """A one-line label drawn with '…' when cut short; ``text()`` stays whole.

    ``short_text``, when set, is drawn instead of cutting the text, if it fits.
    """

    short_text = ""

    def shown_text(self) -> str:
        """What the label draws at its present width."""
        width = self.contentsRect().width()
        metrics = self.fontMetrics()
        for text in (self.text(), self.short_text):
            if text and metrics.horizontalAdvance(text) <= width:
                return text
        return metrics.elidedText(self.short_text or self.text(), Qt.ElideRight, width)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        rect = self.contentsRect()
        shown = self.shown_text()
        painter = QPainter(self)
        self.style().drawItemText(painter, rect, int(self.alignment() | Qt.AlignVCenter),
                                  self.palette(), self.isEnabled(), shown,
                                  self.foregroundRole())
        painter.end()


class PlaybackBar(QWidget):
    """Buttons and sliders that move the animation (see the module docstring)."""

    def __init__(self, session, player, parent=None):
        super().__init__(parent)
        self.session = session
        self.player = player
        self.step_back_button = self._button("stepBackButton", "◀ Back", "Step back (Left)")
        self.play_button = self._button("playButton", "▶ Play", "Play / pause (Space)")
        self.step_button = self._button("stepButton", "Step ▶", "Step forward (Right)")
        self.finish_button = self._button("finishButton", "End ▶▶", "Jump to the end (End)")
        self.step_slider = QSlider(Qt.Horizontal, objectName="stepSlider")
        self.step_slider.setToolTip("Scrub through the backward pass")
        self.step_slider.setAccessibleName("animation position")
        self.step_label = ElidedLabel(objectName="stepLabel")
        self.step_label.setToolTip("Where the animation is")
        # an explicit minimum: a long caption is cut (or shortened to "3/5 MulBackward0")
        # rather than widening the window (the graph says it too); the sliders give way
        self.step_label.setMinimumWidth(self.step_label.fontMetrics().horizontalAdvance(
            "88/88 AccumulateGrad") + 6)
        self.step_slider.setMinimumWidth(40)
        self.speed_slider = QSlider(Qt.Horizontal, objectName="speedSlider")
        self.speed_slider.setRange(1, len(SPEEDS_MS))
        self.speed_slider.setValue(player.speed)
        self.speed_slider.setMaximumWidth(120)
        self.speed_slider.setMinimumWidth(40)
        self.speed_slider.setToolTip("Animation speed")
        self.speed_slider.setAccessibleName("animation speed")
        speed_label = QLabel("spee&d")
        speed_label.setBuddy(self.speed_slider)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 2, 8, 2)
        for widget in (self.step_back_button, self.play_button, self.step_button,
                       self.finish_button):
            row.addWidget(widget)
        row.addWidget(self.step_slider, 1)
        row.addWidget(self.step_label)
        row.addWidget(speed_label)
        row.addWidget(self.speed_slider)
        self.step_back_button.clicked.connect(player.step_back)
        self.play_button.clicked.connect(player.toggle)
        self.step_button.clicked.connect(player.step_forward)
        self.finish_button.clicked.connect(player.to_end)
        self.step_slider.valueChanged.connect(self._on_slider_moved)
        self.speed_slider.valueChanged.connect(player.set_speed)
        player.playing_changed.connect(self._on_playing_changed)
        session.step_changed.connect(self._on_step_changed)
        session.pass_changed.connect(self._on_pass_changed)
        session.error_changed.connect(self._on_pass_changed)
        self._on_pass_changed()

    def _button(self, name: str, text: str, tip: str) -> QPushButton:
        button = QPushButton(text, objectName=name)
        button.setToolTip(tip)
        button.setAccessibleName(tip.split(" (")[0])
        return button

    def _on_pass_changed(self) -> None:
        self.step_slider.blockSignals(True)
        self.step_slider.setRange(-1, max(self.session.last_step, -1))
        self.step_slider.blockSignals(False)
        self._on_step_changed(self.session.step)

    def _on_step_changed(self, index: int) -> None:
        session = self.session
        has_steps = bool(session.steps)
        self.step_back_button.setEnabled(has_steps and index > -1)
        self.step_button.setEnabled(has_steps and index < session.last_step)
        self.finish_button.setEnabled(has_steps and index < session.last_step)
        self.play_button.setEnabled(has_steps)
        self.step_slider.setEnabled(has_steps)
        if self.step_slider.value() != index:
            self.step_slider.blockSignals(True)
            self.step_slider.setValue(index)
            self.step_slider.blockSignals(False)
        self.step_label.short_text = short_step_caption(session)
        self.step_label.setText(step_caption(session))

    def _on_slider_moved(self, value: int) -> None:
        self.player.pause()
        self.session.set_step(value)

    def _on_playing_changed(self, playing: bool) -> None:
        self.play_button.setText("❚❚ Pause" if playing else "▶ Play")

