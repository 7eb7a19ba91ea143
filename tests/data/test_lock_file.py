"""The scheduler lock file cannot be held by another local user, and a stale note names nobody.

flock works on a read-only descriptor: a user who could open the lock file could hold the lock,
and every `serve` would then name, as the holder, whichever process wrote the note last.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui_analytics.config.settings import Settings
from tui_analytics.data.state import locking
from tui_analytics.data.state.database import open_state

LOCK_NAME = "state.sqlite3.scheduler.lock"


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A data directory any local user may look into (pytest's own tmp_path is its owner's only)."""
    directory = Path(tempfile.mkdtemp(prefix="tui-analytics-lock-", dir="/tmp"))
    directory.chmod(0o755)
    try:
        yield directory
    finally:
        for path in sorted(directory.rglob("*"), reverse=True):
            path.unlink() if not path.is_dir() or path.is_symlink() else path.rmdir()
        directory.rmdir()


def _lock(directory: Path) -> locking.SchedulerLock:
    settings = Settings.for_dir(directory)
    open_state(settings)
    return locking.SchedulerLock(settings.resolved_state_url)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_lock_file_is_created_for_its_user_alone(shared_dir: Path) -> None:
    lock = _lock(shared_dir)
    try:
        assert lock.join("serve")
        assert _mode(shared_dir / LOCK_NAME) == 0o600
        assert _mode(shared_dir / "state.sqlite3.presence.lock") == 0o600  # the other lock file there
    finally:
        lock.release()


def test_a_lock_file_of_ours_open_to_others_is_tightened(shared_dir: Path) -> None:
    path = shared_dir / LOCK_NAME
    path.write_text("")
    path.chmod(0o666)
    lock = _lock(shared_dir)
    try:
        assert lock.join("serve")
        assert _mode(path) == 0o600
    finally:
        lock.release()


def test_a_lock_file_that_is_a_symlink_is_not_followed(shared_dir: Path) -> None:
    target = shared_dir / "elsewhere"
    target.write_text("keep me")
    target.chmod(0o644)
    (shared_dir / LOCK_NAME).symlink_to(target)
    lock = _lock(shared_dir)
    try:
        assert not lock.join("serve")
        assert lock.last_error is not None and "symlink" in lock.last_error
    finally:
        lock.release()
    assert target.read_text() == "keep me" and _mode(target) == 0o644


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to act as another user")
def test_another_user_cannot_hold_the_lock(shared_dir: Path) -> None:
    import pwd

    nobody = pwd.getpwnam("nobody")
    lock = _lock(shared_dir)
    lock.join("serve")
    lock.release()  # free, as between two runs of serve: anyone who can open the file could take it now
    path = shared_dir / LOCK_NAME
    pid = os.fork()
    if pid == 0:  # the child: as nobody, try what the attack did
        code = 3
        try:
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            path.stat()  # the directory lets nobody in: a refusal below is the file's own
            fd = os.open(path, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            code = 0  # held it
        except PermissionError:
            code = 1
        except BaseException:
            code = 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 1, "nobody could open the lock file (0 held it; 2: could not even look)"


def test_a_holder_whose_process_has_ended_is_not_named(shared_dir: Path) -> None:
    """Someone holds the lock under a note a process that has ended left behind."""
    lock = _lock(shared_dir)
    path = shared_dir / LOCK_NAME
    lock.join("serve")
    lock.release()
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(ended.stdout)
    note = {"pid": dead_pid, "host": locking.LockHolder.mine().host, "program": "serve", "since": "2026-01-01T00:00:00+00:00"}
    path.write_text(json.dumps(note))
    squatter = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(squatter, fcntl.LOCK_EX | fcntl.LOCK_NB)
        other = _lock(shared_dir)
        assert not other.join("serve")  # held: by the squatter
        holder = other.holder()
        assert holder is not None and holder.pid != dead_pid
        assert f"pid {dead_pid}" not in holder.describe() and "serve" not in holder.describe()
        assert holder.describe() == "an unknown process (the note in the lock file is stale)"
        other.release()
    finally:
        os.close(squatter)


def test_a_holder_whose_process_is_alive_is_named(shared_dir: Path) -> None:
    first, second = _lock(shared_dir), _lock(shared_dir)
    try:
        assert first.join("serve")
        assert not second.join("dashboard")
        holder = second.holder()
        assert holder is not None and holder.pid == os.getpid()
        assert holder.describe().startswith(f"{holder.program} (pid {os.getpid()} on ")
    finally:
        first.release()
        second.release()


def test_a_process_that_never_schedules_never_takes_the_lock(shared_dir: Path, monkeypatch) -> None:
    """A browser session's dashboard (without `web --schedule`): read-only even with the lock free."""
    monkeypatch.setattr(locking, "_may_schedule", True)  # put back after the test
    browser = _lock(shared_dir)
    locking.never_schedule()
    assert not browser.join("dashboard")
    assert not browser.refresh()  # nor on the periodic look for a free lock
    assert browser.holder() is None  # free: nobody schedules
    assert not (shared_dir / LOCK_NAME).exists() or (shared_dir / LOCK_NAME).read_text() == ""
    monkeypatch.setattr(locking, "_may_schedule", True)
    try:
        assert browser.join("dashboard")  # the lock itself was free all along
    finally:
        browser.release()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_lock_file_that_is_not_a_regular_file_is_refused(shared_dir: Path) -> None:
    os.mkfifo(shared_dir / LOCK_NAME)  # opens read-write like a file would
    lock = _lock(shared_dir)
    try:
        assert not lock.join("serve")
        assert lock.last_error is not None and "not a regular file" in lock.last_error
    finally:
        lock.release()
