"""Read commands never write to the state database and never need its write lock.

Another process holds the write lock (`BEGIN IMMEDIATE` on the state file) while
`report list`, `report history`, `jobs status` and `jobs history` run: each answers.
Runs a dead process left 'running' stay as they are until a process that schedules
(takes the scheduler lock) marks them interrupted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import insert

from tui_analytics.cli import main
from tui_analytics.data.engines import dispose_all
from tui_analytics.data.schema import job_runs, report_runs
from tui_analytics.data.timestamps import to_db
from tui_analytics.processor import AnalyticsBackgroundProcessor
from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.runtime.clock import SYSTEM_CLOCK
from tui_analytics.runtime.events import EventBus

READ_COMMANDS = [
    ["report", "list"],
    ["report", "history"],
    ["report", "history", "--json"],
    ["jobs", "status"],
    ["jobs", "status", "--json"],
    ["jobs", "history"],
]


@pytest.fixture
def state(settings, monkeypatch, frozen_clock):
    """A used state database (defaults seeded) with one report and one job run left 'running'
    by a process that died two hours ago; then this process 'ends'."""
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    service = AnalyticsScheduledReportsService(settings, auto_start=False, bus=EventBus(), clock=SYSTEM_CLOCK).open()
    started = to_db(frozen_clock.now() - timedelta(hours=2))
    with service.engine.begin() as conn:
        conn.execute(
            insert(report_runs).values(
                template_id="daily-activity-summary",
                template_name="Daily",
                trigger="scheduled",
                started_at=started,
                status="running",
            )
        )
        conn.execute(insert(job_runs).values(job_id="top-items", trigger="scheduled", started_at=started, status="running"))
    dispose_all()
    return settings.data_dir / "state.sqlite3"


@contextmanager
def write_locked(path) -> Iterator[None]:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def statuses(path) -> tuple[list[str], list[str]]:
    with sqlite3.connect(path) as conn:
        return (
            [r[0] for r in conn.execute("SELECT status FROM report_runs")],
            [r[0] for r in conn.execute("SELECT status FROM job_runs")],
        )


@pytest.mark.parametrize("argv", READ_COMMANDS, ids=" ".join)
def test_a_read_command_answers_while_another_process_holds_the_write_lock(state, argv, capsys):
    with write_locked(state):
        code = main(argv)
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "locked" not in out.err and "unexpected" not in out.err


def test_read_commands_leave_the_state_database_unchanged(state, capsys):
    before = statuses(state)
    for argv in READ_COMMANDS:
        assert main(argv) == 0
    assert statuses(state) == before == (["running"], ["running"])


def test_the_process_that_schedules_marks_the_dead_runs(state, settings):
    AnalyticsScheduledReportsService(settings, auto_start=False, bus=EventBus(), clock=SYSTEM_CLOCK).open().claim_scheduler()
    processor = AnalyticsBackgroundProcessor(
        settings, autostart=False, probe_loop_lag=False, bus=EventBus(), clock=SYSTEM_CLOCK
    ).open()
    assert statuses(state) == (["interrupted"], ["running"])  # the processor has not claimed yet
    processor.claim_scheduler()
    assert statuses(state) == (["interrupted"], ["interrupted"])
    with sqlite3.connect(state) as conn:
        assert conn.execute("SELECT error FROM report_runs").fetchone()[0].startswith("interrupted")
