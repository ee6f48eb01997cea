"""The README's commands, run in a fresh clone of the repository as a new user would: every
file it points to is in the clone, and every command-line example runs there (no install
needed: the clone is on PYTHONPATH), without anything beside the clone."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def bash_blocks(section: str) -> list[str]:
    """The lines of the ```bash blocks under a ``## section`` heading of the README."""
    start = README.index(f"## {section}")
    end = README.find("\n## ", start + 1)
    body = README[start:end if end != -1 else None]
    return [line for block in re.findall(r"```bash\n(.*?)```", body, re.S)
            for line in block.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    target = tmp_path_factory.mktemp("fresh") / "autograd-viz"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(target)],
                   check=True, capture_output=True, timeout=120)
    return target


def run(clone: Path, line: str, *, display: bool = True) -> subprocess.CompletedProcess:
    """One README line (a ``#`` comment stripped), run in the clone with only the clone on
    the path; ``FILE`` is a built-in lesson."""
    words = shlex.split(line, comments=True)
    assert words[:2] == ["python", "main.py"], line
    words = [sys.executable, *words[1:]]
    words = ["resources/lessons/02_chain_rule.py" if word == "FILE" else word for word in words]
    hidden = ("QT_QPA_PLATFORM",) + (() if display else ("DISPLAY", "WAYLAND_DISPLAY"))
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PYTHON") and key not in hidden}
    env.update(PYTHONPATH=str(clone), MPLBACKEND="Agg", HOME=str(clone.parent))
    return subprocess.run(words, cwd=clone, env=env, capture_output=True, text=True,
                          timeout=120)


def test_every_file_the_readme_points_to_is_in_the_clone(clone):
    paths = set(re.findall(r"\]\(((?:docs|resources)/[^)\s]+)\)", README))
    paths |= set(re.findall(r"`((?:docs|resources|tests|bench)/[\w./-]+\.\w+)`", README))
    assert "docs/CONTRACT.md" in paths and len(paths) > 5
    missing = sorted(path for path in paths if not (clone / path).exists())
    assert missing == []
    assert "../shared" not in README  # nothing outside the repository


def test_the_command_line_examples_run_in_the_clone(clone):
    lines = bash_blocks("Use the command line")
    assert len(lines) >= 7
    for line in lines:
        result = run(clone, line)
        assert "Traceback" not in result.stderr, (line, result.stderr)
        raises = "dot(x, x)" in line and "--backward 2" in line  # torch's second-backward error
        assert result.returncode == (1 if raises else 0), (line, result.stderr)
        if raises:
            assert "Trying to backward through the graph a second time" in result.stdout
        if "--json" in line:
            assert json.loads(result.stdout)["grad_history"]["x"][-1] == [2.0] * 4
        if line.split()[2:3] == ["run"]:
            assert "tensor([ 0.,  4.,  8., 12.])" in result.stdout
    assert (clone / "graph.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert (clone / "backward.gif").read_bytes()[:6] in (b"GIF87a", b"GIF89a")


def test_the_window_command_without_a_display_says_so(clone):
    if not sys.platform.startswith("linux"):
        pytest.skip("a display is always there off Linux")
    line = next(line for line in bash_blocks("Set up") if line.startswith("pip install -e . &&"))
    command = line.split("&&", 1)[1].strip()  # python main.py (pip install is not needed)
    result = run(clone, command, display=False)
    assert result.returncode == 2 and result.stderr.startswith("error: no display")
