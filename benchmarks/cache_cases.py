"""Cache read latency: AnalyticsCache.read() of a present key, as the dashboard's panes do it."""

from __future__ import annotations

import time

from cachetools import TLRUCache

from tui_analytics.cache import AnalyticsCache

from .common import Context, Row, check, median

READS_PER_BATCH = 10_000
BATCHES = 50


def _per_read_us(read, key: str) -> float:
    """Median over batches of the mean time of one read, in microseconds."""
    per_batch = []
    for _ in range(BATCHES):
        started = time.perf_counter()
        for _ in range(READS_PER_BATCH):
            read(key)
        per_batch.append((time.perf_counter() - started) / READS_PER_BATCH * 1e6)
    return median(per_batch)


def run(ctx: Context) -> list[Row]:
    cache = AnalyticsCache()
    for n in range(50):  # about what the six jobs keep
        cache.set(f"job-{n}:value", {"rows": list(range(20))}, ttl=600)
    key = "job-7:value"
    # The floor: the same cachetools structure with no lock, metadata or counters.
    bare = TLRUCache(maxsize=256, ttu=lambda _k, _v, now: now + 600, timer=time.monotonic)
    for n in range(50):
        bare[f"job-{n}:value"] = n
    _per_read_us(cache.read, key)  # warm-up
    mine, base = _per_read_us(cache.read, key), _per_read_us(bare.get, key)
    return [Row("cache read (median)", mine, "us", base, "<=2us", check(mine, 2.0))]
