"""Backfill: one report per period of the template's schedule in a range, recorded as 'backfill'."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone, tzinfo
from pathlib import Path
from typing import Any

import pytest

from tui_analytics.cli import main
from tui_analytics.config.settings import Settings
from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.reports.backfill import ALREADY, EMPTY, FAILED, MADE
from tui_analytics.reports.cron import as_tz
from tui_analytics.reports.periods import periods_starting
from tui_analytics.runtime.clock import Clock
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.errors import UnknownTemplateError
from tui_analytics.runtime.events import EventBus

UTC = timezone.utc


def days(ranges: list[DateRange], tz: tzinfo = UTC) -> list[tuple[str, str]]:
    return [(r.start_utc.astimezone(tz).date().isoformat(), r.end_utc.astimezone(tz).date().isoformat()) for r in ranges]


def test_periods_of_each_schedule_that_start_in_the_range() -> None:
    jan = (date(2026, 1, 1), date(2026, 1, 31))
    assert len(periods_starting("daily", "", UTC, date(2026, 1, 1), date(2026, 1, 10))) == 10
    # Mondays in January: the week from the 26th ends on 1 February
    assert days(periods_starting("weekly", "", UTC, *jan)) == [
        ("2026-01-05", "2026-01-12"),
        ("2026-01-12", "2026-01-19"),
        ("2026-01-19", "2026-01-26"),
        ("2026-01-26", "2026-02-02"),
    ]
    assert days(periods_starting("monthly", "", UTC, date(2025, 11, 15), date(2026, 2, 1))) == [
        ("2025-12-01", "2026-01-01"),
        ("2026-01-01", "2026-02-01"),
        ("2026-02-01", "2026-03-01"),
    ]
    assert days(periods_starting("quarterly", "", UTC, date(2025, 2, 1), date(2025, 12, 31))) == [
        ("2025-04-01", "2025-07-01"),
        ("2025-07-01", "2025-10-01"),
        ("2025-10-01", "2026-01-01"),
    ]
    # a custom cron: from each fire time to the next (weekdays at 06:30)
    custom = periods_starting("custom", "30 6 * * 1-5", UTC, date(2026, 1, 9), date(2026, 1, 12))
    assert [(r.start_utc.isoformat(), r.end_utc.isoformat()) for r in custom] == [
        ("2026-01-09T06:30:00+00:00", "2026-01-12T06:30:00+00:00"),
        ("2026-01-12T06:30:00+00:00", "2026-01-13T06:30:00+00:00"),
    ]


def test_periods_are_midnight_to_midnight_in_the_templates_zone() -> None:
    berlin = as_tz("Europe/Berlin")
    (period,) = periods_starting("daily", "", berlin, date(2026, 3, 29), date(2026, 3, 29))  # clocks go forward
    assert period.start_utc == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert period.end_utc == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # a 23-hour day


def test_a_reversed_or_huge_range_is_refused() -> None:
    with pytest.raises(ValueError, match="is after"):
        periods_starting("daily", "", UTC, date(2026, 1, 2), date(2026, 1, 1))
    with pytest.raises(ValueError, match="more than 3,660 daily periods"):
        periods_starting("daily", "", UTC, date(2000, 1, 1), date(2026, 1, 1))


def make(settings: Settings, clock: Clock) -> AnalyticsScheduledReportsService:
    return AnalyticsScheduledReportsService(settings, clock=clock, bus=EventBus(), auto_start=False).open()


async def test_backfill_makes_each_period_once_and_records_it(settings, frozen_clock) -> None:
    service = make(settings, frozen_clock)
    seen: list[tuple[int, int, str, str]] = []
    result = await service.backfill(
        "daily-activity-summary",
        date(2026, 1, 1),
        date(2026, 1, 10),
        on_progress=lambda done, total, item: seen.append((done, total, item.period, item.outcome)),
    )
    assert seen == [(n, 10, f"2026-01-{n:02d}", MADE) for n in range(1, 11)]
    assert result.summary() == "10 periods: 10 made, 0 empty, 0 already made, 0 failed"
    history = service.get_scheduled_reports()
    assert [(h.trigger, h.status) for h in history] == [("backfill", "completed")] * 10
    # (a run without a period would make the list shorter than the ten days)
    assert sorted(h.period_start.date().isoformat() for h in history if h.period_start) == [
        f"2026-01-{n:02d}" for n in range(1, 11)
    ]
    first = Path(result.items[0].path or "")
    assert first.is_file() and "_2026-01-01_" in first.name
    lines = first.read_text().splitlines()
    assert lines[0].startswith("section,activityTrends.date,")
    assert lines[1].startswith("activityTrends,2026-01-01,") and "activityTrends,2026-01-02," not in lines  # its day only
    # Again over a longer range: only the new days are made
    again = await service.backfill("daily-activity-summary", date(2026, 1, 9), date(2026, 1, 12))
    assert [i.outcome for i in again.items] == [ALREADY, ALREADY, MADE, MADE]
    forced = await service.backfill("daily-activity-summary", date(2026, 1, 9), date(2026, 1, 9), force=True)
    assert [i.outcome for i in forced.items] == [MADE]
    assert len(service.get_scheduled_reports(template_id="daily-activity-summary")) == 13


async def test_a_period_not_over_yet_is_left_out(settings, frozen_clock) -> None:
    service = make(settings, frozen_clock)  # now is 2026-01-15 12:00 UTC
    result = await service.backfill("daily-activity-summary", date(2026, 1, 13), date(2026, 1, 20))
    assert [i.period for i in result.items] == ["2026-01-13", "2026-01-14"] and result.not_over == 6
    with pytest.raises(ValueError, match="no weekly period .* that has ended"):
        await service.backfill("weekly-user-growth", date(2026, 1, 12), date(2026, 1, 31))
    assert len(service.get_scheduled_reports()) == 2  # nothing recorded for the refused one


async def test_one_failing_period_does_not_stop_the_others(settings, frozen_clock, monkeypatch) -> None:
    service = make(settings, frozen_clock)
    repository = service.runner.repository()
    calls = {"n": 0}
    real = repository.activity_trends

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ValueError("the second period's query failed")
        return real(*args, **kwargs)

    monkeypatch.setattr(repository, "activity_trends", flaky)
    result = await service.backfill("daily-activity-summary", date(2026, 1, 1), date(2026, 1, 3))
    assert [i.outcome for i in result.items] == [MADE, FAILED, MADE]
    assert "second period" in (result.items[1].error or "")
    assert [h.status for h in service.get_scheduled_reports()] == ["completed", "failed", "completed"]
    # the failed period is made by the next backfill; the others are not made again
    monkeypatch.setattr(repository, "activity_trends", real)
    retry = await service.backfill("daily-activity-summary", date(2026, 1, 1), date(2026, 1, 3))
    assert [i.outcome for i in retry.items] == [ALREADY, MADE, ALREADY]


async def test_empty_periods_of_a_skip_empty_template_count_as_done(settings, frozen_clock) -> None:
    service = make(settings, frozen_clock)
    template = service.create_report_template(name="Quiet daily", schedule="daily", skip_empty=True, datasets=["activity-trends"])
    result = await service.backfill(template, date(2020, 1, 1), date(2020, 1, 2))  # before the demo data begins
    assert [i.outcome for i in result.items] == [EMPTY, EMPTY] and all(i.path is None for i in result.items)
    again = await service.backfill(template, date(2020, 1, 1), date(2020, 1, 2))
    assert [i.outcome for i in again.items] == [ALREADY, ALREADY]


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Path:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TUI_ANALYTICS_TIMEZONE", "UTC")
    return data_dir


def test_cli_backfill_shows_progress_and_records_ten_rows(cli_env, capsys) -> None:
    code = main(["report", "backfill", "Daily Activity Summary", "--from", "2025-12-01", "--to", "2025-12-10"])
    out, err = capsys.readouterr()
    assert code == 0
    progress = [line for line in err.splitlines() if "/10 " in line]
    assert progress[0] == "backfill daily-activity-summary: 1/10 2025-12-01 completed"
    assert len(progress) == 10 and err.splitlines()[-1].endswith("10 made, 0 empty, 0 already made, 0 failed")
    assert len(out.splitlines()) == 10 and all(Path(p).is_file() for p in out.splitlines())
    assert main(["report", "history", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["trigger"], r["status"]) for r in rows] == [("backfill", "completed")] * 10
    assert main(["report", "backfill", "daily-activity-summary", "--from", "2025-12-10", "--to", "2025-12-11", "--json", "-q"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and [i["outcome"] for i in json.loads(out)["items"]] == [ALREADY, MADE]


@pytest.mark.parametrize(
    ("argv", "says", "code"),
    [
        (["daily-activty-summary", "--from", "2025-12-01", "--to", "2025-12-02"], "did you mean 'daily-activity-summary'", 1),
        (["daily-activity-summary", "--from", "2025-12-02", "--to", "2025-12-01"], "--from 2025-12-02 is after --to", 1),
        (["daily-activity-summary", "--from", "2025-12-1", "--to", "2025-12-02"], "is not a date (YYYY-MM-DD)", 2),
        (["daily-activity-summary", "--from", "2030-01-01", "--to", "2030-01-02"], "that has ended", 1),
        (["daily-activity-summary", "--to", "2025-12-02"], "--from", 2),
    ],
)
def test_cli_backfill_refuses_bad_input_in_one_line(cli_env, capsys, argv, says, code) -> None:
    try:
        exit_code = main(["report", "backfill", *argv])
    except SystemExit as usage:  # argparse's usage errors
        exit_code = int(usage.code or 0)
    assert exit_code == code
    out, err = capsys.readouterr()
    assert out == "" and says in err and err.count("\n") == 1
    assert main(["report", "history", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # nothing made, nothing recorded


async def test_unknown_template_is_refused(settings, frozen_clock) -> None:
    service = make(settings, frozen_clock)
    with pytest.raises(UnknownTemplateError):
        await service.backfill("nope", date(2026, 1, 1), date(2026, 1, 2))
