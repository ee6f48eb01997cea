"""The chain rule of the current backward step, typeset and with its numbers.

``ExplainPanel.show_step(step, leaf_name)`` shows ``engine.explain.explain(step)``: the
node's local derivative rule typeset by matplotlib's mathtext (rendered straight to a
pixmap with the Agg backend, no pyplot), then this step's numbers: the incoming
gradient, what each input receives (incoming x local derivative = outgoing), for an
AccumulateGrad the old ``.grad`` + new = total, and where a broadcast input's
gradient was summed back to its shape.

>>> # panel = ExplainPanel(); panel.show_step(pass_.steps[0], "x"); panel.clear()
"""

from __future__ import annotations

import functools
import io
import re
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QPalette, QPixmap
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QSizePolicy, QVBoxLayout, QWidget

from gui.window.presenter import monospace_font

if TYPE_CHECKING:
    from engine.explain import Explanation


__all__ = ["ExplainPanel", "render_mathtext", "input_line", "EMPTY_TEXT"]

_PLAIN_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}")
EMPTY_TEXT = "Step through a backward pass: each node's chain rule is written out here."

def explain(step, leaf_name: str = "x") -> Explanation:
    """``engine.explain.explain`` (the engine loads with the first step, not the window)."""
    from engine.explain import explain as explain_step

    return explain_step(step, leaf_name)


@functools.lru_cache(maxsize=64)
def _mathtext_png(text: str, colour: str, size: float, dpi: float) -> bytes:
    """``mathtext.math_to_image`` with a transparent background (it paints white)."""
    from matplotlib import mathtext  # loaded with the first rule, not with the window
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(size=size)
    width, height, depth, _, _ = mathtext.MathTextParser("path").parse(text, dpi=72, prop=prop)
    figure = Figure(figsize=(width / 72.0, height / 72.0))
    FigureCanvasAgg(figure)
    figure.text(0, depth / height, text, fontproperties=prop, color=colour)
    buffer = io.BytesIO()
    figure.savefig(buffer, dpi=dpi, format="png", transparent=True)
    return buffer.getvalue()


def render_mathtext(text: str, colour: str = "#000000", size: float = 14.0,
                    dpi: float = 96.0, device_pixel_ratio: float = 1.0) -> QPixmap | None:
    """``text`` (``$...$`` mathtext) as a pixmap, or None when mathtext refuses it.

    ``size`` is in points; the pixmap carries ``device_pixel_ratio`` so it stays sharp
    on high-density screens.
    """
    try:
        data = _mathtext_png(text, colour, float(size), float(dpi) * device_pixel_ratio)
    except Exception:  # noqa: BLE001 - mathtext raises ValueError and others on bad input
        return None
    pixmap = QPixmap()
    if not pixmap.loadFromData(data, "PNG"):
        return None
    pixmap.setDevicePixelRatio(device_pixel_ratio)
    return pixmap


def _rule_for_leaf(rule: str, leaf_name: str, is_accumulation: bool) -> str:
    """AccumulateGrad's rule speaks of ``x.grad``: use the leaf's own name when it is a
    plain one, and set ``.grad`` upright."""
    if not is_accumulation:
        return rule
    name = leaf_name if _PLAIN_NAME.fullmatch(leaf_name or "") else "x"
    name = name.replace("_", r"\_")
    return (rule.replace("x.grad", name + r".\!\mathrm{grad}")
            .replace(r"\partial x$", rf"\partial {name}$"))


def _input_index(line: str) -> int | None:
    if not line.startswith("to input "):
        return None
    number = line[len("to input "):].split(":", 1)[0]
    return int(number) if number.isdigit() else None


def input_line(step) -> str | None:
    """Where each input's gradient goes: ``inputs: 0 -> MulBackward0, 1 -> AccumulateGrad``."""
    if step.is_accumulation:
        return None
    parts = []
    for index, (node, _) in enumerate(step.node.next_functions):
        if node is None:
            parts.append(f"{index} -> (needs no grad)")
        else:
            name = node.name()
            parts.append(f"{index} -> {'AccumulateGrad' if 'AccumulateGrad' in name else name}")
    return "inputs: " + ", ".join(parts) if parts else None


class ExplainPanel(QWidget):
    """Shows the explanation of one backward step; ``clear()`` shows the hint again."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("explainPanel")
        self.explanation: Explanation | None = None
        self.rule = ""
        self.lines: list[str] = []
        self.title_label = QLabel()
        self.title_label.setObjectName("explainTitle")
        self.title_label.setTextFormat(Qt.PlainText)
        self.title_label.setWordWrap(True)
        self.rule_label = QLabel()
        self.rule_label.setObjectName("explainRule")
        self.rule_label.setTextFormat(Qt.PlainText)
        self.rule_label.setAlignment(Qt.AlignLeft | Qt.AlignVCenter)
        # a wide rule is cut at the panel's edge rather than widening the window
        self.rule_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.lines_view = QPlainTextEdit()
        self.lines_view.setObjectName("explainLines")
        self.lines_view.setReadOnly(True)
        self.lines_view.setTabChangesFocus(True)
        self.lines_view.setLineWrapMode(QPlainTextEdit.WidgetWidth)
        self.lines_view.setAccessibleName("The numbers of this step")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title_label)
        layout.addWidget(self.rule_label)
        layout.addWidget(self.lines_view, 1)
        self._apply_fonts()
        self.clear()

    def show_step(self, step, leaf_name: str = "x") -> Explanation:
        """Explain ``step`` (an ``engine.Step``); ``leaf_name`` names an AccumulateGrad's leaf."""
        self.explanation = explain(step, leaf_name)
        self.rule = _rule_for_leaf(self.explanation.rule, leaf_name, step.is_accumulation)
        from engine.explain import broadcast_notes  # broadcasting rules live with the rules

        notes = broadcast_notes(step)
        lines = []
        for line in self.explanation.lines:
            lines.append(line)
            index = _input_index(line)
            if index in notes:
                lines.append("  " + notes.pop(index))
        lines += list(notes.values())
        inputs = input_line(step)
        self.lines = lines + ([inputs] if inputs else [])
        self._render()
        return self.explanation

    def clear(self) -> None:
        self.explanation = None
        self.rule = ""
        self.lines = []
        self._render()

    def text(self) -> str:
        """Everything the panel says, as plain text (the rule in its mathtext source)."""
        if self.explanation is None:
            return EMPTY_TEXT
        title = f"{self.explanation.title}: {self.explanation.formula}"
        return "\n".join([title, self.rule] + [f"  {line}" for line in self.lines])

    def _render(self) -> None:
        explanation = self.explanation
        if explanation is None:
            self.title_label.setText("Chain rule")
            self.rule_label.clear()
            self.rule_label.hide()
            self.lines_view.setPlainText(EMPTY_TEXT)
            return
        self.title_label.setText(f"{explanation.title}: {explanation.formula}")
        self._render_rule()
        self.rule_label.show()
        self.lines_view.setPlainText("\n".join(self.lines))

    def _render_rule(self) -> None:
        rule = self.rule
        colour = self.palette().color(QPalette.WindowText).name()
        size = max(self.font().pointSizeF(), 6.0) * 1.6
        pixmap = render_mathtext(rule, colour, size, self.logicalDpiY(),
                                 self.devicePixelRatioF())
        if pixmap is None:
            self.rule_label.setPixmap(QPixmap())
            self.rule_label.setText(rule.strip("$"))
        else:
            self.rule_label.setPixmap(pixmap)
        self.rule_label.setToolTip(rule)
        self.rule_label.setAccessibleName(rule.strip("$"))

    def _apply_fonts(self) -> None:
        title = QFont(self.font())
        title.setBold(True)
        title.setPointSizeF(max(self.font().pointSizeF(), 6.0) * 1.15)
        self.title_label.setFont(title)
        self.lines_view.setFont(monospace_font(self.font()))

    def changeEvent(self, event):  # noqa: N802 - Qt's name
        if event.type() in (QEvent.FontChange, QEvent.PaletteChange):
            if event.type() == QEvent.FontChange:
                self._apply_fonts()
            if self.explanation is not None:
                self._render_rule()
        super().changeEvent(event)
