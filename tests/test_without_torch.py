"""Without PyTorch (a laptop that never installed it) the tests that need it skip cleanly:
the suite collects, and torch's comparisons report skips, not errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = """\
import importlib.abc, sys

class NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "torch":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, NoTorch())
sys.modules.pop("torch", None)
"""


def pytest_without_torch(tmp_path, *args) -> subprocess.CompletedProcess:
    (tmp_path / "no_torch_plugin.py").write_text(PLUGIN)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
           "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no_torch_plugin",
                           "-p", "no:cacheprovider", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def test_the_whole_suite_collects_without_torch(tmp_path):
    result = pytest_without_torch(tmp_path, "--collect-only", "-q", "tests")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " error" not in result.stdout.splitlines()[-1], result.stdout[-2000:]


def test_torch_comparisons_skip_without_torch(tmp_path):
    result = pytest_without_torch(
        tmp_path, "-q", "-rs", "tests/commands/test_cli_commands.py",
        "tests/interpreter/test_lesson_golden.py", "-k", "pytorch or torch or golden")
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-3000:]
    assert "skipped" in report.splitlines()[-1] and "failed" not in report.splitlines()[-1]
