"""A template's `by`: its user growth and activity trends per day, week or month (the weekly
user-growth report per day: seven date rows), stored, changed and refused like its other fields."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tui_analytics.cli import main
from tui_analytics.config.settings import Settings
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.errors import TemplateValidationError
from tui_analytics.runtime.events import EventBus

BERLIN = ZoneInfo("Europe/Berlin")


def _service(settings: Settings) -> AnalyticsScheduledReportsService:
    clock = FrozenClock(datetime(2026, 1, 14, 9, 30, tzinfo=timezone.utc))  # a Wednesday
    service = AnalyticsScheduledReportsService(
        replace(settings, timezone_name="Europe/Berlin"), clock=clock, bus=EventBus(), auto_start=False
    )
    service.open()
    return service


def _rows(data: str | bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data if isinstance(data, str) else data.decode())))


async def test_a_weekly_user_growth_report_by_day_has_one_row_per_berlin_day(settings: Settings) -> None:
    service = _service(settings)
    template = service.update_report_template("weekly-user-growth", by="day")
    assert template.by == "day" and service.get_report_template("weekly-user-growth").by == "day"
    report = await service.generate_report(template)
    rows = _rows(report.data)
    days = [date(2026, 1, 5) + timedelta(days=i) for i in range(7)]  # the previous Monday-to-Sunday week
    assert [r["date"] for r in rows] == [d.isoformat() for d in days]
    repo = AdminAnalyticsOptimizedRepository(settings.source_url, zone=BERLIN)
    for day, row in zip(days, rows):
        expected = repo.user_growth(1, DateRange(day, day))[0]["newUsers"]  # the day alone, by the month method
        assert int(row["newUsers"]) == expected
    # Back to the trends' own units.
    template = service.update_report_template("weekly-user-growth", by=None)
    report = await service.generate_report(template)
    assert list(_rows(report.data)[0]) == ["month", "newUsers", "totalUsers"]


def test_by_is_checked_like_the_other_fields(settings: Settings) -> None:
    service = _service(settings)
    with pytest.raises(TemplateValidationError, match="unknown by 'hour'"):
        service.create_report_template(name="x", schedule="daily", by="hour")
    assert [t.name for t in service.get_report_templates()].count("x") == 0
    made = service.create_report_template(name="weekly signups", schedule="monthly", datasets=["activity-trends"], by="WEEK")
    assert made.by == "week" and made.to_dict()["by"] == "week"


def test_report_create_and_update_take_by(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(settings.data_dir))
    assert main(["report", "create", "--name", "signups", "--schedule", "daily", "--dataset", "user-growth", "--by", "day"]) == 0
    template_id = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["report", "update", template_id, "--by", "fortnight"]) == 1
    assert "unknown by 'fortnight'" in capsys.readouterr().err
    assert main(["report", "update", template_id, "--by", "none"]) == 0
    capsys.readouterr()
    assert main(["report", "list", "--json"]) == 0
    import json

    listed = {t["id"]: t for t in json.loads(capsys.readouterr().out)}
    assert listed[template_id]["by"] is None
