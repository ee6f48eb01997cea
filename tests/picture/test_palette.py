"""The palettes without Qt: one type holding the window's colours and the graph's style."""

import dataclasses
import re

from gui.picture.palette import PALETTES, WINDOW_FIELDS, Palette, palette_for
from gui.picture.style import STYLES, GraphStyle

HEX = re.compile(r"#[0-9a-fA-F]{6}")


def test_every_palette_holds_the_graph_style_of_its_name():
    assert set(PALETTES) == set(STYLES)
    for name, palette in PALETTES.items():
        assert palette.name == name
        assert isinstance(palette.graph, GraphStyle) and palette.graph is STYLES[name]


def test_window_colours_are_colours_and_the_only_fields_beside_the_graph():
    names = {f.name for f in dataclasses.fields(Palette)} - {"name", "label", "graph"}
    assert names == set(WINDOW_FIELDS)
    for palette in PALETTES.values():
        for name in WINDOW_FIELDS:
            assert HEX.fullmatch(getattr(palette, name)), (palette.name, name)


def test_dark_palettes_are_told_apart_without_qt():
    assert {n for n, p in PALETTES.items() if p.is_dark} == {"dark", "high_contrast"}


def test_unknown_names_give_light_and_palettes_pass_through():
    assert palette_for("nope") is PALETTES["light"]
    assert palette_for(PALETTES["dark"]) is PALETTES["dark"]
