"""Colours and sizes of the graph picture, one style per theme (Qt-free; each palette of
``gui.picture.palette`` holds one).

>>> STYLES["light"].leaf_face
'#dbeafe'
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["GraphStyle", "STYLES", "style_for", "OKABE_ITO", "MARKERS", "LINE_STYLES",
           "MARKS"]

# What backs every colour up (so that no information is in colour alone): a box shape per
# node kind (matplotlib marker letters: o round, s square, h hexagonal, D cut corners), a
# line style per edge or ring state and a text mark per step state.
MARKERS = {"leaf": "o", "output": "D", "function": "s", "accumulate": "h"}
LINE_STYLES = {"edge": "-", "gradient": "--", "freed": ":", "visited": "-"}
MARKS = {"current": "▶", "visited": "✓", "failed": "✗", "freed": "∅"}


@dataclass(frozen=True)
class GraphStyle:
    """Every colour the picture uses; ``kind`` faces/edges colour the node boxes.

    ``markers`` (node kind -> box shape), ``line_styles`` (state -> line style),
    ``marks`` (step state -> text mark), ``line_width`` (edges) and
    ``current_line_width`` (the ring of the running node) say the same without colour.
    """

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
    name: str = "custom"
    markers: dict = field(default_factory=lambda: dict(MARKERS))
    line_styles: dict = field(default_factory=lambda: dict(LINE_STYLES))
    marks: dict = field(default_factory=lambda: dict(MARKS))
    line_width: float = 1.2
    current_line_width: float = 3.0

    def marker(self, kind: str, role: str | None = None) -> str:
        """The box shape of a node: its kind's marker letter."""
        if kind == "tensor":
            kind = "output" if role == "output" else "leaf"
        return self.markers.get(kind, MARKERS.get(kind, "o"))

    def line_style(self, state: str):
        return self.line_styles.get(state, LINE_STYLES.get(state, "-"))

    def mark(self, state: str) -> str:
        return self.marks.get(state, MARKS.get(state, ""))

    def face(self, kind: str, role: str | None = None) -> str:
        if kind == "tensor":
            return self.output_face if role == "output" else self.leaf_face
        return self.accumulate_face if kind == "accumulate" else self.function_face

    def outline(self, kind: str, role: str | None = None) -> str:
        if kind == "tensor":
            return self.output_edge if role == "output" else self.leaf_edge
        return self.accumulate_edge if kind == "accumulate" else self.function_edge


# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common
# colour-vision deficiency.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

STYLES = {
    "light": GraphStyle(
        name="light", background="#ffffff", foreground="#1f2328", muted="#6b7280", edge="#8c959f",
        leaf_face="#dbeafe", leaf_edge="#2563eb", output_face="#dcfce7", output_edge="#16a34a",
        function_face="#f3f4f6", function_edge="#6b7280",
        accumulate_face="#ffedd5", accumulate_edge="#ea580c",
        gradient="#a21caf", gradient_face="#fdf4ff", note_face="#fffbeb", note_edge="#d97706",
        current="#f59e0b", visited="#d8b4fe", failed="#dc2626", selected="#2563eb",
        freed_wash=(1.0, 1.0, 1.0, 0.72),
    ),
    "dark": GraphStyle(
        name="dark", background="#1b1f24", foreground="#e6edf3", muted="#9ca3af", edge="#8b949e",
        leaf_face="#1e3a5f", leaf_edge="#60a5fa", output_face="#14532d", output_edge="#4ade80",
        function_face="#2d333b", function_edge="#9ca3af",
        accumulate_face="#5a2d0c", accumulate_edge="#fb923c",
        gradient="#f0abfc", gradient_face="#3b0764", note_face="#3a2e05", note_edge="#fbbf24",
        current="#fbbf24", visited="#a855f7", failed="#f87171", selected="#60a5fa",
        freed_wash=(0.106, 0.122, 0.141, 0.72),
    ),
    # Black, white and a few saturated colours; thicker lines for a projector.
    "high_contrast": GraphStyle(
        name="high_contrast", background="#000000", foreground="#ffffff", muted="#d0d0d0",
        edge="#ffffff", leaf_face="#000000", leaf_edge="#00ffff",
        output_face="#000000", output_edge="#00ff00",
        function_face="#000000", function_edge="#ffffff",
        accumulate_face="#000000", accumulate_edge="#ffff00",
        gradient="#ff80ff", gradient_face="#000000", note_face="#000000", note_edge="#ffff00",
        current="#ffff00", visited="#00ffff", failed="#ff6060", selected="#00ffff",
        freed_wash=(0.0, 0.0, 0.0, 0.6),
        line_width=2.0, current_line_width=4.5,
    ),
    # Okabe-Ito on white: the eight colours every colour-vision type tells apart.
    "colorblind": GraphStyle(
        name="colorblind", background="#ffffff", foreground="#000000", muted="#595959",
        edge="#595959", leaf_face="#d4e9f7", leaf_edge=OKABE_ITO["blue"],
        output_face="#cdeee4", output_edge=OKABE_ITO["bluish_green"],
        function_face="#f2f2f2", function_edge=OKABE_ITO["black"],
        accumulate_face="#faf6c6", accumulate_edge=OKABE_ITO["black"],
        gradient=OKABE_ITO["reddish_purple"], gradient_face="#f6e6ef",
        note_face="#fdf3d9", note_edge=OKABE_ITO["orange"],
        current=OKABE_ITO["orange"], visited=OKABE_ITO["sky_blue"],
        failed=OKABE_ITO["vermillion"], selected=OKABE_ITO["blue"],
        freed_wash=(1.0, 1.0, 1.0, 0.72),
        line_width=1.5, current_line_width=3.5,
    ),
}


def style_for(theme) -> GraphStyle:
    """The palette called ``theme`` (a GraphStyle is returned as it is); unknown names fall
    back to ``light``."""
    if isinstance(theme, GraphStyle):
        return theme
    return STYLES.get(theme, STYLES["light"])
