"""One cached value with its times and stale mark: what the cache holds, the state database's
snapshot keeps, and the dashboard's first frame reads back (standard library only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class CacheEntry:
    """One cached value and what the dashboard shows about it.

    `stored_at` is when the value was fetched; `stale` is set when a later
    refresh failed (`error`, `failed_at` say how and when) and the value kept.
    """

    key: str
    value: Any
    stored_at: datetime
    expires_at: datetime
    ttl: float
    stale: bool = False
    error: str | None = None
    failed_at: datetime | None = None

    def age(self, now: datetime) -> float:
        """Seconds since the value was fetched."""
        return max(0.0, (now - self.stored_at).total_seconds())

    def expires_in(self, now: datetime) -> float:
        """Seconds until the entry expires (negative once past)."""
        return (self.expires_at - now).total_seconds()
