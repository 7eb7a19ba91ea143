"""Soak: thousands of scheduler cycles fast-forwarded on a FrozenClock, with faults mixed in.

Each cycle moves the clock 30 s (the shortest job interval), runs every job that fell due
(concurrently, as the scheduler would: once, however late), serves report slots that fell
due, and now and then exports a file, invalidates or clears the cache. Every 100th cycle
the clock jumps 12 hours (a night, a laptop asleep), so the run covers days of reports. The source database fails now and then: single
transient errors (retried), outages of a few cycles (runs fail, data goes stale), and
non-transient errors. After a warm-up, memory (tracemalloc), threads and file descriptors
must stay flat; the history stays within its retention; no run and no report slot goes
unrecorded; no query runs on the event loop's thread (a stall monitor counts the loop's stalls
for the printed summary).

CI runs 1,000 cycles (about 5 days of schedule, 10 night jumps); TUI_ANALYTICS_SOAK_CYCLES=2000
or more runs longer (2,000 cycles: 50-60 s on this 2-core machine).
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import threading
import tracemalloc
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from croniter import croniter
from sqlalchemy import func, select

from tests.support.processor_fakes import WrappedRepository
from tui_analytics.data.schema import job_runs, report_runs
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.export import AnalyticsExportService, ExportOptions
from tui_analytics.processor import AnalyticsBackgroundProcessor
from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.runtime.errors import DatabaseError
from tui_analytics.runtime.event_types import JobFailed, JobFinished, JobSkipped
from tui_analytics.runtime.events import EventBus
from tui_analytics.runtime.retry import RetryPolicy
from tui_analytics.runtime.stall import StallMonitor

pytestmark = pytest.mark.slow  # thousands of scheduler cycles

CYCLES = int(os.environ.get("TUI_ANALYTICS_SOAK_CYCLES", "1000"))
WARMUP = min(300, CYCLES // 4)
STEP = 30.0
JUMP_EVERY, JUMP = 100, 12 * 3600.0
RETENTION = 200
MB = 2**20


class FaultyRepository(WrappedRepository):
    """The real repository, failing on purpose: `outage` cycles fail every call (transient);
    otherwise a few percent of calls fail once (transient) or for good (a schema error)."""

    def __init__(self, inner: AdminAnalyticsOptimizedRepository, seed: int = 8) -> None:
        super().__init__(inner)
        self.rng = random.Random(seed)
        self.outage = 0
        self.injected = 0
        self.threads: set[int] = set()  # the threads the calls ran in (never the event loop's)

    def before(self, method: str) -> None:
        self.threads.add(threading.get_ident())
        roll = self.rng.random()
        if self.outage or roll < 0.03:
            self.injected += 1
            error = DatabaseError("query failed on sqlite:///demo: disk I/O error (injected)")
            error.transient = True  # type: ignore[attr-defined]
            raise error
        if roll < 0.035:
            self.injected += 1
            raise DatabaseError("query failed on sqlite:///demo: no such column: injected")


def counts() -> tuple[int, int, int]:
    """Threads, open descriptors other than SQLite files, and descriptors of SQLite files.

    SQLite descriptors are counted apart: the connection pools legitimately open
    more connections at busier moments (each holds the database, -wal and -shm
    files), up to their size; anything else that grows is a leak.
    """
    if not os.path.isdir("/proc/self/fd"):
        return threading.active_count(), 0, 0
    other = database = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # closed while we looked
        if target.endswith((".sqlite3", ".sqlite3-wal", ".sqlite3-shm")):
            database += 1
        else:
            other += 1
    return threading.active_count(), other, database


def next_slot(reports: AnalyticsScheduledReportsService, now: Any) -> Any:
    """When the next report fires (what APScheduler's cron triggers would wake up for)."""
    return min(croniter(t.effective_cron, now).get_next(type(now)) for t in reports.get_report_templates())


def expected_slots(cron: str, start: Any, end: Any) -> int:
    it = croniter(cron, start)
    n = 0
    while it.get_next(type(start)) <= end:
        n += 1
    return n


async def test_soak_scheduler_cycles_with_faults(settings, frozen_clock, tmp_path) -> None:
    settings = replace(settings, history_retention=RETENTION, export_dir=tmp_path / "exports")
    repo = FaultyRepository(AdminAnalyticsOptimizedRepository(settings.source_url, clock=frozen_clock))

    async def sleep(seconds: float) -> None:  # backoff moves frozen time, not real time
        frozen_clock.advance(seconds)

    retry = RetryPolicy(attempts=3, base_delay=1.0, max_delay=4.0, sleep=sleep, rng=random.Random(3))
    bus = EventBus()
    outcomes: dict[type, int] = {JobFinished: 0, JobFailed: 0, JobSkipped: 0}
    bus.subscribe(lambda e: outcomes.__setitem__(type(e), outcomes[type(e)] + 1) if type(e) in outcomes else None)
    processor = AnalyticsBackgroundProcessor(
        settings, repository=repo, clock=frozen_clock, bus=bus, autostart=False, probe_loop_lag=False, retry=retry
    )
    exports = AnalyticsExportService(repo, settings=settings, clock=frozen_clock)
    reports = AnalyticsScheduledReportsService(
        settings, clock=frozen_clock, bus=bus, export_service=exports, repository=repo, auto_start=False, retry=retry
    )
    start = frozen_clock.now()
    intervals = {job: settings.interval(job) for job in processor.specs}
    next_due = {job: start for job in processor.specs}
    report_due = next_slot(reports, start)
    samples: list[tuple[int, int, int, int]] = []
    exported = 0
    baseline_mem = 0
    with StallMonitor(threshold=0.1) as monitor:
        for cycle in range(1, CYCLES + 1):
            now = frozen_clock.advance(STEP + (JUMP if cycle % JUMP_EVERY == 0 else 0))
            if cycle % 97 == 0:
                repo.outage = 3  # the database is down for three cycles
            due = [job for job, when in next_due.items() if when <= now]
            for job in due:
                next_due[job] = now + timedelta(seconds=intervals[job])
            await asyncio.gather(*(processor.trigger_job(job) for job in due))
            if now >= report_due:
                await reports.run_due_reports()
                report_due = next_slot(reports, now)
            if cycle % 50 == 0:
                try:
                    result = await exports.export_to_file("top-items", None, ExportOptions(format="json"))
                    result.path.unlink()  # type: ignore[union-attr]
                    exported += 1
                except DatabaseError:
                    pass
            if cycle % 40 == 0:
                await processor.invalidate_cache("top-items*")
            if cycle % 300 == 0:
                await processor.clear_cache()
            repo.outage = max(0, repo.outage - 1)
            if cycle == WARMUP:  # from here on, whatever stays allocated is growth
                gc.collect()
                tracemalloc.start(1)
                baseline_mem = tracemalloc.get_traced_memory()[0]
            if cycle >= WARMUP and cycle % 100 == 0:
                samples.append((cycle, *counts()))
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - baseline_mem
        tracemalloc.stop()
    end = frozen_clock.now()

    # memory, threads and descriptors stay flat after the warm-up
    assert growth < 5 * MB, f"memory grew {growth / MB:.2f} MB"
    threads = [t for _, t, _, _ in samples]
    fds = [f for _, _, f, _ in samples]
    db_fds = [d for _, _, _, d in samples]
    assert max(threads) - min(threads) <= 1 and threads[-1] <= threads[0] + 1, samples
    assert max(fds) - min(fds) <= 2 and fds[-1] <= fds[0] + 1, samples
    # Two engines (source, state), each pool at most pool_size + max_overflow
    # connections of three files: bounded, however long the soak runs.
    pool_bound = 2 * 3 * (5 + 10)
    assert max(db_fds) <= pool_bound, samples

    # history: within retention, every run recorded once, every report slot recorded once
    engine = processor.state_engine
    with engine.connect() as conn:
        kept = conn.execute(select(func.count()).select_from(job_runs)).scalar()
        written = conn.execute(select(func.max(job_runs.c.id))).scalar()
        running = conn.execute(select(func.count()).select_from(job_runs).where(job_runs.c.status == "running")).scalar()
        reports_kept = conn.execute(select(func.count()).select_from(report_runs)).scalar()
        reports_written = conn.execute(select(func.max(report_runs.c.id))).scalar() or 0
    runs_made = sum(outcomes.values())
    assert written == runs_made  # records lost: 0 (rowids only grow; pruning removes the oldest)
    assert running == 0
    per_cleanup = sum(int(3600 // i) + 1 for i in intervals.values())
    assert kept <= RETENTION + per_cleanup
    assert reports_kept <= RETENTION
    slots = sum(expected_slots(t.effective_cron, start, end) for t in reports.get_report_templates())
    assert reports_written == slots and slots >= CYCLES * STEP // 86400  # one row per slot, failed or not
    history = reports.get_scheduled_reports()
    assert {h.status for h in history} <= {"completed", "failed"}

    # faults really happened, and were survived
    assert repo.injected > 50 and outcomes[JobFailed] > 10 and outcomes[JobFinished] > outcomes[JobFailed]
    assert processor.retries > 10 and exported >= CYCLES // 50 // 2
    assert all(s.status in ("completed", "failed") for s in processor.get_job_statuses())
    # no query ran on the event loop's thread (the stall monitor's count is reported below, not
    # checked: how long the loop waits depends on the machine's load)
    assert repo.threads and threading.get_ident() not in repo.threads
    print(
        f"\nsoak: {CYCLES} cycles, {runs_made} job runs ({outcomes}), {processor.retries} retries, "
        f"{repo.injected} faults injected, {reports_written} reports, {exported} exports, "
        f"memory growth {growth / MB:.2f} MB, threads {threads[0]}->{threads[-1]}, fds {fds[0]}->{fds[-1]} (+ SQLite {db_fds[0]}->{db_fds[-1]}), "
        f"stalls over 100 ms: {monitor.count}"
    )
