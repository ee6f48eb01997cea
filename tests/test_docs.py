"""The examples in the README and in the engine's docstrings run and print what they claim."""

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import engine

ROOT = Path(__file__).resolve().parents[1]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

ENGINE_MODULES = sorted(
    info.name for info in pkgutil.walk_packages(engine.__path__, prefix="engine."))


def test_readme_examples():
    failures, attempted = doctest.testfile(str(ROOT / "README.md"), module_relative=False,
                                           optionflags=FLAGS)
    assert attempted > 10
    assert failures == 0


@pytest.mark.parametrize("name", ["engine", *ENGINE_MODULES])
def test_module_docstring_examples(name):
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=FLAGS)
    assert failures == 0
