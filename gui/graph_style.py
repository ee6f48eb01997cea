"""Colours and sizes of the graph picture, one palette per theme (Qt-free).

>>> STYLES["light"].leaf_face
'#dbeafe'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GraphStyle", "STYLES", "style_for"]


@dataclass(frozen=True)
class GraphStyle:
    """Every colour the picture uses; ``kind`` faces/edges colour the node boxes."""

    background: str
    foreground: str
    muted: str
    edge: str
    leaf_face: str
    leaf_edge: str
    output_face: str
    output_edge: str
    function_face: str
    function_edge: str
    accumulate_face: str
    accumulate_edge: str
    gradient: str
    gradient_face: str
    note_face: str
    note_edge: str
    current: str
    visited: str
    failed: str
    selected: str
    freed_wash: tuple

    def face(self, kind: str, role: str | None = None) -> str:
        if kind == "tensor":
            return self.output_face if role == "output" else self.leaf_face
        return self.accumulate_face if kind == "accumulate" else self.function_face

    def outline(self, kind: str, role: str | None = None) -> str:
        if kind == "tensor":
            return self.output_edge if role == "output" else self.leaf_edge
        return self.accumulate_edge if kind == "accumulate" else self.function_edge


STYLES = {
    "light": GraphStyle(
        background="#ffffff", foreground="#1f2328", muted="#6b7280", edge="#8c959f",
        leaf_face="#dbeafe", leaf_edge="#2563eb", output_face="#dcfce7", output_edge="#16a34a",
        function_face="#f3f4f6", function_edge="#6b7280",
        accumulate_face="#ffedd5", accumulate_edge="#ea580c",
        gradient="#a21caf", gradient_face="#fdf4ff", note_face="#fffbeb", note_edge="#d97706",
        current="#f59e0b", visited="#d8b4fe", failed="#dc2626", selected="#2563eb",
        freed_wash=(1.0, 1.0, 1.0, 0.72),
    ),
    "dark": GraphStyle(
        background="#1b1f24", foreground="#e6edf3", muted="#9ca3af", edge="#8b949e",
        leaf_face="#1e3a5f", leaf_edge="#60a5fa", output_face="#14532d", output_edge="#4ade80",
        function_face="#2d333b", function_edge="#9ca3af",
        accumulate_face="#5a2d0c", accumulate_edge="#fb923c",
        gradient="#f0abfc", gradient_face="#3b0764", note_face="#3a2e05", note_edge="#fbbf24",
        current="#fbbf24", visited="#a855f7", failed="#f87171", selected="#60a5fa",
        freed_wash=(0.106, 0.122, 0.141, 0.72),
    ),
}


def style_for(theme: str) -> GraphStyle:
    """The palette called ``theme``; unknown names fall back to ``light``."""
    return STYLES.get(theme, STYLES["light"])
