"""Cache read latency: AnalyticsCache.read() of a present key, as the dashboard's panes do it.

Measured in this thread's CPU time, batch by batch: on a shared machine a batch
during which the process was descheduled would otherwise count the wait as
latency. The wall-clock median is kept in the JSON for comparison.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from cachetools import TLRUCache

from benchmarks.common import Context, Row, check, median
from tui_analytics.processor.cache import AnalyticsCache

READS_PER_BATCH = 5_000
BATCHES = 100


def _batch(read: Callable[[str], Any], key: str) -> tuple[float, float]:
    """(thread CPU, wall) microseconds per read over one batch."""
    cpu, wall = time.thread_time(), time.perf_counter()
    for _ in range(READS_PER_BATCH):
        read(key)
    return ((time.thread_time() - cpu) / READS_PER_BATCH * 1e6, (time.perf_counter() - wall) / READS_PER_BATCH * 1e6)


def run(ctx: Context) -> list[Row]:
    cache = AnalyticsCache()
    for n in range(50):  # about what the six jobs keep
        cache.set(f"job-{n}:value", {"rows": list(range(20))}, ttl=600)
    key = "job-7:value"
    # The floor: the same cachetools structure with no lock, metadata or counters.
    bare = TLRUCache(maxsize=256, ttu=lambda _k, _v, now: now + 600, timer=time.monotonic)
    for n in range(50):
        bare[f"job-{n}:value"] = n
    _batch(cache.read, key)  # warm-up
    _batch(bare.get, key)
    found: dict[str, list[float]] = {"cpu": [], "wall": [], "bare_cpu": [], "bare_wall": []}
    for _ in range(BATCHES):  # alternated, so both see the same machine
        for prefix, read in (("", cache.read), ("bare_", bare.get)):
            cpu, wall = _batch(read, key)
            found[prefix + "cpu"].append(cpu)
            found[prefix + "wall"].append(wall)
    mine, base = median(found["cpu"]), median(found["bare_cpu"])
    extra = {"wall_us": median(found["wall"]), "bare_wall_us": median(found["bare_wall"])}
    return [Row("cache read (median, CPU time)", mine, "us", base, "<=2us", check(mine, 2.0), extra=extra)]
