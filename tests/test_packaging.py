"""A plain ``pip install .`` (not editable) installs what the app needs besides code: the
built-in lessons and the style sheets, found where ``gui.resources`` looks for them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout")
    pytest.importorskip("setuptools")
    work = tmp_path_factory.mktemp("package")
    clone = work / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps",
                            "--no-build-isolation", "-q", "-w", str(work / "wheel")],
                           cwd=clone, capture_output=True, text=True, timeout=300)
    if built.returncode != 0:
        pytest.skip(f"cannot build a wheel here: {built.stderr[-300:]}")
    wheel = next((work / "wheel").glob("*.whl"))
    target = work / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)  # what pip install puts in site-packages
        return target, archive.namelist()


def test_the_wheel_holds_the_lessons_and_styles_not_the_screenshots(installed):
    _, names = installed
    lessons = {Path(name).name for name in names if name.startswith("resources/lessons/")}
    built_in = {path.name for path in (ROOT / "resources" / "lessons").glob("*.py")}
    assert built_in and built_in <= lessons
    assert {"light.qss", "dark.qss"} <= {Path(n).name for n in names if "resources/style/" in n}
    assert not [name for name in names if name.startswith("resources/screenshots")]
    assert not [name for name in names if name.startswith(("tests/", "docs/", "bench/"))]


def test_the_installed_app_finds_its_lessons(installed, tmp_path):
    site, _ = installed
    code = ("import pathlib, sys\n"
            "from gui.resources import LESSONS_DIR\n"
            "from gui.model.lesson import builtin_lessons\n"
            "print(LESSONS_DIR.is_relative_to(pathlib.Path(sys.argv[1])), len(builtin_lessons()))")
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONPATH"] = str(site)
    result = subprocess.run([sys.executable, "-c", code, str(site)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    count = len(list((ROOT / "resources" / "lessons").glob("*.py")))
    assert result.stdout.split() == ["True", str(count)], result.stderr
