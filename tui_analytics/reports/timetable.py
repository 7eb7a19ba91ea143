"""The report jobs in the shared APScheduler scheduler (one job per active template).

A job's trigger is a CrontabTrigger, so it fires when Debian cron would (crontab(5)
fields, cron(8) across clock changes, the template's zone). When it fires, the job asks the service to
serve the template's latest due slot; the slot claim makes that idempotent. When the
scheduler notices a step of the wall clock, each template's slots follow cron's rule for it
(reports/cron/clock_steps.py): the slots to make are made in order, as a catch-up, and the job
waits for its first fire time after the new time.
Jobs are added on the running event loop; a service created outside one
attaches on the first loop it is used from. Nothing is scheduled (and nothing
caught up) unless this process holds the state database's scheduler lock; a
read-only schedule takes over when the lock frees.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from apscheduler.schedulers.base import STATE_PAUSED

from tui_analytics.data.state import locking
from tui_analytics.reports.cron import CrontabTrigger
from tui_analytics.reports.cron.clock_steps import after_step
from tui_analytics.reports.models import ReportTemplate
from tui_analytics.runtime import scheduling
from tui_analytics.runtime.aio import running_loop
from tui_analytics.runtime.clock_steps import ClockStep
from tui_analytics.runtime.errors import TemplateValidationError, UnknownTemplateError

if TYPE_CHECKING:
    from datetime import datetime

    from tui_analytics.reports.service import AnalyticsScheduledReportsService

log = logging.getLogger(__name__)

JOB_PREFIX = "report:"
RETRY_JOB = "reports-retry"  # looks for slots to make again (retries.py); not a template's job


def job_id(template_id: str) -> str:
    return JOB_PREFIX + template_id


class Job(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def trigger(self) -> object: ...


class JobScheduler(Protocol):
    """What the report jobs use of APScheduler's scheduler (which has no type information)."""

    def get_jobs(self) -> Sequence[Job]: ...
    def get_job(self, job_id: str) -> Job | None: ...
    def add_job(self, func: Callable[..., object], trigger: object = None, **options: object) -> object: ...
    def remove_job(self, job_id: str) -> None: ...
    def modify_job(self, job_id: str, jobstore: str | None = None, **changes: object) -> object: ...
    def on_clock_step(self, listener: Callable[[ClockStep], None]) -> Callable[[], None]: ...


class ReportSchedule:
    """Keeps the scheduler's report jobs in step with the active templates."""

    def __init__(
        self,
        service: AnalyticsScheduledReportsService,
        scheduler: JobScheduler | None = None,
        lock: locking.SchedulerLock | None = None,
    ) -> None:
        self.service = service
        self._injected = scheduler
        self.lease = locking.Lease(service.settings.resolved_state_url, self._lock_changed, lock, on_claimed=service.recover)
        self._read_only_loop: asyncio.AbstractEventLoop | None = None
        self._scheduler: JobScheduler | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wanted = False
        self._tasks: set[asyncio.Task[object]] = set()
        self._lock = threading.RLock()
        # Template ids synced while the jobs are being added after attaching (None otherwise).
        self._synced: set[str] | None = None
        self._attachments = 0  # counts attaches, so a late job-adding task of an earlier one does nothing
        self._unwatch_clock: Callable[[], None] | None = None
        service.runner.scheduler_state = lambda: self.state

    # -- state -------------------------------------------------------------------

    @property
    def attached(self) -> bool:
        loop = self._loop
        return (
            self._scheduler is not None
            and loop is not None
            and not loop.is_closed()
            and bool(getattr(self._scheduler, "running", False))
        )

    @property
    def read_only(self) -> bool:
        loop = self._read_only_loop
        return self._wanted and loop is not None and not loop.is_closed()

    @property
    def state(self) -> str:
        if not self._wanted:
            return "disabled" if self.service.auto_sync_disabled else "stopped"
        if self.read_only:
            return "read-only"
        if not self.attached:
            return "pending"
        return "paused" if getattr(self._scheduler, "state", None) == STATE_PAUSED else "running"

    def scheduled_ids(self) -> list[str]:
        """Template ids that have a job now."""
        scheduler = self._scheduler
        if scheduler is None or not self.attached:
            return []
        return sorted(j.id[len(JOB_PREFIX) :] for j in scheduler.get_jobs() if j.id.startswith(JOB_PREFIX))

    # -- lifecycle ---------------------------------------------------------------

    def want(self) -> None:
        """Mark the jobs as wanted without touching a loop or the lock (no I/O)."""
        self._wanted = True

    def start(self, explicit: bool = False) -> bool:
        """Want the jobs scheduled; schedules them now if a loop is running. True when attached."""
        with self._lock:
            self._wanted = True
            if explicit:
                self._detach()  # restart: re-add every job and catch up again
        return self.ensure_attached()

    def ensure_attached(self) -> bool:
        """Attach to the running loop's scheduler if wanted and not yet there (cheap when attached)."""
        if not self._wanted:
            return False
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        with self._lock:
            if self.attached and self._loop is loop:
                return True
            if self._read_only_loop is loop:
                return False  # the lock watcher calls _lock_changed when the holder goes
            self._detach()
            if not self.lease.claim():
                self._read_only_loop = loop
                holder = self.lease.holder()
                log.warning(
                    "reports read-only: %s schedules them on this state database",
                    holder.describe() if holder else "another process",
                )
                return False
            scheduler = self._injected or scheduling.get_scheduler(self.service.bus, self.service.clock)
            self._scheduler, self._loop = scheduler, loop
            self._unwatch_clock = scheduler.on_clock_step(self._clock_stepped)
            self._synced = set()
            self._attachments += 1
            self._spawn(self._add_active_then_catch_up(self._attachments))
        return True

    async def _add_active_then_catch_up(self, attachment: int) -> None:
        """Add a job per active template, then catch up. Reading the templates is a state-database
        query, so it runs in a thread: attaching happens on the (UI) event loop."""
        templates = await asyncio.to_thread(self.service.get_report_templates)
        with self._lock:
            if attachment != self._attachments or not self.attached or self._scheduler is None:
                return  # stopped or re-attached meanwhile
            synced = self._synced or set()
            for template in templates:
                if template.id not in synced:  # changed since the read: sync() has its job right
                    self._add(template)
            self._synced = None
            self._scheduler.add_job(
                self._retry,
                trigger="interval",
                seconds=self.service.settings.report_retry_delay,  # looks as often as the shortest delay
                id=RETRY_JOB,
                name="Report retries",
                replace_existing=True,
                **scheduling.JOB_DEFAULTS,
            )
        await self.service.catch_up()

    def stop(self) -> None:
        with self._lock:
            self._wanted = False
            self._detach()
        self.lease.drop()

    def _lock_changed(self, held: bool) -> None:
        # On the loop: the holder exited (take over, catching up what it missed) or our lock was lost.
        with self._lock:
            if not self._wanted:
                return
            if held:
                self._read_only_loop = None
                self.ensure_attached()
            else:
                loop = self._loop
                self._detach()
                self._read_only_loop = loop

    def _detach(self) -> None:
        self._read_only_loop = None
        scheduler, self._scheduler, self._loop = self._scheduler, None, None
        unwatch, self._unwatch_clock = self._unwatch_clock, None
        if unwatch is not None:
            unwatch()
        if scheduler is None:
            return
        try:
            for job in scheduler.get_jobs():
                if job.id.startswith(JOB_PREFIX) or job.id == RETRY_JOB:
                    scheduler.remove_job(job.id)
        except Exception:  # a scheduler already shut down with its loop has nothing to remove
            log.debug("could not remove report jobs", exc_info=True)

    # -- jobs --------------------------------------------------------------------

    def sync(self, template: ReportTemplate) -> None:
        """Add, replace or remove the template's job after it changed."""
        with self._lock:
            if not self.attached:
                return
            if self._synced is not None:
                self._synced.add(template.id)
            if template.is_active:
                self._add(template)
            else:
                self.unschedule(template.id)

    def unschedule(self, template_id: str) -> None:
        with self._lock:
            if self._scheduler is None:
                return
            if self._synced is not None:
                self._synced.add(template_id)
            try:
                if self._scheduler.get_job(job_id(template_id)) is not None:
                    self._scheduler.remove_job(job_id(template_id))
            except Exception:
                log.debug("could not remove the job of %s", template_id, exc_info=True)

    def _add(self, template: ReportTemplate) -> None:
        scheduler = self._scheduler
        if not template.is_active or scheduler is None:
            return
        try:
            trigger = CrontabTrigger(template.effective_cron, self.service.timezone_of(template))
        except TemplateValidationError as exc:  # a row edited by hand: skip it, keep the others
            log.error("report template %s is not scheduled: %s", template.id, exc)
            return
        scheduler.add_job(
            self._fire,
            trigger=trigger,
            args=[template.id],
            id=job_id(template.id),
            name=f"Report: {template.name}",
            replace_existing=True,
            **scheduling.JOB_DEFAULTS,
        )

    # -- clock steps ---------------------------------------------------------------

    def _clock_stepped(self, step: ClockStep) -> None:
        """The scheduler noticed a wall-clock step (before running anything due): apply cron's rule
        to each template's job. Called where the scheduler looked, usually its loop."""
        with self._lock:
            scheduler, loop = self._scheduler, self._loop
            if scheduler is None or loop is None or not step.forward:
                return  # a step back: nothing is made again and each job keeps its next fire time
            for job in scheduler.get_jobs():
                trigger = job.trigger
                if not job.id.startswith(JOB_PREFIX) or not isinstance(trigger, CrontabTrigger):
                    continue
                plan = after_step(trigger.spec, trigger.timezone, step)
                if plan.next_fire is not None:  # else APScheduler removes the job at its fire time
                    scheduler.modify_job(job.id, next_run_time=plan.next_fire)
                if plan.slots:
                    template_id = job.id[len(JOB_PREFIX) :]
                    log.info("clock stepped %s: %d slot(s) of %s to make", step.describe(), len(plan.slots), template_id)
                    making = self._make_slots(template_id, plan.slots)
                    if running_loop() is loop:
                        self._spawn(making)
                    else:  # a job added or changed from another thread noticed the step
                        loop.call_soon_threadsafe(self._spawn_on, loop, making)

    def _spawn_on(self, loop: asyncio.AbstractEventLoop, coro: Coroutine[object, object, None]) -> None:
        if loop is not self._loop:  # detached meanwhile
            coro.close()
            return
        self._spawn(coro)

    async def _make_slots(self, template_id: str, slots: Sequence[datetime]) -> None:
        try:
            template = await asyncio.to_thread(self.service.get_report_template, template_id)
        except UnknownTemplateError:
            return
        for slot in slots:  # oldest first: the claim only moves forward
            try:
                await self.service.serve_slot(template, "catch-up", slot)
            except Exception:
                log.exception("report %s for the slot %s failed", template_id, slot.isoformat())

    @contextlib.contextmanager
    def _tracked(self) -> Iterator[None]:
        """The running task counts as this schedule's work while inside (wait_idle waits for it)."""
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def _fire(self, template_id: str) -> None:
        with self._tracked():
            try:
                try:
                    template = await asyncio.to_thread(self.service.get_report_template, template_id)
                except UnknownTemplateError:
                    self.unschedule(template_id)  # deleted by another process
                    return
                await self.service.serve_slot(template, "scheduled")
            except asyncio.CancelledError:
                # Stopping (a signal, quitting): the runner has recorded the run as interrupted;
                # raised on, APScheduler would log it as a crash with a traceback.
                log.info("scheduled report %s interrupted: the scheduler is stopping", template_id)
            except Exception:
                log.exception("scheduled report %s failed", template_id)

    async def _retry(self) -> None:
        with self._tracked():
            try:
                await self.service.retries.retry_due()
            except asyncio.CancelledError:
                log.info("report retries interrupted: the scheduler is stopping")
            except Exception:
                log.exception("report retries failed")

    def _spawn(self, coro: Coroutine[object, object, None]) -> None:
        assert self._loop is not None
        task = self._loop.create_task(coro, name="tui-analytics report catch-up")
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("report catch-up failed: %s", task.exception())

    async def wait_idle(self) -> None:
        current = asyncio.current_task()
        while True:
            pending = [t for t in self._tasks if t is not current and not t.done()]
            if not pending:
                return
            await asyncio.gather(*pending, return_exceptions=True)
