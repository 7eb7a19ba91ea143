"""One report generation: record it, build it, save it atomically, mail it, record the outcome.

The history row is written before any work starts (status 'running'), then names
the file before it is saved ('writing'), then says 'completed': a crash leaves
evidence that the next process to take the scheduler lock turns into 'interrupted'
(keeping a file that was saved whole, since saves are atomic). All blocking work
(SQL, rendering, files, SMTP) runs in worker threads. Fetching and rendering is
one unit, retried whole after a transient database failure; cancelling a
generation (quitting) stops its query and records it as interrupted.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tui_analytics.config.settings import Settings
from tui_analytics.data.engines import write_error
from tui_analytics.data.querylimits import to_thread_interruptible
from tui_analytics.export import safe_filename, save_export
from tui_analytics.export.files import numbered
from tui_analytics.export.options import EXTENSIONS, ExportResult
from tui_analytics.export.render import Sections
from tui_analytics.reports.content import PerformanceSource, build_report_parts
from tui_analytics.reports.delivery import NO_RECIPIENTS, NOT_SENT, DeliveryResult
from tui_analytics.reports.models import SKIPPED_EMPTY, GeneratedReport, ReportTemplate
from tui_analytics.reports.periods import default_period
from tui_analytics.reports.sending import deliver_report
from tui_analytics.reports.store import RunStore, TemplateStore
from tui_analytics.runtime.aio import cancel_task
from tui_analytics.runtime.clock import Clock
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.errors import one_line
from tui_analytics.runtime.event_types import Event, ReportFailed, ReportFinished, ReportStarted
from tui_analytics.runtime.redact import mask_destination
from tui_analytics.runtime.retry import RetryPolicy, retry_async

if TYPE_CHECKING:
    from tui_analytics.data.source.protocol import SourceRepository

log = logging.getLogger(__name__)

MB = 1024 * 1024


class RepositoryOwner(Protocol):
    """What the runner takes the source repository from when none is injected (the export service)."""

    @property
    def repository(self) -> SourceRepository: ...


def period_text(date_range: DateRange, tz: tzinfo) -> str:
    """'2026-01-14' for one day, '2026-01-05_2026-01-11' for longer (local dates, end inclusive)."""
    first = date_range.start_utc.astimezone(tz).date()
    last = (date_range.end_utc - timedelta(microseconds=1)).astimezone(tz).date()
    return first.isoformat() if first >= last else f"{first.isoformat()}_{last.isoformat()}"


def report_filename(template: ReportTemplate, date_range: DateRange, tz: tzinfo, when: datetime) -> str:
    """`<template-name>_<period>_<UTC stamp>.<ext>`; the name part is made safe (never a path)."""
    stem = safe_filename(template.name.lower(), default=safe_filename(template.id, default="report"), max_bytes=80)
    stamp = when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{stem}_{period_text(date_range, tz)}_{stamp}{EXTENSIONS.get(template.format, '')}"


class ReportRunner:
    """Makes reports for the service; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        runs: RunStore,
        templates: TemplateStore,
        publish: Callable[[Event], None],
        *,
        export_service: RepositoryOwner | None = None,
        repository: SourceRepository | None = None,
        performance: PerformanceSource | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self._running: set[asyncio.Task[object]] = set()
        self.clock = clock
        self.runs = runs
        self.templates = templates
        self.publish = publish
        self.export_service = export_service
        self._repository = repository
        self.performance = performance
        self._lock = threading.Lock()
        self.scheduler_state: Callable[[], str] = lambda: "unknown"

    @property
    def report_dir(self) -> Path:
        return self.settings.resolved_report_dir

    def repository(self) -> SourceRepository:
        """The source repository: injected, the export service's, or opened now (blocking)."""
        with self._lock:
            if self._repository is None:
                if self.export_service is None:
                    from tui_analytics.export import AnalyticsExportService

                    self.export_service = AnalyticsExportService(settings=self.settings, clock=self.clock)
                self._repository = self.export_service.repository
            return self._repository

    async def generate(
        self,
        template: ReportTemplate,
        tz: tzinfo,
        date_range: DateRange | None,
        trigger: str,
        scheduled_for: datetime | None,
        *,
        deliver: bool = True,
    ) -> GeneratedReport:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            return await self._generate(template, tz, date_range, trigger, scheduled_for, deliver)
        finally:
            if task is not None:
                self._running.discard(task)

    def cancel_running(self) -> int:
        """Cancel every generation in progress (quitting); each is recorded as interrupted."""
        tasks = [t for t in self._running if not t.done()]
        for task in tasks:
            cancel_task(task)
        return len(tasks)

    async def _generate(
        self,
        template: ReportTemplate,
        tz: tzinfo,
        date_range: DateRange | None,
        trigger: str,
        scheduled_for: datetime | None,
        deliver: bool = True,
    ) -> GeneratedReport:
        started = self.clock.now()
        saved: Path | None = None
        run_id = await asyncio.to_thread(self.runs.start, template.id, template.name, trigger, scheduled_for, started)
        self.publish(ReportStarted(template.id, run_id, trigger, template.name, at=self.clock.now()))
        try:
            rng = date_range or default_period(template.schedule, template.effective_cron, tz, scheduled_for or started)
            rng.validate()
            period = {"period_start": rng.start_utc, "period_end": rng.end_utc}
            await asyncio.to_thread(self.runs.finish, run_id, **period)
            state = self.scheduler_state()
            built = await retry_async(
                lambda: to_thread_interruptible(self._build, template, rng, tz, started, state),
                self.retry,
                what=f"report {template.id}",
            )
            if built is None:  # skip_empty, and nothing happened in the period: no file, no e-mail
                return await self._skipped(template, run_id, trigger, rng)
            result, sections = built
            filename = report_filename(template, rng, tz, started)
            path = await asyncio.to_thread(self._save, run_id, result, filename)
            saved = path
            await self._record_saved(run_id, path, result)
            delivery = await self._mail(template, path, result.content_type, rng, tz, deliver, sections)
            finished = self.clock.now()
            await asyncio.to_thread(self.runs.finish, run_id, finished_at=finished, delivery=delivery.to_dict())
            await asyncio.to_thread(self.templates.update, template.id, {"last_generated": finished})
            await asyncio.to_thread(self._prune)
        except asyncio.CancelledError:
            self._record_failure(run_id, "interrupted", "interrupted: the generation was cancelled", saved)
            raise
        except Exception as exc:
            await self._failed(template, run_id, trigger, exc, saved)
            raise
        return self._finished(template, run_id, trigger, started, rng, path, result, delivery)

    async def _record_saved(self, run_id: int, path: Path, result: ExportResult) -> None:
        # The report exists from here on: record it before mailing it, so a
        # crash during delivery does not turn a saved report into a failure.
        await asyncio.to_thread(
            self.runs.finish,
            run_id,
            status="completed",
            error=None,  # a peer may have marked this live run interrupted; it was not
            finished_at=self.clock.now(),
            filename=path.name,
            path=str(path),
            size=result.size,
            content_type=result.content_type,
            delivery={"status": "pending", "recipients": {}},
        )

    async def _mail(
        self,
        template: ReportTemplate,
        path: Path,
        content_type: str,
        rng: DateRange,
        tz: tzinfo,
        deliver: bool,
        sections: Sections,
    ) -> DeliveryResult:
        if deliver:
            period = period_text(rng, tz).replace("_", " to ")
            delivery: DeliveryResult = await asyncio.to_thread(
                deliver_report, self.settings.smtp, template, path, content_type, period, tz, sections
            )
            return delivery
        # a backfill asked not to mail (the recipients had these periods, or should not get them all)
        return DeliveryResult(
            NO_RECIPIENTS if not template.recipients else NOT_SENT,
            {mask_destination(r): "not sent: made without e-mail" for r in template.recipients},
        )

    async def _failed(self, template: ReportTemplate, run_id: int, trigger: str, exc: Exception, saved: Path | None) -> None:
        message = one_line(exc)
        await asyncio.to_thread(self._record_failure, run_id, "failed", message, saved)
        await asyncio.to_thread(self._prune)
        log.warning("report %s failed: %s", template.id, message)
        self.publish(ReportFailed(template.id, run_id, trigger, error=message, name=template.name, at=self.clock.now()))
        exc.run_id = run_id  # type: ignore[attr-defined]

    def _finished(
        self,
        template: ReportTemplate,
        run_id: int,
        trigger: str,
        started: datetime,
        rng: DateRange,
        path: Path,
        result: ExportResult,
        delivery: DeliveryResult,
    ) -> GeneratedReport:
        report = GeneratedReport(
            filename=path.name,
            size=result.size,
            data=result.data,
            content_type=result.content_type,
            path=str(path),
            template_id=template.id,
            run_id=run_id,
            generated_at=started,
            date_range=rng.label(),
            trigger=trigger,
            delivery=delivery.to_dict(),
        )
        self.publish(
            ReportFinished(
                template.id,
                run_id,
                trigger,
                template.name,
                filename=path.name,
                path=str(path),
                size=result.size,
                delivery=delivery.status,
                at=self.clock.now(),
            )
        )
        return report

    async def _skipped(self, template: ReportTemplate, run_id: int, trigger: str, rng: DateRange) -> GeneratedReport:
        finished = self.clock.now()
        await asyncio.to_thread(self.runs.finish, run_id, status="skipped", error=SKIPPED_EMPTY, finished_at=finished)
        await asyncio.to_thread(self._prune)
        log.info("report %s skipped: the period %s is empty", template.id, rng.label())
        self.publish(
            ReportFinished(
                template.id,
                run_id,
                trigger,
                template.name,
                filename=None,
                path=None,
                size=0,
                delivery=None,
                skipped=SKIPPED_EMPTY,
                at=self.clock.now(),
            )
        )
        return GeneratedReport(
            filename="",
            size=0,
            data="",
            content_type="",
            path="",
            template_id=template.id,
            run_id=run_id,
            generated_at=finished,
            date_range=rng.label(),
            trigger=trigger,
            status="skipped",
        )

    def _build(
        self, template: ReportTemplate, rng: DateRange, tz: tzinfo, when: datetime, state: str
    ) -> tuple[ExportResult, Sections] | None:
        return build_report_parts(
            self.repository(), template, rng, when, zone=tz, performance=self.performance, scheduler_state=state
        )

    def _prune(self) -> None:
        # The history stays within its retention while the app runs for weeks, not only at start.
        try:
            self.runs.prune(self.settings.history_retention)
        except Exception as exc:
            log.warning("could not prune the report history: %s", write_error(self.settings.resolved_state_url, exc))

    def _save(self, run_id: int, result: ExportResult, filename: str) -> Path:
        """Record the file's name ('writing'), then save it atomically; never replaces a file.

        The row names the file before it exists, so a kill between the two leaves a
        'writing' row (resolved at the next start), never a file without its history.
        """
        first = self.report_dir / filename
        for n in range(1, 1000):
            candidate = first if n == 1 else numbered(first, n)
            if candidate.exists():
                continue
            self.runs.writing(run_id, candidate, result.size, result.content_type)
            try:
                return save_export(result, self.report_dir, candidate.name, overwrite=False, unique=False)
            except FileExistsError:  # another writer took the name in between: the next one
                continue
        raise FileExistsError(f"no free file name like {first}")

    def _record_failure(self, run_id: int, status: str, message: str, saved: Path | None = None) -> None:
        # The name recorded while 'writing' stays only if the file was saved.
        kept = {} if saved is not None else {"filename": None, "path": None, "size": None}
        try:
            self.runs.finish(run_id, status=status, finished_at=self.clock.now(), error=message, **kept)
        except Exception as exc:  # the database itself may be what failed; the log keeps the story
            log.warning(
                "could not record the outcome of report run %s: %s", run_id, write_error(self.settings.resolved_state_url, exc)
            )
