"""Opening the source database, creating the embedded demo database on first use."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from tui_analytics.config.settings import Settings
from tui_analytics.data.dbfiles import sqlite_path
from tui_analytics.data.engines import check_connection, check_source_schema, new_engine, set_query_timeout, set_read_only
from tui_analytics.data.source.demo_data import DemoSpec, load_demo_data
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.runtime.clock import SYSTEM_CLOCK, Clock
from tui_analytics.runtime.errors import DatabaseError

log = logging.getLogger(__name__)

# The demo database the dashboard creates when nothing is configured.
FIRST_START_DEMO = DemoSpec(users=2000, items=200, activities=100_000)

_demo_lock = threading.Lock()


def ensure_demo_database(settings: Settings, on_progress: Callable[[str, int, int], None] | None = None) -> bool:
    """Create the demo database if it is missing; True when it was created now."""
    path = settings.demo_database_path
    with _demo_lock:
        if path.exists() and path.stat().st_size > 0:
            return False
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(path.name + ".partial")
        tmp.unlink(missing_ok=True)
        # Build into a side file, then rename: a crash never leaves a half-filled demo DB.
        engine = new_engine(f"sqlite:///{tmp}")
        try:
            load_demo_data(engine, FIRST_START_DEMO, progress=on_progress)
        finally:
            engine.dispose()
        for suffix in ("-wal", "-shm"):
            tmp.with_name(tmp.name + suffix).unlink(missing_ok=True)
        tmp.replace(path)
        log.info("created demo database %s", path)
        return True


def open_source(
    settings: Settings,
    *,
    clock: Clock = SYSTEM_CLOCK,
    on_progress: Callable[[str, int, int], None] | None = None,
    check: bool = True,
) -> AdminAnalyticsOptimizedRepository:
    """The repository for the configured source (the demo database when none is configured).

    With `check`, the connection, the three tables (or the mapping's tables and
    queries) and how their times are stored are verified first, so a bad URL, an
    empty database or a wrong mapping is one clear DatabaseError, not a traceback later.
    """
    url = settings.source_url
    if settings.uses_demo_data:
        ensure_demo_database(settings, on_progress)
    else:
        # A configured source is only read: opened read-only, never created (a typo in a
        # path must not leave an empty database and its directories behind).
        set_read_only(url)
        path = sqlite_path(url)
        if path is not None and not path.is_file():
            what = "is not a file" if path.exists() else "does not exist"
            raise DatabaseError(f"the source database {path} {what} (a source is opened read-only, never created)")
    set_query_timeout(url, settings.query_timeout)  # no analytics query may run for ever
    repository = AdminAnalyticsOptimizedRepository(url, clock=clock, mapping=settings.source, zone=settings.tz)
    if check:
        engine = check_connection(url)
        if not settings.source.configured:
            check_source_schema(engine, url)  # names every missing built-in table at once
        _ = repository.source  # the mapping, checked against the database now: one clear error
    return repository
