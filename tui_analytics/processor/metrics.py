"""Measurements for the performance-metrics job: event-loop lag and process memory.

The lag probe is a tiny task that asks to wake every `interval` seconds and
records how late it woke: anything that blocks the loop (a query run on it by
mistake, a slow redraw) shows up as lag. It measures real time on purpose; lag
is not something a test clock could fake.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from tui_analytics.runtime.aio import cancel_task

log = logging.getLogger(__name__)


class LoopLagProbe:
    """Measures how late the event loop wakes a sleeping task, in milliseconds."""

    def __init__(self, interval: float = 0.25, window: int = 120) -> None:
        self.interval = interval
        self._samples: deque[float] = deque(maxlen=window)
        self._max_since_read = 0.0
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start probing on the running loop (no-op when already probing there)."""
        loop = asyncio.get_running_loop()
        if self.running and self._task is not None and self._task.get_loop() is loop:
            return
        self.stop()
        self._task = loop.create_task(self._probe(), name="tui-analytics loop-lag probe")

    def stop(self) -> None:
        task, self._task = self._task, None
        if task is None or task.done():
            return
        cancel_task(task)

    async def _probe(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(self.interval)
            self.record(max(0.0, (loop.time() - before - self.interval) * 1000.0))

    def record(self, lag_ms: float) -> None:
        self._samples.append(lag_ms)
        self._max_since_read = max(self._max_since_read, lag_ms)

    async def sample(self) -> float:
        """One immediate measurement (used when the probe is not running)."""
        loop = asyncio.get_running_loop()
        before = loop.time()
        await asyncio.sleep(0)
        lag = max(0.0, (loop.time() - before) * 1000.0)
        self.record(lag)
        return lag

    def snapshot(self) -> dict[str, float | None]:
        """Last, mean and max lag over the window, plus the max since the previous snapshot."""
        samples = list(self._samples)
        peak, self._max_since_read = self._max_since_read, 0.0
        if not samples:
            return {"lastMs": None, "meanMs": None, "maxMs": None, "maxSinceLastMs": None}
        return {
            "lastMs": round(samples[-1], 2),
            "meanMs": round(sum(samples) / len(samples), 2),
            "maxMs": round(max(samples), 2),
            "maxSinceLastMs": round(peak, 2),
        }
