"""The window: the only package that imports Qt (PySide6), with one module per panel in
``gui.window.panels``.

Importing it applies the binding workaround once, before any Qt call can run:
``pin_singletons()`` (see ``gui.window.refcount_guard``) keeps PySide6 6.12 on Python
3.11 from aborting after a few thousand Qt calls. Every module of the window is inside
this package, so none of them needs to call it again.
"""

from gui.window.refcount_guard import pin_singletons

pin_singletons()
