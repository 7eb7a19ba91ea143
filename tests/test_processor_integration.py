"""The processor against the real demo database, and the event loop staying free while queries run."""

from __future__ import annotations

import asyncio
import dataclasses
import time

from tui_analytics.processor.metrics import LoopLagProbe

from .test_processor_fakes import ALL_JOBS, fake_repo, make_processor  # noqa: F401


async def max_loop_gap_while(awaitable, tick: float = 0.01) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """Run `awaitable` while a ticker measures the longest extra wait between its ticks (seconds)."""
    loop = asyncio.get_running_loop()
    worst = 0.0
    task = asyncio.ensure_future(awaitable)
    while not task.done():
        before = loop.time()
        await asyncio.sleep(tick)
        worst = max(worst, loop.time() - before - tick)
    return worst, task.result()


async def test_the_loop_keeps_turning_while_a_slow_query_runs(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    fake_repo.sleep["top_items"] = 0.6  # a slow query: blocks its worker thread for 0.6 s
    started = time.perf_counter()
    worst, run = await max_loop_gap_while(processor.trigger_job("top-items"))
    assert run.status == "completed"
    assert time.perf_counter() - started >= 0.6
    assert worst < 0.15, f"the event loop stalled for {worst:.3f} s during the query"


async def test_the_gap_measurement_does_see_a_blocked_loop() -> None:
    # Proof the check above can fail: the same query run on the loop itself stalls it.
    async def blocking() -> None:
        await asyncio.sleep(0.02)
        time.sleep(0.4)

    worst, _ = await max_loop_gap_while(blocking())
    assert worst >= 0.35


async def test_lag_probe_reports_a_blocked_loop() -> None:
    probe = LoopLagProbe(interval=0.02)
    probe.start()
    try:
        await asyncio.sleep(0.1)
        quiet = probe.snapshot()
        time.sleep(0.25)  # block the loop on purpose
        await asyncio.sleep(0.05)
        busy = probe.snapshot()
    finally:
        probe.stop()
    assert quiet["maxSinceLastMs"] < 100
    assert busy["maxSinceLastMs"] >= 200
    assert busy["maxMs"] >= 200


async def test_all_six_jobs_against_the_demo_database(make_processor, settings) -> None:
    processor = make_processor(None, settings=settings)  # the repository is opened on first use
    results = [await processor.trigger_job(job_id) for job_id in ALL_JOBS]
    assert [(r.job_id, r.status, r.error) for r in results] == [(j, "completed", None) for j in ALL_JOBS]
    growth = processor.get_cached("user-growth:12").value
    assert len(growth) == 12 and set(growth[0]) == {"month", "newUsers", "totalUsers"}
    assert growth[-1]["month"] == "2026-01"
    assert len(processor.get_cached("activity-trends:7").value) == 7
    assert len(processor.get_cached("activity-trends:30").value) == 30
    assert processor.get_cached("activity-trends:summary").value["totalActivities"] == 20_000
    top = processor.get_cached("top-items:10").value
    assert [row["rank"] for row in top] == list(range(1, 11))
    recent = processor.get_cached("recent-activity:20").value
    assert len(recent) == 20 and recent[0]["timestamp"] >= recent[-1]["timestamp"]
    perf = processor.get_cached("performance-metrics").value
    assert perf["databaseLatencyMs"] > 0 and perf["memoryRssMb"] > 0
    # durations come from the frozen clock here (0 ms); the real clock is exercised by the benchmark
    assert all(s.status == "completed" and s.last_run is not None for s in processor.get_job_statuses())


async def test_database_password_never_reaches_the_status(make_processor, settings) -> None:
    broken = dataclasses.replace(settings, database_url="postgresql://app:s3cr3t-pw@127.0.0.1:1/analytics")
    processor = make_processor(None, settings=broken)
    run = await processor.trigger_job("user-growth")
    assert run.status == "failed"
    assert "127.0.0.1" in run.error and "s3cr3t-pw" not in run.error
    assert "s3cr3t-pw" not in (processor.get_job_status("user-growth").error or "")
    history = await processor.get_recent_runs("user-growth")
    assert "s3cr3t-pw" not in (history[0].error or "")
