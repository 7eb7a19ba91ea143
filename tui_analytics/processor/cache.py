"""The analytics cache: what the background jobs pre-warm and the dashboard reads.

A cachetools TLRU cache (a TTL cache whose time-to-live is chosen per entry, so
the 30-second performance metrics and the 15-minute top items can share one
bounded cache) behind a lock, because cachetools is not thread-safe and the
dashboard, worker threads and the CLI all read it. Keys begin with the job id
that fills them (`user-growth:12`), so a glob such as `user-growth*` matches.

When a refresh fails the last good value stays readable, marked stale with the
time and the error, so a database blink never blanks the dashboard.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from cachetools import TLRUCache

from tui_analytics.data.cache_entry import CacheEntry as CacheEntry  # importable from here, as before
from tui_analytics.runtime.clock import SYSTEM_CLOCK, Clock

DEFAULT_MAXSIZE = 256
DEFAULT_TTL = 600.0

_MISSING = object()


@dataclass(frozen=True)
class CacheStats:
    """Counters for the Metrics pane and the performance-metrics job."""

    size: int
    maxsize: int
    hits: int
    misses: int
    stale: int

    @property
    def hit_rate(self) -> float | None:
        """Hits over reads, 0..1; None before the first read."""
        reads = self.hits + self.misses
        return self.hits / reads if reads else None


MAX_PATTERN = 200  # far longer than any key; a longer glob is a mistake (or an attack on fnmatch)


def check_pattern(pattern: str) -> str:
    """The glob, or ValueError when it is empty or too long."""
    if not pattern:
        raise ValueError("empty cache pattern; use '*' to match every key")
    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"cache pattern is too long ({len(pattern):,} characters; at most {MAX_PATTERN})")
    return pattern


def matches(key: str, pattern: str) -> bool:
    """Glob match, case-sensitive on every platform (`fnmatch` folds case on Windows)."""
    return fnmatch.fnmatchcase(key, pattern)


class AnalyticsCache:
    """A bounded, thread-safe TTL cache of analytics results with entry metadata.

    `on_change(action, keys)` is called (outside the lock) after every change:
    action is one of 'set', 'stale', 'invalidate', 'clear', 'expire'.
    """

    def __init__(
        self,
        maxsize: int = DEFAULT_MAXSIZE,
        default_ttl: float = DEFAULT_TTL,
        clock: Clock = SYSTEM_CLOCK,
        on_change: Callable[[str, list[str]], None] | None = None,
    ) -> None:
        if maxsize < 1:
            raise ValueError("cache maxsize must be at least 1")
        self._clock = clock
        self._default_ttl = float(default_ttl)
        self._maxsize = maxsize
        self._lock = threading.RLock()
        # The timer is the injected clock, so tests expire entries by moving time.
        self._data: TLRUCache[str, CacheEntry] = TLRUCache(
            maxsize=maxsize, ttu=lambda _k, entry, now: now + entry.ttl, timer=clock.monotonic
        )
        self._hits = 0
        self._misses = 0
        self.on_change = on_change

    # reading ---------------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        """The cached value (stale or not), counting a hit or a miss."""
        entry = self.read(key)
        return default if entry is None else entry.value

    def read(self, key: str) -> CacheEntry | None:
        """The entry with its metadata, counting a hit or a miss."""
        with self._lock:
            entry = self._data.get(key, _MISSING)
            if entry is _MISSING:
                self._misses += 1
                return None
            self._hits += 1
            return entry  # type: ignore[return-value]

    def peek(self, key: str) -> CacheEntry | None:
        """The entry without touching the hit/miss counters (listings, tests)."""
        with self._lock:
            return self._data.get(key)

    def entries(self, pattern: str = "*") -> list[CacheEntry]:
        """Live entries whose key matches the glob, sorted by key."""
        with self._lock:
            found = [e for k, e in list(self._data.items()) if matches(k, pattern)]
        return sorted(found, key=lambda e: e.key)

    def keys(self, pattern: str = "*") -> list[str]:
        return [e.key for e in self.entries(pattern)]

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._data

    def stats(self) -> CacheStats:
        with self._lock:
            values = list(self._data.values())
            return CacheStats(
                size=len(values),
                maxsize=self._maxsize,
                hits=self._hits,
                misses=self._misses,
                stale=sum(1 for e in values if e.stale),
            )

    # writing ---------------------------------------------------------------

    def set(self, key: str, value: Any, ttl: float | None = None) -> CacheEntry:
        """Store a fresh value; any stale mark on the key is cleared."""
        ttl = self._default_ttl if ttl is None else float(ttl)
        if ttl <= 0:
            raise ValueError("cache ttl must be positive")
        now = self._clock.now()
        entry = CacheEntry(key, value, now, now + timedelta(seconds=ttl), ttl)
        with self._lock:
            self._data[key] = entry
        self._changed("set", [key])
        return entry

    def mark_failed(self, key: str, error: str, ttl: float | None = None) -> CacheEntry | None:
        """A refresh of `key` failed: keep the last good value, marked stale.

        The entry's life is extended by `ttl` (default: its own), so the value
        outlives an outage instead of expiring under the operator's eyes. Returns
        the stale entry, or None when there was no value to keep.
        """
        now = self._clock.now()
        with self._lock:
            old = self._data.get(key)
            if old is None:
                return None
            life = old.ttl if ttl is None else float(ttl)
            entry = replace(
                old,
                stale=True,
                error=error,
                failed_at=now,
                ttl=life,
                expires_at=now + timedelta(seconds=life),
            )
            self._data[key] = entry
        self._changed("stale", [key])
        return entry

    def restore(self, entries: list[CacheEntry], *, replace_all: bool = False) -> None:
        """Load entries as another process (or an earlier run) stored them, ages and stale marks kept.

        Used for the first view from the state database's snapshot and by a dashboard showing
        another process's cache. Entries live until their own `expires_at`; `replace_all` drops
        every other entry first. Silent: it is not a change of this process's cache to tell anyone.
        """
        now = self._clock.now()
        with self._lock:
            if replace_all:
                self._data.clear()
            for entry in entries:
                left = entry.expires_in(now)
                if left > 0:
                    # The TLRU timer counts the entry's life from now: give it what it has left.
                    self._data[entry.key] = replace(entry, ttl=left)

    def invalidate(self, pattern: str, dry_run: bool = False) -> list[str]:
        """Remove the keys matching a glob; returns them (sorted). `dry_run` only lists."""
        with self._lock:
            keys = sorted(k for k in list(self._data.keys()) if matches(k, pattern))
            if not dry_run:
                for key in keys:
                    self._discard(key)
        if keys and not dry_run:
            self._changed("invalidate", keys)
        return keys

    def clear(self) -> int:
        """Remove every entry; returns how many there were. Counters are kept."""
        with self._lock:
            keys = list(self._data.keys())
            self._data.clear()
        if keys:
            self._changed("clear", keys)
        return len(keys)

    def expire(self) -> list[str]:
        """Drop entries past their expiry now (the cleanup job); returns their keys."""
        with self._lock:
            expired = [k for k, _ in self._data.expire()]
        if expired:
            self._changed("expire", expired)
        return expired

    def reset_stats(self) -> None:
        with self._lock:
            self._hits = self._misses = 0

    # ---------------------------------------------------------------------

    def _discard(self, key: str) -> None:
        try:
            del self._data[key]
        except KeyError:  # TLRUCache raises when the entry expired meanwhile; it is gone either way
            pass

    def _changed(self, action: str, keys: list[str]) -> None:
        if self.on_change is not None:
            self.on_change(action, keys)
