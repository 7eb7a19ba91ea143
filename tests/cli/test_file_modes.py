"""Every kind of file the product creates, made the way an operator makes it (the commands, the
dashboard's log and theme file), under the usual umask 022: 0600 for what only the owner uses
(databases, locks, logs, preferences), 0640 for what a team may share through a group (exports,
reports, their metadata); nothing is world-readable. docs/deployment.md lists the same."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from tui_analytics.cli import main
from tui_analytics.cli.dashboard import LOG_BACKUPS, PrivateLog
from tui_analytics.ui.preferences import FILE_NAME as PREFERENCES
from tui_analytics.ui.preferences import Preferences

OWNER_ONLY = 0o600
GROUP_READ = 0o640


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture(autouse=True)
def usual_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def kind(path: Path) -> str:
    name = path.name
    if path.is_dir():
        return "folder " + name
    if name.endswith(".lock"):
        return "lock"
    if ".sqlite3" in name:
        return "database"
    if "dashboard.log" in name:
        return "log"
    if name == PREFERENCES:
        return "preferences"
    assert path.parent.name in {"exports", "reports"}, path
    return path.parent.name[:-1]  # export, report


def test_every_file_the_product_creates_is_0600_or_0640_never_world_readable(data_dir, monkeypatch, capsys) -> None:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TUI_ANALYTICS_TIMEZONE", "UTC")
    for argv in (
        ["export", "top-items", "--metadata"],
        ["export", "user-growth", "--format", "json", "--gzip"],
        ["export", "recent-activity", "--format", "json", "--limit", "5"],
        ["report", "run", "daily-activity-summary"],
        ["report", "run", "monthly-comprehensive"],
    ):
        assert main(argv) == 0, capsys.readouterr().err
    log = PrivateLog(data_dir / "dashboard.log", maxBytes=200, backupCount=LOG_BACKUPS, encoding="utf-8")
    for n in range(20):  # past maxBytes: the rotated files too
        log.emit(logging.makeLogRecord({"msg": f"line {n} " + "x" * 40}))
    log.close()
    prefs = Preferences.load(data_dir)
    assert prefs.save_theme("textual-light") is None

    made = {path: kind(path) for path in data_dir.rglob("*") if path.name != "demo.sqlite3"}  # the fixture's copy
    kinds = set(made.values())
    assert {"database", "lock", "log", "preferences", "export", "report", "folder exports", "folder reports"} <= kinds, kinds
    assert (data_dir / "dashboard.log.1").exists()
    expected = {"database": OWNER_ONLY, "lock": OWNER_ONLY, "log": OWNER_ONLY, "preferences": OWNER_ONLY}
    expected |= {"export": GROUP_READ, "report": GROUP_READ, "folder exports": 0o750, "folder reports": 0o750}
    wrong = {
        f"{path.relative_to(data_dir)} ({what})": oct(mode(path)) for path, what in made.items() if mode(path) != expected[what]
    }
    assert wrong == {}
    assert all(mode(path) & 0o007 == 0 for path in made)
