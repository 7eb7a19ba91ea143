"""What the channel between processes (channel/service.py) reads from the processor and sets on it.

Mixed into AnalyticsBackgroundProcessor. The process that schedules stores its cache for the
others (`cache_keys`, `snapshot_of`); a dashboard attached to it follows its runs
(`follow_runs`), its status row (`follow_status`: next runs, cache counters) and its cache
(`restore_snapshot`). A starting dashboard also fills its empty cache from the snapshot the last
scheduling process left, so its first frame shows the last known analytics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from tui_analytics.data.cache_entry import CacheEntry
from tui_analytics.processor.cache import CacheStats
from tui_analytics.processor.jobs import PERFORMANCE_KEY

if TYPE_CHECKING:  # what the processor provides
    from tui_analytics.processor.book import JobBook
    from tui_analytics.processor.cache import AnalyticsCache
    from tui_analytics.runtime.clock import Clock

COUNTERS = ("size", "maxsize", "hits", "misses", "stale")


class RemoteMixin:
    """follow_runs / follow_status / cache_keys / snapshot_of / restore_snapshot (see the module docstring)."""

    if TYPE_CHECKING:
        clock: Clock
        book: JobBook
        cache: AnalyticsCache
        latest_performance: dict[str, Any] | None

        def sync_from_state(self) -> None: ...

    # The scheduling process's status row while another process schedules (None otherwise).
    remote_status: dict[str, Any] | None

    # -- following the process that schedules --------------------------------------------

    def follow_runs(self, last_word: Mapping[str, bool], *, attached: bool) -> None:
        """The process this one follows started (True) or ended (False) runs of these jobs, the last
        word on each: re-read the run history (blocking); with `attached`, a run still going there
        shows as running here."""
        for job_id, running in last_word.items():
            if not running:
                self.book.mark_remote(job_id, False)
        self.sync_from_state()
        if attached:
            for job_id, running in last_word.items():
                if running:
                    self.book.mark_remote(job_id, True)

    def follow_status(self, status: dict[str, Any] | None) -> None:
        """The scheduling process's status row (its next runs and cache counters), shown while this
        processor is read-only."""
        self.remote_status = status

    def _remote_next_run(self, job_id: str) -> datetime | None:
        return _parse_time(((self.remote_status or {}).get("nextRuns") or {}).get(job_id))

    def _remote_cache_stats(self) -> CacheStats | None:
        counters = (self.remote_status or {}).get("cache")
        if not isinstance(counters, dict):
            return None
        try:
            return CacheStats(**{key: int(counters[key]) for key in COUNTERS})
        except (KeyError, TypeError, ValueError):
            return None

    # -- the cache snapshot ----------------------------------------------------------------

    def cache_keys(self) -> list[str]:
        """Every key of this process's cache."""
        return self.cache.keys()

    def snapshot_of(self, keys: Iterable[str]) -> tuple[list[CacheEntry], list[str]]:
        """The entries of `keys` as this process's cache holds them, and the keys it no longer holds."""
        present, gone = [], []
        for key in sorted(keys):
            entry = self.cache.peek(key)
            if entry is None:
                gone.append(key)
            else:
                present.append(entry)
        return present, gone

    def restore_snapshot(self, entries: Iterable[CacheEntry], *, replace_all: bool) -> None:
        """Fill the cache from a stored snapshot, expired entries left out: all of it replaced
        (following the scheduling process), or only the keys the cache lacks (the last known
        analytics of a first frame). The performance figures come along."""
        now = self.clock.now()
        fresh = [entry for entry in entries if entry.expires_at > now]
        if not replace_all:
            fresh = [entry for entry in fresh if self.cache.peek(entry.key) is None]
        self.cache.restore(fresh, replace_all=replace_all)
        performance = next((entry.value for entry in fresh if entry.key == PERFORMANCE_KEY), None)
        if isinstance(performance, dict) and (replace_all or self.latest_performance is None):
            self.latest_performance = performance


def _parse_time(text: Any) -> datetime | None:
    try:
        value = datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None
    return value.astimezone(timezone.utc) if value is not None and value.tzinfo else value
