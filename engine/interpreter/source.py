"""User source text and the one error type every refusal raises.

``SourceText`` maps offsets to lines and columns; ``ExpressionError`` (a
``ValueError``) carries the 0-based ``offset`` of the offending part and a one-line
message. The characters and size checks that run before any parsing live here too.

>>> error = ExpressionError("name 'z' is not defined", offset=4)
>>> error.offset, error.lineno, error.col, str(error)
(4, 1, 5, "name 'z' is not defined")
"""

from __future__ import annotations

import ast
import bisect
import re
import unicodedata

MAX_EXPRESSION_LENGTH = 2_000
MAX_DEPTH = 100
MAX_NODES = 1_500
EXPRESSION_TIME_LIMIT = 2.0
MAX_MESSAGE_LENGTH = 200
EXCERPT_LENGTH = 24


class ExpressionError(ValueError):
    """Why an expression or lesson was refused or failed, and where.

    ``offset`` is the 0-based character index into the source; ``lineno`` and
    ``col`` are the same place as a 1-based line and a 1-based column (for the
    "line L, column C: message" a command line prints). ``str(error)`` is the
    one-line message (at most 200 characters). When the engine raised while
    evaluating, ``__cause__`` is its exception, whose text is PyTorch's.
    ``filename`` is set for errors in a lesson file (else None).
    """

    filename: str | None = None

    def __init__(self, message: str, offset: int = 0, *, lineno: int = 1, col: int | None = None):
        text = str(message)
        message = shorten(" ".join(text[:MAX_MESSAGE_LENGTH * 4].split()), MAX_MESSAGE_LENGTH,
                          hidden=max(len(text) - MAX_MESSAGE_LENGTH * 4, 0))
        super().__init__(message)
        self.message = message
        self.offset = max(int(offset), 0)
        self.lineno = lineno
        self.col = self.offset + 1 if col is None else col

    def __str__(self) -> str:
        return self.message


def shorten(text: str, limit: int, *, hidden: int = 0) -> str:
    """``text`` cut to at most ``limit`` characters with a visible marker of what is left out.

    >>> shorten("abcdefghijklmnopqrstuvwxyz" * 4, 40)
    'abcdefghijklmnopqr… (86 more characters)'
    >>> shorten("short", 40)
    'short'
    """
    if len(text) <= limit and not hidden:
        return text
    for _ in range(3):  # the marker's own length depends on the count
        marker = f"… ({len(text) - max(limit - 23, 0) + hidden:,} more characters)"
        keep = max(limit - len(marker), 0)
        marker = f"… ({len(text) - keep + hidden:,} more characters)"
        if keep + len(marker) <= limit:
            break
    return text[:keep] + marker


def excerpt(text: str, limit: int = EXCERPT_LENGTH) -> str:
    """A short, quoted piece of user input for a message: ``'abc...'``."""
    text = str(text)
    if len(text) > limit:
        text = text[:limit - 3] + "..."
    return repr(text)


class SourceText:
    """Positions in a source text: ast's (line, UTF-8 byte column) to character offsets."""

    def __init__(self, text: str):
        self.text = text
        self.ascii = text.isascii()
        self.line_starts = [0]
        for match in re.finditer("\n", text):
            self.line_starts.append(match.end())

    def offset(self, lineno: int, byte_col: int) -> int:
        """The 0-based character offset of ast's ``(lineno, col_offset)``."""
        index = min(max(lineno, 1), len(self.line_starts)) - 1
        start = self.line_starts[index]
        if not self.ascii:
            end = (self.line_starts[index + 1] if index + 1 < len(self.line_starts)
                   else len(self.text))
            line = self.text[start:end]
            if not line.isascii():
                byte_col = len(line.encode("utf-8", "surrogatepass")[:byte_col].decode(
                    "utf-8", "ignore"))
        return min(start + max(byte_col, 0), len(self.text))

    def node_offset(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)

    def node_end(self, node: ast.AST) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a 0-based character offset."""
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1

    def error(self, message: str, offset: int) -> ExpressionError:
        offset = min(max(offset, 0), len(self.text))
        lineno, col = self.line_col(offset)
        return ExpressionError(message, offset, lineno=lineno, col=col)


# ----- characters ------------------------------------------------------------------------

_TWINS = {
    "\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\ufe63": "-", "\uff0d": "-",
    "\u00d7": "*", "\u22c5": "*", "\u00b7": "*", "\u2217": "*", "\u2219": "*", "\u2715": "*",
    "\u00f7": "/", "\u2215": "/", "\u2044": "/",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2264": "<=", "\u2265": ">=", "\u2260": "!=", "\u2026": "...",
    "\u00b2": "**2", "\u00b3": "**3", "\u2022": "*",
    "\t": " ",
}
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\u200e",
              "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067",
              "\u2068", "\u2069"}
_OUTSIDE_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e\t]")  # a tab is whitespace, as in Python
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ud800-\udfff]")
_LESSON_SCAN = re.compile(
    r"""(?P<comment>\#[^\r\n]*)"""
    r"""|(?P<string>'''(?:[^\\]|\\.)*?'''|\"\"\"(?:[^\\]|\\.)*?\"\"\""""
    r"""|'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")"""
    r"""|(?P<bad>[^\x20-\x7e\t\r\n\f])""",
    re.DOTALL)


def _describe(character: str) -> str:
    code = f"U+{ord(character):04X}"
    name = unicodedata.name(character, "")
    label = f"{code} {name}" if name else code
    if character.isprintable() and not character.isspace() and character not in _INVISIBLE:
        return f"character '{character}' ({label})"
    return f"character {label}"


def _twin(character: str) -> str | None:
    if character in _TWINS:
        return _TWINS[character]
    if character in _INVISIBLE:
        return ""
    if "\ud800" <= character <= "\udfff":
        return None
    normal = unicodedata.normalize("NFKC", character)
    if normal != character and normal.isascii() and normal.isprintable():
        return normal
    if character.isspace():
        return " "
    return None


def character_message(character: str, where: str = "") -> str:
    """What to say about a character outside printable ASCII, naming its ASCII twin."""
    if character == "\x00":
        return "null byte (U+0000) is not allowed"
    twin = _twin(character)
    text = f"{_describe(character)} is not allowed{where}"
    if twin == "":
        return f"invisible {text}: delete it"
    if twin is not None:
        return f"{text}: use {twin!r}"
    if unicodedata.category(character).startswith("C"):
        return f"control {text}"
    return f"{text}: only ASCII is allowed"


def check_characters(source: str, *, code_only: bool = False) -> None:
    """Refuse characters outside printable ASCII.

    With ``code_only`` (lesson files), any Unicode is fine inside comments and string
    literals; control characters and NUL are refused everywhere.
    """
    text = SourceText(source) if not source.isascii() or _CONTROL.search(source) else None
    if not code_only:
        match = _OUTSIDE_PRINTABLE_ASCII.search(source)
        if match:
            text = text or SourceText(source)
            raise text.error(character_message(match.group()), match.start())
        return
    control = _CONTROL.search(source)
    if control:
        raise text.error(character_message(control.group()), control.start())
    if source.isascii():
        return
    for match in _LESSON_SCAN.finditer(source):
        if match.lastgroup == "bad":
            raise text.error(character_message(match.group(), " outside strings and comments"),
                             match.start())


# ----- parsing ----------------------------------------------------------------------------

def syntax_error(source: SourceText, error: SyntaxError, line_offset: int = 0,
                 column_offset: int = 0) -> ExpressionError:
    """An ``ExpressionError`` at the place Python's parser points to."""
    lineno = (error.lineno or 1) + line_offset
    if lineno > len(source.line_starts) or lineno < 1:
        offset = len(source.text)
    elif not error.offset:  # the parser points nowhere: the error is at the end of the line
        start = source.line_starts[lineno - 1]
        end = source.text.find("\n", start)
        offset = len(source.text.rstrip()) if end < 0 else start + len(
            source.text[start:end].rstrip())
    else:
        offset = source.line_starts[lineno - 1] + error.offset - 1 + column_offset
    message = (error.msg or "invalid syntax").removesuffix(" (<unknown>, line 1)")
    return source.error(f"syntax error: {message}", offset)


_NESTING = re.compile(r"[-+~*/@%&|^<>=.!(\[{]|\bnot\b")


def nesting_offset(text: str, start: int = 0, limit: int = MAX_DEPTH) -> int:
    """Where a statement too deep for Python's parser crosses ``limit`` (best estimate)."""
    count = 0
    for match in _NESTING.finditer(text, start):
        count += 1
        if count > limit:
            return match.start()
    return start


def too_complex(source: SourceText, start: int = 0, end: int | None = None) -> ExpressionError:
    text = source.text if end is None else source.text[:end]
    return source.error(f"too deeply nested: more than {MAX_DEPTH} levels",
                        nesting_offset(text, start))


def parse_expression(source: str) -> tuple[ast.Expression, SourceText]:
    """Check length and characters, then parse one expression (no evaluation)."""
    if not isinstance(source, str):
        raise ExpressionError(f"an expression must be text, not {type(source).__name__}", 0)
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"expression too long: {len(source)} characters "
                              f"(limit {MAX_EXPRESSION_LENGTH})", MAX_EXPRESSION_LENGTH)
    check_characters(source)
    text = SourceText(source)
    if not source.strip():
        raise text.error("the expression is empty", 0)
    stripped = source.lstrip(" \t")
    indent = len(source) - len(stripped)  # leading spaces and tabs are fine in a field
    try:
        tree = ast.parse(stripped, mode="eval")
    except SyntaxError as error:
        raise syntax_error(text, error, column_offset=indent) from None
    except (RecursionError, MemoryError):
        raise too_complex(text) from None
    if indent:
        for node in ast.walk(tree):
            if hasattr(node, "col_offset"):
                node.col_offset += indent
                node.end_col_offset += indent
    return tree, text
