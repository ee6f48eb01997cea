"""The engine stands alone: no Qt, no matplotlib, no gui; and no recursion on long chains."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import engine

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("PySide6", "shiboken6", "matplotlib", "gui")

PROBE = """
import json, sys
import engine
import engine.graph
x = engine.arange(4.0, requires_grad=True)
(2 * engine.dot(x, x)).backward()
engine.graph.to_networkx(x.sum(), names={"x": x})
print(json.dumps(sorted(sys.modules)))
"""


def _modules_loaded_by(code: str) -> set[str]:
    """The modules a clean interpreter (``-I``: no site dirs of the user, no PYTHON* variables)
    has loaded after running ``code`` with the repository first on its path."""
    prelude = f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
    completed = subprocess.run([sys.executable, "-I", "-c", prelude + code], cwd=ROOT,
                               capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    return set(json.loads(completed.stdout.splitlines()[-1]))


def _forbidden(modules: set[str]) -> list[str]:
    return sorted(name for name in modules
                  if any(name == top or name.startswith(top + ".") for top in FORBIDDEN))


def test_importing_the_engine_loads_no_gui_toolkit():
    loaded = _modules_loaded_by(PROBE)
    assert "engine" in loaded and "numpy" in loaded
    assert _forbidden(loaded) == []


def test_the_probe_would_notice_a_forbidden_import():
    loaded = _modules_loaded_by(
        "import json, sys, matplotlib\nprint(json.dumps(sorted(sys.modules)))")
    assert "matplotlib" in _forbidden(loaded)


def test_a_100000_op_chain_runs_forward_and_backward():
    x = engine.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    assert y.grad_fn.name() == "MulBackward0"
    y.backward()
    assert x.grad.item() == 1.0


def test_a_100000_op_chain_of_mixed_ops_backward_is_iterative():
    x = engine.ones(3, requires_grad=True)
    y = x
    for index in range(100_000):
        y = y + 1.0 if index % 2 else y.view(3)
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]
