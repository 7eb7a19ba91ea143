"""Scheduling the processor's jobs: the scheduler lock (the lease), the loop's scheduler, its state.

Mixed into AnalyticsBackgroundProcessor. Only one process schedules per state database
(data/state/locking.py): a processor that cannot take the scheduler lock runs read-only
(no jobs scheduled; manual triggers still work) until the holder exits, and `lock_holder()`
says who it is. The jobs go on the shared APScheduler scheduler of the running loop
(runtime/scheduling.py): `max_instances=1` makes a scheduled run that overlaps the previous
one a skip, which APScheduler reports as EVENT_JOB_MAX_INSTANCES.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, EVENT_JOB_SUBMITTED
from apscheduler.jobstores.base import JobLookupError

from tui_analytics.data.state import locking
from tui_analytics.processor.book import Schedule
from tui_analytics.runtime import scheduling
from tui_analytics.runtime.aio import cancel_task, running_loop
from tui_analytics.runtime.errors import one_line
from tui_analytics.runtime.event_types import SchedulerStateChanged

if TYPE_CHECKING:  # what the processor provides
    from apscheduler.events import JobEvent

    from tui_analytics.processor.book import JobBook
    from tui_analytics.processor.metrics import LoopLagProbe
    from tui_analytics.processor.models import JobSpec
    from tui_analytics.runtime.clock import Clock
    from tui_analytics.runtime.events import EventBus

log = logging.getLogger(__name__)


class SchedulingMixin:
    """start / stop / restart / ensure_scheduled, the lock's changes, the scheduler's state (see the module docstring)."""

    if TYPE_CHECKING:
        clock: Clock
        bus: EventBus
        book: JobBook
        specs: dict[str, JobSpec]
        lease: locking.Lease
        lag_probe: LoopLagProbe
        auto_sync_disabled: bool
        _probe_loop_lag: bool
        _warm_on_start: bool
        _token: str

        def open(self) -> Any: ...
        def interval(self, job_id: str) -> float: ...
        def is_paused(self, job_id: str) -> bool: ...
        def held_by_scheduler(self, job_id: str) -> bool: ...
        def _remote_next_run(self, job_id: str) -> datetime | None: ...
        async def _scheduled_run(self, job_id: str) -> None: ...
        def _on_scheduler_event(self, event: JobEvent) -> None: ...
        def close_open_runs(self) -> int: ...

        _unclosed: dict[int, Any]

    _wanted: bool  # jobs should be scheduled (start()/restart() called, stop() not)
    _read_only: bool
    _loop: asyncio.AbstractEventLoop | None
    _scheduler: scheduling.LoopScheduler | None

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> None:
        """Schedule the jobs on the running loop, or on the first loop this processor is used from."""
        self._wanted = True
        self.ensure_scheduled()

    def stop(self, *, interrupt: bool = False) -> None:
        """Unschedule every job, stop probing and give up the scheduler lock.

        Runs in progress finish and are recorded; with `interrupt` (quitting) they
        are cancelled instead, their queries stopped, and recorded as interrupted.
        """
        self._wanted = False
        self._detach()
        self.lease.drop()
        if interrupt:
            for task in self.book.running_tasks():
                cancel_task(task)  # each writes its end as it unwinds, retrying the runs left open
        self._close_open_runs()
        self._scheduler_changed("stopped")

    def _close_open_runs(self) -> None:
        # A run whose end could not be written (a full disk) is retried here, once: the stop is its
        # last chance in this process; otherwise the next start records it as interrupted.
        if not self._unclosed:
            return
        try:
            self.close_open_runs()
        except Exception as exc:
            log.warning(
                "%d job run(s) could not be closed at stop (%s); the next start records them as interrupted",
                len(self._unclosed),
                one_line(exc),
            )

    def restart(self) -> None:
        """Stop, then schedule every job again with fresh next-run times."""
        self.stop()
        self.start()
        self._scheduler_changed("started")

    @property
    def scheduled(self) -> bool:
        """True when this processor's jobs are on a live scheduler."""
        return self._scheduler is not None and self._scheduler.running

    def ensure_scheduled(self) -> None:
        """Schedule the jobs on the running loop if they are wanted and not there yet (cheap when they are)."""
        loop = running_loop()
        if loop is None or not self._wanted:
            return
        if self._loop is loop and (self.auto_sync_disabled or self.scheduled or self._read_only):
            return
        self._attach(loop)

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._detach()
        self._loop = loop
        if self._probe_loop_lag:
            self.lag_probe.start()
        if self.auto_sync_disabled:
            log.info("DISABLE_AUTO_SYNC is set: no job scheduled; manual triggers still work")
            return
        if not self.lease.claim():
            self._read_only = True
            holder = self.lease.holder()
            shown = holder.describe() if holder else "another process"
            log.warning("read-only: %s schedules the jobs on this state database", shown)
            self._scheduler_changed("read-only", shown)
            return
        scheduler = scheduling.get_scheduler(self.bus, self.clock)
        scheduler.add_listener(self._on_scheduler_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_SUBMITTED | EVENT_JOB_MISSED)
        now = datetime.now(timezone.utc)  # APScheduler runs on real time, whatever clock we were given
        for spec in self.specs.values():
            interval = self.interval(spec.id)
            warm = self._warm_on_start and spec.stagger_s > 0
            first: datetime | None = now + timedelta(seconds=min(spec.stagger_s, interval) if warm else interval)
            if self.held_by_scheduler(spec.id):
                first = None  # added paused (APScheduler's meaning of next_run_time=None)
            scheduler.add_job(
                self._scheduled_run,
                "interval",
                seconds=interval,
                args=[spec.id],
                id=self._aps_id(spec.id),
                name=spec.name,
                next_run_time=first,
                replace_existing=True,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
        self._scheduler = scheduler

    def _detach(self) -> None:
        scheduler, self._scheduler = self._scheduler, None
        self._read_only = False
        self.lag_probe.stop()
        if scheduler is None:
            return
        try:
            scheduler.remove_listener(self._on_scheduler_event)
        except ValueError:
            pass
        for job_id in self.specs:
            try:
                scheduler.remove_job(self._aps_id(job_id))
            except (JobLookupError, RuntimeError):  # gone already, or its loop closed
                pass

    def _aps_id(self, job_id: str) -> str:
        return f"{self._token}:{job_id}"

    # -- the scheduler lock ---------------------------------------------------------

    def _lock_changed(self, held: bool) -> None:
        # On the loop (locking.SchedulerLock.watch): the holder exited, or our lock session died.
        loop = running_loop()
        if not self._wanted or loop is None or self.auto_sync_disabled:
            return
        if held:
            log.info("the scheduler lock is ours now: scheduling the jobs")
            self._attach(loop)
            self._scheduler_changed("started")
        else:
            self._detach()
            self._loop = loop
            self._read_only = True
            self._scheduler_changed("read-only", "unknown (lock lost)")

    @property
    def read_only(self) -> bool:
        """True when another process holds the scheduler lock: nothing is scheduled here."""
        return self._read_only

    def lock_holder(self) -> locking.LockHolder | None:
        """Who schedules on this state database (this process, another one, or None). Blocking on PostgreSQL."""
        return self.lease.holder()

    def claim_scheduler(self) -> bool:
        """Try to take the scheduler lock now (blocking: call from a worker before `start()` on the loop)."""
        self.open()
        return self.auto_sync_disabled is False and self.lease.claim()

    # -- the scheduler's state ---------------------------------------------------------

    def _schedule_of(self, job_id: str) -> Schedule:
        """The job's next run (from this process's scheduler, or the status of the one we follow),
        its interval and whether it is paused."""
        paused = self.is_paused(job_id)
        next_run = None
        scheduler = self._scheduler
        if scheduler is not None and scheduler.running and not paused:
            job = scheduler.get_job(self._aps_id(job_id))
            next_run = job.next_run_time.astimezone(timezone.utc) if job and job.next_run_time else None
        elif self._read_only:
            next_run = self._remote_next_run(job_id)
        return Schedule(next_run, self.interval(job_id), paused)

    def scheduler_state(self) -> str:
        """'disabled' (DISABLE_AUTO_SYNC), 'read-only' (another process schedules), 'stopped', 'running' or 'paused'."""
        if self.auto_sync_disabled:
            return "disabled"
        if self._read_only:
            return "read-only"
        if not self.scheduled:
            return scheduling.STOPPED
        return scheduling.state(self._loop)

    def pause_scheduler(self) -> str:
        """Pause the shared scheduler (report jobs too: it is one scheduler); returns scheduler_state()."""
        scheduling.pause(self._loop)
        return self.scheduler_state()

    def resume_scheduler(self) -> str:
        """Resume it; runs that fell due while paused happen once now."""
        scheduling.resume(self._loop)
        return self.scheduler_state()

    def toggle_scheduler(self) -> str:
        """The dashboard's `p` key: pause when running, resume when paused."""
        scheduling.toggle_pause(self._loop)
        return self.scheduler_state()

    def _scheduler_changed(self, state: str, holder: str | None = None) -> None:
        self.bus.publish(SchedulerStateChanged("processor", state, holder, at=self.clock.now()))
