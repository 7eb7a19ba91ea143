"""The last known view, read before anything heavy is imported: the dashboard's first frame.

The process that schedules keeps two things in the state database (channel/service.py): the
row `app_meta['dashboard.view']`, a JSON document with what the Jobs, Metrics and Reports
panes show, and the `cache_snapshot` table with the cached analytics. A dashboard starting
on an SQLite state file reads both here with the standard library's sqlite3, before
SQLAlchemy is imported (a slower import than this whole read), so its first frame shows the
last known data with its age; the live services replace it once they are open.

Read-only and best effort: any problem (no file yet, an older state database without these
tables, a locked or damaged file) gives None, and the dashboard starts as before.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui_analytics.data.cache_entry import CacheEntry

if TYPE_CHECKING:
    from tui_analytics.runtime.plain import JSONValue

log = logging.getLogger(__name__)

VIEW_KEY = "dashboard.view"
VIEW_VERSION = 1
BUSY_TIMEOUT_S = 0.2  # a writer holding the file longer: start without the last view rather than wait


# The snapshot's rows are cache entries, as the scheduling process's cache held them.
SnapshotEntry = CacheEntry


@dataclass(frozen=True)
class LastView:
    """What the state file said: the panes' document (None when none was written) and the cache."""

    view: dict[str, JSONValue] | None
    snapshot: list[SnapshotEntry]


def state_file(url: str) -> Path | None:
    """The file of a plain `sqlite:///path` URL; None for anything else (a server, options, memory)."""
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if url.startswith(prefix):
            rest = url[len(prefix) :]
            if not rest or "?" in rest or rest.startswith(("file:", ":memory:")):
                return None
            return Path(rest).expanduser()
    return None


def read_last_view(url: str) -> LastView | None:
    """The last known view from the state database at `url` (blocking, but one small read), or None."""
    path = state_file(url)
    if path is None or not path.is_file():
        return None
    import sqlite3

    try:
        # Read-only: this never creates the file nor changes it (its owner may be another process).
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        log.info("no last view: %s", exc)
        return None
    try:
        raw = conn.execute("SELECT value FROM app_meta WHERE key = ?", (VIEW_KEY,)).fetchone()
        rows = conn.execute(
            "SELECT key, value, stored_at, expires_at, ttl, stale, error, failed_at FROM cache_snapshot ORDER BY key"
        ).fetchall()
    except sqlite3.Error as exc:  # an older state database, or one busy beyond the timeout
        log.info("no last view: %s", exc)
        return None
    finally:
        conn.close()
    return LastView(_document(raw[0] if raw else None), [e for e in map(_entry, rows) if e is not None])


def _document(text: str | None) -> dict[str, JSONValue] | None:
    if not text:
        return None
    try:
        found = json.loads(text)
    except ValueError:
        return None
    if not isinstance(found, dict) or found.get("version") != VIEW_VERSION:
        return None  # written by a release that shapes it differently
    return found


def stored_time(value: object) -> datetime | None:
    """A DateTime column as SQLite holds it ("2026-12-05 12:00:00.123456", naive UTC), made aware."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


def _entry(row: tuple[Any, ...]) -> SnapshotEntry | None:  # sqlite3's values, as it gives them
    key, value, stored_at, expires_at, ttl, stale, error, failed_at = row
    try:
        stored, expires = stored_time(stored_at), stored_time(expires_at)
        if stored is None or expires is None:
            return None
        return SnapshotEntry(str(key), json.loads(value), stored, expires, float(ttl), bool(stale), error, stored_time(failed_at))
    except (ValueError, TypeError):  # a damaged row is left out; the next refresh rewrites it
        return None
