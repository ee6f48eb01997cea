"""The headless commands work on a machine without Qt: PySide6 made unimportable in the
child process (a meta-path finder that refuses it), as if it were not installed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BLOCKER = """\
import importlib.abc, runpy, sys

class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "shiboken6"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NoQt())
sys.argv = ["main.py", *sys.argv[1:]]
runpy.run_path("main.py", run_name="__main__")
"""


def run_without_qt(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key != "QT_QPA_PLATFORM"}
    env["PYTHONPATH"] = str(ROOT)
    env["MPLBACKEND"] = "QtAgg"  # even a Qt backend asked for must not pull Qt in
    return subprocess.run([sys.executable, "-c", BLOCKER, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_blocker_really_hides_qt():
    result = run_without_qt("--help")  # the window's usage needs no Qt either
    assert result.returncode == 0, result.stderr
    probe = subprocess.run([sys.executable, "-c", BLOCKER.replace(
        'runpy.run_path("main.py", run_name="__main__")', "import PySide6")],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert probe.returncode != 0 and "No module named 'PySide6'" in probe.stderr


def test_trace_runs_without_qt():
    result = run_without_qt("trace", "--x", "arange(4.0)", "--expr", "2 * dot(x, x)",
                            "--backward", "2")
    assert result.returncode == 1, result.stderr  # the second pass raises, as in torch
    assert "backward pass 1 of 2: y.backward()" in result.stdout
    assert "x.grad = tensor([ 0.,  4.,  8., 12.])" in result.stdout
    assert "Trying to backward through the graph a second time" in result.stdout
    assert "Traceback" not in result.stderr


def test_export_png_runs_without_qt(tmp_path):
    out = tmp_path / "g.png"
    result = run_without_qt("export", "--x", "arange(4.0)", "--expr", "2 * dot(x, x)",
                            "--out", str(out), "--step", "end")
    assert result.returncode == 0, result.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {out}" in result.stdout


NO_QT_PLUGIN = """\
import importlib.abc, sys

class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "shiboken6", "pytestqt"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, NoQt())
"""


def test_the_picture_and_model_tests_run_without_qt(tmp_path):
    """The picture's tests and the session model's need no Qt (pytest-qt off as well)."""
    (tmp_path / "no_qt_plugin.py").write_text(NO_QT_PLUGIN)
    env = {key: value for key, value in os.environ.items() if key != "QT_QPA_PLATFORM"}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT)])
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no_qt_plugin", "-p", "no:pytest-qt",
         "-p", "no:cacheprovider", "tests/picture", "tests/model/test_session_model.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-4000:]
    assert "passed" in report.splitlines()[-1]
