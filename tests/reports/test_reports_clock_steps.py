"""Report slots across a step of the wall clock: cron(8)'s rule (reports/cron/clock_steps.py), alone
and through the shared scheduler, on a FrozenClock whose wall time is stepped (durations do not move)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.reports.cron.clock_steps import after_step
from tui_analytics.reports.cron.parse import parse_cron
from tui_analytics.runtime import scheduling
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.clock_steps import ClockStep
from tui_analytics.runtime.events import EventBus

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NOON = datetime(2026, 1, 15, 12, 0, 30, tzinfo=UTC)


def step(before: datetime, seconds: int) -> ClockStep:
    return ClockStep(seconds, before, before + timedelta(seconds=seconds))


def at(hour: int, minute: int, tz: ZoneInfo | timezone = UTC) -> datetime:
    return datetime(2026, 1, 15, hour, minute, tzinfo=tz)


def test_a_small_step_forward_makes_every_skipped_slot_once_oldest_first() -> None:
    plan = after_step(parse_cron("*/10 * * * *"), UTC, step(NOON, 35 * 60))  # 12:00:30 -> 12:35:30
    assert plan.slots == (at(12, 10), at(12, 20), at(12, 30))
    assert plan.next_fire == at(12, 40)
    # A fixed-time line, and the skipped minutes of an every-minute line (cron runs each of them).
    assert after_step(parse_cron("0 13 * * *"), UTC, step(NOON, 2 * 3600)).slots == (at(13, 0),)
    assert after_step(parse_cron("* * * * *"), UTC, step(NOON, 120)).slots == (at(12, 1), at(12, 2))
    # Nothing skipped: nothing to make, and the next fire time is the first after the new time.
    plan = after_step(parse_cron("0 9 * * *"), UTC, step(NOON, 3600))
    assert plan.slots == () and plan.next_fire == datetime(2026, 1, 16, 9, tzinfo=UTC)


def test_the_skipped_slots_are_the_templates_zone_fire_times() -> None:
    plan = after_step(parse_cron("0 14 * * *"), BERLIN, step(NOON, 3600))  # 14:00 in Berlin is 13:00 UTC
    assert plan.slots == (at(14, 0, BERLIN),)


def test_a_step_forward_of_three_hours_or_more_re_anchors_making_only_the_latest_skipped_slot() -> None:
    plan = after_step(parse_cron("*/10 * * * *"), UTC, step(NOON, 3 * 3600))
    assert plan.slots == (at(15, 0),)  # not the 18 slots in between
    assert plan.next_fire == at(15, 10)
    # Days: only the latest of the skipped fire times, once.
    plan = after_step(parse_cron("0 9 * * *"), UTC, step(NOON, 3 * 86400))
    assert plan.slots == (datetime(2026, 1, 18, 9, tzinfo=UTC),)
    assert after_step(parse_cron("0 9 * * *"), UTC, step(NOON, 4 * 3600)).slots == ()  # none skipped


def test_a_step_back_of_any_size_makes_nothing_again_and_keeps_the_next_fire_time() -> None:
    for seconds in (-120, -3 * 3600, -3 * 86400):
        plan = after_step(parse_cron("*/10 * * * *"), UTC, step(NOON, seconds))
        assert plan.slots == () and plan.next_fire is None


# -- through the scheduler -------------------------------------------------------------


async def _scheduled(settings, clock: FrozenClock) -> AnalyticsScheduledReportsService:
    service = AnalyticsScheduledReportsService(settings, clock=clock, bus=EventBus(), auto_start=True)
    service.open()
    service.ensure_scheduled()
    await service.wait_idle()
    return service


def _made(service: AnalyticsScheduledReportsService, template_id: str) -> list[tuple[str, datetime | None]]:
    runs = service.get_scheduled_reports(template_id=template_id)
    return sorted((r.trigger, r.scheduled_for) for r in runs)


async def test_the_schedule_catches_up_a_small_step_forward_and_re_anchors_after_a_large_one(settings) -> None:
    clock = FrozenClock(datetime(2026, 1, 15, 12, 0, 30, tzinfo=UTC))
    service = await _scheduled(settings, clock)
    scheduler = scheduling.current_scheduler()
    assert scheduler is not None
    # Paused, so APScheduler (on real time) fires nothing by itself: the frozen clock's fire times
    # are long past in real time. Its clock checks work paused too.
    scheduling.pause()
    try:
        template = service.create_report_template(name="Every ten", cron="*/10 * * * *", datasets=["top-items"])
        clock.step(35 * 60)  # 12:35:30 by the wall clock, a moment later in elapsed time
        assert scheduler.check_clock() is not None
        await service.wait_idle()
        assert _made(service, template.id) == [("catch-up", at(12, 10)), ("catch-up", at(12, 20)), ("catch-up", at(12, 30))]
        job = scheduler.get_job("report:" + template.id)
        assert job.next_run_time == at(12, 40)  # the first fire time after the new time

        clock.step(timedelta(hours=5))  # 17:35:30: re-anchored
        scheduler.check_clock()
        await service.wait_idle()
        assert _made(service, template.id)[3:] == [("catch-up", at(17, 30))]
        assert scheduler.get_job("report:" + template.id).next_run_time == at(17, 40)

        clock.step(timedelta(hours=-3))  # 14:35:30: what was made is not made again
        scheduler.check_clock()
        await service.wait_idle()
        assert len(_made(service, template.id)) == 4
        assert scheduler.get_job("report:" + template.id).next_run_time == at(17, 40)
    finally:
        service.stop()
        scheduling.shutdown_scheduler()
