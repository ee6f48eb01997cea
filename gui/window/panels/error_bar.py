"""The one-line error under the inputs, with the offending part of the input marked.

``ErrorBar(session)`` shows ``session.error``: ``errorLabel`` holds the message
(PyTorch's exact text where PyTorch raised it), the line below it the input with the
offending part highlighted, and for a non-scalar output a button offers to run
backward with a gradient of ones. It never opens a dialog.
"""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

__all__ = ["ErrorBar", "error_text", "marked_source", "token_span"]

FREED_HINT = ("Tick retain_graph before the first backward to keep what the nodes saved, "
              "or untick \"reuse graph\" to run forward again.")
_TOKEN = re.compile(r"[A-Za-z_0-9.]+|\*\*|//|\S")
MAX_SHOWN_SOURCE = 160


def error_text(error: dict | None) -> str:
    """The message line: ``RuntimeError: ...`` for errors torch raises, else the message."""
    if not error:
        return ""
    message = error["message"]
    if error["kind"] == "unexpected":
        return f"Unexpected error (the app has a bug): {error['type']}: {message}"
    if error["type"] in ("ExpressionError", ""):
        return message
    return f"{error['type']}: {message}"


def token_span(source: str, offset: int) -> tuple[int, int]:
    """The (start, end) of the token at ``offset`` (end == start at the end of the input)."""
    offset = max(0, min(offset, len(source)))
    match = _TOKEN.match(source, offset)
    return (offset, match.end()) if match else (offset, offset)


def marked_source(source: str, offset: int, colour: str = "#dc2626") -> str:
    """Rich text of ``source`` with the token at ``offset`` highlighted (a gap at the end)."""
    start, end = token_span(source, offset)
    first = max(0, start - MAX_SHOWN_SOURCE // 2)
    last = min(len(source), first + MAX_SHOWN_SOURCE)
    before, bad, after = source[first:start], source[start:end], source[end:last]
    if first > 0:
        before = "…" + before
    if last < len(source):
        after += "…"
    mark = (f"<span style='background-color:{colour};color:white;'>"
            f"{html.escape(bad) if bad else '&nbsp;?&nbsp;'}</span>")
    return (f"<code>{html.escape(before)}{mark}{html.escape(after)}</code>"
            f"&nbsp;&nbsp;<small>(column {start + 1})</small>")


class ErrorBar(QFrame):
    """Shows ``session.error``; ``ones_requested`` when the user asks for a ones gradient."""

    ones_requested = Signal()

    def __init__(self, session, parent=None):
        super().__init__(parent)
        self.session = session
        self.setObjectName("errorBar")
        self.setFrameShape(QFrame.StyledPanel)
        self.label = QLabel(objectName="errorLabel")
        self.label.setTextFormat(Qt.PlainText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.detail = QLabel(objectName="errorDetail")
        self.detail.setTextFormat(Qt.RichText)
        self.detail.setWordWrap(True)
        self.ones_button = QPushButton("Backward with ones_like(y)", objectName="onesButton")
        self.ones_button.setToolTip("y.backward(gradient=torch.ones_like(y)): the gradient of "
                                    "sum(y), one for every element")
        self.ones_button.clicked.connect(self.ones_requested)
        text = QVBoxLayout()
        text.setContentsMargins(0, 0, 0, 0)
        text.addWidget(self.label)
        text.addWidget(self.detail)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        row.addLayout(text, 1)
        row.addWidget(self.ones_button, 0, Qt.AlignTop)
        session.error_changed.connect(self._on_error_changed)
        self._on_error_changed()

    def _on_error_changed(self) -> None:
        error = self.session.error
        self.label.setText(error_text(error))
        self.ones_button.setVisible(bool(error and error.get("non_scalar")))
        self.detail.setText(self._detail(error))
        self.detail.setVisible(bool(self.detail.text()))
        self.setVisible(error is not None)

    def _detail(self, error: dict | None) -> str:
        if not error:
            return ""
        if error.get("offset") is not None and error.get("source"):
            return marked_source(error["source"], error["offset"])
        if "backward through the graph a second time" in error["message"]:
            return f"<small>{html.escape(FREED_HINT)}</small>"
        if error.get("non_scalar"):
            return ("<small>backward() needs a scalar output (one number); for a tensor, "
                    "say which gradient to start from.</small>")
        return ""
