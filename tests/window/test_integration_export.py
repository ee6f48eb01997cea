"""Export from the window: the graph (PNG, SVG, PDF) at a chosen resolution and the backward
animation (GIF, and MP4 where ffmpeg exists), errors inside the dialog, cancellable."""

import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel

from gui.picture.export import MP4_UNAVAILABLE, figure_size, mp4_available


def ran_backward(window):
    window.backward()
    window.player.to_end()
    return window.session


def test_export_graph_png_through_the_dialog(window, tmp_path):
    session = ran_backward(window)
    dialog = window.files.export_dialog("graph")
    target = tmp_path / "graph.png"
    dialog.path_edit.setText(str(target))
    dialog.dpi_spin.setValue(75)
    width, height = figure_size(session.graph)
    assert dialog.size_label.text() == f"{int(width * 75)} × {int(height * 75)} pixels"
    dialog.open()
    dialog.export_button.click()
    assert not dialog.isVisible() and not dialog.error_label.isVisible()
    with Image.open(target) as image:
        assert image.size == (int(width * 75), int(height * 75))
        colours = image.convert("RGB").getcolors(1_000_000)
    assert len(colours) > 20                                  # a drawing, not a blank page
    assert str(target) in window.statusBar().currentMessage()


def test_export_svg_and_pdf(window, tmp_path):
    ran_backward(window)
    window.files.export_graph_to(tmp_path / "graph.svg")
    root = ElementTree.parse(tmp_path / "graph.svg").getroot()
    assert root.tag.endswith("svg")
    window.files.export_graph_to(tmp_path / "graph.pdf")
    assert (tmp_path / "graph.pdf").read_bytes().startswith(b"%PDF")


def test_the_exported_picture_is_the_step_on_screen(window, tmp_path):
    """Same drawing code: the first step and the last step export different pictures."""
    session = ran_backward(window)
    session.set_step(0)
    window.files.export_graph_to(tmp_path / "first.png", dpi=50)
    session.set_step(session.last_step)
    window.files.export_graph_to(tmp_path / "last.png", dpi=50)
    with Image.open(tmp_path / "first.png") as first, Image.open(tmp_path / "last.png") as last:
        assert first.size == last.size
        assert not np.array_equal(np.asarray(first), np.asarray(last))


def test_export_errors_stay_inside_the_dialog(window, tmp_path):
    ran_backward(window)
    dialog = window.files.export_dialog("graph")
    dialog.open()
    dialog.path_edit.setText(str(tmp_path / "no-such-folder" / "graph.png"))
    dialog.export_button.click()
    assert dialog.isVisible() and dialog.error_label.isVisible()
    assert "does not exist" in dialog.error_label.text()
    dialog.path_edit.setText(str(tmp_path / "graph.bmp"))
    dialog.export_button.click()
    assert "cannot export to .bmp" in dialog.error_label.text()
    assert window.findChild(type(dialog.error_label), "errorLabel").text() == ""
    dialog.reject()


def test_export_animation_gif_with_progress(window, tmp_path):
    session = ran_backward(window)
    dialog = window.files.export_dialog("animation")
    target = tmp_path / "backward.gif"
    dialog.path_edit.setText(str(target))
    dialog.dpi_spin.setValue(50)
    dialog.fps_spin.setValue(4.0)
    dialog.open()
    dialog.export_button.click()
    assert not dialog.isVisible()
    with Image.open(target) as image:
        assert image.n_frames == len(session.steps) + 1
    assert window.files.progress_dialog is None                # closed when done


def test_cancelling_the_progress_dialog_writes_nothing(window, tmp_path):
    ran_backward(window)
    target = tmp_path / "cancelled.gif"

    def cancel_when_shown():
        dialog = window.files.progress_dialog
        if dialog is None:
            QTimer.singleShot(1, cancel_when_shown)
        else:
            dialog.cancel()

    QTimer.singleShot(0, cancel_when_shown)
    assert window.files.export_animation_to(target, dpi=40) is False
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []                       # no temporary file left


def test_mp4_where_ffmpeg_is(window, tmp_path, monkeypatch):
    from matplotlib import rcParams

    monkeypatch.setitem(rcParams, "animation.ffmpeg_path", rcParams["animation.ffmpeg_path"])
    if not mp4_available():
        pytest.skip("neither ffmpeg nor imageio-ffmpeg is installed here")
    ran_backward(window)
    dialog = window.files.export_dialog("animation")
    assert "*.mp4" in dialog._filters
    assert window.files.export_animation_to(tmp_path / "backward.mp4", dpi=40)
    assert (tmp_path / "backward.mp4").read_bytes()[4:8] == b"ftyp"


def test_without_ffmpeg_the_dialog_says_so(window, tmp_path, monkeypatch):
    import sys

    from matplotlib import rcParams

    monkeypatch.setitem(rcParams, "animation.ffmpeg_path", "no-such-ffmpeg")
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)
    ran_backward(window)
    dialog = window.files.export_dialog("animation")
    assert "*.mp4" not in dialog._filters
    assert "ffmpeg" in dialog.note_label.text()
    dialog.open()
    dialog.path_edit.setText(str(tmp_path / "backward.mp4"))
    dialog.export_button.click()
    assert dialog.error_label.text() == MP4_UNAVAILABLE
    assert not (tmp_path / "backward.mp4").exists()
    dialog.reject()


def test_nothing_to_export_is_said_inline(window):
    window.session.set_inputs(expression="x.sum(")
    window.inputs.load_from_session()
    window.forward()
    window.session.graph = None
    window.files.ask_export("graph")
    assert "Nothing to export yet" in window.findChild(QLabel, "errorLabel").text()
    assert QApplication.activeModalWidget() is None


@pytest.mark.parametrize("palette", ["high_contrast", "colorblind"])
def test_export_uses_the_window_palette(window, tmp_path, palette):
    ran_backward(window)
    window.set_theme(palette)
    window.files.export_graph_to(tmp_path / "palette.png", dpi=40)
    with Image.open(tmp_path / "palette.png") as image:
        corner = image.convert("RGB").getpixel((1, 1))
    background = window.graph_view.picture.style.background.lstrip("#")
    assert corner == tuple(int(background[i:i + 2], 16) for i in (0, 2, 4))
    window.set_theme("light")
