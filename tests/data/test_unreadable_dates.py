"""An impossible stored date (SQLite text '2026-02-30 10:00:00') is counted and said: left out of the
activity trends (not dropped in silence, not moved to 2 March by SQLite's date arithmetic), warned
about once per refresh by the job, and counted by `source check`."""

from __future__ import annotations

import json
import logging
import sqlite3
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from tui_analytics.cli import main
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.processor import AnalyticsBackgroundProcessor
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.events import EventBus

NOW = datetime(2026, 3, 5, 12, 0, tzinfo=timezone.utc)  # the last 7 days: 27 Feb .. 5 Mar


@pytest.fixture
def source(settings):
    """The demo source with one real activity on 2 March and one on the impossible 30 February."""
    path = settings.data_dir / "demo.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO activities (user_id, item_id, action, created_at) VALUES (1, 1, 'view', '2026-03-02 09:00:00.000000')"
        )
        db.execute(
            "INSERT INTO activities (user_id, item_id, action, created_at) VALUES (1, 1, 'view', '2026-02-30 10:00:00.000000')"
        )
    return settings.source_url


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin"])  # Berlin: SQLite's date arithmetic would move it to 2 March
def test_the_trends_leave_an_impossible_date_out_and_count_it(source, zone) -> None:
    repo = AdminAnalyticsOptimizedRepository(source, clock=FrozenClock(NOW), zone=ZoneInfo(zone))
    rows = {row["date"]: row["activities"] for row in repo.activity_trends(7)}
    assert rows["2026-03-02"] == 1 and sum(rows.values()) == 1, rows
    assert "2026-02-30" not in rows
    assert repo.unreadable["activity_trends"] == 1


async def test_the_job_says_how_many_rows_were_unreadable_once_per_refresh(source, settings, caplog) -> None:
    repo = AdminAnalyticsOptimizedRepository(source, clock=FrozenClock(NOW))
    processor = AnalyticsBackgroundProcessor(
        settings, repository=repo, clock=FrozenClock(NOW), bus=EventBus(), autostart=False, probe_loop_lag=False
    )
    caplog.set_level(logging.WARNING, logger="tui_analytics")
    run = await processor.trigger_job("activity-trends")
    assert run.status == "completed"
    said = [r.getMessage() for r in caplog.records if "no real date" in r.getMessage()]
    assert said and all(": 1 source row left out: the stored time is no real date" in line for line in said), said
    assert len(said) == len(run.detail["unreadable"])  # one line per refreshed dataset, no more
    assert set(run.detail["unreadable"].values()) == {1}


def test_source_check_counts_the_unreadable_rows(source, settings, capsys, monkeypatch) -> None:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    assert main(["source", "check", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    counts = {e["entity"]: e["unreadable"] for e in report["entities"]}
    assert counts["activities"] == 1 and counts["users"] == 0, counts
    assert main(["source", "check"]) == 0
    out = capsys.readouterr().out
    assert "WARNING: 1 row with a time that is no real date (such as 2026-02-30): left out of the datasets" in out
