"""A dashboard that `tui-analytics web` started for one browser session (web_session.py starts it).

`web` names itself in the dashboard's environment, and says whether browser dashboards may schedule:

- the dashboard ends when `web` ends, however `web` ends (kill -9 included). Left running, each one
  kept its memory and, when it scheduled, the scheduler lock: `serve` could not take over;
- unless `web --schedule`, it never takes the scheduler lock: a browser tab, opened by anyone who can
  reach the page, does not decide which process runs the jobs and reports. It attaches to the process
  that schedules (`serve`, a terminal dashboard), or shows the data without scheduling.

Kept free of heavy imports: the dashboard reads it first thing.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import threading
import time
from collections.abc import Mapping

PARENT_VARIABLE = "TUI_ANALYTICS_WEB_PARENT"  # the pid of the `web` process that started this dashboard
SCHEDULE_VARIABLE = "TUI_ANALYTICS_WEB_SCHEDULE"  # "1": `web --schedule`, this dashboard may take the scheduler lock
USER_VARIABLE = "TUI_ANALYTICS_WEB_USER"  # who logged in to `web` (runtime/actor.py names them in the audit log)
ROLE_VARIABLE = "TUI_ANALYTICS_WEB_ROLE"  # their role: "viewer" (a read-only dashboard) or "operator"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
EXIT_GRACE_SECONDS = 3.0  # after `web` ended: how long the dashboard's own quit may take before a hard exit


def child_environment(parent: int, schedule: bool, user: str = "", role: str = "operator") -> dict[str, str]:
    """What `web` adds to the environment of a session's dashboard: who started it, whether it may
    schedule, and the user who logged in with their role."""
    return {
        PARENT_VARIABLE: str(parent),
        SCHEDULE_VARIABLE: "1" if schedule else "0",
        USER_VARIABLE: user,
        ROLE_VARIABLE: role,
    }


def web_user(environ: Mapping[str, str] = os.environ) -> tuple[str, str] | None:
    """(user, role) of a browser session's dashboard; None for a dashboard in a terminal. A role
    that is not "operator" is a viewer's: a session `web` did not name is read-only."""
    if web_parent(environ) is None:
        return None
    role = environ.get(ROLE_VARIABLE, "")
    return environ.get(USER_VARIABLE, ""), "operator" if role == "operator" else "viewer"


def web_parent(environ: Mapping[str, str] = os.environ) -> int | None:
    """The pid of the `web` process that started this dashboard, or None for a dashboard in a terminal."""
    text = environ.get(PARENT_VARIABLE, "")
    return int(text) if text.isdigit() else None


def may_schedule(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether this dashboard may take the scheduler lock (always, outside `web`)."""
    return web_parent(environ) is None or environ.get(SCHEDULE_VARIABLE) == "1"


def end_with(parent: int) -> bool:
    """End this process when `parent` ends: SIGTERM at once (handled as `q`: interrupted work is
    recorded), and a hard exit EXIT_GRACE_SECONDS later if that quit has not finished.

    False when `parent` has ended already: both watches only cover a parent that ends after they
    are set, and this process could have been orphaned between its start and here. Off Linux
    neither is available; `web` still ends its sessions' dashboards whenever it stops normally.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):  # no libc by that name, or no prctl in it
            pass
        _exit_after(parent)
    # The parent is `web` itself: the session's shell execs the dashboard (web_cmd.dashboard_command).
    return os.getppid() == parent


def _exit_after(parent: int) -> None:
    """A thread that waits (blocked, no polling) for `parent` to end, then gives the quit that
    SIGTERM started EXIT_GRACE_SECONDS before ending the process: a quit that hangs (its output
    goes nowhere now) must not keep the process, or the scheduler lock it may hold, alive."""
    try:
        watched = os.pidfd_open(parent)  # Linux 5.3 or later
    except (AttributeError, OSError):
        return

    def watch() -> None:
        select.select([watched], [], [])
        time.sleep(EXIT_GRACE_SECONDS)
        os._exit(128 + int(signal.SIGTERM))

    threading.Thread(target=watch, name="tui-analytics web parent", daemon=True).start()


__all__ = ["child_environment", "end_with", "may_schedule", "web_parent", "web_user"]
