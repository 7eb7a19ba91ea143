"""Per-job bookkeeping: what each job is doing, its counters and recent durations.

Thread-safe: runs update it on the event loop while the dashboard, thread
workers or the CLI read statuses and metrics from anywhere.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from tui_analytics.processor.history import JobTotals
from tui_analytics.processor.models import FAILED, INTERRUPTED, RUNNING, SCHEDULED, JobMetrics, JobRun, JobSpec, JobStatus

RECENT_RUNS = 30  # durations kept per job for the sparkline


@dataclass
class _JobState:
    status: str = SCHEDULED
    last_run: datetime | None = None
    duration_ms: float | None = None
    error: str | None = None
    runs: int = 0
    failed: int = 0
    skipped: int = 0
    duration_sum_ms: float = 0.0
    last_skipped: datetime | None = None
    recent: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT_RUNS))
    task: asyncio.Task[Any] | None = None  # the run in progress
    remote_running: bool = False  # the process we follow is running it (an attached dashboard)
    due: datetime | None = None  # scheduled time of the run APScheduler just submitted


class Schedule(NamedTuple):
    """What the scheduler says of a job for its status: the next run, the interval in force, paused."""

    next_run: datetime | None
    interval_s: float
    paused: bool


def _busy(state: _JobState) -> bool:
    task = state.task
    # A run whose loop closed under it can never finish; it must not block the job forever.
    return task is not None and not task.done() and not task.get_loop().is_closed()


class JobBook:
    """The live state of every job, restored from history at start."""

    def __init__(self, job_ids: Iterable[str]) -> None:
        self._lock = threading.RLock()
        self._jobs = {job_id: _JobState() for job_id in job_ids}

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._jobs

    def restore(self, totals: dict[str, JobTotals]) -> None:
        with self._lock:
            for job_id, t in totals.items():
                s = self._jobs[job_id]
                s.runs, s.failed, s.skipped = t.runs, t.failed, t.skipped
                s.duration_sum_ms, s.last_skipped = t.duration_sum_ms, t.last_skipped
                s.recent.clear()  # restore is also a re-sync (a read-only dashboard following another process)
                s.recent.extend(t.recent_durations_ms)
                if t.last_run is not None:
                    s.last_run = t.last_run.started_at
                    if not (_busy(s) or s.remote_running):  # a run in progress says so until it ends
                        s.status = t.last_run.status
                    s.duration_ms, s.error = t.last_run.duration_ms, t.last_run.error

    def mark_remote(self, job_id: str, running: bool) -> None:
        """The process this one follows started (or ended) a run of the job."""
        with self._lock:
            s = self._jobs.get(job_id)
            if s is None:
                return
            s.remote_running = running
            if running:
                s.status = RUNNING

    def try_start(self, job_id: str, task: asyncio.Task[Any] | None) -> bool:
        """Mark the job running for `task`; False (and nothing changed) if it is already running."""
        with self._lock:
            state = self._jobs[job_id]
            if _busy(state):
                return False
            state.task, state.status = task, RUNNING
            return True

    def finish(self, run: JobRun, spec: JobSpec, schedule: Schedule) -> JobStatus:
        """Record the end of a run; returns the job's new status (read under the same lock)."""
        with self._lock:
            s = self._jobs[run.job_id]
            s.task = None
            if run.status == INTERRUPTED:  # not an execution: no counters, but say what happened
                s.status, s.error = FAILED, run.error
            else:
                s.status, s.last_run, s.duration_ms, s.error = run.status, run.started_at, run.duration_ms, run.error
                s.runs += 1
                s.failed += run.status == FAILED
                s.duration_sum_ms += run.duration_ms or 0.0
                s.recent.append(run.duration_ms or 0.0)
            return self.status(spec, schedule)

    def skipped(self, job_id: str, when: datetime) -> None:
        with self._lock:
            s = self._jobs[job_id]
            s.skipped += 1
            s.last_skipped = when

    def set_due(self, job_id: str, due: datetime | None) -> None:
        with self._lock:
            self._jobs[job_id].due = due

    def take_due(self, job_id: str) -> datetime | None:
        with self._lock:
            s = self._jobs[job_id]
            due, s.due = s.due, None
            return due

    def running_tasks(self) -> list[asyncio.Task[Any]]:
        """The tasks of the runs in progress (to cancel them when quitting)."""
        with self._lock:
            return [s.task for s in self._jobs.values() if s.task is not None and _busy(s)]

    def running_count(self) -> int:
        with self._lock:
            return sum(1 for s in self._jobs.values() if _busy(s))

    def status(self, spec: JobSpec, schedule: Schedule) -> JobStatus:
        with self._lock:
            s = self._jobs[spec.id]
            return JobStatus(
                id=spec.id,
                name=spec.name,
                status=s.status,  # type: ignore[arg-type]
                last_run=s.last_run,
                next_run=schedule.next_run,
                duration_ms=s.duration_ms,
                error=s.error,
                interval_s=schedule.interval_s,
                runs=s.runs,
                failed_runs=s.failed,
                skipped_runs=s.skipped,
                average_duration_ms=(s.duration_sum_ms / s.runs) if s.runs else None,
                last_skipped=s.last_skipped,
                recent_durations_ms=tuple(s.recent),
                paused=schedule.paused,
            )

    def metrics(self, last_cleanup: datetime | None) -> JobMetrics:
        with self._lock:
            states = list(self._jobs.values())
            total = sum(s.runs for s in states)
            failed = sum(s.failed for s in states)
            duration = sum(s.duration_sum_ms for s in states)
            return JobMetrics(
                total_jobs=total,
                successful_jobs=total - failed,
                failed_jobs=failed,
                average_job_duration_ms=duration / total if total else 0.0,
                last_cleanup=last_cleanup,
                skipped_jobs=sum(s.skipped for s in states),
            )
