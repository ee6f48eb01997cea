"""Check with PyTorch, without Qt: run a lesson under the engine and under real torch and
compare what every cell shows, line by line.

The window's panel (``gui.window.panels.torch_check``) starts the worker in a separate
process (``python -m gui.model.torch_check --worker``, the lesson on stdin, JSON on
stdout), so importing torch (seconds) and running the lesson never block the window and
the window's own engine state is untouched. The worker loads no Qt, validates the lesson
with the same whitelist before anything runs, and caps its own memory
(``MEMORY_LIMIT``: a lesson that allocates more gets ``MemoryError``, reported as one line).

>>> compare_shown(["a\\nb\\n"], ["a\\nc\\n"], [3]).summary()
'1 line differs in 1 of 1 cells'
>>> compare_shown(["x\\n", None], ["x\\n", None], [3, 7]).summary()
'identical: 1 cells, 1 lines'
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import json
import re
import sys
from dataclasses import dataclass

__all__ = ["CheckReport", "LineDifference", "compare_shown", "diff_lines", "torch_available",
           "run_both", "limit_memory", "worker_arguments", "INSTALL_HINT", "TORCH_VERSION",
           "MEMORY_LIMIT"]

TORCH_VERSION = "2.13.0"
INSTALL_HINT = (f"PyTorch is not installed, so the lesson cannot be checked against it. "
                f"Install it with:  pip install torch=={TORCH_VERSION}")
MEMORY_LIMIT = 2 * 1024 ** 3  # bytes of address space for the worker (torch itself: ~0.7 GB)
_MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,99}")


# ----- comparing (plain Python) ---------------------------------------------------------

@dataclass(frozen=True)
class LineDifference:
    """One line shown differently: ``cell`` index, the cell's file ``lineno``, the
    1-based ``line`` within what the cell shows, and each side's text (None: no line)."""

    cell: int
    lineno: int
    line: int
    engine: str | None
    torch: str | None


@dataclass(frozen=True)
class CheckReport:
    """The comparison of a whole lesson."""

    cells: int
    lines: int
    differences: tuple
    torch_version: str = ""

    @property
    def identical(self) -> bool:
        return not self.differences

    def summary(self) -> str:
        version = f" (PyTorch {self.torch_version})" if self.torch_version else ""
        if self.identical:
            return f"identical: {self.cells} cells, {self.lines} lines{version}"
        count = len(self.differences)
        cells = len({difference.cell for difference in self.differences})
        verb = "line differs" if count == 1 else "lines differ"
        return f"{count} {verb} in {cells} of {self.cells} cells{version}"


def diff_lines(engine_lines: list[str], torch_lines: list[str]) -> list[tuple]:
    """(1-based line, engine text or None, torch text or None) for each differing line.

    Lines are aligned with difflib, so one extra line on a side is one difference.
    """
    differences = []
    matcher = difflib.SequenceMatcher(a=engine_lines, b=torch_lines, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        for offset in range(max(a1 - a0, b1 - b0)):
            left = engine_lines[a0 + offset] if a0 + offset < a1 else None
            right = torch_lines[b0 + offset] if b0 + offset < b1 else None
            differences.append((min(a0, b0) + offset + 1, left, right))
    return differences


def compare_shown(engine_shown: list, torch_shown: list, linenos: list,
                  torch_version: str = "") -> CheckReport:
    """Compare two runs cell by cell; ``None`` marks a cell with no code (not counted)."""
    differences = []
    cells = lines = 0
    for index, (left, right) in enumerate(zip(engine_shown, torch_shown)):
        if left is None and right is None:
            continue
        cells += 1
        left_lines = (left or "").splitlines()
        right_lines = (right or "").splitlines()
        lines += max(len(left_lines), len(right_lines))
        for line, a, b in diff_lines(left_lines, right_lines):
            differences.append(LineDifference(index, linenos[index], line, a, b))
    return CheckReport(cells, lines, tuple(differences), torch_version)


def torch_available(module_name: str = "torch") -> bool:
    """True when ``module_name`` can be imported (checked without importing it)."""
    try:
        return importlib.util.find_spec(module_name) is not None
    except (ImportError, ValueError):
        return False


def run_both(source: str, filename: str | None = None, module_name: str = "torch") -> dict:
    """Run a lesson under the engine and under ``module_name``; what the worker prints.

    ``{"engine": [...], "torch": [...], "linenos": [...], "torch_version": "..."}`` with
    each code cell's shown text (None for text-only cells), or ``{"error": ...}`` (and
    ``"missing": true`` when the module cannot be imported).
    """
    from engine.interpreter.expression import ExpressionError
    from engine.interpreter.lesson import LessonRunner, parse_lesson

    try:
        lesson = parse_lesson(source, filename)
    except ExpressionError as error:
        return {"error": f"line {error.lineno}, column {error.col}: {error}"}
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        return {"error": f"{type(error).__name__}: {error}", "missing": True}
    sides = {}
    for side, backend in (("engine", None), ("torch", module)):
        runner = LessonRunner(lesson, module=backend)
        sides[side] = [runner.run_cell(cell.index).shown if cell.kind == "code" and (
                       cell.statements or cell.refusals) else None for cell in lesson.cells]
    return {**sides, "linenos": [cell.lineno for cell in lesson.cells],
            "torch_version": str(getattr(module, "__version__", ""))}


def limit_memory(limit: int = MEMORY_LIMIT) -> bool:
    """Cap this process's address space at ``limit`` bytes (a lesson that allocates more
    gets MemoryError); False where the platform has no such limit."""
    try:
        import resource
    except ImportError:  # Windows
        return False
    try:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        return False
    return True


def worker_arguments(module_name: str = "torch") -> list[str]:
    """The arguments of ``python`` that start the worker."""
    return ["-m", "gui.model.torch_check", "--worker", "--module", module_name]


def _worker(argv: list[str]) -> int:
    """``python -m gui.model.torch_check --worker [--module M]``: stdin lesson -> JSON."""
    limit_memory()
    module_name = argv[1] if len(argv) == 2 and argv[0] == "--module" else "torch"
    if argv and len(argv) != 2 or not _MODULE_NAME.fullmatch(module_name):
        print(json.dumps({"error": "bad module name"}))
        return 2
    source = sys.stdin.buffer.read(4_000_000).decode("utf-8-sig", errors="replace")
    try:
        report = run_both(source, None, module_name)
    except Exception as error:  # noqa: BLE001 - the window shows it as one line
        report = {"error": f"{type(error).__name__}: {error}"}
    sys.stdout.write(json.dumps(report))
    sys.stdout.flush()
    return 0


if __name__ == "__main__" and sys.argv[1:2] == ["--worker"]:
    sys.exit(_worker(sys.argv[2:]))
