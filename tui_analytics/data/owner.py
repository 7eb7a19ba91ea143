"""Files root makes in another user's data directory belong to that user.

A root shell or dashboard may open a service's data directory first (to look, or attached to the
service): the lock and database files it creates there would be root's 0600 files, which the
service could then not open ("unable to open database file"). So, as SQLite does for the -wal and
-shm files it makes as root, a file this process has just created is given to the owner of its
directory. Other users cannot give files away, and need not: theirs is the permission problem.
"""

from __future__ import annotations

import os
from contextlib import suppress
from pathlib import Path


def give_to_directory_owner(fd: int, directory: Path) -> None:
    """Make the new file open as `fd` belong to `directory`'s owner and group, when this process
    is root and the directory is someone else's (best effort: a failure leaves it root's)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    with suppress(OSError):
        info = directory.stat()
        if info.st_uid != 0:
            os.fchown(fd, info.st_uid, info.st_gid)
