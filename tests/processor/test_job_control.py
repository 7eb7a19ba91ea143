"""Per-job control: pause, resume and a run-time interval, persisted and applied by the scheduling process."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

import pytest

from tests.support.processor_fakes import Recorder
from tests.support.waiting import wait_until
from tui_analytics.processor import AnalyticsBackgroundProcessor, jobsettings
from tui_analytics.processor.jobsettings import JobSetting, describe_interval, parse_interval
from tui_analytics.runtime import scheduling
from tui_analytics.runtime.errors import ConfigError, UnknownJobError
from tui_analytics.runtime.event_types import JobSettingsChanged


def aps_job(processor: AnalyticsBackgroundProcessor, job_id: str) -> Any:  # an APScheduler Job (untyped)
    scheduler = scheduling.current_scheduler()
    assert scheduler is not None
    return scheduler.get_job(processor._aps_id(job_id))


def seconds_until(moment: datetime | None) -> float:
    assert moment is not None
    return (moment - datetime.now(timezone.utc)).total_seconds()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30),
        ("5m", 300),
        ("1h", 3600),
        ("1d", 86400),
        ("1h30m", 5400),
        ("90", 90),
        (" 2m 30s ", 150),
        ("1.5m", 90),
        ("31d", 31 * 86400),
        ("default", None),
        ("RESET", None),
    ],
)
def test_interval_forms(text: str, seconds: float | None) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("0s", "out of range"),
        ("32d", "out of range"),
        ("0.5s", "out of range"),
        ("5 minutes", "not a length"),
        ("-5m", "not a length"),
        ("", "not a length"),
        ("1h30", "not a length"),
        ("m", "not a length"),
        ("５m", "not a length"),
        ("nan", "not a length"),
    ],
)
def test_bad_intervals_are_one_line(text: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_interval(text)
    assert says in str(caught.value) and "\n" not in str(caught.value)


def test_intervals_are_written_back_in_the_same_forms() -> None:
    assert [describe_interval(s) for s in (30, 300, 5400, 86400, 90061, 1.5)] == ["30s", "5m", "1h30m", "1d", "1d1h1m1s", "1.5s"]


async def test_a_paused_job_is_not_scheduled_but_a_manual_trigger_runs_it(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    events = Recorder(processor.bus)
    await processor.pause_job("top-items")
    status = processor.get_job_status("top-items")
    assert status.paused and status.next_run is None and status.status == "scheduled"
    assert aps_job(processor, "top-items").next_run_time is None  # APScheduler will not fire it
    assert aps_job(processor, "user-growth").next_run_time is not None  # the others are untouched
    assert events.types("top-items") == [JobSettingsChanged]
    run = await processor.trigger_job("top-items")
    assert run.status == "completed" and processor.get_job_status("top-items").paused
    await processor.resume_job("top-items")
    status = processor.get_job_status("top-items")
    assert not status.paused and abs(seconds_until(status.next_run) - 900) < 5
    assert jobsettings.load(processor.state_engine) == {}  # back to defaults: no row kept


async def test_a_scheduled_run_that_fires_while_paused_does_nothing(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    processor.job_settings = {"user-growth": JobSetting(paused=True)}  # paused after APScheduler submitted the run
    await processor._scheduled_run("user-growth")
    assert fake_repo.calls == [] and processor.history.recent("user-growth") == []


async def test_interval_changes_at_run_time(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    await processor.set_job_interval("recent-activity", 300)
    status = processor.get_job_status("recent-activity")
    assert status.interval_s == 300 and abs(seconds_until(status.next_run) - 300) < 5
    assert aps_job(processor, "recent-activity").trigger.interval.total_seconds() == 300
    assert processor.ttl_for("recent-activity") == 660  # the cache entries follow the interval
    with pytest.raises(ValueError, match="out of range"):
        await processor.set_job_interval("recent-activity", 0.5)
    with pytest.raises(UnknownJobError, match="did you mean 'top-items'"):
        await processor.set_job_interval("top_items", 60)
    await processor.pause_job("recent-activity")
    await processor.set_job_interval("recent-activity", 60)  # a new interval keeps the job paused
    assert aps_job(processor, "recent-activity").next_run_time is None
    await processor.resume_job("recent-activity")
    await processor.set_job_interval("recent-activity", None)
    assert processor.get_job_status("recent-activity").interval_s == 120  # the configured one again
    assert aps_job(processor, "recent-activity").trigger.interval.total_seconds() == 120


async def test_settings_survive_a_restart(make_processor, fake_repo, settings) -> None:
    first = make_processor(fake_repo)
    await first.pause_job("user-growth")
    await first.set_job_interval("top-items", 3600)
    first.stop()
    second = make_processor(fake_repo)
    assert second.get_job_status("user-growth").paused
    assert aps_job(second, "user-growth").next_run_time is None
    assert aps_job(second, "top-items").trigger.interval.total_seconds() == 3600
    assert second.get_job_status("top-items").interval_s == 3600


async def test_changes_from_another_process_apply_at_the_next_performance_metrics_run(
    make_processor, fake_repo, frozen_clock
) -> None:
    processor = make_processor(fake_repo)
    events = Recorder(processor.bus)
    # What `tui-analytics jobs pause top-items` and `jobs interval user-growth 1h` write from a shell:
    engine = processor.state_engine
    await asyncio.to_thread(jobsettings.save, engine, "top-items", frozen_clock.now(), paused=True)
    await asyncio.to_thread(jobsettings.save, engine, "user-growth", frozen_clock.now(), interval_s=3600.0)
    assert not processor.get_job_status("top-items").paused  # not yet: nothing polled
    await processor.trigger_job("performance-metrics")
    assert processor.get_job_status("top-items").paused
    assert aps_job(processor, "top-items").next_run_time is None
    assert aps_job(processor, "user-growth").trigger.interval.total_seconds() == 3600
    assert sorted(e.job_id for e in events.events if isinstance(e, JobSettingsChanged)) == ["top-items", "user-growth"]
    assert await processor.apply_job_settings() == []  # nothing new: nothing applied twice
    await asyncio.to_thread(jobsettings.save, engine, "top-items", frozen_clock.now(), paused=False)
    assert await processor.apply_job_settings() == ["top-items"]
    assert aps_job(processor, "top-items").next_run_time is not None


async def test_paused_performance_metrics_still_polls_but_records_no_run(make_processor, fake_repo, frozen_clock) -> None:
    processor = make_processor(fake_repo)
    await processor.pause_job("performance-metrics")
    assert aps_job(processor, "performance-metrics").next_run_time is not None  # it keeps its rhythm
    assert processor.get_job_status("performance-metrics").next_run is None  # shown as paused
    await asyncio.to_thread(jobsettings.save, processor.state_engine, "cache-cleanup", frozen_clock.now(), paused=True)
    scheduling.fire_now(processor._aps_id("performance-metrics"))
    await wait_until(lambda: processor.get_job_status("cache-cleanup").paused)
    assert processor.history.recent("performance-metrics") == [] and ("ping", {}) not in fake_repo.calls
    # and from another process, performance-metrics can be resumed the same way
    await asyncio.to_thread(jobsettings.save, processor.state_engine, "performance-metrics", frozen_clock.now(), paused=False)
    scheduling.fire_now(processor._aps_id("performance-metrics"))
    await wait_until(lambda: not processor.get_job_status("performance-metrics").paused)


async def test_a_pause_from_a_read_only_dashboard_reaches_the_scheduling_process(make_processor, settings) -> None:
    from tests.support.processor_fakes import FakeRepository
    from tui_analytics.data.state import locking

    url = settings.resolved_state_url
    scheduling_one = make_processor(FakeRepository(), scheduler_lock=locking.SchedulerLock(url))
    attached = make_processor(FakeRepository(), scheduler_lock=locking.SchedulerLock(url))
    assert attached.read_only and not scheduling_one.read_only
    await attached.pause_job("top-items")
    assert attached.get_job_status("top-items").paused  # shown at once where it was asked for
    assert not scheduling_one.get_job_status("top-items").paused
    await scheduling_one.trigger_job("performance-metrics")  # its next poll
    assert scheduling_one.get_job_status("top-items").paused
    assert aps_job(scheduling_one, "top-items").next_run_time is None
