"""Files written as a normal program writes them: atomically (a temporary file beside the
target, renamed over it) and with the permissions the user's umask gives a new file.

``tempfile.mkstemp`` creates its file owner-only (0600) whatever the umask, so a file
renamed from it would stay unreadable to others: a teacher copying exports into a shared
folder would give students files they cannot open. ``give_normal_mode`` sets what
``open(path, "w")`` would have.

>>> oct(normal_mode(0o022)), oct(normal_mode(0o077))
('0o644', '0o600')
"""

from __future__ import annotations

import os

__all__ = ["normal_mode", "current_umask", "give_normal_mode"]


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
