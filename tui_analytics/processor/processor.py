"""AnalyticsBackgroundProcessor: six recurring jobs that pre-warm the analytics cache.

The jobs run on the shared APScheduler scheduler of the running asyncio loop
(see `scheduling`). Each run is a coroutine on that loop whose queries go to
worker threads, so the dashboard keeps drawing while the database works.

A run is skipped, and the skip recorded, when the same job is still running,
whoever started either one: APScheduler's `max_instances=1` catches a scheduled
run that overlaps a scheduled one (reported to us as EVENT_JOB_MAX_INSTANCES),
and the running flag checked in `_execute` catches every other overlap.

Only one process schedules per state database (locking.py): a processor that
cannot take the scheduler lock runs read-only (no jobs scheduled; manual
triggers still work) until the holder exits, and `lock_holder()` says who it is.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeVar

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, EVENT_JOB_SUBMITTED, JobEvent
from apscheduler.jobstores.base import JobLookupError

from tui_analytics.config.settings import Settings, load_settings
from tui_analytics.data.querylimits import to_thread_interruptible
from tui_analytics.data.state import locking
from tui_analytics.processor.book import RECENT_RUNS, JobBook
from tui_analytics.processor.cache import AnalyticsCache, CacheEntry, CacheStats, check_pattern
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
    JobMetrics,
    JobRun,
    JobSpec,
    JobStatus,
    RunOutcome,
)
from tui_analytics.runtime import scheduling
from tui_analytics.runtime.aio import cancel_task, running_loop
from tui_analytics.runtime.clock import SYSTEM_CLOCK, Clock
from tui_analytics.runtime.errors import UnknownJobError, unknown
from tui_analytics.runtime.event_types import (
    CacheChanged,
    JobFailed,
    JobFinished,
    JobSkipped,
    JobStarted,
    SchedulerStateChanged,
)
from tui_analytics.runtime.events import EventBus, default_bus
from tui_analytics.runtime.once import Once
from tui_analytics.runtime.retry import RetryPolicy, retry_async

if TYPE_CHECKING:
    from tui_analytics.data.source.protocol import SourceRepository

log = logging.getLogger(__name__)

T = TypeVar("T")

_instance_ids = itertools.count(1)


class AnalyticsBackgroundProcessor(JobControlMixin):
    """Schedules the six jobs, runs them, and keeps their statuses, metrics and history.

    Every dependency can be passed in (tests, the dashboard); by default the
    configuration is read now (`load_settings()`), the source repository is
    opened on the first query (in a thread) and the state database is opened
    here. `autostart` schedules the jobs on the running loop, or on the first
    loop the processor is used from, unless DISABLE_AUTO_SYNC is set.
    `warm_on_start` runs the data jobs a few seconds after scheduling (staggered)
    so the dashboard fills at once; without it each first run is one interval away.
    Jobs can be paused and given other intervals at run time (control.py), in the state database.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        repository: SourceRepository | None = None,
        clock: Clock | None = None,
        bus: EventBus | None = None,
        state_engine: Any | None = None,
        cache: AnalyticsCache | None = None,
        jobs: Iterable[JobSpec] = JOBS,
        autostart: bool = True,
        warm_on_start: bool = True,
        probe_loop_lag: bool = True,
        scheduler_lock: locking.SchedulerLock | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        self.clock: Clock = clock or SYSTEM_CLOCK
        self.bus = bus or default_bus()
        self.auto_sync_disabled = self.settings.disable_auto_sync
        self._repository: SourceRepository | None = repository
        self._repository_lock = threading.Lock()
        self._state_engine: Any = state_engine  # opened by open() when not given
        self._opening = Once(self._open_state)
        self.retry = retry or RetryPolicy()
        self.retries = 0  # transient failures retried since start (Metrics pane)
        self.lease = locking.Lease(
            self.settings.resolved_state_url, self._lock_changed, scheduler_lock, on_claimed=self.recover
        )
        self._read_only = False
        self.history = JobHistory(self._state, self.settings.history_retention)
        self.cache = cache or AnalyticsCache(clock=self.clock)
        self.cache.on_change = self._cache_changed
        self.lag_probe = LoopLagProbe()
        self._probe_loop_lag = probe_loop_lag
        self._warm_on_start = warm_on_start
        self.specs: dict[str, JobSpec] = {spec.id: spec for spec in jobs}
        self.book = JobBook(self.specs)
        self.job_settings = {}  # run-time overrides (paused, interval), read by open()
        self.last_cleanup: datetime | None = None
        self.latest_performance: dict[str, Any] | None = None
        # The scheduling process's status row while another process schedules (wiring/channel.py).
        self.remote_status: dict[str, Any] | None = None
        self._token = f"analytics-{next(_instance_ids)}"
        self._wanted = False  # jobs should be scheduled (start()/restart() called, stop() not)
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
        self._restore()

    def _state(self) -> Any:
        self._opening()
        return self._state_engine

    @property
    def state_engine(self) -> Any:
        """The state database's engine (opening the processor on first use)."""
        return self._state()

    # lifecycle ---------------------------------------------------------------

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
                cancel_task(task)
        self._scheduler_changed("stopped")

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
        scheduler = scheduling.get_scheduler()
        scheduler.add_listener(self._on_scheduler_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_SUBMITTED | EVENT_JOB_MISSED)
        now = datetime.now(timezone.utc)  # APScheduler runs on real time, whatever clock we were given
        for spec in self.specs.values():
            interval = self.interval(spec.id)
            warm = self._warm_on_start and spec.stagger_s > 0
            first: datetime | None = now + timedelta(seconds=min(spec.stagger_s, interval) if warm else interval)
            if self.held_by_scheduler(spec.id):
                first = None  # added paused (APScheduler's meaning of next_run_time=None)
            scheduler.add_job(
                self._scheduled_run, "interval", seconds=interval, args=[spec.id],
                id=self._aps_id(spec.id), name=spec.name, next_run_time=first, replace_existing=True,
                max_instances=1, coalesce=True, misfire_grace_time=None,
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

    # running jobs -------------------------------------------------------------

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

    def check_job(self, job_id: str) -> None:
        """UnknownJobError (with the closest id) unless `job_id` is one of the jobs."""
        self._spec(job_id)

    def _spec(self, job_id: str) -> JobSpec:
        spec = self.specs.get(job_id)
        if spec is None:
            raise UnknownJobError(unknown("job", job_id, self.specs))
        return spec

    async def _execute(self, job_id: str, trigger: str, scheduled_for: datetime | None = None) -> JobRun:
        spec = self._spec(job_id)
        if not self.book.try_start(job_id, asyncio.current_task()):
            return await self._record_skip(job_id, trigger, scheduled_for)
        started = self.clock.now()
        t0 = self.clock.monotonic()
        run = JobRun(job_id, trigger, RUNNING, started, scheduled_for=scheduled_for)
        self.bus.publish(JobStarted(job_id, trigger, at=started))
        row_id: int | None = None
        outcome: RunOutcome = COMPLETED
        error: str | None = None
        detail: dict[str, Any] = {}
        try:
            row_id = await self._history(self.history.start, run)
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
            self._finish(run)
            if outcome == INTERRUPTED:
                self._write_history_now(row_id, run)  # cannot await while being cancelled
        if row_id:
            await self._history(self.history.finish, row_id, run)
        else:
            await self._history(self.history.add, run)
        return run

    def _finish(self, run: JobRun) -> None:
        self.book.finish(run)
        if run.status == INTERRUPTED:
            return
        ended = JobFinished if run.status == COMPLETED else JobFailed
        self.bus.publish(ended(run.job_id, run.trigger, duration_ms=run.duration_ms, error=run.error, at=self.clock.now()))

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
        job_id = event.job_id[len(prefix):]
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

    # what jobs use ---------------------------------------------------------------

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

    def running_job_count(self) -> int:
        return self.book.running_count()

    async def prune_history(self) -> int:
        cutoff = self.history.interrupted_cutoff(self.clock.now(), self.settings.query_timeout)
        await self._history(self.history.mark_interrupted, cutoff)
        return int(await self._history(self.history.prune) or 0)

    async def _history(self, fn: Any, *args: Any) -> Any:
        # History is a record, not the job: a state-database hiccup is logged, never fails a run.
        try:
            return await asyncio.to_thread(fn, *args)
        except Exception:
            log.exception("job history write failed")
            return None

    def _write_history_now(self, row_id: int | None, run: JobRun) -> None:
        try:
            self.history.finish(row_id, run) if row_id else self.history.add(run)
        except Exception:
            log.exception("job history write failed")

    def recover(self) -> None:
        """Mark runs a dead process left 'running' as interrupted (blocking). Only the process
        that takes the scheduler lock does this (Lease's on_claimed): a read command never writes."""
        from tui_analytics.data.state.database import recover_interrupted

        now = self.clock.now()
        alone = locking.was_alone(self.settings.resolved_state_url, "job_runs")
        recover_interrupted(self.state_engine, alone=alone, now=now, tables=("job_runs",))
        self.history.mark_interrupted(self.history.interrupted_cutoff(now, self.settings.query_timeout))

    def _restore(self) -> None:
        """Statuses, counts, durations and last_cleanup from the history (one bounded read)."""
        self.book.restore(self.history.restore(self.specs, recent=RECENT_RUNS))
        self.last_cleanup = self.history.last_cleanup()
        self._load_job_settings()

    def sync_from_state(self) -> None:
        """Reload statuses, counts and durations from the run history (blocking).

        A read-only dashboard calls this from a worker to follow the process that schedules.
        """
        self.book.restore(self.history.restore(self.specs, recent=RECENT_RUNS))
        self.last_cleanup = self.history.last_cleanup()
        self._load_job_settings()

    # reading ----------------------------------------------------------------------

    def get_job_statuses(self) -> list[JobStatus]:
        """The six jobs, in their documented order (a pure read of memory)."""
        return [self.get_job_status(job_id) for job_id in self.specs]

    def get_job_status(self, job_id: str) -> JobStatus:
        spec = self._spec(job_id)
        next_run = None
        scheduler = self._scheduler
        paused = self.is_paused(job_id)
        if scheduler is not None and scheduler.running and not paused:
            job = scheduler.get_job(self._aps_id(job_id))
            next_run = job.next_run_time.astimezone(timezone.utc) if job and job.next_run_time else None
        elif self._read_only and self.remote_status:
            next_run = _parse_time((self.remote_status.get("nextRuns") or {}).get(job_id))
        return self.book.status(spec, next_run, self.interval(job_id), paused=paused)

    def cache_stats(self) -> CacheStats:
        """The cache counters of the process that schedules: ours, or the one we follow."""
        remote = (self.remote_status or {}).get("cache") if self._read_only else None
        if isinstance(remote, dict):
            try:
                return CacheStats(**{k: int(remote[k]) for k in ("size", "maxsize", "hits", "misses", "stale")})
            except (KeyError, TypeError, ValueError):
                pass
        return self.cache.stats()

    def get_job_metrics(self) -> JobMetrics:
        """Executions (completed + failed) over all jobs, their average duration, the last cleanup."""
        return self.book.metrics(self.last_cleanup)

    async def get_recent_runs(self, job_id: str | None = None, limit: int = 50, *, status: str | None = None,
                              since: datetime | None = None) -> list[JobRun]:
        """History rows, newest first (from the state database, in a thread); `status` (completed,
        failed, skipped, interrupted, running) and `since` (started at or after) narrow them."""
        if job_id is not None:
            self._spec(job_id)
        return await asyncio.to_thread(lambda: self.history.recent(job_id, limit, status=status, since=since))

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

    # cache ------------------------------------------------------------------------

    def get_cached(self, key: str) -> CacheEntry | None:
        """A cached dataset with its age and stale mark (counts as a cache hit or miss)."""
        return self.cache.read(key)

    def get_cache_entries(self, pattern: str = "*") -> list[CacheEntry]:
        """Entries for listings (key, age, expiry, stale, error); does not touch hit counts."""
        return self.cache.entries(pattern)

    async def clear_cache(self) -> int:
        """Empty the cache; returns how many entries were removed."""
        return self.cache.clear()

    async def invalidate_cache(self, pattern: str, *, dry_run: bool = False) -> int:
        """Remove the keys matching a glob (`user-growth*`); returns how many. `dry_run` removes nothing."""
        return len(self.cache.invalidate(check_pattern(pattern), dry_run=dry_run))

    def _cache_changed(self, action: str, keys: list[str]) -> None:
        self.bus.publish(CacheChanged(action, keys=tuple(keys), size=len(self.cache), at=self.clock.now()))

    def _scheduler_changed(self, state: str, holder: str | None = None) -> None:
        self.bus.publish(SchedulerStateChanged("processor", state, holder, at=self.clock.now()))


def _parse_time(text: Any) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None
    return value.astimezone(timezone.utc) if value is not None and value.tzinfo else value
