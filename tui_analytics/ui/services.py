"""The dashboard's view of the three services: what it reads, what its keys call.

The processor, reports and export services are used as DESIGN.md defines them;
this adapter only gathers what each pane needs and keeps blocking calls
(state and source databases, files) clearly marked so the app runs them in
workers. No Textual here.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..clock import SYSTEM_CLOCK, Clock
from ..config import Settings, mask_url
from ..events import EventBus, default_bus
from ..querylimits import to_thread_interruptible
from .widgets.metrics import MetricsView
from .widgets.reports import ReportsView

log = logging.getLogger(__name__)

HISTORY_ROWS = 50
ProgressFn = Callable[[str, int, int], None]


def performance_source(processor: Any) -> Callable[[Any, str], dict[str, Any]]:
    """The reports service's `performance` hook, reading this dashboard's processor
    (the default hook only finds the process-wide singleton)."""

    def figures(repository: Any, scheduler_state: str) -> dict[str, Any]:
        from ..processor.metrics import process_memory

        out: dict[str, Any] = dict(getattr(processor, "latest_performance", None) or {})
        metrics = processor.get_job_metrics()
        out.update(totalJobs=metrics.total_jobs, successfulJobs=metrics.successful_jobs,
                   failedJobs=metrics.failed_jobs, averageJobDurationMs=metrics.average_job_duration_ms)
        try:
            out["databaseLatencyMs"], out["databaseError"] = round(float(repository.ping()), 2), None
        except Exception as exc:  # a report says the database is down; it does not fail for it
            out["databaseLatencyMs"], out["databaseError"] = None, str(exc)
        out["memoryRssMb"] = process_memory().get("rssMb")
        out["schedulerState"] = scheduler_state
        return out

    return figures


@dataclass
class DashboardServices:
    """The services one dashboard uses, created here unless passed in (tests pass their own)."""

    settings: Settings
    clock: Clock = SYSTEM_CLOCK
    processor: Any = None
    reports: Any = None
    export_service: Any = None
    created: list[str] = field(default_factory=list)
    # Display-only overrides (screenshots show a typical path, not a temporary one).
    shown_database: str | None = None
    shown_export_dir: str | None = None
    shown_data_dir: str | None = None

    @property
    def ready(self) -> bool:
        return self.processor is not None and self.reports is not None and self.export_service is not None

    @property
    def database_label(self) -> str:
        """The source database for the header, password masked."""
        return self.shown_database or mask_url(self.settings.source_url)

    @property
    def export_dir_label(self) -> str:
        return self.shown_export_dir or self.display_path(self.export_dir)

    def display_path(self, path: str | Path) -> str:
        """A path as shown on screen: under the data directory as the screenshots show it, else with ~ for home."""
        text = str(path)
        data_dir = str(self.settings.data_dir)
        if self.shown_data_dir and text.startswith(data_dir):
            return self.shown_data_dir + text[len(data_dir):]
        home = str(Path.home())
        return "~" + text[len(home):] if home not in ("", "/") and text.startswith(home + "/") else text

    # -- start and stop --------------------------------------------------------

    def create_missing(self, on_progress: ProgressFn | None = None, *, schedule: bool = True) -> None:
        """Open the source (creating the demo database on first start) and create the services
        not passed in; with `schedule`, also try to take the scheduler lock (blocking on a server
        state database). Blocking: run it in a worker thread. Nothing is scheduled here; `attach`
        does that on the event loop."""
        from ..sources import open_source

        repository = None
        if self.processor is None or self.export_service is None or self.reports is None:
            repository = open_source(self.settings, clock=self.clock, on_progress=on_progress)
        if self.processor is None:
            from ..processor import AnalyticsBackgroundProcessor

            self.processor = AnalyticsBackgroundProcessor(
                self.settings, repository=repository, clock=self.clock, autostart=False
            )
            self.created.append("processor")
        if self.export_service is None:
            from ..export import AnalyticsExportService

            self.export_service = AnalyticsExportService(repository, settings=self.settings, clock=self.clock)
            self.created.append("export")
        if self.reports is None:
            from ..reports import AnalyticsScheduledReportsService

            self.reports = AnalyticsScheduledReportsService(
                self.settings, clock=self.clock, export_service=self.export_service, repository=repository,
                performance=performance_source(self.processor), auto_start=False,
            )
            self.created.append("reports")
        if schedule and hasattr(self.processor, "claim_scheduler"):
            self.processor.claim_scheduler()  # False: another process schedules; we run read-only

    def attach(self) -> None:
        """Schedule the jobs and the report templates on the running loop (call on the UI loop)."""
        self.processor.start()
        self.reports.restart()

    def detach(self) -> None:
        """Unschedule what `attach` scheduled, cancel work still running (it is recorded as
        interrupted) and shut the loop's scheduler down (on the UI loop, when quitting)."""
        from .. import scheduling

        for name, service in (("processor", self.processor), ("reports", self.reports)):
            if service is None:
                continue
            try:
                service.stop(interrupt=True)
            except Exception:  # shutting down: log, keep going
                log.exception("stopping the %s failed", name)
        scheduling.shutdown_scheduler()

    def buses(self) -> list[EventBus]:
        """Every bus the services publish on (scheduler state goes to the default bus)."""
        found: list[EventBus] = []
        for bus in (getattr(self.processor, "bus", None), getattr(self.reports, "bus", None), default_bus()):
            if bus is not None and all(bus is not b for b in found):
                found.append(bus)
        return found

    # -- reading (in memory: fine on the UI loop) -----------------------------------

    def job_statuses(self) -> list[Any]:
        return self.processor.get_job_statuses() if self.processor is not None else []

    def scheduler_state(self) -> str:
        """running, paused, stopped, read-only (another process schedules) or disabled (DISABLE_AUTO_SYNC)."""
        if self.processor is None:
            return "starting"
        state = self.processor.scheduler_state()
        if state == "stopped":
            from .. import scheduling  # imported by the processor already: free here

            return scheduling.state()
        return state

    def lock_holder(self) -> str | None:
        """Who schedules when this dashboard is read-only (blocking on a server state database)."""
        holder = self.processor.lock_holder() if hasattr(self.processor, "lock_holder") else None
        return holder.describe() if holder is not None else None

    def metrics(self) -> MetricsView:
        if self.processor is None:
            return MetricsView(scheduler=self.scheduler_state())
        processor = self.processor
        performance = getattr(processor, "latest_performance", None)
        return MetricsView(processor.get_job_metrics(), processor.cache.stats(), performance, self.scheduler_state())

    def cache_entries(self) -> dict[str, Any]:
        """Cache entries by key (read without counting as cache hits)."""
        if self.processor is None:
            return {}
        return {entry.key: entry for entry in self.processor.get_cache_entries("*")}

    def cache_keys(self, pattern: str) -> list[str]:
        if self.processor is None or not pattern:
            return []
        return [entry.key for entry in self.processor.get_cache_entries(pattern)]

    @property
    def export_dir(self) -> Path:
        return self.settings.resolved_export_dir

    # -- reading (state database: blocking, call in a worker thread) ----------------

    def reports_view(self) -> ReportsView:
        from ..reports.cron import describe_cron

        templates = self.reports.get_report_templates()
        schedules: dict[str, str] = {}
        for template in templates:
            try:
                schedules[template.id] = describe_cron(template.effective_cron)
            except ValueError:
                schedules[template.id] = template.effective_cron
        history = self.reports.get_scheduled_reports(HISTORY_ROWS)
        return ReportsView(
            templates=templates,
            history=history,
            statistics=self.reports.get_report_statistics(),
            schedules=schedules,
            paths={run.id: self.display_path(run.path) for run in history if run.path},
        )

    # -- doing ---------------------------------------------------------------------

    async def trigger_job(self, job_id: str) -> Any:
        return await self.processor.trigger_job(job_id)

    async def clear_cache(self) -> int:
        return await self.processor.clear_cache()

    async def invalidate_cache(self, pattern: str) -> int:
        return await self.processor.invalidate_cache(pattern)

    def toggle_scheduler(self) -> str:
        """Pause or resume the shared scheduler, report jobs included (on the UI loop); returns the new state."""
        if hasattr(self.processor, "toggle_scheduler"):
            return self.processor.toggle_scheduler()
        from .. import scheduling

        return scheduling.toggle_pause()

    async def save_template(self, template_id: str | None, fields: dict[str, Any]) -> Any:
        if template_id is None:
            return await asyncio.to_thread(self.reports.create_report_template, **fields)
        return await asyncio.to_thread(self.reports.update_report_template, template_id, **fields)

    async def delete_template(self, template_id: str) -> bool:
        return await asyncio.to_thread(self.reports.delete_report_template, template_id)

    async def generate_report(self, template: Any) -> Any:
        return await self.reports.generate_report(template)

    async def export(self, request: Any, on_progress: Callable[[int, int], None] | None = None) -> Any:
        """Write the export into the export directory; returns the service's FileExport."""
        from ..export.files import name_with_extension, resolve_inside
        from ..export.options import extension_for

        destination = None
        if request.filename:
            destination = resolve_inside(self.export_dir, name_with_extension(request.filename, extension_for(request.options)))
            await asyncio.to_thread(self.export_dir.mkdir, parents=True, exist_ok=True)
        # A typed name never replaces an existing file (FileExistsError); generated names are unique.
        # Interruptible: quitting mid-export stops the query instead of waiting for it.
        return await to_thread_interruptible(
            self.export_service.write_file, request.dataset, destination, request.options,
            size=request.size, on_progress=on_progress, overwrite=False,
        )
