"""Full refresh: the six jobs back to back through the processor vs the sum of the bare queries they need."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from benchmarks.common import END, Context, Row, check, label, median
from benchmarks.repository_cases import bare_queries, run_bare
from tui_analytics.config.settings import Settings
from tui_analytics.data.source.repository import AdminAnalyticsOptimizedRepository
from tui_analytics.processor import JOBS, AnalyticsBackgroundProcessor
from tui_analytics.runtime.clock import SYSTEM_CLOCK, FrozenClock
from tui_analytics.runtime.events import EventBus

# What the six jobs fetch from the source (processor/jobs.py DATASETS, plus the ping).
JOB_QUERIES = ("user_growth", "activity_trends", "activity_trends_30", "summary", "top_items", "recent_activity", "ping")


def make_processor(url: str, data_dir: Path) -> AnalyticsBackgroundProcessor:
    """A processor on `url` whose repository sees the benchmark databases' "now"; nothing scheduled."""
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings.for_dir(data_dir, database_url=url, timezone_name="UTC")
    repository = AdminAnalyticsOptimizedRepository(url, clock=FrozenClock(END))
    return AnalyticsBackgroundProcessor(
        settings,
        bus=EventBus(),
        clock=SYSTEM_CLOCK,
        repository=repository,
        autostart=False,
        warm_on_start=False,
        probe_loop_lag=False,
    )


async def full_refresh(processor: AnalyticsBackgroundProcessor) -> None:
    """Trigger every job in the documented order and wait for each; a failed run fails the case."""
    for spec in JOBS:
        run = await processor.trigger_job(spec.id)
        if run.status != "completed":
            raise RuntimeError(f"job {spec.id} {run.status}: {run.error}")


async def _measure(processor: AnalyticsBackgroundProcessor, repeat: int) -> tuple[list[float], list[float]]:
    statements = [s for name in JOB_QUERIES for s in bare_queries()[name]]
    repository: Any = await processor.get_repository()
    with repository.engine.connect() as conn:
        run_bare(conn, statements)  # warm-up
        await full_refresh(processor)
        bare, mine = [], []
        for _ in range(repeat):  # alternated, so load drift hits both alike
            started = time.perf_counter()
            run_bare(conn, statements)
            bare.append(time.perf_counter() - started)
            started = time.perf_counter()
            await full_refresh(processor)
            mine.append(time.perf_counter() - started)
    return bare, mine


def run(ctx: Context) -> list[Row]:
    rows = []
    for activities, url in ctx.urls.items():
        tag = label(activities)
        processor = make_processor(url, ctx.workdir / f"refresh-{tag}")
        try:
            bare, mine = asyncio.run(_measure(processor, ctx.repeat))
        finally:
            processor.stop()
        base, value = median(bare), median(mine)
        rows.append(Row(f"full refresh (6 jobs) @{tag}", value * 1000, "ms", base * 1000, "<=1.3x", check(value / base, 1.3)))
    return rows
