"""The last known view: written by the scheduling process, read by a starting dashboard.

The writer is the channel of the process that schedules (channel/service.py); the reader
(data/state/last_view.py) uses only the standard library's sqlite3, as a dashboard does before
SQLAlchemy is imported.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.wiring.test_channel import _look, pair  # noqa: F401  (pair is a fixture)
from tui_analytics.config.settings import Settings
from tui_analytics.data.state.database import open_state
from tui_analytics.data.state.last_view import VIEW_KEY, read_last_view, state_file
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.ui.first_view import first_view


async def test_the_scheduling_process_stores_what_its_panes_show(pair) -> None:  # noqa: F811
    scheduler, attached = pair
    await scheduler.processor.trigger_job("top-items")
    await asyncio.to_thread(scheduler.channel.flush)
    last = read_last_view(scheduler.settings.resolved_state_url)
    assert last is not None and last.view is not None
    view: Any = last.view  # a JSON document: the test reads it by its known shape
    jobs = {j["id"]: j for j in view["jobs"]}
    assert jobs["top-items"]["status"] == "completed" and jobs["top-items"]["runs"] == 1
    assert view["jobMetrics"]["total_jobs"] == 1
    assert view["cache"]["size"] == scheduler.processor.cache.stats().size
    assert {t["id"] for t in view["reports"]["templates"]} == {t.id for t in scheduler.reports.get_report_templates()}
    assert [e.key for e in last.snapshot] == ["top-items:10"]
    assert last.snapshot[0].stored_at == scheduler.processor.get_cached("top-items:10").stored_at

    # A template made by another process reaches the scheduler as a relayed event: the next
    # view lists it (the Reports part is read again only after such an event).
    template = await asyncio.to_thread(
        attached.reports.create_report_template, name="Nightly", schedule="daily", datasets=["top-items"], format="csv"
    )
    await asyncio.to_thread(attached.channel.flush)
    await _look(scheduler)
    await scheduler.processor.trigger_job("user-growth")
    await asyncio.to_thread(scheduler.channel.flush)
    again = read_last_view(scheduler.settings.resolved_state_url)
    assert again is not None and again.view is not None
    seen: Any = again.view
    assert template.id in {t["id"] for t in seen["reports"]["templates"]}
    assert seen["reports"]["schedules"][template.id] == "At 09:00"


async def test_a_dashboard_that_does_not_schedule_writes_no_view(pair) -> None:  # noqa: F811
    scheduler, attached = pair
    await asyncio.to_thread(
        attached.reports.create_report_template, name="Nightly", schedule="daily", datasets=["top-items"], format="csv"
    )
    await asyncio.to_thread(attached.channel.flush)
    last = read_last_view(attached.settings.resolved_state_url)
    assert last is not None and last.view is None


def test_the_first_view_is_built_from_what_was_stored(settings: Settings, frozen_clock: FrozenClock) -> None:
    engine = open_state(settings)
    now = frozen_clock.now()
    job = {
        "id": "top-items",
        "name": "Top Items",
        "status": "completed",
        "last_run": now.isoformat(),
        "next_run": (now - timedelta(minutes=1)).isoformat(),
        "duration_ms": 9.0,
        "recent_durations_ms": [9.0],
    }
    later = dict(job, id="user-growth", next_run=(now + timedelta(minutes=5)).isoformat())
    view = {
        "version": 1,
        "writtenAt": now.isoformat(),
        "jobs": [job, later],
        "jobMetrics": {
            "total_jobs": 2,
            "successful_jobs": 2,
            "failed_jobs": 0,
            "average_job_duration_ms": 9.0,
            "last_cleanup": None,
        },
        "cache": {"size": 1, "maxsize": 256, "hits": 0, "misses": 0, "stale": 0},
        "performance": None,
        "reports": {"templates": [], "history": [], "statistics": None, "schedules": {}},
    }
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO app_meta (key, value) VALUES (?, ?)", (VIEW_KEY, json.dumps(view)))
        for key, expires in (("top-items:10", now + timedelta(minutes=5)), ("gone:1", now - timedelta(seconds=1))):
            conn.exec_driver_sql(
                "INSERT INTO cache_snapshot (key, value, stored_at, expires_at, ttl, stale) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    key,
                    '[{"rank": 1}]',
                    (now - timedelta(minutes=1)).replace(tzinfo=None).isoformat(sep=" "),
                    expires.replace(tzinfo=None).isoformat(sep=" "),
                    300.0,
                    0,
                ),
            )
    last = read_last_view(settings.resolved_state_url)
    assert last is not None
    first = first_view(last, now)
    assert first is not None
    assert [(s.id, s.next_run) for s in first.jobs] == [("top-items", None), ("user-growth", now + timedelta(minutes=5))]
    assert first.metrics.jobs is not None and first.metrics.jobs.total_jobs == 2
    assert list(first.entries) == ["top-items:10"]  # the expired one is not shown as current
    assert first.entries["top-items:10"].stored_at == now - timedelta(minutes=1)

    # A document from a release that shapes it otherwise: the cache alone, not a half-built view.
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE app_meta SET value = ? WHERE key = ?", (json.dumps(dict(view, jobs=[{"id": "x"}])), VIEW_KEY))
    partial = first_view(read_last_view(settings.resolved_state_url), now)  # type: ignore[arg-type]
    assert partial is not None and partial.jobs == [] and list(partial.entries) == ["top-items:10"]


def test_no_view_without_a_usable_state_file(tmp_path: Path) -> None:
    assert read_last_view("postgresql://db/state") is None
    assert read_last_view("sqlite:///" + str(tmp_path / "missing.sqlite3")) is None
    assert not (tmp_path / "missing.sqlite3").exists()  # never created by looking
    older = tmp_path / "older.sqlite3"
    sqlite3.connect(older).execute("CREATE TABLE app_meta (key TEXT PRIMARY KEY, value TEXT)").connection.commit()
    assert read_last_view(f"sqlite:///{older}") is None  # no cache_snapshot table yet: start as before
    fifo = tmp_path / "state.fifo"
    os.mkfifo(fifo)
    assert read_last_view(f"sqlite:///{fifo}") is None  # not opened (opening a FIFO would block)
    assert state_file("sqlite:///relative/state.sqlite3") == Path("relative/state.sqlite3")
    assert state_file("sqlite:////abs/state.sqlite3?mode=ro") is None


def test_reading_leaves_the_state_file_as_it_was(settings: Settings) -> None:
    open_state(settings).dispose()
    path = Path(settings.data_dir) / "state.sqlite3"
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    names = {p.name for p in path.parent.iterdir()}
    assert read_last_view(settings.resolved_state_url) is not None
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    # Only SQLite's own companions of a WAL database may appear (any reader makes them).
    assert {p.name for p in path.parent.iterdir()} - names <= {"state.sqlite3-wal", "state.sqlite3-shm"}


@pytest.mark.parametrize("text", ["{not json", json.dumps({"version": 99, "jobs": []}), json.dumps([1, 2])])
def test_a_damaged_or_foreign_document_is_no_view(settings: Settings, text: str) -> None:
    engine = open_state(settings)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO app_meta (key, value) VALUES (?, ?)", (VIEW_KEY, text))
    last = read_last_view(settings.resolved_state_url)
    assert last is not None and last.view is None
