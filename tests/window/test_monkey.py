"""A short gui-monkey run: random clicks, keys and hostile input raise nothing.

The full run (1,000 actions) is done by hand: see the command in ``MONKEY``.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MONKEY = ROOT.parent / "shared" / "tools" / "gui-monkey.py"  # the team's tools, beside the repo
WORDS = ["arange(4.0)", "2 * dot(x, x)", "x.sum()", "x * 2", "exp(x).sum()", "x ** 1e309",
         "dot(x, y)", "linspace(0, 1, 100).sum()"]


@pytest.mark.skipif(not MONKEY.exists(), reason="gui-monkey.py is not on this machine")
def test_short_monkey_run_raises_nothing(tmp_path):
    words = []
    for word in WORDS:
        words += ["--word", word]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path),
           "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(MONKEY), "gui.window.main_window:MainWindow", "--path", str(ROOT),
         "-k", "150", "--seed", "4", "--max-seconds", "120", *words],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-4000:]
    assert "EXCEPTIONS: 0" in report, report[-4000:]
