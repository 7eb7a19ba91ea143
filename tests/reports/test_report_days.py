"""A daily report in Europe/Berlin covers one Berlin day, and its activity rows are that one day.

Before days followed the reporting zone, the 24 hours from Berlin midnight to Berlin midnight
were two UTC dates, so the daily report showed two date rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from tui_analytics.config.settings import Settings
from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.events import EventBus

BERLIN = ZoneInfo("Europe/Berlin")


async def test_a_berlin_daily_report_shows_one_date_row(settings: Settings) -> None:
    clock = FrozenClock(datetime(2026, 1, 14, 9, 30, tzinfo=timezone.utc))
    service = AnalyticsScheduledReportsService(
        replace(settings, timezone_name="Europe/Berlin"), clock=clock, bus=EventBus(), auto_start=False
    )
    service.open()
    template = service.update_report_template("daily-activity-summary", datasets=["activity-trends", "summary"])
    report = await service.generate_report(template)
    data = report.data if isinstance(report.data, str) else report.data.decode()
    rows = [r for r in csv.DictReader(io.StringIO(data)) if r["section"] == "activityTrends"]
    assert [r["activityTrends.date"] for r in rows] == ["2026-01-13"]
    summary = next(r for r in csv.DictReader(io.StringIO(data)) if r["section"] == "summary")
    # The summary of the same period counts exactly the activities of that one row.
    assert summary["summary.totalActivities"] == rows[0]["activityTrends.activities"] != "0"
    assert summary["summary.periodStart"] == datetime(2026, 1, 13, tzinfo=BERLIN).astimezone(timezone.utc).isoformat()
