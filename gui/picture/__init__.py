"""The graph picture without Qt: layout, style, text, artists, blitting and export, drawn
with matplotlib on a plain ``Figure`` (the window embeds it; the commands export it).

Nothing here imports PySide6.
"""
