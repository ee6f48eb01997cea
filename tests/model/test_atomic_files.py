"""gui.model.files.write_atomically, the writer of sessions and trace files (issue 11):
a failure leaves the old file, a link is written through, modes are a normal program's,
and temporaries a killed writer left behind are cleaned up on the next write."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time

import pytest

import gui.model.files as files
from gui.model.files import remove_stale_temporaries, write_atomically
from gui.model.session_file import SessionData, SessionFileError, load_session, save_session

posix = pytest.mark.skipif(os.name != "posix", reason="modes, links and PIDs as on POSIX")


def leftovers(folder):
    return sorted(name for name in os.listdir(folder) if files.TEMPORARY_MARK in name)


def session(expression="x.sum()"):
    return SessionData(variables={"x": "arange(4.0)"}, expression=expression)


def test_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    save_session(path, session())
    before = path.read_bytes()

    def full(descriptor, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "write", full)
    with pytest.raises(SessionFileError, match="No space left on device"):
        save_session(path, session("x.exp().sum()"))
    with pytest.raises(OSError):
        write_atomically(tmp_path / "trace.json", "{}")
    assert path.read_bytes() == before and not (tmp_path / "trace.json").exists()
    assert leftovers(tmp_path) == []


@posix
def test_saving_over_a_link_writes_through_it(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "lecture.json"
    save_session(target, session())
    link = tmp_path / "link.json"
    link.symlink_to(os.path.join("real", "lecture.json"))
    save_session(link, session("x.exp().sum()"))
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "lecture.json")
    assert load_session(target).expression == "x.exp().sum()"
    assert leftovers(tmp_path) == leftovers(tmp_path / "real") == []


@posix
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_modes_are_a_normal_program_s(tmp_path, umask):
    previous = os.umask(umask)
    try:
        new = write_atomically(tmp_path / "new.json", "{}")
        assert new.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600
        kept = tmp_path / "kept.json"
        kept.write_text("old")
        kept.chmod(0o640)
        save_session(kept, session())
        assert kept.stat().st_mode & 0o777 == 0o640  # an existing file keeps its mode
    finally:
        os.umask(previous)


@posix
def test_temporaries_of_a_killed_writer_go_on_the_next_save(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    dead = tmp_path / f".s.json{files.TEMPORARY_MARK}{gone}-abc123.tmp"
    old = tmp_path / f".s.json{files.TEMPORARY_MARK}{os.getpid()}-old.tmp"
    live = tmp_path / f".s.json{files.TEMPORARY_MARK}{os.getpid()}-live.tmp"
    theirs = tmp_path / ".s.json.abc.tmp"  # not ours: never touched
    for path in (dead, old, live, theirs):
        path.write_text("half a session")
    hours_ago = time.time() - 2 * files.STALE_AFTER_SECONDS
    os.utime(old, (hours_ago, hours_ago))
    save_session(tmp_path / "s.json", session())
    assert not dead.exists() and not old.exists()
    assert live.exists() and theirs.exists()  # a writer still at work keeps its file
    assert remove_stale_temporaries(tmp_path / "missing") == 0


@posix
def test_a_save_killed_halfway_leaves_only_what_the_next_save_removes(tmp_path):
    """A real writer killed while writing: the old file is intact, the next save tidies."""
    path = tmp_path / "s.json"
    save_session(path, session())
    before = path.read_bytes()
    code = ("import os, sys, time\n"
            "import gui.model.files as files\n"
            "real = os.write\n"
            "def slow(fd, data):\n"
            "    print('writing', flush=True); time.sleep(60); return real(fd, data)\n"
            "files.os.write = slow\n"
            f"files.write_atomically({str(path)!r}, 'new')\n")
    writer = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                              cwd=os.path.dirname(os.path.dirname(os.path.dirname(
                                  os.path.abspath(__file__)))))
    try:
        assert writer.stdout.readline().strip() == "writing"
    finally:
        writer.kill()
        writer.wait(timeout=30)
        writer.stdout.close()
    assert path.read_bytes() == before and len(leftovers(tmp_path)) == 1
    save_session(path, session("x.exp().sum()"))
    assert leftovers(tmp_path) == [] and load_session(path).expression == "x.exp().sum()"
