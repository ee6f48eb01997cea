"""The lessons panel: a lesson's cells as a notebook shows them, run one at a time.

Each cell shows its code with file line numbers and, once run, what a notebook shows
under it: the printed text and the last value exactly as PyTorch prints them, or
``ErrorType: message``. The next cell to run is marked (``▶`` and a background), an
error's line is marked (``✗``), and each run cell is numbered ``In [n]`` in the order
it ran. A colour never says anything alone.

>>> # session = LessonSession(); panel = LessonsPanel(session)
>>> # session.open("resources/lessons/01_autograd_basics.py")
>>> # panel.next_action.trigger()      # Shift+Enter: runs the first code cell

Keys: Shift+Enter runs the next cell, Ctrl+Shift+Enter runs all, Ctrl+Shift+R
restarts (and Alt+N, Alt+L, Alt+T press the buttons: the window's menus and fields
use Alt+R, Alt+A, ...). Tab moves between the cells view and the buttons.
"""

from __future__ import annotations

import bisect
import html
import re

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import (
    QAction,
    QColor,
    QFontMetrics,
    QImage,
    QKeySequence,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gui.window.lesson_session import LessonSession, has_code
from gui.window.presenter import active_palette, monospace_font

__all__ = ["LessonsPanel", "cells_html", "shown_text", "NEXT_KEYS", "RUN_ALL_KEYS",
           "RESTART_KEYS", "MAX_LINE_SHOWN", "MAX_OUTPUT_SHOWN", "MAX_CODE_LINES_SHOWN",
           "MAX_CELLS_SHOWN"]

NEXT_KEYS = ("Shift+Return", "Shift+Enter")
RUN_ALL_KEYS = ("Ctrl+Shift+Return", "Ctrl+Shift+Enter")
RESTART_KEYS = ("Ctrl+Shift+R",)
MONOSPACE = "'DejaVu Sans Mono', Menlo, Consolas, monospace"
_INLINE_TAGS = re.compile(r"&lt;(/?)(sup|sub|b|i|em|strong|code)&gt;")
# What the panel renders of a cell (the rest is cut with a visible marker): rich text
# costs time per character, and a 100,000-character line would cost seconds per render.
MAX_LINE_SHOWN = 400
MAX_OUTPUT_SHOWN = 20_000
MAX_CODE_LINES_SHOWN = 400
MAX_CELLS_SHOWN = 300  # cells rendered at once, around the next one (a long lesson scrolls)


class LessonsPanel(QWidget):
    """Shows a ``LessonSession`` and drives it: Next, Run all, Restart.

    ``shortcut_context`` is where the keys work: ``Qt.WindowShortcut`` (the default)
    makes Shift+Enter run the next cell wherever the focus is in the window.
    """

    def __init__(self, session: LessonSession, parent: QWidget | None = None, *,
                 shortcut_context: Qt.ShortcutContext = Qt.WindowShortcut):
        super().__init__(parent)
        self.session = session
        self.setObjectName("lessonsPanel")
        self._scroll_to: int | None = None
        self._fragments: dict = {}  # each cell's rendered HTML, rebuilt only when it changes
        self._images: dict = {}  # id(figure) -> (figure, url) of the plots a cell drew
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(0)
        self._render_timer.timeout.connect(self.refresh)

        self.title_label = QLabel()
        self.title_label.setObjectName("lessonTitle")
        self.title_label.setTextFormat(Qt.PlainText)
        self.error_label = QLabel()
        self.error_label.setObjectName("lessonError")
        self.error_label.setTextFormat(Qt.PlainText)
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.error_label.hide()
        self.cells_view = QTextBrowser()
        self.cells_view.setObjectName("lessonCells")
        self.cells_view.setOpenLinks(False)
        self.cells_view.setTabChangesFocus(True)
        self.cells_view.setFocusPolicy(Qt.StrongFocus)
        self.cells_view.setLineWrapMode(QTextBrowser.WidgetWidth)
        self.cells_view.setAccessibleName("Lesson cells")
        self.status_label = QLabel()
        self.status_label.setObjectName("lessonStatus")
        self.status_label.setTextFormat(Qt.PlainText)
        self.status_label.setWordWrap(True)  # never wider than the panel

        self.next_action = self._action("Run the next cell", NEXT_KEYS, shortcut_context,
                                        self._on_next)
        self.run_all_action = self._action("Run all cells", RUN_ALL_KEYS, shortcut_context,
                                           self._on_run_all)
        self.restart_action = self._action("Restart the lesson from the top", RESTART_KEYS,
                                           shortcut_context, self._on_restart)
        self.next_button = self._button("&Next ▶", "lessonNextButton", self.next_action)
        self.run_all_button = self._button("Run a&ll", "lessonRunAllButton",
                                           self.run_all_action)
        self.restart_button = self._button("Res&tart", "lessonRestartButton",
                                           self.restart_action)

        buttons = QHBoxLayout()
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.run_all_button)
        buttons.addWidget(self.restart_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.cells_view, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)
        self.setTabOrder(self.cells_view, self.next_button)
        self.setTabOrder(self.next_button, self.run_all_button)
        self.setTabOrder(self.run_all_button, self.restart_button)

        session.reloaded.connect(self._on_lesson_changed)
        session.restarted.connect(self._on_lesson_changed)
        session.cell_ran.connect(self._on_cell_ran)
        session.position_changed.connect(self._on_position_changed)
        session.error_changed.connect(self._on_error_changed)
        self._on_error_changed(session.error)
        self.refresh()

    def _action(self, text, keys, context, slot) -> QAction:
        action = QAction(text, self)
        action.setShortcuts([QKeySequence(key) for key in keys])
        action.setShortcutContext(context)
        action.setToolTip(text)
        action.triggered.connect(lambda _=False: slot())
        self.addAction(action)
        return action

    def _button(self, text, name, action) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        keys = action.shortcut().toString(QKeySequence.NativeText)
        button.setToolTip(f"{action.toolTip()} ({keys})")
        button.setAccessibleName(action.toolTip())
        button.setFocusPolicy(Qt.StrongFocus)
        button.setAutoDefault(True)  # Enter presses the focused button
        button.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        button.clicked.connect(action.trigger)
        return button

    def actions_for_menu(self) -> list[QAction]:
        """Next, Run all and Restart, for the window's Lesson menu."""
        return [self.next_action, self.run_all_action, self.restart_action]

    # ----- driving the session -----------------------------------------------------------

    def _on_next(self) -> None:
        if not self.session.at_end:
            self.session.run_next()

    def _on_run_all(self) -> None:
        if not self.session.at_end:
            self.session.run_all()

    def _on_restart(self) -> None:
        self.session.restart()

    # ----- following it -----------------------------------------------------------------

    def _on_lesson_changed(self) -> None:
        self._scroll_to = -1
        self._schedule()

    def _on_cell_ran(self, index: int, result) -> None:
        self._scroll_to = index
        self._schedule()

    def _on_position_changed(self, index: int) -> None:
        self._schedule()

    def _on_error_changed(self, message: str) -> None:
        self.error_label.setText(f"✗ {message}" if message else "")
        self.error_label.setVisible(bool(message))
        self._schedule()

    def _schedule(self) -> None:
        self._update_controls()  # at once: cheap, and keys must see the new state
        self._render_timer.start()  # the cells once the burst of signals is over

    def changeEvent(self, event):  # noqa: N802 - Qt's name
        if event.type() in (event.Type.PaletteChange, event.Type.FontChange):
            self._schedule()
        super().changeEvent(event)

    def resizeEvent(self, event):  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._schedule()  # long code lines wrap at the new width

    def refresh(self) -> None:
        """Render the cells now (it happens by itself after every change)."""
        self._render_timer.stop()
        session = self.session
        self._update_controls()
        scroll = self.cells_view.verticalScrollBar().value()
        self.cells_view.document().setDefaultStyleSheet(f"pre {{ font-family: {MONOSPACE}; }}")
        colours = _colours(self)
        metrics = QFontMetrics(monospace_font(self.font()))
        room = self.cells_view.viewport().width() - colours["gutter"] - 24  # cells' padding
        colours["columns"] = max(room // max(metrics.horizontalAdvance("M"), 1), 0)
        self.cells_view.setHtml(cells_html(session, colours, image_url=self._image_url,
                                           cache=self._fragments))
        target, self._scroll_to = self._scroll_to, None
        if target is None:
            self.cells_view.verticalScrollBar().setValue(scroll)
        elif target < 0:
            self.cells_view.verticalScrollBar().setValue(0)
        else:
            self.cells_view.scrollToAnchor(f"cell{target}")

    def _image_url(self, figure) -> str | None:
        """The document's resource URL of a cell's plot (drawn once, Qt-free, as PNG)."""
        known = self._images.get(id(figure))
        if known is not None and known[0] is figure:
            url = known[1]
        else:
            from gui.picture.lesson_plot import png_bytes

            try:
                image = QImage.fromData(png_bytes(figure, dpi=72))
            except (ValueError, TypeError, OverflowError):
                return None
            if len(self._images) > 200:
                self._images.clear()
            url = f"plot:{len(self._images)}-{id(figure)}"
            self._images[id(figure)] = (figure, url)
            self.cells_view.document().addResource(QTextDocument.ImageResource, QUrl(url),
                                                   image)
        return url

    def _update_controls(self) -> None:
        session = self.session
        can_run = session.lesson is not None and not session.at_end
        focused = self.next_button.hasFocus() or self.run_all_button.hasFocus()
        self.next_action.setEnabled(can_run)
        self.run_all_action.setEnabled(can_run)
        self.restart_action.setEnabled(session.lesson is not None)
        self.next_button.setEnabled(can_run)
        self.run_all_button.setEnabled(can_run)
        self.restart_button.setEnabled(session.lesson is not None)
        if focused and not can_run:
            # a keyboard user keeps a place to be: the one button left
            (self.restart_button if self.restart_button.isEnabled() else self.cells_view
             ).setFocus(Qt.OtherFocusReason)
        self.title_label.setText(session.title or "No lesson open")
        self.status_label.setText(_status(session))

    def plain_text(self) -> str:
        """What the cells view shows, as plain text."""
        self.refresh()
        return self.cells_view.toPlainText()


# ----- the picture, as rich text ---------------------------------------------------------

_CODE_CELLS: dict = {}  # id(lesson) -> (lesson, the indices of its code cells)


def _code_cells(session: LessonSession) -> list:
    """The indices of the lesson's code cells, worked out once per lesson (not per run)."""
    known = _CODE_CELLS.get(id(session.lesson))
    if known is None or known[0] is not session.lesson:
        _CODE_CELLS.clear()
        known = (session.lesson, [cell.index for cell in session.cells if has_code(cell)])
        _CODE_CELLS[id(session.lesson)] = known
    return known[1]


def _status(session: LessonSession) -> str:
    if session.lesson is None:
        return "The lesson could not be loaded." if session.error else ""
    code = _code_cells(session)
    number = bisect.bisect_left(code, session.next_index)
    upcoming = code[number] if number < len(code) else None
    if upcoming is None:
        return f"All {len(code)} code cells ran. Restart (Ctrl+Shift+R) to run them again."
    number += 1
    line = session.cells[upcoming].lineno
    return f"Next: cell {number} of {len(code)}, line {line} (Shift+Enter)"


def _colours(widget: QWidget) -> dict:
    palette = widget.palette()
    base = palette.color(QPalette.Base)
    dark = base.lightness() < 128
    active = active_palette()
    matches = active.is_dark == dark
    current = QColor(active.current_cell) if matches else _blend(
        palette.color(QPalette.Highlight), base, 0.18)
    metrics = QFontMetrics(monospace_font(widget.font()))
    return {
        "gutter": metrics.horizontalAdvance("Out[99]:") + 8,
        "text": palette.color(QPalette.Text).name(),
        "muted": palette.color(QPalette.PlaceholderText).name(),
        "base": base.name(),
        "output": palette.color(QPalette.AlternateBase).name(),
        "current": current.name(),
        "error": active.error if matches else ("#ff7b72" if dark else "#b3261e"),
    }


def _blend(colour: QColor, base: QColor, amount: float) -> QColor:
    mix = [round(a * amount + b * (1 - amount))
           for a, b in zip(colour.getRgb()[:3], base.getRgb()[:3])]
    return QColor(*mix)


def _lines(lines: list) -> str:
    """Lines inside a ``<pre>``: newlines (``<br>`` would read as U+2028 in plain text)."""
    return "\n".join(lines)


def _wrapped(line: str, columns: int) -> list[str]:
    """``line`` in pieces of at most ``columns`` characters (whole when ``columns`` < 20)."""
    if columns < 20 or len(line) <= columns:
        return [line]
    return [line[start:start + columns] for start in range(0, len(line), columns)]


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    keep = limit
    for _ in range(3):  # the marker's length depends on the count it gives
        marker = f"… ({len(text) - keep:,} more characters)"
        keep = max(limit - len(marker), 0)
    return text[:keep] + f"… ({len(text) - keep:,} more characters)"


def shown_text(text: str, limit: int = MAX_OUTPUT_SHOWN, line_limit: int = MAX_LINE_SHOWN) -> str:
    """What the panel shows of a text: long lines and long texts cut, with a marker.

    >>> shown_text("x" * 500, line_limit=40)
    'xxxxxxxxxxxxxxxxx… (483 more characters)'
    >>> shown_text("ab\\ncd\\nef" * 10, limit=40)
    'ab\\ncd\\nefab\\ncd\\nefab… (62 more characters)'
    """
    head = text[:limit + line_limit]
    shown = "\n".join(_cut(line, line_limit) for line in head.split("\n"))
    if len(text) > limit or len(shown) > limit:
        kept = _cut(shown, limit)
        hidden = len(text) - len(head)
        if hidden:
            kept = kept.rsplit("… (", 1)[0] if "… (" in kept else kept
            kept += f"… ({len(text) - len(kept):,} more characters)"
        return kept
    return shown


def cells_html(session: LessonSession, colours: dict, *, image_url=None,
               cache: dict | None = None) -> str:
    """The whole notebook as Qt rich text (one table per cell, anchors ``cellN``).

    ``image_url(figure)`` names a cell's plot in the document; ``cache`` keeps each
    cell's HTML between renders, so a change re-renders only the cells it touched.
    """
    if session.lesson is None:
        if session.source is not None and session.error:
            return _source_with_error(session.source, session.error_line, colours)
        return (f"<p style='color:{colours['muted']}'>No lesson open. Open a lesson "
                f"(<b>.py</b>, Jupyter's percent format) from the File menu, or drop one "
                f"on the window.</p>")
    cells = session.cells
    code = _code_cells(session)
    position = bisect.bisect_left(code, session.next_index)
    upcoming = code[position] if position < len(code) else None
    parts = []
    fresh = {}
    colour_key = tuple(sorted(colours.items()))
    shown = cells
    if len(cells) > MAX_CELLS_SHOWN:  # render a window of cells around the next one
        centre = upcoming if upcoming is not None else len(cells) - 1
        first = min(max(centre - MAX_CELLS_SHOWN // 3, 0), len(cells) - MAX_CELLS_SHOWN)
        shown = cells[first:first + MAX_CELLS_SHOWN]
        if first:
            parts.append(f"<p style='color:{colours['muted']}'>… {first:,} cells above "
                         f"(they scroll in as the lesson runs)</p>")
    for cell in shown:
        result = session.results[cell.index] if cell.kind != "markdown" else None
        key = (cell.index, id(cell), id(result), session.counts[cell.index]
               if cell.kind != "markdown" else None, cell.index == upcoming, colour_key)
        fragment = cache.get(key) if cache is not None else None
        if fragment is None:
            if cell.kind == "markdown":
                fragment = _markdown_html(cell, colours)
            else:
                fragment = _code_html(session, cell, cell.index == upcoming, colours, image_url)
        fresh[key] = fragment
        parts.append(fragment)
    if cache is not None:
        cache.clear()
        cache.update(fresh)
    below = len(cells) - (cells.index(shown[-1]) + 1 if shown else 0)
    if below > 0:
        parts.append(f"<p style='color:{colours['muted']}'>… {below:,} more cells below</p>")
    if upcoming is None:
        parts.append(f"<p style='color:{colours['muted']}'>— end of lesson —</p>")
    return "".join(parts)


def _code_html(session: LessonSession, cell, is_next: bool, colours: dict,
               image_url=None) -> str:
    result = session.results[cell.index]
    count = session.counts[cell.index]
    error_line = None
    if result is not None and result.exception is not None:
        error_line = getattr(result.exception, "lineno", None)
    lines = cell.source.rstrip("\n").split("\n")
    hidden_lines = max(len(lines) - MAX_CODE_LINES_SHOWN, 0)
    lines = [shown_text(line, MAX_LINE_SHOWN) for line in lines[:MAX_CODE_LINES_SHOWN]]
    if hidden_lines:
        lines.append(f"… ({hidden_lines:,} more lines)")
    width = len(str(cell.lineno + len(lines)))
    gutter, code = [], []
    columns = colours.get("columns") or 0
    for number, line in enumerate(lines, start=cell.lineno):
        mark = "✗" if number == error_line else ("▶" if is_next and number == cell.lineno
                                                 else " ")
        for part, piece in enumerate(_wrapped(line, columns)):
            # a long line goes on under itself (↪), so the panel never scrolls sideways
            gutter.append(f"{mark} {number:>{width}}" if part == 0 else f"  {'↪':>{width}}")
            text = _escape(piece) or " "
            if number == error_line:
                text = (f"<span style='color:{colours['error']}; text-decoration: underline'>"
                        f"{text}</span>")
            code.append(text)
    background = colours["current"] if is_next else colours["base"]
    label = "▶ next" if is_next else (f"In [{count}]:" if count else "In [ ]:")
    if not has_code(cell):
        label = ""
    title = f" &nbsp;{_escape(cell.title)}" if cell.title else ""
    rows = [] if not (label or title) else [
        f"<tr><td colspan='2' style='color:{colours['muted']}'><b>{label}</b>{title}</td></tr>"]
    rows += [
        f"<tr><td valign='top' width='{colours['gutter']}'>"
        f"<pre style='color:{colours['muted']}'>{_lines(gutter)}</pre></td>"
        f"<td valign='top' width='100%'><pre style='color:{colours['text']}'>"
        f"{_lines(code)}</pre></td></tr>",
    ]
    if result is not None:
        rows.append(_output_html(result, count, colours, image_url))
    return (f"<a name='cell{cell.index}'></a><table width='100%' cellspacing='0' "
            f"cellpadding='3' bgcolor='{background}' style='margin-bottom: 8px'>"
            f"{''.join(rows)}</table>")


def _output_html(result, count, colours: dict, image_url=None) -> str:
    pieces = []
    if result.output:
        pieces.append(_escape(shown_text(result.output.rstrip("\n"))))
    if result.value is not None:
        pieces.append(_escape(shown_text(result.value)))
    for warning in result.warnings[:20]:
        pieces.append(f"<span style='color:{colours['muted']}'>"
                      f"{_escape(shown_text(warning))}</span>")
    if result.error is not None:
        pieces.append(f"<span style='color:{colours['error']}'><b>"
                      f"{_escape(shown_text(result.error))}</b></span>")
    images = []
    for figure in getattr(result, "plots", ()) if image_url is not None else ():
        url = image_url(figure)
        if url is not None:
            images.append(f"<img src='{url}'>")
    if images:
        pieces.append("</pre>" + "<br>".join(images) + "<pre>")
    if not pieces:
        return ""
    # like Jupyter: printed text has no label, a cell's value is its Out[n]
    label = ("✗ Error" if result.error is not None
             else f"Out[{count}]:" if count and result.value is not None else "")
    return (f"<tr><td valign='top' width='{colours['gutter']}' "
            f"style='color:{colours['muted']}'><pre>{label}</pre></td>"
            f"<td valign='top' width='100%' bgcolor='{colours['output']}'>"
            f"<pre style='color:{colours['text']}; white-space: pre-wrap'>{_lines(pieces)}</pre>"
            f"</td></tr>")


def _markdown_html(cell, colours: dict) -> str:
    blocks, paragraph = [], []

    def end_paragraph():
        if paragraph:  # the lines of one paragraph read as one, as Markdown joins them
            blocks.append(f"<p>{_inline(_escape(' '.join(paragraph)))}</p>")
            paragraph.clear()

    for line in cell.markdown.split("\n"):
        heading = re.match(r"(#{1,6})\s+(.*)", line)
        if heading:
            end_paragraph()
            level = min(len(heading.group(1)) + 2, 6)
            blocks.append(f"<h{level}>{_inline(_escape(heading.group(2)))}</h{level}>")
        elif line.strip():
            paragraph.append(line.strip())
        else:
            end_paragraph()
    end_paragraph()
    return (f"<a name='cell{cell.index}'></a><div style='color:{colours['text']}; "
            f"margin-bottom: 8px'>{''.join(blocks)}</div>")


def _inline(text: str) -> str:
    """A few Markdown marks: **bold**, *italic*, `code` and the tags sup/sub/b/i."""
    text = _INLINE_TAGS.sub(r"<\1\2>", text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?![*\w])", r"<i>\1</i>", text)
    return re.sub(r"`([^`]+)`", rf"<code style='font-family: {MONOSPACE}'>\1</code>", text)


def _source_with_error(source: str, error_line: int | None, colours: dict) -> str:
    lines = source.rstrip("\n").split("\n")
    width = len(str(len(lines)))
    gutter, code = [], []
    for number, line in enumerate(lines, start=1):
        marked = number == error_line
        gutter.append(f"{'✗' if marked else ' '} {number:>{width}}")
        text = _escape(line) or " "
        if marked:
            text = (f"<span style='color:{colours['error']}; text-decoration: underline'>"
                    f"{text}</span>")
        code.append(text)
    return (f"<p style='color:{colours['error']}'><b>Nothing ran: the lesson was refused."
            f"</b></p><table cellspacing='0' cellpadding='3'><tr>"
            f"<td valign='top' width='{colours['gutter']}'>"
            f"<pre style='color:{colours['muted']}'>{_lines(gutter)}</pre></td>"
            f"<td valign='top'><pre style='color:{colours['text']}'>{_lines(code)}"
            f"</pre></td></tr></table>")
