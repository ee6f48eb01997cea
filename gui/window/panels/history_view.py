"""Every state of each leaf's ``.grad`` buffer, with the arithmetic of each accumulation.

``GradHistoryView(session)`` (objectName ``gradHistory``) lists, per leaf::

    x.grad
    1  x = arange(4.0)             None
    2  backward 1: 2 * dot(x, x)   None → [0, 4, 8, 12]
    3  backward 2: x.sum()         [0, 4, 8, 12] + [1, 1, 1, 1] = [1, 5, 9, 13]
    4  x.grad.zero_()              [1, 5, 9, 13] → [0, 0, 0, 0]

A state of the pass being animated stays faded until the animation reaches its
AccumulateGrad step. ``history_rows(session)`` gives the same as plain text.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QFontDatabase, QFontMetricsF
from PySide6.QtWidgets import QTextBrowser

__all__ = ["GradHistoryView", "history_rows", "describe_entry", "what_happened",
           "arithmetic_terms"]

ACCUMULATION_NOTE = ("PyTorch adds each backward's gradient into the same .grad buffer; "
                     "Zero grad (x.grad.zero_()) resets it.")
# a sum is never wrapped mid-value: on one line when it fits, else as a column
ARITHMETIC_STYLE = "white-space:pre; margin:0 0 4px 0; font-family:monospace;"


def _value(values, dtype: str) -> str:
    """Values as the graph writes them: a matrix as rows (torch's summary past a size)."""
    from gui.picture.values import tensor_text  # the engine loads after the window shows

    return "None" if values is None else tensor_text(np.asarray(values, dtype=dtype))


def arithmetic_terms(entry: dict) -> list[tuple[str, str]]:
    """The buffer's arithmetic as ``(operator, value)`` terms, the first operator empty.

    >>> arithmetic_terms({"leaf": "x", "dtype": "float32", "event": "backward",
    ...                   "before": [0, 4], "added": [1, 1], "after": [1, 5]})
    [('', '[0, 4]'), ('+', '[1, 1]'), ('=', '[1, 5]')]
    """
    dtype = entry["dtype"]
    after = _value(entry["after"], dtype)
    if entry["event"] == "define":
        return [("", after)]
    if entry["event"] == "zero" or entry["before"] is None:
        return [("", _value(entry["before"], dtype)), ("→", after)]
    return [("", _value(entry["before"], dtype)), ("+", _value(entry["added"], dtype)),
            ("=", after)]


def what_happened(entry: dict) -> str:
    """``x = arange(4.0)``, ``backward 2: x.sum()`` or ``x.grad.zero_()``."""
    leaf = entry["leaf"]
    if entry["event"] == "define":
        return f"{leaf} = {entry.get('expression') or '...'}"
    if entry["event"] == "zero":
        return f"{leaf}.grad.zero_()"
    return f"backward {entry['pass']}: {entry.get('expression') or ''}"


def describe_entry(entry: dict) -> tuple[str, str]:
    """(what happened, the buffer's arithmetic on one line) for one history entry."""
    from engine.explain import sum_on_one_line

    terms = [(operator, " ".join(value.split())) for operator, value in arithmetic_terms(entry)]
    return what_happened(entry), sum_on_one_line(terms)


def history_rows(session, fits=None) -> dict:
    """``{leaf: [(number, what, arithmetic, pending), ...]}`` in order.

    ``fits(text)`` says whether a one-line sum fits; one that does not is stacked.
    """
    rows: dict[str, list] = {}
    if not session.history:
        return rows  # the engine loads with the first state, not with the window
    from engine.explain import sum_on_one_line
    from gui.picture.moment import column

    for entry in session.history:
        terms = arithmetic_terms(entry)
        what, arithmetic = what_happened(entry), sum_on_one_line(terms)
        if any("\n" in value for _, value in terms) or (fits is not None
                                                        and not fits(arithmetic)):
            arithmetic = column(terms)  # a matrix's rows stay under each other
        leaf_rows = rows.setdefault(entry["leaf"], [])
        leaf_rows.append((len(leaf_rows) + 1, what, arithmetic, session.is_pending(entry)))
    return rows


class GradHistoryView(QTextBrowser):
    """The ``.grad`` history of ``session`` (see the module docstring)."""

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("gradHistory")
        self.setAccessibleName(".grad history")
        self.setOpenLinks(False)
        self._last_html = None
        session.history_changed.connect(self.refresh)
        session.step_changed.connect(self.refresh)
        session.pass_changed.connect(self.refresh)
        self.refresh()

    def refresh(self, *_args) -> None:
        text = self._html()
        if text == self._last_html:
            return
        self._last_html = text
        self.setHtml(text)
        self._show_latest()

    def _show_latest(self) -> None:
        """Scroll to the newest state (once the text is laid out: its height changes then)."""
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())
        QTimer.singleShot(0, self, lambda: bar.setValue(bar.maximum()))

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.refresh()  # a sum that stops fitting (or starts to) changes shape
        self._show_latest()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.FontChange:  # Ctrl+plus: wider text, perhaps stacked sums
            self.refresh()
            self._show_latest()

    def _fits_on_one_line(self):
        """``fits(text)``: whether a sum in the monospace font fits the panel's width now."""
        font = QFontDatabase.systemFont(QFontDatabase.FixedFont)
        font.setPointSizeF(self.font().pointSizeF())
        metrics = QFontMetricsF(font)
        room = self.viewport().width() - 2 * self.document().documentMargin() - 40
        return lambda text: metrics.horizontalAdvance(text) <= room

    def _html(self) -> str:
        rows = history_rows(self.session, self._fits_on_one_line())
        if not rows:
            return "<p><i>No leaf yet: a tensor with requires_grad=True appears here.</i></p>"
        parts = []
        accumulated = any(entry["event"] == "backward" and entry["before"] is not None
                          for entry in self.session.history)
        if accumulated:
            parts.append(f"<p><small>{html.escape(ACCUMULATION_NOTE)}</small></p>")
        for leaf, leaf_rows in rows.items():
            parts.append(f"<h3 style='margin-bottom:2px'>{html.escape(leaf)}.grad</h3>")
            parts.append("<table cellspacing='0' cellpadding='3'>")
            latest = max((row[0] for row in leaf_rows if not row[3]), default=None)
            for number, what, arithmetic, pending in leaf_rows:
                style = "color:gray;font-style:italic;" if pending else ""
                if number == latest:
                    style += "font-weight:bold;"
                note = " <small>(when the animation gets there)</small>" if pending else ""
                parts.append(
                    f"<tr style='{style}'><td align='right' valign='top' nowrap>{number}</td>"
                    f"<td><p style='margin:0'>{html.escape(what)}{note}</p>"
                    f"<p style='{ARITHMETIC_STYLE}'>{html.escape(arithmetic)}</p></td></tr>")
            parts.append("</table>")
        return "".join(parts)
