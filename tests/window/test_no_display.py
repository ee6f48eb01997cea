"""``python main.py`` where no window can open says so in one line and exits 2 (Qt itself
would abort with exit 134)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gui.window.app import display_problem

ROOT = Path(__file__).resolve().parents[2]


def test_no_display_is_one_line_and_exit_2():
    env = {key: value for key, value in os.environ.items()
           if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    if not sys.platform.startswith("linux"):
        return  # macOS and Windows always have a display to talk to
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: no display")
    assert "python main.py trace" in result.stderr and result.stdout == ""


def test_a_missing_xcb_cursor_library_is_named():
    problem = display_problem({"DISPLAY": ":0"}, "linux", find_library=lambda name: None)
    assert "libxcb-cursor0" in problem and "apt-get install" in problem
    found = display_problem({"DISPLAY": ":0"}, "linux", find_library=lambda name: "libx.so")
    assert found is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
