"""AnalyticsBackgroundProcessor: six recurring jobs that pre-warm the analytics cache.

The jobs run on the shared APScheduler scheduler of the running asyncio loop
(schedule.py). Each run is a coroutine on that loop whose queries go to worker
threads, so the dashboard keeps drawing while the database works. This module
builds the processor and runs its jobs; the other concerns are mixed in:
scheduling and the scheduler lock (schedule.py), per-job settings (control.py),
reading statuses and the cache (reading.py), following another process (remote.py).

A run is skipped, and the skip recorded, when the same job is still running,
whoever started either one: APScheduler's `max_instances=1` catches a scheduled
run that overlaps a scheduled one (reported to us as EVENT_JOB_MAX_INSTANCES),
and the running flag checked in `_execute` catches every other overlap.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from apscheduler.events import EVENT_JOB_SUBMITTED, JobEvent

from tui_analytics.config.settings import Settings
from tui_analytics.data.querylimits import to_thread_interruptible
from tui_analytics.data.state import locking
from tui_analytics.processor.book import RECENT_RUNS, JobBook
from tui_analytics.processor.cache import AnalyticsCache
from tui_analytics.processor.control import POLL_JOB, JobControlMixin
from tui_analytics.processor.history import JobHistory
from tui_analytics.processor.jobs import JOBS, describe
from tui_analytics.processor.metrics import LoopLagProbe
from tui_analytics.processor.models import (
    COMPLETED,
    FAILED,
    INTERRUPTED,
    MANUAL,
    RUNNING,
    SCHEDULED_TRIGGER,
    SKIPPED,
    JobRun,
    JobSpec,
    RunOutcome,
)
from tui_analytics.processor.reading import ReadingMixin
from tui_analytics.processor.remote import RemoteMixin
from tui_analytics.processor.schedule import SchedulingMixin
from tui_analytics.runtime import scheduling
from tui_analytics.runtime.clock import Clock
from tui_analytics.runtime.errors import UnknownJobError, unknown
from tui_analytics.runtime.event_types import CacheChanged, JobFailed, JobFinished, JobSkipped, JobStarted
from tui_analytics.runtime.events import EventBus
from tui_analytics.runtime.once import Once
from tui_analytics.runtime.retry import RetryPolicy, retry_async

if TYPE_CHECKING:
    from tui_analytics.data.source.protocol import SourceRepository

log = logging.getLogger(__name__)

T = TypeVar("T")

_instance_ids = itertools.count(1)


class AnalyticsBackgroundProcessor(SchedulingMixin, JobControlMixin, ReadingMixin, RemoteMixin):
    """Schedules the six jobs, runs them, and keeps their statuses, metrics and history.

    It is given its settings, event bus and clock (the composition root, wiring/services.py,
    passes them; the API's getter reads the configuration). The rest can be passed in (tests,
    the dashboard); by default the source repository is opened on the first query (in a thread)
    and the state database by `open()`. `autostart` schedules the jobs on the running loop, or on
    the first loop the processor is used from, unless DISABLE_AUTO_SYNC is set.
    `warm_on_start` runs the data jobs a few seconds after scheduling (staggered)
    so the dashboard fills at once; without it each first run is one interval away.
    Jobs can be paused and given other intervals at run time (control.py), in the state database.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        bus: EventBus,
        clock: Clock,
        repository: SourceRepository | None = None,
        state_engine: Any | None = None,
        cache: AnalyticsCache | None = None,
        jobs: Iterable[JobSpec] = JOBS,
        autostart: bool = True,
        warm_on_start: bool = True,
        probe_loop_lag: bool = True,
        scheduler_lock: locking.SchedulerLock | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.bus = bus
        self.auto_sync_disabled = self.settings.disable_auto_sync
        self._repository: SourceRepository | None = repository
        self._repository_lock = threading.Lock()
        self._state_engine: Any = state_engine  # opened by open() when not given
        self._opening = Once(self._open_state)
        self.retry = retry or RetryPolicy()
        self.retries = 0  # transient failures retried since start (Metrics pane)
        self.lease = locking.Lease(self.settings.resolved_state_url, self._lock_changed, scheduler_lock, on_claimed=self.recover)
        self._read_only = False
        self.history = JobHistory(self._state, self.settings.history_retention)
        self.cache = cache or AnalyticsCache(clock=self.clock)
        self.cache.on_change = self._cache_changed
        self.lag_probe = LoopLagProbe()
        self._probe_loop_lag = probe_loop_lag
        self._warm_on_start = warm_on_start
        self.specs: dict[str, JobSpec] = {spec.id: spec for spec in jobs}
        self.book = JobBook(self.specs)
        # Runs whose closing write failed (a full disk): their rows still say 'running'. Retried at the
        # next write and at stop, so a clean stop leaves no run open once the database takes writes again.
        self._unclosed: dict[int, JobRun] = {}
        self.job_settings = {}  # run-time overrides (paused, interval), read by open()
        self.last_cleanup: datetime | None = None
        self.latest_performance: dict[str, Any] | None = None
        self.remote_status = None  # set by the channel while another process schedules (remote.py)
        self._token = f"analytics-{next(_instance_ids)}"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._scheduler: scheduling.LoopScheduler | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        # Scheduled by ensure_scheduled() on a running loop (no I/O here: see open()).
        self._wanted = autostart

    def open(self) -> AnalyticsBackgroundProcessor:
        """Open the state database and restore statuses from the run history (blocking, once).

        The composition root calls this in a worker thread; anything that needs the
        state database calls it on first use otherwise.
        """
        self._opening()
        return self

    def _open_state(self) -> None:
        if self._state_engine is None:
            from tui_analytics.data.state.database import open_state

            self._state_engine = open_state(self.settings, self.clock)
        self.sync_from_state()

    def _state(self) -> Any:
        self._opening()
        return self._state_engine

    @property
    def state_engine(self) -> Any:
        """The state database's engine (opening the processor on first use)."""
        return self._state()

    def recover(self) -> None:
        """Mark runs a dead process left 'running' as interrupted (blocking). Only the process
        that takes the scheduler lock does this (Lease's on_claimed): a read command never writes."""
        from tui_analytics.data.state.database import recover_interrupted

        now = self.clock.now()
        alone = locking.was_alone(self.settings.resolved_state_url, "job_runs")
        recover_interrupted(self.state_engine, alone=alone, now=now, tables=("job_runs",))
        self.history.mark_interrupted(self.history.interrupted_cutoff(now, self.settings.query_timeout))

    def sync_from_state(self) -> None:
        """Reload statuses, counts, durations, last_cleanup and the job settings from the state
        database (blocking, one bounded read): at open, and for a read-only dashboard following
        the process that schedules."""
        self.book.restore(self.history.restore(self.specs, recent=RECENT_RUNS))
        self.last_cleanup = self.history.last_cleanup()
        self.load_job_settings()

    def check_job(self, job_id: str) -> None:
        """UnknownJobError (with the closest id) unless `job_id` is one of the jobs."""
        self._spec(job_id)

    def _spec(self, job_id: str) -> JobSpec:
        spec = self.specs.get(job_id)
        if spec is None:
            raise UnknownJobError(unknown("job", job_id, self.specs))
        return spec

    # -- running jobs -------------------------------------------------------------

    async def trigger_job(self, job_id: str) -> JobRun:
        """Run a job now and wait for it; skipped (and recorded) if it is already running.

        A failing run does not raise: the returned JobRun (and the job's status)
        says 'failed' with the error. An unknown id raises UnknownJobError.
        """
        self._spec(job_id)
        if not self._opening.done:
            await asyncio.to_thread(self.open)
        self.ensure_scheduled()
        return await self._execute(job_id, MANUAL)

    async def _scheduled_run(self, job_id: str) -> None:
        """What APScheduler runs for a job (schedule.py adds it)."""
        due = self.book.take_due(job_id)
        if self.is_paused(job_id):  # paused since APScheduler submitted it, or the poll job (control.py)
            if job_id == POLL_JOB:
                await self.poll_requests()
            return
        try:
            await self._execute(job_id, SCHEDULED_TRIGGER, due)
        except asyncio.CancelledError:
            # The loop is closing (or the scheduler shut down): the run is already
            # recorded as interrupted; APScheduler would only log it as a crash.
            pass

    async def _execute(self, job_id: str, trigger: str, scheduled_for: datetime | None = None) -> JobRun:
        """One run: mark the job running, run it, record the end in the book (its new status goes out
        with the finished or failed event) and in the history."""
        spec = self._spec(job_id)
        if not self.book.try_start(job_id, asyncio.current_task()):
            return await self._record_skip(job_id, trigger, scheduled_for)
        started = self.clock.now()
        t0 = self.clock.monotonic()
        self.bus.publish(JobStarted(job_id, trigger, at=started))
        row_id: int | None = None
        outcome: RunOutcome = COMPLETED
        error: str | None = None
        detail: dict[str, Any] = {}
        try:
            row_id = await self._history(self.history.start, JobRun(job_id, trigger, RUNNING, started, scheduled_for=scheduled_for))
            detail = await spec.run(self) or {}
        except asyncio.CancelledError:
            outcome, error = INTERRUPTED, "cancelled (the event loop is shutting down)"
            raise
        except Exception as exc:  # error isolation: this run fails, nothing else does
            outcome, error = FAILED, self.describe_error(exc)
            log.warning("job %s failed: %s", job_id, error)
        finally:
            duration = max(0.0, (self.clock.monotonic() - t0) * 1000.0)
            run = JobRun(job_id, trigger, outcome, started, self.clock.now(), duration, error, scheduled_for, detail)
            status = self.book.finish(run, spec, self._schedule_of(job_id))
            if outcome == INTERRUPTED:
                self._write_history_now(row_id, run)  # cannot await while being cancelled
            else:
                ended = JobFinished if outcome == COMPLETED else JobFailed
                self.bus.publish(ended(job_id, trigger, duration_ms=duration, error=error, status=status, at=self.clock.now()))
        if row_id:
            self._unclosed[row_id] = run
            await self._history(self.close_open_runs)
        else:
            await self._history(self.history.add, run)
        return run

    async def _record_skip(self, job_id: str, trigger: str, scheduled_for: datetime | None) -> JobRun:
        now = self.clock.now()
        run = JobRun(job_id, trigger, SKIPPED, now, now, 0.0, f"skipped: {job_id} is still running", scheduled_for)
        self.book.skipped(job_id, now)
        log.info("%s run of %s skipped: the previous run is still in progress", trigger, job_id)
        self.bus.publish(JobSkipped(job_id, trigger, reason=run.error, at=now))
        await self._history(self.history.add, run)
        return run

    def _on_scheduler_event(self, event: JobEvent) -> None:
        # Called by APScheduler on the loop thread, for every job on the shared scheduler.
        prefix = self._token + ":"
        if not event.job_id.startswith(prefix):
            return
        job_id = event.job_id[len(prefix) :]
        if job_id not in self.book:
            return
        run_times = getattr(event, "scheduled_run_times", None) or [None]
        if event.code == EVENT_JOB_SUBMITTED:
            self.book.set_due(job_id, run_times[-1])
        else:  # max instances reached (or missed): the scheduled run is not made; say so
            self._spawn(self._record_skip(job_id, SCHEDULED_TRIGGER, run_times[-1]))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- what jobs use ---------------------------------------------------------------

    async def get_repository(self) -> SourceRepository:
        """The source repository, opened on first use in a thread (it may build the demo database)."""
        if self._repository is None:
            return await asyncio.to_thread(self._open_repository)
        return self._repository

    def _open_repository(self) -> SourceRepository:
        with self._repository_lock:
            if self._repository is None:
                from tui_analytics.data.source.opening import open_source

                self._repository = open_source(self.settings, clock=self.clock)
            return self._repository

    async def query(self, fetch: Callable[[SourceRepository], T], what: str) -> T:
        """`fetch(repository)` in a worker thread; transient failures retry the whole call.
        `what` names the query in the log.

        Cancelling the caller (the app quits) stops the thread's statement too.
        """

        async def unit() -> T:
            repository = await self.get_repository()
            return await to_thread_interruptible(fetch, repository)

        return await retry_async(unit, self.retry, what=f"{what} query", on_retry=self._count_retry)

    def _count_retry(self, _attempt: int, _exc: BaseException) -> None:
        self.retries += 1

    def describe_error(self, exc: BaseException) -> str:
        """One line for an error, database passwords masked."""
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):
            from tui_analytics.data.engines import describe_error

            return describe_error(self.settings.source_url, exc)
        return describe(exc)

    def ttl_for(self, job_id: str) -> float:
        """How long a job's cache entries live: two intervals and a minute, so one late run never empties them."""
        return 2 * self.interval(job_id) + 60.0

    async def prune_history(self) -> int:
        cutoff = self.history.interrupted_cutoff(self.clock.now(), self.settings.query_timeout)
        await self._history(self.history.mark_interrupted, cutoff)
        return int(await self._history(self.history.prune) or 0)

    async def prune_audit(self) -> int:
        """Drop audit-log rows older than [access] audit_days (data/state/audit.py)."""
        from tui_analytics.data.state import audit

        return int(await self._history(audit.prune, self.state_engine, self.clock.now(), self.settings.access.audit_days) or 0)

    async def _history(self, fn: Any, *args: Any) -> Any:
        # History is a record, not the job: a state-database hiccup is logged, never fails a run.
        try:
            return await asyncio.to_thread(fn, *args)
        except Exception as exc:
            self._history_failed(exc)
            return None

    def _history_failed(self, exc: BaseException) -> None:
        # One line, the same for every write that fails the same way (no SQL, no parameters), so the
        # log's repeat filter shows a full disk once a minute, not a traceback per run. Not worded
        # "job ... failed: ", which serve's log drops as restated by a job.failed line (serve_log.py).
        from tui_analytics.data.engines import write_error

        log.warning("could not write the job history: %s", write_error(self.settings.resolved_state_url, exc))

    def _write_history_now(self, row_id: int | None, run: JobRun) -> None:
        try:
            if row_id:
                self._unclosed[row_id] = run
                self.close_open_runs()
            else:
                self.history.add(run)
        except Exception as exc:
            self._history_failed(exc)

    def close_open_runs(self) -> int:
        """Write the end of each run whose closing write failed earlier (blocking); how many are left open.

        Raises the first failure (the rest wait for the next try)."""
        for row_id, run in sorted(self._unclosed.items()):
            self.history.finish(row_id, run)
            self._unclosed.pop(row_id, None)
        return len(self._unclosed)

    def _cache_changed(self, action: str, keys: list[str]) -> None:
        self.bus.publish(CacheChanged(action, keys=tuple(keys), size=len(self.cache), at=self.clock.now()))
