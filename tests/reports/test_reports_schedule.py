"""The report schedule: slots made once, catch-up after downtime, a DST week, the shared scheduler."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tui_analytics.config.settings import Settings
from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.reports.models import ScheduledReport
from tui_analytics.reports.periods import default_period
from tui_analytics.reports.timetable import job_id
from tui_analytics.runtime import scheduling
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.events import EventBus

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def berlin(settings: Settings) -> Settings:
    return replace(settings, timezone_name="Europe/Berlin")


def slot(run: ScheduledReport) -> datetime:
    """The slot a scheduled run was made for (every scheduled or catch-up run has one)."""
    assert run.scheduled_for is not None
    return run.scheduled_for


def make(settings, clock, **kw) -> AnalyticsScheduledReportsService:
    kw.setdefault("auto_start", False)
    service = AnalyticsScheduledReportsService(settings, clock=clock, bus=EventBus(), **kw)
    # What the composition root does: open (I/O), then schedule on the running loop if wanted.
    service.open()
    service.ensure_scheduled()
    return service


# -- periods ------------------------------------------------------------------


def test_default_period_is_the_last_complete_period_in_the_zone():
    fired = datetime(2026, 1, 1, 9, tzinfo=BERLIN)  # the quarterly/monthly/daily slot
    q = default_period("quarterly", "", BERLIN, fired)
    assert (q.start, q.end) == (datetime(2025, 10, 1, tzinfo=BERLIN), datetime(2026, 1, 1, tzinfo=BERLIN))
    m = default_period("monthly", "", BERLIN, fired)
    assert (m.start, m.end) == (datetime(2025, 12, 1, tzinfo=BERLIN), datetime(2026, 1, 1, tzinfo=BERLIN))
    d = default_period("daily", "", BERLIN, fired)
    assert (d.start, d.end) == (datetime(2025, 12, 31, tzinfo=BERLIN), datetime(2026, 1, 1, tzinfo=BERLIN))
    monday = datetime(2026, 1, 19, 9, tzinfo=BERLIN)
    w = default_period("weekly", "", BERLIN, monday)
    assert (w.start, w.end) == (datetime(2026, 1, 12, tzinfo=BERLIN), datetime(2026, 1, 19, tzinfo=BERLIN))
    # A day with a DST change is 23 hours long, from midnight to midnight.
    dst = default_period("daily", "", BERLIN, datetime(2026, 3, 30, 9, tzinfo=BERLIN))
    assert dst.end_utc - dst.start_utc == timedelta(hours=23)
    custom = default_period("custom", "0 */6 * * *", BERLIN, datetime(2026, 1, 15, 14, tzinfo=BERLIN))
    assert (custom.start, custom.end) == (datetime(2026, 1, 15, 6, tzinfo=BERLIN), datetime(2026, 1, 15, 12, tzinfo=BERLIN))


# -- slots and catch-up -------------------------------------------------------


async def test_a_due_slot_is_made_once_with_the_period_it_covers(berlin):
    clock = FrozenClock(datetime(2026, 1, 15, 12, tzinfo=UTC))
    service = make(berlin, clock)
    assert await service.run_due_reports() == []  # created after today's 09:00
    clock.set(datetime(2026, 1, 16, 8, 0, 30, tzinfo=UTC))  # 09:00:30 in Berlin
    made = await service.run_due_reports()
    assert [(r.template_id, r.trigger, r.status) for r in made] == [("daily-activity-summary", "scheduled", "completed")]
    assert made[0].scheduled_for == datetime(2026, 1, 16, 8, tzinfo=UTC)
    assert "_2026-01-15_" in (made[0].filename or "")  # the previous local day
    assert await service.run_due_reports() == []
    clock.advance(3600)
    assert await service.run_due_reports() == []


async def test_catch_up_makes_each_missed_report_once_at_the_next_start(berlin):
    clock = FrozenClock(datetime(2026, 1, 15, 12, tzinfo=UTC))
    first = make(berlin, clock)
    late = None
    first.stop()
    # Down from Thursday until the next Tuesday noon: five daily slots and one weekly missed.
    clock.set(datetime(2026, 1, 20, 11, tzinfo=UTC))
    late = first.create_report_template(name="Created while down", schedule="daily")  # after today's 09:00 slot
    second = make(berlin, clock)
    made = await second.catch_up()
    assert sorted((r.template_id, r.trigger) for r in made) == [
        ("daily-activity-summary", "catch-up"),
        ("weekly-user-growth", "catch-up"),
    ]
    slots = {r.template_id: r.scheduled_for for r in made}
    assert slots == {
        "daily-activity-summary": datetime(2026, 1, 20, 8, tzinfo=UTC),  # only the latest missed slot
        "weekly-user-growth": datetime(2026, 1, 19, 8, tzinfo=UTC),
    }
    assert late.id not in slots
    assert await second.catch_up() == []
    third = make(berlin, clock)
    assert await third.catch_up() == []
    assert len(third.get_scheduled_reports()) == 2


async def test_a_rescheduled_template_does_not_catch_up_the_old_schedule(berlin):
    clock = FrozenClock(datetime(2026, 1, 15, 12, tzinfo=UTC))
    service = make(berlin, clock)
    clock.set(datetime(2026, 1, 16, 12, tzinfo=UTC))
    service.update_report_template("daily-activity-summary", cron="0 10 * * *")  # 10:00 today already passed
    service.update_report_template("weekly-user-growth", is_active=False)
    made = await service.catch_up()
    assert [r.template_id for r in made] == []
    service.update_report_template("weekly-user-growth", description="still inactive")
    clock.set(datetime(2026, 1, 17, 9, 30, tzinfo=UTC))
    made = await service.run_due_reports()
    assert [r.template_id for r in made] == ["daily-activity-summary"]
    assert made[0].scheduled_for == datetime(2026, 1, 17, 9, tzinfo=UTC)


@pytest.mark.slow  # a week of report slots across the DST change
async def test_a_dst_week_in_berlin_makes_one_daily_report_per_day(berlin):
    # 26 Oct 2025: clocks go back at 03:00 CEST; 02:30 happens twice that night.
    clock = FrozenClock(datetime(2025, 10, 21, 12, tzinfo=UTC))
    service = make(berlin, clock)
    service.update_report_template("weekly-user-growth", is_active=False)
    service.update_report_template("monthly-comprehensive", is_active=False)
    service.update_report_template("quarterly-performance", is_active=False)
    night = service.create_report_template(name="Night", cron="30 2 * * *", datasets=["summary"])
    end = datetime(2025, 10, 29, 12, tzinfo=UTC)
    while clock.now() < end:
        clock.advance(timedelta(minutes=15))
        await service.run_due_reports()
    history = service.get_scheduled_reports()
    per_day = Counter((h.template_id, slot(h).astimezone(BERLIN).date()) for h in history)
    days = [date(2025, 10, d) for d in range(22, 30)]
    assert per_day == Counter({(t, d): 1 for t in ("daily-activity-summary", night.id) for d in days})
    assert all(h.status == "completed" and h.trigger == "scheduled" for h in history)
    nights = sorted(slot(h) for h in history if h.template_id == night.id)
    assert nights[4] == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)  # the first 02:30 (CEST)
    assert nights[5] == datetime(2025, 10, 27, 1, 30, tzinfo=UTC)  # 02:30 CET
    dailies = sorted(slot(h) for h in history if h.template_id == "daily-activity-summary")
    assert [d.astimezone(BERLIN).hour for d in dailies] == [9] * 8


async def test_a_single_weekday_range_runs_once_a_week(berlin):
    # `3-3` is Wednesday alone (croniter 7 read it as every day).
    clock = FrozenClock(datetime(2026, 1, 5, 12, tzinfo=UTC))  # a Monday
    service = make(berlin, clock)
    for template in service.get_report_templates():
        service.update_report_template(template.id, is_active=False)
    weekly = service.create_report_template(name="Wednesdays", cron="0 9 * * 3-3", datasets=["summary"])
    assert weekly.next_generation == datetime(2026, 1, 7, 9, tzinfo=BERLIN)
    end = datetime(2026, 1, 26, 12, tzinfo=UTC)
    while clock.now() < end:
        clock.advance(timedelta(hours=2))
        await service.run_due_reports()
    made = sorted(slot(h).astimezone(BERLIN) for h in service.get_scheduled_reports())
    assert made == [datetime(2026, 1, d, 9, tzinfo=BERLIN) for d in (7, 14, 21)]


@pytest.mark.parametrize(
    "cron, fires",
    [
        ("0 9 * * 3-3", ["2026-01-07 09:00", "2026-01-14 09:00", "2026-01-21 09:00"]),
        ("0 0 */2 * 1", ["2026-01-19 00:00", "2026-02-09 00:00", "2026-02-23 00:00"]),  # odd days that are Mondays
    ],
)
async def test_the_scheduler_job_fires_when_cron_would(berlin, cron, fires):
    clock = FrozenClock(datetime(2026, 1, 6, 12, tzinfo=UTC))
    service = make(berlin, clock, auto_start=True)
    await service.wait_idle()
    template = service.create_report_template(name="Mine", cron=cron, datasets=["summary"])
    loop_scheduler = scheduling.current_scheduler()
    assert loop_scheduler is not None
    job = loop_scheduler.get_job(job_id(template.id))
    # APScheduler asks its trigger with the real time; the chain from the fake now is what it would follow.
    fire = job.trigger.get_next_fire_time(None, clock.now())
    seen: list[str] = []
    while len(seen) < 3:
        seen.append(fire.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M"))
        fire = job.trigger.get_next_fire_time(fire, fire)
    assert seen == fires
    service.stop()
    scheduling.shutdown_scheduler()


async def test_a_stored_cron_this_version_refuses_stops_nothing_else(berlin):
    # Older versions accepted `*/61` (it fired hourly); such a row is kept, shown, and not run.
    clock = FrozenClock(datetime(2026, 1, 15, 12, tzinfo=UTC))
    service = make(berlin, clock)
    old = service.create_report_template(name="Old", cron="0 * * * *", datasets=["summary"])
    service._templates.update(old.id, {"cron": "*/61 * * * *"})
    listed = {t.id: t for t in service.get_report_templates()}
    assert listed[old.id].next_generation is None
    clock.set(datetime(2026, 1, 16, 8, 30, tzinfo=UTC))
    made = await service.run_due_reports()
    assert [r.template_id for r in made] == ["daily-activity-summary"]


async def test_a_failing_report_does_not_stop_the_others_in_a_pass(berlin, monkeypatch):
    clock = FrozenClock(datetime(2026, 1, 15, 12, tzinfo=UTC))
    service = make(berlin, clock)
    bad = service.create_report_template(name="Bad", cron="0 10 * * *", datasets=["summary"])

    original = service.runner._build

    def build(template, *args):
        if template.id == bad.id:
            raise RuntimeError("boom")
        return original(template, *args)

    monkeypatch.setattr(service.runner, "_build", build)
    clock.set(datetime(2026, 1, 16, 10, 30, tzinfo=UTC))
    made = await service.run_due_reports()
    assert sorted((r.template_id == bad.id, r.status) for r in made) == [(False, "completed"), (True, "failed")]
    assert await service.run_due_reports() == []  # a failed slot is not retried every pass


# -- the shared scheduler -----------------------------------------------------


async def test_jobs_in_the_shared_scheduler_follow_templates_and_lifecycle(berlin):
    clock = FrozenClock(datetime(2026, 1, 15, 12, tzinfo=UTC))
    service = make(berlin, clock, auto_start=True)
    await service.wait_idle()
    scheduler = scheduling.current_scheduler()
    assert scheduler is not None
    ids = ["daily-activity-summary", "monthly-comprehensive", "quarterly-performance", "weekly-user-growth"]
    assert service.schedule.scheduled_ids() == ids
    assert service.scheduler_state == "running"
    job = scheduler.get_job(job_id("weekly-user-growth"))
    assert (job.coalesce, job.misfire_grace_time, job.max_instances) == (True, None, 1)
    assert job.next_run_time.weekday() == 0 and job.next_run_time.astimezone(BERLIN).hour == 9

    custom = service.create_report_template(name="Mine", schedule="daily")
    assert custom.id in service.schedule.scheduled_ids()
    service.update_report_template(custom.id, is_active=False)
    assert custom.id not in service.schedule.scheduled_ids()
    service.update_report_template(custom.id, is_active=True)
    assert service.delete_report_template(custom.id) is True
    assert service.schedule.scheduled_ids() == ids

    service.stop()
    assert service.schedule.scheduled_ids() == [] and service.scheduler_state == "stopped"
    assert scheduler.running  # the shared scheduler keeps running for the processor
    service.restart()
    await service.wait_idle()
    assert service.schedule.scheduled_ids() == ids
    service.stop()
    scheduling.shutdown_scheduler()


async def test_a_fired_job_makes_the_due_report_through_apscheduler(berlin):
    clock = FrozenClock(datetime(2026, 1, 15, 12, tzinfo=UTC))
    service = make(berlin, clock, auto_start=True)
    await service.wait_idle()
    clock.set(datetime(2026, 1, 16, 8, 1, tzinfo=UTC))
    assert scheduling.fire_now(job_id("daily-activity-summary"))
    for _ in range(200):
        await asyncio.sleep(0.02)
        await service.wait_idle()
        history = service.get_scheduled_reports()
        if history and history[0].status != "running":
            break
    assert [(h.template_id, h.trigger, h.status) for h in history] == [("daily-activity-summary", "scheduled", "completed")]
    # The job is still there with its next 09:00.
    loop_scheduler = scheduling.current_scheduler()
    assert loop_scheduler is not None and loop_scheduler.get_job(job_id("daily-activity-summary")) is not None
    service.stop()
    scheduling.shutdown_scheduler()


async def test_start_up_catch_up_runs_by_itself_when_scheduling(berlin):
    clock = FrozenClock(datetime(2026, 1, 15, 12, tzinfo=UTC))
    make(berlin, clock)
    clock.set(datetime(2026, 2, 2, 12, tzinfo=UTC))
    service = make(berlin, clock, auto_start=True)
    await service.wait_idle()
    made = {h.template_id: h.trigger for h in service.get_scheduled_reports()}
    assert made == {
        "daily-activity-summary": "catch-up",
        "weekly-user-growth": "catch-up",
        "monthly-comprehensive": "catch-up",
    }
    service.stop()
    scheduling.shutdown_scheduler()


def test_disable_auto_sync_schedules_nothing_but_manual_runs_work(berlin):
    clock = FrozenClock(datetime(2026, 1, 15, 12, tzinfo=UTC))
    service = AnalyticsScheduledReportsService(replace(berlin, disable_auto_sync=True), clock=clock, bus=EventBus())

    async def main():
        assert service.scheduler_state == "disabled"
        assert service.ensure_scheduled() is False  # would attach if scheduling were wanted
        assert service.schedule.scheduled_ids() == []
        report = await service.generate_report("weekly-user-growth")
        assert report.size > 0
        return scheduling.current_scheduler()

    assert asyncio.run(main()) is None


def test_created_outside_a_loop_it_attaches_to_the_first_loop_used(berlin):
    clock = FrozenClock(datetime(2026, 1, 15, 12, tzinfo=UTC))
    service = AnalyticsScheduledReportsService(berlin, clock=clock, bus=EventBus())
    assert service.scheduler_state == "pending"

    async def main():
        service.get_report_templates()  # a getter: reads, never schedules
        assert service.scheduler_state == "pending"
        service.ensure_scheduled()
        await service.wait_idle()
        return service.scheduler_state, service.schedule.scheduled_ids()

    state, ids = asyncio.run(main())
    assert state == "running" and len(ids) == 4
    assert service.scheduler_state == "pending"  # that loop is gone; the next one is used


def test_singleton_reads_the_configuration_when_created(monkeypatch, tmp_path):
    from tui_analytics import (
        get_analytics_scheduled_reports_service,
        stop_analytics_scheduled_reports,
    )

    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(tmp_path / "single"))
    try:
        first = get_analytics_scheduled_reports_service()
        assert get_analytics_scheduled_reports_service() is first
        assert first.scheduler_state == "pending"  # no loop yet; attaches on first use from one
        custom = first.create_report_template(name="Kept", schedule="monthly", format="json")
        stop_analytics_scheduled_reports()
        assert first.scheduler_state == "stopped"
        monkeypatch.setenv("DISABLE_AUTO_SYNC", "true")
        second = get_analytics_scheduled_reports_service()
        assert second is not first
        assert second.auto_sync_disabled and second.scheduler_state == "disabled"
        assert custom.id in {t.id for t in second.get_report_templates()}
    finally:
        stop_analytics_scheduled_reports()
