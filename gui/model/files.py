"""Files written as a normal program writes them: atomically (a temporary file beside the
target, renamed over it) and with the permissions the user's umask gives a new file.

``write_atomically(path, text)`` writes sessions and trace files, and ``atomic_target(path)``
gives exports (PNG, SVG, PDF, GIF, MP4) a temporary path under the same rules: a full
disk or a kill mid-write leaves the old file as it was; a symbolic link is written
through (its target is replaced, beside itself, and the link stays a link); a file that
exists keeps its mode, a new one gets the umask's. A kill can still leave a temporary
behind: ours are named ``.NAME.autograd-viz-PID-XXXX.tmp``, and each write removes those of
its folder whose writer is gone or that are over an hour old (``remove_stale_temporaries``).

``tempfile.mkstemp`` creates its file owner-only (0600) whatever the umask, so a file
renamed from it would stay unreadable to others: a teacher copying exports into a shared
folder would give students files they cannot open. ``give_normal_mode`` sets what
``open(path, "w")`` would have.

>>> oct(normal_mode(0o022)), oct(normal_mode(0o077))
('0o644', '0o600')
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from pathlib import Path

__all__ = ["normal_mode", "current_umask", "give_normal_mode", "write_atomically", "atomic_target",
           "remove_stale_temporaries", "TEMPORARY_MARK", "STALE_AFTER_SECONDS"]

TEMPORARY_MARK = ".autograd-viz-"
STALE_AFTER_SECONDS = 3600.0
_TEMPORARY = re.compile(r"^\..*\.autograd-viz-(\d+)-[^.]*\.tmp(\.[A-Za-z0-9]{1,8})?$")


def current_umask() -> int:
    """The process's umask (read by setting it and putting it back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def normal_mode(umask: int | None = None) -> int:
    """The mode a new file gets: 0o666 without the umask's bits."""
    return 0o666 & ~(current_umask() if umask is None else umask)


def give_normal_mode(path_or_descriptor) -> None:
    """Give a temporary file from ``mkstemp`` the mode a new file would have."""
    if os.name != "posix":
        return  # Windows has no mode bits to speak of
    if isinstance(path_or_descriptor, int):
        os.fchmod(path_or_descriptor, normal_mode())
    else:
        os.chmod(path_or_descriptor, normal_mode())


@contextlib.contextmanager
def atomic_target(path, keep_suffix: bool = False):
    """Yield a temporary path beside ``path`` (a symbolic link's target) to write; on success
    it is renamed over the target, on any exception removed. ``keep_suffix`` ends its name
    with the target's suffix too, for writers that read the format from it (ffmpeg).
    The rules are ``write_atomically``'s: permissions, links, stale temporaries.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_target(folder / "a.txt") as temporary:
    ...     _ = temporary.write_text("done")
    >>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
    ('done', ['a.txt'])
    """
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    remove_stale_temporaries(folder)
    try:
        mode = os.stat(target).st_mode & 0o7777  # an existing file keeps its permissions
    except OSError:
        mode = None
    suffix = ".tmp" + (target.suffix if keep_suffix else "")
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name[:100]}{TEMPORARY_MARK}{os.getpid()}-", suffix=suffix, dir=folder)
    temporary = Path(name)
    try:
        if os.name == "posix":
            os.fchmod(handle, normal_mode() if mode is None else mode)
        os.close(handle)
        yield temporary
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def write_atomically(path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8 with ``\\n`` lines, or bytes) to ``path`` atomically and
    return the file really written (a symbolic link's target). Raises ``OSError``, leaving
    any existing file as it was.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_atomically(folder / "a.json", "{}\\n").read_text()
    '{}\\n'
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_target(path) as temporary:
        handle = os.open(temporary, os.O_WRONLY | getattr(os, "O_BINARY", 0))
        try:
            view = memoryview(raw)
            while view:
                view = view[os.write(handle, view):]
            os.fsync(handle)
        finally:
            os.close(handle)
    return Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)


def remove_stale_temporaries(folder, *, now: float | None = None) -> int:
    """Remove our own temporaries left in ``folder`` by a writer that was killed: those whose
    process is gone, or older than ``STALE_AFTER_SECONDS``. Returns how many went."""
    now = time.time() if now is None else now
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match is None:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            old = now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER_SECONDS
            if old or not _process_alive(int(match.group(1))):
                os.unlink(entry.path)
                removed += 1
        except OSError:
            continue
    return removed


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (POSIX; elsewhere only the age decides)."""
    if os.name != "posix":
        return True  # Windows' os.kill(pid, 0) would end the process: never ask it there
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True
