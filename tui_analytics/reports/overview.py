"""What the Reports pane shows, gathered in one place: the dashboard reads it live, and the
scheduling process stores it for dashboards that start next (data/state/last_view.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from tui_analytics.reports.models import ReportStatistics, ReportTemplate, ScheduledReport


class ReportsReader(Protocol):
    def get_report_templates(self) -> list[ReportTemplate]: ...
    def get_scheduled_reports(self, limit: int | None = None, template_id: str | None = None) -> list[ScheduledReport]: ...
    def get_report_statistics(self) -> ReportStatistics: ...


HISTORY_ROWS = 50  # the history the pane lists (its filter works on these)


@dataclass(frozen=True)
class ReportsOverview:
    templates: list[ReportTemplate] = field(default_factory=list)
    history: list[ScheduledReport] = field(default_factory=list)  # newest first
    statistics: ReportStatistics | None = None
    schedules: dict[str, str] = field(default_factory=dict)  # template id -> its schedule in words


def reports_overview(reports: ReportsReader, limit: int = HISTORY_ROWS) -> ReportsOverview:
    """Templates, the newest `limit` runs and the counts (blocking: the state database)."""
    from tui_analytics.reports.cron import describe_cron  # the reports service has imported it already

    templates = reports.get_report_templates()
    schedules = {}
    for template in templates:
        try:
            schedules[template.id] = describe_cron(template.effective_cron)
        except ValueError:  # a cron edited by hand into the row: shown as written
            schedules[template.id] = template.effective_cron
    return ReportsOverview(templates, reports.get_scheduled_reports(limit), reports.get_report_statistics(), schedules)
