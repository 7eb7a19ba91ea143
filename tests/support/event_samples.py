"""One event of every type, with every field set to something other than its default."""

from __future__ import annotations

from datetime import datetime, timezone

from tui_analytics.runtime.event_types import (
    AlertFailed,
    AlertSent,
    CacheChanged,
    Event,
    JobFailed,
    JobFinished,
    JobSettingsChanged,
    JobSkipped,
    JobStarted,
    ReportFailed,
    ReportFinished,
    ReportStarted,
    RuleRead,
    SchedulerStateChanged,
    TemplatesChanged,
)
from tui_analytics.runtime.job_status import JobStatus

AT = datetime(2026, 12, 5, 6, 53, 8, tzinfo=timezone.utc)
EARLIER = datetime(2026, 12, 5, 6, 38, 8, tzinfo=timezone.utc)
LATER = datetime(2026, 12, 5, 7, 8, 8, tzinfo=timezone.utc)

SAMPLES: dict[type, Event] = {
    JobStarted: JobStarted("top-items", "scheduled", at=AT),
    JobFinished: JobFinished(
        "top-items",
        "scheduled",
        duration_ms=9.4,
        error=None,
        at=AT,
        status=JobStatus(
            "top-items",
            "Top items",
            "completed",
            AT,
            LATER,
            9.4,
            interval_s=900.0,
            runs=3,
            average_duration_ms=10.1,
            recent_durations_ms=(11.0, 9.9, 9.4),
        ),
    ),
    JobFailed: JobFailed(
        "user-growth",
        "manual",
        duration_ms=1500.0,
        error="source database is down",
        at=AT,
        status=JobStatus(
            "user-growth",
            "User growth",
            "failed",
            AT,
            None,
            1500.0,
            "source database is down",
            600.0,
            runs=2,
            failed_runs=1,
            last_skipped=EARLIER,
        ),
    ),
    JobSkipped: JobSkipped("recent-activity", "scheduled", reason="skipped: recent-activity is still running", at=AT),
    JobSettingsChanged: JobSettingsChanged("top-items", paused=True, interval_s=120.0, at=AT),
    CacheChanged: CacheChanged("set", keys=("top-items:10", "top-items:summary"), size=7, at=AT),
    SchedulerStateChanged: SchedulerStateChanged("processor", "read-only", "serve on db1 (pid 4242)", at=AT),
    ReportStarted: ReportStarted("weekly-user-growth", 12, "scheduled", "Weekly user growth", at=AT),
    ReportFinished: ReportFinished(
        "weekly-user-growth",
        12,
        "scheduled",
        "Weekly user growth",
        filename="weekly_2026-12-05.csv",
        path="/srv/reports/weekly_2026-12-05.csv",
        size=2048,
        delivery="partial",
        skipped="skipped: empty",
        at=AT,
    ),
    ReportFailed: ReportFailed("weekly-user-growth", 13, "backfill", error="disk full", name="Weekly user growth", at=AT),
    TemplatesChanged: TemplatesChanged("tpl-4f2a", "updated", ("cron", "name"), at=AT),
    AlertSent: AlertSent("job:top-items", event="job-failed", target="ops", attempts=1, error=None, at=AT),
    AlertFailed: AlertFailed("report:weekly", event="recovered", target="mail", attempts=4, error="refused", at=AT),
    RuleRead: RuleRead("few-users", "firing", 412.0, "summary.activeUsers is 412, below 500", at=AT),
}
