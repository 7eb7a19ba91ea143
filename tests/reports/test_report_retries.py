"""A report slot whose run failed or was interrupted is made again: with a growing delay while the
process runs, at once when the scheduler is taken (the next start), within the retry horizon, and one
run per slot completes in the end."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from tui_analytics.config.settings import Settings
from tui_analytics.data.schema import report_runs
from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.reports.retries import delay_after
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.events import EventBus

UTC = timezone.utc
SLOT = datetime(2026, 1, 16, 10, tzinfo=UTC)


def make(settings: Settings, clock: FrozenClock) -> AnalyticsScheduledReportsService:
    service = AnalyticsScheduledReportsService(settings, clock=clock, bus=EventBus(), auto_start=False)
    service.open()
    return service


class Outage:
    """The template's builds fail while `down`, as a source outage does."""

    def __init__(self, service: AnalyticsScheduledReportsService, template_id: str) -> None:
        self.down = True
        original = service.runner._build

        def build(template, *args):
            if template.id == template_id and self.down:
                raise RuntimeError("source unreachable")
            return original(template, *args)

        service.runner._build = build  # type: ignore[method-assign]


def slot_runs(service: AnalyticsScheduledReportsService, template_id: str) -> list[tuple[str, str]]:
    rows = service.get_scheduled_reports(template_id=template_id)
    return [(r.trigger, r.status) for r in reversed(rows) if r.scheduled_for == SLOT]


@pytest.fixture
def utc(settings: Settings) -> Settings:
    return replace(settings, timezone_name="UTC")


async def test_a_failed_slot_is_retried_after_its_delay_and_made_once(utc):
    clock = FrozenClock(datetime(2026, 1, 15, 12, tzinfo=UTC))
    service = make(utc, clock)
    template = service.create_report_template(name="Hourly ops", cron="0 10 * * *", datasets=["summary"])
    outage = Outage(service, template.id)
    clock.set(SLOT + timedelta(seconds=30))
    await service.run_due_reports()
    assert slot_runs(service, template.id) == [("scheduled", "failed")]

    assert await service.retries.retry_due() == []  # not before its delay
    clock.advance(delay_after(1).total_seconds() + 1)
    assert len(await service.retries.retry_due()) == 1  # the source is still down: a second failure
    assert slot_runs(service, template.id) == [("scheduled", "failed"), ("retry", "failed")]
    clock.advance(delay_after(1).total_seconds() + 1)
    assert await service.retries.retry_due() == []  # the delay grows: 2 minutes after the second attempt
    outage.down = False
    clock.advance(delay_after(2).total_seconds())
    made = await service.retries.retry_due()
    assert len(made) == 1
    assert slot_runs(service, template.id) == [("scheduled", "failed"), ("retry", "failed"), ("retry", "completed")]
    retried = service.get_scheduled_reports(template_id=template.id)[0]
    assert "_2026-01-15_" in (retried.filename or "")  # the slot's period, not today's
    clock.advance(7200)
    assert await service.retries.retry_due() == []  # made: never again
    assert await service.run_due_reports() == []


async def test_an_interrupted_slot_is_made_at_the_next_start(utc):
    clock = FrozenClock(datetime(2026, 1, 15, 12, tzinfo=UTC))
    first = make(utc, clock)
    template = first.create_report_template(name="Nightly", cron="0 10 * * *", datasets=["summary"])
    clock.set(SLOT + timedelta(seconds=30))
    await first.run_due_reports()
    # As a kill -9 during the generation leaves it: the slot claimed, its run still 'running'.
    with first._state().begin() as conn:
        conn.execute(
            update(report_runs)
            .where(report_runs.c.template_id == template.id)
            .values(status="running", finished_at=None, path=None, filename=None)
        )
    clock.advance(600)
    second = make(utc, clock)
    second.recover()  # what taking the scheduler lock does first
    await second.catch_up()
    assert slot_runs(second, template.id) == [("scheduled", "interrupted"), ("retry", "completed")]
    await second.catch_up()  # a second start makes nothing more
    assert len(slot_runs(second, template.id)) == 2


async def test_slots_past_the_horizon_or_with_retries_off_stay_as_they_are(utc):
    clock = FrozenClock(datetime(2026, 1, 15, 12, tzinfo=UTC))
    service = make(replace(utc, report_retry_hours=2), clock)
    template = service.create_report_template(name="Old", cron="0 10 * * *", datasets=["summary"])
    Outage(service, template.id)
    clock.set(SLOT + timedelta(seconds=30))
    await service.run_due_reports()
    clock.advance(3 * 3600)  # past the two hours
    assert await service.retries.retry_due(at_start=True) == []

    off = make(replace(utc, report_retry_hours=0), clock)
    assert await off.retries.retry_due(at_start=True) == []


async def test_manual_and_backfill_runs_are_not_slots(utc):
    clock = FrozenClock(datetime(2026, 1, 17, 12, tzinfo=UTC))
    service = make(utc, clock)
    template = service.get_report_templates()[0]
    Outage(service, template.id)
    with pytest.raises(Exception, match="source unreachable"):
        await service.generate_report(template=template)
    clock.advance(3600)
    assert await service.retries.retry_due(at_start=True) == []
