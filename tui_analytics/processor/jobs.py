"""The six jobs: what each run fetches and which cache keys it fills.

Each job is a coroutine on the event loop; every query goes through
`ctx.query(fetch, ...)`, which calls `fetch(repository)` in a worker thread. Cache
keys begin with the job id so `invalidate_cache("user-growth*")` matches them.
A dataset whose refresh fails keeps its last good value, marked stale, and the
run fails with the error; the job's other datasets are still refreshed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui_analytics.processor.models import JobSpec
from tui_analytics.runtime.errors import one_line
from tui_analytics.runtime.memory import process_memory

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # pragma: no cover
    from tui_analytics.data.source.protocol import SourceRepository
    from tui_analytics.data.source.rows import (
        ActivityTrendRow,
        PeriodRow,
        RecentActivityRow,
        Summary,
        TopItemRow,
        UserGrowthRow,
    )
    from tui_analytics.processor.processor import AnalyticsBackgroundProcessor

    # What a dataset key holds: a list of rows, or the summary.
    Dataset = list[UserGrowthRow] | list[ActivityTrendRow] | list[TopItemRow] | list[RecentActivityRow] | list[PeriodRow] | Summary


class JobError(Exception):
    """A run failed; the message is what the Jobs pane shows."""


def daily_signups(repository: SourceRepository) -> list[PeriodRow]:
    """New users per day of the last 30 days (the dashboard's short view of user growth); none
    from a source that cannot count by day."""
    from tui_analytics.data.source.protocol import PeriodTrends

    if not isinstance(repository, PeriodTrends):
        return []
    return repository.trend_by("user-growth", "day", 30)


# cache key -> the repository call that fills it
DATASETS: dict[str, Callable[[SourceRepository], Dataset]] = {
    "user-growth:12": lambda repository: repository.user_growth(months=12),
    "user-growth:days:30": daily_signups,
    "activity-trends:7": lambda repository: repository.activity_trends(days=7),
    "activity-trends:30": lambda repository: repository.activity_trends(days=30),
    "activity-trends:summary": lambda repository: repository.summary(),
    "top-items:10": lambda repository: repository.top_items(limit=10),
    "recent-activity:20": lambda repository: repository.recent_activity(limit=20),
}

PERFORMANCE_KEY = "performance-metrics"


def describe(exc: BaseException) -> str:
    """One line for an exception; a JobError is already written for an operator."""
    return one_line(exc, with_type=not isinstance(exc, JobError))


async def warm(ctx: AnalyticsBackgroundProcessor, job_id: str) -> dict[str, object]:
    """Refresh every dataset key of a job; one failing dataset does not stop the others."""
    keys = [key for key in DATASETS if key.startswith(job_id + ":")]
    ttl = ctx.ttl_for(job_id)
    rows: dict[str, int] = {}
    failed: dict[str, list[str]] = {}  # message -> the keys that failed with it
    unreadable: dict[str, int] = {}  # key -> source rows left out: their time is no real date
    for key in keys:
        try:
            value = await ctx.query(DATASETS[key], key)
        except Exception as exc:  # recorded on the run and on the stale entry
            message = ctx.describe_error(exc)
            ctx.cache.mark_failed(key, message)
            failed.setdefault(message, []).append(key)
            continue
        ctx.cache.set(key, value, ttl=ttl)
        rows[key] = len(value)  # rows of a list; the summary's fields
        bad = await _unreadable(ctx, key)
        if bad:
            unreadable[key] = bad
    if failed:
        # One cause (a locked or unreachable database) fails every key alike: say it once.
        if len(failed) == 1 and len(next(iter(failed.values()))) == len(keys):
            raise JobError(next(iter(failed)))
        raise JobError("; ".join(f"{', '.join(which)}: {message}" for message, which in failed.items()))
    return {"keys": keys, "rows": rows, "unreadable": unreadable} if unreadable else {"keys": keys, "rows": rows}


async def _unreadable(ctx: AnalyticsBackgroundProcessor, key: str) -> int:
    """How many source rows the refresh of `key` left out because their time is no real date (a
    stored '2026-02-30'): said once per refresh, never dropped in silence."""
    repository = await ctx.get_repository()
    counts = getattr(repository, "unreadable", None)
    bad = int(counts.get(key.split(":")[0].replace("-", "_"), 0)) if isinstance(counts, dict) else 0
    if bad:
        log.warning(
            "%s: %d source row%s left out: the stored time is no real date (such as 2026-02-30); `source check` counts them",
            key,
            bad,
            "" if bad == 1 else "s",
        )
    return bad


def _scheduler_state() -> str:
    # Imported here: listing the jobs (the CLI's --help) must not load APScheduler.
    from tui_analytics.runtime import scheduling

    return scheduling.state()


async def performance_metrics(ctx: AnalyticsBackgroundProcessor) -> dict[str, object]:
    """Measure, not invent: DB round trip, cache counters, loop lag, memory, scheduler state."""
    await ctx.poll_requests()  # job settings changed by other processes (a missed channel event)
    error: str | None = None
    try:
        latency: float | None = round(float(await ctx.query(lambda repository: repository.ping(), "ping")), 2)
    except Exception as exc:
        latency, error = None, ctx.describe_error(exc)
    stats = ctx.cache.stats()
    lag = ctx.lag_probe.snapshot() if ctx.lag_probe.running else {"lastMs": await ctx.lag_probe.sample()}
    import asyncio  # here, not at the top: listing the jobs (the CLI's --help) must stay cheap

    memory = await asyncio.to_thread(process_memory)
    value: dict[str, object] = {
        "measuredAt": ctx.clock.now().isoformat(),
        "databaseLatencyMs": latency,
        "databaseError": error,
        "cacheSize": stats.size,
        "cacheMaxSize": stats.maxsize,
        "cacheHits": stats.hits,
        "cacheMisses": stats.misses,
        "cacheHitRate": None if stats.hit_rate is None else round(stats.hit_rate, 4),
        "cacheStaleEntries": stats.stale,
        "eventLoopLagMs": lag.get("lastMs"),
        "eventLoopLagMeanMs": lag.get("meanMs"),
        "eventLoopLagMaxMs": lag.get("maxSinceLastMs", lag.get("lastMs")),
        "memoryRssMb": memory["rssMb"],
        "schedulerState": _scheduler_state() if not ctx.auto_sync_disabled else "disabled",
        "jobsRunning": ctx.running_job_count(),
    }
    rollups = await ctx.query(_rollup_progress, "rollup progress")
    if rollups:
        value["rollups"] = rollups  # only while the first build runs (or failed): the pane shows a row then
    ctx.cache.set(PERFORMANCE_KEY, value, ttl=ctx.ttl_for("performance-metrics"))
    ctx.latest_performance = value
    if error:
        raise JobError(f"database ping failed: {error}")
    return value


async def cache_cleanup(ctx: AnalyticsBackgroundProcessor) -> dict[str, object]:
    """Drop expired cache entries, old history rows and old audit rows; stamps last_cleanup only on success."""
    expired = ctx.cache.expire()
    pruned = await ctx.prune_history()
    verified = await ctx.query(_verify_rollups, "rollup verification")
    audit_rows = await ctx.prune_audit()
    ctx.last_cleanup = ctx.clock.now()
    out: dict[str, object] = {"expired": expired, "prunedRuns": pruned, "prunedAudit": audit_rows}
    if verified is not None:
        out["rollupDaysRebuilt"] = len(verified)
    return out


def _rollup_progress(repository: SourceRepository) -> str | None:
    progress = getattr(repository, "rollup_progress", None)  # the incremental repository only
    said = progress() if callable(progress) else None
    return str(said) if said else None


def _verify_rollups(repository: SourceRepository) -> list[str] | None:
    """Once a day, the rollups' per-day counts against the source (docs/data.md#rollups)."""
    verify = getattr(repository, "verify_rollups", None)  # the incremental repository only
    return verify() if callable(verify) else None


async def _user_growth(ctx: AnalyticsBackgroundProcessor) -> dict[str, object]:
    return await warm(ctx, "user-growth")


async def _activity_trends(ctx: AnalyticsBackgroundProcessor) -> dict[str, object]:
    return await warm(ctx, "activity-trends")


async def _top_items(ctx: AnalyticsBackgroundProcessor) -> dict[str, object]:
    return await warm(ctx, "top-items")


async def _recent_activity(ctx: AnalyticsBackgroundProcessor) -> dict[str, object]:
    return await warm(ctx, "recent-activity")


def _keys(job_id: str) -> tuple[str, ...]:
    return tuple(k for k in DATASETS if k.startswith(job_id + ":"))


# The six jobs, in the order docs/api.md lists them. `stagger_s` spreads the first runs after
# start so six queries do not hit the database in the same instant.
JOBS: tuple[JobSpec, ...] = (
    JobSpec("user-growth", "User Growth Aggregation", _user_growth, _keys("user-growth"), 4.0),
    JobSpec("activity-trends", "Activity Trends Aggregation", _activity_trends, _keys("activity-trends"), 3.0),
    JobSpec("top-items", "Top Items Ranking", _top_items, _keys("top-items"), 5.0),
    JobSpec("recent-activity", "Recent Activity Update", _recent_activity, _keys("recent-activity"), 2.0),
    JobSpec("performance-metrics", "Performance Metrics Update", performance_metrics, (PERFORMANCE_KEY,), 1.0),
    JobSpec("cache-cleanup", "Cache Cleanup", cache_cleanup, (), 0.0),
)

JOBS_BY_ID = {spec.id: spec for spec in JOBS}


def known_keys() -> list[str]:
    """Every cache key the jobs write, sorted."""
    return sorted(key for spec in JOBS for key in spec.keys)
