"""``python main.py COMMAND`` as users run it: real processes, real exit statuses, no Qt.

Few on purpose (each costs about half a second); the in-process tests cover the rest.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main_py(*args, cwd=ROOT):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120)


def test_trace_that_raises_exits_1_with_the_error_in_the_trace():
    result = main_py("trace", "--x", "arange(4.0)", "--expr", "2 * dot(x, x)", "--backward", "2")
    assert result.returncode == 1
    assert result.stderr == ""
    assert "x.grad = tensor([ 0.,  4.,  8., 12.])" in result.stdout
    assert "RuntimeError: Trying to backward through the graph a second time" in result.stdout


def test_bad_expression_and_bad_option_are_one_line_and_exit_2():
    for args in (["trace", "--x", "arange(4.0)", "--expr", "dot(x,"],
                 ["trace", "--x", "arange(4.0)", "--expr", "x.sum()", "--backward"],
                 ["check", "missing.json"]):
        result = main_py(*args)
        assert result.returncode == 2, args
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
        assert "Traceback" not in result.stderr


def test_headless_modules_never_import_qt_or_pyplot(tmp_path):
    code = (
        "import sys\n"
        "from gui.commands.cli import main\n"
        "import gui.picture.export, gui.model.session_file\n"
        f"main(['export', '--x', 'arange(3.0)', '--expr', 'x.sum()', '--out', "
        f"{str(tmp_path / 'a.gif')!r}, '--dpi', '30', '--quiet'])\n"
        f"main(['trace', '--x', 'arange(3.0)', '--expr', 'x.sum()', '--save', "
        f"{str(tmp_path / 's.json')!r}])\n"
        f"main(['check', {str(tmp_path / 's.json')!r}])\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken', "
        "'matplotlib.pyplot', 'matplotlib.backends.backend_qt')))\n"
        "print('IMPORTED', bad)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "IMPORTED []" in result.stdout
    assert (tmp_path / "a.gif").exists() and "OK" in result.stdout


def test_export_gif_from_the_shell_shows_progress(tmp_path):
    result = main_py("export", "--x", "arange(4.0)", "--expr", "exp(x).sum()", "--out",
                     "anim.gif", "--dpi", "30", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "anim.gif: 26/26 (100%)" in result.stderr  # 1 + 3 steps x 8 frames, then the file
    assert (tmp_path / "anim.gif").read_bytes().startswith(b"GIF89a")
    slideshow = main_py("export", "--x", "arange(4.0)", "--expr", "exp(x).sum()", "--out",
                        "steps.gif", "--dpi", "30", "--fps", "2", cwd=tmp_path)
    assert "steps.gif: 5/5 (100%)" in slideshow.stderr  # --fps 2 alone: a frame a step
    refused = main_py("export", "--x", "arange(4.0)", "--expr", "x.sum()", "--out", "a.gif",
                      "--step-frames", "0", cwd=tmp_path)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
