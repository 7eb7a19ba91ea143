"""What the dashboard does with each service event: the panes it redraws and the toast it shows."""

from __future__ import annotations

from dataclasses import replace

from tests.support.event_samples import SAMPLES
from tui_analytics.runtime.event_types import (
    EVENT_TYPES,
    AlertFailed,
    AlertSent,
    CacheChanged,
    JobFailed,
    JobFinished,
    ReportFailed,
    ReportFinished,
)
from tui_analytics.ui.refresh import stale_panes
from tui_analytics.ui.toasts import Toast, scheduler_toast, toast_for

PANES = {"header", "jobs", "metrics", "analytics", "reports"}


def test_every_event_type_redraws_some_panes() -> None:
    for cls in EVENT_TYPES:
        panes = stale_panes(SAMPLES[cls])
        assert panes and set(panes) <= PANES, cls.__name__
    assert stale_panes(SAMPLES[JobFinished]) == ("jobs", "metrics", "analytics")
    assert stale_panes(SAMPLES[CacheChanged]) == ("metrics", "analytics")
    assert stale_panes(SAMPLES[AlertSent]) == ("jobs", "metrics")


def test_failures_and_scheduled_reports_make_toasts() -> None:
    assert toast_for(SAMPLES[JobFailed]) == Toast("user-growth: source database is down", "Job failed", "error", 8)
    assert toast_for(SAMPLES[ReportFailed]) == Toast("Weekly user growth: disk full", "Report failed", "error", 10)
    assert toast_for(SAMPLES[AlertFailed]) == Toast("recovered weekly to mail: refused", "Alert not delivered", "warning", 10)
    skipped = SAMPLES[ReportFinished]
    assert isinstance(skipped, ReportFinished)
    assert toast_for(skipped) == Toast(
        "Weekly user growth: skipped: empty (no file, no e-mail)", "Report skipped (scheduled)", timeout=6
    )
    made = replace(skipped, skipped=None)
    assert toast_for(made) == Toast("Weekly user growth: weekly_2026-12-05.csv", "Report generated (scheduled)", timeout=6)
    # A report the operator made is told by the action that made it; other events make no toast.
    assert toast_for(replace(made, trigger="manual")) is None
    assert toast_for(replace(made, trigger="backfill")) is None
    quiet = {cls for cls in EVENT_TYPES if toast_for(SAMPLES[cls]) is None}
    assert quiet == set(EVENT_TYPES) - {JobFailed, ReportFailed, AlertFailed, ReportFinished}


def test_the_scheduler_changes_this_dashboard_tells_about() -> None:
    attached = scheduler_toast("read-only", "running", "read-only", "serve on db1 (pid 1)", None)
    assert attached is not None and attached.title == "Attached"
    assert attached.message.startswith("serve on db1 (pid 1) schedules the jobs and reports on this state database.")
    taken = scheduler_toast("started", "read-only", "running", None, "serve on db1 (pid 1)")
    assert taken == Toast(
        "serve on db1 (pid 1) stopped. This dashboard schedules the jobs and reports now.", "Scheduler taken over", "warning", 12
    )
    assert scheduler_toast(None, "running", "paused", None, None) is None
