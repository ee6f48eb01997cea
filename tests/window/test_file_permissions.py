"""Sessions and exports keep their atomic writes and get the permissions a new file gets
under the user's umask (not mkstemp's owner-only 0600)."""

from __future__ import annotations

import os
import stat

import pytest
from PySide6.QtCore import Qt

from gui.commands.cli import main

pytestmark = pytest.mark.skipif(os.name != "posix", reason="mode bits are POSIX's")


@pytest.fixture(params=[0o022, 0o077, 0o002])
def umask(request):
    previous = os.umask(request.param)
    yield request.param
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_saved_session_gets_the_umask_s_mode(window, tmp_path, umask):
    path = tmp_path / "session.json"
    assert window.files.save_to(path)
    assert mode(path) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["session.json"]  # no temporary left


@pytest.mark.parametrize("suffix", [".png", ".svg", ".gif"])
def test_window_exports_get_the_umask_s_mode(window, tmp_path, umask, suffix):
    window.backward()
    window.player.to_end()
    path = tmp_path / f"graph{suffix}"
    if suffix == ".gif":
        assert window.files.export_animation_to(path, progress=lambda done, total: True)
    else:
        assert window.files.export_graph_to(path)
    assert mode(path) == 0o666 & ~umask


def test_command_line_exports_and_sessions_too(tmp_path, umask, capsys):
    out, session = tmp_path / "g.png", tmp_path / "s.json"
    assert main(["export", "--x", "arange(4.0)", "--expr", "x.sum()", "--out", str(out)]) == 0
    assert main(["trace", "--x", "arange(4.0)", "--expr", "x.sum()", "--save", str(session)]) == 0
    capsys.readouterr()
    assert mode(out) == mode(session) == 0o666 & ~umask


def test_enter_in_the_export_file_field_exports(window, qtbot, tmp_path):
    window.backward()
    dialog = window.files.export_dialog("graph")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    target = tmp_path / "enter.png"
    dialog.path_edit.setText(str(target))
    dialog.path_edit.setFocus()
    qtbot.waitUntil(dialog.path_edit.hasFocus)
    qtbot.keyClick(dialog.path_edit, Qt.Key_Return)
    assert target.is_file() and not dialog.isVisible()


def test_the_export_folder_is_the_last_one_used_never_the_lessons(window, tmp_path,
                                                                  monkeypatch):
    from gui.resources import LESSONS_DIR

    monkeypatch.chdir(tmp_path)
    window.open_path(str(LESSONS_DIR / "02_chain_rule.py"))
    window.lessons.run_all_action.trigger()
    window.passes.skip_to_last()
    first = window.files.export_dialog("graph")
    assert os.path.dirname(first.path) != str(LESSONS_DIR)
    assert os.path.dirname(first.path) in (str(tmp_path), window.files.export_folder())
    first.deleteLater()
    chosen = tmp_path / "slides"
    chosen.mkdir()
    assert window.files.export_graph_to(chosen / "one.png")
    again = window.files.export_dialog("graph")
    assert os.path.dirname(again.path) == str(chosen)
    again.deleteLater()
