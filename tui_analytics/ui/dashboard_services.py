"""The dashboard's view of the services: what it reads, what its keys call.

The services come from the composition root (`wiring.Services`), held by its seam
(`wiring.protocols.DashboardRoot`), and are used through their protocols, the channel
between processes too; this adapter only gathers what each pane needs and keeps
blocking calls (state and source databases, files) clearly marked so the app runs
them in workers. No Textual here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui_analytics.config.settings import Settings, mask_url
from tui_analytics.data.querylimits import to_thread_interruptible
from tui_analytics.runtime.clock import Clock
from tui_analytics.runtime.events import EventBus
from tui_analytics.ui import service_answers as answers
from tui_analytics.ui.widgets.metrics_pane import MetricsView
from tui_analytics.ui.widgets.reports_pane import ReportsView

if TYPE_CHECKING:
    from tui_analytics.alerts.models import AlertSummary
    from tui_analytics.export.service import FileExport
    from tui_analytics.processor.cache import CacheEntry
    from tui_analytics.processor.models import JobRun, JobStatus
    from tui_analytics.reports.backfill import BackfillResult, Progress
    from tui_analytics.reports.models import BackfillRequest, GeneratedReport, ReportTemplate
    from tui_analytics.reports.overview import ReportsOverview
    from tui_analytics.ui.first_view import FirstView
    from tui_analytics.ui.screens.export import ExportRequest
    from tui_analytics.wiring.audit import AuditTrail
    from tui_analytics.wiring.protocols import (
        AlertsService,
        CommandChannel,
        DashboardRoot,
        ExportService,
        ProcessorService,
        ReportsService,
    )

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, int, int], None]


@dataclass
class DashboardServices:
    """The services one dashboard uses, from one composition root (tests pass a prepared one)."""

    root: DashboardRoot
    # Display-only overrides (screenshots show a typical path, not a temporary one).
    shown_database: str | None = None
    shown_export_dir: str | None = None
    shown_data_dir: str | None = None
    ready: bool = field(default=False)
    # The last known view (ui/first_view.py): what the panes show until the services are open.
    first: FirstView | None = None
    read_only: bool = False  # a read-only dashboard (ui/access.py) writes nothing to the channel
    _recording: set[asyncio.Task[None]] = field(default_factory=set, repr=False)  # audit rows being written

    def __post_init__(self) -> None:
        # Services passed in already built and opened (tests, screenshots) need no start-up worker.
        self.ready = self.ready or all(self.root.built(name) is not None for name in ("processor", "export", "reports"))

    @property
    def settings(self) -> Settings:
        return self.root.settings

    @property
    def clock(self) -> Clock:
        return self.root.clock

    @property
    def processor(self) -> ProcessorService:
        return self.root.processor

    @property
    def reports(self) -> ReportsService:
        return self.root.reports

    @property
    def alerts(self) -> AlertsService | None:
        """The alert service, None when no [[alerts]] target is configured."""
        return self.root.alerts

    @property
    def export_service(self) -> ExportService:
        return self.root.export

    @property
    def channel(self) -> CommandChannel:
        """The channel to the process that schedules (channel/service.py)."""
        return self.root.channel

    @property
    def opened_demo_data(self) -> bool:
        """True when this dashboard opened the built-in demo database itself (nothing configured)."""
        return self.root.opened_source and self.settings.uses_demo_data

    @property
    def database_label(self) -> str:
        """The source database for the header, password masked; "(mapped)" when [source] maps its tables
        (the demo database has its DEMO DATA badge)."""
        label = self.shown_database or mask_url(self.settings.source_url)
        return f"{label} (mapped)" if self.settings.source_mapped else label

    @property
    def export_dir_label(self) -> str:
        return self.shown_export_dir or self.display_path(self.export_dir)

    def display_path(self, path: str | Path) -> str:
        """A path as shown on screen: under the data directory as the screenshots show it, else with ~ for home."""
        text = str(path)
        data_dir = str(self.settings.data_dir)
        if self.shown_data_dir and text.startswith(data_dir):
            return self.shown_data_dir + text[len(data_dir) :]
        home = str(Path.home())
        return "~" + text[len(home) :] if home not in ("", "/") and text.startswith(home + "/") else text

    # -- start and stop --------------------------------------------------------

    def open(self, on_progress: ProgressFn | None = None, *, schedule: bool = True) -> None:
        """Open the databases and the services (creating the demo database on first start);
        with `schedule`, also try to take the scheduler lock (blocking on a server state
        database). Blocking: run it in a worker thread. Nothing is scheduled here; `attach`
        does that on the event loop."""
        self.root.open(on_progress)
        # False: another process schedules, and this dashboard attaches to it.
        claimed = self.root.claim_scheduler() if schedule else True
        self.load_last_known(remote=not claimed)
        self.ready = True

    def load_last_known(self, *, remote: bool) -> None:
        """The last cached analytics from the state database (and, when another process schedules,
        its status), so the first frame shows data with its age instead of waiting for the first
        runs. Blocking; a failure only means an emptier first frame."""
        try:
            if remote:
                self.channel.load_remote_state(cache=True)
            else:
                self.channel.restore_snapshot()
        except Exception:
            log.exception("could not read the last known state")

    @property
    def attached(self) -> bool:
        """Another process schedules: this dashboard shows its truth and asks it to act."""
        return self.ready and self.processor.read_only

    def attached_label(self, holder_text: str | None = None) -> str | None:
        """ "attached to serve on db1 (pid 4242)" (and "paused" when it is), or None when not attached."""
        if not self.attached:
            return None
        status = self.channel.status or {}
        holder = status.get("holder") or {}
        if holder.get("pid") and not _has_ended(holder):  # the row outlives its writer: a dead one is not named
            label = f"attached to {holder.get('program') or 'another process'} on {holder.get('host', '?')} (pid {holder['pid']})"
        else:  # no status row yet (the scheduling process predates the channel, or has not written it)
            label = f"attached to {holder_text or 'another process'}"
        return label + (" · paused" if self.remote_paused() else "")

    def remote_paused(self) -> bool:
        """Attached, and the scheduling process is paused: nothing runs when the countdowns end."""
        return self.attached and (self.channel.status or {}).get("state") == "paused"

    def attach(self) -> None:
        """Schedule the jobs and the report templates on the running loop (call on the UI loop)."""
        self.root.start(tell=not self.read_only)

    def detach(self) -> None:
        """Unschedule what `attach` scheduled, cancel work still running (it is recorded as
        interrupted) and shut the loop's scheduler down (on the UI loop, when quitting)."""
        self.root.stop(interrupt=True)

    def buses(self) -> list[EventBus]:
        """Every bus the services publish on (scheduler state goes to the default bus)."""
        return self.root.buses()

    # -- reading (in memory: fine on the UI loop) -----------------------------------

    def job_statuses(self) -> list[JobStatus]:
        if self.ready:
            return self.processor.get_job_statuses()
        return self.first.jobs if self.first is not None else []

    def scheduler_state(self) -> str:
        """running, paused, stopped, read-only (another process schedules) or disabled (DISABLE_AUTO_SYNC)."""
        if not self.ready:
            return "starting"
        state = self.processor.scheduler_state()
        if state == "stopped":
            from tui_analytics.runtime import scheduling  # imported by the processor already: free here

            return scheduling.state()
        return state

    def lock_holder(self) -> str | None:
        """Who schedules when this dashboard is read-only (blocking on a server state database)."""
        holder = self.processor.lock_holder()
        return holder.describe() if holder is not None else None

    def metrics(self) -> MetricsView:
        if not self.ready:
            return self.first.metrics if self.first is not None else MetricsView()
        processor = self.processor
        alerts = self.alerts
        return MetricsView(
            processor.get_job_metrics(),
            processor.cache_stats(),
            processor.latest_performance,
            alerts_configured=alerts is not None and bool(self.root.settings.alerts),  # rules alone alert nobody
            last_alert=alerts.last_alert() if alerts is not None else None,
            rules=tuple(alerts.readings().values()) if alerts is not None else (),
        )

    def job_alerts(self) -> dict[str, AlertSummary | None] | None:
        """The last alert about each job (None when no alert target is configured)."""
        alerts = self.alerts
        if alerts is None or not self.ready:
            return None
        return {job_id: alerts.last_alert(f"job:{job_id}") for job_id in (s.id for s in self.job_statuses())}

    def cache_entries(self) -> dict[str, CacheEntry]:
        """Cache entries by key (read without counting as cache hits)."""
        if not self.ready:
            return dict(self.first.entries) if self.first is not None else {}
        return {entry.key: entry for entry in self.processor.get_cache_entries("*")}

    def cache_keys(self, pattern: str) -> list[str]:
        if not self.ready or not pattern:
            return []
        return [entry.key for entry in self.processor.get_cache_entries(pattern)]

    @property
    def export_dir(self) -> Path:
        return self.settings.resolved_export_dir

    # -- reading (state database: blocking, call in a worker thread) ----------------

    def reports_view(self) -> ReportsView:
        from tui_analytics.reports.overview import reports_overview

        return self.reports_view_of(reports_overview(self.reports))

    def first_reports_view(self) -> ReportsView | None:
        """The Reports pane's last known view (None when there is none)."""
        first = self.first
        return self.reports_view_of(first.reports) if first is not None and first.reports is not None else None

    def reports_view_of(self, overview: ReportsOverview) -> ReportsView:
        """The pane's view of an overview (read live, or the last known one): zones and paths as shown."""
        from tui_analytics.config.timezones import resolve_timezone

        zones = {}
        for template in overview.templates:
            if template.timezone:
                try:
                    zones[template.id] = resolve_timezone(template.timezone)
                except ValueError:  # a zone edited by hand into the row: shown in the configured zone
                    pass
        return ReportsView(
            templates=overview.templates,
            history=overview.history,
            statistics=overview.statistics,
            schedules=overview.schedules,
            zones=zones,
            paths={run.id: self.display_path(run.path) for run in overview.history if run.path},
        )

    # -- doing ---------------------------------------------------------------------

    # Attached, each action is a command the scheduling process runs (channel/service.py): the
    # job runs there, with its cache and its history, and every dashboard sees the result.

    async def _ask(self, op: str, argument: str = "") -> dict[str, Any]:
        """The scheduling process's answer to a command (RuntimeError with a one-line reason if none)."""
        return (await self.channel.request(op, argument)).result or {}

    @property
    def audit(self) -> AuditTrail:
        """Where each change below is recorded, with who asked (wiring/audit.py)."""
        return self.root.audit

    async def trigger_job(self, job_id: str) -> JobRun:
        return await self.audit.around("job.run", job_id, self._trigger_job(job_id), answers.run_outcome)

    async def _trigger_job(self, job_id: str) -> JobRun:
        if not self.attached:
            return await self.processor.trigger_job(job_id)
        self.processor.check_job(job_id)  # an unknown id fails here, before anything is asked
        return answers.job_run(job_id, await self._ask("trigger", job_id), self.clock.now())

    async def clear_cache(self) -> int:
        if not self.attached:
            return await self.audit.around("cache.clear", "*", self.processor.clear_cache(), answers.removed)
        return int((await self.audit.around("cache.clear", "*", self._ask("clear"), answers.removed)).get("removed", 0))

    async def invalidate_cache(self, pattern: str) -> int:
        if not self.attached:
            return await self.audit.around("cache.invalidate", pattern, self.processor.invalidate_cache(pattern), answers.removed)
        answer = await self.audit.around("cache.invalidate", pattern, self._ask("invalidate", pattern), answers.removed)
        return int(answer.get("removed", 0))

    async def set_job_paused(self, job_id: str, paused: bool) -> None:
        """Pause or resume one job (stored in the state database; applied here when this process schedules)."""
        change = self.processor.pause_job(job_id) if paused else self.processor.resume_job(job_id)
        await self.audit.around("job.pause" if paused else "job.resume", job_id, change)

    async def set_job_interval(self, job_id: str, seconds: float | None) -> None:
        target = f"{job_id} every {seconds:g} s" if seconds is not None else f"{job_id} configured interval"
        await self.audit.around("job.interval", target, self.processor.set_job_interval(job_id, seconds))

    def configured_interval(self, job_id: str) -> float:
        return self.settings.interval(job_id)

    async def backfill(self, template: ReportTemplate, request: BackfillRequest, on_progress: Progress) -> BackfillResult:
        making = self.reports.backfill(
            template, request.first, request.last, force=request.force, deliver=request.deliver, on_progress=on_progress
        )
        target = f"{template.id} {request.first.isoformat()}..{request.last.isoformat()}"
        return await self.audit.around("report.backfill", target, making, lambda result: result.summary())

    def toggle_scheduler(self) -> str:
        """Pause or resume the shared scheduler, report jobs included (on the UI loop); returns the new state."""
        state = self.processor.toggle_scheduler()
        self._record_soon("scheduler.pause" if state == "paused" else "scheduler.resume", "scheduler", state)
        return state

    def _record_soon(self, action: str, target: str, outcome: str) -> None:
        """Record a change made on the UI loop, the row written in a worker thread."""
        task = asyncio.get_running_loop().create_task(self.audit.record_async(action, target, outcome))
        self._recording.add(task)
        task.add_done_callback(self._recording.discard)

    async def toggle_remote_scheduler(self) -> str:
        """Attached: ask the scheduling process to pause (or resume, when it is paused); its new state."""
        paused = (self.channel.status or {}).get("state") == "paused"
        action = "scheduler.resume" if paused else "scheduler.pause"
        answer = await self.audit.around(action, "scheduler", self._ask(action.split(".")[1]), lambda a: str(a.get("state")))
        await asyncio.to_thread(self.channel.load_remote_state, cache=False)
        return str(answer.get("state", "unknown"))

    async def save_template(self, template_id: str | None, fields: dict[str, Any]) -> ReportTemplate:
        if template_id is None:
            making = asyncio.to_thread(self.reports.create_report_template, **fields)
            return await self.audit.around("template.create", str(fields.get("name", "")), making, lambda t: f"ok: {t.id}")
        editing = asyncio.to_thread(self.reports.update_report_template, template_id, **fields)
        return await self.audit.around("template.edit", f"{template_id} ({', '.join(sorted(fields))})", editing)

    async def delete_template(self, template_id: str) -> bool:
        deleting = asyncio.to_thread(self.reports.delete_report_template, template_id)
        return await self.audit.around("template.delete", template_id, deleting, lambda gone: "ok" if gone else "ok: already gone")

    async def generate_report(self, template: ReportTemplate) -> GeneratedReport:
        return await self.audit.around(
            "report.generate", template.id, self._generate_report(template), lambda r: f"ok: {r.filename}"
        )

    async def _generate_report(self, template: ReportTemplate) -> GeneratedReport:
        if not self.attached:
            return await self.reports.generate_report(template)
        return answers.generated_report(template.id, await self._ask("generate", template.id), self.clock.now())

    async def export(self, request: ExportRequest, on_progress: Callable[[int, int], None] | None = None) -> FileExport:
        """Write the export into the export directory; returns the service's FileExport."""
        from tui_analytics.export.files import name_with_extension, resolve_inside
        from tui_analytics.export.options import extension_for

        destination = None
        if request.filename:
            destination = resolve_inside(self.export_dir, name_with_extension(request.filename, extension_for(request.options)))
            await asyncio.to_thread(self.export_dir.mkdir, parents=True, exist_ok=True)
        # A typed name never replaces an existing file (FileExistsError); generated names are unique.
        # Interruptible: quitting mid-export stops the query instead of waiting for it.
        writing = to_thread_interruptible(
            self.export_service.write_file,
            request.dataset,
            destination,
            request.options,
            size=request.size,
            on_progress=on_progress,
            overwrite=False,
        )
        return await self.audit.around("export", request.dataset, writing, lambda r: f"ok: {r.rows} rows, {r.path}")


def _has_ended(holder: dict[str, Any]) -> bool:
    """Whether the process a status row names is known to have ended (locking.LockHolder.ended)."""
    from tui_analytics.data.state.locking import LockHolder

    try:
        return LockHolder(**holder).ended()
    except (TypeError, ValueError):  # a row of another version: keep naming it
        return False
