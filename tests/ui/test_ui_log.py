"""The dashboard's log: in the platform's log folder (or TUI_ANALYTICS_LOG_DIR), rotated, with short stall records."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from logging.handlers import RotatingFileHandler

import pytest

from tui_analytics.cli.dashboard import LOG_BACKUPS, LOG_BYTES, _log_to_file
from tui_analytics.config.settings import load_settings
from tui_analytics.runtime.stall import Stall


def test_the_log_goes_to_the_platform_log_folder_unless_configured(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("TUI_ANALYTICS_LOG_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    settings = load_settings()
    assert settings.dashboard_log == tmp_path / "state" / "tui-analytics" / "log" / "dashboard.log"
    monkeypatch.setenv("TUI_ANALYTICS_LOG_DIR", str(tmp_path / "logs"))
    assert load_settings().dashboard_log == tmp_path / "logs" / "dashboard.log"


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_the_log_rotates_and_keeps_a_few_old_files(tmp_path, restore_logging) -> None:
    path = tmp_path / "logs" / "dashboard.log"
    _log_to_file(path, verbose=False)
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, RotatingFileHandler) and handler.baseFilename == str(path)
    for n in range(LOG_BYTES * (LOG_BACKUPS + 2) // 1000):  # each line different: a repeat is held back
        logging.getLogger("tui_analytics.test").warning(f"{n:08d} " + "x" * 990)
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["dashboard.log"] + [f"dashboard.log.{n}" for n in range(1, LOG_BACKUPS + 1)]
    assert all(p.stat().st_size <= LOG_BYTES + 2000 for p in path.parent.iterdir())


def test_a_stall_is_logged_as_its_place_and_a_few_frames_of_our_code() -> None:
    ours = [f'  File "/srv/app/tui_analytics/ui/mod{n}.py", line {n}, in f{n}\n    do_{n}()\n' for n in range(6)]
    theirs = [f'  File "/usr/lib/python3.11/asyncio/events.py", line {n}, in _run\n    self._context.run()\n' for n in range(10)]
    stall = Stall(540.0, datetime(2026, 12, 1, tzinfo=timezone.utc), tuple(theirs + ours + theirs[:2]))
    text = stall.describe()
    lines = text.splitlines()
    assert lines[0].startswith("event loop stalled 540 ms at")
    assert len(lines) == 4  # the place, then the innermost three frames of our code
    assert "mod5.py" in lines[-1] and "do_5()" in lines[-1] and "mod2.py" not in text
