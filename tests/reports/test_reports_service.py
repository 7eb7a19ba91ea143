"""Report templates (CRUD, persistence, validation), generation, history and statistics."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.processor_fakes import FakeRepository
from tui_analytics.config.settings import Settings
from tui_analytics.data.engines import dispose_all
from tui_analytics.data.schema import report_runs, report_templates
from tui_analytics.export.csvfmt import read_cells
from tui_analytics.reports import AnalyticsScheduledReportsService, ReportTemplate
from tui_analytics.reports.models import GeneratedReport
from tui_analytics.reports.store import RunStore
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.errors import TemplateValidationError, UnknownTemplateError
from tui_analytics.runtime.event_types import ReportFailed, ReportFinished, ReportStarted, TemplatesChanged
from tui_analytics.runtime.events import EventBus, ServiceEvent

DEFAULT_IDS = ["daily-activity-summary", "weekly-user-growth", "monthly-comprehensive", "quarterly-performance"]


@pytest.fixture
def berlin_settings(settings: Settings) -> Settings:
    return replace(settings, timezone_name="Europe/Berlin")


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


def make(settings: Settings, clock: FrozenClock, bus: EventBus | None = None, **kw) -> AnalyticsScheduledReportsService:
    kw.setdefault("auto_start", False)
    return AnalyticsScheduledReportsService(settings, clock=clock, bus=bus or EventBus(), **kw).open()


def good_fields(**changes):
    fields = dict(
        name="Custom Weekly Report",
        description="Custom weekly analytics summary",
        schedule="weekly",
        format="csv",
        include_metadata=True,
        recipients=["team@example.com"],
        is_active=True,
    )
    fields.update(changes)
    return fields


def template_rows(service: AnalyticsScheduledReportsService) -> int:
    with service.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(report_templates)).scalar_one()


def next_utc(template: ReportTemplate) -> datetime:
    assert template.next_generation is not None  # every active template has one
    return template.next_generation.astimezone(timezone.utc)


def text_of(report: GeneratedReport) -> str:
    assert isinstance(report.data, str)  # a CSV report: only binary formats give bytes
    return report.data


# -- defaults ------------------------------------------------------------------


def test_four_defaults_with_the_design_fields(berlin_settings, frozen_clock):
    service = make(berlin_settings, frozen_clock)
    templates = {t.id: t for t in service.get_report_templates()}
    assert list(templates) == DEFAULT_IDS
    daily, weekly, monthly, quarterly = (templates[i] for i in DEFAULT_IDS)
    assert (daily.name, daily.schedule, daily.format) == ("Daily Activity Summary", "daily", "csv")
    assert (weekly.name, weekly.schedule, weekly.format) == ("Weekly User Growth Report", "weekly", "csv")
    assert (monthly.name, monthly.schedule, monthly.format) == ("Monthly Comprehensive Analytics", "monthly", "json")
    assert (quarterly.name, quarterly.schedule, quarterly.format) == ("Quarterly Performance Review", "quarterly", "csv")
    assert daily.datasets == ["activity-trends", "recent-activity"]
    assert weekly.datasets == ["user-growth"]
    assert monthly.datasets == ["comprehensive"]
    assert quarterly.datasets == ["comprehensive", "performance"]
    assert [t.effective_cron for t in templates.values()] == ["0 9 * * *", "0 9 * * 1", "0 9 1 * *", "0 9 1 1,4,7,10 *"]
    assert all(t.is_active and t.last_generated is None for t in templates.values())


def test_next_generation_of_each_default_in_the_configured_zone(berlin_settings, frozen_clock):
    # Frozen at Thursday 2026-01-15 12:00 UTC (13:00 in Berlin).
    service = make(berlin_settings, frozen_clock)
    nxt = {t.id: next_utc(t) for t in service.get_report_templates()}
    utc = timezone.utc
    assert nxt == {
        "daily-activity-summary": datetime(2026, 1, 16, 8, 0, tzinfo=utc),  # 09:00 CET
        "weekly-user-growth": datetime(2026, 1, 19, 8, 0, tzinfo=utc),  # Monday
        "monthly-comprehensive": datetime(2026, 2, 1, 8, 0, tzinfo=utc),
        "quarterly-performance": datetime(2026, 4, 1, 7, 0, tzinfo=utc),  # 09:00 CEST
    }
    # On a Monday after 09:00 the weekly report is next Monday, never in the past.
    frozen_clock.set(datetime(2026, 1, 19, 9, 30, tzinfo=utc))
    assert next_utc(service.get_report_template("weekly-user-growth")) == datetime(2026, 1, 26, 8, 0, tzinfo=utc)


def test_defaults_are_created_once_and_a_deleted_default_stays_deleted(settings, frozen_clock):
    service = make(settings, frozen_clock)
    assert service.delete_report_template("weekly-user-growth") is True
    assert service.delete_report_template("weekly-user-growth") is False
    again = make(settings, frozen_clock)
    assert [t.id for t in again.get_report_templates()] == [i for i in DEFAULT_IDS if i != "weekly-user-growth"]


# -- CRUD ---------------------------------------------------------------------


def test_create_update_delete_persist_across_a_restart(settings, frozen_clock, bus):
    events: list[ServiceEvent] = []
    bus.subscribe(events.append)
    service = make(settings, frozen_clock, bus)
    created = service.create_report_template(**good_fields())
    assert isinstance(created, ReportTemplate)
    assert created.id.startswith("custom-") and len(created.id) > len("custom-")
    assert created.recipients == ["team@example.com"]
    assert created.datasets == ["user-growth"]  # a weekly template's default content
    assert created.next_generation is not None
    other = service.create_report_template(**good_fields(name="Second"))
    assert other.id != created.id

    updated = service.update_report_template("daily-activity-summary", recipients=["admin@example.com", "team@example.com"])
    assert updated.recipients == ["admin@example.com", "team@example.com"]
    service.update_report_template(created.id, name="Renamed", format="json", cron="30 6 * * 1-5", timezone="Asia/Tokyo")

    restarted = make(settings, frozen_clock)
    by_id = {t.id: t for t in restarted.get_report_templates()}
    assert by_id["daily-activity-summary"].recipients == ["admin@example.com", "team@example.com"]
    renamed = by_id[created.id]
    assert (renamed.name, renamed.format, renamed.cron, renamed.timezone) == ("Renamed", "json", "30 6 * * 1-5", "Asia/Tokyo")
    assert renamed.next_generation is not None and renamed.next_generation.utcoffset() == timedelta(hours=9)
    assert restarted.delete_report_template(other.id) is True
    assert other.id not in {t.id for t in make(settings, frozen_clock).get_report_templates()}
    changes = [(e.template_id, e.action) for e in events if isinstance(e, TemplatesChanged)]
    assert changes == [
        (created.id, "created"),
        (other.id, "created"),
        ("daily-activity-summary", "updated"),
        (created.id, "updated"),
    ]


def test_unknown_template_is_a_key_error_with_a_plain_message(settings, frozen_clock):
    service = make(settings, frozen_clock)
    with pytest.raises(UnknownTemplateError) as info:
        service.update_report_template("custom-nope", name="x")
    assert isinstance(info.value, KeyError)
    assert str(info.value) == (
        "unknown report template 'custom-nope'; use one of: daily-activity-summary, "
        "monthly-comprehensive, quarterly-performance, weekly-user-growth"
    )
    assert service.delete_report_template("custom-nope") is False


def test_custom_cron_needs_no_named_schedule_and_datasets_are_kept(settings, frozen_clock):
    service = make(settings, frozen_clock)
    t = service.create_report_template(name="Hourly top", cron="0 * * * *", datasets=["top-items", "summary"])
    assert t.schedule == "custom" and t.effective_cron == "0 * * * *"
    assert t.datasets == ["top-items", "summary"]
    assert t.next_generation == datetime(2026, 1, 15, 13, 0, tzinfo=timezone.utc)


BAD_CREATES = [
    ({"name": ""}, "name must not be empty"),
    ({"name": "   "}, "name must not be empty"),
    ({"name": "two\nlines"}, "line breaks"),
    ({"name": "\u200b\u200c\u200d"}, "visible characters"),  # zero-width only
    ({"name": "\ufeff \u2060\u00ad"}, "visible characters"),
    ({"name": "invoice\u202etxt.exe"}, "bidirectional override"),  # shows as "invoiceexe.txt"
    ({"name": "a\u2066b\u2069"}, "bidirectional override"),
    ({"name": "Über café \u200d"}, None),  # accented letters, and a joiner among visible text, are fine
    ({"schedule": "hourly"}, "unknown schedule 'hourly'"),
    ({"schedule": None}, "schedule is required"),
    ({"schedule": "custom"}, "needs a cron expression"),
    ({"format": "ods"}, "unknown format 'ods'"),
    ({"format": "pdf"}, "unknown format"),
    ({"cron": "0 9 * *"}, "has 4 field(s)"),
    ({"cron": "0 9 * * * *"}, "has 6 field(s)"),
    ({"cron": "60 9 * * *"}, "minute value 60 is out of range"),
    ({"cron": "0 25 * * *"}, "hour value 25"),
    ({"cron": "0 9 * * 8"}, "day of week value 8"),
    ({"cron": "0 9 31 2 *"}, "never matches"),
    ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
    ({"recipients": ["not-an-email"]}, "invalid e-mail address 'not-an-email'"),
    ({"recipients": ["a@x.com\r\nBcc: victim@example.com"]}, "line break"),
    ({"recipients": ["a@x.com\nBcc: x"]}, "line break"),
    ({"recipients": "a@x.com\r\nBcc: x"}, "line break"),
    ({"recipients": ["a b@x.com"]}, "invalid e-mail address"),
    ({"recipients": ["a@x"]}, "invalid e-mail address"),
    ({"recipients": ["@example.com"]}, "invalid e-mail address"),
    ({"recipients": ["Name <a@x.com>"]}, "invalid e-mail address"),
    ({"recipients": ["a@x.com, b@y.com"]}, "invalid e-mail address"),
    ({"recipients": "team@example.com"}, None),  # a single string is accepted (split on , or ;)
    ({"recipients": [42]}, "must be text"),
    ({"datasets": ["sales"]}, "unknown dataset 'sales'"),
    ({"datasets": []}, "non-empty"),
    ({"include_metadata": "yes"}, "include_metadata must be true or false"),
    ({"is_active": 1}, "is_active must be true or false"),
    ({"colour": "red"}, "unknown template field 'colour'"),
    ({"id": "custom-mine"}, "set by the service"),
]


@pytest.mark.parametrize("change, message", BAD_CREATES)
def test_validation_matrix_on_create_saves_nothing(settings, frozen_clock, change, message):
    service = make(settings, frozen_clock)
    before = template_rows(service)
    if message is None:
        service.create_report_template(**good_fields(**change))
        assert template_rows(service) == before + 1
        return
    with pytest.raises(TemplateValidationError) as info:
        service.create_report_template(**good_fields(**change))
    assert isinstance(info.value, ValueError)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert template_rows(service) == before


@pytest.mark.parametrize(
    "change, message", [c for c in BAD_CREATES if c[1] and "set by the service" not in c[1] and "schedule is required" not in c[1]]
)
def test_validation_matrix_on_update_changes_nothing(settings, frozen_clock, change, message):
    service = make(settings, frozen_clock)
    before = service.get_report_template("daily-activity-summary")
    with pytest.raises(TemplateValidationError):
        service.update_report_template("daily-activity-summary", **change)
    assert service.get_report_template("daily-activity-summary") == before


def test_preview_schedule_for_the_editor(berlin_settings, frozen_clock):
    service = make(berlin_settings, frozen_clock)
    weekly = service.preview_schedule("weekly", n=2)
    assert [t.astimezone(timezone.utc) for t in weekly] == [
        datetime(2026, 1, 19, 8, tzinfo=timezone.utc),
        datetime(2026, 1, 26, 8, tzinfo=timezone.utc),
    ]
    tokyo = service.preview_schedule("custom", cron="0 7 * * 1-5", timezone_name="Asia/Tokyo", n=1)
    assert tokyo[0].isoformat() == "2026-01-16T07:00:00+09:00"
    with pytest.raises(TemplateValidationError, match="needs a cron"):
        service.preview_schedule("custom")


def test_update_refuses_read_only_fields(settings, frozen_clock):
    service = make(settings, frozen_clock)
    with pytest.raises(TemplateValidationError, match="id cannot be changed"):
        service.update_report_template("daily-activity-summary", id="other")


def test_seed_style_camel_case_and_a_mapping_are_accepted(settings, frozen_clock):
    service = make(settings, frozen_clock)
    t = service.create_report_template(
        {"name": "Seed style", "schedule": "monthly", "format": "json", "includeMetadata": False, "isActive": False}
    )
    assert (t.include_metadata, t.is_active, t.next_generation) == (False, False, None)


# -- generation, history, statistics ------------------------------------------


async def test_generate_each_default_writes_its_file_and_records_it(settings, frozen_clock, bus):
    events: list[ServiceEvent] = []
    bus.subscribe(events.append)
    service = make(settings, frozen_clock, bus)
    reports = {}
    for template in service.get_report_templates():
        reports[template.id] = await service.generate_report(template=template)
    report_dir = settings.resolved_report_dir
    for report in reports.values():
        path = Path(report.path)
        assert path.parent == report_dir and path.exists()
        assert path.stat().st_size == report.size
        data = report.data.encode("utf-8") if isinstance(report.data, str) else report.data
        assert path.read_bytes() == data
    daily = reports["daily-activity-summary"]
    assert daily.filename.startswith("daily-activity-summary_2026-01-14_") and daily.filename.endswith(".csv")
    assert daily.content_type == "text/csv; charset=utf-8"
    assert daily.date_range == "2026-01-14T00:00:00+00:00/2026-01-15T00:00:00+00:00"
    cells = list(read_cells(text_of(daily)))
    assert cells[0][:4] == ["section", "activityTrends.date", "activityTrends.activities", "activityTrends.activeUsers"]
    sections = {row[0] for row in cells[1:]}
    assert sections == {"activityTrends", "recentActivity"}
    # The trend row for the 14th is the day's real count: check it against the repository.
    from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository

    repo = AdminAnalyticsOptimizedRepository(settings.source_url, clock=frozen_clock)
    expected = repo.activity_trends(1, date_range=DateRange(date(2026, 1, 14), date(2026, 1, 14)))[0]
    trend = [row for row in cells[1:] if row[0] == "activityTrends"]
    assert trend == [["activityTrends", "2026-01-14", str(expected["activities"]), str(expected["activeUsers"])] + [""] * 6]
    recent = [row for row in cells[1:] if row[0] == "recentActivity"]
    assert len(recent) == min(1000, expected["activities"])
    assert all(r[4].startswith("2026-01-14") for r in recent)

    monthly = reports["monthly-comprehensive"]
    doc = json.loads(monthly.data)
    assert monthly.content_type == "application/json"
    assert doc["metadata"]["dateRange"] == "2025-12-01T00:00:00+00:00/2026-01-01T00:00:00+00:00"
    assert doc["metadata"]["reportTemplate"] == "monthly-comprehensive"
    assert set(doc["data"]) == {"summary", "userGrowth", "activityTrends", "topItems", "recentActivity"}
    assert doc["data"]["activityTrends"][0]["date"] == "2025-12-01"
    assert len(doc["data"]["activityTrends"]) == 31  # the whole month, not the export's 30-day default

    quarterly = list(read_cells(text_of(reports["quarterly-performance"])))
    q_sections = [row[0] for row in quarterly[1:]]
    assert q_sections[0] == "summary" and q_sections[-1] == "performance"
    assert "performance.databaseLatencyMs" in quarterly[0]
    assert Path(reports["quarterly-performance"].path + ".meta.json").exists()  # CSV metadata beside it

    history = service.get_scheduled_reports()
    assert [h.template_id for h in history] == list(reversed(DEFAULT_IDS))  # newest first
    assert all(h.status == "completed" and h.trigger == "manual" for h in history)
    assert all(h.delivery_status == "no-recipients" for h in history)
    stats = service.get_report_statistics()
    assert (stats.total_templates, stats.active_templates) == (4, 4)
    assert (stats.total_reports, stats.successful_reports, stats.failed_reports) == (4, 4, 0)
    assert stats["total_reports"] == 4
    kinds = [type(e) for e in events]
    assert kinds.count(ReportStarted) == 4 and kinds.count(ReportFinished) == 4
    assert service.get_report_template("daily-activity-summary").last_generated == frozen_clock.now()


async def test_generate_with_an_explicit_date_range_and_a_custom_template(settings, frozen_clock):
    service = make(settings, frozen_clock)
    custom = service.create_report_template(
        **good_fields(name="Top items", datasets=["top-items"], format="json", include_metadata=False)
    )
    report = await service.generate_report(template=custom, date_range=DateRange(date(2025, 12, 1), date(2025, 12, 31)))
    rows = json.loads(report.data)
    assert isinstance(rows, list) and rows and set(rows[0]) == {"rank", "itemId", "name", "category", "interactions", "uniqueUsers"}
    assert report.filename.startswith("top-items_2025-12-01_2025-12-31_")
    # by id too
    again = await service.generate_report(custom.id)
    assert again.template_id == custom.id


async def test_failed_runs_are_recorded_and_counted_and_do_not_stop_others(settings, frozen_clock, bus):
    events: list[ServiceEvent] = []
    bus.subscribe(events.append)
    service = make(settings, frozen_clock, bus)
    daily = service.get_report_template("daily-activity-summary")
    await service.generate_report(template=daily)
    with pytest.raises(ValueError, match="must be before end"):  # bad input: refused, nothing recorded
        await service.generate_report(template=daily, date_range=DateRange(date(2026, 1, 10), date(2026, 1, 1)))
    assert len(service.get_scheduled_reports()) == 1

    refusing = FakeRepository.failing(ValueError("limit must be a positive whole number, got 0"))
    with pytest.raises(ValueError, match="positive whole number"):  # a failure during generation is recorded
        await make(settings, frozen_clock, bus, repository=refusing).generate_report(template=daily)

    broken = make(settings, frozen_clock, bus, repository=FakeRepository.failing(RuntimeError("source database is down")))
    with pytest.raises(RuntimeError):
        await broken.generate_report("weekly-user-growth")
    history = service.get_scheduled_reports()
    assert [(h.template_id, h.status) for h in history] == [
        ("weekly-user-growth", "failed"),
        ("daily-activity-summary", "failed"),
        ("daily-activity-summary", "completed"),
    ]
    assert history[0].error == "source database is down"
    assert "positive whole number" in (history[1].error or "")
    assert history[1].filename is None and history[1].finished_at is not None
    stats = service.get_report_statistics()
    assert (stats.total_reports, stats.successful_reports, stats.failed_reports) == (3, 1, 2)
    failed = [e for e in events if isinstance(e, ReportFailed)]
    assert [e.error for e in failed][-1] == "source database is down"
    assert list(settings.resolved_report_dir.iterdir()) and not any(
        p.name.startswith(".") for p in settings.resolved_report_dir.iterdir()
    )  # no temp files left behind


async def test_a_template_name_cannot_put_the_file_outside_the_report_dir(settings, frozen_clock):
    service = make(settings, frozen_clock)
    t = service.create_report_template(**good_fields(name="../../etc/passwd", datasets=["top-items"]))
    report = await service.generate_report(t)
    assert Path(report.path).parent == settings.resolved_report_dir
    assert "/" not in report.filename and not report.filename.startswith(".")


def test_interrupted_runs_are_marked_at_start(settings, frozen_clock):
    service = make(settings, frozen_clock)
    runs = RunStore(service.engine)
    run_id = runs.start("daily-activity-summary", "Daily Activity Summary", "scheduled", None, frozen_clock.now())
    dispose_all()  # this process ends (its state database locks go with it)
    make(settings, frozen_clock).claim_scheduler()  # the next start of a process that schedules
    row = next(h for h in service.get_scheduled_reports() if h.id == run_id)
    assert row.status == "interrupted" and "interrupted" in (row.error or "")
    assert service.get_report_statistics().failed_reports == 1
    with service.engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(report_runs).where(report_runs.c.status == "running")).scalar_one() == 0
        )
