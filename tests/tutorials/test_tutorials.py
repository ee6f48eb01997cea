"""Real autograd tutorials open unchanged and show, cell by cell, what real torch shows.

Each tutorial of ``manifest.json`` runs in the app (the interpreter and the engine) and
under real Python and torch (``oracle.py``, in a child process); the cells must show the
same text, random values aside (numbers are masked where a tutorial draws random
tensors; object addresses always). Cells the manifest lists as unsupported must fail
in their cell only, with a line and column, and the next cells still run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import engine
from engine.interpreter.lesson import LessonRunner, load_lesson

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = HERE / "data"
MANIFEST = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))["tutorials"]
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def normalized(text: str | None, random: bool) -> str | None:
    if text is None:
        return None
    text = _ADDRESS.sub("0x…", text)
    if random:
        text = " ".join(_NUMBER.sub("N", text).split())
    return text


def tutorial_path(entry: dict) -> Path:
    path = DATA / entry["file"]
    if not path.is_file():
        pytest.skip(f"{entry['file']} not fetched: run python tests/tutorials/fetch_tutorials.py")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == entry["sha256"], f"{entry['file']} is not the published file"
    return path


def torch_shows(path: Path) -> list:
    pytest.importorskip("torch")
    done = subprocess.run([sys.executable, "-m", "tests.tutorials.oracle", str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda entry: entry["file"])
def test_the_tutorial_shows_what_torch_shows_cell_by_cell(entry):
    path = tutorial_path(entry)
    lesson = load_lesson(path)
    engine.manual_seed(0)  # as the oracle seeds torch: a float comparison of random values is fixed
    runner = LessonRunner(lesson)
    ours = [runner.run_cell(cell.index).shown
            if cell.kind == "code" and (cell.statements or cell.refusals) else None
            for cell in lesson.cells]
    theirs = torch_shows(path)
    assert len(ours) == len(theirs)
    unsupported = {int(index) for index in entry["unsupported"]}
    same = different = 0
    for index, (mine, reference) in enumerate(zip(ours, theirs)):
        if mine is None and reference is None:
            continue
        if index in unsupported:
            different += 1
            continue
        assert normalized(mine, entry["random"]) == normalized(reference, entry["random"]), (
            f"{entry['file']} cell {index} (line {lesson.cells[index].lineno})")
        same += 1
    assert same + different == sum(1 for shown in ours if shown is not None)
    print(f"{entry['file']}: {same} cells same, {different} unsupported")


def test_an_unsupported_statement_is_named_with_its_line_and_column(capsys):
    entry = next(entry for entry in MANIFEST if entry["file"] == "micrograd_test_engine.py")
    path = tutorial_path(entry)
    from gui.commands.cli import main

    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err == (f"{path}:2:1: module 'micrograd.engine' is not available in a lesson "
                   f"(only torch, math, numpy, pprint and matplotlib.pyplot)\n")
