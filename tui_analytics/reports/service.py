"""AnalyticsScheduledReportsService: templates, generation, history and the report schedule.

Templates and history live in the state database, so they survive restarts.
Each active template has one job in the shared scheduler (scheduling.py) with a
crontab trigger (`cron.CrontabTrigger`). A job, a catch-up pass and `run_due_reports` all serve a fire
time ("slot") the same way: the template's latest fire time at or before the
clock's now, claimed with a compare-and-set on `last_scheduled_for`, so a slot is
made once however many callers (or processes) race for it. At start the service
makes each missed slot once, as a catch-up (systemd's Persistent=true), never for
a template created (or rescheduled) after that slot.

Only the process holding the scheduler lock of the state database schedules and
catches up (locking.py); another one runs read-only and `lock_holder()` says who
schedules. Generating, editing and reading work everywhere.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from tui_analytics.config.settings import Settings
from tui_analytics.data.state.locking import LockHolder, SchedulerLock
from tui_analytics.export.files import remove_stale_temps
from tui_analytics.reports.backfill import BackfillResult, Progress
from tui_analytics.reports.backfill import backfill as run_backfill
from tui_analytics.reports.content import PerformanceSource
from tui_analytics.reports.cron import as_tz, next_fire_times, previous_fire_time
from tui_analytics.reports.delivery import DeliveryResult
from tui_analytics.reports.editing import TemplateEditor
from tui_analytics.reports.models import (
    SCHEDULE_CRONS,
    BackfillRequest,
    GeneratedReport,
    ReportStatistics,
    ReportTemplate,
    ScheduledReport,
)
from tui_analytics.reports.overview import ReportsOverview, reports_overview
from tui_analytics.reports.retries import SLOT_TRIGGERS, SlotRetries, UnfinishedSlot
from tui_analytics.reports.run import ReportRunner
from tui_analytics.reports.run_history import history_row, statistics
from tui_analytics.reports.sending import deliver_sample
from tui_analytics.reports.store import RunStore, TemplateStore
from tui_analytics.reports.templates import canonical_fields, default_rows, sort_key, to_template, validate_whole
from tui_analytics.reports.timetable import ReportSchedule
from tui_analytics.runtime.clock import Clock
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.errors import ExportOptionsError, TemplateValidationError, UnknownTemplateError
from tui_analytics.runtime.event_types import TemplatesChanged
from tui_analytics.runtime.events import EventBus
from tui_analytics.runtime.once import Once
from tui_analytics.runtime.retry import RetryPolicy

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from tui_analytics.data.source.protocol import SourceRepository

log = logging.getLogger(__name__)


class AnalyticsScheduledReportsService:
    """The scheduled reports service (docs/api.md). Everything is injectable for tests and embedding.

    It is given its settings, event bus and clock (the composition root passes them; the API's
    getter reads the configuration). With auto sync on, the report jobs are scheduled on the
    running event loop (or on the first loop the service is used from) and missed runs are
    caught up once.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        bus: EventBus,
        clock: Clock,
        export_service: Any = None,
        state_engine: Any = None,
        scheduler: Any = None,
        repository: SourceRepository | None = None,
        performance: PerformanceSource | None = None,
        auto_start: bool | None = None,
        scheduler_lock: SchedulerLock | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.bus = bus
        self._engine: Any = state_engine  # opened by open() when not given
        self._templates = TemplateStore(self._state)
        self._runs = RunStore(self._state)
        self._editor = TemplateEditor(self._templates, self.clock)
        self.retries = SlotRetries(self)
        self._opening = Once(self._open_state)
        self.auto_sync_disabled = bool(self.settings.disable_auto_sync)
        self.runner = ReportRunner(
            self.settings,
            self.clock,
            self._runs,
            self._templates,
            self.bus.publish,
            export_service=export_service,
            repository=repository,
            performance=performance,
            retry=retry,
        )
        self.schedule = ReportSchedule(self, scheduler, scheduler_lock)
        if auto_start if auto_start is not None else not self.auto_sync_disabled:
            self.schedule.want()  # scheduled on a running loop by ensure_scheduled(); no I/O here

    def open(self) -> AnalyticsScheduledReportsService:
        """Open the state database, create the default templates once, mark runs left 'running'
        by a dead process as interrupted, prune the history and remove temp files a killed save
        left (blocking, once). The composition root calls it in a worker thread; otherwise the
        first call that reads or writes the state database does."""
        self._opening()
        return self

    def _open_state(self) -> None:
        from tui_analytics.data.state.database import open_state

        if self._engine is None:
            self._engine = open_state(self.settings, self.clock)
        now = self.clock.now()
        # Reads only once seeded: a read command must not need the state database's write lock.
        if self._templates.seed_defaults(default_rows(now), now):
            log.info("created the default report templates")
        remove_stale_temps(self.settings.resolved_report_dir)  # a save killed mid-way left its temp file

    def recover(self) -> None:
        """What the process that takes the scheduler lock does once (blocking): runs a dead process
        left 'running' or 'writing' become 'interrupted' (a 'writing' run keeps its file when the
        file is there: saves are atomic, so it is whole), and the history is pruned."""
        from tui_analytics.data.state.database import STALE_RUN_SECONDS
        from tui_analytics.data.state.locking import was_alone

        now = self.clock.now()
        # Younger rows may be another live process's, unless nobody else used the database at our start.
        alone = was_alone(self.settings.resolved_state_url, "report_runs")
        interrupted = self._runs.mark_interrupted(now, started_before=None if alone else now - timedelta(seconds=STALE_RUN_SECONDS))
        if interrupted:
            log.warning("%d report generation(s) were interrupted by the last shutdown", interrupted)
        self._runs.prune(self.settings.history_retention)

    def _state(self) -> Engine:
        self._opening()
        engine: Engine = self._engine  # given, or opened by open()
        return engine

    @property
    def engine(self) -> Engine:
        """The state database's engine (opening the service on first use)."""
        return self._state()

    def ensure_scheduled(self) -> bool:
        """Schedule the active templates on the running loop if wanted and not there yet."""
        return self.schedule.ensure_attached()

    # -- templates -------------------------------------------------------------

    def timezone_of(self, template: ReportTemplate) -> tzinfo:
        return as_tz(template.timezone) if template.timezone else self.settings.tz

    def get_report_templates(self) -> list[ReportTemplate]:
        """Every template, defaults first; `next_generation` is the next fire time (active ones)."""
        now = self.clock.now()
        tz = self.settings.tz
        return sorted((to_template(row, tz, now) for row in self._templates.load_all()), key=sort_key)

    def get_report_template(self, template_id: str) -> ReportTemplate:
        row = self._templates.get(template_id)
        if row is None:
            raise self._editor.unknown_template(template_id)
        return to_template(row, self.settings.tz, self.clock.now())

    def create_report_template(self, data: Mapping[str, object] | None = None, /, **fields: object) -> ReportTemplate:
        """Validate and store a new template (id `custom-<hex>`); schedules it when active.

        Fields: name, description, schedule ('daily'|'weekly'|'monthly'|'quarterly',
        or 'custom' with a cron), format ('csv'|'json'), include_metadata,
        recipients, is_active, cron, timezone, datasets, skip_empty (an empty period
        makes no file and no e-mail), max_attachment_mb (a larger report is mailed
        as its path; None: no cap), by (day, week or month: the trends per that period;
        None: user growth by month, activity trends by day). Raises
        TemplateValidationError (a ValueError) and saves nothing on bad input.
        """
        template_id = self._editor.create(canonical_fields(data, fields))
        return self._changed(template_id, "created")

    def update_report_template(
        self, template_id: str, changes: Mapping[str, object] | None = None, /, **fields: object
    ) -> ReportTemplate:
        """Change some fields of a template; the whole result is validated before anything is saved."""
        updates = canonical_fields(changes, fields)
        self._editor.update(template_id, updates)
        return self._changed(template_id, "updated", tuple(sorted(updates)))

    def _changed(self, template_id: str, action: str, fields: tuple[str, ...] = ()) -> ReportTemplate:
        template = self.get_report_template(template_id)
        self.schedule.sync(template)
        self.bus.publish(TemplatesChanged(template_id, action, fields, at=self.clock.now()))
        return template

    def delete_report_template(self, template_id: str) -> bool:
        """Delete a template and unschedule it; False when there was no such template.

        Its history stays (the rows name the template); a deleted default is not recreated.
        """
        self.schedule.unschedule(template_id)
        deleted = self._editor.delete(template_id)
        if deleted:
            self.bus.publish(TemplatesChanged(template_id, "deleted", at=self.clock.now()))
        return deleted

    def preview_schedule(
        self, schedule: str = "daily", cron: str | None = None, timezone_name: str | None = None, n: int = 5
    ) -> list[datetime]:
        """The next `n` fire times a template with these fields would have (the editor's preview).

        Uses the service's clock and configured zone; raises TemplateValidationError
        for a bad schedule, cron or zone.
        """
        clean = validate_whole({"schedule": schedule, "cron": cron, "timezone": timezone_name})
        tz = as_tz(clean["timezone"]) if clean["timezone"] else self.settings.tz
        return next_fire_times(clean["cron"] or SCHEDULE_CRONS[clean["schedule"]], tz, self.clock.now(), n)

    # -- generation ------------------------------------------------------------

    def _resolve(self, template: ReportTemplate | str | None, template_id: str | None) -> ReportTemplate:
        if isinstance(template, ReportTemplate):
            return template
        key = template if isinstance(template, str) else template_id
        if not key:
            raise UnknownTemplateError("generate_report needs a template (a ReportTemplate or its id)")
        return self.get_report_template(key)

    async def generate_report(
        self,
        template: ReportTemplate | str | None = None,
        date_range: DateRange | None = None,
        *,
        template_id: str | None = None,
    ) -> GeneratedReport:
        """Make one report now (recorded as 'manual') and return it; raises if it fails (also recorded).

        Without a date range, the last complete period of the template's schedule.
        """
        if not self._opening.done:
            await asyncio.to_thread(self.open)
        self.schedule.ensure_attached()
        resolved = self._resolve(template, template_id)
        if date_range is not None and not isinstance(date_range, DateRange):
            raise ExportOptionsError(f"date_range must be a DateRange, got {type(date_range).__name__}")
        if date_range is not None:
            date_range.validate()  # bad input: refused before anything is recorded
        return await self.runner.generate(resolved, self.timezone_of(resolved), date_range, "manual", None)

    async def test_delivery(self, template: ReportTemplate | str) -> DeliveryResult:
        """Send a sample message to every destination of a template (no file, no history row)."""
        if not self._opening.done:
            await asyncio.to_thread(self.open)
        resolved = self._resolve(template, None)
        return await asyncio.to_thread(deliver_sample, self.settings.smtp, resolved, self.clock.now())

    async def backfill(
        self,
        template: ReportTemplate | str,
        first: date,
        last: date,
        *,
        force: bool = False,
        deliver: bool = True,
        on_progress: Progress | None = None,
    ) -> BackfillResult:
        """Make the report for every period of the template's schedule that starts from `first` to
        `last` (dates, both included) and has ended, recorded as 'backfill'; periods a completed run
        already covers are left alone unless `force`. See reports/backfill.py."""
        if not self._opening.done:
            await asyncio.to_thread(self.open)
        resolved = self._resolve(template, None)
        return await run_backfill(self, resolved, BackfillRequest(first, last, force, deliver), on_progress)

    async def serve_slot(self, template: ReportTemplate, trigger: str, slot: datetime | None = None) -> int | None:
        """Make the template's latest due fire time (or `slot`, one of its fire times: a clock step's
        catch-up) if nobody has; returns the run id or None."""
        if not template.is_active:
            return None
        try:
            tz = self.timezone_of(template)
            if slot is None:
                slot = previous_fire_time(template.effective_cron, tz, self.clock.now())
        except TemplateValidationError as exc:
            # A stored line this version refuses (an older one accepted `*/61`, `5/10`, `L`):
            # not scheduled (see ReportSchedule._add); the other templates are still served.
            log.error("report template %s has no fire times: %s", template.id, exc)
            return None
        if slot is not None:
            # In UTC: Python never calls an ambiguous local time equal to (or ordered
            # reliably against) another zone's time (PEP 495).
            slot = slot.astimezone(timezone.utc)
        if slot is None or (template.created_at is not None and slot <= template.created_at):
            return None
        if not await asyncio.to_thread(self._templates.claim_slot, template.id, slot):
            return None
        try:
            report = await self.runner.generate(template, tz, None, trigger, slot)
            return report.run_id
        except Exception as exc:  # recorded and published by the runner; one failure stops nothing else
            return getattr(exc, "run_id", None)

    async def run_due_reports(self, trigger: str = "scheduled") -> list[ScheduledReport]:
        """Serve every active template's due fire time once; returns the history rows made.

        The scheduler does this per template at each fire time; tests call it after
        moving a FrozenClock, and the start-up catch-up calls it with 'catch-up'.
        """
        templates = await asyncio.to_thread(self.get_report_templates)
        run_ids = []
        for template in templates:
            run_id = await self.serve_slot(template, trigger)
            if run_id is not None:
                run_ids.append(run_id)
        if not run_ids:
            return []
        return [r for r in await asyncio.to_thread(self.get_scheduled_reports) if r.id in run_ids]

    async def catch_up(self) -> list[ScheduledReport]:
        """Make each fire time missed while the app was down, once (recorded as 'catch-up'), then retry
        the slots whose runs failed or were interrupted (retries.py)."""
        made = await self.run_due_reports("catch-up")
        await self.retries.retry_due(at_start=True)
        return made

    def unfinished_slots(self, since: datetime) -> list[UnfinishedSlot]:
        """Slots since `since` whose every run failed or was interrupted (blocking)."""
        return [UnfinishedSlot(*row) for row in self._runs.unfinished_slots(since, SLOT_TRIGGERS)]

    # -- history ---------------------------------------------------------------

    def get_scheduled_reports(
        self, limit: int | None = None, template_id: str | None = None, *, status: str | None = None, since: datetime | None = None
    ) -> list[ScheduledReport]:
        """The report history, newest first (every generation: manual, scheduled, catch-up, backfill);
        `status` (see RUN_STATUSES) and `since` (started at or after) narrow it."""
        return [history_row(row) for row in self._runs.list(limit, template_id, status=status, since=since)]

    def overview(self) -> ReportsOverview:
        """What the Reports pane shows: templates, the newest runs and the counts (blocking)."""
        return reports_overview(self)

    def get_report_statistics(self) -> ReportStatistics:
        return statistics(self._templates.load_all(), self._runs.count_by_status())

    # -- lifecycle -------------------------------------------------------------

    @property
    def scheduler_state(self) -> str:
        """'running', 'paused', 'stopped', 'disabled' (DISABLE_AUTO_SYNC), 'read-only' (another
        process schedules) or 'pending' (waiting for an event loop)."""
        return self.schedule.state

    @property
    def read_only(self) -> bool:
        """True when another process holds the scheduler lock: no report is scheduled here."""
        return self.schedule.read_only

    def lock_holder(self) -> LockHolder | None:
        """Who schedules reports on this state database (blocking on PostgreSQL)."""
        return self.schedule.lease.holder()

    def claim_scheduler(self) -> bool:
        """Try to take the scheduler lock now (blocking: call from a worker before `restart()`)."""
        return not self.auto_sync_disabled and self.schedule.lease.claim()

    def stop(self, *, interrupt: bool = False) -> None:
        """Unschedule every report and give up the scheduler lock. Manual generation still works.

        Running generations finish; with `interrupt` (quitting) they are cancelled
        and recorded as interrupted, with nothing half-written.
        """
        self.schedule.stop()
        if interrupt:
            self.runner.cancel_running()

    def restart(self) -> None:
        """Schedule the active templates again (on the running loop, or the next one used)."""
        self.schedule.start(explicit=True)

    async def wait_idle(self) -> None:
        """Wait for the catch-up pass and scheduled generations started so far (tests, shutdown)."""
        await self.schedule.wait_idle()
