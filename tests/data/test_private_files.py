"""What the product writes about the operator's data is not world-readable: the state database
(and its -wal/-shm) and the dashboard's log 0600 in 0700 folders, exports and reports 0640 in 0750
folders; the log is never appended through a symlink. Every kind at once, from the commands:
tests/cli/test_file_modes.py."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from tui_analytics.cli.dashboard import PrivateLog
from tui_analytics.data.engines import new_engine
from tui_analytics.export import AnalyticsExportService, ExportOptions
from tui_analytics.export.files import save_export


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture(autouse=True)
def open_umask():
    old = os.umask(0o022)  # the usual umask: what made the files 0644
    yield
    os.umask(old)


def test_a_new_sqlite_database_and_its_folder_are_private(tmp_path) -> None:
    from sqlalchemy import text

    path = tmp_path / "new" / "state.sqlite3"
    engine = new_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("PRAGMA journal_mode=WAL"))
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    assert mode(path.parent) == 0o700 and mode(path) == 0o600
    for side in ("-wal", "-shm"):
        extra = path.with_name(path.name + side)
        if extra.exists():
            assert mode(extra) == 0o600, side
    engine.dispose()


def test_an_existing_database_keeps_its_mode(tmp_path) -> None:
    path = tmp_path / "theirs.sqlite3"
    path.touch(mode=0o640)
    os.chmod(path, 0o640)
    new_engine(f"sqlite:///{path}").dispose()
    assert mode(path) == 0o640  # the operator's file, the operator's choice


async def test_exports_and_reports_are_0640_in_0750_folders_whatever_the_umask(settings, repository, tmp_path) -> None:
    exports = AnalyticsExportService(repository, settings=settings)
    result = await exports.export_top_items(3, ExportOptions(include_metadata=True))
    for umask in (0o022, 0o000):  # the usual umask, and one that would make them world-writable
        os.umask(umask)
        folder = tmp_path / f"reports-{umask:o}"
        path = save_export(result, folder)
        assert mode(folder) == 0o750 and mode(path) == 0o640
        assert mode(path.with_name(path.name + ".meta.json")) == 0o640
    private = save_export(result, tmp_path / "private", private=True)
    assert mode(private.parent) == 0o700 and mode(private) == 0o600


def test_the_log_is_private_and_never_written_through_a_symlink(tmp_path) -> None:
    log = tmp_path / "dashboard.log"
    handler = PrivateLog(log, maxBytes=1000, backupCount=1, encoding="utf-8")
    handler.emit(logging.makeLogRecord({"msg": "hello"}))
    handler.close()
    assert mode(log) == 0o600 and "hello" in log.read_text()

    target = tmp_path / "someone-elses-file"
    target.write_text("theirs\n")
    link = tmp_path / "linked.log"
    link.symlink_to(target)
    with pytest.raises(OSError):
        PrivateLog(link, maxBytes=1000, backupCount=1, encoding="utf-8")
    assert target.read_text() == "theirs\n"


def test_a_data_folder_the_product_creates_is_private(tmp_path) -> None:
    from tui_analytics.data.state.lock_backends import open_lock_file

    folder = tmp_path / "fresh-data"
    os.close(open_lock_file(folder / "state.sqlite3.scheduler.lock"))  # the first thing a start makes
    assert mode(folder) == 0o700
