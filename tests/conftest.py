"""Shared fixtures: an isolated data directory with a small demo source database.

The demo data is generated once per session (seed 7, ending at FROZEN_NOW) and
copied into each test's own directory, so tests never share state. The constants
(FROZEN_NOW, DEMO_SPEC, the database URLs) are in tests/support/constants.py; helpers
are in tests/support/, and each folder's conftest.py holds the fixtures of that folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.constants import DEMO_SPEC, FROZEN_NOW
from tui_analytics.config.settings import Settings
from tui_analytics.data.engines import dispose_all, new_engine
from tui_analytics.data.source.demo_data import load_demo_data
from tui_analytics.runtime import redact
from tui_analytics.runtime.clock import FrozenClock


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's real configuration or data directory."""
    for var in list(os.environ):
        if var.startswith("TUI_ANALYTICS_") and not var.startswith("TUI_ANALYTICS_TEST_"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("DISABLE_AUTO_SYNC", raising=False)
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(tmp_path / "default-data"))
    monkeypatch.setenv("TUI_ANALYTICS_LOG_DIR", str(tmp_path / "default-logs"))  # not the platform's log folder
    # Nor the developer's ~/.config/tui-analytics/config.toml or the machine's /etc one.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "default-config"))
    monkeypatch.setattr("tui_analytics.config.discovery.SYSTEM_CONFIG", tmp_path / "etc" / "config.toml")


@pytest.fixture(scope="session")
def demo_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo source database built once per test session (do not write to it)."""
    path = tmp_path_factory.mktemp("demo-template") / "demo.sqlite3"
    engine = new_engine(f"sqlite:///{path}")
    load_demo_data(engine, DEMO_SPEC)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def frozen_clock() -> FrozenClock:
    return FrozenClock(FROZEN_NOW)


@pytest.fixture
def data_dir(tmp_path: Path, demo_db_template: Path) -> Path:
    """A data directory holding a private copy of the demo database."""
    directory = tmp_path / "data"
    directory.mkdir()
    shutil.copy(demo_db_template, directory / "demo.sqlite3")
    return directory


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    """Settings on the private data directory: demo source, SQLite state, UTC."""
    return Settings.for_dir(data_dir, timezone_name="UTC")


@pytest.fixture
def repository(settings: Settings, frozen_clock: FrozenClock):
    from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository

    return AdminAnalyticsOptimizedRepository(settings.source_url, clock=frozen_clock)


@pytest.fixture(autouse=True)
def _dispose_engines():
    yield
    dispose_all()


@pytest.fixture(autouse=True)
def _secrets_forgotten() -> Iterator[None]:
    """Each test's registered secrets end with it: the registry is process-wide, and a short
    password another test configured ("p@sec") would mask words in this test's text."""
    with redact._lock:
        saved = set(redact._known)
    yield
    with redact._lock:
        redact._known.clear()
        redact._known.update(saved)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Slow tests first (stable order otherwise): with two workers, the quick ones then fill
    the gaps at the end instead of one long test running alone."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
