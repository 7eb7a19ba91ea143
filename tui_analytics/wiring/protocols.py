"""The seams between the dashboard and the services: what it calls on each.

`ui/dashboard_services.py` holds the composition root by `DashboardRoot` and, through it,
each service and the channel by these protocols, so the type checker holds the concrete
root and services (which satisfy them structurally) to exactly what the dashboard uses,
and nothing more is declared here. The dashboard's tests run the real services, so no
fake implements these. The CLI holds the concrete services. The seam the services
themselves hold, the source database, is `data.source.protocol.SourceRepository` (a test
fake implements that one). Model types are imported only for type checking, so importing
this module is free.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, tzinfo
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from tui_analytics.alerts.models import AlertSummary
    from tui_analytics.alerts.rules import Reading
    from tui_analytics.config.settings import Settings
    from tui_analytics.data.state.channel_tables import Command
    from tui_analytics.data.state.locking import LockHolder
    from tui_analytics.export.options import ExportOptions
    from tui_analytics.export.service import FileExport
    from tui_analytics.processor.cache import CacheEntry, CacheStats
    from tui_analytics.processor.jobsettings import JobSetting
    from tui_analytics.processor.models import JobMetrics, JobRun, JobStatus
    from tui_analytics.reports.backfill import BackfillResult, Progress
    from tui_analytics.reports.models import GeneratedReport, ReportStatistics, ReportTemplate, ScheduledReport
    from tui_analytics.runtime.clock import Clock
    from tui_analytics.runtime.daterange import DateRange
    from tui_analytics.runtime.events import EventBus
    from tui_analytics.wiring.audit import AuditTrail


class ProcessorService(Protocol):
    """The background processor as the dashboard uses it."""

    # Read-only here (properties): the dashboard reads these and never rebinds them.
    @property
    def latest_performance(self) -> Mapping[str, object] | None: ...
    @property
    def read_only(self) -> bool: ...

    def get_job_statuses(self) -> list[JobStatus]: ...
    async def pause_job(self, job_id: str) -> JobSetting: ...
    async def resume_job(self, job_id: str) -> JobSetting: ...
    async def set_job_interval(self, job_id: str, seconds: float | None) -> JobSetting: ...
    def get_job_metrics(self) -> JobMetrics: ...
    def get_cache_entries(self, pattern: str = "*") -> list[CacheEntry]: ...
    def cache_stats(self) -> CacheStats: ...
    def check_job(self, job_id: str) -> None: ...
    async def trigger_job(self, job_id: str) -> JobRun: ...
    async def clear_cache(self) -> int: ...
    async def invalidate_cache(self, pattern: str, *, dry_run: bool = False) -> int: ...
    def scheduler_state(self) -> str: ...
    def toggle_scheduler(self) -> str: ...
    def lock_holder(self) -> LockHolder | None: ...


class ReportsService(Protocol):
    """The scheduled reports service as the dashboard uses it."""

    def get_report_templates(self) -> list[ReportTemplate]: ...
    def timezone_of(self, template: ReportTemplate) -> tzinfo: ...
    def create_report_template(self, data: Mapping[str, object] | None = None, /, **fields: object) -> ReportTemplate: ...
    def update_report_template(
        self, template_id: str, changes: Mapping[str, object] | None = None, /, **fields: object
    ) -> ReportTemplate: ...
    def delete_report_template(self, template_id: str) -> bool: ...
    async def generate_report(
        self,
        template: ReportTemplate | str | None = None,
        date_range: DateRange | None = None,
        *,
        template_id: str | None = None,
    ) -> GeneratedReport: ...
    def get_scheduled_reports(self, limit: int | None = None, template_id: str | None = None) -> list[ScheduledReport]: ...
    def get_report_statistics(self) -> ReportStatistics: ...
    async def backfill(
        self,
        template: ReportTemplate | str,
        first: date,
        last: date,
        *,
        force: bool = False,
        deliver: bool = True,
        on_progress: Progress | None = None,
    ) -> BackfillResult: ...


class AlertsService(Protocol):
    """The alert service as the dashboard reads it (memory only)."""

    def last_alert(self, subject: str | None = None) -> AlertSummary | None: ...

    def readings(self) -> dict[str, Reading]:
        """Each [[alerts.rules]] rule's last reading in this process."""
        ...


class ExportService(Protocol):
    """The export service as the dashboard uses it."""

    def write_file(
        self,
        dataset: str,
        destination: Path | str | IO[bytes] | None,
        options: ExportOptions,
        *,
        size: int | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        overwrite: bool = True,
    ) -> FileExport: ...


class CommandChannel(Protocol):
    """The channel between processes as the dashboard uses it (channel/service.py): the scheduling
    process's status and cache when another process schedules, and the commands it asks that process
    to run."""

    @property
    def status(self) -> Mapping[str, Any] | None: ...

    def load_remote_state(self, *, cache: bool = True) -> None: ...
    def restore_snapshot(self) -> None: ...
    async def request(self, op: str, argument: str = "", *, timeout: float = 900.0) -> Command: ...


class DashboardRoot(Protocol):
    """The composition root (wiring.Services) as the dashboard uses it: the seams above, and opening,
    scheduling and stopping them."""

    @property
    def settings(self) -> Settings: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def opened_source(self) -> bool: ...
    @property
    def processor(self) -> ProcessorService: ...
    @property
    def reports(self) -> ReportsService: ...
    @property
    def export(self) -> ExportService: ...
    @property
    def alerts(self) -> AlertsService | None: ...
    @property
    def channel(self) -> CommandChannel: ...
    @property
    def audit(self) -> AuditTrail: ...

    def built(self, name: str) -> object: ...
    def open(self, on_progress: Callable[[str, int, int], None] | None = None) -> object: ...
    def claim_scheduler(self) -> bool: ...
    def start(self, *, follow: bool = True, tell: bool = True) -> None: ...
    def stop(self, *, interrupt: bool = False) -> None: ...
    def buses(self) -> list[EventBus]: ...
