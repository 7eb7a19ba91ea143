"""Report slots on a spring-forward night, as docs/api.md says they are made.

`0,30 2 * * *` in Europe/Berlin on 2026-03-29 names two minutes the change skips (02:00 and
02:30 do not exist that night). cronie runs such a job once per skipped minute, one after the
other; a report slot is made once, at 03:00 CEST, covering the period since the previous fire
time. The docs give this very example; the test holds the service to it, and the docs to the
service.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from tui_analytics.config.settings import Settings
from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.events import EventBus

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_the_docs_say_what_a_spring_forward_slot_is() -> None:
    text = _one_line(DOCS.read_text(encoding="utf-8"))
    assert (
        "A line naming several minutes the change skips, such as `0,30 2 * * *` in Europe/Berlin on "
        "2026-03-29, fires once, at 03:00 CEST: one report slot, covering the period from the previous "
        "fire time (02:30 CET on 2026-03-28) to 03:00 CEST."
    ) in text
    assert "at the same moment" not in text  # what cron(8) was said to do; cronie runs them one after the other


async def test_a_line_of_two_skipped_minutes_makes_one_report_at_three(settings: Settings) -> None:
    clock = FrozenClock(datetime(2026, 3, 28, 12, tzinfo=UTC))
    service = AnalyticsScheduledReportsService(
        replace(settings, timezone_name="Europe/Berlin"), clock=clock, bus=EventBus(), auto_start=False
    )
    service.open()
    for template in service.get_report_templates():
        service.update_report_template(template.id, is_active=False)
    night = service.create_report_template(name="Night", cron="0,30 2 * * *", datasets=["summary"])
    # A pass every five minutes through the night of the change and the next one, as the scheduler's
    # minute job would make them (a slot is made by the first pass at or after its fire time).
    while clock.now() < datetime(2026, 3, 30, 3, tzinfo=UTC):
        clock.advance(timedelta(minutes=5))
        await service.run_due_reports()
    runs = sorted(service.get_scheduled_reports(template_id=night.id), key=lambda r: r.scheduled_for or clock.now())
    slots = [r.scheduled_for.astimezone(BERLIN).strftime("%m-%d %H:%M %Z") for r in runs if r.scheduled_for]
    assert slots == ["03-29 03:00 CEST", "03-30 02:00 CEST", "03-30 02:30 CEST"]
    first = runs[0]
    assert first.status == "completed" and first.trigger == "scheduled"
    assert first.period_start == datetime(2026, 3, 28, 2, 30, tzinfo=BERLIN)  # 02:30 CET, the previous fire time
    assert first.period_end == datetime(2026, 3, 29, 3, 0, tzinfo=BERLIN)  # 03:00 CEST
    service.stop()
