"""`tui-analytics` with no command: the dashboard."""

from __future__ import annotations

import argparse
import io
import logging
import os
import stat
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import TYPE_CHECKING

from tui_analytics.cli.ownership import foreign_owner
from tui_analytics.cli.web_child import end_with, may_schedule, web_parent, web_user
from tui_analytics.config.settings import Settings, load_settings
from tui_analytics.runtime.errors import ConfigError, SettingsError
from tui_analytics.runtime.quiet_log import OneLineFormatter, RepeatFilter

if TYPE_CHECKING:
    from tui_analytics.ui.access import Access

# The log rotates at this size, keeping this many old files (a dashboard left open for weeks).
LOG_BYTES = 1_000_000
LOG_BACKUPS = 3


class PrivateLog(RotatingFileHandler):
    """The dashboard's log, 0600, appended only to a regular file of ours: never through a symlink
    (someone else's link would have root append to the file it points at)."""

    def _open(self) -> io.TextIOWrapper:
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(self.baseFilename, flags, 0o600)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise OSError(f"the log {self.baseFilename} is not a regular file")
        return open(fd, "a", encoding=self.encoding, errors=self.errors)


def _log_to_file(path: Path, verbose: bool) -> None:
    """Send logging to a file: anything written to stderr would draw over the screen."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = PrivateLog(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")
    handler.addFilter(RepeatFilter())
    handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)


def run_dashboard(args: argparse.Namespace) -> int:
    """Open the dashboard; returns the exit code."""
    parent = web_parent()
    if parent is not None and not end_with(parent):
        return 1  # a browser session's dashboard whose `web` ended before it started: nobody to show it to
    settings = load_settings(getattr(args, "config", None))
    _log_to_file(settings.dashboard_log, bool(getattr(args, "verbose", False)))
    from tui_analytics.runtime.collector import pause_collector

    # Off until the first frame is drawn: what is loaded until then lives as long as the process.
    resume_collector = pause_collector()
    try:
        from tui_analytics.data.state import locking
        from tui_analytics.data.state.last_view import read_last_view
        from tui_analytics.ui import build_app
        from tui_analytics.ui.keymap import check_keymap
        from tui_analytics.ui.preferences import Preferences

        try:
            keymap = check_keymap(settings.keys)  # a mistake in [keys] is one line here, before the screen opens
        except ConfigError as exc:
            raise SettingsError(str(exc)) from None
        locking.set_program("dashboard")  # how other processes name us when we hold the scheduler lock
        foreign = None if getattr(args, "take_over", False) else foreign_owner(settings.data_dir)
        access = _access(args, settings)
        # A read-only dashboard writes nothing: it never schedules; nor does one of another user's data directory.
        if not may_schedule() or foreign is not None or access.read_only:
            locking.never_schedule()
        # The first frame shows what the state database held last (read with sqlite3, before SQLAlchemy loads).
        last_view = read_last_view(settings.resolved_state_url)
        app = build_app(
            settings,
            watch_stalls=True,
            keymap=keymap,
            preferences=Preferences.load(settings.data_dir),
            last_view=last_view,
            after_first_frame=resume_collector,
            access=access,
        )
        if foreign is not None:
            logging.getLogger("tui_analytics.dashboard").warning("%s", foreign)
            app.notify(foreign, severity="warning", timeout=30, markup=False)
        app.run()
        if foreign is not None:  # the screen has gone: the line stays in the terminal
            print(f"tui-analytics: {foreign}", file=sys.stderr)
    finally:
        resume_collector()  # when the app ended (or failed) before its first frame
    return int(app.return_code or 0)


def _access(args: argparse.Namespace, settings: Settings) -> Access:
    """What this dashboard may change: a web viewer's and a read-only one's keys refuse (ui/access.py)."""
    from tui_analytics.runtime.actor import set_face
    from tui_analytics.ui.access import access_for

    session = web_user()
    set_face("web" if session is not None else "tui")
    user, role = session if session is not None else (None, None)
    read_only = bool(getattr(args, "read_only", False)) or settings.access.read_only
    return access_for(read_only=read_only, web_user=user, web_role=role, exports=settings.access.read_only_exports)


__all__ = ["run_dashboard"]
