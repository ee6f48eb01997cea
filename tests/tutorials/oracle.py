"""The oracle for tutorials: a lesson's cells run by real Python and torch, as Jupyter runs them.

This is test code running trusted files (each checked against its sha256 in
``manifest.json``), in a child process: ``python -m tests.tutorials.oracle FILE`` prints a
JSON list with what each cell shows (``null`` for text cells): printed output, then the
repr of the last bare expression (unless ``;`` ends it) or ``ErrorType: message``. The
cells are the app's own split (``engine.interpreter.lesson``), so both sides agree on
where cells are and differ only in how they run.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import sys
import warnings


def shown_cells(path: str) -> list:
    import torch

    from engine.interpreter.lesson import load_lesson

    torch.manual_seed(0)  # numbers are masked; a seed keeps cells like 'a.grad == d / a' fixed
    lesson = load_lesson(path)
    namespace = {"__name__": "__main__"}
    shown = []
    for cell in lesson.cells:
        if cell.kind != "code" or not (cell.statements or cell.refusals):
            shown.append(None)
            continue
        buffer = io.StringIO()
        value_line = None
        with contextlib.redirect_stdout(buffer), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                tree = ast.parse(cell.source)
                last = None
                if cell.show_last and tree.body and isinstance(tree.body[-1], ast.Expr):
                    last = tree.body.pop()
                exec(compile(tree, path, "exec"), namespace)  # noqa: S102 - the oracle
                if last is not None:
                    value = eval(compile(ast.Expression(last.value), path, "eval"),  # noqa: S307
                                 namespace)
                    if value is not None:
                        value_line = repr(value)
            except Exception as error:  # noqa: BLE001 - a notebook shows any error
                value_line = f"{type(error).__name__}: {error}" if str(error) else (
                    type(error).__name__)
        text = buffer.getvalue()
        if value_line is not None:
            if text and not text.endswith("\n"):
                text += "\n"
            text += value_line + "\n"
        shown.append(text)
    return shown


if __name__ == "__main__":
    os.environ.setdefault("MPLBACKEND", "Agg")
    json.dump(shown_cells(sys.argv[1]), sys.stdout)
