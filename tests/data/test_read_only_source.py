"""A source database is opened read-only and never created (the demo database is the exception)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from tui_analytics.cli import main
from tui_analytics.config.settings import Settings
from tui_analytics.data.source.opening import open_source
from tui_analytics.runtime.errors import DatabaseError


def test_a_missing_source_in_a_missing_directory_creates_nothing(tmp_path):
    url = f"sqlite:///{tmp_path}/nonexistent/dir/x.db"
    settings = Settings.for_dir(tmp_path / "data", database_url=url)
    with pytest.raises(DatabaseError, match="does not exist"):
        open_source(settings)
    assert not (tmp_path / "nonexistent").exists()


def test_a_missing_source_in_an_existing_directory_creates_no_file(tmp_path):
    settings = Settings.for_dir(tmp_path / "data", database_url=f"sqlite:///{tmp_path}/x.db")
    with pytest.raises(DatabaseError, match="does not exist"):
        open_source(settings)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no x.db, -wal, -shm, not even the data dir


def test_the_cli_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TUI_ANALYTICS_DATABASE_URL", f"sqlite:///{tmp_path}/nonexistent/dir/x.db")
    assert main(["export", "top-items", "-o", "-"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"the source database {tmp_path}/nonexistent/dir/x.db does not exist" in err
    assert not (tmp_path / "nonexistent").exists()


def test_a_configured_source_cannot_be_written(data_dir, tmp_path):
    source = data_dir / "demo.sqlite3"
    settings = Settings.for_dir(tmp_path / "data", database_url=f"sqlite:///{source}")
    repository = open_source(settings)
    with repository.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM items").scalar_one() > 0  # reads work
        with pytest.raises(OperationalError, match="readonly"):
            conn.exec_driver_sql("CREATE TABLE written_by_mistake (a INTEGER)")


def test_the_demo_database_is_still_created_on_first_start(tmp_path, monkeypatch):
    import tui_analytics.data.source.opening as sources
    from tui_analytics.data.source.demo_data import DemoSpec

    monkeypatch.setattr(sources, "FIRST_START_DEMO", DemoSpec(users=10, items=5, activities=50))
    settings = Settings.for_dir(tmp_path / "data")
    open_source(settings)
    assert settings.demo_database_path.is_file()
