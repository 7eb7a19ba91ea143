"""Scheduling, DISABLE_AUTO_SYNC, stop/restart, the singleton, and history that survives a restart."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.support.processor_fakes import ALL_JOBS, Recorder
from tests.support.waiting import wait_until
from tui_analytics.api import get_analytics_background_processor, stop_analytics_background_processor
from tui_analytics.data.schema import job_runs
from tui_analytics.processor import AnalyticsBackgroundProcessor
from tui_analytics.processor.models import JobRun
from tui_analytics.runtime import scheduling
from tui_analytics.runtime.event_types import JobSkipped


def own_jobs(processor: AnalyticsBackgroundProcessor) -> list[str]:
    scheduler = scheduling.current_scheduler()
    if scheduler is None:
        return []
    return sorted(j.id.split(":", 1)[1] for j in scheduler.get_jobs() if j.id.startswith(processor._token + ":"))


async def test_scheduled_run_goes_through_apscheduler(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    assert own_jobs(processor) == sorted(ALL_JOBS)
    assert scheduling.fire_now(processor._aps_id("recent-activity"))
    await wait_until(lambda: processor.get_job_status("recent-activity").status == "completed")
    await wait_until(lambda: bool(processor.history.recent("recent-activity")))
    runs = processor.history.recent("recent-activity")
    assert runs[0].trigger == "scheduled" and runs[0].scheduled_for is not None
    # the next run was pushed one interval on
    status = processor.get_job_status("recent-activity")
    assert status.next_run is not None


async def test_scheduled_run_is_skipped_while_a_manual_run_is_running(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    events = Recorder(processor.bus)
    gate = fake_repo.block("top_items")
    manual = asyncio.create_task(processor.trigger_job("top-items"))
    await wait_until(lambda: fake_repo.entered["top_items"].is_set())
    scheduling.fire_now(processor._aps_id("top-items"))
    await wait_until(lambda: processor.get_job_status("top-items").skipped_runs == 1)
    gate.set()
    assert (await manual).status == "completed"
    skipped = [e for e in events.events if isinstance(e, JobSkipped)]
    assert [e.trigger for e in skipped] == ["scheduled"]
    await wait_until(lambda: any(r.status == "skipped" for r in processor.history.recent("top-items")))


async def test_scheduled_run_is_skipped_while_a_scheduled_run_is_running(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    gate = fake_repo.block("user_growth")
    scheduling.fire_now(processor._aps_id("user-growth"))
    await wait_until(lambda: fake_repo.entered["user_growth"].is_set())
    scheduling.fire_now(processor._aps_id("user-growth"))  # APScheduler's max_instances=1 refuses it
    await wait_until(lambda: processor.get_job_status("user-growth").skipped_runs == 1)
    gate.set()
    await wait_until(lambda: processor.get_job_status("user-growth").status == "completed")
    # The history row is written 'running' first and finished in a thread after the status changes.
    await wait_until(
        lambda: (
            sorted((r.trigger, r.status) for r in processor.history.recent("user-growth"))
            == [("scheduled", "completed"), ("scheduled", "skipped")]
        )
    )
    assert [c[0] for c in fake_repo.calls].count("user_growth") == 1


async def test_disable_auto_sync_schedules_nothing_but_manual_runs_work(make_processor, fake_repo, settings) -> None:
    processor = make_processor(fake_repo, settings=dataclasses.replace(settings, disable_auto_sync=True))
    assert own_jobs(processor) == []
    assert all(s.next_run is None and s.status == "scheduled" for s in processor.get_job_statuses())
    assert processor.scheduler_state() == "disabled"
    assert (await processor.trigger_job("user-growth")).status == "completed"
    assert processor.get_cached("user-growth:12") is not None


async def test_stop_unschedules_and_restart_schedules_again(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    assert processor.scheduler_state() == "running"
    processor.stop()
    assert own_jobs(processor) == []
    assert all(s.next_run is None for s in processor.get_job_statuses())
    assert processor.scheduler_state() == "stopped"
    assert (await processor.trigger_job("top-items")).status == "completed"  # an explicit request still runs
    processor.restart()
    assert own_jobs(processor) == sorted(ALL_JOBS)
    assert all(s.next_run is not None for s in processor.get_job_statuses())
    processor.restart()  # twice is fine: the jobs are replaced, not doubled
    assert own_jobs(processor) == sorted(ALL_JOBS)


async def test_processors_share_the_loops_scheduler_without_clashing(make_processor, fake_repo) -> None:
    first, second = make_processor(fake_repo), make_processor(fake_repo)
    loop_scheduler = scheduling.current_scheduler()
    assert loop_scheduler is not None and len(loop_scheduler.get_jobs()) == 12
    first.stop()
    assert own_jobs(first) == [] and own_jobs(second) == sorted(ALL_JOBS)


async def test_singleton_reads_the_environment_each_time_it_is_created(monkeypatch, data_dir) -> None:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DISABLE_AUTO_SYNC", "true")
    try:
        first = get_analytics_background_processor()
        assert get_analytics_background_processor() is first
        assert first.auto_sync_disabled and first.scheduler_state() == "disabled"
        assert all(s.next_run is None for s in first.get_job_statuses())
        monkeypatch.setenv("DISABLE_AUTO_SYNC", "false")
        stop_analytics_background_processor()
        second = get_analytics_background_processor()
        assert second is not first
        assert not second.auto_sync_disabled
        assert all(s.next_run is not None for s in second.get_job_statuses())
        assert own_jobs(first) == []
    finally:
        stop_analytics_background_processor()
    stop_analytics_background_processor()  # stopping twice is harmless


def test_singleton_outside_a_loop_schedules_on_the_first_loop(monkeypatch, data_dir) -> None:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    try:
        processor = get_analytics_background_processor()  # no running loop: must not crash
        assert all(s.next_run is None for s in processor.get_job_statuses())

        async def inside() -> list[object]:
            return [s.next_run for s in get_analytics_background_processor().get_job_statuses()]

        assert all(asyncio.run(inside()))
        # that loop closed; the next loop gets the jobs again instead of a dead scheduler
        assert all(asyncio.run(inside()))
    finally:
        stop_analytics_background_processor()


async def test_history_survives_a_restart(make_processor, fake_repo, settings, frozen_clock) -> None:
    first = make_processor(fake_repo)
    for job_id, cost in zip(ALL_JOBS, (1, 2, 3, 4, 0.5, 0.25)):
        fake_repo.cost[
            {
                "user-growth": "user_growth",
                "activity-trends": "summary",
                "top-items": "top_items",
                "recent-activity": "recent_activity",
                "performance-metrics": "ping",
            }.get(job_id, "-")
        ] = cost
        frozen_clock.advance(60)
        await first.trigger_job(job_id)
    fake_repo.fail["top_items"] = RuntimeError("lost connection")
    await first.trigger_job("top-items")
    first.stop()

    second = make_processor(fake_repo)
    assert second is not first
    before = [dataclasses.replace(s, next_run=None) for s in first.get_job_statuses()]
    after = [dataclasses.replace(s, next_run=None) for s in second.get_job_statuses()]
    assert after == before
    assert second.get_job_status("top-items").error == "RuntimeError: lost connection"
    assert second.get_job_status("top-items").recent_durations_ms == pytest.approx((3000, 3000))
    assert second.get_job_metrics() == first.get_job_metrics()
    assert second.get_job_metrics().last_cleanup is not None


async def test_history_is_bounded_by_retention(make_processor, fake_repo, settings) -> None:
    processor = make_processor(fake_repo, settings=dataclasses.replace(settings, history_retention=10))
    for _ in range(14):
        await processor.trigger_job("recent-activity")
    await processor.trigger_job("cache-cleanup")
    with processor.state_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(job_runs)).scalar() == 10
    newest = processor.history.recent(limit=1)[0]
    assert newest.job_id == "cache-cleanup"


async def test_runs_left_running_by_a_dead_process_become_interrupted(make_processor, fake_repo, frozen_clock) -> None:
    processor = make_processor(fake_repo)
    old = JobRun("top-items", "scheduled", "running", frozen_clock.now() - timedelta(hours=2))
    recent = JobRun("user-growth", "scheduled", "running", frozen_clock.now() - timedelta(seconds=5))
    processor.history.start(old)
    processor.history.start(recent)  # perhaps another live process: left alone
    make_processor(fake_repo)
    statuses = {r.job_id: r.status for r in processor.history.recent()}
    assert statuses == {"top-items": "interrupted", "user-growth": "running"}


async def test_pause_holds_scheduled_runs_until_resume(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    assert processor.toggle_scheduler() == "paused"
    scheduling.fire_now(processor._aps_id("recent-activity"))
    await asyncio.sleep(0.1)
    assert fake_repo.calls == []  # due, but the scheduler is paused
    assert (await processor.trigger_job("user-growth")).status == "completed"  # manual runs still work
    assert processor.resume_scheduler() == "running"
    await wait_until(lambda: processor.get_job_status("recent-activity").status == "completed")
    assert processor.pause_scheduler() == "paused"
    processor.resume_scheduler()
