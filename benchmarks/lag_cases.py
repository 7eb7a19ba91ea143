"""Event-loop lag: a 1 ms probe on the loop while full refreshes and a big CSV export run in the same process.

This is what the dashboard's loop lives through when an operator exports while
the jobs refresh: the processor's coroutines run on the loop, their queries and
the export run in worker threads, and all of them share one GIL.
"""

from __future__ import annotations

import asyncio
import gc
import time
from pathlib import Path
from typing import Any

from benchmarks.common import Context, Row, check, label, median, percentile
from benchmarks.refresh_cases import full_refresh, make_processor
from tui_analytics.export import AnalyticsExportService, ExportOptions

PROBE_S = 0.001


async def _probe(samples: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(PROBE_S)
        samples.append(max(0.0, time.perf_counter() - started - PROBE_S) * 1000.0)


class _FullCollections:
    """Durations (ms) of the garbage collector's full (generation 2) collections while installed.

    A full collection holds the GIL for its whole run, so it stalls the loop like
    blocking work would; the table shows the longest one next to the lag figures.
    """

    def __init__(self) -> None:
        self.pauses: list[float] = []
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.pauses.append((time.perf_counter() - self._started) * 1000.0)

    def __enter__(self) -> _FullCollections:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        gc.callbacks.remove(self)


async def _one_run(url: str, data_dir: Path, rows: int) -> tuple[list[float], int]:
    processor = make_processor(url, data_dir)
    try:
        repository = await processor.get_repository()
        service = AnalyticsExportService(repository, settings=processor.settings)
        await full_refresh(processor)  # warm caches and the thread pool before measuring
        samples: list[float] = []
        stop = asyncio.Event()
        probe = asyncio.create_task(_probe(samples, stop))
        export = asyncio.create_task(
            service.export_to_file(
                "recent-activity",
                data_dir / "lag-export.csv",
                ExportOptions(format="csv"),
                size=rows,
            )
        )
        refreshes = 0
        while not export.done():  # keep the jobs busy for the whole export
            await full_refresh(processor)
            refreshes += 1
        result = await export
        stop.set()
        await probe
        if result.rows != rows:
            raise RuntimeError(f"lag export wrote {result.rows} rows, expected {rows}")
        return samples, refreshes
    finally:
        processor.stop()


def run(ctx: Context) -> list[Row]:
    db = ctx.size.export_db
    rows = ctx.size.lag_export_rows
    stats: dict[str, list[float]] = {"p50": [], "p99": [], "max": []}
    refreshes = []
    gc_pauses: list[float] = []
    for n in range(ctx.child_repeat):
        with _FullCollections() as collections:
            samples, done = asyncio.run(_one_run(ctx.urls[db], ctx.workdir / f"lag-{n}", rows))
        gc_pauses.append(max(collections.pauses, default=0.0))
        stats["p50"].append(percentile(samples, 50))
        stats["p99"].append(percentile(samples, 99))
        stats["max"].append(max(samples))
        refreshes.append(done)
    where = f"refresh+export {label(rows)} rows @{label(db)}"
    extra = {"runs": stats, "refreshes": refreshes}
    p50, p99, peak = (median(stats[k]) for k in ("p50", "p99", "max"))
    return [
        Row(f"loop lag p50 ({where})", p50, "ms", extra=extra),
        Row(f"loop lag p99 ({where})", p99, "ms", target="<=16ms", ok=check(p99, 16.0)),
        Row(f"loop lag max ({where})", peak, "ms", target="<=50ms", ok=check(peak, 50.0)),
        Row("  longest full GC pause in those runs", median(gc_pauses), "ms", extra={"runs": gc_pauses}),
    ]
