"""Exported files open back: PNG and GIF with Pillow, SVG as XML, PDF by its header."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest
from PIL import Image

import engine
from engine.graph import to_networkx
from gui.commands.cli import EXIT_OK, EXIT_RAISED, main
from gui.picture import export


@pytest.fixture(scope="module")
def dot_pass():
    x = engine.arange(4.0, requires_grad=True)
    y = 2 * engine.dot(x, x)
    graph = to_networkx(y, names={"x": x}, output_name="y")
    return graph, engine.BackwardPass(y).run().steps


def chain(length: int):
    """A graph of ``length`` nodes or so: a chain of elementwise ops on x."""
    x = engine.linspace(0.1, 1.0, 3, requires_grad=True)
    value = x
    for number in range(length):
        value = value.sin() if number % 2 else value * 1.01
    y = value.sum()
    return to_networkx(y, names={"x": x}, output_name="y"), engine.BackwardPass(y).run().steps


def folder_names(folder):
    return sorted(path.name for path in folder.iterdir())


def test_png_at_the_chosen_dpi(tmp_path, dot_pass):
    graph, steps = dot_pass
    small = export.export_graph(tmp_path / "small.png", graph, steps, 1, dpi=50,
                                size=(8.0, 4.5))
    large = export.export_graph(tmp_path / "large.png", graph, steps, 1, dpi=100,
                                size=(8.0, 4.5))
    with Image.open(small) as image:
        assert image.format == "PNG" and image.size == (400, 225)
    with Image.open(large) as image:
        assert image.size == (800, 450)
        image.load()
        assert len(image.convert("RGB").getcolors(1 << 20)) > 10  # a drawing, not a blank
    assert folder_names(tmp_path) == ["large.png", "small.png"]


def test_each_step_gives_another_picture(tmp_path, dot_pass):
    graph, steps = dot_pass
    pictures = set()
    for index in range(-1, len(steps)):
        path = export.export_graph(tmp_path / f"step{index}.png", graph, steps, index, dpi=40)
        pictures.add(path.read_bytes())
    assert len(pictures) == len(steps) + 1


def test_exports_share_no_state(tmp_path, dot_pass):
    graph, steps = dot_pass
    first = export.export_graph(tmp_path / "a.png", graph, steps, 2, dpi=40).read_bytes()
    other_graph, other_steps = chain(6)
    export.export_graph(tmp_path / "b.png", other_graph, other_steps, 3, dpi=40, theme="dark")
    again = export.export_graph(tmp_path / "c.png", graph, steps, 2, dpi=40).read_bytes()
    assert first == again


def test_svg_parses_as_xml(tmp_path, dot_pass):
    graph, steps = dot_pass
    path = export.export_graph(tmp_path / "graph.svg", graph, steps, 2)
    root = ElementTree.parse(path).getroot()
    assert root.tag.endswith("svg")
    assert len(list(root.iter())) > 20


def test_pdf_has_a_pdf_header_and_trailer(tmp_path, dot_pass):
    graph, steps = dot_pass
    data = export.export_graph(tmp_path / "graph.pdf", graph, steps, -1).read_bytes()
    assert data.startswith(b"%PDF-1.") and data.rstrip().endswith(b"%%EOF")


def test_gif_has_a_frame_per_step_and_holds_the_last(tmp_path, dot_pass):
    graph, steps = dot_pass
    seen = []
    done = export.export_animation(tmp_path / "backward.gif", graph, steps, fps=4, dpi=40,
                                   progress=lambda count, total: seen.append((count, total)))
    assert done is True
    with Image.open(tmp_path / "backward.gif") as image:
        assert image.format == "GIF" and image.n_frames == len(steps) + 1
        durations = []
        for frame in range(image.n_frames):
            image.seek(frame)
            durations.append(image.info["duration"])
    assert durations[0] == 250 and durations[-1] == 250 * export.HOLD_LAST
    total = len(steps) + 2
    assert seen == [(count, total) for count in range(1, total + 1)]


def test_cancelling_writes_nothing_and_keeps_the_old_file(tmp_path):
    graph, steps = chain(8)
    path = tmp_path / "backward.gif"
    path.write_bytes(b"the earlier export")
    calls = []

    def cancel_at_three(count, total):
        calls.append(count)
        return count < 3

    assert export.export_animation(path, graph, steps, dpi=30, progress=cancel_at_three) is False
    assert calls == [1, 2, 3]
    assert path.read_bytes() == b"the earlier export"
    assert folder_names(tmp_path) == ["backward.gif"]


def test_exports_write_through_a_link_and_clean_up_stale_temporaries(tmp_path, dot_pass):
    """Exports follow the session files' rules (gui.model.files.atomic_target): a symbolic
    link stays a link and its target gets the picture; a temporary of ours that a killed
    export left behind (its writer's process is gone) is removed by the next export."""
    graph, steps = dot_pass
    slides = tmp_path / "slides"
    slides.mkdir()
    target = slides / "graph.png"
    target.write_bytes(b"last week's picture")
    link = tmp_path / "graph.png"
    link.symlink_to(target)
    stale = tmp_path / ".graph.png.autograd-viz-999999999-abcd.tmp.png"
    stale.write_bytes(b"left by a killed export")
    export.export_graph(link, graph, steps, 1, dpi=30)
    assert link.is_symlink() and target.read_bytes().startswith(b"\x89PNG")
    export.export_graph(tmp_path / "other.png", graph, steps, 1, dpi=30)
    assert folder_names(tmp_path) == ["graph.png", "other.png", "slides"]
    assert folder_names(slides) == ["graph.png"]


def test_export_draws_with_the_windows_graph_picture(tmp_path, dot_pass, monkeypatch):
    from gui.picture import drawing as graph_drawing

    shown = []

    class Watched(graph_drawing.GraphPicture):
        def show(self, index, travel=1.0):
            shown.append(index)
            return super().show(index, travel)

    monkeypatch.setattr(graph_drawing, "GraphPicture", Watched)
    graph, steps = dot_pass
    export.export_animation(tmp_path / "a.gif", graph, steps, dpi=30)
    export.export_graph(tmp_path / "a.png", graph, steps, 1, dpi=30)
    assert shown == [-1, 0, 1, 2, 1]


@pytest.mark.parametrize("name, options, words", [
    ("graph.bmp", {}, ["cannot export to .bmp"]),
    ("graph.png", {"dpi": 5000}, ["dpi"]),
    ("graph.png", {"index": 7}, ["step 7 does not exist"]),
    ("graph.png", {"index": -2}, ["step -2"]),
    ("graph.gif", {}, ["animation", "export_animation"]),
    ("graph.png", {"size": (400.0, 300.0)}, ["pixels"]),
])
def test_export_graph_refuses(tmp_path, dot_pass, name, options, words):
    graph, steps = dot_pass
    index = options.pop("index", -1)
    with pytest.raises(export.ExportError) as caught:
        export.export_graph(tmp_path / name, graph, steps, index, **options)
    for word in words:
        assert word in str(caught.value)
    assert folder_names(tmp_path) == []


def test_export_animation_refuses(tmp_path, dot_pass):
    graph, steps = dot_pass
    with pytest.raises(export.ExportError, match="fps"):
        export.export_animation(tmp_path / "a.gif", graph, steps, fps=0)
    with pytest.raises(export.ExportError, match="still picture"):
        export.export_animation(tmp_path / "a.png", graph, steps)
    with pytest.raises(export.ExportError, match="does not exist"):
        export.export_animation(tmp_path / "nowhere" / "a.gif", graph, steps)


@pytest.fixture
def no_ffmpeg(monkeypatch):
    """A computer with no ffmpeg: none on the PATH and no imageio-ffmpeg package."""
    import sys

    from matplotlib import rcParams

    monkeypatch.setitem(rcParams, "animation.ffmpeg_path", "no-such-ffmpeg")
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)


def test_mp4_without_ffmpeg_is_a_clear_error(tmp_path, dot_pass, no_ffmpeg):
    graph, steps = dot_pass
    assert not export.mp4_available()
    assert "MP4" not in export.file_filters()
    with pytest.raises(export.ExportError, match="needs ffmpeg.*imageio-ffmpeg"):
        export.export_animation(tmp_path / "a.mp4", graph, steps)
    assert folder_names(tmp_path) == []


def test_mp4_with_ffmpeg(tmp_path, dot_pass, monkeypatch):
    """With the system's ffmpeg or imageio-ffmpeg's (the test extra installs it): an MP4
    whose frames ffmpeg decodes, one per step plus the first and the held last."""
    import subprocess

    from matplotlib import rcParams

    monkeypatch.setitem(rcParams, "animation.ffmpeg_path", rcParams["animation.ffmpeg_path"])
    if not export.mp4_available():
        pytest.skip("neither ffmpeg nor imageio-ffmpeg is installed here")
    graph, steps = dot_pass
    assert export.export_animation(tmp_path / "a.mp4", graph, steps, dpi=40)
    data = (tmp_path / "a.mp4").read_bytes()
    assert data[4:8] == b"ftyp"
    probe = subprocess.run([rcParams["animation.ffmpeg_path"], "-v", "error", "-i",
                            str(tmp_path / "a.mp4"), "-f", "null", "-"],
                           capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0 and probe.stderr == ""


def test_command_line_export_of_every_still_format(tmp_path, capsys):
    for suffix, check in ((".png", lambda b: b.startswith(b"\x89PNG")),
                          (".svg", lambda b: b"<svg" in b[:2000]),
                          (".pdf", lambda b: b.startswith(b"%PDF"))):
        out = tmp_path / f"graph{suffix}"
        status = main(["export", "--x", "arange(4.0)", "--expr", "2 * dot(x, x)", "--out",
                       str(out), "--step", "end", "--dpi", "40"])
        assert status == EXIT_OK and check(out.read_bytes())
    printed = capsys.readouterr().out
    assert printed.count("wrote ") == 3 and "after 3 of 3 steps" in printed


@pytest.mark.parametrize("theme", ["light", "dark", "high_contrast", "colorblind"])
def test_command_line_export_in_each_of_the_windows_palettes(tmp_path, theme):
    from gui.picture.style import STYLES

    out = tmp_path / f"{theme}.png"
    status = main(["export", "--x", "arange(4.0)", "--expr", "2 * dot(x, x)", "--out", str(out),
                   "--dpi", "30", "--theme", theme, "--quiet"])
    assert status == EXIT_OK
    with Image.open(out) as image:
        corner = image.convert("RGB").getpixel((1, 1))
    background = STYLES[theme].background
    assert corner == tuple(int(background[i:i + 2], 16) for i in (1, 3, 5))


def test_command_line_gif_shows_progress(tmp_path, capsys):
    out = tmp_path / "a.gif"
    status = main(["export", "--x", "arange(3.0)", "--expr", "exp(x).sum()", "--out", str(out),
                   "--dpi", "30", "--fps", "2"])  # 2 frames a second: one frame a step
    captured = capsys.readouterr()
    assert status == EXIT_OK
    with Image.open(out) as image:
        assert image.n_frames == 4  # before, SumBackward0, ExpBackward0, AccumulateGrad
    assert "a.gif: 5/5 (100%)" in captured.err and "4 frames" in captured.out


def test_command_line_export_of_a_pass_that_raises(tmp_path, capsys):
    out = tmp_path / "second.png"
    status = main(["export", "--x", "arange(4.0)", "--expr", "x.sum() + dot(x, x)", "--pass",
                   "2", "--out", str(out), "--step", "end", "--dpi", "40"])
    captured = capsys.readouterr()
    assert status == EXIT_RAISED and out.exists()
    assert "backward pass 2 (y.backward()) stopped after 1 steps: RuntimeError" in captured.err


def test_an_animation_has_frames_of_motion_per_step(tmp_path, dot_pass):
    from PIL import Image

    graph, steps = dot_pass
    path = tmp_path / "motion.gif"
    assert export.export_animation(path, graph, steps, dpi=30, step_frames=4)
    with Image.open(path) as image:
        assert image.n_frames == 1 + 4 * len(steps)
    with pytest.raises(export.ExportError, match="step frames"):
        export.export_animation(tmp_path / "no.gif", graph, steps, step_frames=0)
