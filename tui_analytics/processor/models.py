"""The processor's public records: JobStatus, JobMetrics, JobRun, and the job catalogue entry JobSpec."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

# Defined under the services, where the finished-run events that carry it are (runtime/job_status.py).
from tui_analytics.runtime.job_status import JobStatus as JobStatus
from tui_analytics.runtime.job_status import StatusName as StatusName

# JobStatus.status values, as docs/api.md defines them.
SCHEDULED: Final = "scheduled"
RUNNING: Final = "running"
COMPLETED: Final = "completed"
FAILED: Final = "failed"
# Extra outcomes a JobRun (and a job_runs row) can have.
SKIPPED: Final = "skipped"
INTERRUPTED: Final = "interrupted"

MANUAL = "manual"
SCHEDULED_TRIGGER = "scheduled"

RunOutcome = Literal["running", "completed", "failed", "skipped", "interrupted"]
RUN_OUTCOMES: tuple[str, ...] = ("completed", "failed", "skipped", "interrupted", "running")


@dataclass(frozen=True)
class JobMetrics:
    """Aggregate counts over every job's executions (skips are not executions)."""

    total_jobs: int
    successful_jobs: int
    failed_jobs: int
    average_job_duration_ms: float
    last_cleanup: datetime | None
    skipped_jobs: int = 0


@dataclass(frozen=True)
class JobRun:
    """One attempt to run a job, as recorded in the `job_runs` table."""

    job_id: str
    trigger: str  # 'scheduled' | 'manual'
    status: RunOutcome
    started_at: datetime
    finished_at: datetime | None = None
    duration_ms: float | None = None
    error: str | None = None
    scheduled_for: datetime | None = None
    detail: dict[str, Any] = field(default_factory=dict, compare=False)
    origin: str | None = field(default=None, compare=False)  # the process that made it (history rows)

    @property
    def ok(self) -> bool:
        return self.status == COMPLETED


@dataclass(frozen=True)
class JobSpec:
    """A job in the catalogue: what it is called and what one run does.

    `run(ctx)` is a coroutine; its blocking work goes to threads. `keys` are the
    cache keys it writes (used to answer "what would this pattern match").
    """

    id: str
    name: str
    run: Callable[[Any], Awaitable[dict[str, Any]]]
    keys: tuple[str, ...] = ()
    stagger_s: float = 0.0
