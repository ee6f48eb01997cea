"""The layers of the house hold: the import contracts in pyproject.toml are kept, they catch a
break when one is made, and the binding workaround is applied in one place only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("importlinter")

ROOT = Path(__file__).resolve().parents[1]
LINT = ("import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(no_cache=True, no_logo=True))")


def lint(cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([sys.executable, "-c", LINT], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


def test_every_contract_is_kept():
    result = lint(ROOT)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "0 broken" in report and "5 kept" in report, report


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("engine/tensor.py", "import matplotlib.pyplot", "engine is a library"),
    ("engine/graph.py", "from gui.picture import layout", "engine is a library"),
    ("gui/model/session_file.py", "from PySide6 import QtCore", "never import Qt"),
    ("gui/commands/trace_report.py", "import gui.window.session", "below the window"),
    ("gui/picture/layout.py", "from gui.commands import cli", "never import the commands"),
    ("engine/autograd/graph.py", "from engine.interpreter import validator", "core never imports"),
])
def test_a_broken_layer_is_caught(tmp_path, module, line, contract):
    for folder in ("engine", "gui"):
        shutil.copytree(ROOT / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    target = tmp_path / module
    # inside a function, as the app's lazy imports are: the contracts see those too
    target.write_text(target.read_text(encoding="utf-8")
                      + f"\n\ndef _breaks_a_layer():\n    {line}  # noqa\n", encoding="utf-8")
    result = lint(tmp_path)
    report = result.stdout + result.stderr
    assert result.returncode != 0, report
    broken = [row for row in report.splitlines() if row.rstrip().endswith("BROKEN")]
    assert len(broken) >= 1 and any(contract in row for row in broken), report


def test_the_core_contract_names_every_core_module():
    """A new module of the engine's core is covered by the interpreter contract at once."""
    tomllib = pytest.importorskip("tomllib")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    core = next(c for c in contracts if "interpreter" in c["name"])["source_modules"]
    modules = {f"engine.{path.stem}" for path in (ROOT / "engine").glob("*.py")
               if path.stem not in ("__init__", "expression")}
    modules |= {f"engine.{path.name}" for path in (ROOT / "engine").iterdir()
                if (path / "__init__.py").exists() and path.name != "interpreter"}
    assert modules == set(core)


def test_the_binding_workaround_is_applied_once_where_qt_comes_in():
    calls = [str(path.relative_to(ROOT)) for path in (ROOT / "gui").rglob("*.py")
             if "pin_singletons()\n" in path.read_text(encoding="utf-8")
             and path.name != "refcount_guard.py"]
    assert calls == [os.path.join("gui", "window", "__init__.py")]
    # any window module brings it in, before its own Qt imports run
    code = ("import gui.window.lesson_session, sys\n"
            "from gui.window import refcount_guard\n"
            "print(bool(refcount_guard._pinned) or sys.version_info >= (3, 12))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.stdout.strip() == "True", result.stdout + result.stderr
