"""What callers read from the processor and do to its cache: statuses, metrics, history, entries.

Mixed into AnalyticsBackgroundProcessor. Statuses and metrics are pure reads of memory (the
dashboard calls them on its loop); the history is read from the state database in a thread.
While another process schedules, the next runs and the cache counters are that process's.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING

from tui_analytics.processor.cache import CacheEntry, CacheStats, check_pattern
from tui_analytics.processor.models import JobMetrics, JobRun, JobStatus

if TYPE_CHECKING:  # what the processor provides
    from collections.abc import Callable
    from typing import TypeVar

    from tui_analytics.data.source.protocol import SourceRepository

    T = TypeVar("T")
    from tui_analytics.processor.book import JobBook, Schedule
    from tui_analytics.processor.cache import AnalyticsCache
    from tui_analytics.processor.history import JobHistory
    from tui_analytics.processor.models import JobSpec


class ReadingMixin:
    """get_job_statuses / get_job_metrics / get_recent_runs / the cache (see the module docstring)."""

    if TYPE_CHECKING:
        book: JobBook
        cache: AnalyticsCache
        history: JobHistory
        specs: dict[str, JobSpec]
        last_cleanup: datetime | None
        _read_only: bool

        def _spec(self, job_id: str) -> JobSpec: ...
        def _schedule_of(self, job_id: str) -> Schedule: ...
        def _remote_cache_stats(self) -> CacheStats | None: ...
        async def query(self, fetch: Callable[[SourceRepository], T], what: str) -> T: ...

    def get_job_statuses(self) -> list[JobStatus]:
        """The six jobs, in their documented order (a pure read of memory)."""
        return [self.get_job_status(job_id) for job_id in self.specs]

    def get_job_status(self, job_id: str) -> JobStatus:
        return self.book.status(self._spec(job_id), self._schedule_of(job_id))

    def get_job_metrics(self) -> JobMetrics:
        """Executions (completed + failed) over all jobs, their average duration, the last cleanup."""
        return self.book.metrics(self.last_cleanup)

    async def get_recent_runs(
        self, job_id: str | None = None, limit: int = 50, *, status: str | None = None, since: datetime | None = None
    ) -> list[JobRun]:
        """History rows, newest first (from the state database, in a thread); `status` (completed,
        failed, skipped, interrupted, running) and `since` (started at or after) narrow them."""
        if job_id is not None:
            self._spec(job_id)
        return await asyncio.to_thread(lambda: self.history.recent(job_id, limit, status=status, since=since))

    def running_job_count(self) -> int:
        return self.book.running_count()

    # -- the cache ------------------------------------------------------------------

    def cache_stats(self) -> CacheStats:
        """The cache counters of the process that schedules: ours, or the one we follow."""
        remote = self._remote_cache_stats() if self._read_only else None
        return remote if remote is not None else self.cache.stats()

    def get_cached(self, key: str) -> CacheEntry | None:
        """A cached dataset with its age and stale mark (counts as a cache hit or miss)."""
        return self.cache.read(key)

    def get_cache_entries(self, pattern: str = "*") -> list[CacheEntry]:
        """Entries for listings (key, age, expiry, stale, error); does not touch hit counts."""
        return self.cache.entries(pattern)

    async def clear_cache(self) -> int:
        """Empty the cache; returns how many entries were removed."""
        return self.cache.clear()

    async def rebuild_rollups(self, span: str) -> dict[str, object]:
        """Roll up again the days of `span` ('FROM/TO', dates, either may be empty: all of them), in a
        worker thread; the cached datasets are then refreshed by their next runs."""
        from tui_analytics.data.rollups.answers import rebuild_span

        days = await self.query(lambda repository: rebuild_span(repository, span), "rollup rebuild")
        return {"days": days}

    async def invalidate_cache(self, pattern: str, *, dry_run: bool = False) -> int:
        """Remove the keys matching a glob (`user-growth*`); returns how many. `dry_run` removes nothing."""
        return len(self.cache.invalidate(check_pattern(pattern), dry_run=dry_run))
