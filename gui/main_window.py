"""``gui.main_window.MainWindow``, where the public contract (docs/CONTRACT.md, section 4)
names it: the window lives in ``gui.window.main_window``; this module only re-exports it.

>>> import gui.main_window, gui.window.main_window
>>> gui.main_window.MainWindow is gui.window.main_window.MainWindow
True
"""

from gui.window.main_window import MainWindow

__all__ = ["MainWindow"]
