"""The report history as the service gives it: stored runs as ScheduledReport, counts as ReportStatistics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tui_analytics.reports.models import DeliveryRecord, ReportStatistics, ScheduledReport

if TYPE_CHECKING:
    from tui_analytics.reports.store import RunRow, TemplateRow


def history_row(row: RunRow) -> ScheduledReport:
    delivery = row.get("delivery") or DeliveryRecord()
    started, finished = row["started_at"], row["finished_at"]
    return ScheduledReport(
        id=int(row["id"]),
        template_id=row["template_id"],
        template_name=row["template_name"],
        trigger=row["trigger"],
        status=row["status"],
        scheduled_for=row["scheduled_for"],
        started_at=started,
        finished_at=finished,
        duration_ms=(finished - started).total_seconds() * 1000.0 if finished and started else None,
        filename=row["filename"],
        path=row["path"],
        size=row["size"],
        content_type=row["content_type"],
        error=row["error"],
        delivery_status=delivery.get("status"),
        delivery=dict(delivery.get("recipients") or {}),
        delivery_note=delivery.get("note"),
        period_start=row.get("period_start"),
        period_end=row.get("period_end"),
    )


def statistics(templates: Sequence[TemplateRow], counts: Mapping[str, int]) -> ReportStatistics:
    """Counts over the templates and the runs by status (failed includes interrupted)."""
    completed = counts.get("completed", 0)
    failed = counts.get("failed", 0) + counts.get("interrupted", 0)
    return ReportStatistics(
        total_templates=len(templates),
        active_templates=sum(1 for r in templates if r["is_active"]),
        total_reports=completed + failed,
        successful_reports=completed,
        failed_reports=failed,
        running_reports=counts.get("running", 0) + counts.get("writing", 0),
    )
