"""The examples in the README and in every module's docstrings (engine and gui) run and
print what they claim."""

import doctest
import importlib
import importlib.util
import os
import pkgutil
from pathlib import Path

import pytest

import engine
import gui

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a window module's examples, headless

ROOT = Path(__file__).resolve().parents[1]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
HAVE_QT = importlib.util.find_spec("PySide6") is not None


def modules(package) -> list[str]:
    return sorted(info.name for info in pkgutil.walk_packages(package.__path__,
                                                              prefix=package.__name__ + "."))


ENGINE_MODULES = ["engine", *modules(engine)]
GUI_MODULES = ["gui", *modules(gui)]


def test_readme_examples():
    failures, attempted = doctest.testfile(str(ROOT / "README.md"), module_relative=False,
                                           optionflags=FLAGS)
    assert attempted > 10
    assert failures == 0


def test_every_module_is_collected():
    """The lists below are not empty by accident: the packages' modules, all of them."""
    assert len(ENGINE_MODULES) > 20 and "engine.interpreter.lesson" in ENGINE_MODULES
    assert {"gui.commands.cli", "gui.model.session_file", "gui.picture.export",
            "gui.window.main_window", "gui.window.panels.history_view"} <= set(GUI_MODULES)


@pytest.mark.parametrize("name", ENGINE_MODULES + GUI_MODULES)
def test_module_docstring_examples(name):
    if name.startswith("gui.window") and not HAVE_QT:
        pytest.skip("the window's modules need PySide6")
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=FLAGS)
    assert failures == 0
