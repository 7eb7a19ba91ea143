"""Quieter reports: skip_empty and max_attachment_mb per template; the state database upgrade that
adds their columns; history filters (template, status, since) in the service and the CLI."""

from __future__ import annotations

import email
import json
from dataclasses import replace
from datetime import date, datetime, timezone
from email import policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from tests.reports.test_reports_delivery import smtp_server  # noqa: F401 - the fixture
from tui_analytics.cli import main
from tui_analytics.config.settings import Settings, SmtpSettings
from tui_analytics.data.engines import new_engine
from tui_analytics.data.state.database import open_state
from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.reports.content import is_empty
from tui_analytics.runtime.clock import Clock
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.errors import TemplateValidationError
from tui_analytics.runtime.event_types import ReportFinished
from tui_analytics.runtime.events import EventBus

EMPTY_DAY = DateRange(date(2020, 1, 1), date(2020, 1, 1))  # before the demo data begins
BUSY_DAY = DateRange(date(2026, 1, 10), date(2026, 1, 10))


def make(settings: Settings, clock: Clock, bus: EventBus | None = None) -> AnalyticsScheduledReportsService:
    return AnalyticsScheduledReportsService(settings, clock=clock, bus=bus or EventBus(), auto_start=False).open()


def test_what_counts_as_empty() -> None:
    zero_days = [{"date": "2020-01-01", "activities": 0, "activeUsers": 0}]
    assert is_empty({"activityTrends": zero_days, "recentActivity": [], "topItems": []})
    assert is_empty({"summary": {"totalUsers": 5, "activeUsers": 0, "totalActivities": 0, "newUsers": 0}})
    assert not is_empty({"activityTrends": [{"date": "d", "activities": 3, "activeUsers": 1}]})
    assert not is_empty({"userGrowth": [{"month": "2020-01", "newUsers": 1, "totalUsers": 1}]})
    assert not is_empty({"recentActivity": [{"userId": 1}]})
    assert not is_empty({"performance": {"memoryRssMb": 80}})  # measured now: never "empty"
    assert is_empty({"performance": {"memoryRssMb": 80}, "topItems": []})


async def test_skip_empty_makes_no_file_and_says_so_in_the_history(settings, frozen_clock, smtp_server) -> None:  # noqa: F811
    mailbox, port = smtp_server
    smtp = SmtpSettings(url=f"smtp://127.0.0.1:{port}", sender="reports@example.com", timeout=5)
    bus = EventBus()
    events: list = []
    bus.subscribe(events.append)
    service = make(replace(settings, smtp=smtp), frozen_clock, bus)
    template = service.create_report_template(
        name="Quiet", schedule="daily", skip_empty=True, recipients=["ops@example.com"], datasets=["activity-trends", "top-items"]
    )
    assert template.skip_empty and service.get_report_template(template.id).skip_empty
    report = await service.generate_report(template, EMPTY_DAY)
    assert (report.status, report.filename, report.path) == ("skipped", "", "")
    report_dir = settings.resolved_report_dir
    assert not report_dir.exists() or not any(report_dir.iterdir())
    assert mailbox.envelopes == []
    (row,) = service.get_scheduled_reports()
    assert (row.status, row.error, row.filename, row.delivery_status) == ("skipped", "skipped: empty", None, None)
    finished = [e for e in events if isinstance(e, ReportFinished)]
    assert finished[-1].skipped == "skipped: empty"
    stats = service.get_report_statistics()
    assert (stats.total_reports, stats.failed_reports) == (0, 0)  # a skip is neither made nor failed
    # a period with data is made and mailed as usual
    made = await service.generate_report(template, BUSY_DAY)
    assert made.status == "completed" and made.size > 0 and len(mailbox.envelopes) == 1
    # without skip_empty the empty period makes its (zero-filled) file
    service.update_report_template(template.id, skip_empty=False)
    assert (await service.generate_report(template.id, EMPTY_DAY)).status == "completed"


async def test_a_report_over_the_cap_is_mailed_as_its_path(settings, frozen_clock, smtp_server) -> None:  # noqa: F811
    mailbox, port = smtp_server
    smtp = SmtpSettings(url=f"smtp://127.0.0.1:{port}", sender="reports@example.com", timeout=5)
    service = make(replace(settings, smtp=smtp), frozen_clock)
    template = service.create_report_template(
        name="Big", schedule="monthly", recipients=["ops@example.com"], datasets=["recent-activity"], max_attachment_mb=0.01
    )  # 10 KB
    report = await service.generate_report(template, DateRange(date(2025, 12, 1), date(2025, 12, 31)))
    assert report.size > 0.01 * 1024 * 1024
    message = email.message_from_bytes(mailbox.envelopes[0].content, policy=policy.default)
    assert not any(part.get_filename() for part in message.walk())  # nothing attached
    body = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert report.path in body and "over this template's 0.01 MB limit" in body
    (row,) = service.get_scheduled_reports()
    assert row.delivery_status == "sent" and "the path was sent" in (row.delivery_note or "")
    # under the cap: attached as before
    service.update_report_template(template.id, max_attachment_mb=50)
    second = await service.generate_report(template.id, DateRange(date(2025, 12, 1), date(2025, 12, 31)))
    message = email.message_from_bytes(mailbox.envelopes[1].content, policy=policy.default)
    assert [part.get_filename() for part in message.walk() if part.get_filename()] == [second.filename]
    assert service.get_scheduled_reports()[0].delivery_note is None


@pytest.mark.parametrize("value", [0, -1, 1025, "5MB", True, float("nan"), "1e3"])
def test_bad_caps_are_refused_and_nothing_saved(settings, frozen_clock, value) -> None:
    service = make(settings, frozen_clock)
    with pytest.raises(TemplateValidationError, match="max_attachment_mb must be a number of megabytes"):
        service.create_report_template(name="Capped", schedule="daily", max_attachment_mb=value)
    assert "Capped" not in [t.name for t in service.get_report_templates()]
    with pytest.raises(TemplateValidationError, match="skip_empty must be true or false"):
        service.update_report_template("daily-activity-summary", skip_empty="yes")


def test_an_older_state_database_gets_the_new_columns(settings, frozen_clock) -> None:
    # A state database as the first release made it: report_templates and report_runs without the columns.
    path = settings.data_dir / "state.sqlite3"
    old = new_engine(f"sqlite:///{path}")
    with old.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE report_templates (id VARCHAR(100) PRIMARY KEY, name VARCHAR(200) NOT NULL, description TEXT "
                "NOT NULL, schedule VARCHAR(20) NOT NULL, cron VARCHAR(120), timezone VARCHAR(64), format VARCHAR(10) NOT "
                "NULL, include_metadata BOOLEAN NOT NULL, recipients JSON NOT NULL, datasets JSON NOT NULL, is_active "
                "BOOLEAN NOT NULL, is_default BOOLEAN NOT NULL, created_at DATETIME NOT NULL, updated_at DATETIME NOT "
                "NULL, last_generated DATETIME, last_scheduled_for DATETIME)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO report_templates VALUES ('old-one', 'Old one', '', 'daily', NULL, NULL, 'csv', 1, '[]', "
                "'[\"top-items\"]', 1, 0, '2025-01-01 00:00:00', '2025-01-01 00:00:00', NULL, NULL)"
            )
        )
        conn.execute(
            text(
                "CREATE TABLE report_runs (id INTEGER PRIMARY KEY, template_id VARCHAR(100) NOT NULL, template_name "
                "VARCHAR(200) NOT NULL, trigger VARCHAR(20) NOT NULL, scheduled_for DATETIME, started_at DATETIME NOT "
                "NULL, finished_at DATETIME, status VARCHAR(20) NOT NULL, filename VARCHAR(500), path TEXT, size BIGINT, "
                "content_type VARCHAR(100), error TEXT, delivery JSON)"
            )
        )
    old.dispose()
    engine = open_state(settings, frozen_clock)
    columns = {c["name"] for c in inspect(engine).get_columns("report_templates")}
    assert {"skip_empty", "max_attachment_mb"} <= columns
    assert {"period_start", "period_end"} <= {c["name"] for c in inspect(engine).get_columns("report_runs")}
    service = make(settings, frozen_clock)
    old_one = service.get_report_template("old-one")
    assert (old_one.skip_empty, old_one.max_attachment_mb) == (False, None)
    assert service.update_report_template("old-one", skip_empty=True).skip_empty
    from tui_analytics.data.state.database import add_missing_columns

    assert add_missing_columns(engine) == []  # up to date: nothing more to add


async def test_history_filters_combine(settings, frozen_clock) -> None:
    service = make(settings, frozen_clock)
    await service.generate_report("daily-activity-summary", BUSY_DAY)
    frozen_clock.advance(86400)
    await service.generate_report("weekly-user-growth")
    skipper = service.create_report_template(name="Skipper", schedule="daily", skip_empty=True)
    await service.generate_report(skipper, EMPTY_DAY)
    assert [r.template_id for r in service.get_scheduled_reports(status="completed")] == [
        "weekly-user-growth",
        "daily-activity-summary",
    ]
    since = datetime(2026, 1, 16, tzinfo=timezone.utc)
    assert [r.template_id for r in service.get_scheduled_reports(since=since)] == [skipper.id, "weekly-user-growth"]
    assert [r.status for r in service.get_scheduled_reports(template_id=skipper.id, status="skipped", since=since)] == ["skipped"]
    assert service.get_scheduled_reports(template_id="daily-activity-summary", since=since) == []


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Path:
    monkeypatch.setenv("TUI_ANALYTICS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("TUI_ANALYTICS_TIMEZONE", "UTC")
    return data_dir


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    assert main(list(argv)) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_cli_create_update_and_history_filters(cli_env, capsys) -> None:
    created = run_json(
        capsys,
        "report",
        "create",
        "--name",
        "Quiet ops",
        "--schedule",
        "daily",
        "--skip-empty",
        "--max-attachment-mb",
        "5",
        "--json",
    )
    assert (created["skipEmpty"], created["maxAttachmentMb"]) == (True, 5.0)
    updated = run_json(
        capsys,
        "report",
        "update",
        "Quiet ops",
        "--no-skip-empty",
        "--max-attachment-mb",
        "none",
        "--recipient",
        "ops@example.com",
        "--json",
    )
    assert (updated["skipEmpty"], updated["maxAttachmentMb"], updated["recipients"]) == (False, None, ["ops@example.com"])
    assert updated["schedule"] == "daily" and updated["name"] == "Quiet ops"  # what was not given stays
    assert main(["report", "update", created["id"], "--max-attachment-mb", "0"]) == 1
    assert "max_attachment_mb must be a number" in capsys.readouterr().err
    assert main(["report", "update", created["id"]]) == 1
    assert "nothing to change" in capsys.readouterr().err
    assert main(["report", "run", "Quiet ops", "--from", "2025-12-01", "--to", "2025-12-01"]) == 0
    capsys.readouterr()
    assert main(["report", "run", "daily-activity-summary", "--from", "2025-12-01", "--to", "2025-12-01"]) == 0
    capsys.readouterr()
    rows = run_json(capsys, "report", "history", "--template", "quiet OPS", "--status", "completed", "--json")
    assert [r["templateName"] for r in rows] == ["Quiet ops"]
    assert run_json(capsys, "report", "history", "--status", "failed", "--json") == []
    assert run_json(capsys, "report", "history", "--since", "2999-01-01", "--json") == []
    assert len(run_json(capsys, "report", "history", "--since", "2000-01-01T00:00+00:00", "--json")) == 2


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["report", "history", "--status", "complete"], "unknown status 'complete' (did you mean 'completed'?)"),
        (["report", "history", "--template", "daily-activty-summary"], "did you mean 'daily-activity-summary'"),
        (["report", "history", "--since", "yesterday"], "--since 'yesterday' is not an ISO date"),
        (["jobs", "history", "--status", "FAILD"], "unknown status 'FAILD' (did you mean 'failed'?)"),
        (["jobs", "history", "--since", "2026-02-30"], "--since '2026-02-30' is not an ISO date"),
        (["jobs", "history", "top_items"], "did you mean 'top-items'"),
    ],
)
def test_cli_bad_filters_are_one_line(cli_env, capsys, argv, says) -> None:
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and says in captured.err and captured.err.count("\n") == 1
