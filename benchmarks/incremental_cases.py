"""Incremental refresh: the six jobs over rollups at 1M, 10M and 30M activities.

History grows at a constant daily rate (RATE activities a day, users N/50, items N/500), so
a bigger database is a longer history, not a busier day. The rollups are built once (timed,
with the peak memory it adds), then one day's new rows (RATE, the same at every size) are
inserted into the open day and one full refresh of the six jobs is timed: CPU milliseconds
of this process (SQLite runs in it; for PostgreSQL the server's CPU is not in it: wall is
shown too). The data is made by bulk SQL (a recursive CTE, generate_series), cached in
benchmarks/.cache/incremental-*.

    python -m benchmarks.incremental_cases --sizes 1M,10M [--postgres URL --pg-sizes 1M] [--full]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import text

from tui_analytics.data.engines import new_engine
from tui_analytics.data.schema import source_metadata

RATE = 10_000  # activities a day, at every size
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=timezone.utc)
TODAY = datetime(2026, 1, 15, tzinfo=timezone.utc)
CACHE = Path(__file__).resolve().parent / ".cache"
ACTIONS = "CASE abs(random()) % 4 WHEN 0 THEN 'view' WHEN 1 THEN 'click' WHEN 2 THEN 'purchase' ELSE 'share' END"


def parse_size(text_: str) -> int:
    return int(float(text_.rstrip("Mm")) * 1_000_000) if text_[-1] in "Mm" else int(text_)


def _sqlite_fill(url: str, n: int) -> None:
    engine = new_engine(url)
    users, items = max(n // 50, 10), max(n // 500, 10)
    start = int(TODAY.timestamp()) - (n // RATE) * 86400
    step, span = 86400 / RATE, (n // RATE) * 86400
    stamp = "strftime('%Y-%m-%d %H:%M:%S', {t}, 'unixepoch') || '.000000'"
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=OFF")
        for table in source_metadata.sorted_tables:
            table.create(conn)
        for index in [i for t in source_metadata.sorted_tables for i in t.indexes]:
            index.drop(conn)
        conn.exec_driver_sql(
            f"WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < {users}) "
            "INSERT INTO users (id, name, email, created_at) "
            f"SELECT k, 'user ' || k, 'u' || k || '@example.com', {stamp.format(t=f'{start} + (k - 1) * {span / users}')} FROM s"
        )
        conn.exec_driver_sql(
            f"WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < {items}) "
            "INSERT INTO items (id, name, category, created_at) "
            f"SELECT k, 'item ' || k, 'cat ' || (k % 12), {stamp.format(t=str(start))} FROM s"
        )
        conn.exec_driver_sql(
            f"WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < {n}) "
            "INSERT INTO activities (id, user_id, item_id, action, created_at) "
            f"SELECT k, abs(random()) % {users} + 1, (abs(random()) % {items}) * (abs(random()) % {items}) / {items} + 1, "
            f"{ACTIONS}, {stamp.format(t=f'{start} + (k - 1) * {step}')} FROM s"
        )
        for index in [i for t in source_metadata.sorted_tables for i in t.indexes]:
            index.create(conn)
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def _pg_fill(url: str, n: int) -> None:
    engine = new_engine(url)
    users, items = max(n // 50, 10), max(n // 500, 10)
    start = TODAY - timedelta(days=n // RATE)
    span = (n // RATE) * 86400
    with engine.begin() as conn:
        for table in reversed(source_metadata.sorted_tables):
            conn.execute(text(f"DROP TABLE IF EXISTS {table.name} CASCADE"))
        for table in source_metadata.sorted_tables:
            table.create(conn)
        for index in [i for t in source_metadata.sorted_tables for i in t.indexes]:
            index.drop(conn)
        conn.execute(
            text(
                "INSERT INTO users (id, name, email, created_at) SELECT k, 'user ' || k, 'u' || k || '@example.com', "
                f"CAST(:s AS timestamp) + (k - 1) * interval '{span / users} seconds' FROM generate_series(1, {users}) k"
            ),
            {"s": start.replace(tzinfo=None)},
        )
        conn.execute(
            text(
                "INSERT INTO items (id, name, category, created_at) SELECT k, 'item ' || k, 'cat ' || (k % 12), "
                f"CAST(:s AS timestamp) FROM generate_series(1, {items}) k"
            ),
            {"s": start.replace(tzinfo=None)},
        )
        conn.execute(
            text(
                "INSERT INTO activities (id, user_id, item_id, action, created_at) SELECT k, "
                f"floor(random() * {users})::int + 1, "
                f"floor(random() * {items})::int * floor(random() * {items})::int / {items} + 1, "
                "(ARRAY['view','click','purchase','share'])[floor(random() * 4)::int + 1], "
                f"CAST(:s AS timestamp) + (k - 1) * interval '{86400 / RATE} seconds' FROM generate_series(1, {n}) k"
            ),
            {"s": start.replace(tzinfo=None)},
        )
        for index in [i for t in source_metadata.sorted_tables for i in t.indexes]:
            index.create(conn)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def source_url(engine_name: str, n: int, pg_url: str | None) -> str:
    """The cached database of `n` activities (made now when missing)."""
    CACHE.mkdir(exist_ok=True)
    if engine_name == "sqlite":
        path = CACHE / f"incremental-{n}.sqlite3"
        if not path.exists():
            partial = path.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            started = time.perf_counter()
            _sqlite_fill(f"sqlite:///{partial}", n)
            partial.replace(path)
            print(f"made {path.name} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        return f"sqlite:///{path}"
    assert pg_url is not None
    marker = CACHE / f"incremental-pg-{n}.made"
    if not marker.exists():
        for other in CACHE.glob("incremental-pg-*.made"):  # one size at a time in that database
            other.unlink()
        started = time.perf_counter()
        _pg_fill(pg_url, n)
        marker.write_text(pg_url)
        print(f"made PostgreSQL {n} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return pg_url


def _insert_today(url: str, n: int, first_id: int) -> None:
    """RATE new rows in the open day (from midnight to now), as a day of new data."""
    engine = new_engine(url)
    users, items = max(n // 50, 10), max(n // 500, 10)
    step = (NOW - TODAY).total_seconds() / RATE
    rows = [
        {
            "id": first_id + k,
            "u": k * 7919 % users + 1,
            "i": k * 104729 % items + 1,
            "t": (TODAY + timedelta(seconds=k * step)).replace(tzinfo=None),
        }
        for k in range(RATE)
    ]
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM activities WHERE id >= :f"), {"f": first_id})
        conn.execute(
            text("INSERT INTO activities (id, user_id, item_id, action, created_at) VALUES (:id, :u, :i, 'view', :t)"), rows
        )
    engine.dispose()


async def _refreshes(processor: Any, clock: Any, repeat: int) -> tuple[list[float], list[float]]:
    """CPU and wall milliseconds of `repeat` full refreshes, after one warm-up."""
    from benchmarks.refresh_cases import full_refresh

    cpu_ms, wall_ms = [], []
    await full_refresh(processor)
    for _ in range(repeat):
        clock.advance(timedelta(minutes=5))  # a job interval later: each refresh checks the lateness days
        c, w = time.process_time(), time.perf_counter()
        await full_refresh(processor)
        cpu_ms.append((time.process_time() - c) * 1000)
        wall_ms.append((time.perf_counter() - w) * 1000)
    return cpu_ms, wall_ms


def measure(url: str, n: int, workdir: Path, repeat: int, full: bool) -> dict[str, Any]:
    """In a fresh process: build, insert the day, time refreshes (CPU and wall)."""
    from tui_analytics.config.settings import Settings
    from tui_analytics.data.rollups.answers import IncrementalRepository
    from tui_analytics.data.rollups.store import RollupStore
    from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
    from tui_analytics.processor import AnalyticsBackgroundProcessor
    from tui_analytics.runtime.clock import SYSTEM_CLOCK, FrozenClock
    from tui_analytics.runtime.events import EventBus

    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "state.sqlite3").unlink(missing_ok=True)
    _insert_today(url, n, n + 1)  # removed again before the build: the build sees the history only
    with new_engine(url).begin() as conn:
        conn.execute(text("DELETE FROM activities WHERE id > :n"), {"n": n})
    clock = FrozenClock(NOW)
    base = AdminAnalyticsOptimizedRepository(url, clock=clock)
    inc = IncrementalRepository(base, RollupStore(new_engine(f"sqlite:///{workdir / 'state.sqlite3'}")), writer=True)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu, wall = time.process_time(), time.perf_counter()
    assert inc.maintainer is not None
    inc.maintainer.build()
    build = {"buildWallS": time.perf_counter() - wall, "buildCpuS": time.process_time() - cpu}
    build["buildPeakRssAddedMb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    _insert_today(url, n, n + 1)
    out: dict[str, Any] = {"activities": n, **build}
    for name, repo in (("incremental", inc), *((("full", base),) if full else ())):
        settings = Settings.for_dir(workdir / name, database_url=url, timezone_name="UTC")
        processor = AnalyticsBackgroundProcessor(
            settings,
            bus=EventBus(),
            clock=SYSTEM_CLOCK,
            repository=repo,
            autostart=False,
            warm_on_start=False,
            probe_loop_lag=False,
        )
        try:
            cpu_ms, wall_ms = asyncio.run(_refreshes(processor, clock, repeat))
        finally:
            processor.stop()
        out[f"{name}CpuMs"] = sorted(cpu_ms)[len(cpu_ms) // 2]
        out[f"{name}WallMs"] = sorted(wall_ms)[len(wall_ms) // 2]
    with new_engine(url).begin() as conn:
        conn.execute(text("DELETE FROM activities WHERE id > :n"), {"n": n})
    return out


def build_lag(url: str, workdir: Path) -> dict[str, float]:
    """Event-loop lag (a 1 ms probe on an asyncio loop) while the first build runs in its thread,
    as the dashboard hosts it: p50, p99 and max in ms, and the build's wall seconds."""
    from tui_analytics.data.rollups.answers import IncrementalRepository
    from tui_analytics.data.rollups.store import RollupStore
    from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
    from tui_analytics.runtime.clock import FrozenClock

    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "lag-state.sqlite3").unlink(missing_ok=True)
    base = AdminAnalyticsOptimizedRepository(url, clock=FrozenClock(NOW))
    inc = IncrementalRepository(base, RollupStore(new_engine(f"sqlite:///{workdir / 'lag-state.sqlite3'}")), writer=True)
    assert inc.maintainer is not None

    async def probe() -> list[float]:
        lags: list[float] = []
        started = time.perf_counter()
        inc.maintainer.start_build()  # type: ignore[union-attr]
        while inc.rollup_state().status == "building" or not lags:
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            lags.append((time.perf_counter() - before - 0.001) * 1000)
        lags.append((time.perf_counter() - started) * 1000)  # the last entry: the build's wall ms
        return lags

    lags = asyncio.run(probe())
    wall, lags = lags[-1] / 1000, sorted(lags[:-1])
    return {"p50": lags[len(lags) // 2], "p99": lags[int(len(lags) * 0.99)], "max": lags[-1], "buildS": wall}


def _line(engine_name: str, n: int, found: dict[str, Any]) -> str:
    full = f"; full queries {found['fullCpuMs']:.0f} ms CPU, {found['fullWallMs']:.0f} ms wall" if "fullCpuMs" in found else ""
    return (
        f"{engine_name} {n / 1e6:g}M: refresh {found['incrementalCpuMs']:.1f} ms CPU, "
        f"{found['incrementalWallMs']:.1f} ms wall{full}; first build {found['buildWallS']:.1f} s wall, "
        f"{found['buildCpuS']:.1f} s CPU, +{found['buildPeakRssAddedMb']:.0f} MB peak RSS"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.incremental_cases", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1M,10M", help="SQLite sizes, e.g. 1M,10M,30M")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database of its own (its tables are replaced)")
    parser.add_argument("--pg-sizes", default="1M")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--full", action="store_true", help="also time the full queries (slow at 10M)")
    parser.add_argument("--lag", metavar="SIZE", help="only: loop lag while the first build of SIZE (SQLite) runs")
    parser.add_argument("--one", nargs=3, metavar=("ENGINE", "N", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:  # the child: one measurement in a fresh process (peak memory of its own)
        engine_name, n, url = args.one
        print(json.dumps(measure(url, int(n), CACHE / f"work-{engine_name}-{n}", args.repeat, args.full)))
        return 0
    if args.lag:
        n = parse_size(args.lag)
        found = build_lag(source_url("sqlite", n, None), CACHE / f"work-sqlite-{n}")
        print(
            f"sqlite {n / 1e6:g}M first build {found['buildS']:.1f} s; event-loop lag meanwhile (1 ms probe): "
            f"p50 {found['p50']:.2f} ms, p99 {found['p99']:.2f} ms, max {found['max']:.1f} ms"
        )
        return 0
    plan = [("sqlite", parse_size(s)) for s in args.sizes.split(",") if s]
    if args.postgres:
        plan += [("postgresql", parse_size(s)) for s in args.pg_sizes.split(",") if s]
    results: dict[tuple[str, int], dict[str, Any]] = {}
    for engine_name, n in plan:
        url = source_url(engine_name, n, args.postgres)
        cmd = [
            sys.executable,
            "-m",
            "benchmarks.incremental_cases",
            "--repeat",
            str(args.repeat),
            "--one",
            engine_name,
            str(n),
            url,
        ]
        done = subprocess.run(cmd + (["--full"] if args.full else []), capture_output=True, text=True, check=False)
        if done.returncode:
            print(done.stderr, file=sys.stderr)
            return 1
        results[(engine_name, n)] = found = json.loads(done.stdout.strip().splitlines()[-1])
        print(_line(engine_name, n, found))
    for engine_name in ("sqlite", "postgresql"):
        sizes = sorted(n for e, n in results if e == engine_name)
        if len(sizes) > 1:
            small, big = results[(engine_name, sizes[0])], results[(engine_name, sizes[-1])]
            ratio = big["incrementalCpuMs"] / small["incrementalCpuMs"]
            print(f"{engine_name} ratio {sizes[-1] / 1e6:g}M/{sizes[0] / 1e6:g}M: {ratio:.2f}x CPU (target <= 1.3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
