"""Dataclasses written as JSON and read back (runtime/plain.py): the last known view's codec."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from tui_analytics.processor.models import JobStatus
from tui_analytics.reports.models import ReportTemplate, ScheduledReport
from tui_analytics.runtime.plain import from_plain, to_plain

NOW = datetime(2026, 12, 5, 9, 30, 15, 250000, tzinfo=timezone.utc)


def _through_json(value: object) -> object:
    return json.loads(json.dumps(to_plain(value)))


def test_a_job_status_comes_back_equal_with_its_datetimes_and_tuple() -> None:
    status = JobStatus(
        "top-items",
        "Top Items",
        "failed",
        NOW,
        NOW + timedelta(minutes=15),
        12.5,
        error="boom",
        runs=3,
        failed_runs=1,
        recent_durations_ms=(10.0, 12.5),
        last_skipped=NOW - timedelta(hours=1),
    )
    back = from_plain(JobStatus, _through_json(status))
    assert back == status
    assert isinstance(back.recent_durations_ms, tuple) and back.last_run is not None and back.last_run.tzinfo is not None


def test_report_rows_come_back_equal() -> None:
    template = ReportTemplate(
        "weekly",
        "Weekly",
        "",
        "weekly",
        "csv",
        True,
        ["ops@example.com"],
        last_generated=NOW,
        cron="0 9 * * 1",
        datasets=["top-items"],
        max_attachment_mb=2.5,
    )
    run = ScheduledReport(
        7,
        "weekly",
        "Weekly",
        "scheduled",
        "completed",
        NOW,
        NOW,
        NOW,
        41.0,
        "w.csv",
        "/x/w.csv",
        120,
        "text/csv",
        None,
        "sent",
        {"ops@example.com": "sent"},
        period_start=NOW - timedelta(days=7),
    )
    assert from_plain(ReportTemplate, _through_json(template)) == template
    assert from_plain(ScheduledReport, _through_json(run)) == run


def test_fields_missing_from_the_text_keep_defaults_and_unknown_ones_are_ignored() -> None:
    plain = {
        "id": "a",
        "name": "A",
        "status": "scheduled",
        "last_run": None,
        "next_run": None,
        "duration_ms": None,
        "added_by_a_newer_release": 1,
    }
    assert from_plain(JobStatus, plain) == JobStatus("a", "A", "scheduled", None, None, None)


@pytest.mark.parametrize(
    "plain, says",
    [
        ({"id": "a", "name": "A"}, "JobStatus"),  # required fields missing
        (
            {"id": "a", "name": "A", "status": "ok", "last_run": "yesterday", "next_run": None, "duration_ms": None},
            "JobStatus.last_run",
        ),
        (
            {
                "id": "a",
                "name": "A",
                "status": "ok",
                "last_run": None,
                "next_run": None,
                "duration_ms": None,
                "recent_durations_ms": 5,
            },
            "recent_durations_ms",
        ),
        (["not", "an", "object"], "expected an object"),
    ],
)
def test_text_that_does_not_fit_is_a_value_error_naming_the_field(plain: object, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        from_plain(JobStatus, plain)
