"""The first frame's data: the last known view (data/state/last_view.py) as the panes' own types.

Pure conversion, no I/O and no Textual. A document that does not fit (written by another
release, damaged) gives no first view at all rather than a half-filled screen.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from tui_analytics.data.cache_entry import CacheEntry
from tui_analytics.processor.cache import CacheStats
from tui_analytics.processor.models import JobMetrics, JobStatus
from tui_analytics.reports.models import ReportStatistics, ReportTemplate, ScheduledReport
from tui_analytics.reports.overview import ReportsOverview
from tui_analytics.runtime.plain import from_plain
from tui_analytics.ui.widgets.metrics_pane import MetricsView

if TYPE_CHECKING:
    from tui_analytics.data.state.last_view import LastView

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FirstView:
    """What the panes show until the services are open."""

    written_at: datetime | None = None  # when the scheduling process last wrote it (None: cache only)
    jobs: list[JobStatus] = field(default_factory=list)
    metrics: MetricsView = field(default_factory=MetricsView)
    entries: dict[str, CacheEntry] = field(default_factory=dict)
    reports: ReportsOverview | None = None


def first_view(last: LastView, now: datetime) -> FirstView | None:
    """The panes' data from `last`; next runs already past are dropped (that schedule is gone)."""
    entries = {e.key: e for e in last.snapshot if e.expires_at > now}
    document = last.view
    if document is None:
        return FirstView(entries=entries) if entries else None
    try:
        return _from_document(document, entries, now)
    except (ValueError, TypeError, KeyError) as exc:
        log.info("the last known view does not fit this release: %s", exc)
        return FirstView(entries=entries) if entries else None


def _from_document(document: Mapping[str, object], entries: dict[str, CacheEntry], now: datetime) -> FirstView:
    jobs = []
    for plain in _items(document.get("jobs")):
        status = from_plain(JobStatus, plain)
        if status.next_run is not None and status.next_run <= now:
            status = replace(status, next_run=None)
        jobs.append(status)
    metrics = _metrics(document.get("jobMetrics"), document.get("cache"), document.get("performance"))
    reports = _reports(document.get("reports"))
    written = document.get("writtenAt")
    return FirstView(datetime.fromisoformat(written) if isinstance(written, str) else None, jobs, metrics, entries, reports)


def _items(value: object) -> list[object]:
    """A list of the document (missing: empty); anything else does not fit."""
    if not value:
        return []
    if not isinstance(value, list):
        raise TypeError(f"expected a list, got {type(value).__name__}")
    return value


def _metrics(job_metrics: object, cache: object, performance: object) -> MetricsView:
    return MetricsView(
        from_plain(JobMetrics, job_metrics) if job_metrics else None,
        from_plain(CacheStats, cache) if cache else None,
        performance if isinstance(performance, dict) else None,
    )


def _reports(part: object) -> ReportsOverview | None:
    if not isinstance(part, dict):
        return None
    statistics = part.get("statistics")
    return ReportsOverview(
        templates=[from_plain(ReportTemplate, t) for t in part.get("templates") or []],
        history=[from_plain(ScheduledReport, r) for r in part.get("history") or []],
        statistics=from_plain(ReportStatistics, statistics) if statistics else None,
        schedules={str(k): str(v) for k, v in (part.get("schedules") or {}).items()},
    )
