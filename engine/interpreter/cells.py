"""Where a lesson's cells are: Jupyter's percent format, sphinx-gallery ``.py``, ``.ipynb``.

``split_cells(text)`` returns ``Span(kind, title, first, last)`` per cell (1-based,
inclusive lines of ``text``). Three formats open unchanged:

- percent format: a line ``# %%`` starts a cell, ``# %% [markdown]`` a cell of comments;
- sphinx-gallery (PyTorch's tutorials): the module docstring is text, and a line of 20
  or more ``#`` (or ``# %%``) starts a block whose leading comment lines are text;
- a Jupyter notebook (nbformat 4 JSON): ``notebook_text`` turns it into the percent
  format (code cells as code, markdown cells as comment lines, stored outputs ignored),
  after checking its structure as carefully as a session file is checked.

>>> [span.kind for span in split_cells('x = 1\\n# %% [markdown]\\n# text\\n# %%\\nx\\n')]
['code', 'markdown', 'code']
>>> text = notebook_text('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, '
...                      '"cells": [{"cell_type": "code", "source": ["x = 1"], "metadata": {}}]}')
>>> text
'# %%\\nx = 1\\n'
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass

from engine.interpreter.source import ExpressionError, SourceText

__all__ = ["Span", "split_cells", "notebook_text", "is_notebook", "MAX_NOTEBOOK_CELLS"]

MAX_NOTEBOOK_CELLS = 2_000
MAX_JSON_DEPTH = 20

_MARKER = re.compile(r"#\s*%%(?P<rest>.*)")
_SPHINX_RULE = re.compile(r"#{20,}\s*")
_MARKDOWN_TAG = re.compile(r"\[(markdown|md)\]")


@dataclass(frozen=True)
class Span:
    """One cell's lines: ``kind`` is "code" or "markdown"; lines are 1-based, inclusive."""

    kind: str
    title: str
    first: int
    last: int


def _lines(text: SourceText) -> list[str]:
    return text.text.split("\n")


def _is_sphinx(text: SourceText, lines: list[str]) -> bool:
    """PyTorch's tutorials: a rule of ``#`` characters, or a module docstring first."""
    if any(_SPHINX_RULE.fullmatch(line) for line in lines):
        return True
    return _docstring_end(lines) is not None


def _docstring_end(lines: list[str]) -> int | None:
    """The last line of a module docstring that opens the file (after comments), if any."""
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not stripped.startswith(('"""', "'''", 'r"""', "r'''")):
            return None
        quote = stripped.lstrip("r")[:3]
        rest = stripped.lstrip("r")[3:]
        if quote in rest:
            return number
        for end in range(number + 1, len(lines) + 1):
            if quote in lines[end - 1]:
                return end
        return None
    return None


def split_cells(source: str | SourceText) -> list[Span]:
    """The cells of a lesson's text (percent format or sphinx-gallery), in order."""
    text = source if isinstance(source, SourceText) else SourceText(source)
    lines = _lines(text)
    sphinx = _is_sphinx(text, lines)
    markers = []
    for number, line in enumerate(lines, start=1):
        if not line.startswith("#"):
            continue
        match = _MARKER.fullmatch(line.rstrip())
        if match:
            markers.append((number, match.group("rest")))
        elif sphinx and _SPHINX_RULE.fullmatch(line):
            markers.append((number, ""))
    count = len(lines)
    spans: list[Span] = []
    head_last = markers[0][0] - 1 if markers else count
    if head_last >= 1:
        start = 1
        end = _docstring_end(lines[:head_last]) if sphinx else None
        if end is not None:
            spans.append(Span("markdown", "", 1, end))
            start = end + 1
        spans.append(Span("code", "", start, head_last))
    for position, (number, rest) in enumerate(markers):
        last = markers[position + 1][0] - 1 if position + 1 < len(markers) else count
        title = _MARKDOWN_TAG.sub("", rest).strip()
        if _MARKDOWN_TAG.search(rest):
            spans.append(Span("markdown", title, number + 1, last))
            continue
        first = number + 1
        if sphinx:  # the comment lines right after the rule are the block's text
            text_end = first
            while text_end <= last and lines[text_end - 1].startswith("#") and not (
                    _MARKER.fullmatch(lines[text_end - 1].rstrip())):
                text_end += 1
            if text_end > first:
                spans.append(Span("markdown", title, first, text_end - 1))
                title = ""
            first = text_end
        spans.append(Span("code", title, first, last))
    return [span for span in spans
            if span.first <= span.last or (span.kind == "code" and span.title)]


# ----- notebooks --------------------------------------------------------------------------

def is_notebook(source: str, filename: str | None = None) -> bool:
    """True for a Jupyter notebook: an ``.ipynb`` name; without a name, JSON text (``{`` first)."""
    if filename is not None:
        return str(filename).lower().endswith(".ipynb")
    return source.lstrip()[:1] == "{" and '"cells"' in source


def _refuse(message: str) -> ExpressionError:
    return ExpressionError(f"not a Jupyter notebook: {message}", 0)


def _depth(value, limit: int = MAX_JSON_DEPTH) -> None:
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            raise _refuse(f"nested more than {limit} levels deep")
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def _no_duplicates(pairs):
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        duplicate = next(key for key in keys if keys.count(key) > 1)
        raise _refuse(f"key {duplicate[:40]!r} appears twice")
    return dict(pairs)


def _cell_source(cell: dict, index: int) -> str:
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    if isinstance(source, str):
        return source
    raise _refuse(f"cell {index + 1}: 'source' must be text or a list of lines")


def notebook_text(source: str) -> str:
    """A notebook (nbformat 4 JSON) as percent-format text; ExpressionError if malformed."""
    try:
        document = json.loads(source, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise _refuse(f"nested more than {MAX_JSON_DEPTH} levels deep") from None
    except ValueError as error:
        if isinstance(error, ExpressionError):
            raise
        raise _refuse(f"invalid JSON ({str(error).split(':')[0]})") from None
    if not isinstance(document, dict):
        raise _refuse("the top level must be an object")
    _depth(document)
    if document.get("nbformat") != 4:
        raise _refuse(f"nbformat {str(document.get('nbformat'))[:10]} (only nbformat 4 opens)")
    cells = document.get("cells")
    if not isinstance(cells, list):
        raise _refuse("'cells' must be a list")
    if len(cells) > MAX_NOTEBOOK_CELLS:
        raise _refuse(f"{len(cells):,} cells (the limit is {MAX_NOTEBOOK_CELLS:,})")
    parts = []
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            raise _refuse(f"cell {index + 1} is not an object")
        kind = cell.get("cell_type")
        if kind not in ("code", "markdown", "raw"):
            raise _refuse(f"cell {index + 1} has cell_type {str(kind)[:20]!r}")
        body = _cell_source(cell, index).replace("\r\n", "\n").replace("\r", "\n")
        if kind == "code":
            parts.append("# %%\n" + body.rstrip("\n") + "\n")
        else:
            lines = body.rstrip("\n").split("\n")
            parts.append("# %% [markdown]\n" + "".join(
                ("# " + line).rstrip() + "\n" for line in lines))
    return "".join(parts)


def docstring_text(source: str) -> str:
    """The text of a cell that is a module docstring (quotes and a coding line removed)."""
    lines = [line for line in source.split("\n") if not line.lstrip().startswith("#")]
    text = "\n".join(lines).strip()
    try:
        tree = ast.parse(text)
        value = tree.body[0].value.value if tree.body else ""
        return value.strip("\n") if isinstance(value, str) else text
    except (SyntaxError, AttributeError, IndexError, ValueError, RecursionError, MemoryError):
        return text
