"""The event-loop stall monitor, and quitting while work is running.

Quitting during a job run, a report generation and an export (each stuck in a query that
would never end) must end the process, stop the queries, record the
interrupted job and report, and leave no file or temp behind.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from typing import Any

import pytest

from tests.support.reliability import Worker, temp_litter
from tests.support.waiting import HANG_GUARD
from tui_analytics.processor import AnalyticsBackgroundProcessor
from tui_analytics.reports import AnalyticsScheduledReportsService
from tui_analytics.runtime.clock import SYSTEM_CLOCK
from tui_analytics.runtime.events import EventBus
from tui_analytics.runtime.stall import Stall, StallMonitor

pytestmark = pytest.mark.slow  # worker subprocesses quit with signals mid-query


def hog_the_loop() -> None:
    time.sleep(0.3)  # blocking work on the event loop by mistake


async def test_stall_monitor_reports_a_slow_callback_with_its_stack(caplog) -> None:
    seen: list[Stall] = []
    with StallMonitor(threshold=0.1, on_stall=seen.append) as monitor:
        for _ in range(40):  # busy but never blocked (a loaded machine may still delay the loop)
            await asyncio.sleep(0.005)
        asyncio.get_running_loop().call_soon(hog_the_loop)
        await asyncio.sleep(0.5)
    assert seen == list(monitor.stalls)
    hogs = [stall for stall in seen if "hog_the_loop" in stall.where]
    assert len(hogs) == 1  # one stall, however long, is reported once
    stall = hogs[0]
    assert stall.duration_ms >= 100  # reported because it passed the 100 ms threshold (the sleep lasts 300)
    assert "hog_the_loop" in stall.where and "time.sleep(0.3)" in "".join(stall.stack)
    assert any("event loop stalled" in r.message and "hog_the_loop" in r.message for r in caplog.records)


async def test_stall_monitor_sees_a_coroutine_that_blocks() -> None:
    async def summary_on_the_loop() -> None:
        time.sleep(0.2)  # e.g. a query run without to_thread

    with StallMonitor(threshold=0.1) as monitor:
        await asyncio.sleep(0.06)
        await summary_on_the_loop()
        await asyncio.sleep(0.2)
    blocking = [stall for stall in monitor.stalls if "summary_on_the_loop" in "".join(stall.stack)]
    assert len(blocking) == 1 and monitor.count >= 1


async def test_stall_monitor_stops_and_leaves_no_thread() -> None:
    before = threading.active_count()
    monitor = StallMonitor()
    monitor.start()
    assert monitor.running and threading.active_count() == before + 1
    monitor.stop()
    assert not monitor.running and threading.active_count() == before


@pytest.mark.parametrize("how, sig", [("stop", signal.SIGTERM), ("cancel", signal.SIGTERM), ("cancel", signal.SIGINT)])
def test_quitting_during_a_job_a_report_and_an_export(settings, how, sig) -> None:
    worker = Worker("quit", str(settings.data_dir), how)
    try:
        worker.wait_for("READY")
        worker.proc.send_signal(sig)
        # The three queries never end by themselves: the process ending at all means quitting stopped them
        # (the deadline is only a hang guard).
        code, _, err = worker.finish(timeout=HANG_GUARD)
    finally:
        worker.close()
    if sig == signal.SIGTERM:
        assert code == 0 and "EXITED" in worker.lines
    assert "export of recent-activity interrupted" in err
    processor = AnalyticsBackgroundProcessor(
        settings, autostart=False, probe_loop_lag=False, bus=EventBus(), clock=SYSTEM_CLOCK
    ).open()
    runs = processor.history.recent("user-growth")
    assert [(r.status, r.trigger) for r in runs] == [("interrupted", "manual")]
    reports = AnalyticsScheduledReportsService(
        settings, auto_start=False, bus=EventBus(), clock=SYSTEM_CLOCK
    ).get_scheduled_reports()
    assert [(r.template_id, r.status) for r in reports] == [("daily-activity-summary", "interrupted")]
    assert reports[0].path is None and "interrupted" in (reports[0].error or "")
    for directory in (settings.resolved_export_dir, settings.resolved_report_dir):
        assert not directory.exists() or list(directory.iterdir()) == []
    assert temp_litter(settings.data_dir) == []


def test_stop_with_interrupt_on_a_live_loop_records_the_cancelled_run(settings, frozen_clock) -> None:
    from tests.support.processor_fakes import FakeRepository

    class Tracking(FakeRepository):
        left = threading.Event()  # set when the query returns (or gives up waiting for its gate)

        def top_items(self, *args: Any, **kwargs: Any) -> Any:
            try:
                return super().top_items(*args, **kwargs)
            finally:
                self.left.set()

    async def scenario() -> tuple[str, bool]:
        repo = Tracking(frozen_clock)
        gate = repo.block("top_items")
        processor = AnalyticsBackgroundProcessor(
            settings, repository=repo, clock=frozen_clock, autostart=False, probe_loop_lag=False, bus=EventBus()
        )
        run = asyncio.create_task(processor.trigger_job("top-items"))
        while not repo.entered["top_items"].is_set():
            await asyncio.sleep(0.01)
        processor.stop(interrupt=True)
        with pytest.raises(asyncio.CancelledError):
            await run
        status = processor.history.recent("top-items")[0].status
        query_still_running = not repo.left.is_set()  # stop did not wait for the stuck query
        gate.set()
        return status, query_still_running

    status, query_still_running = asyncio.run(scenario())
    assert status == "interrupted" and query_still_running
