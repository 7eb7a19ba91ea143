"""Database faults under a running processor: the run fails with one clear line, the cached
data stays readable (marked stale), and the next run after recovery succeeds without a restart.

SQLite: the source file removed, replaced by garbage or by a directory, and a runaway
query stopped by the watchdog. PostgreSQL (a private database on the machine's server):
refused connections through a proxy, pg_terminate_backend mid-query and between runs,
statement_timeout.
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.support.constants import DEMO_SPEC
from tests.support.reliability import TcpProxy, needs_postgres, private_pg_database, terminate_backends, wait_for_query
from tests.support.waiting import without_hanging
from tui_analytics.config.settings import Settings
from tui_analytics.data.engines import new_engine
from tui_analytics.data.source.demo_data import load_demo_data
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.data.source.rows import UserGrowthRow
from tui_analytics.processor import AnalyticsBackgroundProcessor
from tui_analytics.processor.cache import CacheEntry
from tui_analytics.runtime.clock import FrozenClock
from tui_analytics.runtime.daterange import DateRange
from tui_analytics.runtime.events import EventBus
from tui_analytics.runtime.retry import RetryPolicy

# database faults, PostgreSQL through a proxy and private databases; one xdist worker runs every test that uses the shared servers.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("database-servers")]

FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)
KEY = "user-growth:12"
RUNAWAY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


def make(
    settings: Settings, clock: FrozenClock, repository: Any = None, retry: RetryPolicy = FAST_RETRY
) -> AnalyticsBackgroundProcessor:
    return AnalyticsBackgroundProcessor(
        settings, repository=repository, clock=clock, bus=EventBus(), autostart=False, probe_loop_lag=False, retry=retry
    )


def cached(processor: AnalyticsBackgroundProcessor, key: str) -> CacheEntry:
    """The cache entry of `key`, which a completed run has written."""
    entry = processor.get_cached(key)
    assert entry is not None, key
    return entry


def killer(database: str) -> threading.Thread:
    """A thread that waits for the sleepy query to run, then terminates its session."""

    def kill() -> None:
        wait_for_query(database, "tui-sleepy")
        terminate_backends(database, "query LIKE '%tui-sleepy%'")

    return threading.Thread(target=kill)


def move_away(path: Path) -> Path:
    """Move an SQLite file (and its WAL files) aside; returns where it went."""
    aside = path.with_name(path.name + ".aside")
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(path) + suffix)
        if src.exists():
            src.rename(Path(str(aside) + suffix))
    return aside


def move_back(aside: Path, path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(aside) + suffix)
        if src.exists():
            src.rename(Path(str(path) + suffix))


async def assert_fault_then_recovery(processor: AnalyticsBackgroundProcessor, break_it, fix_it, expect: str) -> None:
    """One good run, a failing run while broken (stale value kept), a good run once fixed."""
    good = await processor.trigger_job("user-growth")
    assert good.status == "completed", good.error
    before = processor.get_cached(KEY)
    assert before is not None and not before.stale
    break_it()
    bad = await without_hanging(processor.trigger_job("user-growth"), "a run on the broken source")  # fails, no hang
    assert bad.status == "failed"
    assert bad.error is not None
    assert expect in bad.error and "\n" not in bad.error and "Traceback" not in bad.error
    stale = processor.get_cached(KEY)
    assert stale is not None and stale.stale and stale.value == before.value  # still readable
    assert stale.error == bad.error
    fix_it()
    again = await processor.trigger_job("user-growth")  # same processor: no restart
    assert again.status == "completed", again.error
    fresh = processor.get_cached(KEY)
    assert fresh is not None and not fresh.stale and fresh.value == before.value


# -- SQLite --------------------------------------------------------------------------------


async def test_sqlite_source_removed_then_restored(settings, frozen_clock) -> None:
    path = settings.demo_database_path
    processor = make(settings, frozen_clock)
    aside: list[Path] = []
    await assert_fault_then_recovery(
        processor, lambda: aside.append(move_away(path)), lambda: move_back(aside[0], path), "was removed"
    )
    assert processor.get_job_status("user-growth").runs == 3


async def test_sqlite_source_removed_is_not_recreated_empty(settings, frozen_clock) -> None:
    path = settings.demo_database_path
    processor = make(settings, frozen_clock)
    assert (await processor.trigger_job("top-items")).status == "completed"
    move_away(path)
    assert (await processor.trigger_job("top-items")).status == "failed"
    assert not path.exists()  # a reconnect must not leave an empty database where the real one was


async def test_sqlite_source_replaced_by_garbage_then_by_a_directory(settings, frozen_clock) -> None:
    path = settings.demo_database_path
    processor = make(settings, frozen_clock)
    aside: list[Path] = []

    def garbage() -> None:
        aside.append(move_away(path))
        path.write_bytes(b"this is not an SQLite database" * 100)

    def restore() -> None:
        path.unlink()
        move_back(aside.pop(), path)

    await assert_fault_then_recovery(processor, garbage, restore, "not a database")

    def directory() -> None:
        aside.append(move_away(path))
        path.mkdir()

    def restore_dir() -> None:
        path.rmdir()
        move_back(aside.pop(), path)

    await assert_fault_then_recovery(processor, directory, restore_dir, "unable to open database file")


async def test_sqlite_source_replaced_by_a_restored_copy_is_read_at_once(settings, frozen_clock, tmp_path) -> None:
    # Pooled connections would keep reading the old (deleted) file for ever without the identity check.
    path = settings.demo_database_path
    processor = make(settings, frozen_clock)
    assert (await processor.trigger_job("top-items")).status == "completed"
    first = cached(processor, "top-items:10").value
    other = tmp_path / "other.sqlite3"
    engine = new_engine(f"sqlite:///{other}")
    load_demo_data(engine, replace(DEMO_SPEC, seed=99))
    engine.dispose()
    move_away(path)
    shutil.copy(other, path)
    assert (await processor.trigger_job("top-items")).status == "completed"
    assert cached(processor, "top-items:10").value != first


class RunawayRepository(AdminAnalyticsOptimizedRepository):
    """user_growth runs a query that never ends, once (the next call is normal)."""

    runaway_calls = 0

    def user_growth(self, months: int = 12, date_range: DateRange | None = None) -> list[UserGrowthRow]:
        if self.runaway_calls == 0:
            self.runaway_calls += 1
            self._rows(text(RUNAWAY))
        return super().user_growth(months, date_range)


async def test_sqlite_runaway_query_is_stopped_by_the_watchdog(settings, frozen_clock) -> None:
    from tui_analytics.data.engines import set_query_timeout

    settings = replace(settings, query_timeout=1.0)
    set_query_timeout(settings.source_url, settings.query_timeout)
    repo = RunawayRepository(settings.source_url, clock=frozen_clock)
    processor = make(settings, frozen_clock, repo)
    # The runaway query never ends by itself: the run ending at all, failed on the limit, is the watchdog at work.
    run = await without_hanging(processor.trigger_job("user-growth"), "a run stuck in a runaway query")
    assert repo.runaway_calls == 1 and run.status == "failed"
    assert run.error is not None
    assert "longer than the 1 s limit" in run.error and "TUI_ANALYTICS_QUERY_TIMEOUT" in run.error
    assert processor.retries == 0  # a query over its limit is not retried: it would only time out again
    assert (await processor.trigger_job("user-growth")).status == "completed"  # the connection is fine after


# -- retry policy ----------------------------------------------------------------------------


def test_backoff_is_capped_and_jittered() -> None:
    import random

    policy = RetryPolicy(attempts=8, base_delay=0.5, max_delay=4.0, jitter=0.5, rng=random.Random(1))
    delays = [policy.delay(n) for n in range(1, 8)]
    caps = [min(4.0, 0.5 * 2 ** (n - 1)) for n in range(1, 8)]
    assert all(cap / 2 <= d <= cap for d, cap in zip(delays, caps))
    assert max(delays) <= 4.0
    assert len({round(d, 6) for d in delays}) == len(delays)  # jittered: not a fixed ladder


class FlakyRepository:
    """Wraps a repository: the next `failures` calls raise the given error."""

    def __init__(self, inner: Any, failures: int, error: Exception) -> None:
        self.inner, self.failures, self.error, self.calls = inner, failures, error, 0

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.failures > 0:
                self.failures -= 1
                raise self.error
            return method(*args, **kwargs)

        return call


async def test_transient_failures_retry_the_whole_unit_with_backoff(settings, frozen_clock, repository) -> None:
    from tui_analytics.runtime.errors import DatabaseError

    blink = DatabaseError("query failed on sqlite:///x: database is locked")
    blink.transient = True  # type: ignore[attr-defined]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        frozen_clock.advance(seconds)

    policy = RetryPolicy(attempts=3, base_delay=1.0, max_delay=1.5, sleep=sleep)
    flaky = FlakyRepository(repository, 2, blink)
    processor = make(settings, frozen_clock, flaky, retry=policy)
    run = await processor.trigger_job("user-growth")
    # Months: two failures then an answer; then the job's days: one call.
    assert run.status == "completed" and processor.retries == 2 and flaky.calls == 4
    assert 0.5 <= waits[0] <= 1.0 and 0.75 <= waits[1] <= 1.5  # doubled, capped, jittered down

    hard = FlakyRepository(repository, 5, DatabaseError("query failed on sqlite:///x: no such table: users"))
    processor = make(settings, frozen_clock, hard, retry=policy)
    run = await processor.trigger_job("user-growth")
    assert run.status == "failed" and hard.calls == 2  # not transient: no retry (one call per dataset of the job)


# -- PostgreSQL --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_source() -> Any:
    """A private PostgreSQL database holding the demo data (module scope: loaded once)."""
    if not __import__("os").environ.get("TUI_ANALYTICS_TEST_POSTGRES_URL"):
        pytest.skip("TUI_ANALYTICS_TEST_POSTGRES_URL is not set")
    with private_pg_database("tui_rel_src") as url:
        engine = new_engine(url)
        load_demo_data(engine, DEMO_SPEC)
        engine.dispose()
        yield url


def pg_settings(settings: Settings, url: str, **changes: Any) -> Settings:
    return replace(settings, database_url=url, **changes)


class SleepyRepository(AdminAnalyticsOptimizedRepository):
    """user_growth first sleeps on the server (a long query), tagged so a test can find it."""

    sleep_seconds = 3.0

    def user_growth(self, months: int = 12, date_range: DateRange | None = None) -> list[UserGrowthRow]:
        self._rows(text(f"SELECT pg_sleep({self.sleep_seconds}) /* tui-sleepy */"))
        return super().user_growth(months, date_range)


@needs_postgres
async def test_pg_refused_connections_then_recovery(settings, frozen_clock, pg_source) -> None:
    from sqlalchemy.engine import make_url

    target = make_url(pg_source)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    try:
        processor = make(pg_settings(settings, proxy.url_for(pg_source)), frozen_clock)
        await assert_fault_then_recovery(processor, proxy.down, proxy.up, "Connection refused")
    finally:
        proxy.down()


@needs_postgres
async def test_pg_server_gone_mid_query_is_retried_whole(settings, frozen_clock, pg_source) -> None:
    database = pg_source.rsplit("/", 1)[1]
    s = pg_settings(settings, pg_source)
    processor = make(s, frozen_clock, SleepyRepository(pg_source, clock=frozen_clock))
    kill = killer(database)
    kill.start()
    run = await processor.trigger_job("user-growth")
    kill.join()
    assert run.status == "completed", run.error
    assert processor.retries == 1  # the killed unit ran again from the start, on a fresh connection


@needs_postgres
async def test_pg_terminate_mid_query_without_retries_fails_clearly_then_recovers(settings, frozen_clock, pg_source) -> None:
    database = pg_source.rsplit("/", 1)[1]
    repo = SleepyRepository(pg_source, clock=frozen_clock)
    processor = make(pg_settings(settings, pg_source), frozen_clock, repo, retry=RetryPolicy(attempts=1))
    repo.sleep_seconds = 0.01
    assert (await processor.trigger_job("user-growth")).status == "completed"
    repo.sleep_seconds = 3.0
    kill = killer(database)
    kill.start()
    run = await processor.trigger_job("user-growth")
    kill.join()
    assert run.status == "failed" and "terminating connection due to administrator command" in (run.error or "")
    assert cached(processor, KEY).stale
    repo.sleep_seconds = 0.01
    assert (await processor.trigger_job("user-growth")).status == "completed"
    assert not cached(processor, KEY).stale


@needs_postgres
async def test_pg_restart_between_runs_is_invisible(settings, frozen_clock, pg_source) -> None:
    database = pg_source.rsplit("/", 1)[1]
    processor = make(pg_settings(settings, pg_source), frozen_clock, retry=RetryPolicy(attempts=1))
    for job in ("user-growth", "activity-trends", "top-items", "recent-activity"):
        assert (await processor.trigger_job(job)).status == "completed"
    assert terminate_backends(database) >= 1  # every pooled session dies, as in a server restart
    for job in ("user-growth", "activity-trends", "top-items", "recent-activity", "performance-metrics"):
        run = await processor.trigger_job(job)
        assert run.status == "completed", run.error  # pre-ping replaced the dead sessions; no retry needed
    assert processor.retries == 0


@needs_postgres
async def test_pg_statement_timeout_stops_long_queries(settings, frozen_clock, pg_source) -> None:
    from tui_analytics.data.source.opening import open_source

    s = pg_settings(settings, pg_source, query_timeout=1.0)
    open_source(s, clock=frozen_clock)  # sets the per-session limit for this URL
    repo = SleepyRepository(pg_source, clock=frozen_clock)
    processor = make(s, frozen_clock, repo)
    # pg_sleep(3) would finish and the run complete: failing on the 1 s limit means the server stopped it.
    run = await without_hanging(processor.trigger_job("user-growth"), "a run in a long query")
    assert run.status == "failed"
    assert "longer than the 1 s limit" in (run.error or "")
    assert processor.retries == 0
    repo.sleep_seconds = 0.01
    assert (await processor.trigger_job("user-growth")).status == "completed"
