"""`tui-analytics demo-data` never fills the state database, and checks every value before writing."""

from __future__ import annotations

import sqlite3

import pytest

from tui_analytics.cli import main
from tui_analytics.data.state.database import open_state


@pytest.fixture
def env(settings, monkeypatch):
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    open_state(settings)
    return settings


def error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unexpected" not in err and "Traceback" not in err
    return err.strip()


def test_the_live_state_database_is_refused(env, tmp_path, capsys):
    state = env.data_dir / "state.sqlite3"
    before = state.read_bytes()
    link = tmp_path / "state-link.db"
    link.symlink_to(state)
    for target in (state, link):
        assert main(["demo-data", "--url", f"sqlite:///{target}", "-q"]) == 1
        assert "refusing to write demo data into the state database" in error_line(capsys)
    assert state.read_bytes() == before


def test_another_state_database_is_refused_by_its_tables(env, tmp_path, capsys):
    other = tmp_path / "copy-of-a-state.sqlite3"
    with sqlite3.connect(env.data_dir / "state.sqlite3") as source, sqlite3.connect(other) as copy:
        source.backup(copy)  # the tables may still be in the -wal file: a byte copy could miss them
    before = other.read_bytes()
    assert main(["demo-data", "--url", f"sqlite:///{other}", "-q"]) == 1
    assert "is a tui-analytics state database" in error_line(capsys)
    assert other.read_bytes() == before


@pytest.mark.parametrize(
    "args, expect",
    [
        (["--end", "9999-12-31"], "leaves no room for 18 months of history"),
        (["--end", "9999-12-31T23:59:59-01:00"], "leaves no room for 18 months of history"),
        (["--end", "0001-01-05"], "leaves no room for 18 months of history"),
        (["--months", "100000"], "--months must be a whole number between 1 and"),
        (["--users", "0"], "--users must be a whole number between 1 and"),
        (["--activities", "99999999999999"], "--activities must be a whole number between 1 and"),
    ],
)
def test_out_of_range_values_are_refused_before_anything_is_written(env, tmp_path, capsys, args, expect):
    target = tmp_path / "target.db"
    assert main(["demo-data", "--url", f"sqlite:///{target}", "-q", *args]) == 1
    assert expect in error_line(capsys)
    assert not target.exists()  # not even created, let alone half-filled


def test_the_latest_end_that_fits_works(env, tmp_path, capsys):
    target = tmp_path / "target.db"
    assert (
        main(
            [
                "demo-data",
                "--url",
                f"sqlite:///{target}",
                "-q",
                "--end",
                "9999-12-29",
                "--users",
                "20",
                "--items",
                "5",
                "--activities",
                "100",
            ]
        )
        == 0
    )
    assert "wrote 20 users, 5 items, 100 activities" in capsys.readouterr().out
