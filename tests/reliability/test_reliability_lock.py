"""One scheduler per state database: the second process runs read-only and names the holder,
takes over when the holder goes, and never marks a live process's work as interrupted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from tests.support.processor_fakes import FakeRepository
from tests.support.reliability import Worker, needs_postgres, private_pg_database, terminate_backends
from tests.support.waiting import wait_until
from tui_analytics.config.settings import Settings
from tui_analytics.data.engines import dispose_all
from tui_analytics.data.schema import job_runs, report_runs
from tui_analytics.data.state import locking
from tui_analytics.processor import AnalyticsBackgroundProcessor
from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.runtime import scheduling
from tui_analytics.runtime.clock import SYSTEM_CLOCK, FrozenClock
from tui_analytics.runtime.event_types import SchedulerStateChanged
from tui_analytics.runtime.events import EventBus

# scheduler processes side by side, PostgreSQL locks; one xdist worker runs every test that uses the shared servers.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("database-servers")]


def own_jobs(token: str) -> list[str]:
    scheduler = scheduling.current_scheduler()
    return [j.id for j in scheduler.get_jobs() if j.id.startswith(token)] if scheduler else []


def report_jobs() -> list[str]:
    return own_jobs("report:")


def test_second_lock_is_refused_and_names_the_holder(settings) -> None:
    url = settings.resolved_state_url
    locking.set_program("first dashboard")
    first, second = locking.SchedulerLock(url), locking.SchedulerLock(url)
    try:
        assert first.join("a") and not second.join("b")
        holder = second.holder()
        assert holder is not None and holder.pid == os.getpid() and holder.program == "first dashboard"
        assert "first dashboard (pid" in holder.describe()
        first.leave("a")  # the holder exits
        assert second.holder() is None  # free: the note left in the file is not believed
        assert second.refresh() and second.holder().program == "first dashboard"  # type: ignore[union-attr]
    finally:
        locking.set_program("")
        first.release()
        second.release()


async def test_services_of_a_second_instance_are_read_only_until_the_holder_goes(settings, frozen_clock) -> None:
    url = settings.resolved_state_url
    lock_a, lock_b = locking.SchedulerLock(url), locking.SchedulerLock(url)
    lock_b.refresh_interval = 0.05
    bus_b = EventBus()
    states: list[tuple[str, str | None]] = []
    bus_b.subscribe(lambda e: states.append((e.state, e.holder)) if isinstance(e, SchedulerStateChanged) else None)
    a = AnalyticsBackgroundProcessor(
        settings,
        repository=FakeRepository(frozen_clock),
        clock=frozen_clock,
        bus=EventBus(),
        scheduler_lock=lock_a,
        warm_on_start=False,
    )
    reports_a = AnalyticsScheduledReportsService(settings, clock=frozen_clock, bus=EventBus(), scheduler_lock=lock_a)
    b = AnalyticsBackgroundProcessor(
        settings, repository=FakeRepository(frozen_clock), clock=frozen_clock, bus=bus_b, scheduler_lock=lock_b, warm_on_start=False
    )
    reports_b = AnalyticsScheduledReportsService(settings, clock=frozen_clock, bus=bus_b, scheduler_lock=lock_b)
    try:
        for service in (a, reports_a, b, reports_b):  # A starts first, then B, as two processes would
            service.open()
            service.ensure_scheduled()
        assert len(own_jobs(a._token)) == 6 and own_jobs(b._token) == []
        # The schedule reads its templates in a worker thread, then adds the jobs.
        await wait_until(lambda: len(report_jobs()) == 4, timeout=5)
        assert len(report_jobs()) == 4  # only A's report jobs (one per active template)
        assert (b.read_only, b.scheduler_state(), reports_b.read_only, reports_b.scheduler_state) == (
            True,
            "read-only",
            True,
            "read-only",
        )
        assert not a.read_only and a.scheduler_state() == "running"
        holder = b.lock_holder()
        assert holder is not None and holder.pid == os.getpid()
        assert ("read-only", holder.describe()) in states
        assert (await b.trigger_job("top-items")).status == "completed"  # manual work still allowed
        a.stop()
        reports_a.stop()  # the holder goes: B takes over without a restart
        await wait_until(lambda: not b.read_only and len(own_jobs(b._token)) == 6, timeout=5)
        await wait_until(lambda: not reports_b.read_only and len(report_jobs()) == 4, timeout=5)
        assert b.scheduler_state() == "running" and reports_b.scheduler_state == "running"
    finally:
        for service in (a, b, reports_a, reports_b):
            service.stop()


async def test_a_cli_style_service_never_marks_a_live_generation_interrupted(settings) -> None:
    worker = Worker("report-build", str(settings.data_dir))
    try:
        worker.wait_for("READY")  # another process is generating: its run is 'running'
        AnalyticsScheduledReportsService(
            settings, auto_start=False, bus=EventBus(), clock=SYSTEM_CLOCK
        ).open()  # `tui-analytics report list` starting up
        AnalyticsBackgroundProcessor(settings, autostart=False, probe_loop_lag=False, bus=EventBus(), clock=SYSTEM_CLOCK).open()
        service = AnalyticsScheduledReportsService(settings, auto_start=False, bus=EventBus(), clock=SYSTEM_CLOCK).open()
        assert [h.status for h in service.get_scheduled_reports()] == ["running"]
        worker.kill9()
        dispose_all()  # this process ends too; the next start is alone
        service = AnalyticsScheduledReportsService(settings, auto_start=False, bus=EventBus(), clock=SYSTEM_CLOCK).open()
        assert [h.status for h in service.get_scheduled_reports()] == ["running"]  # a reader never writes
        assert service.claim_scheduler()  # the next process that schedules
        assert [h.status for h in service.get_scheduled_reports()] == ["interrupted"]
    finally:
        worker.close()


def _seed_templates_days_ago(settings, days: int = 3) -> None:
    """Default templates created `days` ago, only the daily one active: exactly one report is due now."""
    clock = FrozenClock(datetime.now(timezone.utc) - timedelta(days=days))
    service = AnalyticsScheduledReportsService(settings, clock=clock, auto_start=False, bus=EventBus())
    for template_id in ("weekly-user-growth", "monthly-comprehensive", "quarterly-performance"):
        service.update_report_template(template_id, is_active=False)
    dispose_all()


@contextmanager
def two_schedulers(settings: Settings) -> Iterator[tuple[Worker, dict, Worker, dict]]:
    """A dashboard-like scheduler process, then a second one on the same data directory once the
    first is ready; each with what it said when ready. Both are killed at the end if still running."""
    first = Worker("scheduler", str(settings.data_dir), "first")
    second = None
    try:
        a = json.loads(first.wait_for("READY").split(" ", 1)[1])
        second = Worker("scheduler", str(settings.data_dir), "second")
        b = json.loads(second.wait_for("READY").split(" ", 1)[1])
        yield first, a, second, b
    finally:
        first.close()
        if second is not None:
            second.close()


def test_two_processes_make_each_scheduled_report_once_and_the_second_names_the_first(settings) -> None:
    _seed_templates_days_ago(settings)
    with two_schedulers(settings) as (first, a, second, b):
        assert (a["readOnly"], a["state"], a["reportsState"]) == (False, "running", "running")
        assert (b["readOnly"], b["state"], b["reportsReadOnly"], b["reportsState"]) == (True, "read-only", True, "read-only")
        assert b["holderPid"] == a["pid"] and f"test scheduler {a['pid']}" in b["holder"]
        # a CLI run while the dashboard-like process schedules: it names the holder, and a manual report is its own
        env = {k: v for k, v in os.environ.items() if not k.startswith("TUI_ANALYTICS_") or k.startswith("TUI_ANALYTICS_TEST_")}
        env.update(TUI_ANALYTICS_DATA_DIR=str(settings.data_dir), TUI_ANALYTICS_TIMEZONE="UTC")
        cmd = [sys.executable, "-c", "from tui_analytics.cli import main; raise SystemExit(main())"]
        status = subprocess.run(cmd + ["jobs", "status"], capture_output=True, text=True, env=env, timeout=60)
        assert f"scheduler: test scheduler {a['pid']} (pid {a['pid']}" in status.stdout, status.stdout + status.stderr
        manual = subprocess.run(cmd + ["report", "run", "weekly-user-growth"], capture_output=True, text=True, env=env, timeout=60)
        assert manual.returncode == 0, manual.stderr
        (settings.data_dir / "second.stop").touch()
        done_b = json.loads(second.wait_for("DONE").split(" ", 1)[1])
        (settings.data_dir / "first.stop").touch()
        done_a = json.loads(first.wait_for("DONE").split(" ", 1)[1])
        assert done_b["fired"] == 0 and done_b["readOnly"]  # nothing scheduled in the read-only process
        assert done_a["fired"] > 10
    service = AnalyticsScheduledReportsService(settings, auto_start=False, bus=EventBus(), clock=SYSTEM_CLOCK)
    history = [(h.template_id, h.trigger, h.status) for h in service.get_scheduled_reports()]
    assert sorted(history) == [("daily-activity-summary", "catch-up", "completed"), ("weekly-user-growth", "manual", "completed")]


def test_the_second_process_takes_over_when_the_first_exits(settings) -> None:
    with two_schedulers(settings) as (first, a, second, b):
        assert not a["readOnly"] and b["readOnly"]
        (settings.data_dir / "first.stop").touch()
        first.wait_for("DONE")
        assert first.finish()[0] == 0
        second.wait_for("TOOK-OVER")  # the lock freed: the read-only process schedules now
        (settings.data_dir / "second.stop").touch()
        done_b = json.loads(second.wait_for("DONE").split(" ", 1)[1])
        assert not done_b["readOnly"] and done_b["state"] == "running" and done_b["fired"] > 0
    engine = AnalyticsBackgroundProcessor(
        settings, autostart=False, probe_loop_lag=False, bus=EventBus(), clock=SYSTEM_CLOCK
    ).state_engine
    with engine.connect() as conn:
        scheduled = conn.execute(select(func.count()).select_from(job_runs).where(job_runs.c.trigger == "scheduled")).scalar()
        running = conn.execute(select(func.count()).select_from(report_runs).where(report_runs.c.status == "running")).scalar()
    assert scheduled > 0 and running == 0


@needs_postgres
def test_postgres_state_database_advisory_lock() -> None:
    with private_pg_database("tui_rel_state") as url:
        from tui_analytics.config.settings import Settings
        from tui_analytics.data.state.database import open_state

        open_state(Settings.for_dir("/tmp", state_url=url))  # tables
        first, second = locking.SchedulerLock(url), locking.SchedulerLock(url)
        locking.set_program("pg dashboard")
        try:
            assert first.join("a")
            locking.set_program("")
            assert not second.join("b")
            holder = second.holder()
            assert holder is not None and holder.program == "pg dashboard" and holder.pid == os.getpid()
            # the holder's session is killed (server restart, an operator): the lock goes with it
            database = url.rsplit("/", 1)[1]
            holding = "pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = 1 AND granted)"
            assert terminate_backends(database, holding) == 1
            assert first.refresh() and first.held  # noticed the loss, and took it back: nobody else had
            assert terminate_backends(database, holding) == 1
            assert second.refresh() and second.held  # this time another process is quicker
            assert not first.refresh() and not first.held  # the old holder sees it lost and stays read-only
            assert first.holder() == second.me
        finally:
            first.release()
            second.release()


@needs_postgres
def test_postgres_presence_tells_alone_from_shared() -> None:
    from tui_analytics.data.state.lock_backends import PRESENCE_KEY, ServerBackend

    with private_pg_database("tui_rel_presence") as url:
        a, b = ServerBackend(url, PRESENCE_KEY), ServerBackend(url, PRESENCE_KEY)
        try:
            assert a.acquire()  # alone
            a.downgrade()  # now shared
            assert not b.acquire()  # not alone: a is alive
            assert b.acquire(shared=True)
            a.release()
            b.release()
            assert a.acquire()  # everyone gone: alone again
        finally:
            a.release()
            b.release()


@needs_postgres
async def test_a_processor_that_loses_its_postgres_lock_goes_read_only(settings, frozen_clock) -> None:
    from dataclasses import replace

    with private_pg_database("tui_rel_lost") as url:
        s = replace(settings, state_url=url)
        lock_a, lock_b = locking.SchedulerLock(url), locking.SchedulerLock(url)
        lock_a.refresh_interval = lock_b.refresh_interval = 0.05
        a = AnalyticsBackgroundProcessor(
            s,
            repository=FakeRepository(frozen_clock),
            clock=frozen_clock,
            bus=EventBus(),
            scheduler_lock=lock_a,
            warm_on_start=False,
        )
        b = AnalyticsBackgroundProcessor(
            s,
            repository=FakeRepository(frozen_clock),
            clock=frozen_clock,
            bus=EventBus(),
            scheduler_lock=lock_b,
            warm_on_start=False,
        )
        try:
            for processor in (a, b):
                processor.open()
                processor.ensure_scheduled()
            assert not a.read_only and b.read_only
            holding = "pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = 1 AND granted)"
            assert terminate_backends(url.rsplit("/", 1)[1], holding) == 1
            assert lock_b.refresh()  # B's session asks first and wins
            await wait_until(lambda: a.read_only and own_jobs(a._token) == [], timeout=5)
            await wait_until(lambda: not b.read_only and len(own_jobs(b._token)) == 6, timeout=5)
            assert a.scheduler_state() == "read-only" and b.scheduler_state() == "running"
        finally:
            a.stop()
            b.stop()
