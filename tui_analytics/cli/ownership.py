"""Who may take over scheduling: the OS user that owns the data directory.

A dashboard or `serve` started as another user (root over a service's /var/lib/tui-analytics)
would write reports, exports and logs that the owner can no longer replace, so it does not take
the scheduler lock unless `--take-over` says to; it says so in one line naming both users.
"""

from __future__ import annotations

import os
from pathlib import Path

TAKE_OVER_HELP = "schedule even when the data directory belongs to another OS user (files made then belong to you)"


def user_name(uid: int) -> str:
    """The account name of `uid`, or `uid 61234` when it has none (a systemd DynamicUser= that is not running)."""
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def foreign_owner(data_dir: Path, uid: int | None = None) -> str | None:
    """One line when `data_dir` exists and belongs to another user than `uid` (this process's), else None."""
    me = os.geteuid() if uid is None else uid
    try:
        owner = data_dir.stat().st_uid
    except OSError:  # not made yet (this process will make it, as its own) or unreadable: nothing to protect
        return None
    if owner == me:
        return None
    return (
        f"the data directory {data_dir} belongs to {user_name(owner)}, this process runs as {user_name(me)}: "
        "not taking over scheduling (--take-over to schedule anyway)"
    )
