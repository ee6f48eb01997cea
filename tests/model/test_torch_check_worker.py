"""The PyTorch check's worker process: no Qt in it, its memory capped, one JSON answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gui.model.torch_check import MEMORY_LIMIT, worker_arguments

ROOT = Path(__file__).resolve().parents[2]
LESSON = "import torch\n# %%\nx = torch.arange(3.0, requires_grad=True)\nx.sum()\n"
NO_QT = """\
import importlib.abc, runpy, sys

class NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "shiboken6"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, NoQt())
sys.argv = ["torch_check", *sys.argv[1:]]
runpy.run_module("gui.model.torch_check", run_name="__main__")
"""


def worker(module_name: str, lesson: str, *, path: Path | None = None) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in (ROOT, path) if p)}
    arguments = worker_arguments(module_name)
    assert arguments[:2] == ["-m", "gui.model.torch_check"]
    result = subprocess.run([sys.executable, "-c", NO_QT, *arguments[2:]], input=lesson,
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_worker_runs_without_qt():
    pytest.importorskip("torch")
    report = worker("torch", LESSON)
    assert report["engine"] == report["torch"]
    assert report["torch"][-1] == "tensor(3., grad_fn=<SumBackward0>)\n"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is Linux's")
def test_the_worker_cannot_take_more_memory_than_its_cap(tmp_path):
    # a "torch" whose import allocates more than the cap, as a hostile lesson would
    (tmp_path / "greedy_torch.py").write_text(
        f"import numpy\nHOARD = numpy.ones({MEMORY_LIMIT // 8 + 1_000_000})\n")
    report = worker("greedy_torch", LESSON, path=tmp_path)
    assert report["error"].startswith("MemoryError"), report
