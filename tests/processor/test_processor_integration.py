"""The processor against the real demo database, and the event loop staying free while queries run."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading
import time

from tests.support.processor_fakes import ALL_JOBS
from tests.support.waiting import wait_until
from tui_analytics.processor.metrics import LoopLagProbe


class Ticker:
    """A task of our own on the loop: `ticks` counts how often the loop got round to it."""

    def __init__(self) -> None:
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.ticks += 1
            await asyncio.sleep(0.001)

    async def __aenter__(self) -> Ticker:
        self._task = asyncio.create_task(self._run())
        await wait_until(lambda: self.ticks > 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def test_the_loop_keeps_turning_while_a_slow_query_runs(make_processor, fake_repo) -> None:
    processor = make_processor(fake_repo)
    gate = fake_repo.block("top_items")  # a slow query: blocks its worker thread until the gate opens
    async with Ticker() as ticker:
        run = asyncio.create_task(processor.trigger_job("top-items"))
        await wait_until(fake_repo.entered["top_items"].is_set)  # the query is running
        during = ticker.ticks
        await wait_until(lambda: ticker.ticks >= during + 20)  # ...and the loop keeps serving other tasks
        assert not run.done() and not gate.is_set()  # all while the query is still inside
    gate.set()
    result = await run
    assert result.status == "completed"
    assert threading.current_thread().name not in fake_repo.threads  # the query ran off the loop's thread


async def test_the_tick_count_does_see_a_blocked_loop(fake_repo) -> None:
    # Proof the check above can fail: the same gated query run on the loop itself stops the ticks.
    gate = fake_repo.block("top_items")
    opener = threading.Timer(0.2, gate.set)  # someone else opens the gate (the loop cannot)
    async with Ticker() as ticker:
        before = ticker.ticks
        opener.start()
        fake_repo.top_items()  # on the loop's thread: nothing else runs until it returns
        assert ticker.ticks == before
    opener.join()
    assert threading.current_thread().name in fake_repo.threads


async def test_lag_probe_reports_a_blocked_loop() -> None:
    probe = LoopLagProbe(interval=0.02)
    probe.start()
    try:
        await wait_until(lambda: probe.snapshot()["maxSinceLastMs"] is not None)  # sampling
        probe.snapshot()  # a new "since last" window starts here
        time.sleep(0.25)  # block the loop on purpose
        await asyncio.sleep(0.05)  # the probe's overdue tick runs first and measures the block
        busy = probe.snapshot()
    finally:
        probe.stop()
    # The block is seen: at least the 250 ms it lasted, less the probe's 20 ms interval (a lower
    # bound set by the sleep above, which a loaded machine can only lengthen).
    since_last, peak = busy["maxSinceLastMs"], busy["maxMs"]
    assert since_last is not None and since_last >= 200
    assert peak is not None and peak >= since_last


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
