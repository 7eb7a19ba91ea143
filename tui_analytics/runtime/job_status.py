"""JobStatus: one background job as the Jobs pane shows it.

Defined here, under the services, because a finished run's event (runtime/event_types.py)
carries the job's new status, so the dashboard repaints that row from the event alone. The
processor builds it (processor/book.py) and re-exports it as `processor.models.JobStatus`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

StatusName = Literal["running", "completed", "failed", "scheduled"]


@dataclass(frozen=True)
class JobStatus:
    """One job as the Jobs pane shows it. The first seven fields are the JobStatus of docs/api.md.

    `status` is 'scheduled' until the first run, then 'running', 'completed' or
    'failed'. A skipped run does not change it (the job is still running); it
    shows in `skipped_runs`, `last_skipped` and the history. `paused` is separate from
    `status` (which keeps saying how the last run went); a paused job has no next_run.
    `interval_s` is the interval in force (set at run time, or the configured one).
    """

    id: str
    name: str
    status: StatusName
    last_run: datetime | None
    next_run: datetime | None
    duration_ms: float | None
    error: str | None = None
    interval_s: float = 0.0
    runs: int = 0
    failed_runs: int = 0
    skipped_runs: int = 0
    average_duration_ms: float | None = None
    last_skipped: datetime | None = None
    recent_durations_ms: tuple[float, ...] = ()
    paused: bool = False  # left out by the scheduler (`jobs pause`); manual triggers still run it
