"""The app's state without Qt: the session (inputs, recorded passes, the ``.grad`` history),
session files, the lesson's pass queue, the PyTorch check.

The window wraps these objects in Qt signals (``gui.window``); the headless commands
(``gui.commands``) use them as they are. Nothing here imports PySide6.
"""
