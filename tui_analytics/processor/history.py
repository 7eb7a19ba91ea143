"""Job run history in the state database (`job_runs`): written per run, read back at start.

Every method is blocking SQL: the processor calls them through asyncio.to_thread
(the restore at construction is one bounded read). Timestamps are stored naive
UTC, as everywhere in the state database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, insert, select, update

from tui_analytics.data.schema import job_runs
from tui_analytics.data.state.database import StateUser, inserted_id, newest_runs
from tui_analytics.data.state.locking import process_label
from tui_analytics.data.timestamps import from_db, to_db
from tui_analytics.processor.models import COMPLETED, FAILED, INTERRUPTED, RUNNING, SKIPPED, JobRun
from tui_analytics.runtime.redact import redact

log = logging.getLogger(__name__)


@dataclass
class JobTotals:
    """What the processor needs back after a restart, per job."""

    last_run: JobRun | None = None  # the latest finished (completed/failed) run
    runs: int = 0
    failed: int = 0
    skipped: int = 0
    duration_sum_ms: float = 0.0
    last_skipped: datetime | None = None
    recent_durations_ms: list[float] = field(default_factory=list)  # oldest first


class JobHistory(StateUser):
    """Reads and writes `job_runs`; `retention` bounds the number of rows kept."""

    def __init__(self, engine: Engine | Callable[[], Engine], retention: int = 5000) -> None:
        super().__init__(engine)
        self.retention = max(10, int(retention))

    def start(self, run: JobRun) -> int:
        """Insert a run as 'running'; returns its row id."""
        with self.engine.begin() as conn:
            return inserted_id(conn.execute(insert(job_runs).values(**self._row(run))))

    def finish(self, row_id: int, run: JobRun) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(job_runs).where(job_runs.c.id == row_id).values(**self._row(run)))

    def add(self, run: JobRun) -> int:
        """Insert a finished run in one go (skips)."""
        return self.start(run)

    def _row(self, run: JobRun) -> dict[str, object]:
        return {
            "job_id": run.job_id,
            "trigger": run.trigger,
            "scheduled_for": to_db(run.scheduled_for),
            "started_at": to_db(run.started_at),
            "finished_at": to_db(run.finished_at),
            "duration_ms": run.duration_ms,
            "status": run.status,
            # Whatever produced the error (a driver, a job) may have echoed a password.
            "error": (run.error or None) and redact(run.error)[:2000],
            "origin": process_label()[:200],
        }

    def recent(
        self, job_id: str | None = None, limit: int = 50, *, status: str | None = None, since: datetime | None = None
    ) -> list[JobRun]:
        """The newest runs first, of one job or of all; `status` and `since` (started at or after) narrow them."""
        query = newest_runs(job_runs, "job_id", job_id, status=status, since=since, limit=limit)
        with self.engine.connect() as conn:
            return [self._run(row) for row in conn.execute(query)]

    @staticmethod
    def _run(row: object) -> JobRun:
        m = row._mapping  # type: ignore[attr-defined]
        return JobRun(
            job_id=m["job_id"],
            trigger=m["trigger"],
            status=m["status"],
            started_at=from_db(m["started_at"]),  # type: ignore[arg-type]
            finished_at=from_db(m["finished_at"]),
            duration_ms=m["duration_ms"],
            error=m["error"] and redact(m["error"]),
            scheduled_for=from_db(m["scheduled_for"]),
            origin=m.get("origin"),
        )

    def restore(self, job_ids: Iterable[str], recent: int = 30) -> dict[str, JobTotals]:
        """Counts, averages, the last finished run and recent durations per job."""
        totals = {job_id: JobTotals() for job_id in job_ids}
        c = job_runs.c
        with self.engine.connect() as conn:
            counts = conn.execute(
                select(c.job_id, c.status, func.count(), func.sum(c.duration_ms), func.max(c.started_at)).group_by(
                    c.job_id, c.status
                )
            )
            for job_id, status, count, dsum, latest in counts:
                t = totals.get(job_id)
                if t is None:
                    continue
                if status in (COMPLETED, FAILED):
                    t.runs += int(count)
                    t.duration_sum_ms += float(dsum or 0.0)
                    if status == FAILED:
                        t.failed += int(count)
                elif status == SKIPPED:
                    t.skipped += int(count)
                    t.last_skipped = from_db(latest)
            for job_id, t in totals.items():
                rows = conn.execute(
                    select(job_runs)
                    .where(c.job_id == job_id, c.status.in_((COMPLETED, FAILED)))
                    .order_by(c.started_at.desc(), c.id.desc())
                    .limit(recent)
                ).all()
                if rows:
                    t.last_run = self._run(rows[0])
                    t.recent_durations_ms = [float(r.duration_ms or 0.0) for r in reversed(rows)]
        return totals

    def last_cleanup(self, job_id: str = "cache-cleanup") -> datetime | None:
        c = job_runs.c
        with self.engine.connect() as conn:
            value = conn.execute(select(func.max(c.finished_at)).where(c.job_id == job_id, c.status == COMPLETED)).scalar()
        return from_db(value)

    def mark_interrupted(self, older_than: datetime) -> int:
        """Rows still 'running' that started before `older_than` belong to a process that died."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(job_runs)
                .where(job_runs.c.status == RUNNING, job_runs.c.started_at < to_db(older_than))
                .values(status=INTERRUPTED, error="the process stopped before the run finished")
            )
            return int(result.rowcount or 0)

    def prune(self) -> int:
        """Delete all but the newest `retention` rows; returns how many went."""
        c = job_runs.c
        with self.engine.begin() as conn:
            # Two statements: MySQL refuses a DELETE whose subquery reads the same table.
            cutoff = conn.execute(select(c.id).order_by(c.id.desc()).offset(self.retention).limit(1)).scalar()
            if cutoff is None:
                return 0
            result = conn.execute(delete(job_runs).where(c.id <= cutoff))
            return int(result.rowcount or 0)

    def interrupted_cutoff(self, now: datetime, query_timeout: float) -> datetime:
        """Runs older than this cannot still be running anywhere (twice the query timeout, 10 min at least)."""
        return now - timedelta(seconds=max(600.0, 2 * query_timeout))
