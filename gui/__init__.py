"""The desktop app and the headless commands built on the engine.

Importing ``gui`` itself loads nothing heavy: the window modules import Qt,
``gui.commands.cli`` and the drawing/export modules import only matplotlib.
"""
