"""The scheduler lock is taken beside the real state file: two data directories that reach one
state file through a symlink (of the directory, or of the file) never both schedule."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_analytics.config.settings import Settings
from tui_analytics.data.state import locking
from tui_analytics.data.state.database import open_state


def linked_dir(real: Path, tmp_path: Path, how: str) -> Path:
    if how == "directory symlink":
        other = tmp_path / "other-data"
        other.symlink_to(real, target_is_directory=True)
        return other
    other = tmp_path / "other-data"
    other.mkdir()
    (other / "state.sqlite3").symlink_to(real / "state.sqlite3")
    return other


@pytest.mark.parametrize("how", ["directory symlink", "file symlink"])
def test_two_data_dirs_on_one_state_file_meet_on_one_lock(tmp_path, how):
    real = tmp_path / "data"
    real.mkdir()
    first_settings = Settings.for_dir(real)
    open_state(first_settings)
    second_settings = Settings.for_dir(linked_dir(real, tmp_path, how))
    assert second_settings.resolved_state_url != first_settings.resolved_state_url
    first = locking.SchedulerLock(first_settings.resolved_state_url)
    second = locking.SchedulerLock(second_settings.resolved_state_url)
    try:
        assert first.join("dashboard one")
        assert not second.join("dashboard two")  # the same file: read-only
        holder = second.holder()
        assert holder is not None and holder.pid == first.me.pid
        first.leave("dashboard one")
        assert second.refresh()  # the holder went: the second one takes over
    finally:
        first.release()
        second.release()
